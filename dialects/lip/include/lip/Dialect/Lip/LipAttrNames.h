//===- LipAttrNames.h - The lip dialect's discardable attributes -*- C++ -*-===//
//
// Every `lip.*` attribute that passes, the spec front end and the driver
// attach to functions, their arguments and ops. They are declared here, in
// the dialect, which verifies each one where it appears
// (LipDialect::verifyOperationAttribute and verifyRegionArgAttribute): an
// unknown `lip.*` name or a value of the wrong kind is an error, not a
// silently ignored annotation.
//
//===----------------------------------------------------------------------===//

#ifndef LIP_DIALECT_LIP_LIPATTRNAMES_H
#define LIP_DIALECT_LIP_LIPATTRNAMES_H

#include "llvm/ADT/StringRef.h"

namespace mlir::lip {

// On ops and functions, attached by -lip-propagate-bounds.
/// `#lip.bound` on an op: its factor, Lipschitz and RMS bounds.
inline constexpr llvm::StringLiteral kBoundAttrName = "lip.bound";
/// `#lip.bound` on a function: the bound of its result.
inline constexpr llvm::StringLiteral kResultBoundAttrName = "lip.result_bound";
/// A string on an op or function: why its bound is not a certificate.
inline constexpr llvm::StringLiteral kNotCertifiedAttrName = "lip.not_certified";

// On functions.
/// A positive float on the model function: the spec's budget, which
/// -lip-check-budget checks.
inline constexpr llvm::StringLiteral kBudgetAttrName = "lip.budget";
/// A positive float on @train_step: the largest factor by which the run-time
/// `lr_scale` argument may multiply every learning rate and keep each soft or
/// hard cap's guarantee (absent when no parameter has one).
inline constexpr llvm::StringLiteral kMaxLrScaleAttrName = "lip.max_lr_scale";

// On function arguments.
/// A positive finite float on a float input: the bound of its max-token RMS.
inline constexpr llvm::StringLiteral kRmsBoundAttrName = "lip.rms_bound";
/// A positive integer on a token input: the vocabulary size.
inline constexpr llvm::StringLiteral kVocabAttrName = "lip.vocab";
/// A non-empty string on a parameter (or its state): the parameter's name.
inline constexpr llvm::StringLiteral kParamNameAttrName = "lip.param_name";
/// `#lip.constraint` on a parameter argument.
inline constexpr llvm::StringLiteral kConstraintAttrName = "lip.constraint";
/// A unit attribute on a parameter argument that starts at zero.
inline constexpr llvm::StringLiteral kZeroInitAttrName = "lip.zero_init";
/// A non-empty string on an optimizer-state argument: what it holds
/// (momentum, adam_m, step, ...).
inline constexpr llvm::StringLiteral kStateAttrName = "lip.state";

} // namespace mlir::lip

#endif // LIP_DIALECT_LIP_LIPATTRNAMES_H
