#!/usr/bin/env bash
# Builds srpadm with warnings as errors and runs every test tier through ctest:
# unit and oracle suites, CLI tests, the ibsim tier (ibsim + OpenSM + libumad2sim.so), the
# real-kernel tier (Debian's kernel in qemu: Soft-RoCE, ib_srp, LIO ib_srpt), and from a
# clang sub-build the fuzz smoke (ASan+UBSan) and the ThreadSanitizer tests (label tsan: event
# loop, signals, BlockingPool, login workers, the umad endpoint's receive thread under ibsim),
# then format and lint checks.
# Usage: scripts/test-all.sh [build-dir]   (default: build-test)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-test}
jobs=$(nproc)

# -O2 without debug information: the same optimiser (and so the same warnings) as a
# RelWithDebInfo build, at less compile time; the test command builds everything from scratch.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
      -DSRPADM_WERROR=ON -DSRPADM_SANITIZER_TESTS=ON
cmake --build "$build" -j "$jobs"
scripts/lint.sh "$build"
ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 600
