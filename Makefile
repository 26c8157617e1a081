# Two commands on a fresh clone: `make tour` and `make test`.
# Each creates .venv when it is missing and reinstalls the project whenever
# pyproject.toml changes (the stamp file is older than it).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= tour
ARGS   ?=

.PHONY: install tour test lint lab bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

tour: $(STAMP)
	$(BIN)/dlkit tour --out $(OUT) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check dlkit tests benchmarks scripts notebooks

test: lint
	DLKIT_QUICK=1 $(BIN)/python -m pytest --nbmake --nbmake-timeout=600 tests notebooks

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
