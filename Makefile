# Zhigai — every command a developer or CI needs. The virtual environment lives in .venv/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ZHIGAI := $(VENV)/bin/zhigai
DEMO_ENTERPRISES ?= 3000
DEMO_SEED ?= 2025
STAMP := $(VENV)/.installed

.PHONY: install lock demo serve test test-browser lint fmt typecheck migrations-check check bench messages clean

install: $(STAMP)

# Re-installs only when the lock file or pyproject.toml changed (idempotent).
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version.split()[0]'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --config-settings editable_mode=compat -e .
	bash scripts/ensure-cjk-font.sh
	$(ZHIGAI) compilemessages --ignore '.venv/*' -v 0
	touch $(STAMP)

# Regenerate requirements.lock from pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --group dev --python-version 3.11 --generate-hashes -o requirements.lock

demo: install
	$(ZHIGAI) migrate --no-input -v 0
	$(ZHIGAI) load_reference_data
	$(ZHIGAI) load_frameworks
	$(ZHIGAI) load_scenarios
	$(ZHIGAI) load_index_definitions
	$(ZHIGAI) load_plan
	$(ZHIGAI) collectstatic --no-input -v 0
	ZHIGAI_DEMO=True $(ZHIGAI) generate_demo_data --enterprises $(DEMO_ENTERPRISES) --seed $(DEMO_SEED) --accounts var/demo-accounts.txt
	$(ZHIGAI) generate_demo_assessments --seed $(DEMO_SEED)
	$(ZHIGAI) generate_demo_applications --seed $(DEMO_SEED)
	$(ZHIGAI) generate_demo_catalog --seed $(DEMO_SEED)
	$(ZHIGAI) compute_coverage
	$(ZHIGAI) generate_demo_targets --seed $(DEMO_SEED)
	$(ZHIGAI) compute_devindex --year 2025 --publish
	$(ZHIGAI) compute_devindex --year 2026 --publish
	@echo "Serving the demo province on http://127.0.0.1:8000 (Ctrl-C to stop)"
	export ZHIGAI_DEMO=True; \
	$(ZHIGAI) db_worker --no-reload -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn config.wsgi --bind 127.0.0.1:8000 --workers 2 --threads 4 --access-logfile -

test: install
	$(PY) -m pytest -q -n 2

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: install
	$(VENV)/bin/mypy

migrations-check: install
	$(ZHIGAI) makemigrations --check --dry-run

check: lint typecheck migrations-check test

bench: install
	$(PY) -m bench

# Update the message catalogues after changing user-facing strings.
messages: install
	$(ZHIGAI) makemessages -l en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(ZHIGAI) compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles
