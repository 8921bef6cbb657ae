#!/usr/bin/env bash
# Builds, on this machine, the folder that scripts/gpu-check.sh runs from on a
# GPU machine that has a CUDA driver and PyTorch but no MLIR, LLVM, OpenBLAS
# or build tools:
#   bin/      the --gpu binaries of both examples, of a tiny test spec and of
#             one-weight models for the fused-update benchmark, compiled for
#             the portable level x86-64-v3 (AVX2, FMA), stripped
#   lib/      every shared library they load that is not glibc's (glibc, the
#             CUDA driver and cuBLAS come from the GPU machine); those over
#             8 MiB (OpenBLAS, with kernels for every processor) gzipped, which
#             gpu-check.sh unpacks before it runs anything
#   data/     Tiny Shakespeare, 2500 Fashion-MNIST images, the one-weight models' CSV
#   bench/    bench/gpu_step.py and the benchmark and PyTorch reference files it imports
#   gpu-check.sh, MANIFEST (what was built, from which commit, for which glibc)
# The folder must stay under 64 MiB (what a device run can carry): the script
# fails when it is not.
# usage: scripts/gpu-bundle.sh OUT_DIR   (LIPC_BUILD_DIR: the build, built when missing;
#                                         LIPC_DATA_DIR: the data sets, default ../shared/data)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LIPC_BUILD_DIR:-$ROOT/build}"
DATA="${LIPC_DATA_DIR:-$ROOT/../shared/data}"
CPU_LEVEL=x86-64-v3
LIMIT_BYTES=$((64 * 1024 * 1024))
if (($# != 1)); then
  echo "usage: scripts/gpu-bundle.sh OUT_DIR" >&2
  exit 2
fi
OUT="$1"
if [[ -e "$OUT" && -n "$(ls -A "$OUT" 2>/dev/null)" ]]; then
  echo "gpu-bundle: $OUT exists and is not empty (the bundle goes to a fresh folder)" >&2
  exit 1
fi
for file in "$DATA/tinyshakespeare.txt"; do
  [[ -f "$file" ]] || { echo "gpu-bundle: $file is missing (set LIPC_DATA_DIR)" >&2; exit 1; }
done
FASHION=/usr/share/datasets/fashion-mnist
[[ -d "$FASHION" ]] || { echo "gpu-bundle: $FASHION is missing (scripts/setup.sh installs it)" >&2; exit 1; }
[[ -x "$BUILD/bin/lipc" ]] || LIPC_BUILD_DIR="$BUILD" "$ROOT/scripts/build.sh"
LIPC="$BUILD/bin/lipc"
mkdir -p "$OUT"/{bin,lib,data,bench/reference}

compile() { # NAME SPEC [lipc options...]
  local name="$1" spec="$2"
  shift 2
  "$LIPC" compile "$spec" --gpu --cpu "$CPU_LEVEL" -o "$OUT/bin/$name" "$@"
  strip "$OUT/bin/$name"
}
echo "gpu-bundle: compiling for $CPU_LEVEL with GPU kernels"
compile tiny "$ROOT/tests/lipc/compile/Inputs/tiny-gpt.lip"
compile mlp "$ROOT/examples/mlp/model.lip"
compile shakespeare "$ROOT/examples/shakespeare/model.lip"
# Attention fused per head: checked against the CPU and timed beside the
# products (gpu-check.sh, bench/gpu_step.py).
compile shakespeare-fused-attention "$ROOT/examples/shakespeare/model.lip" --gpu-attention=fused
# The fused Muon + soft-cap update, one weight per binary (bench/gpu_step.py).
/usr/bin/python3 "$ROOT/bench/gpu_step.py" --write-update-specs "$OUT/data"
for spec in "$OUT"/data/update-*.lip; do
  compile "$(basename "$spec" .lip)" "$spec"
  rm "$spec"
done

# Shared libraries: what the loader resolves for the binaries, less glibc.
GLIBC='^(linux-vdso|ld-linux-x86-64|libc|libm|libmvec|libpthread|libdl|librt)\.so'
ldd "$OUT"/bin/* | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
  while read -r soname path; do
    [[ "$soname" =~ $GLIBC ]] || cp -L "$path" "$OUT/lib/$soname"
  done

cp "$DATA/tinyshakespeare.txt" "$OUT/data/"
# The first 2000 training and 500 test images of Fashion-MNIST, as IDX files.
/usr/bin/python3 - "$FASHION" "$OUT/data/fashion-mnist" <<'EOF'
import gzip, os, struct, sys
source, target = sys.argv[1:]
os.makedirs(target)
for prefix, count in (("train", 2000), ("t10k", 500)):
    for kind, item in (("images-idx3-ubyte", 28 * 28), ("labels-idx1-ubyte", 1)):
        with gzip.open(os.path.join(source, f"{prefix}-{kind}.gz")) as f:
            magic, total = struct.unpack(">II", f.read(8))
            dims = f.read(4 * ((magic & 0xFF) - 1))
            body = f.read(count * item)
        assert total >= count and len(body) == count * item, (prefix, kind)
        with gzip.open(os.path.join(target, f"{prefix}-{kind}.gz"), "wb") as f:
            f.write(struct.pack(">II", magic, count) + dims + body)
EOF

cp "$ROOT/scripts/gpu-check.sh" "$OUT/"
cp "$ROOT/bench/"{gpu_step,fused_update,pytorch_step,binary_timing}.py "$OUT/bench/"
cp "$ROOT/bench/reference/"{train_reference,lipmodels,lipoptim}.py "$OUT/bench/reference/"

glibc=$(objdump -T "$OUT"/bin/* "$OUT"/lib/* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
find "$OUT/lib" -type f -size +8M -exec gzip -9 {} +
{
  echo "lipc GPU bundle, built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'an unknown commit')"
  echo "CPU code for $CPU_LEVEL; needs glibc with $glibc or newer"
  (cd "$OUT" && find . -type f ! -name MANIFEST | sort | xargs du -b)
} > "$OUT/MANIFEST"
bytes=$(du -sb "$OUT" | cut -f1)
echo "gpu-bundle: $OUT holds $((bytes / 1024 / 1024)) MiB ($bytes bytes)"
if ((bytes > LIMIT_BYTES)); then
  echo "gpu-bundle: over the 64 MiB a device run can carry" >&2
  exit 1
fi
