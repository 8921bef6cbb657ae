//===- GreedyRewrite.h - The greedy pattern driver under one name -*- C++ -*-===//
//
// MLIR 20 renamed applyPatternsAndFoldGreedily to applyPatternsGreedily and
// deprecated the old name. lipc's passes call the new name; on MLIR 19,
// where only the old one exists, this header provides it. The MLIR version
// itself is pinned in one place: scripts/llvm-version.
//
//===----------------------------------------------------------------------===//

#ifndef LIPC_SUPPORT_GREEDYREWRITE_H
#define LIPC_SUPPORT_GREEDYREWRITE_H

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Config/llvm-config.h"

#if LLVM_VERSION_MAJOR < 20
namespace mlir {
inline LogicalResult applyPatternsGreedily(Operation *op,
                                           const FrozenRewritePatternSet &patterns) {
  return applyPatternsAndFoldGreedily(op, patterns);
}
} // namespace mlir
#endif

#endif // LIPC_SUPPORT_GREEDYREWRITE_H
