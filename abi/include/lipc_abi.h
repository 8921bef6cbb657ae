//===- lipc_abi.h - The contract between compiled models and the runtime --===//
//
// `lipc compile` turns a spec into an object file; liprt, a small runtime
// that knows nothing of the model, drives it. This header is the one place
// where the contract between the two is written. The compiler includes it
// to write what it says (compiler/lib/Driver/StepManifest.cpp,
// compiler/lib/Pipelines/Codegen.cpp, the lipc tool's embedded strings), the
// runtime to read it (runtime/src), and tests/unit/AbiTest.cpp checks that
// both sides agree.
//
// 1. Symbols. A compiled model's object defines the packed entry points
//    lipc_train_step and lipc_forward, built with --gpu also
//    lipc_gpu_train_step and lipc_gpu_forward, and the NUL-terminated
//    strings lipc_manifest (the JSON manifest, 2), lipc_bounds_table and
//    lipc_bounds_json (the bound report), lipc_eval_certificate_json and
//    lipc_spec_hash. They are declared at the end of this header.
//
// 2. The manifest. A JSON object with "format": kManifestFormat,
//    "version": kManifestVersion, the step's "arguments" and "results" and
//    the forward pass's under "forward"; each tensor has a "role" (Role), a
//    "dtype" (f32, f64 or i32) and a "shape" (-1 for the batch extent, rank
//    at most kMaxRank). The train step's results are the loss, the learning
//    rate, then the new value of every parameter and state argument in
//    argument order.
//
// 3. Calling convention. An entry point takes `void **args`: args[0] points
//    at the results struct, the results' descriptors one after another in
//    result order (every field an 8-byte word); args[1 + i] points at
//    argument i's descriptor. Every argument and result is a ranked memref
//    (MLIR's C interface); the f64 scalars (step, lr_scale, horizon, the
//    learning rate) are rank-0 memrefs.
//
// 4. Descriptors. A rank-r memref descriptor is MLIR's
//    StridedMemRefType<T, r> (mlir/ExecutionEngine/CRunnerUtils.h):
//    allocated pointer, aligned pointer, offset, r sizes, r strides, in
//    descriptorWords(r) 8-byte words. Arguments the runtime passes are dense
//    and row-major.
//
// 5. Ownership. Arguments stay the caller's: the step never frees or keeps
//    them. Every result buffer is allocated by the step through MLIR's
//    generic allocation functions (_mlir_memref_to_llvm_alloc and friends,
//    which liprt defines: runtime/src/StepArena.cpp), never an argument's
//    buffer or a global; several results may share one buffer. The caller
//    releases each distinct result buffer once, with the same allocator,
//    after reading every result.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_ABI_H
#define LIPC_ABI_H

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lipc::abi {

/// The manifest's "format" and "version"; a runtime refuses any other.
inline constexpr std::string_view kManifestFormat = "lipc-step-manifest";
inline constexpr int64_t kManifestVersion = 4;

/// Symbol names, for the compiler that defines them (the runtime uses the
/// declarations below).
inline constexpr std::string_view kManifestSymbol = "lipc_manifest";
inline constexpr std::string_view kBoundsTableSymbol = "lipc_bounds_table";
inline constexpr std::string_view kBoundsJsonSymbol = "lipc_bounds_json";
inline constexpr std::string_view kEvalCertificateSymbol = "lipc_eval_certificate_json";
inline constexpr std::string_view kSpecHashSymbol = "lipc_spec_hash";
/// A packed entry point is this prefix and its function's name
/// (train_step, forward; gpu_train_step, gpu_forward).
inline constexpr std::string_view kEntryPrefix = "lipc_";
/// The GPU build's functions are its CPU functions' names after this.
inline constexpr std::string_view kGpuPrefix = "gpu_";

/// What an argument or result is to the runtime.
enum class Role {
  Param,   // a parameter: owned by the runtime, updated by each step, checkpointed
  State,   // optimizer state (its "state" says which): the same
  Step,    // f64 scalar: the step index
  LrScale, // f64 scalar: the run's factor on every learning rate
  Horizon, // f64 scalar: the run's schedule length
  Input,   // a batch of model inputs
  Labels,  // a batch of labels (the train step's last argument)
  Loss,    // f32 scalar result
  Lr,      // f64 scalar result: the schedule's base rate at this step
  Logits,  // the forward pass's result
};

/// The manifest's spelling of each role, in Role's order.
inline constexpr std::array<std::string_view, 10> kRoleNames = {
    "param", "state", "step", "lr_scale", "horizon", "input", "labels", "loss", "lr", "logits"};

constexpr std::string_view roleName(Role role) { return kRoleNames[static_cast<size_t>(role)]; }

constexpr std::optional<Role> roleFromName(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i)
    if (kRoleNames[i] == name)
      return static_cast<Role>(i);
  return std::nullopt;
}

/// How a matrix product may round its operands: the last argument of the
/// runtime's liprt_sgemm and its kin (-lip-matmul-to-blas), and the
/// manifest's train.precision. Sums are float32 in every case.
enum class ProductPrecision : int32_t {
  Fp32 = 0, // float32 operands
  Bf16 = 1, // operands rounded to bf16 (8 bits of mantissa)
  Tf32 = 2, // operands rounded to TF32 (11 bits of mantissa; GPU tensor cores)
};

/// The spelling of each precision, in ProductPrecision's order.
inline constexpr std::array<std::string_view, 3> kPrecisionNames = {"fp32", "bf16", "tf32"};

constexpr std::optional<ProductPrecision> precisionFromName(std::string_view name) {
  for (size_t i = 0; i < kPrecisionNames.size(); ++i)
    if (kPrecisionNames[i] == name)
      return static_cast<ProductPrecision>(i);
  return std::nullopt;
}

/// Highest rank of a tensor in a manifest.
inline constexpr int64_t kMaxRank = 4;

/// A rank-`Rank` memref descriptor of `T` elements.
template <typename T, int Rank>
using Descriptor = StridedMemRefType<T, Rank>;

/// 8-byte words of a rank-`rank` descriptor.
constexpr size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

static_assert(sizeof(Descriptor<float, 0>) == 8 * descriptorWords(0));
static_assert(sizeof(Descriptor<float, 1>) == 8 * descriptorWords(1));
static_assert(sizeof(Descriptor<float, 2>) == 8 * descriptorWords(2));
static_assert(sizeof(Descriptor<double, 3>) == 8 * descriptorWords(3));
static_assert(sizeof(Descriptor<int32_t, kMaxRank>) == 8 * descriptorWords(kMaxRank));

} // namespace lipc::abi

/// What a compiled model's object defines (section 1).
extern "C" {
void lipc_train_step(void **args);
void lipc_forward(void **args);
/// Only in a binary compiled with --gpu.
void lipc_gpu_train_step(void **args) __attribute__((weak));
void lipc_gpu_forward(void **args) __attribute__((weak));
extern const char lipc_manifest[];
extern const char lipc_bounds_table[];
extern const char lipc_bounds_json[];
extern const char lipc_eval_certificate_json[];
extern const char lipc_spec_hash[];
}

#endif // LIPC_ABI_H
