//===- SpecFuzzer.cpp - libFuzzer target: the spec front end --------------===//
//
// Arbitrary bytes through what `lipc bounds` does before the bound analysis:
// the binary-byte check, the lexer and parser, the AST dump, the generator
// of lip IR (which verifies the module it builds) and the module's printer.
// A bad spec may only give diagnostics (printed to nowhere here); a crash, a
// sanitizer report or an abort is a bug.
//
//===----------------------------------------------------------------------===//

#include "lipspec/AST.h"
#include "lipspec/Lexer.h"
#include "lipspec/Parser.h"
#include "lipspec/SpecGen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

using namespace mlir;
namespace spec = lipc::spec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  // lipc rejects binary input before lexing it; so does the fuzzer, but the
  // check itself runs on every input.
  if (spec::Lexer::findBinaryByte(text))
    return 0;

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.lip"),
                               llvm::SMLoc());
  // The buffer the source manager owns: locations point into it.
  llvm::StringRef buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();

  MLIRContext context(MLIRContext::Threading::DISABLED);
  context.loadDialect<func::FuncDialect, arith::ArithDialect>();
  context.printOpOnDiagnostic(false);
  // Diagnostics are formatted as lipc formats them (source line, caret),
  // into a stream that drops them.
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context, llvm::nulls());

  spec::Parser parser(buffer, [&](llvm::SMLoc loc, const llvm::Twine &message) {
    emitError(spec::toLocation(&context, sourceMgr, loc)) << message;
  });
  spec::Spec ast = parser.parseSpec();
  if (parser.errorCount())
    return 0;
  spec::dumpAST(ast, sourceMgr, llvm::nulls());

  FailureOr<spec::CompiledSpec> compiled = spec::generateLip(ast, sourceMgr, context);
  if (failed(compiled))
    return 0;
  compiled->module->print(llvm::nulls());
  return 0;
}
