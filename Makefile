# One command for each daily task. `make run` and `make test` do all set-up themselves.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/fuhua
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PORT ?= 8000

.PHONY: run setup setup-dev serve worker test test-sqlite test-postgres test-bundle bundle lint fmt migrations-check bench bench-quick bench-instructions clean backup restore messages guide

setup:  ## system packages, virtualenv, requirements (skips what is already there)
	@bash scripts/setup.sh runtime

setup-dev:
	@bash scripts/setup.sh dev

run: setup  ## migrate, load the Fuhua demo, serve at http://127.0.0.1:$(PORT) (make run PORT=8080) with Celery worker + beat
	@$(PY) manage.py migrate --no-input -v0
	@$(PY) manage.py load_demo
	@$(PY) manage.py collectstatic --no-input -v0
	@PORT=$(PORT) bash scripts/run-dev.sh

test: setup-dev  ## the whole suite: SQLite (fast) then PostgreSQL + Redis + browser
	@bash scripts/ensure-services.sh
	@$(MAKE) --no-print-directory migrations-check lint test-sqlite test-postgres bench-quick test-bundle

test-sqlite:
	$(PY) -m pytest -m "not browser and not worker and not postgres" -p no:cacheprovider

test-postgres:
	DATABASE_URL=$(PG_TEST_URL) TEST_REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest -p no:cacheprovider

test-bundle:  ## build the offline bundle, install it into a fresh directory with no network (unshare -n), migrate, check, serve /healthz (~3 min)
	VENV=$(VENV) bash scripts/bundle-check.sh

bundle:  ## one archive for a server with no internet: app, wheels, Debian packages, install.sh -> var/bundle/ (see README "Installing without internet")
	VENV=$(VENV) bash scripts/bundle.sh

migrations-check:
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup-dev  ## benchmarks beside their limits (SQLite; DATABASE_URL=postgres://…/fuhua_bench for PostgreSQL), see BENCHMARKS.md
	$(PY) -m benchmarks

bench-quick:  ## every benchmark at a tiny scale on SQLite, in seconds (CI: keeps them working, no thresholds)
	DATABASE_URL= $(PY) -m benchmarks --quick
	DATABASE_URL= $(PY) -m benchmarks.instructions --quick --requests 2 healthz measure-list

bench-instructions: setup-dev  ## instructions per request of the main pages (valgrind): compare a change on a noisy machine
	$(PY) -m benchmarks.instructions

messages:  ## refresh locale/en/LC_MESSAGES/django.po from the sources (then translate every new entry) and compile the .mo
	$(PY) manage.py makemessages -l en --no-obsolete --add-location=file --ignore=.venv --ignore=var --ignore=static/vendor --ignore=test-artifacts --ignore=benchmarks
	$(PY) manage.py compilemessages -l en --ignore=.venv --ignore=var --ignore=benchmarks --ignore=test-artifacts

guide: setup-dev  ## the user guide's screenshots (static/guide/*.png) retaken from the real pages on the demo data (PostgreSQL + headless Chromium, as the browser tests); commit them
	@bash scripts/ensure-services.sh
	GUIDE_DIR=static/guide DATABASE_URL=$(PG_TEST_URL) TEST_REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest -p no:cacheprovider -q tests/test_guide_browser.py

backup:  ## database dump + evidence files with a SHA-256 manifest, into var/backups/ (or BACKUP_DIR)
	$(PY) manage.py backup $(if $(BACKUP_DIR),--dir $(BACKUP_DIR))

restore:  ## make restore FILE=var/backups/fuhua-backup-….tar.gz (into an empty database; checksums verified first)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/fuhua-backup-….tar.gz" >&2; exit 2; }
	$(PY) manage.py restore $(FILE)

clean:
	rm -rf var/ test-artifacts/
