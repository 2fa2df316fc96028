#!/usr/bin/python3
"""Generate a Llama-style decoder as an ONNX model with random weights, or its graph alone.

The graph mirrors what `torch.onnx.export` produces for Hugging Face's
LlamaForCausalLM: a token-embedding Gather; per layer an RMSNorm
(Pow/ReduceMean/Add/Sqrt/Reciprocal/Mul, or Div instead of Reciprocal/Mul),
bias-free q/k/v projections, rotary position embeddings from precomputed
cos/sin tables ([ctx, head_dim] initializers, gathered at Range-made
positions or sliced to the sequence), rotate_half by Slice/Neg/Concat,
grouped-query attention (k/v heads repeated to the query heads with
Unsqueeze/Expand/Reshape, as HF's repeat_kv), scores scaled by 1/sqrt(head_dim),
a causal mask applied with Where on a constant bool [ctx, ctx] mask (or one
made by Trilu), Softmax, the output projection and a residual; then an RMSNorm,
a SwiGLU MLP down(SiLU(gate(x)) * up(x)) with SiLU = x * Sigmoid(x) and a
residual; at the end a final RMSNorm and an untied LM head.

Weights come from a seeded numpy generator (std 0.02, RMSNorm weights near 1;
the q/k projections use --qk-std, larger by default, so that random attention
is far from uniform and a wrong rotary table or mask changes the logits
clearly). Initializers use Hugging Face names (`model.layers.0.self_attn.q_proj.weight`,
stored transposed as [in, out] for MatMul), which is how reference.py finds
them; the hyperparameters the weights cannot tell (heads, kv heads, epsilon,
rope theta) are in the model's metadata_props.

With --kv-cache N the model is the decode form of the same network (same
weights for the same seed and shapes): inputs `tokens` [1, S] and
`position` [1] (the position of tokens[0]) and per layer `past.L.key` /
`past.L.value` [1, kv_heads, N, head_dim], the keys after the rotary
embedding and the values, before repeat_kv (as Hugging Face caches them);
outputs `logits` and `present.L.key` / `present.L.value`, the caches with
the step's rows written at position + [0, S) by ScatterElements. The rotary
tables are gathered at those positions, and attention reads all N slots
with the mask "slot j is visible to the query at position p iff j <= p"
(Greater(slots, positions) + Where). `lmc compile --kv-cache` makes each
past/present pair one persistent State buffer (docs/kv-cache.md).

--graph-only writes the graph of any size in seconds without allocating its
weights: every initializer is external data (right dims, dtype, offsets and
lengths) in a file `<output>.weights-absent` that is never written. A
7B- or 70B-shaped model is then a few hundred KB, for compile-time and
simulator studies (`lmc compile --no-weights`).

Usage:
  make_llama.py -o tiny.onnx --preset tiny
  make_llama.py -o tiny.onnx --layers 2 --hidden 64 --heads 4 --kv-heads 2 --ffn 176 --vocab 256 --seq 16
  make_llama.py -o llama2-7b.onnx --preset llama2-7b --graph-only --seq 128
  make_llama.py -o llama2-70b.onnx --preset llama2-70b --graph-only --dynamic
  make_llama.py -o llama2-7b-kv.onnx --preset llama2-7b --graph-only --seq 1 --kv-cache 4096
"""

import argparse
import math
import os
import sys
import time

import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.graph import InitializerGraph, add_kv_cache_io  # noqa: E402
from common.onnx_io import ABSENT_SUFFIX, model_with_config, write_model  # noqa: E402
from onnx import TensorProto, helper, numpy_helper

# torch exports x[..., n:] with this end index.
INT64_MAX = 2**63 - 1
# The masked-out score, as HF's torch.finfo(float32).min.
MASK_VALUE = float(np.finfo(np.float32).min)

PRESETS = {
    "tiny": dict(layers=2, hidden=64, heads=4, kv_heads=2, ffn=176, vocab=256, seq=16),
    "llama2-7b": dict(layers=32, hidden=4096, heads=32, kv_heads=32, ffn=11008, vocab=32000,
                      seq=128, ctx=4096),
    "llama2-70b": dict(layers=80, hidden=8192, heads=64, kv_heads=8, ffn=28672, vocab=32000,
                       seq=128, ctx=4096),
}
BIG_PRESETS = ("llama2-7b", "llama2-70b")
DEFAULTS = dict(PRESETS["tiny"], ctx=None, seed=0, rms_eps=1e-5, rope_theta=10000.0, qk_std=0.1)


# ---------------------------------------------------------------- weights

def weight_specs(args):
    """name -> (shape, numpy dtype) of every initializer, in graph order."""
    hd = args.hidden // args.heads
    f32 = np.float32
    specs = {"model.embed_tokens.weight": ((args.vocab, args.hidden), f32),
             "model.rotary_emb.cos_cached": ((args.ctx, hd), f32),
             "model.rotary_emb.sin_cached": ((args.ctx, hd), f32)}
    if args.mask == "where" and not args.kv_cache:
        specs["model.causal_mask"] = ((args.ctx, args.ctx), np.bool_)
    for i in range(args.layers):
        p = f"model.layers.{i}"
        specs[f"{p}.input_layernorm.weight"] = ((args.hidden,), f32)
        specs[f"{p}.self_attn.q_proj.weight"] = ((args.hidden, args.heads * hd), f32)
        specs[f"{p}.self_attn.k_proj.weight"] = ((args.hidden, args.kv_heads * hd), f32)
        specs[f"{p}.self_attn.v_proj.weight"] = ((args.hidden, args.kv_heads * hd), f32)
        specs[f"{p}.self_attn.o_proj.weight"] = ((args.heads * hd, args.hidden), f32)
        specs[f"{p}.post_attention_layernorm.weight"] = ((args.hidden,), f32)
        specs[f"{p}.mlp.gate_proj.weight"] = ((args.hidden, args.ffn), f32)
        specs[f"{p}.mlp.up_proj.weight"] = ((args.hidden, args.ffn), f32)
        specs[f"{p}.mlp.down_proj.weight"] = ((args.ffn, args.hidden), f32)
    specs["model.norm.weight"] = ((args.hidden,), f32)
    specs["lm_head.weight"] = ((args.hidden, args.vocab), f32)
    return specs


def rope_tables(ctx, head_dim, theta):
    """HF's cos/sin caches [ctx, head_dim]: angles t * theta^(-2i/d), the half repeated."""
    inv_freq = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    freqs = np.outer(np.arange(ctx, dtype=np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    return np.cos(emb).astype(np.float32), np.sin(emb).astype(np.float32)


def make_weights(args, specs):
    """Seeded random weights (and the computed rope tables and mask) for `specs`."""
    rng = np.random.default_rng(args.seed)

    def normal(shape, std):
        a = rng.standard_normal(shape, dtype=np.float32)
        a *= np.float32(std)
        return a

    cos, sin = rope_tables(args.ctx, args.hidden // args.heads, args.rope_theta)
    weights = {}
    for name, (shape, _) in specs.items():
        if name == "model.rotary_emb.cos_cached":
            weights[name] = cos
        elif name == "model.rotary_emb.sin_cached":
            weights[name] = sin
        elif name == "model.causal_mask":
            weights[name] = np.tril(np.ones(shape, dtype=np.bool_))
        elif name.endswith("norm.weight"):
            # Near 1, perturbed so a kernel that ignores the weight cannot match by accident.
            weights[name] = (1.0 + normal(shape, 0.02)).astype(np.float32)
        elif name.endswith(("q_proj.weight", "k_proj.weight")):
            weights[name] = normal(shape, args.qk_std)
        else:
            weights[name] = normal(shape, 0.02)
    return weights


# ---------------------------------------------------------------- graph

def rms_norm(g, x, weight_name, scope, args):
    """HF LlamaRMSNorm: weight * x / sqrt(mean(x^2) + eps)."""
    sq = g.op("Pow", [x, g.const(2.0, scope, np.float32)], scope)
    var = g.op("ReduceMean", [sq], scope, axes=[-1], keepdims=1)
    std = g.op("Sqrt", [g.op("Add", [var, g.const(args.rms_eps, scope, np.float32)], scope)], scope)
    if args.rms_form == "reciprocal":  # torch.rsqrt exports as Sqrt + Reciprocal
        normed = g.op("Mul", [x, g.op("Reciprocal", [std], scope)], scope)
    else:
        normed = g.op("Div", [x, std], scope)
    return g.op("Mul", [g.weight(weight_name), normed], scope)


def split_heads(g, t, n_heads, scope, args):
    """[1,S,n*hd] -> [1,n,S,hd]."""
    hd = args.hidden // args.heads
    shaped = g.op("Reshape", [t, g.i64([1, -1, n_heads, hd], scope)], scope)
    return g.op("Transpose", [shaped], scope, perm=[0, 2, 1, 3])


def rotate_half(g, x, scope, args):
    """cat(-x[..., hd/2:], x[..., :hd/2]) along the last axis."""
    half = args.hidden // args.heads // 2
    axes = g.i64([-1], scope)
    x1 = g.op("Slice", [x, g.i64([0], scope), g.i64([half], scope), axes], scope)
    x2 = g.op("Slice", [x, g.i64([half], scope), g.i64([INT64_MAX], scope), axes], scope)
    return g.op("Concat", [g.op("Neg", [x2], scope), x1], scope, axis=-1)


def apply_rope(g, x, cos, sin, scope, args):
    """x * cos + rotate_half(x) * sin."""
    rotated = g.op("Mul", [rotate_half(g, x, scope, args), sin], scope)
    return g.op("Add", [g.op("Mul", [x, cos], scope), rotated], scope)


def repeat_kv(g, t, scope, args):
    """HF repeat_kv: [1,kv,S,hd] -> [1,kv,1,S,hd] -> Expand [1,kv,rep,S,hd] -> [1,H,S,hd]."""
    n_rep = args.heads // args.kv_heads
    if n_rep == 1:
        return t
    hd = args.hidden // args.heads
    expanded = g.op("Unsqueeze", [t, g.i64([2], scope)], scope)
    tail = g.op("Slice", [g.op("Shape", [t], scope), g.i64([2], scope), g.i64([4], scope)], scope)
    shape = g.op("Concat", [g.i64([1, args.kv_heads, n_rep], scope), tail], scope, axis=0)
    expanded = g.op("Expand", [expanded, shape], scope)
    return g.op("Reshape", [expanded, g.i64([1, args.heads, -1, hd], scope)], scope)


def cache_update(g, past, new, positions, scope):
    """The cache with the step's rows [1,kv,S,hd] written at `positions` along axis 2."""
    rows = g.op("Reshape", [positions, g.i64([1, 1, -1, 1], scope)], scope)
    index = g.op("Expand", [rows, g.op("Shape", [new], scope)], scope)
    return g.op("ScatterElements", [past, index, new], scope, axis=2)


def attention(g, x, layer, rope, mask, args, positions=None):
    scope = f"/model/layers.{layer}/self_attn"
    p = f"model.layers.{layer}.self_attn"
    hd = args.hidden // args.heads
    q = g.op("MatMul", [x, g.weight(f"{p}.q_proj.weight")], scope)
    k = g.op("MatMul", [x, g.weight(f"{p}.k_proj.weight")], scope)
    v = g.op("MatMul", [x, g.weight(f"{p}.v_proj.weight")], scope)
    q = split_heads(g, q, args.heads, scope, args)
    k = split_heads(g, k, args.kv_heads, scope, args)
    v = split_heads(g, v, args.kv_heads, scope, args)
    cos, sin = rope
    q = apply_rope(g, q, cos, sin, scope, args)
    k = apply_rope(g, k, cos, sin, scope, args)
    if args.kv_cache:
        # Decode form: attend over the whole cache, updated with this step's rows.
        k = cache_update(g, f"past.{layer}.key", k, positions, scope)
        v = cache_update(g, f"past.{layer}.value", v, positions, scope)
        for part, t in (("key", k), ("value", v)):
            g.nodes.append(helper.make_node("Identity", [t], [f"present.{layer}.{part}"],
                                            name=f"{scope}/present_{part}"))
    k, v = repeat_kv(g, k, scope, args), repeat_kv(g, v, scope, args)
    scores = g.op("MatMul", [q, g.op("Transpose", [k], scope, perm=[0, 1, 3, 2])], scope)
    scores = g.op("Div", [scores, g.const(math.sqrt(hd), scope, np.float32)], scope)
    neg = g.const(MASK_VALUE, scope, np.float32)
    if args.kv_cache:  # True = masked out
        scores = g.op("Where", [mask, neg, scores], scope)
    else:  # True = attend
        scores = g.op("Where", [mask, scores, neg], scope)
    probs = g.op("Softmax", [scores], scope, axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v], scope)], scope, perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.i64([1, -1, args.hidden], scope)], scope)
    return g.op("MatMul", [ctx, g.weight(f"{p}.o_proj.weight")], scope)


def mlp(g, x, layer):
    """SwiGLU: down(SiLU(gate(x)) * up(x)), SiLU(z) = z * Sigmoid(z)."""
    scope = f"/model/layers.{layer}/mlp"
    p = f"model.layers.{layer}.mlp"
    gate = g.op("MatMul", [x, g.weight(f"{p}.gate_proj.weight")], scope)
    silu = g.op("Mul", [gate, g.op("Sigmoid", [gate], scope + "/act_fn")], scope + "/act_fn")
    up = g.op("MatMul", [x, g.weight(f"{p}.up_proj.weight")], scope)
    return g.op("MatMul", [g.op("Mul", [silu, up], scope), g.weight(f"{p}.down_proj.weight")], scope)


def decoder_layer(g, x, layer, rope, mask, args, positions=None):
    p = f"model.layers.{layer}"
    scope = f"/model/layers.{layer}"
    h = rms_norm(g, x, f"{p}.input_layernorm.weight", scope + "/input_layernorm", args)
    x = g.op("Add", [x, attention(g, h, layer, rope, mask, args, positions)], scope)
    h = rms_norm(g, x, f"{p}.post_attention_layernorm.weight", scope + "/post_attention_layernorm", args)
    return g.op("Add", [x, mlp(g, h, layer)], scope)


def sequence_length(g):
    """The scalar seq length of `tokens` (Shape -> Gather), and it as a 1-element tensor."""
    seq_len = g.op("Gather", [g.op("Shape", ["tokens"]), g.i64(1)], axis=0)
    return seq_len, g.op("Unsqueeze", [seq_len, g.i64([0])])


def rotary(g, seq, args):
    """(cos, sin) as [1,1,S,hd], from the tables by Gather at Range positions or by Slice."""
    seq_len, seq_1d = seq
    scope = "/model/rotary_emb"
    cos_t, sin_t = g.weight("model.rotary_emb.cos_cached"), g.weight("model.rotary_emb.sin_cached")
    if args.rope_index == "gather":
        positions = g.op("Range", [g.i64(0, scope), seq_len, g.i64(1, scope)], scope)
        positions = g.op("Unsqueeze", [positions, g.i64([0], scope)], scope)  # position_ids [1,S]
        return tuple(g.op("Unsqueeze", [g.op("Gather", [t, positions], scope, axis=0), g.i64([1], scope)], scope)
                     for t in (cos_t, sin_t))
    zero, axis0 = g.i64([0], scope), g.i64([0], scope)
    return tuple(g.op("Unsqueeze", [g.op("Slice", [t, zero, seq_1d, axis0], scope), g.i64([0, 1], scope)], scope)
                 for t in (cos_t, sin_t))


def kv_positions(g, seq):
    """Decode form: the step's positions position + [0, S) as [S]."""
    seq_len, _ = seq
    steps = g.op("Range", [g.i64(0), seq_len, g.i64(1)])
    return g.op("Add", ["position", steps], "/positions")


def kv_rotary(g, positions):
    """Decode form: (cos, sin) as [1,1,S,hd], gathered at the step's positions."""
    scope = "/model/rotary_emb"
    ids = g.op("Unsqueeze", [positions, g.i64([0], scope)], scope)  # position_ids [1,S]
    return tuple(g.op("Unsqueeze", [g.op("Gather", [g.weight(f"model.rotary_emb.{t}_cached"), ids], scope,
                                         axis=0), g.i64([1], scope)], scope)
                 for t in ("cos", "sin"))


def kv_mask(g, positions):
    """Decode form: bool [S, N], True = masked out: slot j is hidden from the
    query at position p when j > p (slots past the sequence hold zeros or
    stale rows)."""
    scope = "/model/causal_mask"
    slots_len = g.op("Gather", [g.op("Shape", ["past.0.key"], scope), g.i64(2, scope)], scope, axis=0)
    slots = g.op("Range", [g.i64(0, scope), slots_len, g.i64(1, scope)], scope)
    return g.op("Greater", [slots, g.op("Unsqueeze", [positions, g.i64([1], scope)], scope)], scope)


def causal_mask(g, seq, args):
    """Bool [S,S], True = attend: a Slice of the constant tril mask, or Trilu over ones."""
    _, seq_1d = seq
    scope = "/model/causal_mask"
    if args.mask == "where":
        zeros = g.i64([0, 0], scope)
        ends = g.op("Concat", [seq_1d, seq_1d], scope, axis=0)
        return g.op("Slice", [g.weight("model.causal_mask"), zeros, ends, g.i64([0, 1], scope)], scope)
    square = g.op("Concat", [seq_1d, seq_1d], scope, axis=0)
    ones = g.op("ConstantOfShape", [square], scope, value=numpy_helper.from_array(np.ones([1], np.float32)))
    tril = g.op("Trilu", [ones], scope, upper=0)
    return g.op("Greater", [tril, g.const(0.5, scope, np.float32)], scope)


def build_graph(args, tensors):
    g = InitializerGraph(tensors)
    seq = sequence_length(g)
    hidden = g.op("Gather", [g.weight("model.embed_tokens.weight"), "tokens"], "/model/embed_tokens", axis=0)
    positions = None
    if args.kv_cache:
        positions = kv_positions(g, seq)
        rope, mask = kv_rotary(g, positions), kv_mask(g, positions)
    else:
        rope, mask = rotary(g, seq, args), causal_mask(g, seq, args)
    for i in range(args.layers):
        hidden = decoder_layer(g, hidden, i, rope, mask, args, positions)
    hidden = rms_norm(g, hidden, "model.norm.weight", "/model/norm", args)
    logits = g.op("MatMul", [hidden, g.weight("lm_head.weight")], "/lm_head")
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="/logits/Identity"))

    seq_dim = "seq" if args.dynamic else args.seq
    inputs = [helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, seq_dim])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, seq_dim, args.vocab])]
    if args.kv_cache:
        # --dynamic leaves the cache length symbolic too (lmc compile --max-context binds it).
        cache = [1, args.kv_heads, "max_context" if args.dynamic else args.kv_cache, args.hidden // args.heads]
        add_kv_cache_io(inputs, outputs, args.layers, cache)
    return helper.make_graph(g.nodes, "llama", inputs, outputs, initializer=g.initializers)


def config_dict(args):
    return {"num_hidden_layers": args.layers, "hidden_size": args.hidden,
            "num_attention_heads": args.heads, "num_key_value_heads": args.kv_heads,
            "intermediate_size": args.ffn, "vocab_size": args.vocab,
            "max_position_embeddings": args.ctx, "rms_norm_eps": args.rms_eps,
            "rope_theta": args.rope_theta, "seed": args.seed,
            **({"kv_cache": args.kv_cache} if args.kv_cache else {})}


def build_model(args, tensors):
    return model_with_config(build_graph(args, tensors), "llama", "lmc make_llama.py", args.opset,
                             config_dict(args), args.graph_only)


# ---------------------------------------------------------------- command line

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", required=True, help="output .onnx path")
    p.add_argument("--preset", choices=sorted(PRESETS),
                   help="model shape; explicit size flags override it (default: tiny sizes)")
    p.add_argument("--layers", type=int, help="decoder layers")
    p.add_argument("--hidden", type=int, help="hidden size")
    p.add_argument("--heads", type=int, help="query heads")
    p.add_argument("--kv-heads", type=int, help="key/value heads (grouped-query attention when < heads)")
    p.add_argument("--ffn", type=int, help="MLP intermediate size")
    p.add_argument("--vocab", type=int, help="vocabulary size")
    p.add_argument("--seq", type=int, help="sequence length of the tokens input")
    p.add_argument("--ctx", type=int, help="rows of the rope tables and causal mask (max context); "
                                           "default max(seq, 64)")
    p.add_argument("--seed", type=int, help="numpy seed of the weights")
    p.add_argument("--rms-eps", type=float, help="RMSNorm epsilon")
    p.add_argument("--rope-theta", type=float, help="rotary base frequency")
    p.add_argument("--qk-std", type=float, help="std of the q/k projection weights (others use 0.02)")
    p.add_argument("--rms-form", choices=["reciprocal", "div"], default="reciprocal",
                   help="x * Reciprocal(Sqrt(..)) as torch.rsqrt exports, or x / Sqrt(..)")
    p.add_argument("--rope-index", choices=["gather", "slice"], default="gather",
                   help="rope tables indexed by Gather at Range positions, or Slice to [0, seq)")
    p.add_argument("--mask", choices=["where", "trilu"], default="where",
                   help="causal mask: Slice of a constant bool tril initializer, or ConstantOfShape + Trilu")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset, 13..17")
    p.add_argument("--dynamic", action="store_true", help="make the seq dim of tokens/logits symbolic")
    p.add_argument("--external-data", action="store_true",
                   help="store weights in <output>.data next to the model")
    p.add_argument("--graph-only", action="store_true",
                   help=f"no weights: every initializer is external data in an unwritten <output>{ABSENT_SUFFIX}")
    p.add_argument("--force", action="store_true", help="allow a big preset with real (random) weights")
    p.add_argument("--kv-cache", type=int, metavar="N", default=0,
                   help="the decode form with an N-position KV cache (past/present inputs and outputs, "
                        "a position input); --seq is then the tokens per step")
    p.add_argument("--weights-only-npz", metavar="PATH", help="also save the weights (and config) as .npz")
    args = p.parse_args(argv)
    preset = PRESETS.get(args.preset, {})
    for key, default in DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, preset.get(key, default))
    args.ctx = args.ctx or max(args.seq, args.kv_cache, 64)
    validate(p, args)
    return args


def validate(p, args):
    sizes = (args.layers, args.hidden, args.heads, args.kv_heads, args.ffn, args.vocab, args.seq, args.ctx)
    checks = [
        (min(sizes) > 0, "sizes must be positive"),
        (args.hidden % args.heads == 0, "--hidden must be a multiple of --heads"),
        ((args.hidden // args.heads) % 2 == 0, "head_dim (hidden / heads) must be even for rotary embeddings"),
        (args.heads % args.kv_heads == 0, "--heads must be a multiple of --kv-heads"),
        (args.seq <= args.ctx, "--seq must not exceed --ctx"),
        (args.kv_cache >= 0, "--kv-cache must be positive"),
        (not args.kv_cache or args.seq <= args.kv_cache, "--seq (tokens per step) must not exceed --kv-cache"),
        (args.kv_cache <= args.ctx, "--kv-cache must not exceed --ctx (the rope tables' rows)"),
        (13 <= args.opset <= 17, "--opset must be in 13..17"),
        (args.mask != "trilu" or args.opset >= 14, "--mask trilu needs --opset >= 14"),
        (args.rms_eps > 0 and args.rope_theta > 0, "--rms-eps and --rope-theta must be positive"),
        (args.preset not in BIG_PRESETS or args.graph_only or args.force,
         f"--preset {args.preset} has billions of weights: use --graph-only (or --force)"),
        (not (args.graph_only and (args.external_data or args.weights_only_npz)),
         "--graph-only writes no weights: drop --external-data/--weights-only-npz"),
    ]
    for ok, message in checks:
        if not ok:
            p.error(message)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    specs = weight_specs(args)
    model, total, how = write_model(args, specs, make_weights, build_model, config_dict(args))
    params = sum(int(np.prod(s)) for n, (s, _) in specs.items() if "rotary" not in n and "mask" not in n)
    print(f"wrote {args.output}: {len(model.graph.node)} nodes, {len(specs)} initializers, "
          f"{params / 1e6:.1f}M parameters, {total / 2**20:.1f} MiB of weights ({how}), "
          f"{os.path.getsize(args.output) / 1024:.0f} KiB file, {time.time() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
