# The fork's driver.  Upstream QEMU's own build runs in build/fork/obj
# (meson + ninja); this file lays the trees and runs the suites.

SHELL := /bin/bash
FORK := scripts/fork

-include config.mak

.PHONY: all build tree refresh-patches baseline cross run check check-unit \
	check-qtest check-functional check-libvirt check-patches check-scripts check-bench check-upstreams \
	check-fuzz install bench bench-profile fuzz fuzz-replay fuzz-merge fuzz-coverage fuzz-seeds fuzz-record \
	run-sanitized clean distclean help

all: build

config.mak:
	./configure

build: tree
	$(FORK)/build.sh fork qemu-system-ppc64

tree: config.mak
	$(FORK)/tree.sh fork $(UPSTREAM_TARBALL_ARG) $(if $(FORCE),--force)

refresh-patches:
	$(FORK)/refresh-patches.sh

baseline: config.mak
	$(FORK)/tree.sh baseline $(UPSTREAM_TARBALL_ARG)
	$(FORK)/build.sh baseline qemu-system-ppc64

cross: config.mak
	$(FORK)/cross.sh $(UPSTREAM_TARBALL_ARG)

# The nested scenario of run.sh runs the fork cross-built inside its L1.
run: build cross
	$(FORK)/run.sh

# The fork against the baseline, timed side by side (docs/bench.md);
# BUILD=1 adds cold builds of both, RUNS=N sets the counted runs.
bench: build baseline cross
	$(FORK)/bench.sh $(if $(BUILD),--build) $(if $(RUNS),--runs=$(RUNS))

# Where the L0's CPU goes while an L2 boots (perf; docs/bench.md).
bench-profile: build cross
	$(FORK)/bench.sh --profile

# The hypercall fuzzer on the sanitizer build (build/fuzz; docs/devel/testing/
# fuzzing-spapr.rst): RUNS=N executions or TIME=S seconds per target
# (default 60 s), TARGET=T one of spapr-nested-papr, -hv, -both.
fuzz: config.mak
	$(FORK)/fuzz.sh run $(if $(TARGET),--target=$(TARGET)) \
		$(if $(RUNS),--runs=$(RUNS)) $(if $(TIME),--time=$(TIME))

fuzz-replay fuzz-merge fuzz-coverage fuzz-seeds: config.mak
	$(FORK)/fuzz.sh $(@:fuzz-%=%)

# Seeds recorded from a real Linux L1's nested boot on each API.
fuzz-record: build cross
	$(FORK)/fuzz-record.sh

# The nested scenario of make run with the sanitizer build as the L0.
run-sanitized: config.mak cross
	$(FORK)/build.sh fuzz qemu-system-ppc64
	FORK_RUN_L0=$(CURDIR)/build/fuzz/obj/qemu-system-ppc64 $(FORK)/run.sh

check: config.mak
	$(FORK)/check.sh

check-unit check-qtest check-functional check-libvirt check-patches check-scripts check-bench check-upstreams \
check-fuzz: config.mak
	$(FORK)/check.sh $(@:check-%=%)

install: build
	$(FORK)/install.sh "$(PREFIX)"

clean:
	rm -rf build/fork/obj build/baseline/obj build/series build/cross/obj build/fuzz

distclean:
	rm -rf build config.mak

help:
	@echo "make             build qemu-system-ppc64 (build/fork/obj)"
	@echo "make run         build and cross-build, then boot a pseries guest"
	@echo "                 and nested KVM under TCG (the fork's main job)"
	@echo "make check       every suite; or check-scripts, check-patches,"
	@echo "                 check-unit, check-qtest, check-functional, check-fuzz,"
	@echo "                 check-libvirt, check-bench, check-upstreams"
	@echo "make fuzz        the hypercall fuzzer, ASan + UBSan (build/fuzz;"
	@echo "                 RUNS=N or TIME=S per target, TARGET=T); fuzz-replay,"
	@echo "                 fuzz-merge, fuzz-coverage, fuzz-seeds, fuzz-record"
	@echo "make run-sanitized  make run's scenarios, the L0 built with ASan + UBSan"
	@echo "make baseline    unpatched upstream from the same tarball"
	@echo "make cross       qemu-system-ppc64 for ppc64le hosts, KVM and pseries"
	@echo "                 alone: an L1's QEMU (build/cross/obj)"
	@echo "make bench       time the fork against the baseline: boots, nested"
	@echo "                 boots, hypercalls, sizes (build/bench; BUILD=1 adds"
	@echo "                 cold builds, RUNS=N counted runs; docs/bench.md)"
	@echo "make bench-profile  where the L0's CPU goes while an L2 boots (perf)"
	@echo "make install PREFIX=DIR  binary and firmware into DIR/bin, DIR/share"
	@echo "make tree        lay build/fork/src again (FORCE=1 drops its work)"
	@echo "make refresh-patches  write patches/ from build/fork/src commits"
