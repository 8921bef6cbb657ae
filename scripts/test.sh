#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: install what is missing, build, run every test.
# ctest drives the lit suite and the GoogleTest binaries, then the sanitizer build's tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"
cd "${LIPC_BUILD_DIR:-$ROOT/build}"
status=0
ctest --output-on-failure -j "${LIPC_JOBS:-2}" || status=$?
# Then the sanitizer build (./build-san): the runtime, the spec front end and
# the unit tests under ASan and UBSan, and a short run of each fuzz target
# (scripts/sanitize.sh). LIPC_SANITIZE=0 skips it.
if [[ "${LIPC_SANITIZE:-1}" != 0 ]]; then
  "$ROOT/scripts/sanitize.sh" || status=$?
fi
exit "$status"
