# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Test workers (pytest-xdist; `auto`: one per core); each runs whole modules, with databases of its own.
TEST_WORKERS ?= auto
BENCH_RECOMMENDATIONS ?= 300000
# Message catalogues (docs/design.md, i18n): the .po files are committed, the compiled .mo files are not.
LOCALES := app/i18n/locales
COMPILED_MESSAGES := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po))
UV_VERSION ?= 0.13.9
# The lock files are for Python 3.11 on Linux (the image's and CI's); they hold the hashes of every wheel.
LOCK_FLAGS := --no-config --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--custom-compile-command 'make lock' --quiet
LOCK_ARGS ?=
BASE_IMAGE ?=

.PHONY: run test install install-test lint format migrate seed clean bench soak messages lock docker-check

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("rectrack needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies come from the hashed lock files (`make lock` writes them from pyproject.toml); the project itself
# is installed without dependencies, and `pip check` fails if pyproject.toml asks for something the lock lacks.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	@touch $@

$(VENV)/.installed-test: requirements-test.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	@touch $@ $(VENV)/.installed

# Debian packages beyond Python (WeasyPrint's Pango and fonts; for tests also Chromium, LibreOffice, poppler).
.PHONY: system-packages system-packages-test
system-packages:
	@docker/system-packages.sh runtime

system-packages-test:
	@docker/system-packages.sh test

install: system-packages $(VENV)/.installed $(COMPILED_MESSAGES)

install-test: system-packages-test $(VENV)/.installed-test $(COMPILED_MESSAGES)

$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -d $(LOCALES) -l $*

## messages: extract every text people read into messages.pot, then bring each catalogue in line with it
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -o $(LOCALES)/messages.pot --project rectrack \
		--version $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml) \
		--copyright-holder "rectrack contributors" --add-location file --sort-by-file -w 110 .
	$(BIN)/pybabel -q update -i $(LOCALES)/messages.pot -d $(LOCALES) -w 110 --no-fuzzy-matching --ignore-obsolete

## run: install, migrate, seed and serve on http://$(HOST):$(PORT) (SQLite file ./rectrack.db by default)
run: install
	$(BIN)/rectrack keys create
	$(BIN)/rectrack migrate
	$(BIN)/rectrack seed
	$(BIN)/rectrack serve --host $(HOST) --port $(PORT)

## test: lint, then every test (PostgreSQL leg too when RECTRACK_TEST_POSTGRES_URL is set)
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## document-pictures: the first pages of the matrix as DOCX, PDF and XLSX, as PNG in docs/documents/
.PHONY: document-pictures
document-pictures: install-test
	$(BIN)/python -m bench.document_pictures

## typecheck: mypy over app/, seed/, migrations/env.py and migrations/record_guard.py ([tool.mypy] in pyproject.toml)
.PHONY: typecheck
typecheck: install-test
	$(BIN)/mypy

## bench: data set of BENCH_RECOMMENDATIONS on SQLite and PostgreSQL, each figure beside its floor (docs/benchmarks.md)
bench: install-test
	BENCH_RECOMMENDATIONS=$(BENCH_RECOMMENDATIONS) $(BIN)/python -m bench.run_bench

## soak: 64 clients for 60 s of reads and If-Match writes, then the same with a kill -9 mid-run, on both databases
soak: install-test
	$(BIN)/python -m bench.run_soak

lint: install-test
	$(BIN)/ruff check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/rectrack migrate

seed: install
	$(BIN)/rectrack seed

## lock: resolve requirements.lock and requirements-test.lock (runtime + test extra) from pyproject.toml, with
## hashes; kept pins stay unless LOCK_ARGS=--upgrade (or --upgrade-package NAME)
lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) $(LOCK_ARGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test -c requirements.lock $(LOCK_FLAGS) $(LOCK_ARGS) \
		-o requirements-test.lock

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

## docker-check: build the image, run it on the local PostgreSQL and try the README's examples on it (minutes;
## run it whenever the Dockerfile or the dependencies change). Without BASE_IMAGE the base is built from
## Debian's packages; where a registry is reachable: make docker-check BASE_IMAGE=python:3.11-slim
docker-check:
	BASE_IMAGE='$(BASE_IMAGE)' docker/check.sh

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache test-artifacts
