//===- AttentionToLoops.cpp - Attention fused into parallel loops ---------===//
//
// -lip-attention-to-loops: lip.attention and lip.attention_grad of a static
// head_dim up to max-head-dim become parallel loops on buffers, one
// iteration per (batch, head, row), that never hold a score matrix: the GPU
// path's attention fused per head, each iteration one GPU thread, the
// threads of a warp consecutive rows of one head (so that at each step of a
// row's loop they read the same key or query row).
//
// With c = logit_scale / head_dim, f = output_factor and s_ij = c q_i.k_j
// (keys j <= i when causal), the forward runs one pass over the keys per
// query row with a running maximum (an online softmax):
//   out_i = f sum_j exp(s_ij - m_i) v_j / sum_j exp(s_ij - m_i).
// The backward follows FlashAttention-2: with P_ij = exp(s_ij - lse_i),
// dP_ij = f dy_i.v_j and D_i = sum_j P_ij dP_ij,
//   per query row: lse_i and D_i in one pass, then dq_i = c sum_j P_ij (dP_ij - D_i) k_j;
//   per key row:   dv_j = f sum_i P_ij dy_i, dk_j = c sum_i P_ij (dP_ij - D_i) q_i.
// A row's head_dim values (the query, the running sums) are scalars carried
// through the loops, registers on the GPU, hence a static, bounded head_dim.
//
//===----------------------------------------------------------------------===//

#include "AttentionBuffers.h"
#include "LipToLinalgPatterns.h"

#include "lipc/Conversion/Passes.h"

#include "lip/Dialect/Lip/LipDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

namespace mlir::lip {
#define GEN_PASS_DEF_ATTENTIONTOLOOPS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;
using namespace mlir::lip;
using namespace mlir::lip::lowering;

namespace {
using Row = SmallVector<Value>;

/// Arithmetic on scalars and rows of one element type inside a loop body.
struct RowMath {
  OpBuilder &b;
  Location loc;
  Type t;

  Value constant(double value) { return constantLike(b, loc, t, value); }
  // Products and sums may contract into fused multiply-adds: the GPU's
  // PTX otherwise keeps them apart (mul.rn, add.rn), twice the instructions.
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y, contract()); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y, contract()); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y, contract()); }
  arith::FastMathFlagsAttr contract() {
    return arith::FastMathFlagsAttr::get(b.getContext(), arith::FastMathFlags::contract);
  }
  Value exp(Value x) { return b.create<math::ExpOp>(loc, x); }
  /// x * keep + y * weight.
  Value mix(Value x, Value keep, Value y, Value weight) { return add(mul(x, keep), mul(y, weight)); }
  Row zeros(int64_t n) { return Row(n, constant(0.0)); }
};

/// The `tokens` rows of one (batch, head) in [batch, tokens, heads, head_dim]
/// buffers, and their statistics in [batch, tokens, heads] buffers.
struct Head {
  Value batch, head, tokens;
  int64_t dim;

  Value at(OpBuilder &b, Location loc, Value buffer, Value token, int64_t d) const {
    Value index = b.create<arith::ConstantIndexOp>(loc, d);
    return b.create<memref::LoadOp>(loc, buffer, ValueRange{batch, token, head, index});
  }
  Row row(OpBuilder &b, Location loc, Value buffer, Value token) const {
    Row values;
    for (int64_t d = 0; d < dim; ++d)
      values.push_back(at(b, loc, buffer, token, d));
    return values;
  }
  /// sum_d values[d] buffer[token, d], times `scale`.
  Value dot(RowMath &m, ArrayRef<Value> values, Value buffer, Value token, double scale) const {
    Value sum = m.mul(values[0], at(m.b, m.loc, buffer, token, 0));
    for (int64_t d = 1; d < dim; ++d)
      sum = m.add(sum, m.mul(values[d], at(m.b, m.loc, buffer, token, d)));
    return m.mul(m.constant(scale), sum);
  }
  /// acc[d] + weight buffer[token, d].
  Row accumulate(RowMath &m, ArrayRef<Value> acc, Value weight, Value buffer, Value token) const {
    Row sums;
    for (int64_t d = 0; d < dim; ++d)
      sums.push_back(m.add(acc[d], m.mul(weight, at(m.b, m.loc, buffer, token, d))));
    return sums;
  }
  void store(RowMath &m, ArrayRef<Value> values, Value scale, Value buffer, Value token) const {
    for (int64_t d = 0; d < dim; ++d) {
      Value index = m.b.create<arith::ConstantIndexOp>(m.loc, d);
      m.b.create<memref::StoreOp>(m.loc, m.mul(values[d], scale), buffer,
                                  ValueRange{batch, token, head, index});
    }
  }
  Value statistic(OpBuilder &b, Location loc, Value buffer, Value token) const {
    return b.create<memref::LoadOp>(loc, buffer, ValueRange{batch, token, head});
  }
  void setStatistic(OpBuilder &b, Location loc, Value value, Value buffer, Value token) const {
    b.create<memref::StoreOp>(loc, value, buffer, ValueRange{batch, token, head});
  }
};

/// A running softmax over scores s_j: its maximum m and sum l = sum
/// exp(s_j - m), rescaled whenever m grows (callers rescale their own sums
/// sum_j exp(s_j - m) x_j by the factor add() returns).
struct OnlineSoftmax {
  Value max, norm;
  /// Takes score `s`; returns exp(s - new max) and the factor that rescales
  /// the old sums. Updates max and norm.
  std::pair<Value, Value> add(RowMath &m, Value s) {
    Value grown = m.b.create<arith::MaximumFOp>(m.loc, max, s);
    Value rescale = m.exp(m.sub(max, grown)), weight = m.exp(m.sub(s, grown));
    norm = m.add(m.mul(norm, rescale), weight);
    max = grown;
    return {weight, rescale};
  }
};

/// Loops over 0 <= j < `count` carrying `init`; `body` gets j and the
/// carried values, returns the next ones. Returns the final values.
Row loop(OpBuilder &b, Location loc, Value count, ValueRange init,
         function_ref<Row(OpBuilder &, Location, Value, ArrayRef<Value>)> body) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
  auto op = b.create<scf::ForOp>(loc, zero, count, one, init,
                                 [&](OpBuilder &nb, Location l, Value j, ValueRange carried) {
                                   nb.create<scf::YieldOp>(l, body(nb, l, j, Row(carried)));
                                 });
  return Row(op.getResults());
}

Row concat(std::initializer_list<ArrayRef<Value>> parts) {
  Row all;
  for (ArrayRef<Value> part : parts)
    all.append(part.begin(), part.end());
  return all;
}

/// The attention op being rewritten: its buffers, shape and constants.
class AttentionLoops {
public:
  AttentionLoops(Operation *op, Value query, bool causal, double logitScale, double outputFactor)
      : buffers(op, query), causal(causal), outputFactor(outputFactor) {
    RankedTensorType type = buffers.tensorType();
    elementType = type.getElementType();
    dim = type.getDimSize(3);
    scoreScale = logitScale / static_cast<double>(dim);
  }

  void forward(Value q, Value k, Value v) {
    Value qb = buffers.input(q), kb = buffers.input(k), vb = buffers.input(v);
    Value out = buffers.allocate();
    perRow(qb, [&](RowMath &m, const Head &h, Value i) {
      Row query = h.row(m.b, m.loc, qb, i);
      Row init = concat({{m.constant(-std::numeric_limits<double>::infinity()), m.constant(0.0)},
                         m.zeros(dim)});
      Row final = loop(m.b, m.loc, keysEnd(m, h, i), init,
                       [&](OpBuilder &nb, Location l, Value j, ArrayRef<Value> carried) {
                         RowMath in{nb, l, elementType};
                         OnlineSoftmax softmax{carried[0], carried[1]};
                         auto [weight, rescale] = softmax.add(in, h.dot(in, query, kb, j, scoreScale));
                         Row sums;
                         for (Value sum : carried.drop_front(2))
                           sums.push_back(in.mul(sum, rescale));
                         return concat({{softmax.max, softmax.norm},
                                        h.accumulate(in, sums, weight, vb, j)});
                       });
      Value scale = m.b.create<arith::DivFOp>(m.loc, m.constant(outputFactor), final[1]);
      h.store(m, ArrayRef<Value>(final).drop_front(2), scale, out, i);
    });
    buffers.replace(out);
  }

  void backward(Value q, Value k, Value v, Value dy) {
    Value qb = buffers.input(q), kb = buffers.input(k), vb = buffers.input(v),
          dyb = buffers.input(dy);
    Value dq = buffers.allocate(), dk = buffers.allocate(), dv = buffers.allocate();
    Value lse = buffers.allocate({0, 1, 2}), delta = buffers.allocate({0, 1, 2});
    perRow(qb, [&](RowMath &m, const Head &h, Value i) {
      Row query = h.row(m.b, m.loc, qb, i), grad = h.row(m.b, m.loc, dyb, i);
      auto [lseValue, deltaValue] = rowStatistics(m, h, query, grad, i, kb, vb);
      Value logNorm = lseValue, rowDelta = deltaValue; // named, for the loop body to capture
      h.setStatistic(m.b, m.loc, logNorm, lse, i);
      h.setStatistic(m.b, m.loc, rowDelta, delta, i);
      Row sums = loop(m.b, m.loc, keysEnd(m, h, i), m.zeros(dim),
                      [&](OpBuilder &nb, Location l, Value j, ArrayRef<Value> carried) {
                        RowMath in{nb, l, elementType};
                        Value p = in.exp(in.sub(h.dot(in, query, kb, j, scoreScale), logNorm));
                        Value ds = in.mul(p, in.sub(h.dot(in, grad, vb, j, outputFactor), rowDelta));
                        return h.accumulate(in, carried, ds, kb, j);
                      });
      h.store(m, sums, m.constant(scoreScale), dq, i);
    });
    perRow(qb, [&](RowMath &m, const Head &h, Value j) {
      Row key = h.row(m.b, m.loc, kb, j), value = h.row(m.b, m.loc, vb, j);
      // Query rows from the last down, so that at each step a warp's threads
      // (consecutive key rows) read the same query row; causal key rows stop
      // at their own token.
      Value last = m.b.create<arith::SubIOp>(m.loc, h.tokens, m.b.create<arith::ConstantIndexOp>(m.loc, 1));
      Value count = causal ? m.b.create<arith::SubIOp>(m.loc, h.tokens, j) : h.tokens;
      Row sums = loop(m.b, m.loc, count, concat({m.zeros(dim), m.zeros(dim)}),
                      [&](OpBuilder &nb, Location l, Value step, ArrayRef<Value> carried) {
                        RowMath in{nb, l, elementType};
                        Value i = nb.create<arith::SubIOp>(l, last, step);
                        Value s = h.dot(in, key, qb, i, scoreScale);
                        Value p = in.exp(in.sub(s, h.statistic(nb, l, lse, i)));
                        Value dp = h.dot(in, value, dyb, i, outputFactor);
                        Value ds = in.mul(p, in.sub(dp, h.statistic(nb, l, delta, i)));
                        return concat({h.accumulate(in, carried.take_front(dim), ds, qb, i),
                                       h.accumulate(in, carried.drop_front(dim), p, dyb, i)});
                      });
      h.store(m, ArrayRef<Value>(sums).take_front(dim), m.constant(scoreScale), dk, j);
      h.store(m, ArrayRef<Value>(sums).drop_front(dim), m.constant(outputFactor), dv, j);
    });
    buffers.replace({dq, dk, dv});
  }

private:
  using RowBody = function_ref<void(RowMath &, const Head &, Value)>;

  /// One parallel loop over (batch, head, token) of `like`'s sizes: tokens
  /// innermost, so a warp's threads share a head.
  void perRow(Value like, RowBody body) {
    OpBuilder &b = buffers.builder();
    Location loc = buffers.location();
    Value zeroIndex = b.create<arith::ConstantIndexOp>(loc, 0);
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    SmallVector<Value> upper;
    for (int64_t d : {0, 2, 1})
      upper.push_back(b.createOrFold<memref::DimOp>(loc, like, d));
    b.create<scf::ParallelOp>(loc, SmallVector<Value>(3, zeroIndex), upper, SmallVector<Value>(3, one),
                              [&](OpBuilder &nb, Location l, ValueRange ivs) {
                                RowMath m{nb, l, elementType};
                                body(m, Head{ivs[0], ivs[1], upper[2], dim}, ivs[2]);
                              });
  }

  /// {lse_i, D_i} of query row i: one pass over its keys.
  std::pair<Value, Value> rowStatistics(RowMath &m, const Head &h, ArrayRef<Value> query,
                                        ArrayRef<Value> grad, Value i, Value kb, Value vb) {
    Row init = {m.constant(-std::numeric_limits<double>::infinity()), m.constant(0.0), m.constant(0.0)};
    Row final = loop(m.b, m.loc, keysEnd(m, h, i), init,
                     [&](OpBuilder &nb, Location l, Value j, ArrayRef<Value> carried) {
                       RowMath in{nb, l, elementType};
                       OnlineSoftmax softmax{carried[0], carried[1]};
                       auto [weight, rescale] = softmax.add(in, h.dot(in, query, kb, j, scoreScale));
                       Value dp = h.dot(in, grad, vb, j, outputFactor);
                       return Row{softmax.max, softmax.norm, in.mix(carried[2], rescale, dp, weight)};
                     });
    Value logNorm = m.add(final[0], m.b.create<math::LogOp>(m.loc, final[1]));
    return {logNorm, m.b.create<arith::DivFOp>(m.loc, final[2], final[1])};
  }

  /// One past the last key query row i sees.
  Value keysEnd(RowMath &m, const Head &h, Value i) {
    if (!causal)
      return h.tokens;
    return m.b.create<arith::AddIOp>(m.loc, i, m.b.create<arith::ConstantIndexOp>(m.loc, 1));
  }

  AttentionBuffers buffers;
  bool causal;
  double outputFactor, scoreScale;
  Type elementType;
  int64_t dim;
};

struct AttentionToLoops : lip::impl::AttentionToLoopsBase<AttentionToLoops> {
  using AttentionToLoopsBase::AttentionToLoopsBase;

  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<AttentionOp, AttentionGradOp>(op) && fits(op->getOperand(0)))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto fwd = dyn_cast<AttentionOp>(op))
        loopsFor(fwd).forward(fwd.getQuery(), fwd.getKey(), fwd.getValue());
      else if (auto grad = dyn_cast<AttentionGradOp>(op))
        loopsFor(grad).backward(grad.getQuery(), grad.getKey(), grad.getValue(), grad.getResultGrad());
    }
  }

private:
  /// [batch, tokens, heads, head_dim] (lip.attention_grad has no verifier
  /// of its own) with a static head_dim the registers hold.
  bool fits(Value query) const {
    auto type = cast<RankedTensorType>(query.getType());
    return type.getRank() == AttentionBuffers::kRank && !type.isDynamicDim(3) &&
           type.getDimSize(3) >= 1 && type.getDimSize(3) <= static_cast<int64_t>(maxHeadDim);
  }

  template <typename OpT>
  static AttentionLoops loopsFor(OpT op) {
    return AttentionLoops(op, op.getQuery(), op.getCausal(), op.getLogitScale().convertToDouble(),
                          op.getOutputFactor().convertToDouble());
  }
};
} // namespace
