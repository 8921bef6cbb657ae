#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: install what is missing, build, run every test.
# ctest drives the lit suite and the GoogleTest binaries; its summary line closes the output.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"
cd "${LIPC_BUILD_DIR:-$ROOT/build}"
ctest --output-on-failure -j "${LIPC_JOBS:-2}"
