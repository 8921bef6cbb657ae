#!/usr/bin/env bash
# Configures (once) and builds lipc into ./build with Ninja, the pinned
# clang (scripts/llvm-version), lld and ccache.
#   scripts/build.sh [CMAKE_ARG...]
# CMAKE_ARGs (-DNAME=VALUE) are added to the configuration, and re-applied
# to an existing one; LIPC_BUILD_DIR, LIPC_JOBS and LIPC_BUILD_TARGET choose
# the folder, the parallelism and what to build (default: everything).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LIPC_BUILD_DIR:-$ROOT/build}"
JOBS="${LIPC_JOBS:-2}"
LLVM="$(cat "$ROOT/scripts/llvm-version")"

if [[ ! -f "$BUILD/build.ninja" ]]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
  cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="clang-$LLVM" -DCMAKE_CXX_COMPILER="clang++-$LLVM" \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR="/usr/lib/llvm-$LLVM/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="/usr/lib/llvm-$LLVM/build/utils/lit/lit.py" \
    "${launcher[@]}" "$@"
elif (($# > 0)); then
  cmake -S "$ROOT" -B "$BUILD" "$@" >/dev/null
fi
cmake --build "$BUILD" -j "$JOBS" ${LIPC_BUILD_TARGET:+--target "$LIPC_BUILD_TARGET"}
