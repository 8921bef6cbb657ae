//===- TrainingStages.h - A spec's training step, carried to a stage -----===//
//
// What `lipc compile` and `lipc MODEL --emit=STAGE` run after the spec is
// compiled: the training module (TrainPipeline.h), its manifest, then
// linalg, LLVM and object files for the CPU, and the GPU step's object or
// PTX where asked. Every stage is also a registered pipeline (lip-opt).
//
// Errors follow the compiler's convention: IR work reports MLIR
// diagnostics (at the model's location) and returns failure; work on files
// and on LLVM IR returns an llvm::Error with its message. A stage that does
// both returns an llvm::Error, an `AlreadyDiagnosed` one when diagnostics
// said what went wrong.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_DRIVER_TRAININGSTAGES_H
#define LIPC_DRIVER_TRAININGSTAGES_H

#include "lipc/Pipelines/Codegen.h"
#include "lipspec/SpecGen.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <utility>
#include <vector>

namespace lipc {

/// An error whose message went out as MLIR diagnostics already.
class AlreadyDiagnosed : public llvm::ErrorInfo<AlreadyDiagnosed> {
public:
  static char ID;
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;
};

/// Where a training build stops: printed stages and object files.
enum class TrainingStage { Train, Manifest, Ptx, Linalg, Llvm, Object };

/// How the training step is built.
struct TrainingBuild {
  mlir::lip::GemmBackend gemm = mlir::lip::GemmBackend::Blas;
  bool fuseProjections = true;
  /// "fp32", "bf16" or "tf32" in place of the spec's train.precision; "":
  /// the spec's.
  std::string precision;
  /// The processor the CPU code is compiled for (an LLVM CPU name); "":
  /// this machine's.
  std::string cpu;
  /// Object: the files to write, one, or the step split into one per path
  /// and compiled in parallel.
  std::vector<std::string> objectPaths;
  /// (symbol, text) strings embedded in the objects beside the manifest.
  std::vector<std::pair<std::string, std::string>> embedded;
  /// Object: also the GPU step (`gpu_train_step`, `gpu_forward`) into this
  /// object file; "": none.
  std::string gpuObjectPath;
  /// The GPU step's attention (Ptx, and Object with gpuObjectPath):
  /// batched products around softmax kernels (Linalg) or fused per head
  /// (FusedLoops).
  mlir::lip::AttentionLowering gpuAttention = mlir::lip::AttentionLowering::Linalg;
};

/// Builds the training step of `compiled` and carries it to `stage`:
/// printed to `out` (Train, Manifest, Ptx, Linalg, Llvm) or written to the
/// object files (Object). The objects carry the manifest as
/// `lipc_manifest`, the packed entry points `lipc_train_step` and
/// `lipc_forward`, and the embedded strings.
llvm::Error buildTrainingStage(spec::CompiledSpec &compiled, TrainingStage stage,
                               const TrainingBuild &build, llvm::raw_ostream &out);

} // namespace lipc

#endif // LIPC_DRIVER_TRAININGSTAGES_H
