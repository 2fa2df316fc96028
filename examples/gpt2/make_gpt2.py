#!/usr/bin/python3
"""Generate a GPT-2-style decoder as an ONNX model with random weights.

The graph mirrors what `torch.onnx.export` produces for Hugging Face's GPT-2:
token and position embeddings (positions from a Range over a Shape-derived
length), per-layer LayerNorm, fused QKV projection, Split, head reshapes built
by Shape/Slice/Gather/Unsqueeze/Concat subgraphs, a causal mask, Softmax, a
GELU MLP, residual adds, a final LayerNorm and an LM head tied to the token
embedding. Weights are drawn from a seeded numpy generator with GPT-2's init
scale (std 0.02), so the logits have a sane magnitude and a run is
reproducible. Initializer names follow the Hugging Face checkpoint
(`transformer.h.0.attn.c_attn.weight`, ...), which is how reference.py finds
them; the hyperparameters the weights cannot tell (heads, GELU form, epsilon)
are stored in the model's metadata_props.

With --kv-cache N the model is the decode form of the same network (the
same weights for the same seed and shapes; pass the same --ctx to both, or
leave it at its default): it takes `tokens` [1, S] (S = --seq tokens per
step), `position` [1] (the index of tokens[0] in the sequence) and per layer
`past.L.key` / `past.L.value` [1, heads, N, head_dim], writes the step's keys
and values into the cache with ScatterElements at positions position + [0, S)
(giving `present.L.key` / `present.L.value`, also outputs), and attends
over all N slots with the absolute causal mask "slot j is visible to the
query at position p iff j <= p". `lmc compile --kv-cache` makes each
past/present pair one persistent State buffer (docs/kv-cache.md).

Usage:
  make_gpt2.py -o tiny.onnx --layers 2 --width 64 --heads 4 --vocab 256 --seq 16
  make_gpt2.py -o tiny_kv.onnx --layers 2 --width 64 --heads 4 --vocab 256 --seq 1 --kv-cache 16
  make_gpt2.py -o gpt2.onnx --layers 12 --width 768 --heads 12 --vocab 50257 \
      --seq 32 --ctx 1024 --external-data
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import onnx
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.graph import NodeNamer, add_kv_cache_io  # noqa: E402
from onnx import TensorProto, helper, numpy_helper

LN_EPS = 1e-5
MASK_VALUE = -1e9
# protobuf cannot serialize a message of 2 GiB or more; stay well below.
INLINE_LIMIT_BYTES = 1800 * 1024 * 1024


class GraphBuilder(NodeNamer):
    """Accumulates nodes, initializers and Constant nodes with unique names."""

    def __init__(self, weights):
        super().__init__()
        self.weights = weights  # name -> numpy array, from make_weights
        self.initializers = []
        self.used = {}

    def weight(self, name, array=None):
        """The initializer `name` (from the weights unless `array` is given); added once."""
        if name not in self.used:
            array = self.weights[name] if array is None else array
            self.initializers.append(numpy_helper.from_array(array, name=name))
            self.used[name] = array
        return name


def make_weights(args):
    """GPT-2-shaped random weights, keyed by Hugging Face parameter names."""
    rng = np.random.default_rng(args.seed)
    width, ffn = args.width, 4 * args.width

    def normal(shape, std=0.02):
        a = rng.standard_normal(shape, dtype=np.float32)
        a *= np.float32(std)
        return a

    def ln_params(prefix):
        # GPT-2 initializes gamma=1, beta=0; perturb them so a kernel that
        # ignores either one cannot match the reference by accident.
        return {
            f"{prefix}.weight": (1.0 + normal((width,))).astype(np.float32),
            f"{prefix}.bias": normal((width,)),
        }

    proj_std = 0.02 / math.sqrt(2 * args.layers)
    w = {
        "transformer.wte.weight": normal((args.vocab, width)),
        "transformer.wpe.weight": normal((args.ctx, width), std=0.01),
    }
    for i in range(args.layers):
        p = f"transformer.h.{i}"
        w.update(ln_params(f"{p}.ln_1"))
        w[f"{p}.attn.c_attn.weight"] = normal((width, 3 * width))
        w[f"{p}.attn.c_attn.bias"] = normal((3 * width,))
        w[f"{p}.attn.c_proj.weight"] = normal((width, width), std=proj_std)
        w[f"{p}.attn.c_proj.bias"] = normal((width,))
        w.update(ln_params(f"{p}.ln_2"))
        w[f"{p}.mlp.c_fc.weight"] = normal((width, ffn))
        w[f"{p}.mlp.c_fc.bias"] = normal((ffn,))
        w[f"{p}.mlp.c_proj.weight"] = normal((ffn, width), std=proj_std)
        w[f"{p}.mlp.c_proj.bias"] = normal((width,))
    w.update(ln_params("transformer.ln_f"))
    return w


def layer_norm(g, x, prefix, scope, args):
    gamma, beta = g.weight(f"{prefix}.weight"), g.weight(f"{prefix}.bias")
    if args.layernorm == "op":
        return g.op("LayerNormalization", [x, gamma, beta], scope, axis=-1, epsilon=LN_EPS)
    # The form torch emits below opset 17.
    mean = g.op("ReduceMean", [x], scope, axes=[-1], keepdims=1)
    centered = g.op("Sub", [x, mean], scope)
    sq = g.op("Pow", [centered, g.const(2.0, scope, np.float32)], scope)
    var = g.op("ReduceMean", [sq], scope, axes=[-1], keepdims=1)
    std = g.op("Sqrt", [g.op("Add", [var, g.const(LN_EPS, scope, np.float32)], scope)], scope)
    normed = g.op("Div", [centered, std], scope)
    return g.op("Add", [g.op("Mul", [normed, gamma], scope), beta], scope)


def linear(g, x, prefix, scope):
    w, b = g.weight(f"{prefix}.weight"), g.weight(f"{prefix}.bias")
    return g.op("Add", [g.op("MatMul", [x, w], scope), b], scope)


def gelu(g, x, scope, form):
    f32 = np.float32
    if form == "tanh":  # Hugging Face "gelu_new"
        cube = g.op("Pow", [x, g.const(3.0, scope, f32)], scope)
        inner = g.op("Add", [x, g.op("Mul", [g.const(0.044715, scope, f32), cube], scope)], scope)
        t = g.op("Tanh", [g.op("Mul", [g.const(math.sqrt(2.0 / math.pi), scope, f32), inner], scope)], scope)
    else:
        t = g.op("Erf", [g.op("Div", [x, g.const(math.sqrt(2.0), scope, f32)], scope)], scope)
    one_plus = g.op("Add", [g.const(1.0, scope, f32), t], scope)
    return g.op("Mul", [g.op("Mul", [g.const(0.5, scope, f32), x], scope), one_plus], scope)


def split_heads(g, t, scope, args):
    """[1,S,W] -> [1,H,S,hd] via Shape -> Slice -> Concat -> Reshape -> Transpose."""
    leading = g.op("Slice", [g.op("Shape", [t], scope), g.const([0], scope, np.int64),
                             g.const([-1], scope, np.int64)], scope)
    new_shape = g.op("Concat", [leading, g.const([args.heads, args.width // args.heads], scope, np.int64)],
                     scope, axis=0)
    return g.op("Transpose", [g.op("Reshape", [t, new_shape], scope)], scope, perm=[0, 2, 1, 3])


def merge_heads(g, t, scope, args):
    """[1,H,S,hd] -> [1,S,W] via Transpose and a Shape -> Gather -> Unsqueeze -> Concat shape."""
    tt = g.op("Transpose", [t], scope, perm=[0, 2, 1, 3])
    shape = g.op("Shape", [tt], scope)
    dims = []
    for i in (0, 1):
        d = g.op("Gather", [shape, g.const(i, scope, np.int64)], scope, axis=0)
        dims.append(g.op("Unsqueeze", [d, g.const([0], scope, np.int64)], scope))
    new_shape = g.op("Concat", dims + [g.const([args.width], scope, np.int64)], scope, axis=0)
    return g.op("Reshape", [tt, new_shape], scope)


def causal_mask_where(g, seq_len, scope, args):
    """HF's buffer slice: bias[:, :, k-q:k, :k] of a [1,1,ctx,ctx] bool tril; True = keep."""
    bias = g.weight("transformer.h.attn.bias",
                    np.tril(np.ones((args.ctx, args.ctx), dtype=np.bool_)).reshape(1, 1, args.ctx, args.ctx))
    k_len = g.op("Unsqueeze", [seq_len, g.const([0], scope, np.int64)], scope)
    q_len = k_len  # no KV cache: query and key lengths are both the sequence length
    start = g.op("Sub", [k_len, q_len], scope)
    rows = g.op("Slice", [bias, start, k_len, g.const([2], scope, np.int64), g.const([1], scope, np.int64)], scope)
    zero = g.const([0], scope, np.int64)
    return g.op("Slice", [rows, zero, k_len, g.const([3], scope, np.int64)], scope)


def causal_mask_trilu(g, seq_len, scope):
    """Trilu over ones of [S,S]; returns a bool mask where True = masked out."""
    s = g.op("Unsqueeze", [seq_len, g.const([0], scope, np.int64)], scope)
    square = g.op("Concat", [s, s], scope, axis=0)
    ones = g.op("ConstantOfShape", [square], scope,
                value=numpy_helper.from_array(np.ones([1], dtype=np.float32)))
    tril = g.op("Trilu", [ones], scope, upper=0)
    return g.op("Equal", [tril, g.const(0.0, scope, np.float32)], scope)


def cache_update(g, past, new, positions, scope):
    """The cache with the step's rows [1,H,S,hd] written at `positions` along axis 2."""
    rows = g.op("Reshape", [positions, g.const([1, 1, -1, 1], scope, np.int64)], scope)
    index = g.op("Expand", [rows, g.op("Shape", [new], scope)], scope)
    return g.op("ScatterElements", [past, index, new], scope, axis=2)


def attention(g, x, layer, mask, args, positions=None):
    scope = f"/h.{layer}/attn"
    prefix = f"transformer.h.{layer}.attn"
    qkv = linear(g, x, f"{prefix}.c_attn", scope)
    w = args.width
    q, k, v = g.op("Split", [qkv, g.const([w, w, w], scope, np.int64)], scope, num_outputs=3, axis=2)
    q, k, v = (split_heads(g, t, scope, args) for t in (q, k, v))
    if args.kv_cache:
        # Decode form: attend over the whole cache, updated with this step's rows.
        k = cache_update(g, f"past.{layer}.key", k, positions, scope)
        v = cache_update(g, f"past.{layer}.value", v, positions, scope)
        g.nodes.append(helper.make_node("Identity", [k], [f"present.{layer}.key"],
                                        name=f"{scope}/present_key"))
        g.nodes.append(helper.make_node("Identity", [v], [f"present.{layer}.value"],
                                        name=f"{scope}/present_value"))
    scores = g.op("MatMul", [q, g.op("Transpose", [k], scope, perm=[0, 1, 3, 2])], scope)
    hd = args.width // args.heads
    if args.attn_scale == "div":
        scores = g.op("Div", [scores, g.const(math.sqrt(hd), scope, np.float32)], scope)
    else:
        scores = g.op("Mul", [scores, g.const(1.0 / math.sqrt(hd), scope, np.float32)], scope)
    neg = g.const(MASK_VALUE, scope, np.float32)
    if args.mask == "where" and not args.kv_cache:  # True = keep
        scores = g.op("Where", [mask, scores, neg], scope)
    else:
        scores = g.op("Where", [mask, neg, scores], scope)
    probs = g.op("Softmax", [scores], scope, axis=-1)
    ctx = merge_heads(g, g.op("MatMul", [probs, v], scope), scope, args)
    return linear(g, ctx, f"{prefix}.c_proj", scope)


def block(g, x, layer, mask, args, positions=None):
    p = f"transformer.h.{layer}"
    attn = attention(g, layer_norm(g, x, f"{p}.ln_1", f"/h.{layer}/ln_1", args), layer, mask, args,
                     positions)
    x = g.op("Add", [attn, x], f"/h.{layer}")
    scope = f"/h.{layer}/mlp"
    h = linear(g, layer_norm(g, x, f"{p}.ln_2", f"/h.{layer}/ln_2", args), f"{p}.mlp.c_fc", scope)
    m = linear(g, gelu(g, h, scope, args.gelu), f"{p}.mlp.c_proj", scope)
    return g.op("Add", [x, m], f"/h.{layer}")


def embeddings(g, args):
    """Token + position embeddings; returns (hidden, seq_len scalar)."""
    shape = g.op("Shape", ["tokens"])
    seq_len = g.op("Gather", [shape, g.const(1, dtype=np.int64)], axis=0)
    view_shape = g.op("Concat", [g.const([-1], dtype=np.int64),
                                 g.op("Unsqueeze", [seq_len, g.const([0], dtype=np.int64)])], axis=0)
    ids = g.op("Reshape", ["tokens", view_shape])
    positions = g.op("Range", [g.const(0, dtype=np.int64), seq_len, g.const(1, dtype=np.int64)])
    positions = g.op("Reshape", [g.op("Unsqueeze", [positions, g.const([0], dtype=np.int64)]), view_shape])
    wte, wpe = g.weight("transformer.wte.weight"), g.weight("transformer.wpe.weight")
    tok = g.op("Gather", [wte, ids], "/wte", axis=0)
    pos = g.op("Gather", [wpe, positions], "/wpe", axis=0)
    return g.op("Add", [tok, pos]), seq_len


def kv_embeddings(g, args):
    """Decode form: token + position embeddings at positions position + [0, S).
    Returns (hidden, positions [S])."""
    seq_len = g.op("Gather", [g.op("Shape", ["tokens"]), g.const(1, dtype=np.int64)], axis=0)
    steps = g.op("Range", [g.const(0, dtype=np.int64), seq_len, g.const(1, dtype=np.int64)])
    positions = g.op("Add", ["position", steps], "/positions")
    wte, wpe = g.weight("transformer.wte.weight"), g.weight("transformer.wpe.weight")
    tok = g.op("Gather", [wte, "tokens"], "/wte", axis=0)
    pos = g.op("Gather", [wpe, g.op("Unsqueeze", [positions, g.const([0], dtype=np.int64)])], "/wpe",
               axis=0)
    return g.op("Add", [tok, pos]), positions


def kv_mask(g, positions, scope):
    """[S, N] bool, True = masked out: slot j is hidden from the query at
    position p when j > p (slots past the sequence hold zeros or stale rows)."""
    slots_len = g.op("Gather", [g.op("Shape", ["past.0.key"], scope), g.const(2, scope, np.int64)],
                     scope, axis=0)
    slots = g.op("Range", [g.const(0, scope, np.int64), slots_len, g.const(1, scope, np.int64)], scope)
    column = g.op("Unsqueeze", [positions, g.const([1], scope, np.int64)], scope)
    return g.op("Greater", [slots, column], scope)


def lm_head(g, x, args):
    """Logits from the tied token embedding, as MatMul with its transpose or as Gemm(transB=1)."""
    wte = g.op("Identity", ["transformer.wte.weight"], "/lm_head")
    if args.lm_head == "matmul":
        return g.op("MatMul", [x, g.op("Transpose", [wte], "/lm_head", perm=[1, 0])], "/lm_head")
    flat = g.op("Reshape", [x, g.const([-1, args.width], "/lm_head", np.int64)], "/lm_head")
    logits = g.op("Gemm", [flat, wte], "/lm_head", transB=1)
    out_shape = g.op("Concat", [g.const([1, -1], "/lm_head", np.int64),
                                g.const([args.vocab], "/lm_head", np.int64)], "/lm_head", axis=0)
    return g.op("Reshape", [logits, out_shape], "/lm_head")


def build_model(args, weights):
    g = GraphBuilder(weights)
    positions = None
    if args.kv_cache:
        hidden, positions = kv_embeddings(g, args)
        mask = kv_mask(g, positions, "/mask")
    else:
        hidden, seq_len = embeddings(g, args)
        if args.mask == "where":
            mask = causal_mask_where(g, seq_len, "/mask", args)
        else:
            mask = causal_mask_trilu(g, seq_len, "/mask")
    for i in range(args.layers):
        hidden = block(g, hidden, i, mask, args, positions)
    hidden = layer_norm(g, hidden, "transformer.ln_f", "/ln_f", args)
    logits = lm_head(g, hidden, args)
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="/logits/Identity"))

    seq_dim = "seq" if args.dynamic else args.seq
    inputs = [helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, seq_dim])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, seq_dim, args.vocab])]
    if args.kv_cache:
        # --dynamic leaves the cache length symbolic too (lmc compile --max-context binds it).
        cache = [1, args.heads, "max_context" if args.dynamic else args.kv_cache, args.width // args.heads]
        add_kv_cache_io(inputs, outputs, args.layers, cache)
    graph = helper.make_graph(g.nodes, "gpt2", inputs, outputs, initializer=g.initializers)
    model = helper.make_model(graph, producer_name="lmc make_gpt2.py",
                              opset_imports=[helper.make_opsetid("", args.opset)])
    helper.set_model_props(model, {
        "gpt2.n_layer": str(args.layers), "gpt2.n_head": str(args.heads),
        "gpt2.n_embd": str(args.width), "gpt2.vocab_size": str(args.vocab),
        "gpt2.n_ctx": str(args.ctx), "gpt2.gelu": args.gelu,
        "gpt2.layer_norm_epsilon": repr(LN_EPS), "gpt2.seed": str(args.seed),
        **({"gpt2.kv_cache": str(args.kv_cache)} if args.kv_cache else {}),
    })
    return model, g.used


def config_dict(args):
    return {"n_layer": args.layers, "n_head": args.heads, "n_embd": args.width,
            "vocab_size": args.vocab, "n_ctx": args.ctx, "gelu": args.gelu,
            "layer_norm_epsilon": LN_EPS, "seed": args.seed}


def save(model, args):
    total = sum(len(t.raw_data) for t in model.graph.initializer)
    external = args.external_data or total >= INLINE_LIMIT_BYTES
    if external:
        location = os.path.basename(args.output) + ".data"
        data_path = os.path.join(os.path.dirname(os.path.abspath(args.output)), location)
        if os.path.exists(data_path):
            os.remove(data_path)  # onnx appends to an existing data file
        onnx.save_model(model, args.output, save_as_external_data=True,
                        all_tensors_to_one_file=True, location=location, size_threshold=1024)
    else:
        onnx.save_model(model, args.output)
    # The path form handles external data and models above 2 GiB.
    onnx.checker.check_model(args.output, full_check=True)
    return total, external


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", required=True, help="output .onnx path")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--vocab", type=int, default=256)
    p.add_argument("--seq", type=int, default=16, help="sequence length of the tokens input")
    p.add_argument("--ctx", type=int, default=None,
                   help="position-embedding rows (max context); default max(seq, 64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--layernorm", choices=["op", "decomposed"], default="op")
    p.add_argument("--gelu", choices=["tanh", "erf"], default="tanh")
    p.add_argument("--mask", choices=["where", "trilu"], default="where",
                   help="causal mask: Slice of a bool tril buffer + Where, or Trilu + Equal + Where "
                        "(the --kv-cache form always uses Greater(slots, positions) + Where)")
    p.add_argument("--attn-scale", choices=["div", "mul"], default="div")
    p.add_argument("--lm-head", choices=["matmul", "gemm"], default="matmul")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--dynamic", action="store_true", help="make the seq dim of tokens/logits symbolic")
    p.add_argument("--external-data", action="store_true",
                   help="store weights in <output>.data next to the model")
    p.add_argument("--weights-only-npz", metavar="PATH", help="also save the weights (and config) as .npz")
    p.add_argument("--kv-cache", type=int, metavar="N", default=0,
                   help="decode form with a KV cache of N positions: inputs tokens [1, seq], "
                        "position [1], past.L.key/value; outputs logits and present.L.key/value")
    args = p.parse_args(argv)
    args.ctx = args.ctx or max(args.seq, args.kv_cache, 64)
    checks = [
        (args.width % args.heads == 0, "--width must be a multiple of --heads"),
        (min(args.layers, args.width, args.heads, args.vocab, args.seq) > 0, "sizes must be positive"),
        (args.seq <= args.ctx, "--seq must not exceed --ctx"),
        (13 <= args.opset <= 17, "--opset must be in 13..17"),
        (args.layernorm != "op" or args.opset >= 17, "--layernorm op needs --opset 17"),
        (args.mask != "trilu" or args.opset >= 14, "--mask trilu needs --opset >= 14"),
        (args.kv_cache >= 0, "--kv-cache must be positive"),
        (not args.kv_cache or args.seq <= args.kv_cache, "--seq (tokens per step) must not exceed --kv-cache"),
        (args.kv_cache <= args.ctx, "--kv-cache must not exceed --ctx (the position-embedding rows)"),
        (not args.kv_cache or args.opset >= 13, "--kv-cache needs --opset >= 13"),
    ]
    for ok, message in checks:
        if not ok:
            p.error(message)
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    model, used = build_model(args, make_weights(args))
    total, external = save(model, args)
    if args.weights_only_npz:
        np.savez(args.weights_only_npz, __config__=np.array(json.dumps(config_dict(args))), **used)
    print(f"wrote {args.output}: {len(model.graph.node)} nodes, {len(used)} weights, "
          f"{total / 2**20:.1f} MiB{' (external data)' if external else ''}, {time.time() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
