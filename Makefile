# melforge: the whole set-up is `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test lint bench bench-smoke install clean fuzz

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes (the install is editable, so code
# changes need no reinstall).
$(VENV)/.installed: $(PY) pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/melforge demo -o demo-output

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src

test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/pytest

# The decoder fuzzer at length (make test runs 400 mutants of the same fuzzer).
fuzz: $(VENV)/.installed-test
	$(PY) tests/fuzz/fuzzlib.py --mutants 5000 --keep fuzz-findings

bench: $(VENV)/.installed-bench
	$(PY) -m bench

bench-smoke: $(VENV)/.installed-test
	$(PY) -m bench --smoke

clean:
	rm -rf $(VENV) build dist demo-output .pytest_cache .mypy_cache .ruff_cache
