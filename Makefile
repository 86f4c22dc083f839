# Every target sets itself up on a fresh machine: `make test` and `make serve` both run `make install` first.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install browser lint test serve bench-quality bench-speed clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The browser tests drive Debian's Chromium (browser downloads fail on these machines): install it
# from the distribution when it is missing, as `playwright install --with-deps` does elsewhere.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check ingest index edge search_api web
	$(BIN)/mypy

test: install browser lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

serve: install
	HF_HUB_OFFLINE=1 $(BIN)/coopsearch serve

bench-quality: install
	HF_HUB_OFFLINE=1 $(BIN)/python bench/quality.py

bench-speed: install
	HF_HUB_OFFLINE=1 $(BIN)/python bench/speed.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
