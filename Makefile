# melforge: the whole set-up is `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test test-torch lint bench bench-smoke install clean docs fuzz

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

# Torch-only references (Parakeet, Phi-4, Granite ...) rerun live, in a separate venv so
# that `make test` stays free of torch.  torch==2.13.0 is the CPU wheel on this machine.
# Granite's live tests also need torchaudio (MelSpectrogram, compute_deltas).  No
# torchaudio is built for torch 2.13: PyPI's newest, 2.11.1, asks for torch>=2.11 (so it
# installs beside 2.13.0 without pulling another torch), but its compiled extension is a
# CUDA build that fails to load here (libc10_cuda.so); with it removed torchaudio runs
# in its documented no-extension mode, where those two functions are plain torch (see
# tests/golden/make_granite.py).
VENV_TORCH ?= .venv-torch
TORCHAUDIO ?= torchaudio==2.11.1

$(VENV_TORCH)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV_TORCH)
	$(VENV_TORCH)/bin/python -m pip --disable-pip-version-check install --quiet torch==2.13.0
	$(VENV_TORCH)/bin/python -m pip --disable-pip-version-check install --quiet -e '.[test]'
	$(VENV_TORCH)/bin/python -m pip --disable-pip-version-check install --quiet --no-deps '$(TORCHAUDIO)'
	rm -f "$$($(VENV_TORCH)/bin/python -c 'import importlib.util as u, os; print(os.path.dirname(u.find_spec("torchaudio").origin))')"/lib/*.so
	$(VENV_TORCH)/bin/python -c 'import torchaudio.transforms, torchaudio.functional'
	touch $@

test-torch: $(VENV_TORCH)/.installed
	$(VENV_TORCH)/bin/pytest -m torch

# The decoder fuzzer at length (make test runs 400 mutants of the same fuzzer).
fuzz: $(VENV)/.installed-test
	$(PY) tests/fuzz/fuzzlib.py --mutants 5000 --keep fuzz-findings

bench: $(VENV)/.installed-bench
	$(PY) -m bench

bench-smoke: $(VENV)/.installed-test
	$(PY) -m bench --smoke

# The documentation site (Sphinx, numpydoc, sphinx-gallery) in docs/_build/html;
# warnings are errors.
docs: $(VENV)/.installed-docs
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(VENV_TORCH) build dist demo-output .pytest_cache .mypy_cache .ruff_cache \
		docs/_build docs/auto_examples docs/api
