#!/usr/bin/env bash
# The main demo from a fresh Debian 12 machine: install what is missing, build,
# and print the certified Lipschitz bounds of the two example models.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"
LIPC="${LIPC_BUILD_DIR:-$ROOT/build}/bin/lipc"
cd "$ROOT"
for model in examples/mlp/model.lip examples/shakespeare/model.lip; do
  echo
  echo "\$ lipc bounds $model"
  "$LIPC" bounds "$model"
done
