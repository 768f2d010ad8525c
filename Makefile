# regsvc — `make run` serves the demo on SQLite, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
# What ruff checks and formats; mypy checks the package named in pyproject.toml ([tool.mypy]).
LINT_PATHS := regsvc tests bench migrations config.py wsgi.py
# pytest-xdist processes for `make test`: "auto" is one per CPU, 0 runs the suite in one process.
TEST_WORKERS ?= auto

.PHONY: install run test lint format hooks constraints docs package-check bench bench-claims bench-pdf messages catalogues clean

# Installs exactly the versions pinned in constraints.txt (see `make constraints`).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip -c constraints.txt
	$(BIN)/python -m pip install --quiet -e '.[test]' -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) regsvc migrate
	$(FLASK) regsvc demo
	REGSVC_PUBLIC_URL=$${REGSVC_PUBLIC_URL:-http://$(HOST):$(PORT)} $(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

# Fix what ruff can fix by itself (it lists what is left), then format.
format: install
	$(BIN)/ruff check --fix --exit-zero $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

# Run the checks of `make lint` on the files of each commit (.pre-commit-config.yaml).
hooks: install
	$(BIN)/pre-commit install

# Pin every package (runtime and test extras) to an exact version, from pyproject.toml.
# Keeps the versions already pinned where they still fit; PIP_COMPILE_ARGS=--upgrade takes
# the newest of everything. Needs only pip-tools, so it works while pyproject.toml and
# constraints.txt disagree.
constraints: $(BIN)/pip-compile
	CUSTOM_COMPILE_COMMAND="make constraints" $(BIN)/pip-compile --quiet --extra test --strip-extras \
		--allow-unsafe --no-emit-options $(PIP_COMPILE_ARGS) -o constraints.txt pyproject.toml

$(BIN)/pip-compile:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools

# Write docs/configuration.md from config.py's settings and their comments.
docs: install
	$(BIN)/python -m regsvc.settings_reference docs/configuration.md

# Build the wheel, install it outside the checkout and run it there (what CI does).
package-check: install
	.ci/package-check

bench: install
	$(BIN)/python bench/registration_burst.py

bench-claims: install
	$(BIN)/python bench/claims.py

bench-pdf: install
	$(BIN)/python bench/attendance_pdf.py

# Ten minutes of mixed traffic on PostgreSQL while workers, the mail sender and the database
# are killed or restarted; then nothing may be lost (bench/soak.py says what it checks).
.PHONY: soak
soak: install
	$(BIN)/python bench/soak.py

# The catalogues translators write (sr_Cyrl is made from sr_Latn by `make catalogues`).
TRANSLATED := sr_Latn mk sq

# Extract every marked string into the translation template, carry the new and changed ones
# into each catalogue (as untranslated: no guessing from similar strings), then rebuild.
messages: install
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_ngettext:1,2 --project regsvc \
		--copyright-holder regsvc -o regsvc/translations/messages.pot .
	for locale in $(TRANSLATED); do \
		$(BIN)/pybabel --quiet update --no-fuzzy-matching -i regsvc/translations/messages.pot \
			-d regsvc/translations -l $$locale || exit 1; \
	done
	$(MAKE) catalogues

# Write the Serbian Cyrillic catalogue from the Latin one, and compile every catalogue to the
# .mo file the application reads. Commit what it writes.
catalogues: install
	$(BIN)/python -m regsvc.catalogues

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
