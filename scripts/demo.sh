#!/usr/bin/env bash
# The main demo from a fresh Debian 12 machine: install what is missing, build,
# print the certified Lipschitz bounds of the two example models, then compile
# the MLP to a binary and train it for a few steps.
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
# Compile the Fashion-MNIST MLP to a binary and train it briefly: the
# compiled step's projections keep the certified bound at every step.
MODEL_BIN="${LIPC_BUILD_DIR:-$ROOT/build}/demo/mlp"
mkdir -p "$(dirname "$MODEL_BIN")"
echo
echo "\$ lipc compile examples/mlp/model.lip -o mlp"
"$LIPC" compile examples/mlp/model.lip -o "$MODEL_BIN"
echo "\$ ./mlp train --data /usr/share/datasets/fashion-mnist --steps 20 --batch 32 --log-every 5"
"$MODEL_BIN" train --data /usr/share/datasets/fashion-mnist --steps 20 --batch 32 --log-every 5
