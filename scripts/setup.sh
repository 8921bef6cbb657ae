#!/usr/bin/env bash
# Installs what lipc needs on Debian 12 from Debian's archive, and nothing that is already there.
# Idempotent: when every package is present it only checks (a second or two) and exits.
set -euo pipefail
# The one MLIR/LLVM version lipc is built with (libmlir-19-dev and
# libmlir-22-dev cannot be installed together).
LLVM="$(cat "$(dirname "${BASH_SOURCE[0]}")/llvm-version")"

PACKAGES=(
  # MLIR/LLVM
  "libmlir-$LLVM-dev" "mlir-$LLVM-tools" "llvm-$LLVM-dev" "llvm-$LLVM-tools" "clang-$LLVM"
  # clang's sanitizer and libFuzzer runtimes (the sanitizer build, tests/fuzz)
  "libclang-rt-$LLVM-dev"
  # build tools
  cmake ninja-build lld ccache
  # libraries and test frameworks
  libfmt-dev libgtest-dev libgmock-dev zlib1g-dev
  # the runtime's JSON (manifests, checkpoint headers, logs) and the binaries' command line
  nlohmann-json3-dev libcli11-dev
  # the BLAS compiled models call for their matrix products (OpenBLAS's
  # OpenMP build), and the OpenMP runtime it and their parallel loops run on
  libopenblas-dev libopenblas0-openmp "libomp-$LLVM-dev"
  # oneDNN: its header at build time; compiled models open libdnnl.so.2
  # when the machine has it and run their large products through it
  libdnnl-dev
  # data-parallel training: Open MPI's header at build time, its launcher
  # (mpirun) and the library compiled models open under it
  libopenmpi-dev openmpi-bin
  # the default demo data: Fashion-MNIST (IDX, gzip)
  dataset-fashion-mnist
  # lit runs on Debian's Python; torch and numpy serve the reference checks
  python3 python3-torch python3-numpy
  # bench/: the tuned PyTorch baseline runs with jemalloc
  libjemalloc2
  # scripts/sweep.py draws its figures with matplotlib
  python3-matplotlib
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
