//===- DeallocAtLastUse.cpp - Free buffers when they die ------------------===//
//
// -lip-dealloc-at-last-use: ownership-based deallocation frees a block's
// buffers just before its terminator, so a bufferized training step held
// every activation, gradient and temporary of the whole step at once (5.5 GB
// at batch 64 for the Shakespeare transformer, most of it dead), and every
// segment of the split step passed hundreds of live descriptors along. This
// pass moves each provably unaliased, unconditionally freed buffer's
// deallocation to just after its last use.
//
// The alias analysis is deliberately coarse: any op other than a call that
// takes a buffer (or an alias) and yields memrefs makes its results aliases.
// Calls are uses only: ownership-based deallocation makes every function
// result owned by the caller (it clones what would otherwise alias an
// argument), so a call's results are fresh buffers; this holds only for
// functions of the module the pass ran on, so the results of a call to an
// external function count as aliases.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/CallInterfaces.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::lip {
#define GEN_PASS_DEF_DEALLOCATLASTUSE
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
bool yieldsMemref(Operation *op) {
  return llvm::any_of(op->getResultTypes(), [](Type t) { return isa<BaseMemRefType>(t); });
}

/// Whether `call`'s results are fresh buffers: it calls a function defined
/// in the module (whose results ownership-based deallocation made owned).
bool returnsFreshBuffers(CallOpInterface call) {
  auto callee = dyn_cast_if_present<FunctionOpInterface>(call.resolveCallable());
  return callee && !callee.isExternal();
}

/// The buffer `memref` stands for when it is allocated in `block`: an
/// allocation, a fresh call result, or the base buffer of either.
Value allocationInBlock(Value memref, Block *block) {
  if (auto metadata = memref.getDefiningOp<memref::ExtractStridedMetadataOp>();
      metadata && metadata.getBaseBuffer() == memref)
    memref = metadata.getSource();
  Operation *def = memref.getDefiningOp();
  if (!def || def->getBlock() != block)
    return nullptr;
  if (isa<memref::AllocOp>(def))
    return memref;
  if (auto call = dyn_cast<CallOpInterface>(def); call && returnsFreshBuffers(call))
    return memref;
  return nullptr;
}

/// The last op of `dealloc`'s block that uses `buffer` (freed as `entry`
/// by `dealloc`) or a value that may alias it, or null when the buffer may
/// escape or be freed twice: an alias is retained or freed by `dealloc`
/// (which frees aliases once), used by the terminator or another dealloc,
/// or flows out of a nested region.
Operation *lastUseOf(Value buffer, Value entry, bufferization::DeallocOp dealloc) {
  Block *block = dealloc->getBlock();
  llvm::SetVector<Value> aliases;
  aliases.insert(buffer);
  Operation *last = buffer.getDefiningOp();
  for (size_t i = 0; i < aliases.size(); ++i) {
    for (Operation *user : aliases[i].getUsers()) {
      if (user == dealloc.getOperation())
        continue;
      Operation *top = block->findAncestorOpInBlock(*user);
      if (!top || top == block->getTerminator() || isa<bufferization::DeallocOp>(user))
        return nullptr;
      bool nested = top != user;
      if (nested && (yieldsMemref(user) || user->hasTrait<OpTrait::IsTerminator>()))
        return nullptr;
      auto call = dyn_cast<CallOpInterface>(user);
      if (!nested && yieldsMemref(user) && !(call && returnsFreshBuffers(call)))
        for (Value result : user->getResults())
          if (isa<BaseMemRefType>(result.getType()))
            aliases.insert(result);
      if (last->isBeforeInBlock(top))
        last = top;
    }
  }
  if (llvm::any_of(dealloc.getRetained(), [&](Value v) { return aliases.contains(v); }) ||
      llvm::any_of(dealloc.getMemrefs(),
                   [&](Value v) { return v != entry && aliases.contains(v); }))
    return nullptr;
  return last->isBeforeInBlock(dealloc) ? last : nullptr;
}

/// Moves what can be freed earlier out of `dealloc`.
void freeEarly(bufferization::DeallocOp dealloc) {
  SmallVector<Value> keptMemrefs, keptConditions;
  bool moved = false;
  for (auto [memref, condition] : llvm::zip(dealloc.getMemrefs(), dealloc.getConditions())) {
    Value buffer = allocationInBlock(memref, dealloc->getBlock());
    bool unconditional = matchPattern(condition, m_One());
    Operation *last = buffer && unconditional ? lastUseOf(buffer, memref, dealloc) : nullptr;
    if (!last) {
      keptMemrefs.push_back(memref);
      keptConditions.push_back(condition);
      continue;
    }
    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    b.create<memref::DeallocOp>(dealloc.getLoc(), buffer);
    moved = true;
  }
  if (!moved)
    return;
  if (keptMemrefs.empty() && dealloc.getRetained().empty()) {
    dealloc.erase();
    return;
  }
  // Removing buffers that alias no retained value leaves the ownership of
  // every retained value (the op's results) as it was.
  OpBuilder b(dealloc);
  auto rest = b.create<bufferization::DeallocOp>(dealloc.getLoc(), keptMemrefs, keptConditions,
                                                 dealloc.getRetained());
  dealloc.replaceAllUsesWith(rest.getResults());
  dealloc.erase();
}

struct DeallocAtLastUse : lip::impl::DeallocAtLastUseBase<DeallocAtLastUse> {
  void runOnOperation() override {
    SmallVector<bufferization::DeallocOp> deallocs;
    getOperation().walk([&](bufferization::DeallocOp op) { deallocs.push_back(op); });
    for (bufferization::DeallocOp dealloc : deallocs)
      freeEarly(dealloc);
  }
};
} // namespace
