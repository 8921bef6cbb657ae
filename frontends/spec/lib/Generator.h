//===- Generator.h - The spec evaluator behind generateLip (internal) -----===//
//
// Values, environments and the Generator class shared by SpecGen.cpp (the
// evaluator), Builtins.cpp (the layer functions) and Sections.cpp (the
// constraint, budget and train sections).
//
//===----------------------------------------------------------------------===//

#ifndef LIPSPEC_LIB_GENERATOR_H
#define LIPSPEC_LIB_GENERATOR_H

#include "lipspec/Limits.h"
#include "lipspec/SpecGen.h"

#include "mlir/IR/Builders.h"

#include <map>
#include <memory>

namespace lipc::spec {

struct Record;

/// What a spec expression evaluates to.
struct Val {
  enum class Kind { Error, Number, Bool, String, Symbol, Tensor, Record, List };

  Kind kind = Kind::Error;
  llvm::SMLoc loc;
  double number = 0;
  bool boolean = false;
  std::string text; // String value or Symbol name
  mlir::Value tensor;
  std::shared_ptr<Record> record;
  std::vector<Val> list;

  bool isError() const { return kind == Kind::Error; }
  static Val error(llvm::SMLoc loc) {
    Val v;
    v.loc = loc;
    return v;
  }
  static Val ofNumber(double n, llvm::SMLoc loc) {
    Val v;
    v.kind = Kind::Number;
    v.number = n;
    v.loc = loc;
    return v;
  }
  /// A String or Symbol value (the two kinds that carry text).
  static Val ofText(Kind kind, std::string text, llvm::SMLoc loc) {
    Val v;
    v.kind = kind;
    v.text = std::move(text);
    v.loc = loc;
    return v;
  }
  static Val ofTensor(mlir::Value t, llvm::SMLoc loc) {
    Val v;
    v.kind = Kind::Tensor;
    v.tensor = t;
    v.loc = loc;
    return v;
  }
  /// "a number", "a tensor", ... for messages.
  std::string describe() const;
};

/// A call evaluated as data: `muon(lr = 0.1)` in a settings section.
struct Record {
  std::string name;
  std::vector<Val> args;
  std::vector<std::pair<std::string, Val>> keywords;
};

using Env = std::map<std::string, Val>;

/// Arguments of a call matched against a signature.
struct BoundArgs {
  std::map<std::string, Val> values;
  bool has(const std::string &name) const { return values.count(name) != 0; }
  const Val &get(const std::string &name) const { return values.at(name); }
};

/// A builtin's signature: positional parameters, then keyword-only ones.
struct Signature {
  std::vector<std::string> positional;
  std::vector<std::string> optional; // keyword-only, may be omitted
};

/// What a train setting (`muon(...)`, `cosine`) takes, argument by
/// argument; in Sections.cpp.
struct SettingKind;
struct ArgRule;

class Generator {
public:
  struct BuiltinCall;
  struct Builtin;

  Generator(const llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
            const Defines &defines);

  mlir::FailureOr<CompiledSpec> run(const Spec &spec);

  // Diagnostics ---------------------------------------------------------------
  mlir::Location loc(llvm::SMLoc l) const;
  mlir::InFlightDiagnostic error(llvm::SMLoc l);
  /// " (did you mean 'x'?)" when a candidate is close to `name`, else "".
  static std::string suggest(llvm::StringRef name, llvm::ArrayRef<std::string> candidates);
  /// A number as a user wrote it: 2, 0.5, 1e-06.
  static std::string num(double value);
  /// Whether `v` is a number in `range`; else reports "WHAT must be RANGE,
  /// got V" at `v`.
  bool inRange(const Val &v, const NumberRange &range, const llvm::Twine &what);

private:
  // Evaluation (SpecGen.cpp).
  enum class Context { Model, Settings };
  Val eval(const Expr &e, Env &env, Context ctx);
  /// Counts one evaluation step; false (reported once) past kMaxEvalSteps.
  bool step(llvm::SMLoc at);
  Val evalBinary(const Expr &e, Env &env, Context ctx);
  Val applyBinary(BinaryOp op, const Val &lhs, const Val &rhs);
  Val evalCall(const Expr &e, Env &env, Context ctx);
  bool execBlock(const Block &block, Env &env, std::optional<Val> &returned);
  bool bindArgs(const Expr &call, const std::vector<Val> &positional,
                const std::vector<std::pair<const KeywordArg *, Val>> &keywords,
                const Signature &sig, BoundArgs &out);
  bool buildModel(const Item &model);
  mlir::Type inputType(const Val &type, llvm::SMLoc at, std::optional<double> &rmsBound,
                       std::optional<int64_t> &vocab);

  // Layers (Builtins.cpp): one handler per builtin, chosen by name.
  static const std::vector<std::string> &builtinNames();
  static const std::map<std::string, Builtin> &builtins();
  Val callBuiltin(const Expr &call, const std::vector<Val> &positional,
                  const std::vector<std::pair<const KeywordArg *, Val>> &keywords);
  Val buildLinear(BuiltinCall &c);
  Val buildEmbedding(BuiltinCall &c);
  Val buildPositionEmbedding(BuiltinCall &c);
  /// The model's token ids `x`, with its vocabulary; an error otherwise.
  std::optional<int64_t> tokenVocabulary(BuiltinCall &c);
  /// One row of a new [rows, width] table per id of `ids` (lip.embedding).
  Val embedRows(BuiltinCall &c, mlir::Value ids, int64_t rows, const char *defaultName);
  Val buildRelu(BuiltinCall &c);
  Val buildAbs(BuiltinCall &c);
  Val buildMaxMin(BuiltinCall &c);
  Val buildGelu(BuiltinCall &c);
  Val buildResidual(BuiltinCall &c);
  Val buildAttention(BuiltinCall &c);
  Val buildRope(BuiltinCall &c);
  Val buildSplitHeads(BuiltinCall &c);
  Val buildMergeHeads(BuiltinCall &c);
  Val buildConcat(BuiltinCall &c);
  Val buildFlatten(BuiltinCall &c);
  Val buildMeanPool(BuiltinCall &c);
  Val buildScale(BuiltinCall &c);
  /// Argument `arg` of the call as a dimension; else reported.
  bool positiveIntArg(BuiltinCall &c, const std::string &arg, int64_t &out);
  /// The op `build` makes of the call's input, at a location named after
  /// the layer the input comes from, recorded as that layer's.
  Val applyToInput(BuiltinCall &c,
                   llvm::function_ref<mlir::Value(mlir::Location, mlir::Type)> build);
  bool numberArg(const BoundArgs &args, const std::string &name, llvm::StringRef callee,
                 double fallback, double &out);
  mlir::Value makeParam(const Expr &call, const BoundArgs &args, llvm::StringRef defaultName,
                        llvm::ArrayRef<int64_t> shape, mlir::lip::NormKind norm);
  /// Whether one example of a tensor of `shape` (batch first) holds at most
  /// kMaxElements numbers; else reports it at `at`.
  bool checkExampleSize(llvm::ArrayRef<int64_t> shape, llvm::SMLoc at);
  mlir::Location opLoc(llvm::SMLoc at, llvm::StringRef kind);
  /// The name a report shows for an op applied to `input`: the layer `input`
  /// comes from (block0.attn.q) when it lies in the current scope, else the
  /// scope itself.
  std::string rootName(mlir::Value input) const;
  mlir::Location namedLoc(llvm::SMLoc at, const std::string &name);
  bool expectTensor(const Val &v, llvm::StringRef what, llvm::StringRef callee);
  bool expectRank(const Val &v, int64_t rank, llvm::StringRef callee, llvm::StringRef layout);
  bool expectSameShape(const Val &a, const Val &b, llvm::StringRef callee);
  Val scaleTensor(const Val &t, double factor, llvm::SMLoc at);
  static std::string shapeString(mlir::Value v);

  // Sections (Sections.cpp).
  void readConstraintGroup(const Item &item);
  void readBudget(const Item &item);
  void readTrain(const Item &item);
  /// `init = zero | orthogonal` (a group's or a layer's): whether zero;
  /// reported and none for anything else.
  std::optional<bool> zeroInit(const Val &v);
  /// A top-level `let`: its value, or the one `defines` gives it.
  void readLet(const Item &item);
  /// Reports every define that no top-level `let` took.
  void checkDefinesUsed(const Spec &spec);
  bool readSetting(const KeywordArg &field, const std::map<std::string, SettingKind> &kinds,
                   Setting &out);
  bool readSettingArg(llvm::StringRef kind, const std::string &name, const Val &value,
                      const ArgRule &rule, Setting &out);
  const ParamGroup *findGroup(const std::string &paramName, const Expr &call,
                              const BoundArgs &args);

  const llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext &context;
  mlir::OpBuilder builder;
  CompiledSpec result;
  const Defines &defines;
  Env globals;
  std::map<std::string, const Item *> defs;
  /// Dotted scope of the layers being built (block0, attn, ...).
  std::vector<std::string> scopes;
  std::map<std::string, llvm::SMLoc> paramDefinedAt;
  /// The layer each value comes from, for naming the ops applied to it.
  llvm::DenseMap<mlir::Value, std::string> layerOf;
  unsigned errors = 0;
  unsigned callDepth = 0;
  uint64_t evalSteps = 0;
  /// The numbers all parameters made so far hold (see kMaxElements).
  int64_t paramElements = 0;
};

} // namespace lipc::spec

#endif // LIPSPEC_LIB_GENERATOR_H
