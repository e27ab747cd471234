# melforge: the whole set-up is `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test test-torch lint bench bench-smoke install clean

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

# Torch-only references (Parakeet, Phi-4, Granite ...) rerun live, in a separate venv so
# that `make test` stays free of torch.  torch==2.13.0 is the CPU wheel on this machine.
# Granite's live tests also need torchaudio (see tests/golden/make_granite.py); without
# it they skip and the golden comparisons in `make test` still run.
VENV_TORCH ?= .venv-torch

$(VENV_TORCH)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_TORCH)
	$(VENV_TORCH)/bin/python -m pip --disable-pip-version-check install --quiet torch==2.13.0
	$(VENV_TORCH)/bin/python -m pip --disable-pip-version-check install --quiet -e '.[test]'
	touch $@

test-torch: $(VENV_TORCH)/.installed
	$(VENV_TORCH)/bin/pytest -m torch

bench: $(VENV)/.installed-bench
	$(PY) -m bench

bench-smoke: $(VENV)/.installed-test
	$(PY) -m bench --smoke

clean:
	rm -rf $(VENV) $(VENV_TORCH) build dist demo-output .pytest_cache .mypy_cache .ruff_cache
