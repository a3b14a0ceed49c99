# The two commands of the README. Both create .venv on first use.
.PHONY: demo test test-fast fuzz setup clean

setup:
	@sh scripts/bootstrap.sh

demo: setup
	.venv/bin/capcheck check specs/two_phase.cap

test: setup
	.venv/bin/python -m pytest -q

test-fast: setup
	.venv/bin/python -m pytest -q -m "not slow"

# The fuzz harness (docs/fuzzing.md): failing cases are written to fuzz-failures/.
fuzz: setup
	.venv/bin/python -m checker.fuzz --specs 3000 --histories 500 --traces 300 --clis 300 --jobs 2 --seed 1

clean:
	rm -rf .venv build *.egg-info .pytest_cache .hypothesis
