#!/usr/bin/env bash
# The GPU checks, in one run of at most about 8 minutes, on a machine with an
# NVIDIA GPU and CUDA 13: builds what is missing, runs every GPU test (the
# kernel against PTX, the tiny transformer trained on the GPU against the
# CPU, ptxas on every kernel), then benchmarks the Shakespeare training step
# (GPU against the CPU and against PyTorch on the GPU, eager and
# torch.compile, when the Python has CUDA) and the fused Muon + soft-cap
# update against the unfused sequence and PyTorch's.
# usage: scripts/gpu-check.sh   (run from anywhere; prints ratios)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! nvidia-smi -L > /dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi -L failed)"
  exit 1
fi
nvidia-smi -L
export CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
python=/usr/bin/python3
step() { echo; echo "== $*"; }

step "build"
if [ ! -x build/bin/lipc ]; then
  timeout 300 ./scripts/build.sh || { echo "gpu-check: the build failed"; exit 1; }
fi

step "GPU tests"
(cd build && timeout 240 ctest -j4 -R "gpu|Cuda" --output-on-failure)
tests=$?

step "Shakespeare training step, batch 64 x 256"
timeout 240 "$python" bench/gpu_step.py --rounds 1

step "fused Muon + soft-cap update on the GPU"
timeout 120 "$python" bench/fused_update.py --rounds 1 --steps 10 --device cuda

echo
if [ "$tests" -eq 0 ]; then echo "gpu-check: GPU tests passed"; else echo "gpu-check: GPU tests FAILED"; fi
exit "$tests"
