"""Compiles a spec's training step to native code (lipc --emit=train,
convert-lip(opt)-to-linalg, the all_reduce of a single process,
MLIR's LLVM pipeline) and runs three steps with
mlir-cpu-runner; the same three steps in PyTorch (autograd for the gradient,
Muon with Nesterov, jiacheng6 Newton-Schulz, the soft cap with its coupling)
must give the same losses and weights.

    train_native_vs_torch.py LIPC LIP_OPT MLIR_OPT RUNNER LIBDIR SPEC
"""
import math
import re
import subprocess
import sys

import torch

sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__), "..", "..",
                                              "bench", "reference"))
from lipoptim import coupling, momentum, ns, soft_cap  # noqa: E402

LIPC, LIP_OPT, MLIR_OPT, RUNNER, LIBDIR, SPEC = sys.argv[1:7]
PIPELINE = ("--one-shot-bufferize=bufferize-function-boundaries --convert-linalg-to-loops "
            "--convert-scf-to-cf --expand-strided-metadata --lower-affine --convert-math-to-libm "
            "--finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts").split()
LR, BETA, W_MAX, STEPS, BATCH = 0.05, 0.9, 1.0, 3, 6
LR_SCALE = 0.5  # the run-time lr_scale argument

torch.manual_seed(1)
shapes = {"in": (16, 8), "out": (4, 16)}
weights = {n: soft_cap(torch.randn(s, dtype=torch.float64) * 0.3, 0.0, W_MAX) for n, s in shapes.items()}
x = torch.rand(BATCH, 8, dtype=torch.float64) / 2
y = torch.randint(0, 4, (BATCH,), dtype=torch.int32)


def dense(t):
    return "dense<" + str(t.tolist()) + ">"


def f32(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


# The native run: @train_step(in, out, state_in, state_out, step, lr_scale,
# horizon, x, y), with every learning rate halved at run time (train --lr).
train = subprocess.run([LIPC, SPEC, "--emit=train"], capture_output=True, text=True, check=True).stdout
lines = [f"  %w0_0 = arith.constant {dense(weights['in'])} : {f32((16, 8))}",
         f"  %w1_0 = arith.constant {dense(weights['out'])} : {f32((4, 16))}",
         f"  %m0_0 = arith.constant dense<0.0> : {f32((16, 8))}",
         f"  %m1_0 = arith.constant dense<0.0> : {f32((4, 16))}",
         f"  %xs = arith.constant {dense(x)} : {f32((BATCH, 8))}",
         f"  %x = tensor.cast %xs : {f32((BATCH, 8))} to tensor<?x8xf32>",
         f"  %ys = arith.constant {dense(y)} : tensor<{BATCH}xi32>",
         f"  %y = tensor.cast %ys : tensor<{BATCH}xi32> to tensor<?xi32>"]
for s in range(STEPS):
    n = s + 1
    lines += [f"  %s{s} = arith.constant dense<{float(s)}> : tensor<f64>",
              f"  %scale{s} = arith.constant dense<{LR_SCALE}> : tensor<f64>",
              f"  %horizon{s} = arith.constant dense<100.0> : tensor<f64>",
              f"  %l{s}, %lr{s}, %w0_{n}, %w1_{n}, %m0_{n}, %m1_{n} = call @train_step(%w0_{s}, %w1_{s}, %m0_{s}, "
              f"%m1_{s}, %s{s}, %scale{s}, %horizon{s}, %x, %y) : ({f32((16, 8))}, {f32((4, 16))}, "
              f"{f32((16, 8))}, {f32((4, 16))}, tensor<f64>, tensor<f64>, tensor<f64>, tensor<?x8xf32>, "
              f"tensor<?xi32>) -> (tensor<f32>, tensor<f64>, {f32((16, 8))}, "
              f"{f32((4, 16))}, "
              f"{f32((16, 8))}, {f32((4, 16))})",
              f"  %lm{s} = bufferization.to_memref %l{s} : memref<f32>",
              f"  %lu{s} = memref.cast %lm{s} : memref<f32> to memref<*xf32>",
              f"  call @printMemrefF32(%lu{s}) : (memref<*xf32>) -> ()"]
for i, shape in ((0, (16, 8)), (1, (4, 16))):
    lines += [f"  %wm{i} = bufferization.to_memref %w{i}_{STEPS} : memref<{shape[0]}x{shape[1]}xf32>",
              f"  %wu{i} = memref.cast %wm{i} : memref<{shape[0]}x{shape[1]}xf32> to memref<*xf32>",
              f"  call @printMemrefF32(%wu{i}) : (memref<*xf32>) -> ()"]
main = "func.func @main() {\n" + "\n".join(lines) + "\n  return\n}\nfunc.func private @printMemrefF32(memref<*xf32>)\n"
program = train.rstrip().rstrip("}") + main + "}\n"
# One process, and mlir-cpu-runner has no runtime: the all_reduce is the identity.
lowered = subprocess.run([LIP_OPT, "--symbol-dce", "--lip-all-reduce-to-runtime=single-process",
                          "--convert-lipopt-to-linalg", "--convert-lip-to-linalg"], input=program,
                         capture_output=True, text=True)
if lowered.returncode:
    sys.exit("lowering failed:\n" + lowered.stderr)
# The lip argument attributes (names, constraints) are metadata for the
# runtime; MLIR's own tools see them as an unregistered dialect.
llvm = subprocess.run([MLIR_OPT, "--allow-unregistered-dialect"] + PIPELINE, input=lowered.stdout,
                      capture_output=True, text=True)
run = subprocess.run([RUNNER, "-e", "main", "-entry-point-result=void",
                      f"-shared-libs={LIBDIR}/libmlir_runner_utils.so,{LIBDIR}/libmlir_c_runner_utils.so"],
                     input=llvm.stdout, capture_output=True, text=True)
if llvm.returncode or run.returncode:
    sys.exit("compiling or running failed:\n" + llvm.stderr + run.stderr)
blocks = [re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", b.split("data =", 1)[1])
          for b in run.stdout.split("Unranked Memref")[1:]]
native_losses = [float(b[0]) for b in blocks[:STEPS]]
native_w = [torch.tensor([float(v) for v in b], dtype=torch.float64) for b in blocks[STEPS:]]

# The same training in PyTorch, float64.
params = {n: w.clone() for n, w in weights.items()}
buffers = {n: torch.zeros_like(w) for n, w in weights.items()}
losses = []
for s in range(STEPS):
    ps = {n: p.clone().requires_grad_() for n, p in params.items()}
    logits = torch.relu(x @ ps["in"].T) @ ps["out"].T
    loss = torch.nn.functional.cross_entropy(logits, y.long())
    losses.append(loss.item())
    grads = dict(zip(ps, torch.autograd.grad(loss, list(ps.values()))))
    lr = LR * LR_SCALE
    alpha = coupling(1 + lr * 0.99934 / W_MAX)
    for n in params:
        buffers[n], update = momentum(buffers[n], grads[n], BETA, True)
        scale = math.sqrt(params[n].shape[0] / params[n].shape[1])
        params[n] = soft_cap(params[n] - lr * scale * ns(update), alpha, W_MAX)

loss_error = max(abs(a - b) / abs(b) for a, b in zip(native_losses, losses))
weight_error = max(((nw - params[n].reshape(-1)).abs().max() / params[n].abs().max()).item()
                   for nw, n in zip(native_w, ["in", "out"]))
for s, (a, b) in enumerate(zip(native_losses, losses)):
    print(f"step {s}: native loss {a:.6f}, pytorch {b:.6f}")
print(f"weights after {STEPS} steps: max relative difference {weight_error:.1e}")
ok = loss_error < 1e-4 and weight_error < 1e-4 and losses[-1] < losses[0]
print("native training matches" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
