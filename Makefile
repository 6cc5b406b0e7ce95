# Thin wrapper: every target calls scripts/zsdefer (see `scripts/zsdefer --help`).
# Debian's python3 sees apt's python3-* packages (matplotlib for plots).
ZSDEFER ?= /usr/bin/python3 scripts/zsdefer
VARIANT ?= default

.PHONY: all deps bench check check-host peer build image matrix matrix-ci shellcheck help

all: help

help:
	@$(ZSDEFER) --help

deps:
	$(ZSDEFER) deps

bench: deps
	$(ZSDEFER) bench --ceilings

check: deps
	$(ZSDEFER) check

check-host:
	$(ZSDEFER) check --host-only

# Other people's tests alone (kernel selftests, stress-ng), every mode.
peer: deps
	$(ZSDEFER) peer

build: deps
	$(ZSDEFER) build --variant $(VARIANT)

image: deps
	$(ZSDEFER) image

# The config matrix (configs/matrix.json): every cell, or the subset .ci/run
# runs after `make check`.
matrix: deps
	$(ZSDEFER) matrix

matrix-ci: deps
	$(ZSDEFER) matrix --ci
