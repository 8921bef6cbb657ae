"""Recomputes the certified bound of examples/shakespeare/model.lip in closed
form, with every weight norm at its w_max, and compares it with lipc's JSON.

Per block (alpha = 1/(2L), H heads, logit scale s = 1, output factor 1/3,
GELU slope 1.1289042 times 1/1.1289), with a the max-token RMS bound entering
the block and K the Lipschitz bound:
  c       = sqrt(min(H, exp(2 s H (w a)^2)))          q, k, v have RMS w a
  K_att   = (1/3) w [c w K + s H (w a) (2 (w a) w K)]  then the output weight w
  a_att   = (1/3) w c w a
  K, a    = (1 - alpha) (K, a) + alpha (K_att, a_att)
  K_mlp   = w * 1.1289042 / 1.1289 * w * K ; a_mlp = w * w * a / 1.1289
  K, a    = (1 - alpha) (K, a) + alpha (K_mlp, a_mlp)
and finally K times the head's w. The embedding (rows RMS <= 1) starts with
K = a = 1.
"""
import json
import math
import sys

LAYERS, HEADS, W, EMBED = 3, 4, 0.9763, 1.0
ALPHA, S, OUT = 1 / (2 * LAYERS), 1.0, 1 / 3
GELU = 1.1289042 / 1.1289

K, a = EMBED, EMBED
for _ in range(LAYERS):
    q = W * a
    c = math.sqrt(min(HEADS, math.exp(2 * S * HEADS * q * q)))
    k_att = OUT * W * (c * W * K + S * HEADS * q * (2 * q * W * K))
    a_att = OUT * W * c * W * a
    K, a = (1 - ALPHA) * K + ALPHA * k_att, (1 - ALPHA) * a + ALPHA * a_att
    k_mlp, a_mlp = W * GELU * W * K, W * W * a / 1.1289
    K, a = (1 - ALPHA) * K + ALPHA * k_mlp, (1 - ALPHA) * a + ALPHA * a_mlp
K *= W

with open(sys.argv[1]) as f:
    report = json.load(f)
lipc = report["lipschitz_bound"]
# lipc rounds upward: never below the exact value, and only by rounding.
ok = report["certified"] and K <= lipc * (1 + 1e-12) and lipc <= K * (1 + 1e-9)
print(f"closed form {K:.9f}, lipc {lipc:.9f}: {'agree' if ok else 'DISAGREE'}")
sys.exit(0 if ok else 1)
