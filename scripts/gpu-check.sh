#!/usr/bin/env bash
# The GPU checks, run from a bundle that scripts/gpu-bundle.sh built (this
# file is copied into it) on a machine with an NVIDIA GPU, its driver and
# PyTorch, and no build tools: in at most about 8 minutes,
#   1. the bundle's binaries load with its libraries and run on the CPU;
#   2. on the GPU, for the tiny test spec and both examples: training losses
#      match the same run on the CPU within 1e-3 (relative), the GPU-trained
#      checkpoint evaluates to the CPU's loss (the forward kernels), and its
#      weights are within the constraints the certificate assumes;
#   3. bench/gpu_step.py: the Shakespeare step and the fused update against
#      PyTorch eager and torch.compile on the same GPU, and the step's
#      products alone, as ratios.
# The last line says PASS, FAIL (naming the failed checks) or SKIPPED (no
# usable GPU: the GPU checks did not run). Exit 0 PASS, 1 FAIL, 77 SKIPPED,
# 2 bad usage.
# usage: BUNDLE/gpu-check.sh LOG   (the whole output also goes to LOG)
# GPU_CHECK_DEVICE=cpu rehearses the script without a GPU: the "GPU" side
# runs on the CPU too, the benchmarks are left out, and a pass says nothing
# about a GPU (the test of the bundle uses it).
set -uo pipefail
if (($# != 1)); then
  echo "usage: BUNDLE/gpu-check.sh LOG" >&2
  exit 2
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ ! -x "$HERE/bin/tiny" ]]; then
  echo "gpu-check: run the copy in a bundle that scripts/gpu-bundle.sh built ($HERE/bin/tiny is missing)" >&2
  exit 2
fi
exec > >(tee "$1") 2>&1
# The bundle's largest libraries come gzipped (scripts/gpu-bundle.sh).
for packed in "$HERE"/lib/*.gz; do
  [[ -e "$packed" && ! -e "${packed%.gz}" ]] && gunzip -k "$packed"
done
export LD_LIBRARY_PATH="$HERE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
PYTHON="${PYTHON:-python3}"
DEVICE="${GPU_CHECK_DEVICE:-cuda}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
TEXT="$HERE/data/tinyshakespeare.txt" FASHION="$HERE/data/fashion-mnist"
passed=() failed=()

check() { # NAME SECONDS COMMAND... : runs COMMAND with a time limit, records the result
  local name="$1" limit="$2"
  shift 2
  echo "== $name"
  if timeout "$limit" bash -c '"$@"' check "$@"; then
    passed+=("$name")
  else
    failed+=("$name")
    echo "-- $name FAILED"
  fi
}

same_losses() { # A.jsonl B.jsonl STEPS: the same number of steps, losses within 1e-3 relative
  "$PYTHON" - "$@" <<'EOF'
import json, sys
a, b = ([json.loads(line)["loss"] for line in open(path)] for path in sys.argv[1:3])
worst = max((abs(x - y) / max(abs(y), 1e-30) for x, y in zip(a, b)), default=float("inf"))
print(f"   {len(a)} GPU and {len(b)} CPU losses, largest relative difference {worst:.2e}")
sys.exit(0 if len(a) == len(b) == int(sys.argv[3]) and worst < 1e-3 else 1)
EOF
}

eval_matches() { # CPU.json GPU.json: same held-out loss within 1e-3, the certificate holds
  "$PYTHON" - "$@" <<'EOF'
import json, sys
cpu, gpu = (json.load(open(path)) for path in sys.argv[1:3])
difference = abs(cpu["loss"] - gpu["loss"]) / abs(cpu["loss"])
print(f"   held-out loss {gpu['loss']:.6f} on the GPU, {cpu['loss']:.6f} on the CPU (relative {difference:.2e});"
      f" certificate: {'holds' if gpu['certificate_holds'] else gpu.get('not_certified')}")
sys.exit(0 if difference < 1e-3 and gpu["certificate_holds"] and cpu["certificate_holds"] else 1)
EOF
}

cpu_path() {
  for binary in "$HERE"/bin/*; do
    if ldd "$binary" | grep -q "not found"; then
      echo "   $(basename "$binary") lacks a library:"
      ldd "$binary" | grep "not found"
      return 1
    fi
  done
  "$HERE/bin/tiny" bounds | tail -1 &&
    "$HERE/bin/tiny" train --data "$TEXT" --steps 2 --batch 2 --device cpu --log "$WORK/cpu-path.jsonl" > /dev/null
}

train_on_both() { # NAME DATA STEPS BATCH: CPU and GPU runs, losses, evaluation, certificate
  local name="$1" data="$2" steps="$3" batch="$4" binary="$HERE/bin/$1"
  local options=(--data "$data" --steps "$steps" --batch "$batch" --log-every 1 --eval-every 0)
  "$binary" train "${options[@]}" --device cpu --log "$WORK/$name.cpu.jsonl" > /dev/null &&
    "$binary" train "${options[@]}" --device "$DEVICE" --log "$WORK/$name.gpu.jsonl" \
      --checkpoint "$WORK/$name.ckpt" > /dev/null &&
    same_losses "$WORK/$name.gpu.jsonl" "$WORK/$name.cpu.jsonl" "$steps" &&
    "$binary" eval --data "$data" --checkpoint "$WORK/$name.ckpt" --eval-samples 256 --batch "$batch" \
      --json --device cpu > "$WORK/$name.eval-cpu.json" &&
    "$binary" eval --data "$data" --checkpoint "$WORK/$name.ckpt" --eval-samples 256 --batch "$batch" \
      --json --device "$DEVICE" > "$WORK/$name.eval-gpu.json" &&
    eval_matches "$WORK/$name.eval-cpu.json" "$WORK/$name.eval-gpu.json"
}

export HERE PYTHON DEVICE WORK TEXT
export -f same_losses eval_matches cpu_path train_on_both

# cuBLAS: the CUDA toolkit's, else the one PyTorch's wheels carry.
if [[ ! -e "${CUDA_HOME:-/usr/local/cuda}/lib64/libcublas.so.13" ]]; then
  wheels=$("$PYTHON" -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null)
  cublas=$(find "${wheels:-/nonexistent}" -name 'libcublas.so.1[23]' 2>/dev/null | head -1)
  [[ -n "$cublas" ]] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$(dirname "$cublas")"
fi

head -2 "$HERE/MANIFEST"
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: none"
if ! grep -qw avx2 /proc/cpuinfo || ! grep -qw fma /proc/cpuinfo; then
  echo "gpu-check: FAIL: this processor lacks AVX2 or FMA, which the bundle's x86-64-v3 code needs"
  exit 1
fi
needed=$(grep -o 'GLIBC_[0-9.]*' "$HERE/MANIFEST" | head -1 | cut -d_ -f2)
have=$(getconf GNU_LIBC_VERSION | cut -d' ' -f2)
if [[ "$(printf '%s\n%s\n' "$needed" "$have" | sort -V | head -1)" != "$needed" ]]; then
  echo "gpu-check: FAIL: the bundle needs glibc $needed or newer, this machine has $have"
  exit 1
fi
check "the binaries run on the CPU with the bundle's libraries" 60 cpu_path

probe=$("$HERE/bin/tiny" train --data "$TEXT" --steps 1 --batch 2 --device "$DEVICE" --log "$WORK/probe.jsonl" 2>&1 > /dev/null)
if grep -q "no usable GPU" <<< "$probe"; then
  echo "gpu-check: ${#passed[@]} CPU checks passed, ${#failed[@]} failed"
  if ((${#failed[@]})); then echo "gpu-check: FAIL: ${failed[*]}"; exit 1; fi
  echo "gpu-check: SKIPPED: the GPU checks did not run: $(grep -o 'no usable GPU.*' <<< "$probe" | head -1)"
  exit 77
fi
check "tiny spec: GPU against CPU" 120 train_on_both tiny "$TEXT" 10 4
check "MLP: GPU against CPU" 120 train_on_both mlp "$FASHION" 10 64
check "Shakespeare: GPU against CPU" 180 train_on_both shakespeare "$TEXT" 5 8
check "Shakespeare, attention fused: GPU against CPU" 180 train_on_both shakespeare-fused-attention "$TEXT" 5 8
if [[ "$DEVICE" == cuda ]]; then
  echo "== benchmarks"
  timeout 330 "$PYTHON" "$HERE/bench/gpu_step.py" --bundle "$HERE" --rounds 2 ||
    echo "-- the benchmarks did not finish (ratios above are partial)"
fi
if ((${#failed[@]})); then
  echo "gpu-check: FAIL: ${#failed[@]} of $((${#passed[@]} + ${#failed[@]})) checks: ${failed[*]}"
  exit 1
fi
echo "gpu-check: PASS: ${#passed[@]} checks$([[ "$DEVICE" == cuda ]] || echo " (a rehearsal on the CPU: nothing ran on a GPU)")"
