"""The Z3 engine, in layers (STYLE.md rule 10); the only package that imports z3.

The solver side:

- `solver`: a small wrapper around one Z3 solver: scopes (push/pop) that are undone even
  when an exception escapes, a timeout per check, three-valued answers (sat, unsat, unknown
  with Z3's reason) carrying the model or the unsat core over named assumption literals.

Protocols (`capcheck check --engine smt`; checker/analysis/verify.py replays what they find):

- `symbolic`: values of the IR's finite types as structures of Z3 terms, kept canonical;
- `exprs`: IR expressions to symbolic values, with the run-time errors they can raise;
- `state`: one copy of a protocol's state, slot by slot as the explicit engine lays it out,
  and back to explicit states (`decode`);
- `steps`: every step of a state as symbolic actions (handlers, clients, faults);
- `bmc`: bounded model checking of invariants over k copies, the runs found matched to
  explicit paths;
- `lasso`: on the same unrolling, lasso-shaped runs that break `check available` or `check
  converges`: a dead end, an error reply or a fair loop (weak fairness over the explicit
  engine's classes of steps) once the faults stop;
- `params`: symbolic constants (`-D NAME=?`, `-D NAME=LO..HI`): one Z3 constant each,
  shared by every step, and the explicit model at the values a run was found with;
- `lin`: `check linearizable` as a formula over the clients' history the state records,
  against the tabulated object;
- `sessions`: `check durable`, `check read_your_writes` and `check monotonic_reads` (of a
  register, map or set only when no client can give up) as formulas over the same
  history, with the explicit watchers' definitions (props/sessions.py).

Recorded histories (`capcheck history --explain`):

- `history`: the translator of "this history is linearizable" into constraints, with one
  assumption literal per answered operation ("its response is kept"), and the check
  functions over it (linearizable or not; the smallest set of responses that contradict
  each other), which raise `SolverUnknown` when Z3 cannot decide.
- `explain`: the explanation `capcheck history --explain` prints: the violated part and
  the window the offline checker finds, the core Z3 finds in it, checked concretely by the
  offline checker before it is returned.
"""
