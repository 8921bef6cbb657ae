"""The optimizer formulas of numerics/lib/OptKernels.cpp in PyTorch
(float64): Newton-Schulz, the soft and hard caps, the soft cap's coupling,
momentum, Adam, the cooldown schedule, the embedding cap, power iteration and
the spectral projections. Used by the native-code tests (tests/Conversion)
and the training reference (train_reference.py)."""
import math

import torch

NS6 = [(3955 / 1024, -8306 / 1024, 5008 / 1024), (3735 / 1024, -6681 / 1024, 3463 / 1024),
       (3799 / 1024, -6499 / 1024, 3211 / 1024), (4019 / 1024, -6385 / 1024, 2906 / 1024),
       (2677 / 1024, -3029 / 1024, 1162 / 1024), (2172 / 1024, -1833 / 1024, 682 / 1024)]
HARD = [(0.805032, 0.206361, -0.019763), (0.649867, 0.162935, -0.011150),
        (1.810259, -0.200265, 0.008251), (1.004384, -0.183490, 0.014413)]


def poly(x, steps):
    for a, b, c in steps:
        g = x @ x.T
        x = a * x + (b * g + c * g @ g) @ x
    return x


def on_wide(w, scale, f, restore=True):
    tall = w.shape[0] > w.shape[1]
    x = f((w.T if tall else w) / scale) * (scale if restore else 1)
    return x.T if tall else x


def ns(m, steps=NS6):
    return on_wide(m, m.norm() + 1e-12, lambda x: poly(x, steps), restore=False)


def norm_scale(w, w_max):
    return math.sqrt(w.shape[0] / w.shape[1]) * w_max


def soft_cap(w, alpha, w_max):
    return on_wide(w, norm_scale(w, w_max), lambda x: poly(poly(x, [(1, -alpha, 0)]), [(1, alpha, 0)]))


def coupling(k):
    if k <= 1:
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        g = 1 - 3 * mid ** 2 + 3 * mid ** 3 - mid ** 4
        lo, hi = (mid, hi) if g > 1 / k else (lo, mid)
    return hi / (k * k)


def momentum(buf, g, beta, nesterov):
    nxt = beta * buf + (1 - beta) * g
    return nxt, ((1 - beta) * g + beta * nxt if nesterov else nxt)


def adam(m, v, g, step, b1=0.9, b2=0.95, eps=1e-8):
    m2, v2 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
    return m2, v2, (m2 / (1 - b1 ** (step + 1))) / ((v2 / (1 - b2 ** (step + 1))).sqrt() + eps)


def cooldown_rate(step, base, steps, warmup, fraction=0.4, floor=0.1):
    if step < warmup:
        return base * (step + 1) / warmup
    x = (step - warmup) / max(steps - warmup, 1)
    if x < 1 - fraction:
        return base
    w = max(0.0, (1 - x) / fraction)
    return base * (w + (1 - w) * floor)


def embed_cap(e, w_max):
    rms = (e * e).mean(1, keepdim=True).sqrt()
    return torch.where(rms > w_max, e * w_max / rms, e)


def normalize_rows(m, inflation):
    """The paper's embedding update: rows at RMS 1, scaled up by at most `inflation`."""
    rms = (m * m).mean(1, keepdim=True).sqrt()
    return m / torch.clamp(rms, min=1 / inflation)




def power_iteration(x, v, steps):
    v = v / v.norm() if v.norm() > 0 else torch.full_like(v, 1 / math.sqrt(v.numel()))
    for _ in range(steps):
        nxt = x.T @ (x @ v)
        if nxt.norm() > 0:
            v = nxt / nxt.norm()
    xv = x @ v
    sigma = xv.norm()
    return v, sigma, (xv / sigma if sigma > 0 else xv)


def sigma_upper_bound(x, steps):
    wide = x.T if x.shape[0] > x.shape[1] else x
    g, log_bound, weight = wide @ wide.T, 0.0, 1.0
    for i in range(steps + 1):
        c = g.norm()
        if c == 0:  # a zero matrix (a zero-initialized weight)
            return 0.0
        log_bound += weight * math.log(c)
        g = g / c
        if i < steps:
            g = g @ g
        weight /= 2
    return math.sqrt(math.exp(log_bound)) * (1 + 1e-9)


def spectral_normalize(w, v, w_max, power_steps, gram_steps):
    x = w / norm_scale(w, w_max)
    return w / max(1.0, sigma_upper_bound(x, gram_steps)), power_iteration(x, v, power_steps)[0]


def spectral_hammer(w, v, w_max, power_steps):
    scale = norm_scale(w, w_max)
    x = w / scale
    v, sigma, u = power_iteration(x, v, power_steps)
    return (x + (1 - sigma) * torch.outer(u, v)) * scale


def spectral_weight_decay(w, v, strength, power_steps):
    v, sigma, u = power_iteration(w, v, power_steps)
    return w - strength * sigma * torch.outer(u, v)
