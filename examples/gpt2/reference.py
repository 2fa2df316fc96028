#!/usr/bin/python3
"""Numpy reference forward pass for the GPT-2 models of make_gpt2.py.

It is written from the GPT-2 math, not by interpreting the ONNX graph: it
reads only the weights (ONNX initializers found by their Hugging Face names,
or the generator's --weights-only-npz file) and the hyperparameters stored
with them, and computes in float64. A bug in the graph generator or in lmc
therefore shows up as a mismatch instead of being reproduced here.

A `make_gpt2.py --kv-cache` model has the same weights; its reference is the
whole sequence's logits (row i is what the decode step at position i must
give), computed here without a cache.

Usage:
  reference.py model.onnx --tokens tokens.npy -o logits.npy
  reference.py weights.npz --tokens tokens.npy -o logits.npy
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.quant import qmatmul  # noqa: E402
from common.reference_cli import reference_main  # noqa: E402


def load_onnx(path):
    """(weights, config) from an ONNX model's initializers and metadata_props."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)  # resolves external data next to the model
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer
               if t.name.startswith("transformer.")}
    props = {p.key: p.value for p in model.metadata_props}
    config = {
        "n_head": int(props["gpt2.n_head"]),
        "gelu": props["gpt2.gelu"],
        "layer_norm_epsilon": float(props["gpt2.layer_norm_epsilon"]),
    }
    return weights, config


def load_npz(path):
    with np.load(path) as data:
        config = json.loads(str(data["__config__"]))
        weights = {k: data[k] for k in data.files if k != "__config__"}
    return weights, config


def layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def gelu(x, form):
    if form == "tanh":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))
    # erf form: x * Phi(x); numpy has no erf, so use math.erf elementwise.
    from math import erf
    return 0.5 * x * (1.0 + np.vectorize(erf, otypes=[np.float64])(x / np.sqrt(2.0)))


def attention(x, w, prefix, n_head, mm):
    """Causal multi-head self-attention over x [S, E]."""
    seq, width = x.shape
    hd = width // n_head
    qkv = mm(x, w[f"{prefix}.c_attn.weight"]) + w[f"{prefix}.c_attn.bias"]
    q, k, v = (qkv[:, i * width:(i + 1) * width].reshape(seq, n_head, hd).transpose(1, 0, 2)
               for i in range(3))
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(hd)           # [H, S, S]
    future = np.triu(np.ones((seq, seq), dtype=bool), k=1)   # key j > query i
    scores = np.where(future, -np.inf, scores)
    scores -= scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=-1, keepdims=True)
    out = (probs @ v).transpose(1, 0, 2).reshape(seq, width)
    return mm(out, w[f"{prefix}.c_proj.weight"]) + w[f"{prefix}.c_proj.bias"]


def forward(weights, config, tokens, quant="none", group=32):
    """Logits [1, S, vocab] (float32) for int tokens [1, S]; `quant` models
    lmc's quantized matmuls (examples/common/quant.py) for every weight."""
    def mm(x, weight):
        return qmatmul(x, weight, quant, group)

    w = {k: v.astype(np.float64) for k, v in weights.items()}
    eps, n_head = config["layer_norm_epsilon"], config["n_head"]
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or tokens.shape[0] != 1:
        raise ValueError(f"tokens must have shape [1, S], got {list(tokens.shape)}")
    wte, wpe = w["transformer.wte.weight"], w["transformer.wpe.weight"]
    ids = tokens[0].astype(np.int64)
    if ids.min() < 0 or ids.max() >= wte.shape[0]:
        raise ValueError(f"token ids must be in [0, {wte.shape[0]})")
    if len(ids) > wpe.shape[0]:
        raise ValueError(f"sequence of {len(ids)} exceeds the {wpe.shape[0]} positions")
    x = wte[ids] + wpe[np.arange(len(ids))]
    n_layer = sum(1 for k in w if k.endswith(".ln_1.weight"))
    for i in range(n_layer):
        p = f"transformer.h.{i}"
        h = layer_norm(x, w[f"{p}.ln_1.weight"], w[f"{p}.ln_1.bias"], eps)
        x = x + attention(h, w, f"{p}.attn", n_head, mm)
        h = layer_norm(x, w[f"{p}.ln_2.weight"], w[f"{p}.ln_2.bias"], eps)
        h = gelu(mm(h, w[f"{p}.mlp.c_fc.weight"]) + w[f"{p}.mlp.c_fc.bias"], config["gelu"])
        x = x + mm(h, w[f"{p}.mlp.c_proj.weight"]) + w[f"{p}.mlp.c_proj.bias"]
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return mm(x, wte.T)[None].astype(np.float32)


def main(argv=None):
    return reference_main(__doc__.split("\n\n")[0], "make_gpt2.py", load_onnx, load_npz, forward, argv)


if __name__ == "__main__":
    sys.exit(main())
