"""The fuzz harness (`make fuzz`, docs/fuzzing.md): mutated specs, mutated histories and
traces, and command lines a careless user could type, each run through `capcheck`'s
`main` in a forked child with a time and a memory limit; a case fails on exit status 70
(an internal error), a Python traceback on stderr, an exit status capcheck never gives, a
run past its time bound, or memory past its bound, and is written to a directory from
which it can be replayed.

- `mutate.py`: the corpus (the spec library, the docs' examples, the histories of the
  tests and of Porcupine) and the mutations, pure functions of a `random.Random`;
- `runner.py`: one case in a forked child, judged; many of them in parallel;
- `__main__.py`: the command (`python -m checker.fuzz --help`).

Nothing in the checker imports this package: it is a tool for developing capcheck, kept
inside it so that the tests can import it and `python -m checker.fuzz` runs it.
"""
