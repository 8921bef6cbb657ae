//===- Attention.h - Fused attention kernels compiled steps call -*- C++ -*-===//
//
// -lip-attention-to-runtime lowers `lip.attention` and `lip.attention_grad`
// (float32) on the CPU path to calls of these entry points. Operands are
// [batch, tokens, heads, head_dim] memrefs of one shape with any strides;
// outputs are written, never read. With c = logitScale / head_dim and
// f = outputFactor, per batch and head:
//   P = softmax(c q k^T) (keys after the query masked out when causal),
//   out = f P v;
//   dv = f P^T dy, dS = P * (f dy v^T - rowsum(P * f dy v^T)),
//   dq = c dS k, dk = c dS^T q.
// Each head runs on one OpenMP thread, its products in single-threaded
// OpenBLAS calls on blocks of 64 query rows (causal blocks stop at their
// last query: about half the products of the full score matrix), so the
// scores of one block never leave the cache and the results do not depend
// on the thread count. The backward recomputes P from q and k.
//
//===----------------------------------------------------------------------===//

#ifndef LIPRT_ATTENTION_H
#define LIPRT_ATTENTION_H

#include "liprt/Gemm.h"

extern "C" void _mlir_ciface_liprt_attention(liprt::F32Memref<4> *q, liprt::F32Memref<4> *k,
                                             liprt::F32Memref<4> *v, liprt::F32Memref<4> *out,
                                             int32_t causal, double logitScale,
                                             double outputFactor);

extern "C" void _mlir_ciface_liprt_attention_grad(liprt::F32Memref<4> *q, liprt::F32Memref<4> *k,
                                                  liprt::F32Memref<4> *v, liprt::F32Memref<4> *dy,
                                                  liprt::F32Memref<4> *dq, liprt::F32Memref<4> *dk,
                                                  liprt::F32Memref<4> *dv, int32_t causal,
                                                  double logitScale, double outputFactor);

#endif // LIPRT_ATTENTION_H
