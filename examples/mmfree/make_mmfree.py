#!/usr/bin/python3
"""Generate a MatMul-free language model (Zhu et al. 2024) as an ONNX model with random weights.

The network is the paper's HGRNBit model (arXiv 2406.02528; the released
code, ridgerchu/matmulfreellm, calls it HGRNBitForCausalLM): a
token-embedding Gather, then per layer

    h = RMSNorm(x)                                    attn_norm
    f = sigmoid(BitLinear_f(h))                       forget gate
    i = SiLU(BitLinear_i(h)) * (1 - f)                input, gated by 1 - f
    r_t = f_t * r_{t-1} + i_t,  r_0 = 0               the MLGRU recurrence, per channel
    o = RMSNorm(r) * SiLU(BitLinear_g(h))             output gate (--gate norm-h)
    x = x + BitLinear_o(o)
    m = RMSNorm(x)                                    mlp_norm
    [a | b] = BitLinear_gate(m)                       one BitLinear, 2 x ffn outputs, halved
    x = x + BitLinear_down(SiLU(a) * b)               GLU channel mixer

and at the end RMSNorm(x) and an LM head that is a BitLinear too. Every
BitLinear is an RMSNorm of its input (its own weight, epsilon 1e-8) then a
MatMul with a plain f32 [in, out] weight: the ternary weights (absmean scale)
and the per-token int8 activations are what `lmc compile --quant ternary`
makes of it (lmc's `matmul_q`), so the ONNX model is the full-precision
"latent" network and lmc quantizes every one of its matmuls. SiLU is
x * Sigmoid(x); RMSNorm is Pow/ReduceMean/Add/Sqrt/Reciprocal/Mul as
torch.onnx.export writes it.

The sequence is static ([1, seq] tokens), so the recurrence is written out
over time, in one of two equivalent forms (--recurrence):
  loop  Split f and i into seq positions and chain r_t = f_t * r_{t-1} + i_t
        (seq Mul/Add pairs per layer, then Concat): the recurrence as decode runs it;
  scan  a Hillis-Steele scan over the sequence in ceil(log2 seq) steps, each
        a shift by k = 1, 2, 4, ... made of Slice and Concat: r[t] += a[t] * r[t-k],
        a[t] *= a[t-k] for t >= k (a starts as f): O(seq log seq) work, few nodes.

What differs from the paper and its code:
  - no biases (the code has none either); no short convolution, one head
    (the recurrence is elementwise, heads only reshape it), expand ratio 1;
  - no learned lower bound on the forget gate (the code's use_lower_bound,
    HGRN's per-layer floor): f = sigmoid(.) as in the paper's equations;
  - the output gate: the paper writes o = sigmoid(g) * r; the code's
    HGRNBitAttention calls its fused RMSNorm-swish gate (which normalizes its
    first argument and multiplies by the SiLU of its second) as g_norm(g, r),
    i.e. RMSNorm(g) * SiLU(r). This generator writes RMSNorm(r) * SiLU(g) by
    default (--gate norm-h, HGRN's form) and the code's form with --gate norm-g;
  - random weights (seeded normal, std 0.02; o_proj and down_proj scaled
    by 1/sqrt(2 layers) as the code's init; RMSNorm weights near 1), not a
    trained checkpoint.

Initializers use the code's parameter names (`model.layers.0.attn.i_proj.weight`,
stored transposed as [in, out] for MatMul; `...i_proj.norm.weight` is the
BitLinear's RMSNorm), which is how reference.py finds them; the
hyperparameters the weights cannot tell are in the model's metadata_props
(`mmfree.*`). `--graph-only` writes the graph of any size without its weights
(every initializer is external data in an unwritten `<output>.weights-absent`),
for `lmc compile --no-weights` and `lmc simulate`.

Usage:
  make_mmfree.py -o tiny.onnx --preset tiny
  make_mmfree.py -o tiny.onnx --layers 2 --hidden 64 --vocab 256 --seq 16 --recurrence scan
  make_mmfree.py -o mmf370m.onnx --preset 370m --graph-only --seq 128
"""

import argparse
import os
import sys
import time

import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.graph import InitializerGraph  # noqa: E402
from common.onnx_io import ABSENT_SUFFIX, model_with_config, write_model  # noqa: E402
from onnx import TensorProto, helper

# ffn None: the code's default, 2/3 * 4 * hidden rounded up to a multiple of 256.
PRESETS = {
    "tiny": dict(layers=2, hidden=64, ffn=None, vocab=256, seq=16),
    # The paper's smallest model (MMfreeLM-370M): 24 layers of width 1024, Llama-2's 32000 tokens.
    "370m": dict(layers=24, hidden=1024, ffn=None, vocab=32000, seq=128),
}
BIG_PRESETS = ("370m",)
DEFAULTS = dict(PRESETS["tiny"], seed=0, rms_eps=1e-6)
# BitLinear's own RMSNorm (the code's RMSNorm(in_features, eps=1e-8)).
BITLINEAR_EPS = 1e-8


def default_ffn(hidden):
    """HGRNBitMLP's intermediate size for hidden_ratio 4."""
    ffn = int(hidden * 4 * 2 / 3)
    return 256 * ((ffn + 255) // 256)


# ---------------------------------------------------------------- weights

def weight_specs(args):
    """name -> (shape, numpy dtype) of every initializer, in graph order."""
    f32 = np.float32
    e, ffn = args.hidden, args.ffn
    specs = {"model.embeddings.weight": ((args.vocab, e), f32)}

    def bitlinear(prefix, n_in, n_out):
        specs[f"{prefix}.norm.weight"] = ((n_in,), f32)
        specs[f"{prefix}.weight"] = ((n_in, n_out), f32)

    for i in range(args.layers):
        p = f"model.layers.{i}"
        specs[f"{p}.attn_norm.weight"] = ((e,), f32)
        for proj in ("i_proj", "f_proj", "g_proj"):
            bitlinear(f"{p}.attn.{proj}", e, e)
        specs[f"{p}.attn.g_norm.weight"] = ((e,), f32)
        bitlinear(f"{p}.attn.o_proj", e, e)
        specs[f"{p}.mlp_norm.weight"] = ((e,), f32)
        bitlinear(f"{p}.mlp.gate_proj", e, 2 * ffn)
        bitlinear(f"{p}.mlp.down_proj", ffn, e)
    specs["model.norm.weight"] = ((e,), f32)
    bitlinear("lm_head", e, args.vocab)
    return specs


def make_weights(args, specs):
    """Seeded random weights for `specs`."""
    rng = np.random.default_rng(args.seed)
    residual_scale = np.float32(1 / np.sqrt(2 * args.layers))
    weights = {}
    for name, (shape, _) in specs.items():
        a = rng.standard_normal(shape, dtype=np.float32)
        if name.endswith("norm.weight"):
            # Near 1, perturbed so a kernel that ignores the weight cannot match by accident.
            a = (1 + a * np.float32(0.02)).astype(np.float32)
        else:
            a *= np.float32(0.02)
            if name.endswith(("o_proj.weight", "down_proj.weight")):
                a *= residual_scale
        weights[name] = a
    return weights


# ---------------------------------------------------------------- graph

def rms_norm(g, x, weight_name, eps, scope):
    """weight * x / sqrt(mean(x^2) + eps), as torch.rsqrt exports."""
    sq = g.op("Pow", [x, g.f32(2.0, scope)], scope)
    var = g.op("ReduceMean", [sq], scope, axes=[-1], keepdims=1)
    std = g.op("Sqrt", [g.op("Add", [var, g.f32(eps, scope)], scope)], scope)
    normed = g.op("Mul", [x, g.op("Reciprocal", [std], scope)], scope)
    return g.op("Mul", [g.weight(weight_name), normed], scope)


def silu(g, x, scope):
    return g.op("Mul", [x, g.op("Sigmoid", [x], scope)], scope)


def bitlinear(g, x, prefix, scope):
    """RMSNorm (epsilon 1e-8) then MatMul: lmc --quant ternary makes the MatMul a ternary matmul_q."""
    normed = rms_norm(g, x, f"{prefix}.norm.weight", BITLINEAR_EPS, scope + "/norm")
    return g.op("MatMul", [normed, g.weight(f"{prefix}.weight")], scope)


def recurrence_loop(g, f, i, scope, args):
    """r_t = f_t * r_{t-1} + i_t (r_0 = i_0), one position at a time."""
    if args.seq == 1:
        return i
    split = g.i64([1] * args.seq, scope)
    fs = g.op("Split", [f, split], scope, num_outputs=args.seq, axis=1)
    xs = g.op("Split", [i, split], scope, num_outputs=args.seq, axis=1)
    r = [xs[0]]
    for t in range(1, args.seq):
        r.append(g.op("Add", [g.op("Mul", [fs[t], r[-1]], scope), xs[t]], scope))
    return g.op("Concat", r, scope, axis=1)


def recurrence_scan(g, f, i, scope, args):
    """The same recurrence as an inclusive scan of the affine maps r -> a r + b:
    after the step of shift k, b[t] is the recurrence's sum over the 2k positions
    up to t and a[t] the product of f over them (clipped at position 0)."""
    if args.seq == 1:
        return i
    axis = g.i64([1], scope)

    def rows(t, lo, hi):
        return g.op("Slice", [t, g.i64([lo], scope), g.i64([hi], scope), axis], scope)

    a, b, s = f, i, args.seq
    k = 1
    while k < s:
        # positions [k, s) combine with [0, s - k); [0, k) are complete already.
        b_new = g.op("Add", [rows(b, k, s), g.op("Mul", [rows(a, k, s), rows(b, 0, s - k)], scope)], scope)
        b = g.op("Concat", [rows(b, 0, k), b_new], scope, axis=1)
        if 2 * k < s:  # the last step needs no products of f
            a_new = g.op("Mul", [rows(a, k, s), rows(a, 0, s - k)], scope)
            a = g.op("Concat", [rows(a, 0, k), a_new], scope, axis=1)
        k *= 2
    return b


def token_mixer(g, x, layer, args):
    """The MLGRU: gates from three BitLinears, the recurrence, the output gate and o_proj."""
    scope = f"/model/layers.{layer}/attn"
    p = f"model.layers.{layer}.attn"
    i = bitlinear(g, x, f"{p}.i_proj", scope + "/i_proj")
    f = g.op("Sigmoid", [bitlinear(g, x, f"{p}.f_proj", scope + "/f_proj")], scope)
    gate = bitlinear(g, x, f"{p}.g_proj", scope + "/g_proj")
    i = g.op("Mul", [silu(g, i, scope), g.op("Sub", [g.f32(1.0, scope), f], scope)], scope)
    recurrence = recurrence_loop if args.recurrence == "loop" else recurrence_scan
    r = recurrence(g, f, i, scope + "/recurrence", args)
    normed, gated = (r, gate) if args.gate == "norm-h" else (gate, r)
    o = g.op("Mul", [rms_norm(g, normed, f"{p}.g_norm.weight", args.rms_eps, scope + "/g_norm"),
                     silu(g, gated, scope + "/g_norm")], scope + "/g_norm")
    return bitlinear(g, o, f"{p}.o_proj", scope + "/o_proj")


def channel_mixer(g, x, layer, args):
    """GLU: down(SiLU(a) * b) where [a | b] is one BitLinear's output."""
    scope = f"/model/layers.{layer}/mlp"
    p = f"model.layers.{layer}.mlp"
    ab = bitlinear(g, x, f"{p}.gate_proj", scope + "/gate_proj")
    a, b = g.op("Split", [ab, g.i64([args.ffn, args.ffn], scope)], scope, num_outputs=2, axis=-1)
    return bitlinear(g, g.op("Mul", [silu(g, a, scope), b], scope), f"{p}.down_proj", scope + "/down_proj")


def block(g, x, layer, args):
    p = f"model.layers.{layer}"
    scope = f"/model/layers.{layer}"
    h = rms_norm(g, x, f"{p}.attn_norm.weight", args.rms_eps, scope + "/attn_norm")
    x = g.op("Add", [x, token_mixer(g, h, layer, args)], scope)
    h = rms_norm(g, x, f"{p}.mlp_norm.weight", args.rms_eps, scope + "/mlp_norm")
    return g.op("Add", [x, channel_mixer(g, h, layer, args)], scope)


def build_graph(args, tensors):
    g = InitializerGraph(tensors)
    hidden = g.op("Gather", [g.weight("model.embeddings.weight"), "tokens"], "/model/embeddings", axis=0)
    for i in range(args.layers):
        hidden = block(g, hidden, i, args)
    hidden = rms_norm(g, hidden, "model.norm.weight", args.rms_eps, "/model/norm")
    logits = bitlinear(g, hidden, "lm_head", "/lm_head")
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="/logits/Identity"))
    inputs = [helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, args.seq])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, args.seq, args.vocab])]
    return helper.make_graph(g.nodes, "mmfree", inputs, outputs, initializer=g.initializers)


def config_dict(args):
    return {"num_hidden_layers": args.layers, "hidden_size": args.hidden, "intermediate_size": args.ffn,
            "vocab_size": args.vocab, "rms_norm_eps": args.rms_eps, "bitlinear_eps": BITLINEAR_EPS,
            "gate": args.gate, "recurrence": args.recurrence, "seq": args.seq, "seed": args.seed}


def build_model(args, tensors):
    return model_with_config(build_graph(args, tensors), "mmfree", "lmc make_mmfree.py", args.opset,
                             config_dict(args), args.graph_only)


# ---------------------------------------------------------------- command line

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", required=True, help="output .onnx path")
    p.add_argument("--preset", choices=sorted(PRESETS),
                   help="model shape; explicit size flags override it (default: tiny sizes)")
    p.add_argument("--layers", type=int, help="layers (token mixer + channel mixer each)")
    p.add_argument("--hidden", type=int, help="hidden size (and the recurrence's width)")
    p.add_argument("--ffn", type=int, help="GLU intermediate size; default 2/3 * 4 * hidden "
                                           "rounded up to a multiple of 256, as the paper's code")
    p.add_argument("--vocab", type=int, help="vocabulary size")
    p.add_argument("--seq", type=int, help="sequence length of the tokens input (static)")
    p.add_argument("--seed", type=int, help="numpy seed of the weights")
    p.add_argument("--rms-eps", type=float, help="epsilon of the block and final RMSNorms "
                                                 f"(BitLinear's own RMSNorm uses {BITLINEAR_EPS})")
    p.add_argument("--recurrence", choices=["loop", "scan"], default="loop",
                   help="the MLGRU over time: one Mul/Add per position, or a log2(seq)-step scan")
    p.add_argument("--gate", choices=["norm-h", "norm-g"], default="norm-h",
                   help="output gate RMSNorm(h) * SiLU(g), or RMSNorm(g) * SiLU(h) as the paper's code")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset, 13..17")
    p.add_argument("--external-data", action="store_true",
                   help="store weights in <output>.data next to the model")
    p.add_argument("--graph-only", action="store_true",
                   help=f"no weights: every initializer is external data in an unwritten <output>{ABSENT_SUFFIX}")
    p.add_argument("--force", action="store_true", help="allow a big preset with real (random) weights")
    p.add_argument("--weights-only-npz", metavar="PATH", help="also save the weights (and config) as .npz")
    args = p.parse_args(argv)
    preset = PRESETS.get(args.preset, {})
    for key, default in DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, preset.get(key, default))
    if args.ffn is None:
        args.ffn = default_ffn(args.hidden) if args.hidden > 0 else 0
    checks = [
        (min(args.layers, args.hidden, args.ffn, args.vocab, args.seq) > 0, "sizes must be positive"),
        (13 <= args.opset <= 17, "--opset must be in 13..17"),
        (args.rms_eps > 0, "--rms-eps must be positive"),
        (args.preset not in BIG_PRESETS or args.graph_only or args.force,
         f"--preset {args.preset} has hundreds of millions of weights: use --graph-only (or --force)"),
        (not (args.graph_only and (args.external_data or args.weights_only_npz)),
         "--graph-only writes no weights: drop --external-data/--weights-only-npz"),
    ]
    for ok, message in checks:
        if not ok:
            p.error(message)
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    specs = weight_specs(args)
    model, total, how = write_model(args, specs, make_weights, build_model, config_dict(args))
    params = sum(int(np.prod(s)) for s, _ in specs.values())
    matmuls = sum(1 for n in model.graph.node if n.op_type == "MatMul")
    print(f"wrote {args.output}: {len(model.graph.node)} nodes, {matmuls} BitLinear MatMuls, "
          f"{len(specs)} initializers, {params / 1e6:.1f}M parameters, {total / 2**20:.1f} MiB of weights "
          f"({how}), {os.path.getsize(args.output) / 1024:.0f} KiB file, {time.time() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
