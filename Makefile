# The two Quick start commands (see README.md):
#   make run    install, create the SQLite database, a first admin and demo data, start the service
#   make test   install what the tests need and run the whole suite (SQLite, and PostgreSQL side by side if reachable)

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

# The suite runs on SQLite and, where PostgreSQL is reachable, on PostgreSQL at the same time
# (two processes, two databases): the machine's second core halves the wait. The browser tests
# (Chromium driving the pages) run once, on SQLite: what they exercise in the database is
# covered on PostgreSQL by the same flows through the test client, and running them twice in
# parallel took the suite past 12 minutes.
test: install-test browser axe
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then pg=1; else pg=0; fi; \
	if [ $$pg = 0 ] && [ "$$MRC_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL is required (MRC_REQUIRE_POSTGRES=1) but not reachable at $(PG_TEST_URL)"; exit 1; \
	fi; \
	if [ $$pg = 1 ]; then \
	  echo "PostgreSQL reachable: the suite runs on SQLite and, at the same time, on $(PG_TEST_URL)"; \
	  MRC_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -p no:cacheprovider -q -m "not browser" \
	    > $(VENV)/pytest-postgresql.log 2>&1 & pg_pid=$$!; \
	else \
	  echo "PostgreSQL not reachable at $(PG_TEST_URL): the suite runs on SQLite only"; \
	fi; \
	$(BIN)/python -m pytest -p no:cacheprovider; sqlite_status=$$?; \
	pg_status=0; \
	if [ $$pg = 1 ]; then \
	  wait $$pg_pid; pg_status=$$?; \
	  echo "===== the same suite on PostgreSQL ($(PG_TEST_URL)) ====="; \
	  if [ $$pg_status = 0 ]; then tail -n 5 $(VENV)/pytest-postgresql.log; \
	  else grep -v '^INFO ' $(VENV)/pytest-postgresql.log; fi; \
	fi; \
	echo "SQLite: exit $$sqlite_status; PostgreSQL: exit $$pg_status"; \
	[ $$sqlite_status = 0 ] && [ $$pg_status = 0 ]

translations-compile: install
	$(BIN)/pybabel compile -d translations
