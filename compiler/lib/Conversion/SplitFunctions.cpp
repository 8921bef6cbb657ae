//===- SplitFunctions.cpp - A long function as a chain of shorter ones ----===//
//
// -lip-split-functions: a bufferized training step is one straight-line
// function of every loop nest, allocation, GEMM call and deallocation of the
// model, whose length grows with depth, and LLVM's cost on one function
// grows faster than its length: compile time was quadratic in depth. (A
// function per loop nest instead made thousands of functions, and MLIR's
// call lowering looks each callee up by a linear scan.) Cutting the entry
// block into segments of at most `max-ops` ops, each moved into a private
// no-inline function that takes the values it uses from before and returns
// those used after, bounds most functions' size. Constants are cloned into
// the segments that use them rather than passed; a stack allocation stays
// in one segment with all its users.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::lip {
#define GEN_PASS_DEF_SPLITFUNCTIONS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
bool isConstant(Value v) { return v.getDefiningOp() && matchPattern(v, m_Constant()); }

bool splittable(func::FuncOp f) { return !f.isExternal() && f.getBody().hasOneBlock(); }

/// The ops using `buffer` or a view of it (views of views included).
SmallVector<Operation *> usersThroughViews(Value buffer) {
  SmallVector<Operation *> users;
  SmallVector<Value> pending = {buffer};
  while (!pending.empty())
    for (Operation *user : pending.pop_back_val().getUsers()) {
      users.push_back(user);
      if (auto view = dyn_cast<ViewLikeOpInterface>(user); view && view.getViewSource())
        llvm::append_range(pending, user->getResults());
    }
  return users;
}

/// Where the segment of `ops` starting at `begin` ends: after at most
/// `maxOps` ops, or later so that a stack allocation (memref.alloca: its
/// memory lives only as long as the frame that made it) and every op using
/// it or a view of it land in the same segment.
size_t segmentEnd(ArrayRef<Operation *> ops, size_t begin, size_t maxOps,
                  const llvm::DenseMap<Operation *, size_t> &position) {
  size_t end = std::min(ops.size(), begin + maxOps);
  for (size_t i = begin; i < end; ++i) {
    if (!isa<memref::AllocaOp>(ops[i]))
      continue;
    for (Operation *user : usersThroughViews(ops[i]->getResult(0))) {
      Operation *top = ops[i]->getBlock()->findAncestorOpInBlock(*user);
      if (auto it = position.find(top); it != position.end())
        end = std::max(end, it->second + 1);
    }
  }
  return end;
}

/// Moves `ops` (consecutive, in `parent`'s entry block) into a new function
/// `name` and calls it where they were.
void outlineSegment(ArrayRef<Operation *> ops, func::FuncOp parent, StringRef name,
                    SymbolTable &symbols) {
  llvm::SmallPtrSet<Operation *, 32> inside(ops.begin(), ops.end());
  llvm::SetVector<Value> inputs, constants, outputs;
  for (Operation *op : ops) {
    llvm::SetVector<Value> used(op->operand_begin(), op->operand_end());
    getUsedValuesDefinedAbove(op->getRegions(), used);
    for (Value v : used) {
      Operation *def = v.getDefiningOp();
      if (def && inside.contains(def))
        continue;
      (isConstant(v) ? constants : inputs).insert(v);
    }
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !inside.contains(parent.getBody().front().findAncestorOpInBlock(*user));
          }))
        outputs.insert(result);
  }
  OpBuilder b(parent);
  Location loc = parent.getLoc();
  SmallVector<Type> inputTypes, outputTypes;
  for (Value v : inputs)
    inputTypes.push_back(v.getType());
  for (Value v : outputs)
    outputTypes.push_back(v.getType());
  auto segment = b.create<func::FuncOp>(loc, name, b.getFunctionType(inputTypes, outputTypes));
  segment.setPrivate();
  segment->setAttr("no_inline", b.getUnitAttr());
  segment->setAttr("llvm.linkage", LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
  Block *body = segment.addEntryBlock();
  symbols.insert(segment);

  b.setInsertionPoint(ops.front());
  auto call = b.create<func::CallOp>(loc, segment, inputs.getArrayRef());
  for (Operation *op : ops)
    op->moveBefore(body, body->end());
  b.setInsertionPointToStart(body);
  auto movedInto = [&](OpOperand &use) { return segment->isProperAncestor(use.getOwner()); };
  for (Value c : constants)
    c.replaceUsesWithIf(b.clone(*c.getDefiningOp())->getResult(0), movedInto);
  for (auto [input, arg] : llvm::zip(inputs, body->getArguments()))
    Value(input).replaceUsesWithIf(arg, movedInto);
  for (auto [output, result] : llvm::zip(outputs, call.getResults()))
    Value(output).replaceUsesWithIf(result, [&](OpOperand &use) { return !movedInto(use); });
  b.setInsertionPointToEnd(body);
  b.create<func::ReturnOp>(loc, outputs.getArrayRef());
}

struct SplitFunctions : lip::impl::SplitFunctionsBase<SplitFunctions> {
  using SplitFunctionsBase::SplitFunctionsBase;

  void runOnOperation() override {
    if (maxOps < 1) {
      emitError(getOperation().getLoc(), "-lip-split-functions needs max-ops >= 1");
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp f : functions) {
      if (!splittable(f))
        continue;
      Block &entry = f.getBody().front();
      SmallVector<Operation *> ops;
      for (Operation &op : entry.without_terminator())
        if (!matchPattern(&op, m_Constant()))
          ops.push_back(&op);
      if (ops.size() <= maxOps)
        continue;
      llvm::DenseMap<Operation *, size_t> position;
      for (auto [i, op] : llvm::enumerate(ops))
        position[op] = i;
      unsigned part = 0;
      for (size_t begin = 0, end; begin < ops.size(); begin = end) {
        end = segmentEnd(ops, begin, maxOps, position);
        outlineSegment(ArrayRef<Operation *>(ops).slice(begin, end - begin), f,
                       (f.getSymName() + "_part" + Twine(part++)).str(), symbols);
      }
      // The constants the segments took copies of.
      for (Operation &op : llvm::make_early_inc_range(entry.without_terminator()))
        if (op.use_empty() && matchPattern(&op, m_Constant()))
          op.erase();
      // What is left is one straight line of calls, and the values passed
      // between them, as memref descriptors, take about seven LLVM values
      // each: a single block that grows with depth, on which LLVM's
      // instruction selection and post-RA scheduler are quadratic. It runs
      // once per step: compiled without optimization (optnone needs
      // noinline), it costs nothing measurable at run time.
      f->setAttr("no_inline", UnitAttr::get(&getContext()));
      f->setAttr("optimize_none", UnitAttr::get(&getContext()));
    }
  }
};
} // namespace
