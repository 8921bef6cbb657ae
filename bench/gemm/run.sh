#!/usr/bin/env bash
# Generated (transform dialect: tiled, vectorized) GEMMs against OpenBLAS for
# the matrix products of the examples' training steps, one static shape at a
# time; prints GFLOP/s and ratios measured in the same run.
# usage: bench/gemm/run.sh    (needs the pinned mlir-opt and clang (scripts/llvm-version), libopenblas-dev)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
LLVM="$(cat "$here/../../scripts/llvm-version")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# M N K: the MLP's layer products at batch 512 and its Newton-Schulz/soft-cap
# Gram products, the transformer's linear layers at batch 8 x 256 tokens.
shapes=(
  "512 256 784" "256 256 784" "256 784 256" "256 256 256"
  "2048 256 256" "2048 1024 256" "2048 256 1024"
)
: > "$work/shapes.inc"
objects=()
for shape in "${shapes[@]}"; do
  read -r m n k <<< "$shape"
  name="mm_${m}x${n}x${k}"
  echo "SHAPE($m, $n, $k)" >> "$work/shapes.inc"
  cat > "$work/$name.mlir" <<MLIR
func.func @$name(%A: memref<${m}x${k}xf32>, %B: memref<${k}x${n}xf32>, %C: memref<${m}x${n}xf32>)
    attributes {llvm.emit_c_interface} {
  %a = bufferization.to_tensor %A restrict : memref<${m}x${k}xf32>
  %b = bufferization.to_tensor %B restrict : memref<${k}x${n}xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<${m}x${n}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<${m}x${n}xf32>) -> tensor<${m}x${n}xf32>
  %c = linalg.matmul ins(%a, %b : tensor<${m}x${k}xf32>, tensor<${k}x${n}xf32>)
                     outs(%init : tensor<${m}x${n}xf32>) -> tensor<${m}x${n}xf32>
  bufferization.materialize_in_destination %c in restrict writable %C
      : (tensor<${m}x${n}xf32>, memref<${m}x${n}xf32>) -> ()
  return
}
MLIR
  # Tiles must divide the shape: partial tiles have dynamic sizes, which
  # the vectorizer leaves as scalar loops.
  ntile=$(( n % 32 == 0 ? 32 : 16 ))
  sed "s/NTILE/$ntile/" "$here/tile_and_vectorize.mlir" > "$work/transform_$ntile.mlir"
  "mlir-opt-$LLVM" "$work/$name.mlir" \
    --transform-preload-library=transform-library-paths="$work/transform_$ntile.mlir" \
    --transform-interpreter --canonicalize --eliminate-empty-tensors --empty-tensor-to-alloc-tensor \
    --one-shot-bufferize=bufferize-function-boundaries --canonicalize --cse --buffer-deallocation-pipeline \
    --convert-vector-to-scf=full-unroll=true --convert-linalg-to-loops --lower-affine --convert-scf-to-cf \
    --convert-vector-to-llvm --convert-to-llvm --reconcile-unrealized-casts -o "$work/$name.llvm.mlir"
  "mlir-translate-$LLVM" --mlir-to-llvmir "$work/$name.llvm.mlir" -o "$work/$name.ll"
  "clang-$LLVM" -O3 -march=native -fPIC -c "$work/$name.ll" -o "$work/$name.o" 2>/dev/null
  objects+=("$work/$name.o")
done
"clang++-$LLVM" -O2 -march=native -I"$work" "$here/harness.cpp" "${objects[@]}" -lopenblas -o "$work/harness"
"$work/harness"
