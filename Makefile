# Thin wrapper: every target calls scripts/zsdefer (see `scripts/zsdefer --help`).
# Debian's python3 sees apt's python3-* packages (matplotlib for plots).
ZSDEFER ?= /usr/bin/python3 scripts/zsdefer
VARIANT ?= default

.PHONY: all deps bench bench-arm64 check check-host peer build image matrix matrix-ci help

all: help

help:
	@$(ZSDEFER) --help

deps:
	$(ZSDEFER) deps

# The main job: every mode, alone and on top of the zs_free() lock fixes
# (issue #12: the unpatched, lockfix, default and lockfix-modes kernels),
# zram munmap at the thread's 1, 2 and 4 processes, zswap, swapio, the
# ceilings; it ends with the summary and the parts table.
bench: deps
	$(ZSDEFER) bench --lockfix --ceilings --procs 1,2,4

# The main job's zram munmap on an arm64 guest (QEMU's virt board under
# TCG), every kernel cross-built, with its own ceilings; PAGES=16k for 16K
# pages. Ratios within the run only: the guest is emulated (issue #13).
PAGES ?= 4k
bench-arm64: deps
	$(ZSDEFER) bench --arch arm64 --pages $(PAGES) --ceilings --swap zram --workloads munmap

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
