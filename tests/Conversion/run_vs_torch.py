"""Runs lowered lip ops as native code (convert-lip(opt)-to-linalg, MLIR's LLVM
pipeline, mlir-cpu-runner) on random inputs and compares every output with
PyTorch, in float64.

    run_vs_torch.py LIP_OPT MLIR_OPT RUNNER LIBDIR [--gpu-loops]

With --gpu-loops, the GPU path's parallelizing passes run after
bufferization: every reduction with few outputs, or over rows of at least 2
elements, split into two parallel stages (-lip-split-reductions; 3 lanes
per output, 2 per row, so that lanes stride over unequal shares),
scatter-adds as parallel atomic additions (-lip-parallel-scatter-add), then
the loops made parallel, the scalar work outside them moved into them
(-lip-scalars-into-loops), and the loops tiled into blocks as the GPU runs
them (-lip-map-parallel-loops; blocks of 6 threads, 3 along the innermost
dimension, so that tiles overhang the loops' bounds). Attention is fused into
loops per row there (-lip-attention-to-loops), as `--gpu-attention=fused`
compiles it.
"""
import math
import re
import subprocess
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__), "..", "..",
                                              "bench", "reference"))

LIP_OPT, MLIR_OPT, RUNNER, LIBDIR = sys.argv[1:5]
GPU_LOOPS = sys.argv[5:] == ["--gpu-loops"]
PIPELINE = ("--one-shot-bufferize=bufferize-function-boundaries --convert-linalg-to-loops "
            "--convert-scf-to-cf --expand-strided-metadata --lower-affine --convert-math-to-libm "
            "--finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts").split()
torch.manual_seed(0)


def compile_to_llvm(linalg):
    """The LLVM dialect of a linalg program (a CompletedProcess), through the
    GPU path's parallelizing passes when asked."""
    if not GPU_LOOPS:
        return subprocess.run([MLIR_OPT] + PIPELINE, input=linalg, capture_output=True, text=True)
    bufferized = subprocess.run([MLIR_OPT, PIPELINE[0]], input=linalg, capture_output=True, text=True)
    split = subprocess.run([LIP_OPT, "--pass-pipeline=builtin.module(func.func("
                                     "lip-split-reductions{partials=3 row-partials=2 row-min-elements=2},"
                                     "lip-parallel-scatter-add,convert-linalg-to-parallel-loops,"
                                     "lip-scalars-into-loops,lip-map-parallel-loops{block-threads=6 inner-threads=3}))"],
                           input=bufferized.stdout, capture_output=True, text=True)
    if bufferized.returncode or split.returncode:
        return subprocess.CompletedProcess([], 1, "", bufferized.stderr + split.stderr)
    return subprocess.run([MLIR_OPT] + PIPELINE[1:], input=split.stdout, capture_output=True, text=True)


def ttype(shape, elem="f64"):
    return "tensor<" + "x".join(str(d) for d in shape) + ("x" if shape else "") + elem + ">"


def dense(t):
    return "dense<" + str(t.tolist()).replace("(", "[").replace(")", "]") + ">"


def rope_ref(x, base):
    t, d = x.shape[1], x.shape[3]
    half = d // 2
    i = torch.arange(half, dtype=x.dtype)
    theta = torch.arange(t, dtype=x.dtype)[:, None] * base ** (-2.0 * i / d)
    c, s = torch.cos(theta)[None, :, None, :], torch.sin(theta)[None, :, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], -1)


def attention_ref(q, k, v, causal, scale, factor):
    s = scale * torch.einsum("bthd,buhd->bhtu", q, k) / q.shape[-1]
    if causal:
        s = s.masked_fill(torch.ones(q.shape[1], q.shape[1], dtype=torch.bool).triu(1), -math.inf)
    return factor * torch.einsum("bhtu,buhd->bthd", torch.softmax(s, -1), v)


def maxmin_ref(x):
    a, b = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2], out[..., 1::2] = torch.maximum(a, b), torch.minimum(a, b)
    return out


# name: (op text with %a, %b, ... as inputs, input shapes (None = labels), output shape, reference)
CASES = {
    "linear": ("lip.linear %a, %b : {t0}, {t1} -> {out}", [(2, 3, 5), (4, 5)], (2, 3, 4),
               lambda a, b: a @ b.T),
    "relu": ("lip.relu %a : {t0}", [(3, 4)], (3, 4), torch.relu),
    "abs": ("lip.abs %a : {t0}", [(3, 4)], (3, 4), torch.abs),
    "scale": ("lip.scale %a by -1.5 : {t0}", [(3, 4)], (3, 4), lambda a: -1.5 * a),
    "add": ("lip.add %a, %b : {t0}", [(3, 4), (3, 4)], (3, 4), lambda a, b: a + b),
    "split_heads": ("lip.split_heads %a : {t0} -> {out}", [(2, 3, 6)], (2, 3, 2, 3),
                    lambda a: a.reshape(2, 3, 2, 3)),
    "merge_heads": ("lip.merge_heads %a : {t0} -> {out}", [(2, 3, 2, 3)], (2, 3, 6),
                    lambda a: a.reshape(2, 3, 6)),
    "flatten": ("lip.flatten %a : {t0} -> {out}", [(2, 3, 4)], (2, 12), lambda a: a.reshape(2, 12)),
    "gelu_erf": ("lip.gelu %a scale 0.885 : {t0}", [(3, 7)], (3, 7), lambda a: 0.885 * F.gelu(a)),
    "gelu_tanh": ("lip.gelu %a tanh scale 1.0 : {t0}", [(3, 7)], (3, 7),
                  lambda a: F.gelu(a, approximate="tanh")),
    "maxmin": ("lip.maxmin %a : {t0}", [(3, 6)], (3, 6), maxmin_ref),
    "residual": ("lip.residual %a, %b alpha 0.3 : {t0}", [(2, 5), (2, 5)], (2, 5),
                 lambda a, b: 0.7 * a + 0.3 * b),
    "rope": ("lip.rope %a base 100.0 : {t0}", [(2, 5, 2, 4)], (2, 5, 2, 4), lambda a: rope_ref(a, 100.0)),
    "attention_causal": (
        "lip.attention %a, %b, %c causal logit_scale 2.0 output_factor 0.3333333333333333 : {t0}",
        [(2, 4, 2, 3)] * 3, (2, 4, 2, 3), lambda a, b, c: attention_ref(a, b, c, True, 2.0, 1 / 3)),
    "attention_bidirectional": (
        "lip.attention %a, %b, %c logit_scale 1.0 output_factor 1.0 : {t0}",
        [(1, 3, 2, 2)] * 3, (1, 3, 2, 2), lambda a, b, c: attention_ref(a, b, c, False, 1.0, 1.0)),
    "mean_pool": ("lip.mean_pool %a : {t0} -> {out}", [(2, 5, 3)], (2, 3), lambda a: a.mean(1)),
    "embedding": ("lip.embedding %a, %b : {t0}, {t1} -> {out}", [("ids", (2, 3), 7), (7, 4)],
                  (2, 3, 4), lambda ids, e: e[ids.long()]),
    # Learned positional embeddings: the rows by position, whatever the ids.
    "position_embedding": (
        "%p = lip.positions %a : {t0}\n  %r = lip.embedding %p, %b : {t0}, {t1} -> {out}",
        [("ids", (2, 3), 7), (3, 4)], (2, 3, 4), lambda ids, e: e[torch.arange(3)].expand(2, 3, 4)),
    "concat": ("lip.concat %a, %b, %c : {t0}, {t1}, {t2} -> {out}", [(2, 3, 4), (2, 3, 1), (2, 3, 3)],
               (2, 3, 8), lambda a, b, c: torch.cat([a, b, c], -1)),
    "cross_entropy": ("lip.cross_entropy %a, %b : {t0}, {t1} -> {out}", [(2, 3, 5), ("ids", (2, 3), 5)],
                      (), lambda z, y: F.cross_entropy(z.reshape(-1, 5), y.reshape(-1).long())),
}



def vjp(f):
    """The gradient of f at its first inputs, against the last input dy."""
    def grad(*args):
        *xs, dy = args
        xs = [x.clone().requires_grad_() for x in xs]
        return torch.autograd.grad(f(*xs), xs[0], dy)[0]
    return grad


# Backward ops: the reference is PyTorch's autograd of the forward op.
CASES.update({
    "linear_grad_input": ("lip.linear_grad_input %a, %b : {t0}, {t1} -> {out}", [(2, 3, 4), (4, 5)],
                          (2, 3, 5), lambda dy, w: dy @ w),
    "linear_grad_weight": ("lip.linear_grad_weight %a, %b : {t0}, {t1} -> {out}",
                           [(2, 3, 4), (2, 3, 5)], (4, 5),
                           lambda dy, x: dy.reshape(-1, 4).T @ x.reshape(-1, 5)),
    "embedding_grad": ("lip.embedding_grad %a, %b : {t0}, {t1} -> {out}", [("ids", (2, 3), 7), (2, 3, 4)],
                       (7, 4), lambda ids, dy: torch.zeros(7, 4, dtype=torch.float64).index_add(
                           0, ids.reshape(-1).long(), dy.reshape(-1, 4))),
    "relu_grad": ("lip.relu_grad %a, %b : {t0}", [(3, 4), (3, 4)], (3, 4), vjp(torch.relu)),
    "abs_grad": ("lip.abs_grad %a, %b : {t0}", [(3, 4), (3, 4)], (3, 4), vjp(torch.abs)),
    "maxmin_grad": ("lip.maxmin_grad %a, %b : {t0}", [(3, 6), (3, 6)], (3, 6), vjp(maxmin_ref)),
    "gelu_grad_erf": ("lip.gelu_grad %a, %b scale 0.7 : {t0}", [(3, 5), (3, 5)], (3, 5),
                      vjp(lambda x: 0.7 * F.gelu(x))),
    "gelu_grad_tanh": ("lip.gelu_grad %a, %b tanh scale 1.0 : {t0}", [(3, 5), (3, 5)], (3, 5),
                       vjp(lambda x: F.gelu(x, approximate="tanh"))),
    "rope_grad": ("lip.rope_grad %a base 100.0 : {t0}", [(2, 5, 2, 4)], (2, 5, 2, 4),
                  lambda dy: vjp(lambda x: rope_ref(x, 100.0))(torch.zeros_like(dy), dy)),
    "unflatten": ("lip.unflatten %a : {t0} -> {out}", [(2, 12)], (2, 3, 4), lambda a: a.reshape(2, 3, 4)),
    "mean_pool_grad": ("lip.mean_pool_grad %a : {t0} -> {out}", [(2, 3)], (2, 5, 3),
                       lambda dy: (dy / 5)[:, None, :].expand(2, 5, 3)),
    "cross_entropy_grad": ("lip.cross_entropy_grad %a, %b, %c : {t0}, {t1}, {t2}",
                           [(2, 3, 5), ("ids", (2, 3), 5), ()], (2, 3, 5),
                           lambda z, y, dl: vjp(lambda zz: F.cross_entropy(
                               zz.reshape(-1, 5), y.reshape(-1).long()))(z, dl)),
    # The last part of a concat of widths 5 and 3.
    "concat_grad": ("lip.concat_grad %a offset 5 : {t0} -> {out}", [(2, 3, 8)], (2, 3, 3),
                    lambda dy: vjp(lambda x: torch.cat([torch.zeros(2, 3, 5, dtype=x.dtype), x], -1))(
                        torch.zeros(2, 3, 3, dtype=dy.dtype), dy)),
})


def attention_grad_ref(which, causal, scale, factor):
    def ref(q, k, v, dy):
        xs = [x.clone().requires_grad_() for x in (q, k, v)]
        out = attention_ref(*xs, causal, scale, factor)
        return torch.autograd.grad(out, xs, dy)[which]
    return ref


for which, name in enumerate(["query", "key", "value"]):
    CASES[f"attention_grad_{name}"] = (
        "%g:3 = lip.attention_grad %a, %b, %c, %d causal logit_scale 2.0 "
        "output_factor 0.3333333333333333 : {t0}", [(2, 4, 2, 3)] * 4, (2, 4, 2, 3),
        attention_grad_ref(which, True, 2.0, 1 / 3), f"%g#{which}")
    CASES[f"attention_grad_bidirectional_{name}"] = (
        "%g:3 = lip.attention_grad %a, %b, %c, %d logit_scale -1.5 output_factor 0.5 : {t0}",
        [(1, 3, 2, 2)] * 4, (1, 3, 2, 2), attention_grad_ref(which, False, -1.5, 0.5), f"%g#{which}")


from lipoptim import (HARD, adam, coupling, cooldown_rate, embed_cap, momentum,  # noqa: E402
                              norm_scale, normalize_rows, ns, on_wide, poly, soft_cap, spectral_hammer,
                              spectral_normalize, spectral_weight_decay)

W = (6, 4)
CASES.update({
    "momentum_buffer": ("%r:2 = lipopt.momentum %a, %b beta 0.9 nesterov : {t0}", [W, W], W,
                        lambda b, g: momentum(b, g, 0.9, True)[0], "%r#0"),
    "momentum_nesterov": ("%r:2 = lipopt.momentum %a, %b beta 0.9 nesterov : {t0}", [W, W], W,
                          lambda b, g: momentum(b, g, 0.9, True)[1], "%r#1"),
    "newton_schulz": ("lipopt.newton_schulz %a <jiacheng6> : {t0}", [W], W, ns),
    "adam_direction": ("%r:3 = lipopt.adam %a, %b, %c, %d beta1 0.9 beta2 0.95 eps 1.0e-8 : {t0}, {t3}",
                       [W, W, W, ()], W, lambda m, v, g, s: adam(m, v.abs(), g, 3.0)[2], "%r#2"),
    "apply_update": ("lipopt.apply_update %a, %b, %c scale 1.5 decay 0.1 : {t0}, {t2}", [W, W, ()], W,
                     lambda w, u, lr: w * (1 - 0.1 * lr) - lr * 1.5 * u),
    "soft_cap": ("lipopt.soft_cap %a, %b w_max 0.7 : {t0}, {t1}", [W, ()], W,
                 lambda w, a: soft_cap(w, a.item(), 0.7)),
    "hard_cap": ("lipopt.hard_cap %a w_max 2.0 : {t0}", [W], W,
                 lambda w: on_wide(w, norm_scale(w, 2.0), lambda x: poly(x, HARD))),
    "orthogonalize": ("lipopt.orthogonalize %a w_max 1.5 : {t0}", [W], W,
                      lambda w: ns(w) * norm_scale(w, 1.5)),
    "embed_cap": ("lipopt.embed_cap %a w_max 0.8 : {t0}", [(7, 4)], (7, 4), lambda e: embed_cap(e, 0.8)),
    "muon_soft_cap": ("%r:2 = lipopt.muon_soft_cap %a, %b, %c, %d, %e beta 0.9 nesterov <jiacheng6> "
                      "scale 1.2247448713915889 decay 0.01 w_max 0.7 : {t0}, {t3}", [W, W, W, (), ()], W,
                      lambda w, b, g, lr, a: soft_cap(
                          w * (1 - 0.01 * lr) - lr * 1.2247448713915889 * ns(momentum(b, g, 0.9, True)[1]),
                          a.item(), 0.7), "%r#0"),
    "spectral_normalize": ("%r:2 = lipopt.spectral_normalize %a, %b w_max 0.5 power_steps 3 gram_steps 6 "
                           ": {t0}, {t1}", [W, (4,)], W,
                           lambda w, v: spectral_normalize(w, v, 0.5, 3, 6)[0], "%r#0"),
    "spectral_normalize_vector": ("%r:2 = lipopt.spectral_normalize %a, %b w_max 0.5 power_steps 3 "
                                  "gram_steps 6 : {t0}, {t1}", [W, (4,)], (4,),
                                  lambda w, v: spectral_normalize(w, v, 0.5, 3, 6)[1], "%r#1"),
    # Rows of RMS 1 and, scaled by 1/100 first, rows scaled up 16 times.
    "normalize_rows": ("lipopt.normalize_rows %a inflation 16.0 : {t0}", [W], W,
                       lambda m: normalize_rows(m, 16.0)),
    "normalize_rows_small": ("lipopt.normalize_rows %a inflation 16.0 : {t0}", [W], W,
                             lambda m: normalize_rows(m, 16.0)),
    "spectral_hammer": ("%r:2 = lipopt.spectral_hammer %a, %b w_max 0.5 power_steps 3 : {t0}, {t1}",
                        [W, (4,)], W, lambda w, v: spectral_hammer(w, v, 0.5, 3), "%r#0"),
    "spectral_weight_decay": ("%r:2 = lipopt.spectral_weight_decay %a, %b strength 0.2 power_steps 3 "
                              ": {t0}, {t1}", [W, (4,)], W,
                              lambda w, v: spectral_weight_decay(w, v, 0.2, 3), "%r#0"),
    "soft_cap_coupling": ("lipopt.soft_cap_coupling %a w_max 0.5 update_norm 0.99934 decay 0.0 : {t0}",
                          [()], (), lambda lr: torch.tensor(coupling(1 + lr.item() * 0.99934 / 0.5),
                                                           dtype=torch.float64)),
    "learning_rate_cooldown": ("lipopt.learning_rate %a <cooldown> base 0.1 steps 100 warmup 10 : {t0}",
                               [()], (), lambda s: torch.tensor(cooldown_rate(s.item(), 0.1, 100, 10),
                                                                dtype=torch.float64)),
    # train --lr and --horizon: the rate times the scale, over the horizon.
    "learning_rate_overrides": ("lipopt.learning_rate %a <cooldown> base 0.1 steps 100 warmup 10 "
                                "scale %b : {t1} horizon %c : {t2} : {t0}", [(), (), ()], (),
                                lambda s, k, h: torch.tensor(k.item() * cooldown_rate(s.item(), 0.1, int(h.item()), 10),
                                                             dtype=torch.float64)),
})
# Shapes with m >= 1.5 n take the Gram form of the polynomial iterations.
WIDE, TALL = (4, 16), (16, 4)
CASES.update({
    "newton_schulz_gram_wide": ("lipopt.newton_schulz %a <jiacheng6> : {t0}", [WIDE], WIDE, ns),
    "newton_schulz_gram_tall": ("lipopt.newton_schulz %a <jiacheng6> : {t0}", [TALL], TALL, ns),
    "soft_cap_gram": ("lipopt.soft_cap %a, %b w_max 0.7 : {t0}, {t1}", [TALL, ()], TALL,
                      lambda w, a: soft_cap(w, a.item(), 0.7)),
    "hard_cap_gram": ("lipopt.hard_cap %a w_max 2.0 : {t0}", [WIDE], WIDE,
                      lambda w: on_wide(w, norm_scale(w, 2.0), lambda x: poly(x, HARD))),
})
# Inputs that must lie in a range (a positive step, variance, alpha or lr).
FIXED = {
    "adam_direction": lambda xs: [xs[0], xs[1].abs(), xs[2], torch.tensor(3.0, dtype=torch.float64)],
    "soft_cap": lambda xs: [xs[0], xs[1].abs() / 10],
    "soft_cap_gram": lambda xs: [xs[0], xs[1].abs() / 10],
    "muon_soft_cap": lambda xs: xs[:3] + [xs[3].abs() / 10, xs[4].abs() / 10],
    "soft_cap_coupling": lambda xs: [xs[0].abs() / 10],
    "learning_rate_cooldown": lambda xs: [torch.tensor(85.0, dtype=torch.float64)],
    "normalize_rows_small": lambda xs: [xs[0] / 100],
    "learning_rate_overrides": lambda xs: [torch.tensor(v, dtype=torch.float64) for v in (85.0, 0.5, 120.0)],
}

worst_all = 0.0
for name, case in CASES.items():
    op, shapes, out_shape, ref = case[:4]
    result = case[4] if len(case) > 4 else "%r"
    inputs, types = [], []
    for s in shapes:
        if len(s) and s[0] == "ids":
            inputs.append(torch.randint(0, s[2], s[1], dtype=torch.int32))
            types.append(ttype(s[1], "i32"))
        else:
            inputs.append(torch.randn(s, dtype=torch.float64))
            types.append(ttype(s))
    if name in FIXED:
        inputs = FIXED[name](inputs)
    names = "abcdef"
    fmt = {f"t{i}": t for i, t in enumerate(types)}
    fmt["out"] = ttype(out_shape)
    body = op.format(**fmt)
    if not body.startswith("%"):
        body = "%r = " + body
    args = ", ".join(f"%{names[i]}: {t}" for i, t in enumerate(types))
    consts = "\n".join(f"  %c{i} = arith.constant {dense(x)} : {types[i]}" for i, x in enumerate(inputs))
    call_args = ", ".join(f"%c{i}" for i in range(len(inputs)))
    out_t, memref_t = ttype(out_shape), "memref<" + "x".join(str(d) for d in out_shape) + ("x" if out_shape else "") + "f64>"
    program = f"""
func.func @f({args}) -> {out_t} {{
  {body}
  return {result} : {out_t}
}}
func.func @main() {{
{consts}
  %y = call @f({call_args}) : ({", ".join(types)}) -> {out_t}
  %m = bufferization.to_memref %y : {memref_t}
  %u = memref.cast %m : {memref_t} to memref<*xf64>
  call @printMemrefF64(%u) : (memref<*xf64>) -> ()
  return
}}
func.func private @printMemrefF64(memref<*xf64>)
"""
    attention = ["--lip-attention-to-loops"] if GPU_LOOPS else []
    lowered = subprocess.run([LIP_OPT] + attention + ["--convert-lipopt-to-linalg", "--convert-lip-to-linalg"],
                             input=program, capture_output=True, text=True)
    if lowered.returncode:
        print(f"{name}: lowering failed\n{lowered.stderr}")
        sys.exit(1)
    llvm = compile_to_llvm(lowered.stdout)
    run = subprocess.run([RUNNER, "-e", "main", "-entry-point-result=void",
                          f"-shared-libs={LIBDIR}/libmlir_runner_utils.so,{LIBDIR}/libmlir_c_runner_utils.so"],
                         input=llvm.stdout, capture_output=True, text=True)
    if llvm.returncode or run.returncode:
        print(f"{name}: compiling or running failed\n{llvm.stderr}{run.stderr}")
        sys.exit(1)
    data = run.stdout.split("data =", 1)[1]
    got = torch.tensor([float(v) for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?|-?inf|nan", data)],
                       dtype=torch.float64)
    want = ref(*inputs).reshape(-1)
    error = ((got - want).abs().max() / want.abs().max().clamp_min(1e-30)).item()
    worst_all = max(worst_all, error)
    print(f"{name}: {'match' if error < 1e-5 else 'MISMATCH'} (max relative error {error:.1e})")
print("all ops match" if worst_all < 1e-5 else "MISMATCH")
sys.exit(0 if worst_all < 1e-5 else 1)
