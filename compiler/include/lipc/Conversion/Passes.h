//===- Passes.h - Lowerings out of the lip dialects -------------*- C++ -*-===//

#ifndef LIPC_CONVERSION_PASSES_H
#define LIPC_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::lip {

#define GEN_PASS_DECL
#include "lipc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lipc/Conversion/Passes.h.inc"

} // namespace mlir::lip

#endif // LIPC_CONVERSION_PASSES_H
