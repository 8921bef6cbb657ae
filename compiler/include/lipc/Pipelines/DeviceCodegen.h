//===- DeviceCodegen.h - GPU kernels of a bufferized step -----------------===//
//
// The GPU path's code generation: the parallel loops of a bufferized module
// (every elementwise op, reduction, softmax, attention piece and optimizer
// update; matrix products stay runtime calls, which go to cuBLAS on a GPU)
// become gpu.launch kernels, are outlined into gpu.modules and compiled
// through NVVM to PTX for the target chip (gpu.binary ops holding the PTX).
// Needs no GPU: LLVM's NVPTX back end writes the PTX. The math functions
// (exp, erf, sin, ...) come from CUDA's libdevice, linked into every kernel
// module so the PTX has no external references.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_PIPELINES_DEVICECODEGEN_H
#define LIPC_PIPELINES_DEVICECODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <utility>
#include <vector>

namespace mlir::lip {

/// The GPU the kernels are compiled for.
struct DeviceTarget {
  std::string chip = "sm_90";       // Hopper (H100, H200)
  std::string features = "+ptx80"; // PTX ISA 8.0, which sm_90 needs at least
  std::string libdevice;            // CUDA's libdevice bitcode
  /// A CUDA toolkit with ptxas and fatbinary: the GPU step's kernels become
  /// fatbinaries of sm_90 machine code and PTX (which the driver compiles
  /// for a later GPU). "": PTX only, compiled by the driver at first use.
  std::string toolkit;
};

/// The CUDA toolkit: $CUDA_HOME (or $CUDA_PATH, $CUDA_ROOT; the first one
/// set), else /usr/local/cuda.
std::string cudaToolkitRoot();

/// CUDA's libdevice in the toolkit; an error naming where it looked.
llvm::Expected<std::string> findLibdevice();

/// The toolkit when it has ptxas and fatbinary (its bin/), else "".
std::string findKernelAssembler();

/// Dialects, interfaces and translations the device pipeline needs.
void registerDeviceCodegenDialects(DialectRegistry &registry);

/// Makes parallel loops of the module's linalg ops (reductions with few
/// outputs split, scatter-adds atomic, the scalar work between loops moved
/// into loops), maps them to GPU blocks and threads, outlines the kernels
/// and compiles them to PTX. What is not a parallel loop (sequential loops
/// over scalars, such as the soft cap's coupling from the learning rate)
/// stays on the host, reading no buffer.
LogicalResult compileDeviceKernels(ModuleOp module, const DeviceTarget &target);

/// The GPU variant of a bufferized step, lowered to the LLVM dialect: every
/// function renamed `<prefix><name>` (so it links beside the CPU step),
/// buffers allocated in device memory (gpu.alloc: kernels and cuBLAS read
/// them, the host code none), the kernels compiled and embedded (a
/// fatbinary of machine code and PTX with `target.toolkit`, else PTX),
/// launches as calls to the runtime's mgpu* functions.
LogicalResult lowerToGpuLLVMDialect(ModuleOp module, const DeviceTarget &target, StringRef prefix);

/// (kernel module name, PTX) for every compiled kernel module.
std::vector<std::pair<std::string, std::string>> kernelAssembly(ModuleOp module);

} // namespace mlir::lip

#endif // LIPC_PIPELINES_DEVICECODEGEN_H
