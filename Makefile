# Gumi Twin: set-up, run and test. Needs Python 3.11 and access to the package registry.
# `make run` and `make test` do all set-up themselves (a virtual environment at .venv,
# dependencies pinned by uv.lock).

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PORT ?= 8501

.PHONY: setup run test test-fast lint bench browser clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $@

setup: $(VENV)/.synced

run: setup
	$(VENV)/bin/python -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

# The browser test needs Debian's chromium, the deck's PDF test LibreOffice and pdftoppm (with a
# Hangul font); installed here when running as root, else those tests are skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium not installed: the browser test will be skipped"; }
	@{ command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; } || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libreoffice-impress poppler-utils fonts-noto-cjk >/dev/null) || \
	  echo "LibreOffice/pdftoppm not installed: the deck's PDF test will be skipped"; }

test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n 2 -q

test-fast: setup
	$(VENV)/bin/pytest -q -m "not slow and not browser"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: setup
	$(VENV)/bin/python benchmarks/engine.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache
