# melforge: the whole set-up is `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test test-torch lint bench bench-smoke install clean docs

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

$(VENV)/.installed-docs: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[docs]'
	touch $@ $(VENV)/.installed

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

# Live comparisons with torch-only references (tests marked `torch`), in a separate venv
# so that `make test` stays free of torch; torch 2.13.0 is the CPU wheel.
TORCH_VENV ?= .venv-torch
test-torch:
	test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --quiet -e '.[test]' torch==2.13.0
	$(TORCH_VENV)/bin/pytest -m torch

bench: $(VENV)/.installed-bench
	$(PY) -m bench

bench-smoke: $(VENV)/.installed-test
	$(PY) -m bench --smoke

# The documentation site (Sphinx, numpydoc, sphinx-gallery) in docs/_build/html;
# warnings are errors.
docs: $(VENV)/.installed-docs
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build dist demo-output .pytest_cache .mypy_cache .ruff_cache \
		docs/_build docs/auto_examples docs/api
