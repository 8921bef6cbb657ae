//===- ScalarsIntoLoops.cpp - Scalar memory accesses into parallel loops --===//
//
// -lip-scalars-into-loops: after -convert-linalg-to-parallel-loops, what is
// left outside parallel loops and touches memory is scalar work (a norm's
// scale, a mean, the learning rate). On the GPU path the code outside
// parallel loops is host code: each of those accesses read managed memory
// from the host after waiting for the kernels. Stores become one-iteration
// parallel loops (one-thread kernels), copies between buffers parallel
// loops over their elements, loaded scalars are recomputed inside the
// loops that use them, and scalar loops that read memory (a bisection on
// the learning rate) run once in a one-thread kernel that leaves their
// results in device memory, so that no buffer is touched on the host and
// nothing the kernels take by value depends on memory: a CUDA graph of the
// step replays it with this step's scalars (the step count, the
// learning-rate scale), not the ones it was captured with.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::lip {
#define GEN_PASS_DEF_SCALARSINTOLOOPS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
bool inParallelLoop(Operation *op) { return op->getParentOfType<scf::ParallelOp>() != nullptr; }

/// Whether `op` may be recomputed elsewhere: a load, or pure, without
/// regions and no terminator.
bool recomputable(Operation *op) {
  if (isa<memref::LoadOp>(op))
    return true;
  return isMemoryEffectFree(op) && op->getNumRegions() == 0 && !op->hasTrait<OpTrait::IsTerminator>();
}

/// Whether `op` is a loop or branch outside parallel loops that computes
/// scalars and touches memory only through loads (a bisection on the
/// learning rate's coupling).
bool scalarLoop(Operation *op) {
  if (op->getNumRegions() == 0 || op->getNumResults() == 0 || isa<scf::ParallelOp>(op) || inParallelLoop(op) ||
      !llvm::all_of(op->getResultTypes(), [](Type t) { return t.isIntOrIndexOrFloat(); }))
    return false;
  return !op->walk([](Operation *inner) {
              bool reads = isa<memref::LoadOp>(inner) || isMemoryEffectFree(inner) ||
                           inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
              return reads ? WalkResult::advance() : WalkResult::interrupt();
            }).wasInterrupted();
}

/// The ops of `block` that `values` are computed from (loads, through their
/// indices, and pure ops; with `withLoops`, scalar loops and what their
/// regions use too), in block order; other values are used as they are.
SmallVector<Operation *> sliceOf(ArrayRef<Value> values, Block *block, bool withLoops = false) {
  llvm::SetVector<Operation *> slice;
  SmallVector<Value> work(values.begin(), values.end());
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != block || !(recomputable(def) || (withLoops && scalarLoop(def))) ||
        !slice.insert(def))
      continue;
    if (auto load = dyn_cast<memref::LoadOp>(def)) {
      llvm::append_range(work, load.getIndices());
      continue;
    }
    llvm::append_range(work, def->getOperands());
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(def->getRegions(), captured);
    llvm::append_range(work, captured);
  }
  SmallVector<Operation *> ordered(slice.begin(), slice.end());
  llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ordered;
}

/// `buffer`, the buffer it views and every view of that (casts, subviews,
/// reshapes) in the function.
llvm::SmallPtrSet<Value, 8> aliasesOf(Value buffer) {
  while (Operation *def = buffer.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      buffer = view.getViewSource();
    else if (auto cast = dyn_cast<memref::CastOp>(def))
      buffer = cast.getSource();
    else
      break;
  }
  llvm::SmallPtrSet<Value, 8> aliases{buffer};
  SmallVector<Value> work{buffer};
  while (!work.empty())
    for (Operation *user : work.pop_back_val().getUsers())
      if (isa<ViewLikeOpInterface, memref::CastOp>(user))
        for (Value result : user->getResults())
          if (aliases.insert(result).second)
            work.push_back(result);
  return aliases;
}

/// Whether `op` (or an op inside it) may write `aliases`: uses one of them
/// other than by a load or a deallocation.
bool mayWrite(Operation *op, const llvm::SmallPtrSet<Value, 8> &aliases) {
  WalkResult walk = op->walk([&](Operation *inner) {
    if (isa<memref::LoadOp, memref::DeallocOp>(inner))
      return WalkResult::advance();
    for (Value operand : inner->getOperands())
      if (aliases.contains(operand))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return walk.wasInterrupted();
}

/// Whether the loads of `slice` read at `loop` what they read where they are.
bool sameValuesAt(ArrayRef<Operation *> slice, Operation *loop) {
  for (Operation *op : slice) {
    auto load = dyn_cast<memref::LoadOp>(op);
    if (!load)
      continue;
    llvm::SmallPtrSet<Value, 8> aliases = aliasesOf(load.getMemRef());
    for (Operation *between = load->getNextNode(); between != loop; between = between->getNextNode())
      if (mayWrite(between, aliases))
        return false;
  }
  return true;
}

/// Each copy between buffers outside parallel loops as a parallel loop over
/// its elements (a one-iteration loop for a scalar).
void copiesIntoLoops(func::FuncOp function) {
  SmallVector<memref::CopyOp> copies;
  function.walk([&](memref::CopyOp copy) {
    if (!inParallelLoop(copy) && isa<MemRefType>(copy.getSource().getType()))
      copies.push_back(copy);
  });
  for (memref::CopyOp copy : copies) {
    OpBuilder b(copy);
    Location loc = copy.getLoc();
    auto type = cast<MemRefType>(copy.getSource().getType());
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
    SmallVector<Value> upper;
    for (int64_t d = 0; d < type.getRank(); ++d)
      upper.push_back(b.createOrFold<memref::DimOp>(loc, copy.getSource(), d));
    if (upper.empty())
      upper.push_back(one);
    b.create<scf::ParallelOp>(loc, SmallVector<Value>(upper.size(), zero), upper,
                              SmallVector<Value>(upper.size(), one),
                              [&](OpBuilder &nested, Location, ValueRange ivs) {
                                ValueRange at = type.getRank() == 0 ? ValueRange() : ivs;
                                Value v = nested.create<memref::LoadOp>(loc, copy.getSource(), at);
                                nested.create<memref::StoreOp>(loc, v, copy.getTarget(), at);
                              });
    copy.erase();
  }
}

/// Each store outside parallel loops as a one-iteration parallel loop that
/// recomputes its value and indices.
void storesIntoLoops(func::FuncOp function) {
  SmallVector<memref::StoreOp> stores;
  function.walk([&](memref::StoreOp store) {
    if (!inParallelLoop(store))
      stores.push_back(store);
  });
  for (memref::StoreOp store : stores) {
    SmallVector<Value> operands(store->getOperands());
    SmallVector<Operation *> slice = sliceOf(operands, store->getBlock());
    if (!sameValuesAt(slice, store))
      continue; // the host keeps it; -lip-allocate-on-device reports it
    OpBuilder b(store);
    Location loc = store.getLoc();
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
    b.create<scf::ParallelOp>(loc, zero, one, one, [&](OpBuilder &nested, Location, ValueRange) {
      IRMapping mapping;
      for (Operation *op : slice)
        nested.clone(*op, mapping);
      nested.clone(*store, mapping);
    });
    store.erase();
  }
}

/// Runs each scalar loop outside parallel loops whose results depend on
/// memory (a scalar argument, such as the step) once, in a one-iteration
/// parallel loop that stores its results in 0-d buffers; its uses load them
/// there. Recomputing it in every loop that uses it would repeat its
/// iterations in every thread.
void scalarLoopsIntoBuffers(func::FuncOp function) {
  SmallVector<Operation *> loops;
  function.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<scf::ParallelOp>(op))
      return WalkResult::skip();
    if (!scalarLoop(op))
      return WalkResult::advance();
    loops.push_back(op);
    return WalkResult::skip();
  });
  for (Operation *loop : loops) {
    llvm::SetVector<Value> inputs(loop->operand_begin(), loop->operand_end());
    getUsedValuesDefinedAbove(loop->getRegions(), inputs);
    SmallVector<Operation *> slice = sliceOf(inputs.getArrayRef(), loop->getBlock(), /*withLoops=*/true);
    auto isLoad = [](Operation *op) { return isa<memref::LoadOp>(op); };
    bool readsMemory = llvm::any_of(slice, isLoad) ||
                       loop->walk([](memref::LoadOp) { return WalkResult::interrupt(); }).wasInterrupted();
    if (!readsMemory || !sameValuesAt(slice, loop))
      continue; // a constant of the step, or the host keeps it (-lip-allocate-on-device reports it)
    OpBuilder b(loop->getContext());
    b.setInsertionPointAfter(loop);
    Location loc = loop->getLoc();
    SmallVector<Value> buffers;
    for (Type type : loop->getResultTypes())
      buffers.push_back(b.create<memref::AllocOp>(loc, MemRefType::get({}, type)));
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
    b.create<scf::ParallelOp>(loc, zero, one, one, [&](OpBuilder &nested, Location, ValueRange) {
      IRMapping mapping;
      for (Operation *op : slice)
        nested.clone(*op, mapping);
      Operation *copy = nested.clone(*loop, mapping);
      for (auto [value, buffer] : llvm::zip(copy->getResults(), buffers))
        nested.create<memref::StoreOp>(loc, value, buffer);
    });
    for (auto [result, buffer] : llvm::zip(loop->getResults(), buffers))
      result.replaceAllUsesWith(b.create<memref::LoadOp>(loc, buffer).getResult());
    OpBuilder atEnd(loop->getBlock()->getTerminator());
    for (Value buffer : buffers)
      atEnd.create<memref::DeallocOp>(loc, buffer);
  }
}

/// Recomputes, at the start of each top-level parallel loop of a block
/// outside parallel loops, the loaded scalars of that block it uses.
void loadsIntoLoops(func::FuncOp function) {
  SmallVector<scf::ParallelOp> loops;
  function.walk([&](scf::ParallelOp loop) {
    if (!inParallelLoop(loop->getParentOp()))
      loops.push_back(loop);
  });
  for (scf::ParallelOp loop : loops) {
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(loop.getRegion(), captured);
    SmallVector<Value> scalars;
    for (Value value : captured)
      if (Operation *def = value.getDefiningOp(); def && def->getBlock() == loop->getBlock())
        scalars.push_back(value);
    SmallVector<Operation *> slice = sliceOf(scalars, loop->getBlock());
    // A global (a constant table, such as rope's angles) is taken into the
    // loop too: kernel outlining then copies it into the device code.
    if (llvm::none_of(slice, [](Operation *op) { return isa<memref::LoadOp, memref::GetGlobalOp>(op); }) ||
        !sameValuesAt(slice, loop))
      continue;
    OpBuilder b = OpBuilder::atBlockBegin(loop.getBody());
    IRMapping mapping;
    for (Operation *op : slice)
      b.clone(*op, mapping);
    for (Value value : scalars)
      if (Value copy = mapping.lookupOrNull(value))
        replaceAllUsesInRegionWith(value, copy, loop.getRegion());
  }
}

/// Moves each deallocation after the last op of its block that still uses
/// the buffer (a load recomputed in a later loop).
void deallocateAfterLastUse(func::FuncOp function) {
  SmallVector<memref::DeallocOp> deallocs;
  function.walk([&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
  for (memref::DeallocOp dealloc : deallocs) {
    llvm::SmallPtrSet<Value, 8> aliases = aliasesOf(dealloc.getMemref());
    Operation *last = nullptr;
    for (Operation *op = dealloc->getNextNode(); op; op = op->getNextNode()) {
      WalkResult walk = op->walk([&](Operation *inner) {
        return llvm::any_of(inner->getOperands(), [&](Value v) { return aliases.contains(v); })
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      });
      if (walk.wasInterrupted())
        last = op;
    }
    if (last)
      dealloc->moveAfter(last);
  }
}

/// Erases the ops outside parallel loops left without uses (a scalar
/// loop with what is inside it), users before what they use.
void eraseDead(func::FuncOp function) {
  SmallVector<Operation *> ops;
  function.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<scf::ParallelOp>(op))
      return WalkResult::skip();
    if (scalarLoop(op)) {
      ops.push_back(op);
      return WalkResult::skip();
    }
    if (recomputable(op))
      ops.push_back(op);
    return WalkResult::advance();
  });
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty())
      op->erase();
}

struct ScalarsIntoLoops : lip::impl::ScalarsIntoLoopsBase<ScalarsIntoLoops> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    copiesIntoLoops(function);
    scalarLoopsIntoBuffers(function);
    storesIntoLoops(function);
    loadsIntoLoops(function);
    deallocateAfterLastUse(function);
    eraseDead(function);
  }
};
} // namespace
