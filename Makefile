# The two Quick start commands (see README.md):
#   make run    install, create the SQLite database, a first admin and demo data, start the service
#   make test   install what the tests need and run the whole suite (SQLite, then PostgreSQL if reachable)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO ?= 1
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

AXE_VERSION := 4.14.1

.PHONY: run test install install-test browser axe translations-compile

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/pip
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/pip
	$(BIN)/pip install --quiet -e ".[test]"

run: install
	$(FLASK) mrc init
	$(FLASK) mrc ensure-admin
	@if [ "$(DEMO)" = "1" ]; then $(FLASK) mrc demo-data --if-empty; fi
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) wsgi:app

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium, Noto fonts and poppler-utils for the browser and print tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core poppler-utils >/dev/null; \
	  else \
	    echo "Chromium is not installed: browser tests will be skipped (apt-get install chromium fonts-noto-core)"; \
	  fi; \
	fi

# axe-core for the accessibility checks, from the npm registry, kept inside the venv.
axe:
	@if [ ! -f $(VENV)/npm/node_modules/axe-core/axe.min.js ]; then \
	  if command -v npm >/dev/null 2>&1; then \
	    npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/npm axe-core@$(AXE_VERSION); \
	  else \
	    echo "npm is not installed: accessibility checks will be skipped"; \
	  fi; \
	fi

test: install-test browser axe
	$(BIN)/python -m pytest -p no:cacheprovider
	@if $(BIN)/python -c "import psycopg, sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "PostgreSQL reachable: running the suite again on $(PG_TEST_URL)"; \
	  MRC_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -p no:cacheprovider; \
	elif [ "$$MRC_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL is required (MRC_REQUIRE_POSTGRES=1) but not reachable at $(PG_TEST_URL)"; exit 1; \
	else \
	  echo "PostgreSQL not reachable at $(PG_TEST_URL): suite ran on SQLite only"; \
	fi

translations-compile: install
	$(BIN)/pybabel compile -d translations
