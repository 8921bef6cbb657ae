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

if [[ ! -f "$BUILD/build.ninja" ]]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
  # -O1 keeps the sanitized code fast enough to fuzz and quick to compile;
  # line tables give symbolized reports. NDEBUG as in the Release build, the
  # one the installed LLVM and MLIR were built for.
  flags="-O1 -gline-tables-only -DNDEBUG"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="$flags" -DCMAKE_CXX_FLAGS_RELEASE="$flags" \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
    -DLIPC_FUZZ=ON -DLIPC_FUZZ_SECONDS="${LIPC_FUZZ_SECONDS:-10}" \
    "${launcher[@]}"
elif ! grep -qx "LIPC_FUZZ_SECONDS:STRING=${LIPC_FUZZ_SECONDS:-10}" "$BUILD/CMakeCache.txt"; then
  cmake -S "$ROOT" -B "$BUILD" -DLIPC_FUZZ_SECONDS="${LIPC_FUZZ_SECONDS:-10}" >/dev/null
fi
cmake --build "$BUILD" -j "$JOBS" --target lipc-sanitized
if [[ "${1:-}" == "--build-only" ]]; then exit 0; fi
cd "$BUILD"
ctest --output-on-failure -j "$JOBS" -L sanitizer
