//===- Passes.h - lipc's passes over the lip dialect ------------*- C++ -*-===//

#ifndef LIPC_TRANSFORMS_PASSES_H
#define LIPC_TRANSFORMS_PASSES_H

#include "lip/Dialect/Lip/LipDialect.h"
#include "lip/Dialect/LipOpt/LipOptDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::lip {

#define GEN_PASS_DECL
#include "lipc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lipc/Transforms/Passes.h.inc"

} // namespace mlir::lip

#endif // LIPC_TRANSFORMS_PASSES_H
