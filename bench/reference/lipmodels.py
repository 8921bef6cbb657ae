"""PyTorch reference implementations of lipc's example models.

Written from the paper's description and dialects/lip/Rationale.md, not from
lipc's IR, so that they can check lipc: the Fashion-MNIST MLP of
examples/mlp/model.lip and the Shakespeare transformer of
examples/shakespeare/model.lip, its attention by position
(positional.lip) and the tokens beside their context (context.lip). Parameters are passed by their lipc names
(block0.attn.q, ...), as torch tensors of shape [fan_out, fan_in] (embedding:
[vocab, width]).
"""
import math

import torch
import torch.nn.functional as F

GELU_MAX_SLOPE = 1.1289


def mlp_logits(params, images):
    """examples/mlp: flatten, two ReLU layers, linear head."""
    x = images.reshape(images.shape[0], -1)
    x = torch.relu(x @ params["in"].T)
    x = torch.relu(x @ params["hidden"].T)
    return x @ params["out"].T


def rope(x, base=10000.0):
    """Half-split rotary embedding of [batch, tokens, heads, head_dim]."""
    _, tokens, _, head_dim = x.shape
    half = head_dim // 2
    i = torch.arange(half, dtype=x.dtype, device=x.device)
    t = torch.arange(tokens, dtype=x.dtype, device=x.device)
    theta = t[:, None] * base ** (-2.0 * i / head_dim)  # [tokens, half]
    cos, sin = torch.cos(theta)[None, :, None, :], torch.sin(theta)[None, :, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def attention(q, k, v, logit_scale=1.0, output_factor=1.0 / 3.0):
    """Causal multi-head attention with 1/head_dim scores, [b, t, h, d] layout."""
    head_dim, tokens = q.shape[-1], q.shape[1]
    scores = logit_scale * torch.einsum("bthd,buhd->bhtu", q, k) / head_dim
    mask = torch.ones(tokens, tokens, dtype=torch.bool, device=q.device).triu(1)
    scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return output_factor * torch.einsum("bhtu,buhd->bthd", weights, v)


def gpt_logits(params, tokens, layers=3, heads=4):
    """examples/shakespeare: embedding, `layers` blocks with convex residuals
    alpha = 1/(2 layers), attention and GELU/1.1289 MLP, linear head."""
    alpha = 1.0 / (2 * layers)
    x = params["embed"][tokens]
    batch, seq, width = x.shape
    split = lambda y: y.reshape(batch, seq, heads, width // heads)
    for b in range(layers):
        p = lambda name: params[f"block{b}.{name}"]
        q = rope(split(x @ p("attn.q").T))
        k = rope(split(x @ p("attn.k").T))
        v = split(x @ p("attn.v").T)
        y = attention(q, k, v).reshape(batch, seq, width) @ p("attn.out").T
        x = (1 - alpha) * x + alpha * y
        h = F.gelu(x @ p("mlp.in").T) / GELU_MAX_SLOPE
        x = (1 - alpha) * x + alpha * (h @ p("mlp.out").T)
    return x @ params["head"].T


def positional_logits(params, tokens, heads=2):
    """examples/shakespeare/positional.lip: one block whose attention takes
    learned rows per position as queries and keys (output factor 1), convex
    residuals at 1/2, the GELU/1.1289 MLP, linear head."""
    x = params["embed"][tokens]
    batch, seq, width = x.shape
    split = lambda y: y.reshape(batch, seq, heads, width // heads)
    p = lambda name: params[f"block0.{name}"]
    by_position = lambda name: split(p(name)[:seq].expand(batch, seq, width))
    y = attention(by_position("attn.pq"), by_position("attn.pk"), split(x @ p("attn.v").T),
                  output_factor=1.0)
    x = 0.5 * x + 0.5 * (y.reshape(batch, seq, width) @ p("attn.out").T)
    h = F.gelu(x @ p("mlp.in").T) / GELU_MAX_SLOPE
    x = 0.5 * x + 0.5 * (h @ p("mlp.out").T)
    return x @ params["head"].T


def maxmin(x):
    """GroupSort of pairs: (x[2i], x[2i+1]) -> (max, min)."""
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    return torch.stack([pairs.max(-1).values, pairs.min(-1).values], dim=-1).reshape(x.shape)


def context_logits(params, tokens, pools=4):
    """examples/shakespeare/context.lip: each token's embedding beside
    `pools` single-head attentions by position over the embedded tokens
    (learned rows per position as queries and keys, output factor 1), a
    maxmin layer, linear head."""
    x = params["embed"][tokens]
    batch, seq, width = x.shape
    parts = [x]
    for i in range(1, pools + 1):
        by_position = lambda name: params[f"p{i}.{name}"][:seq].expand(batch, seq, width)[:, :, None, :]
        y = attention(by_position("pq"), by_position("pk"), x[:, :, None, :], output_factor=1.0)
        parts.append(y.reshape(batch, seq, width))
    h = maxmin(torch.cat(parts, dim=-1) @ params["in"].T)
    return h @ params["head"].T


def cross_entropy(logits, labels):
    """Mean cross-entropy over every token."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long())


MODELS = {"mlp": mlp_logits, "shakespeare": gpt_logits, "shakespeare-positional": positional_logits,
          "shakespeare-context": context_logits}
