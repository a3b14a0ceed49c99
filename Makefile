# The two commands of the README. Both create .venv on first use.
.PHONY: demo test test-fast setup clean

setup:
	@sh scripts/bootstrap.sh

demo: setup
	.venv/bin/capcheck check specs/two_phase.cap

test: setup
	.venv/bin/python -m pytest -q

test-fast: setup
	.venv/bin/python -m pytest -q -m "not slow"

clean:
	rm -rf .venv build *.egg-info .pytest_cache .hypothesis
