# One entry point for everything a developer or CI runs. Every target sets up what it needs
# (project-local virtualenv, PostgreSQL binaries) and can be re-run safely.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
export PGFLEX_VENV := $(abspath $(VENV))

.PHONY: help venv check test demo sandbox-up sandbox-down lint sanity units docs-lint changelog-lint \
        integration oldest-core private-checkout emulator-tests builder doc-snippets perf bench-big clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

venv: ## Create or refresh the project virtualenv (fast when nothing changed)
	@scripts/venv.sh

check: venv ## The contributor's loop: lint, sanity (3.11), units, docs lint, changelog lint
	@scripts/test-all.sh --only lint,sanity,units,docs,changelog

test: ## Set up and run every check and test suite (what CI runs)
	@scripts/test-all.sh

demo: ## Set up, start the sandbox, run the demo playbook, stop the sandbox
	@scripts/demo.sh

sandbox-up: venv ## Start source + target PostgreSQL and the Azure emulator; writes .sandbox/env
	@$(PGFLEX_VENV)/bin/python scripts/sandbox.py up

sandbox-down: ## Stop everything sandbox-up started and remove .sandbox/
	@if [ -x $(PGFLEX_VENV)/bin/python ]; then $(PGFLEX_VENV)/bin/python scripts/sandbox.py down; else rm -rf .sandbox; fi

lint: venv ## ansible-lint, production profile
	@scripts/test-all.sh --only lint

sanity: venv ## ansible-test sanity (Python 3.11 / ansible-core 2.19, then newest)
	@scripts/test-all.sh --only sanity,sanity-newest

units: venv ## ansible-test units
	@scripts/test-all.sh --only units

docs-lint: venv ## antsibull-docs lint-collection-docs
	@scripts/test-all.sh --only docs

changelog-lint: venv ## antsibull-changelog lint
	@scripts/test-all.sh --only changelog

integration: venv ## ansible-test integration against the sandbox
	@scripts/test-all.sh --only integration

oldest-core: venv ## Sanity, units and the modules' integration targets on ansible-core 2.16 (.venv-2.16)
	@scripts/test-all.sh --only oldest-core

private-checkout: venv ## The sandbox from a clone in a mode-700 directory (up, use, down)
	@scripts/test-all.sh --only private-checkout

emulator-tests: venv ## pytest suites: PostgreSQL helper and emulator
	@scripts/test-all.sh --only pytest

doc-snippets: venv ## Run or check every yaml/shell block of README.md and docs/ (per its snippet marker) against a sandbox
	@scripts/test-all.sh --only doc-snippets

builder: venv ## ansible-builder create on the execution-environment definition
	@scripts/test-all.sh --only builder

perf: venv ## Benchmarks (print numbers; never pass/fail on timing)
	@scripts/perf.sh

clean: sandbox-down ## Remove virtualenvs and build outputs
	rm -rf $(VENV) .venv-* .build context tests/output

bench-big: venv ## Size benchmark: big sandbox profile (a few GB) migrated and verified; tens of minutes (docs/performance.md)
	@PYTHONPATH=tests $(PGFLEX_VENV)/bin/python tests/perf/bench_big.py $(BENCH_BIG_ARGS)
