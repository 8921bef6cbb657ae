//===- Passes.td - Lowerings out of the lip dialects --------*- tablegen -*-===//

#ifndef LIPC_CONVERSION_PASSES_TD
#define LIPC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLipToLinalg : Pass<"convert-lip-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower lip ops to linalg, tensor, arith and math on tensors";
  let description = [{
    The first step of native code generation, for every forward op: linear
    layers become `linalg.matmul_transpose_b` on the tokens collapsed to rows;
    elementwise ops `linalg.generic`; reshapes `tensor.collapse_shape` /
    `tensor.expand_shape`; embedding, maxmin and rope `linalg.generic` with
    `tensor.extract` gathers; attention a contraction for the scores, the
    causal mask, a softmax (row max, exponentials, row sums) and the weighted
    sum of values; mean_pool and cross_entropy reductions. The backward ops
    too: matmuls for the linear layer's gradients, elementwise derivatives, a
    scatter-add for the embedding, the attention backward through recomputed
    weights. Parameters must be function arguments (lower the gradient or
    training function, not the forward declaration of a model). The lipopt
    ops are convert-lipopt-to-linalg's.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"];
}

def ConvertLipOptToLinalg : Pass<"convert-lipopt-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower lipopt ops to linalg, tensor, arith, math and scf on tensors";
  let description = [{
    The lipopt ops: schedules and the soft cap's coupling (a bisection in
    scf.for) in scalar arith/math, momentum and Adam as multi-result
    generics, Newton-Schulz and the soft and hard caps as matmuls on the wide
    side, the embedding cap as a row reduction, spectral normalization as
    unrolled Gram squarings (its rigorous bound) and a warm-started power
    iteration (matvecs), the hammer and spectral weight decay as rank-one
    updates. The fused Muon + soft cap (lipopt-fuse-projection) lowers to the
    same sequence of linalg ops as the unfused chain; what the fusion buys
    is the projection kept next to the update, and -lip-fuse-elementwise
    then merges their elementwise loops (the Gram products stay separate
    calls). The exact cap (an eigendecomposition) calls the runtime's
    `liprt_exact_cap` on the weight's buffer (bufferization.to_memref) and
    returns a fresh buffer as a tensor (bufferization.to_tensor restrict);
    it is compiled for float32 weights of a static shape (an error
    otherwise). `lipopt.all_reduce` stays: it bufferizes in place and
    -lip-all-reduce-to-runtime lowers it on buffers.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"];
}

def AttentionToRuntime : Pass<"lip-attention-to-runtime", "::mlir::ModuleOp"> {
  let summary = "Replace float32 lip.attention and lip.attention_grad by runtime kernel calls";
  let description = [{
    The CPU path's lowering of attention, before `-convert-lip-to-linalg`:
    every `lip.attention` on float32 becomes a call of
    `liprt_attention(q, k, v, out, causal, logit_scale, output_factor)` and
    every `lip.attention_grad` a call of `liprt_attention_grad(q, k, v, dy,
    dq, dk, dv, ...)` (runtime/include/liprt/Attention.h). The operands
    enter as buffers (`bufferization.to_memref`, read-only), the results are
    fresh `memref.alloc`s that leave as tensors (`bufferization.to_tensor
    restrict`, not writable: nothing writes into a kernel's result in place,
    so a later kernel that reads it through a folded to_memref reads what the
    first wrote), every memref cast to the fully dynamic strided type
    of the one declaration (`llvm.emit_c_interface`). The kernels compute a
    head's scores a block of query rows at a time, in the cache, and skip
    the masked half of causal attention; linalg's lowering would hold every
    [batch, heads, tokens, tokens] score tensor in memory and compute all of
    it. The GPU path and `--gemm=loops` keep that lowering. Other element
    types are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AttentionToLoops : Pass<"lip-attention-to-loops", "::mlir::ModuleOp"> {
  let summary = "Replace lip.attention and lip.attention_grad by fused parallel loops";
  let description = [{
    The GPU path's attention fused per head (`lipc compile --gpu
    --gpu-attention=fused`), before `-convert-lip-to-linalg`: a
    `lip.attention` or `lip.attention_grad` whose head_dim is static and at
    most `max-head-dim` becomes `scf.parallel` loops over (batch, head, row)
    on buffers, framed like `-lip-attention-to-runtime`'s calls (operands in
    through `bufferization.to_memref`, results fresh `memref.alloc`s out
    through `bufferization.to_tensor restrict`). No score matrix is stored:
    the forward runs one pass over a query row's keys with an online
    softmax; the backward (FlashAttention-2's order) computes each query
    row's log-sum-exp and D_i = sum_j P_ij dP_ij into [batch, tokens, heads]
    buffers and its dq, then each key row's dk and dv. A row's head_dim
    values stay scalars carried through the loops (registers in a GPU
    thread), hence the bound. Other ops are left to `-convert-lip-to-linalg`.
  }];
  let options = [Option<"maxHeadDim", "max-head-dim", "unsigned", "64",
                        "The largest head_dim fused (each thread holds up to four rows of it)">];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"];
}

def AllReduceToRuntime : Pass<"lip-all-reduce-to-runtime", "::mlir::ModuleOp"> {
  let summary = "Replace lipopt.all_reduce on buffers by calls of the runtime's collective";
  let description = [{
    Runs after one-shot bufferization, which turns each `lipopt.all_reduce`
    into its form on buffers: in place, on the gradients' own buffers. Each
    buffer becomes one call `liprt_all_reduce_mean(memref<*xf32>)`
    (runtime/include/liprt/Distributed.h), in operand order, which replaces
    it by its mean over the ranks of a data-parallel run and leaves it alone
    in a single process. An operand of another element type is an error
    (the runtime reduces float32), as is the form on tensors. With
    `single-process` (a lowering that runs without the runtime, such as
    MLIR's runner) either form is removed and its results are its operands.
  }];
  let options = [Option<"singleProcess", "single-process", "bool", "false",
                        "Remove the ops: each result is its operand (one process, no runtime)">];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect"];
}

def FuseElementwise : Pass<"lip-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg.generic ops on tensors";
  let description = [{
    A `linalg.generic` whose result feeds only another elementwise-fusable
    `linalg.generic` is merged into it (GELU's pieces, masking, softmax
    normalization, residual mixing, the optimizer's updates), so each chain
    is one loop nest instead of a trip through memory per op. Unlike
    upstream's `-linalg-fuse-elementwise-ops`, reshapes are not propagated
    through named ops: a `linalg.matmul` stays a matmul (and so a BLAS call
    under -lip-matmul-to-blas) instead of becoming a generic contraction.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SplitFunctions : Pass<"lip-split-functions", "::mlir::ModuleOp"> {
  let summary = "Cut long single-block functions into a chain of private no-inline segments";
  let description = [{
    Every function with one block whose entry block holds more than
    `max-ops` ops (constants not counted) is cut into consecutive segments
    of at most `max-ops` ops (more where a `memref.alloca` and its users
    would otherwise fall into different segments). Each segment becomes a
    private function `@<function>_part<N>` (`no_inline`, internal linkage)
    taking the values it uses from before it, in first-use order, and
    returning those used after it; the function calls the segments in order
    and is marked `optimize_none` and `no_inline`: it is one straight line of
    calls whose memref values become about seven LLVM values each, a single
    block that grows with depth, on which LLVM's instruction selection and
    post-RA scheduler take time quadratic in its length, while it runs once
    per step. Constants are cloned into the segments that use them. A bufferized
    training step is one long straight line of every loop nest, allocation,
    GEMM call and deallocation of the model, and LLVM's cost on a function
    grows faster than its length: bounded functions keep compile time close
    to linear in the model's depth.
  }];
  let options = [Option<"maxOps", "max-ops", "unsigned", "256",
                        "The most ops (constants aside) a segment holds">];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"];
}

def DeallocAtLastUse : Pass<"lip-dealloc-at-last-use", "::mlir::func::FuncOp"> {
  let summary = "Free each owned buffer right after its last use instead of at its block's end";
  let description = [{
    Runs between `-ownership-based-buffer-deallocation` (with
    `-buffer-deallocation-simplification`) and `-lower-deallocations`. The
    ownership pass places every `bufferization.dealloc` before its block's
    terminator, so in a straight-line training step every intermediate
    stays allocated until the step ends. For each buffer a
    `bufferization.dealloc` frees unconditionally (its condition is the
    constant true) that is allocated in the same block (`memref.alloc`, or
    a call's result: results are owned by the caller), this pass computes
    every value that may alias it: the results of any op, other than a call,
    that takes the buffer or one of its aliases as an operand (views, casts,
    selects: conservative). When no retained value of the dealloc is among
    them and none is used in a nested region's op that yields memrefs or by
    the terminator, the buffer leaves the dealloc and a `memref.dealloc`
    follows the last op of the block that uses the buffer or an alias.
    Buffers that might escape stay where the ownership pass put them.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect"];
}

def ParallelOuterLoop : Pass<"lip-parallel-outer-loop", "::mlir::func::FuncOp"> {
  let summary = "Keep only the outermost dimension of each scf.parallel parallel (none if small)";
  let description = [{
    Every `scf.parallel` of more than one dimension and no reductions (what
    `-convert-linalg-to-parallel-loops` makes of a loop nest) becomes an
    `scf.parallel` over its first dimension holding `scf.for` loops over the
    others, in order. `-convert-scf-to-openmp` turns a multi-dimensional
    loop into one collapsed OpenMP loop whose body recomputes every index by
    division from the linear one, which keeps LLVM from vectorizing the
    innermost loop; a nest whose outermost dimension is shared among the
    threads keeps its inner loops as they were.

    An `scf.parallel` without reductions whose whole nest (its dimensions
    times the summed iterations of the loops inside it) has constant bounds
    and fewer than `min-iterations` iterations becomes `scf.for` loops only:
    the work is too small to share among threads (a training step's
    optimizer runs hundreds of such loops over weights), and every parallel
    loop becomes an outlined function that LLVM compiles. Nests with a
    dynamic bound (the batch) stay parallel.
  }];
  let options = [Option<"minIterations", "min-iterations", "uint64_t", "262144",
                        "Nests with fewer (static) iterations run on one thread">];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def MatmulToBlas : Pass<"lip-matmul-to-blas", "::mlir::ModuleOp"> {
  let summary = "Replace f32 matmuls on memrefs by calls to the runtime's BLAS GEMM";
  let description = [{
    After bufferization, every `linalg.matmul`, `linalg.matmul_transpose_a`
    and `linalg.matmul_transpose_b` on f32 memrefs becomes a call to
    `liprt_sgemm(A, B, C, transpose_a, transpose_b, accumulate, precision)` with
    its operands cast to fully dynamic strided memrefs; the runtime computes
    C += op(A) op(B) (the linalg semantics: C holds its initial value) with
    oneDNN or OpenBLAS. With `cuda` (the GPU build, whose buffers the GPU
    reads) the calls go to `liprt_cuda_sgemm` and `liprt_cuda_sgemm_batched`
    instead, the same arguments, computed by cuBLAS. `precision`
    (`lipc::abi::ProductPrecision`) is `fast-precision`'s code, 1 for bf16 or
    2 for tf32, for the products of the functions named in `fast-functions`
    (a model's forward and backward pass compiled with `--precision bf16`
    or `tf32`): the runtime may then round A and B to that format and
    accumulate in float32. It is 0 (float32) for every other product (the
    optimizer's Newton-Schulz and the caps' products, on which the
    constraint rests).
    When the op right before the product is a `linalg.fill` of
    zero into C, the fill is erased and `accumulate` is 0: the runtime
    writes C = op(A) op(B) without reading it. A Gram product that
    overwrites (one operand on both sides, A A^T or A^T A, as Newton-Schulz
    and the caps compute them) calls `liprt_ssyrk(A, C, transpose_a)`
    instead on the CPU (OpenBLAS's ssyrk, half the flops, or oneDNN's full
    product, which is faster). The batched forms
    (`linalg.batch_matmul`, `_transpose_a`, `_transpose_b`,
    attention's products per head where linalg lowers attention) call
    `liprt_sgemm_batched` the same way.
    The declarations carry `llvm.emit_c_interface`, so calls pass memref
    descriptors by pointer (`_mlir_ciface_liprt_sgemm`). Other element types
    and other contractions stay as they are.
  }];
  let options = [ListOption<"fastFunctions", "fast-functions", "std::string",
                            "Functions whose products may round their operands to fast-precision">,
                 Option<"fastPrecision", "fast-precision", "std::string", "\"bf16\"",
                        "The format of fast-functions' operands: bf16 or tf32">,
                 Option<"cuda", "cuda", "bool", "false",
                        "Call the cuBLAS entry points (the GPU build's buffers)">];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def ExportEntryPoints : Pass<"lip-export-entry-points", "::mlir::ModuleOp"> {
  let summary = "Shape the public functions into the runtime's entry points";
  let description = [{
    Before bufferization, on tensors: every public function with a body gets
    `llvm.emit_c_interface` (a C entry `_mlir_ciface_<name>` taking memref
    descriptors by pointer, which the packed entry points of lipc_abi.h
    call); its `lip.*` argument attributes, metadata the manifest has
    already carried to the runtime, are dropped; and a returned constant (a
    learning rate that folded, a zero gradient) is returned as a fresh copy
    (`bufferization.alloc_tensor`), since the runtime frees every result
    and a constant would lower to read-only data. Private functions are
    left as they are.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def PrefixSymbols : Pass<"lip-prefix-symbols", "::mlir::ModuleOp"> {
  let summary = "Rename every function defined in the module to <prefix><name>";
  let description = [{
    The GPU build links beside the CPU one in the same binary: its functions
    become `gpu_train_step`, `gpu_forward`, ... (lipc_abi.h's kGpuPrefix),
    calls and other symbol uses renamed with them. Declarations (the
    runtime's functions) keep their names. An empty prefix is an error.
  }];
  let options = [Option<"prefix", "prefix", "std::string", "\"gpu_\"",
                        "What every defined function's name is prefixed with">];
}

def SplitReductions : Pass<"lip-split-reductions", "::mlir::func::FuncOp"> {
  let summary = "Reductions with few outputs, or over long rows, as two parallel stages (the GPU path)";
  let description = [{
    On buffers, before `-convert-linalg-to-parallel-loops`: a `linalg.generic`
    with one output, reduction loops and a combiner of the output with one
    value (`arith.addf`, `maximumf`, `mulf`, ...: an op with a neutral
    element), whose static number of outputs is at most `max-outputs` (a
    norm, a loss, a column sum over the batch; a dynamic count is taken as
    large), becomes

    1. an `scf.parallel` over the outputs and `partials` lanes: lane `t`
       folds elements `t, t + partials, ...` of the flattened reduction
       space, from the combiner's neutral element, into a buffer of
       partials;
    2. an `scf.parallel` over the outputs (over one iteration for a full
       reduction) that folds the `partials` lanes into the output, starting
       from its value.

    `-convert-linalg-to-parallel-loops` alone leaves such a reduction as one
    thread per output, and a full reduction as a loop of the host code,
    which on the GPU path walked every element of a weight from the host
    over managed memory.

    A reduction with more outputs (or a dynamic number) over its innermost
    loop (rows) whose outputs each fold at least `row-min-elements` elements
    (or a dynamic number) is split
    the same way with `row-partials` lanes per output (a warp's 32): the
    maxima and sums of softmax and cross-entropy rows, a norm per row. The
    lanes are the first stage's innermost loop, so on the GPU
    (`-lip-map-parallel-loops`) consecutive threads read consecutive
    elements of a row, where one thread per row read its row alone. Shorter
    rows keep one thread per output. Floating-point sums are reassociated
    (lane by lane), as any parallel reduction does.
  }];
  let options = [
    Option<"partials", "partials", "int64_t", "256", "Lanes of the first stage per output">,
    Option<"maxOutputs", "max-outputs", "int64_t", "1024",
           "Reductions with more (static) outputs are split only over long rows">,
    Option<"rowPartials", "row-partials", "int64_t", "32",
           "Lanes per output of a reduction with more outputs than max-outputs">,
    Option<"rowMinElements", "row-min-elements", "int64_t", "64",
           "Elements per output from which a reduction with many outputs is split">];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def ParallelScatterAdd : Pass<"lip-parallel-scatter-add", "::mlir::func::FuncOp"> {
  let summary = "A sequential scatter-add loop nest as a parallel loop of atomic additions";
  let description = [{
    On buffers: a nest of `scf.for` loops without results whose innermost
    body adds a value to one element of a buffer, `T[i...] = T[i...] + v`
    (`arith.addf`, the element read and written at the same indices, which
    may come from loaded ids), and otherwise only reads memory other than
    `T`, becomes one `scf.parallel` over all the loops whose addition is a
    `memref.atomic_rmw addf` (loops are first canonicalized, which drops a
    buffer carried through them unchanged). The embedding's gradient
    (`dE[ids[n], :] += dy[n, :]`) is such a nest: on the GPU path it was a
    loop of the host code over managed memory, now one kernel. Colliding
    additions land in an unspecified order (float sums may differ in the
    last bits from run to run).
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect"];
}

def MapParallelLoops : Pass<"lip-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Parallel loops tiled into blocks of GPU threads, the innermost dimension across a warp";
  let description = [{
    Before `-convert-parallel-loops-to-gpu`: each outermost `scf.parallel` of
    `n` dimensions is tiled (`scf::tileParallelLoop`, bounds guarded inside
    the tile) into blocks of `block-threads` threads: a 1-d loop in tiles of
    `block-threads`, a deeper one in tiles of `inner-threads` on its
    innermost dimension and `block-threads / inner-threads` on the next,
    1 on the others. The tiles' loop is mapped to the grid (the outermost
    dimension on x, which takes the most blocks; the innermost on y; the
    next on z; any other sequential in the kernel) and the loop within a
    tile to the threads (the innermost dimension on x, the next on y), so
    that consecutive threads of a warp touch consecutive elements of a
    row-major buffer. Parallel loops nested in a tile run sequentially in
    each thread.

    MLIR 19's `-scf-parallel-loop-tiling` and `-gpu-map-parallel-loops` put
    the outermost dimension on threads' x instead: a warp of a 2-d
    elementwise kernel touched 16 rows, two elements each.
  }];
  let options = [
    Option<"blockThreads", "block-threads", "int64_t", "256", "Threads of a block (at most 1024)">,
    Option<"innerThreads", "inner-threads", "int64_t", "32",
           "Threads of a block along a loop's innermost dimension (a warp)">];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect", "::mlir::affine::AffineDialect"];
}

def ScalarsIntoLoops : Pass<"lip-scalars-into-loops", "::mlir::func::FuncOp"> {
  let summary = "The memory accesses left outside parallel loops, into parallel loops (the GPU path)";
  let description = [{
    After `-convert-linalg-to-parallel-loops`, in the code outside
    `scf.parallel` (what becomes the GPU step's host code):

    - each `memref.copy` becomes an `scf.parallel` over its elements (a
      strided view of an argument copied to a dense buffer; on the host it
      was a memcpy or the runtime's element loop over device memory);
    - each `memref.store` becomes a one-iteration `scf.parallel` holding it
      and a copy of the loads and pure ops its value is computed from (in
      the same block);
    - a value computed from a `memref.load` there (with pure ops) and used
      inside parallel loops is recomputed at the start of each such loop
      that follows it in the block, when nothing between the load and the
      loop may write the loaded buffer (its `memref.dealloc` moves after the
      last such loop).

    - a loop or branch there that computes scalars and reads memory only
      through loads (the soft cap's bisection on the learning rate, which
      depends on the step) runs once in a one-iteration `scf.parallel`,
      with the ops its operands come from, and stores its results in 0-d
      buffers (`memref.alloc`, freed at the end of the block); its uses
      load them there, and so are recomputed in the loops that use them.

    Loads of scalar arguments (the step count, the learning-rate scale) are
    loads like any other. The host code then reads and writes no buffer,
    and nothing the loops take by value is computed from memory: on the GPU
    each of these becomes a one-thread kernel or a load inside the kernels
    that use it, on the step's stream, without a wait, and a CUDA graph of
    the step computes them anew when replayed. Loads and ops left without
    uses are erased.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def AllocateOnDevice : Pass<"lip-allocate-on-device", "::mlir::ModuleOp"> {
  let summary = "Host allocations of a GPU step in the GPU's device memory";
  let description = [{
    After bufferization and the loop passes, in host code: each
    `memref.alloc` becomes an async `gpu.alloc` (device memory, which only
    kernels and cuBLAS read: the host code reads no buffer after
    `-lip-scalars-into-loops`) and each `memref.dealloc` an async
    `gpu.dealloc`, each between two `gpu.wait`s (gpu-to-llvm lowers only the
    async forms of both). A load, store, atomic update or copy of a buffer
    left in host code (outside `scf.parallel`), scalar arguments included
    (the runtime stages them in device memory), is an error: the host
    cannot reach device memory. So is a call that hands a buffer to a
    runtime function other than the products on cuBLAS (`liprt_cuda_*`) and
    the data-parallel collective (`liprt_all_reduce_mean`), which take
    device memory: the exact cap's `liprt_exact_cap` reads its buffers on
    the host. Kernels' own allocations (inside `gpu.module`) are not touched.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // LIPC_CONVERSION_PASSES_TD
