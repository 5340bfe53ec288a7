# OCCE Adhésion — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test install install-test clean-data test-pg serve bench screenshots

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 ou plus est nécessaire.")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Serve the demo on http://127.0.0.1:$(PORT), creating and seeding data/occe.db the first time.
run: install
	$(FLASK) seed-demo
	@echo "OCCE Adhésion : http://127.0.0.1:$(PORT)"
	$(FLASK) --debug run --host 127.0.0.1 --port $(PORT)

## Run the whole test suite (unit, integration, browser).
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Run the whole suite against PostgreSQL (PG_TEST_URL; the server must be running).
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
test-pg: install-test
	OCCE_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

## Serve a real install with gunicorn on HOST:PORT (127.0.0.1:8000) behind nginx (docs/deploy.md).
## Refuses to start without OCCE_SECRET_KEY; OCCE_TRUSTED_PROXIES defaults to the one nginx in front.
HOST ?= 127.0.0.1
SERVE_PORT := $(if $(filter command line environment,$(origin PORT)),$(PORT),8000)
serve: install
	HOST=$(HOST) PORT=$(SERVE_PORT) OCCE_TRUSTED_PROXIES=$${OCCE_TRUSTED_PROXIES:-1} \
		$(BIN)/gunicorn --config gunicorn.conf.py

## Benchmarks of issue 8 against the production server: writes bench/RESULTS.md (long).
## BENCH_ARGS=--quick for a short run; the row-save is measured on PostgreSQL too when it answers.
bench: install-test
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## Screenshots of the main screens for the README (docs/screenshots/), in Debian's Chromium.
screenshots: install-test
	$(BIN)/python scripts/screenshots.py $(SCREENSHOTS_ARGS)
