# Two commands for people: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run stop test test-faults bench bench-engine i18n

$(STAMP): requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

test: $(STAMP)
	$(VENV)/bin/python scripts/run_tests.py

test-faults:
	$(PYTHON) faults/run_faults.py

run:
	$(PYTHON) scripts/run_demo.py

stop:
	$(PYTHON) scripts/run_demo.py --stop

bench:
	$(PYTHON) bench/bench_recurring.py

bench-engine: $(STAMP)
	$(VENV)/bin/python bench/bench_engine.py

i18n:
	$(PYTHON) scripts/update_i18n.py
