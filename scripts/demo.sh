#!/usr/bin/env bash
# The main demo from a fresh Debian 12 machine: install what is missing, build,
# print the certified Lipschitz bounds of the two example models, then compile
# the MLP to a binary, train it with its spec's settings (2000 steps of 512
# Fashion-MNIST images, about a minute on 2 cores), evaluate it (accuracy and
# certified robust accuracy) and certify its trained weights.
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
# Compile the Fashion-MNIST MLP to a binary and train it: the compiled step's
# projections keep the certified bound at every step.
DEMO="${LIPC_BUILD_DIR:-$ROOT/build}/demo"
mkdir -p "$DEMO"
echo
echo "\$ lipc compile examples/mlp/model.lip -o mlp"
"$LIPC" compile examples/mlp/model.lip -o "$DEMO/mlp"
echo "\$ ./mlp bounds"
"$DEMO/mlp" bounds
echo "\$ ./mlp train --checkpoint mlp.safetensors --log-every 200"
"$DEMO/mlp" train --checkpoint "$DEMO/mlp.safetensors" --log-every 200
echo "\$ ./mlp eval --checkpoint mlp.safetensors"
"$DEMO/mlp" eval --checkpoint "$DEMO/mlp.safetensors"
echo "\$ lipc certify examples/mlp/model.lip mlp.safetensors"
"$LIPC" certify examples/mlp/model.lip "$DEMO/mlp.safetensors"
