# Two commands for people: `make run` and `make test`. See README.md.
# The runners are modules of the packages scripts/, faults/ and bench/, run from here.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run stop test lint readme test-faults bench bench-quick bench-compare bench-engine i18n mutants

$(STAMP): requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

test: $(STAMP)
	$(VENV)/bin/python -m scripts.run_tests

# OCA's checks (ruff, pylint-odoo mandatory and optional, oca-checks-odoo-module,
# oca-checks-po, prettier, README.rst up to date); make test runs them first.
lint: $(STAMP)
	$(VENV)/bin/python -m scripts.lint

# README.rst and static/description/index.html from each add-on's readme/
readme: $(STAMP)
	$(VENV)/bin/python -m scripts.gen_readme

# The fault suite (pytest, faults/): real odoo processes killed, run twice at
# once, left down for weeks. pytest's options in ARGS, e.g.
# ARGS='-k two_workers --keep-logs'; its last line is pytest's summary.
test-faults: $(STAMP)
	$(VENV)/bin/python -m pytest faults -v -rfEs --tb=short $(ARGS)

run:
	$(PYTHON) -m scripts.run_demo

stop:
	$(PYTHON) -m scripts.run_demo --stop

bench:
	$(PYTHON) -m bench.bench_recurring

bench-quick:
	$(PYTHON) -m bench.bench_recurring --quick

# two runs' JSON side by side: A=a.json B=b.json, else the two newest runs
bench-compare:
	$(PYTHON) -m bench.compare $(A) $(B)

bench-engine: $(STAMP)
	$(VENV)/bin/python -m bench.bench_engine

i18n:
	$(PYTHON) -m scripts.update_i18n

mutants:
	$(PYTHON) -m scripts.guard_mutants
