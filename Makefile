# The two commands of the README: `make harvest` (the suite) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HARVEST_ARGS ?=
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/sut

.PHONY: harvest test suite unit sut-tests project-tests lint steps format deps venv bench mutants clean explore

harvest: deps venv
	$(BIN)/harvest $(HARVEST_ARGS)

# Everything, then a check that no process any of it started is still running.
test: deps venv
	$(BIN)/python tests/leftovers.py $(MAKE) --no-print-directory lint steps sut-tests project-tests suite

suite: venv
	$(BIN)/harvest $(HARVEST_ARGS)

sut-tests: venv
	cd sut && ../$(BIN)/python manage.py test --noinput
	# The purge triggers under SQL's three-valued logic on PostgreSQL too (127.0.0.1:5432 here).
	cd sut && DATABASE_URL=$(POSTGRES_URL) ../$(BIN)/python manage.py test blog.test_triggers --noinput

# The page cache's simulator for longer than make test gives it: SIMULATION_SECONDS of fresh
# seeds from SIMULATION_SEED (a failure prints its shrunk history and the command that replays it).
SIMULATION_SECONDS ?= 600
SIMULATION_SEED ?= $(shell date +%s)
explore: deps venv
	cd sut && SIMULATION_SECONDS=$(SIMULATION_SECONDS) SIMULATION_SEED=$(SIMULATION_SEED) \
	  ../$(BIN)/python manage.py test pagecache.test_simulation --noinput

project-tests: venv
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every step definition used by a scenario, every scenario step defined: one line per offender.
steps: venv
	$(BIN)/harvest --steps-usage > /dev/null

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Debian packages: installed with apt-get as root; otherwise the exact command is printed.
deps:
	@./stack/install-debian-packages debian-packages.txt

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	# harvest --record-impact: a process started with HARVEST_IMPACT_CONTEXT measures itself.
	$(BIN)/python -c "$$IMPACT_PTH"
	touch $@

define IMPACT_PTH
import pathlib, sysconfig
line = "import os; os.environ.get('HARVEST_IMPACT_CONTEXT') and __import__('harvest.coverage_start')\n"
pathlib.Path(sysconfig.get_paths()["purelib"], "harvest-impact.pth").write_text(line)
endef
export IMPACT_PTH

bench: deps venv
	@./stack/install-debian-packages bench/debian-packages.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r bench/requirements.txt
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) reports var *.egg-info

# Break one rule at a time in scratch copies of the checkout: harvest must catch every one.
mutants: venv
	$(BIN)/python -m mutants $(MUTANTS_ARGS)
