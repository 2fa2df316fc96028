"""Numpy model of lmc's quantized matmul (runtime/format/FORMAT.md, `matmul_q`
and "Quantized B"), written from the spec for the reference forward passes:
weights quantized at compile time (int8 per output channel, int4 per group of
rows, ternary with one absmean scale), activations quantized per row to int8
when the matmul runs, integer products, then the scales. Float steps are done
in float32 exactly as the spec orders them, so lmc and this model round the
same values the same way.
"""

import numpy as np

SCHEMES = ("none", "int8", "int4", "ternary")


def quantize_weights(w, scheme, group):
    """(q int64 [K, N], scales float32 [groups, N]) of a K x N matrix."""
    w = np.asarray(w, dtype=np.float32)
    k, n = w.shape
    if scheme == "ternary":
        s = np.float32(np.abs(w.astype(np.float64)).mean())
        q = np.zeros_like(w, dtype=np.int64) if s == 0 else np.clip(np.rint(w / s), -1, 1).astype(np.int64)
        return q, np.full((1, n), s, dtype=np.float32)
    levels = np.float32(127.0 if scheme == "int8" else 7.0)
    g = k if scheme == "int8" else min(group, k)
    groups = -(-k // g)
    q = np.zeros((k, n), dtype=np.int64)
    scales = np.zeros((groups, n), dtype=np.float32)
    for i in range(groups):
        block = w[i * g:(i + 1) * g]
        amax = np.abs(block).max(axis=0)
        with np.errstate(divide="ignore"):
            inv = np.where(amax == 0, np.float32(0), levels / amax).astype(np.float32)
        q[i * g:(i + 1) * g] = np.clip(np.rint(block * inv), -levels, levels).astype(np.int64)
        scales[i] = amax / levels
    return q, scales


def quantize_rows(x):
    """(q int64, scale float32 per row) of activations [R, K]."""
    x = np.asarray(x, dtype=np.float32)
    amax = np.abs(x).max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        inv = np.where(amax == 0, np.float32(0), np.float32(127.0) / amax).astype(np.float32)
    return np.rint(x * inv).astype(np.int64), (amax / np.float32(127.0)).astype(np.float32)


def qmatmul(x, w, scheme, group=32):
    """x [..., K] @ w [K, N] the way lmc's matmul_q computes it (float64 result)."""
    if scheme == "none":
        return x @ w
    k, n = w.shape
    q, scales = quantize_weights(w, scheme, group)
    g = k if scheme in ("int8", "ternary") else min(group, k)
    lead = x.shape[:-1]
    qa, sa = quantize_rows(np.asarray(x).reshape(-1, k))
    out = np.zeros((qa.shape[0], n), dtype=np.float64)
    for i in range(scales.shape[0]):
        acc = qa[:, i * g:(i + 1) * g] @ q[i * g:(i + 1) * g]
        out += scales[i].astype(np.float64) * acc
    return (sa.astype(np.float64) * out).reshape(*lead, n)
