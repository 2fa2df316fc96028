#!/usr/bin/python3
"""Numpy reference forward pass for the Llama models of make_llama.py.

It is written from the Llama math, not by interpreting the ONNX graph: it
reads only the learned weights (ONNX initializers found by their Hugging Face
names, or the generator's --weights-only-npz file) and the hyperparameters
stored with them (heads, kv heads, RMSNorm epsilon, rope theta), and computes
in float64. It builds its own rotary angles from rope_theta and its own causal
mask, ignoring the generator's cos/sin tables and mask initializer, so a bug
in the generator's tables, in the graph or in lmc shows up as a mismatch
instead of being reproduced here.

Usage:
  reference.py model.onnx --tokens tokens.npy -o logits.npy
  reference.py weights.npz --tokens tokens.npy -o logits.npy
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.onnx_io import load_learned, load_npz as load_weights_npz  # noqa: E402
from common.quant import qmatmul  # noqa: E402
from common.reference_cli import reference_main  # noqa: E402

LEARNED = ("model.embed_tokens.", "model.layers.", "model.norm.", "lm_head.")


def load_onnx(path):
    """(weights, config) from an ONNX model's initializers and metadata_props."""
    weights, props = load_learned(path, "llama", LEARNED)
    config = {
        "num_attention_heads": int(props["llama.num_attention_heads"]),
        "num_key_value_heads": int(props["llama.num_key_value_heads"]),
        "rms_norm_eps": float(props["llama.rms_norm_eps"]),
        "rope_theta": float(props["llama.rope_theta"]),
    }
    return weights, config


def load_npz(path):
    return load_weights_npz(path, LEARNED)


def rms_norm(x, weight, eps):
    return weight * x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)


def rope(x, theta):
    """Rotary embedding of x [heads, S, hd]: pairs (i, i + hd/2) rotated by angle pos * theta^(-2i/hd)."""
    _, seq, hd = x.shape
    half = hd // 2
    angle = np.arange(seq)[:, None] * theta ** (-2.0 * np.arange(half) / hd)[None, :]  # [S, half]
    c, s = np.cos(angle), np.sin(angle)
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def attention(x, w, prefix, config, mm):
    """Causal grouped-query self-attention over x [S, E]; query head h reads kv head h // (H / KV)."""
    seq = x.shape[0]
    n_head, n_kv = config["num_attention_heads"], config["num_key_value_heads"]
    q = mm(x, w[f"{prefix}.q_proj.weight"])
    hd = q.shape[1] // n_head
    q = q.reshape(seq, n_head, hd).transpose(1, 0, 2)
    k = mm(x, w[f"{prefix}.k_proj.weight"]).reshape(seq, n_kv, hd).transpose(1, 0, 2)
    v = mm(x, w[f"{prefix}.v_proj.weight"]).reshape(seq, n_kv, hd).transpose(1, 0, 2)
    q, k = rope(q, config["rope_theta"]), rope(k, config["rope_theta"])
    group = n_head // n_kv
    future = np.triu(np.ones((seq, seq), dtype=bool), k=1)  # key j > query i
    out = np.empty((seq, n_head, hd))
    for h in range(n_head):
        kv = h // group
        scores = np.where(future, -np.inf, q[h] @ k[kv].T / np.sqrt(hd))
        out[:, h, :] = softmax(scores) @ v[kv]
    return mm(out.reshape(seq, n_head * hd), w[f"{prefix}.o_proj.weight"])


def mlp(x, w, prefix, mm):
    gate = mm(x, w[f"{prefix}.gate_proj.weight"])
    silu = gate / (1.0 + np.exp(-gate))
    return mm(silu * mm(x, w[f"{prefix}.up_proj.weight"]), w[f"{prefix}.down_proj.weight"])


def forward(weights, config, tokens, quant="none", group=32):
    """Logits [1, S, vocab] (float32) for int tokens [1, S]; `quant` models
    lmc's quantized matmuls (examples/common/quant.py) for every weight."""
    def mm(x, weight):
        return qmatmul(x, weight, quant, group)

    w = {k: v.astype(np.float64) for k, v in weights.items()}
    eps = config["rms_norm_eps"]
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or tokens.shape[0] != 1:
        raise ValueError(f"tokens must have shape [1, S], got {list(tokens.shape)}")
    embed = w["model.embed_tokens.weight"]
    ids = tokens[0].astype(np.int64)
    if ids.min() < 0 or ids.max() >= embed.shape[0]:
        raise ValueError(f"token ids must be in [0, {embed.shape[0]})")
    x = embed[ids]
    n_layer = sum(1 for k in w if k.endswith(".input_layernorm.weight"))
    for i in range(n_layer):
        p = f"model.layers.{i}"
        x = x + attention(rms_norm(x, w[f"{p}.input_layernorm.weight"], eps), w, f"{p}.self_attn", config, mm)
        x = x + mlp(rms_norm(x, w[f"{p}.post_attention_layernorm.weight"], eps), w, f"{p}.mlp", mm)
    x = rms_norm(x, w["model.norm.weight"], eps)
    return mm(x, w["lm_head.weight"])[None].astype(np.float32)


def main(argv=None):
    return reference_main(__doc__.split("\n\n")[0], "make_llama.py", load_onnx, load_npz, forward, argv)


if __name__ == "__main__":
    sys.exit(main())
