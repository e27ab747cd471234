# melforge: the whole set-up is `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test lint bench bench-smoke install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

install: $(PY)
	$(PIP) install --quiet -e .

demo: install
	$(VENV)/bin/melforge demo -o demo-output

lint: $(PY)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src

test: $(PY)
	$(PIP) install --quiet -e '.[test]'
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/pytest

bench: $(PY)
	$(PIP) install --quiet -e '.[bench]'
	$(PY) -m bench

bench-smoke: $(PY)
	$(PY) -m bench --smoke

clean:
	rm -rf $(VENV) build dist demo-output .pytest_cache .mypy_cache .ruff_cache
