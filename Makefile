# Every target creates or refreshes .venv on first use, so a fresh checkout needs nothing else.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench soak clean

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/punchclock demo

# Lint, format check, import contracts (pyproject.toml [tool.importlinter]) and types, in a few seconds.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	for b in benchmarks/*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

# The multi-site soak (benchmarks/soak.py, issue 17): 3 gateways, 180 terminals, 2 API processes, 5 minutes on the
# PostgreSQL server of PUNCHCLOCK_TEST_PG_URL, which it restarts once (as root or the cluster's owner).
soak: $(STAMP)
	$(VENV)/bin/python benchmarks/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .ruff_cache .mypy_cache .import_linter_cache
