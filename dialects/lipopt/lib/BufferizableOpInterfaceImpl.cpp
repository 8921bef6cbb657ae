//===- BufferizableOpInterfaceImpl.cpp - lipopt ops in bufferization ------===//
//
// lipopt.all_reduce on tensors reads and writes each operand, whose result
// is the same buffer: one-shot bufferization keeps the operand's buffer
// when nothing reads the tensor afterwards (the gradients: read only by the
// updates, through the results), else copies it first.
//
//===----------------------------------------------------------------------===//

#include "lip/Dialect/LipOpt/BufferizableOpInterfaceImpl.h"

#include "lip/Dialect/LipOpt/LipOptDialect.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {
struct AllReduceOpInterface
    : BufferizableOpInterface::ExternalModel<AllReduceOpInterface, lipopt::AllReduceOp> {
  bool bufferizesToMemoryRead(Operation *, OpOperand &, const AnalysisState &) const {
    return true;
  }

  bool bufferizesToMemoryWrite(Operation *, OpOperand &, const AnalysisState &) const {
    return true;
  }

  AliasingValueList getAliasingValues(Operation *op, OpOperand &operand,
                                      const AnalysisState &) const {
    return {{op->getResult(operand.getOperandNumber()), BufferRelation::Equivalent}};
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options) const {
    SmallVector<Value> buffers;
    for (Value input : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, input, options);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.create<lipopt::AllReduceOp>(op->getLoc(), buffers);
    replaceOpWithBufferizedValues(rewriter, op, buffers);
    return success();
  }
};
} // namespace

void mlir::lipopt::registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, LipOptDialect *) {
    AllReduceOp::attachInterface<AllReduceOpInterface>(*context);
  });
}
