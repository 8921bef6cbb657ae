# lit configuration for lipc's FileCheck tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "lipc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".lip", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "lib", "unit", "Inputs",
                   "run_vs_torch.py", "train_native_vs_torch.py",
                   "check_gradients.py",
                   "expect-exit.sh", "tools", "fuzz"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.lipc_test_obj_root

config.substitutions.append(("%lipc_src", config.lipc_src_root))
config.substitutions.append(("%lipc_build", config.lipc_obj_root))
config.substitutions.append(
    ("%expect-exit", "bash " + os.path.join(config.test_source_root, "expect-exit.sh")))
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["lip-opt", "lipc", "lip-grad-dump"], [config.lipc_tools_dir])

# The team's data sets (../shared/data), which a clone elsewhere lacks.
shared_data = os.path.normpath(os.path.join(config.lipc_src_root, "..", "shared", "data"))
if os.path.exists(os.path.join(shared_data, "digits.csv.gz")):
    config.available_features.add("shared-data")
config.substitutions.append(("%shared_data", shared_data))
# Fashion-MNIST from Debian's dataset-fashion-mnist (scripts/setup.sh installs it).
fashion_mnist = "/usr/share/datasets/fashion-mnist"
if os.path.exists(os.path.join(fashion_mnist, "train-images-idx3-ubyte.gz")):
    config.available_features.add("fashion-mnist")

# PyTorch reference checks run on Debian's Python, where python3-torch lives.
import subprocess
torch_python = "/usr/bin/python3"
if subprocess.call([torch_python, "-c", "import torch, numpy"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("torch")
config.substitutions.append(("%torch-python", torch_python))
# scripts/sweep.py draws with Debian's matplotlib (same Python).
if subprocess.call([torch_python, "-c", "import matplotlib"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("matplotlib")

# Data-parallel runs under Open MPI's launcher (scripts/setup.sh installs
# openmpi-bin); as root it must be told that is intended, two ranks may
# share fewer cores, and in a container without ptrace between processes
# its shared-memory transport must copy instead of reading the other's pages.
import shutil
if shutil.which("mpirun"):
    config.available_features.add("mpi")
config.substitutions.append(
    ("%mpirun", "mpirun --allow-run-as-root --oversubscribe --mca btl_vader_single_copy_mechanism none"))

# MLIR's own tools and runner libraries, for the tests that run generated code.
llvm_config.add_tool_substitutions(["mlir-opt", "mlir-cpu-runner", "llvm-nm"], [config.llvm_tools_dir])
config.substitutions.append(
    ("%mlir_lib_dir", os.path.normpath(os.path.join(config.llvm_tools_dir, "..", "lib"))))

# Python for the plain helper scripts (no torch needed): the one running lit.
import shutil
import sys
config.substitutions.append(("%python", sys.executable))

# CUDA's PTX assembler, to check the GPU kernels lipc emits (no GPU needed).
ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
config.substitutions.append(("%ptxas", ptxas))

# CUDA's libdevice, which `lipc --emit=ptx` links into the kernels.
llvm_config.with_system_environment(["CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"])
cuda_home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH") or os.environ.get("CUDA_ROOT") \
    or "/usr/local/cuda"
if os.path.exists(os.path.join(cuda_home, "nvvm", "libdevice", "libdevice.10.bc")):
    config.available_features.add("cuda-libdevice")
# ptxas and fatbinary in that toolkit: lipc compile --gpu embeds fatbinaries.
if all(os.access(os.path.join(cuda_home, "bin", tool), os.X_OK) for tool in ("ptxas", "fatbinary")):
    config.available_features.add("cuda-assembler")
config.substitutions.append(("%cuda_home", cuda_home))

# A usable NVIDIA GPU (driver loads, a device answers): the GPU tests need
# one and are reported UNSUPPORTED without; the CPU-fallback tests need none.
def usable_gpu():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except OSError:
        return False
if usable_gpu():
    config.available_features.add("gpu")
