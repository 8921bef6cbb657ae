//===- TestLipschitzAnalysis.cpp - -test-print-lipschitz ------------------===//
//
// Prints the Lipschitz bound analysis value by value, for lit tests:
//   func @mlp
//   %arg0: lipschitz = 1, rms = 1
//   %0 = lip.linear: factor = 2, lipschitz = 2, rms = 2
//   result: lipschitz = 2, rms = 2
// Values that are not certified end with `not certified: <reason>`.
//
//===----------------------------------------------------------------------===//

#include "lipc/Analysis/LipschitzAnalysis.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;
using namespace mlir::lip;

namespace {
void printBound(raw_ostream &os, const ValueBound &b) {
  os << "lipschitz = " << formatBound(b.lipschitz) << ", rms = " << formatBound(b.rms);
  if (!b.isCertified())
    os << ", not certified: " << b.notCertified;
  os << "\n";
}

struct TestPrintLipschitzPass
    : PassWrapper<TestPrintLipschitzPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestPrintLipschitzPass)

  StringRef getArgument() const final { return "test-print-lipschitz"; }
  StringRef getDescription() const final {
    return "Print the Lipschitz and RMS bound of every value";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<LipDialect>();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    raw_ostream &os = llvm::outs();
    os << "func @" << func.getName() << "\n";
    const LipschitzAnalysis &analysis = getAnalysis<LipschitzAnalysis>();
    if (!analysis.succeeded())
      return signalPassFailure();
    AsmState state(func);
    for (BlockArgument arg : func.getArguments()) {
      arg.printAsOperand(os, state);
      os << ": ";
      printBound(os, *analysis.lookup(arg));
    }
    for (const OpBoundRecord &record : analysis.getRecords()) {
      record.op->getResult(0).printAsOperand(os, state);
      os << " = " << record.op->getName()
         << ": factor = " << formatBound(record.rule.factor) << ", ";
      printBound(os, record.rule.bound);
    }
    os << "result: ";
    printBound(os, *analysis.getResultBound());
    markAllAnalysesPreserved();
  }
};
} // namespace

namespace mlir::lip::test {
void registerTestPasses() { PassRegistration<TestPrintLipschitzPass>(); }
} // namespace mlir::lip::test
