//===- BufferizableOpInterfaceImpl.h - lipopt ops in one-shot bufferization ===//
//
// lipopt.all_reduce bufferizes in place: its form on buffers replaces each
// operand's buffer by the mean over the ranks, so the gradients are reduced
// where the gradient function left them.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_LIPOPT_BUFFERIZABLEOPINTERFACEIMPL_H
#define LIP_DIALECT_LIPOPT_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
namespace lipopt {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace lipopt
} // namespace mlir

#endif // LIP_DIALECT_LIPOPT_BUFFERIZABLEOPINTERFACEIMPL_H
