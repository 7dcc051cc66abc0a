# spectrum_protect.operations: one command for every job.
#   make test    lint, sanity, unit, integration, browser and molecule tests (what CI runs)
#   make demo    start the emulated demo fleet, show what runs on it, write its task report
#   make bench   benchmarks of issue 10 (make bench-growth: the fleet report at five sizes)
# Everything is installed from the package registries into .venv; nothing goes to $HOME.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Prefer the newest Python >= 3.11 that really runs (a pyenv shim that only prints an error does not).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then command -v $$p; break; fi; done)

VENV      := $(CURDIR)/.venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
BUILD     := $(CURDIR)/build
COLLS     := $(BUILD)/collections
COLL_LINK := $(COLLS)/ansible_collections/spectrum_protect/operations
SANITY    := $(BUILD)/sanity/ansible_collections/spectrum_protect/operations
TEST_HOME := $(BUILD)/home
# Every installed pyenv Python, so ansible-test sanity compiles and imports the modules on each
# target Python it supports (3.8 to 3.13 for ansible-core 2.19), not only on the controller's.
PYENV_BINS := $(shell for d in $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.*/bin; do \
	[ -x "$$d/python3" ] && printf '%s:' "$$d"; done)
DEMO_HOME := $(BUILD)/demo
JOBS      ?= 2

# Ansible finds this checkout (through the symlink) and nothing from the user's home.
export ANSIBLE_COLLECTIONS_PATH := $(COLLS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export ANSIBLE_LOCAL_TEMP := $(BUILD)/ansible-tmp
export ANSIBLE_HOME := $(BUILD)/ansible-home
export PATH := $(BIN):$(PATH)

.PHONY: help venv collection lint sanity unit integration browser molecule checks test compat demo bench bench-growth soak changelog clean

help:
	@echo "make demo   start the emulated fleet and show its tasks"
	@echo "make test   everything CI runs: lint, sanity, unit, integration, browser, molecule"
	@echo "make bench  benchmarks (docs/performance.md); make bench-growth: growth curve, about 15 min"
	@echo "make compat unit and integration tests on every ansible-core release the collection claims"

$(STAMP): requirements-dev.txt tests/emulator/pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python 3.11 or newer found: install one or pass PYTHON=/path/to/python3" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet -e tests/emulator
	touch $@

venv: $(STAMP)

$(COLL_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

collection: $(STAMP) $(COLL_LINK)

lint: collection
	$(BIN)/ansible-lint --profile production
	$(BIN)/antsibull-changelog lint
	cd $(COLL_LINK) && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

# ansible-test wants a real ansible_collections/<ns>/<name> tree: copy what git tracks (and new,
# unignored files) there. Its pip bootstrap download is replaced by tools/get_pip_offline.py.
# Without --python it runs the version-dependent tests on every supported Python on PATH.
sanity: collection
	rm -rf $(SANITY) && mkdir -p $(SANITY) $(TEST_HOME)/.ansible/test/cache
	git ls-files -co --exclude-standard -z | grep -zv -e '^tools/' -e '^\.ci/' \
		| tar --null -T - -cf - | tar -xf - -C $(SANITY)
	cd $(SANITY) && git init -q && git add -A   # ansible-test lists the files with git
	v=$$(grep -o "pip='[0-9.]*'" $(VENV)/lib/python*/site-packages/ansible_test/_internal/python_requirements.py | grep -o '[0-9.]*[0-9]'); \
		cp tools/get_pip_offline.py $(TEST_HOME)/.ansible/test/cache/get_pip_$${v//./_}.py
	cd $(SANITY) && HOME=$(TEST_HOME) PATH=$(BIN):$(PYENV_BINS)$$PATH $(BIN)/ansible-test sanity --venv

unit: collection
	$(BIN)/pytest -q -n $(JOBS) tests/unit tests/emulator/tests tests/bench

integration: collection
	$(BIN)/pytest -q -n $(JOBS) tests/integration

# The HTML task report in Debian's Chromium (Playwright pointed at /usr/bin/chromium; .ci/run
# installs it). Fails, never skips, when Chromium is missing. Screenshots: tests/output/.
browser: collection
	$(BIN)/pytest -q -n $(JOBS) tests/browser

molecule: collection
	@if ls extensions/molecule/*/molecule.yml >/dev/null 2>&1; then \
		cd extensions && $(BIN)/molecule test --all; \
	else echo "molecule: no role scenarios yet"; fi

# The checks that use about one core each (ansible-lint then ansible-test sanity then the browser
# test, and the molecule scenarios) run two at a time; then the pytest suites, each on every core.
# Each job's output is printed whole when it ends (--output-sync).
test: collection
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target checks molecule
	$(MAKE) --no-print-directory unit integration

# lint, sanity and browser one after the other (sanity copies the tree that lint has read).
checks: collection
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory sanity
	$(MAKE) --no-print-directory browser

# Every ansible-core minor release meta/runtime.yml claims (requires_ansible), each in its own venv
# under build/compat, installed from PyPI on Python 3.11 (the Python every one of them supports),
# with the test tools pinned in requirements-dev.txt. Not part of `make test`: about ten minutes.
COMPAT_CORES  ?= 2.15 2.16 2.17 2.18 2.19
COMPAT        := $(BUILD)/compat
COMPAT_PYTHON ?= $(shell for p in python3.11 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; then command -v $$p; break; fi; done)
# The test tools of requirements-dev.txt, without ansible-core and the tools that pin their own.
COMPAT_SKIP   := ^(ansible-core|ansible-lint|molecule|antsibull-|playwright|py-spy)

compat: collection
	@test -n "$(COMPAT_PYTHON)" || { echo "make compat needs Python 3.11 (COMPAT_PYTHON=/path/to/python3.11)" >&2; exit 1; }
	@failed=""; for v in $(COMPAT_CORES); do \
		venv=$(COMPAT)/ansible-core-$$v; \
		if [ ! -f $$venv/.installed ] || ! grep -vE '$(COMPAT_SKIP)' requirements-dev.txt \
				| cmp -s - $$venv/requirements-tests.txt; then \
			rm -rf $$venv; $(COMPAT_PYTHON) -m venv $$venv; \
			$$venv/bin/python -m pip install --quiet --upgrade pip; \
			grep -vE '$(COMPAT_SKIP)' requirements-dev.txt > $$venv/requirements-tests.txt; \
			$$venv/bin/python -m pip install --quiet "ansible-core==$$v.*" -r $$venv/requirements-tests.txt; \
			$$venv/bin/python -m pip install --quiet -e tests/emulator; \
			touch $$venv/.installed; \
		fi; \
		echo "== ansible-core $$($$venv/bin/python -c 'import ansible.release as r; print(r.__version__)') on $$($$venv/bin/python --version)"; \
		start=$$(date +%s); \
		if $$venv/bin/python -m pytest -q -n $(JOBS) -p no:cacheprovider tests/unit tests/integration; \
		then echo "== ansible-core $$v: passed in $$(( $$(date +%s) - start )) s"; \
		else echo "== ansible-core $$v: FAILED after $$(( $$(date +%s) - start )) s"; failed="$$failed $$v"; fi; \
	done; \
	test -z "$$failed" || { echo "make compat: failed on ansible-core$$failed" >&2; exit 1; }

demo: collection
	$(BIN)/spemu init --fleet tests/emulator/fleets/demo.yml --home $(DEMO_HOME) --reset
	SPEMU_HOME=$(DEMO_HOME) $(BIN)/spemu status --home $(DEMO_HOME)
	DSM_DIR=$(DEMO_HOME) DSM_CONFIG=$(DEMO_HOME)/dsm.opt PATH=$(DEMO_HOME)/bin:$(PATH) \
		SP_ADMIN_ID=ADMIN SP_ADMIN_PASSWORD=passw0rd ANSIBLE_PYTHON_INTERPRETER=$(BIN)/python \
		$(BIN)/ansible-playbook -i localhost, -c local playbooks/demo.yml -e task_report_dest=$(DEMO_HOME)/report
	@echo "Task report of the demo fleet: file://$(DEMO_HOME)/report/task-report.html (and .json, .csv, .md)"

# Issue 11's load test, 50 rounds of 20 forks acting on the same tasks (make test runs one round).
SOAK_ROUNDS ?= 50
soak: collection
	SOAK_ROUNDS=$(SOAK_ROUNDS) $(BIN)/pytest -q tests/integration/test_load.py

bench: collection
	$(BIN)/python tests/bench/run.py

bench-growth: collection
	$(BIN)/python tests/bench/run.py --growth

changelog: $(STAMP)
	$(BIN)/antsibull-changelog release

clean:
	rm -rf $(BUILD) .pytest_cache
