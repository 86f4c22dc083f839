# Every target sets itself up on a fresh machine: `make test` and `make serve` both run `make install` first.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test serve bench-quality bench-speed clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

serve: install
	HF_HUB_OFFLINE=1 $(BIN)/coopsearch serve

bench-quality: install
	HF_HUB_OFFLINE=1 $(BIN)/python bench/quality.py

bench-speed: install
	HF_HUB_OFFLINE=1 $(BIN)/python bench/speed.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
