# The README's two commands (`make demo`, `make test`) and the other test tiers. All create
# .venv on first use. The tests run on every core (pytest-xdist); tests/README.md says what
# is in each tier and how long each takes.
.PHONY: demo test test-slow test-all test-fast lint fuzz setup clean

# -n auto: a worker per core; --dist loadfile: each test module whole on one worker
PYTEST = .venv/bin/python -m pytest -q -n auto --dist loadfile

setup:
	@sh scripts/bootstrap.sh

demo: setup
	.venv/bin/capcheck check specs/two_phase.cap

test: setup                # the fast tier: everything not marked slow
	$(PYTEST) -m "not slow"

test-slow: setup           # the slow tier: the costly cases and the full Hypothesis counts
	$(PYTEST) -m slow

test-all: setup            # both tiers in one run
	$(PYTEST)

test-fast: test            # the former name of `make test`

lint: setup                # ruff (style, likely bugs) and mypy (types); settings in pyproject.toml
	.venv/bin/ruff check checker tests bench scripts
	.venv/bin/mypy

# The fuzz harness (docs/fuzzing.md): failing cases are written to fuzz-failures/.
fuzz: setup
	.venv/bin/python -m checker.fuzz --specs 3000 --histories 500 --traces 300 --clis 300 --jobs 2 --seed 1

clean:
	rm -rf .venv build *.egg-info .pytest_cache .hypothesis
