#!/usr/bin/python3
"""Numpy reference forward pass for the MatMul-free LMs of make_mmfree.py.

It is written from the model's math (make_mmfree.py's docstring), not by
interpreting the ONNX graph: it reads only the weights (ONNX initializers
found by their names, or the generator's --weights-only-npz file) and the
hyperparameters stored with them (epsilons, the output gate's form), computes
in float64 and runs the MLGRU recurrence one position at a time, whichever
form (--recurrence loop or scan) the graph spells it in.

Every BitLinear is RMSNorm then a matmul; with `--quant ternary` each of those
matmuls is examples/common/quant.py's model of lmc's matmul_q: ternary weights
with one absmean scale, activations quantized per row to int8, integer sums,
then the scales. That is the MatMul-free LM's BitLinear arithmetic, and what
`lmc compile --quant ternary` computes, so the two must agree to float
rounding.

Usage:
  reference.py model.onnx --tokens tokens.npy -o logits.npy [--quant ternary]
  reference.py weights.npz --tokens tokens.npy -o logits.npy
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.onnx_io import load_learned, load_npz as load_weights_npz  # noqa: E402
from common.quant import qmatmul  # noqa: E402
from common.reference_cli import reference_main  # noqa: E402

LEARNED = ("model.", "lm_head.")


def load_onnx(path):
    """(weights, config) from an ONNX model's initializers and metadata_props."""
    weights, props = load_learned(path, "mmfree", LEARNED)
    config = {"rms_norm_eps": float(props["mmfree.rms_norm_eps"]),
              "bitlinear_eps": float(props["mmfree.bitlinear_eps"]),
              "gate": props["mmfree.gate"]}
    return weights, config


def load_npz(path):
    return load_weights_npz(path, LEARNED)


def rms_norm(x, weight, eps):
    return weight * x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def silu(z):
    return z * sigmoid(z)


def mlgru(x, w, prefix, config, bitlinear):
    """The token mixer over x [S, E]: r_t = f_t * r_{t-1} + (1 - f_t) SiLU(i_t), r_0 = 0."""
    f = sigmoid(bitlinear(x, f"{prefix}.f_proj"))
    i = silu(bitlinear(x, f"{prefix}.i_proj")) * (1.0 - f)
    g = bitlinear(x, f"{prefix}.g_proj")
    r = np.zeros_like(i)
    state = np.zeros(i.shape[1])
    for t in range(i.shape[0]):
        state = f[t] * state + i[t]
        r[t] = state
    eps, norm = config["rms_norm_eps"], w[f"{prefix}.g_norm.weight"]
    o = rms_norm(r, norm, eps) * silu(g) if config["gate"] == "norm-h" else rms_norm(g, norm, eps) * silu(r)
    return bitlinear(o, f"{prefix}.o_proj")


def glu(x, prefix, bitlinear):
    """The channel mixer: down(SiLU(a) * b) with [a | b] = gate_proj(x)."""
    a, b = np.split(bitlinear(x, f"{prefix}.gate_proj"), 2, axis=-1)
    return bitlinear(silu(a) * b, f"{prefix}.down_proj")


def forward(weights, config, tokens, quant="none", group=32):
    """Logits [1, S, vocab] (float32) for int tokens [1, S]; `quant` models
    lmc's quantized matmuls (examples/common/quant.py) in every BitLinear."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    eps = config["rms_norm_eps"]

    def bitlinear(x, prefix):
        """RMSNorm with the BitLinear's own weight, then its matmul."""
        return qmatmul(rms_norm(x, w[f"{prefix}.norm.weight"], config["bitlinear_eps"]),
                       w[f"{prefix}.weight"], quant, group)

    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or tokens.shape[0] != 1:
        raise ValueError(f"tokens must have shape [1, S], got {list(tokens.shape)}")
    embed = w["model.embeddings.weight"]
    ids = tokens[0].astype(np.int64)
    if ids.min() < 0 or ids.max() >= embed.shape[0]:
        raise ValueError(f"token ids must be in [0, {embed.shape[0]})")
    x = embed[ids]
    n_layer = sum(1 for k in w if k.endswith(".attn_norm.weight"))
    for i in range(n_layer):
        p = f"model.layers.{i}"
        x = x + mlgru(rms_norm(x, w[f"{p}.attn_norm.weight"], eps), w, f"{p}.attn", config, bitlinear)
        x = x + glu(rms_norm(x, w[f"{p}.mlp_norm.weight"], eps), f"{p}.mlp", bitlinear)
    x = rms_norm(x, w["model.norm.weight"], eps)
    return bitlinear(x, "lm_head")[None].astype(np.float32)


def main(argv=None):
    return reference_main(__doc__.split("\n\n")[0], "make_mmfree.py", load_onnx, load_npz, forward, argv)


if __name__ == "__main__":
    sys.exit(main())
