#!/usr/bin/env bash
# The sanitizer build and its tests: configures (once) ./build-san with
# -DLIPC_FUZZ=ON (ASan + UBSan + libFuzzer coverage, -O1), builds only what
# its tests need (the runtime, the spec front end, the fuzz targets of
# tests/fuzz and the unit tests without a compiled model), then runs
# `ctest -L sanitizer` there: those unit tests, and each fuzz target for
# LIPC_FUZZ_SECONDS (default 10) seconds. A sanitizer report or a fuzzer
# crash fails. (A plain `ctest` in build-san/ would also list the lit tests,
# whose tools this build does not make.)
#   scripts/sanitize.sh [--build-only]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LIPC_SAN_BUILD_DIR:-$ROOT/build-san}"
JOBS="${LIPC_JOBS:-2}"

# -O1 keeps the sanitized code fast enough to fuzz and quick to compile;
# line tables give symbolized reports. NDEBUG as in the Release build, the
# one the installed LLVM and MLIR were built for.
flags="-O1 -gline-tables-only -DNDEBUG"
LIPC_BUILD_DIR="$BUILD" LIPC_BUILD_TARGET=lipc-sanitized "$ROOT/scripts/build.sh" \
  -DCMAKE_C_FLAGS_RELEASE="$flags" -DCMAKE_CXX_FLAGS_RELEASE="$flags" \
  -DLIPC_FUZZ=ON -DLIPC_FUZZ_SECONDS="${LIPC_FUZZ_SECONDS:-10}"
if [[ "${1:-}" == "--build-only" ]]; then exit 0; fi
cd "$BUILD"
ctest --output-on-failure -j "$JOBS" -L sanitizer
