"""ONNX forms that other exporters write, checked through `lmc compile` and `lmc run`.

Two groups of run_e2e.py:
- "import": one small model per form, with numpy references written from the
  ONNX specification: RNN/GRU/LSTM in every direction, layout, activation,
  clip, linear_before_reset, peephole, input_forget and sequence_lens form;
  Einsum with batch dimensions, ellipses, diagonals, traces and three
  operands; If, Loop and Scan under static control; the opset 9-12 forms of
  Slice, Split, Squeeze/Unsqueeze, Pad, ReduceSum, Softmax (coerced to 2-D),
  Dropout and Clip that the version converter rewrites (Pad's only when lmc
  lists Pad); GridSample in every mode, padding mode and align_corners
  (a numpy reference point by point) and ReverseSequence; and the clear
  errors of dynamic control flow and of bad recurrent and Einsum attributes.
- "exporters": whole models as older exporters write them: an opset-11
  GPT-2-style block with its weights in Constant nodes and a decomposed
  LayerNorm and GELU (lmc inspect must show the fused layer_norm and gelu),
  Ifs with conditions that fold, an LSTM and a GRU layer, a Loop-written
  RNN with a trip count from Shape, an Einsum attention and a model with
  external data; each on cpu and lpu, compared with numpy within
  1e-4 * max(1, max|ref|).
"""

import math
import os
import re

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

node = helper.make_node


class CaseFailed(Exception):
    pass


# ---------------------------------------------------------------- running
# `tools` (from run_e2e.py) has .lmc, .run(cmd, what) and .run_ok(cmd, what);
# a failed command raises run_e2e's own failure.


def tensor_type(array):
    return onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.asarray(array).dtype]


def make_model(nodes, inputs, outputs, inits=None, opset=17, name="case", check=True):
    """A model (checked unless it is meant to be bad): `inputs` and `outputs` map names to
    example arrays (for types and shapes), `inits` to initializer arrays."""
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(k, tensor_type(v), np.shape(v)) for k, v in inputs.items()],
        [helper.make_tensor_value_info(k, tensor_type(v), np.shape(v)) for k, v in outputs.items()],
        initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    if check:
        onnx.checker.check_model(model, full_check=True)
    return model


def compare(name, got, want):
    want = np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        raise CaseFailed(f"{name}: lmc gives {got.dtype}{list(got.shape)}, expected {want.dtype}{list(want.shape)}")
    if not np.issubdtype(want.dtype, np.floating):
        if not np.array_equal(got, want):
            raise CaseFailed(f"{name}: {got.ravel()[:8]} != {want.ravel()[:8]}")
        return 0.0
    err = float(np.abs(got.astype(np.float64) - want).max()) if want.size else 0.0
    tol = 1e-4 * max(1.0, float(np.abs(want).max()) if want.size else 1.0)
    if not err <= tol:
        raise CaseFailed(f"{name}: max error {err:.3g} > {tol:.3g}")
    return err


def compile_and_run(tools, d, model, feeds, expected, flags=(), save=None):
    """Saves `model` (or lets `save(path)` do it), compiles it with `flags`, runs it on
    `feeds` and compares every output with `expected`; returns the .bin path and max error."""
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    if save:
        save(path)
    else:
        onnx.save(model, path)
    tag = "_".join(f.strip("-") for f in flags) or "cpu"
    binary = os.path.join(d, f"{tag}.bin")
    tools.run_ok([tools.lmc, "compile", path, "-o", binary, *flags], "lmc compile")
    out = os.path.join(d, f"out_{tag}")
    cmd = [tools.lmc, "run", binary, "--output-dir", out]
    for k, v in feeds.items():
        p = os.path.join(d, f"in_{k}.npy")
        np.save(p, np.asarray(v))
        cmd += ["--input", f"{k}={p}"]
    tools.run_ok(cmd, "lmc run")
    worst = 0.0
    for k, want in expected.items():
        worst = max(worst, compare(k, np.load(os.path.join(out, f"{k}.npy")), want))
    return binary, worst


def run_cases(tools, workdir, cases, flags=()):
    """cases: (name, model, feeds, expected); all compiled and compared."""
    worst = 0.0
    for name, model, feeds, expected in cases:
        try:
            _, err = compile_and_run(tools, os.path.join(workdir, name), model, feeds, expected, flags)
        except CaseFailed as e:
            raise CaseFailed(f"{name}: {e}")
        worst = max(worst, err)
    return f"{len(cases)} models, max error {worst:.3g}"


def expect_errors(tools, workdir, cases):
    """cases: (name, model, words): compile must fail with one error line holding every word."""
    for name, model, words in cases:
        d = os.path.join(workdir, name)
        os.makedirs(d, exist_ok=True)
        path, out = os.path.join(d, "model.onnx"), os.path.join(d, "model.bin")
        onnx.save(model, path)
        proc = tools.run([tools.lmc, "compile", path, "-o", out], "lmc compile")
        text = proc.stderr.strip()
        if proc.returncode == 0 or os.path.exists(out):
            raise CaseFailed(f"{name}: compile succeeded; expected an error with {words}")
        missing = [w for w in words if w.lower() not in text.lower()]
        if missing or "Assertion" in text:
            raise CaseFailed(f"{name}: the error lacks {missing}: {text}")
    return f"{len(cases)} clear errors"


# ---------------------------------------------------------------- recurrent layers

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


ACTIVATIONS = {
    "relu": lambda x, a, b: np.maximum(x, 0),
    "tanh": lambda x, a, b: np.tanh(x),
    "sigmoid": lambda x, a, b: _sigmoid(x),
    "affine": lambda x, a, b: a * x + b,
    "leakyrelu": lambda x, a, b: np.where(x >= 0, x, a * x),
    "thresholdedrelu": lambda x, a, b: np.where(x >= a, x, 0),
    "scaledtanh": lambda x, a, b: a * np.tanh(b * x),
    "hardsigmoid": lambda x, a, b: np.clip(a * x + b, 0, 1),
    "elu": lambda x, a, b: np.where(x >= 0, x, a * (np.exp(x) - 1)),
    "softsign": lambda x, a, b: x / (1 + np.abs(x)),
    "softplus": lambda x, a, b: np.log1p(np.exp(x)),
}
# name -> (alpha, beta) defaults; None: takes no such parameter.
ACTIVATION_PARAMS = {"affine": (1.0, 0.0), "leakyrelu": (0.01, None), "thresholdedrelu": (1.0, None),
                     "scaledtanh": (1.0, 1.0), "hardsigmoid": (0.2, 0.5), "elu": (1.0, None)}
DEFAULT_ACTIVATIONS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}


def activation_functions(names, alphas, betas):
    """Each name with its alpha and beta, taken in order by the functions that use them."""
    alphas, betas = list(alphas or []), list(betas or [])
    out = []
    for name in names:
        a, b = ACTIVATION_PARAMS.get(name.lower(), (None, None))
        if a is not None and alphas:
            a = alphas.pop(0)
        if b is not None and betas:
            b = betas.pop(0)
        out.append((ACTIVATIONS[name.lower()], a, b))
    return out


def recurrent_reference(kind, x, w, r, b=None, lens=None, h0=None, c0=None, p=None, direction="forward",
                        layout=0, activations=None, alphas=None, betas=None, clip=None, linear_before_reset=0,
                        input_forget=0):
    """Y, Y_h (and Y_c for LSTM) in float64, step by step as the ONNX specification writes them."""
    x = x.astype(np.float64)
    if layout:
        x = x.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    steps, batch, _ = x.shape
    dirs = 2 if direction == "bidirectional" else 1
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[kind]
    hidden = r.shape[2]
    per = len(DEFAULT_ACTIVATIONS[kind])
    names = activations or DEFAULT_ACTIVATIONS[kind] * dirs
    fs = activation_functions(names, alphas, betas)
    lens = np.full(batch, steps) if lens is None else lens
    y = np.zeros((steps, dirs, batch, hidden))
    yh = np.zeros((dirs, batch, hidden))
    yc = np.zeros((dirs, batch, hidden))
    for d in range(dirs):
        def act(k, v, clipped=True):
            f, a, bb = fs[d * per + k]
            if clip is not None and clipped:
                v = np.clip(v, -clip, clip)
            return f(v, a, bb)
        wd, rd = w[d].astype(np.float64), r[d].astype(np.float64)
        bias = np.zeros(2 * gates * hidden) if b is None else b[d].astype(np.float64)
        wb, rb = np.split(bias, 2)
        h = np.zeros((batch, hidden)) if h0 is None else h0[d].astype(np.float64)
        c = np.zeros((batch, hidden)) if c0 is None else c0[d].astype(np.float64)
        order = range(steps - 1, -1, -1) if direction == "reverse" or d == 1 else range(steps)
        for t in order:
            xt = x[t]
            cn = c
            if kind == "RNN":
                hn = act(0, xt @ wd.T + h @ rd.T + wb + rb)
            elif kind == "GRU":
                wz, wr, wh = np.split(wd, 3)
                rz, rr, rh = np.split(rd, 3)
                wbz, wbr, wbh = np.split(wb, 3)
                rbz, rbr, rbh = np.split(rb, 3)
                z = act(0, xt @ wz.T + h @ rz.T + wbz + rbz)
                rg = act(0, xt @ wr.T + h @ rr.T + wbr + rbr)
                if linear_before_reset:
                    hh = act(1, xt @ wh.T + rg * (h @ rh.T + rbh) + wbh)
                else:
                    hh = act(1, xt @ wh.T + (rg * h) @ rh.T + rbh + wbh)
                hn = (1 - z) * hh + z * h
            else:
                wi, wo, wf, wc = np.split(wd, 4)
                ri, ro, rf, rc = np.split(rd, 4)
                bi, bo, bf, bc = np.split(wb + rb, 4)
                pi, po, pf = np.split(np.zeros(3 * hidden) if p is None else p[d].astype(np.float64), 3)
                i = act(0, xt @ wi.T + h @ ri.T + pi * c + bi)
                f = 1 - i if input_forget else act(0, xt @ wf.T + h @ rf.T + pf * c + bf)
                g = act(1, xt @ wc.T + h @ rc.T + bc)
                cn = f * c + i * g
                o = act(0, xt @ wo.T + h @ ro.T + po * cn + bo)
                hn = o * act(2, cn, clipped=False)
            live = (t < lens)[:, None]
            h = np.where(live, hn, h)
            c = np.where(live, cn, c)
            y[t, d] = np.where(live, hn, 0)
        yh[d], yc[d] = h, c
    if layout:
        y, yh, yc = y.transpose(2, 0, 1, 3), yh.transpose(1, 0, 2), yc.transpose(1, 0, 2)
    f32 = np.float32
    return (y.astype(f32), yh.astype(f32)) + ((yc.astype(f32),) if kind == "LSTM" else ())


def recurrent_case(name, kind, seq, batch, inp, hidden, rng, direction="forward", layout=0, bias=True,
                   initial=False, peepholes=False, lens=None, lens_as_input=False, **attrs):
    """A model of one recurrent node with all its outputs, and the reference."""
    dirs = 2 if direction == "bidirectional" else 1
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[kind]
    f32 = np.float32
    x = rng.standard_normal((batch, seq, inp) if layout else (seq, batch, inp)).astype(f32)
    w = (rng.standard_normal((dirs, gates * hidden, inp)) * 0.5).astype(f32)
    r = (rng.standard_normal((dirs, gates * hidden, hidden)) * 0.5).astype(f32)
    state = (batch, dirs, hidden) if layout else (dirs, batch, hidden)
    args = {"b": (rng.standard_normal((dirs, 2 * gates * hidden)) * 0.3).astype(f32) if bias else None,
            "lens": None if lens is None else np.asarray(lens, np.int32),
            "h0": rng.standard_normal(state).astype(f32) if initial else None,
            "c0": rng.standard_normal(state).astype(f32) if initial and kind == "LSTM" else None,
            "p": (rng.standard_normal((dirs, 3 * hidden)) * 0.5).astype(f32) if peepholes else None}
    feeds = {"X": x}
    inits = {"W": w, "R": r}
    names = ["X", "W", "R"]
    for slot, key in (("B", "b"), ("sequence_lens", "lens"), ("initial_h", "h0"), ("initial_c", "c0"), ("P", "p")):
        if slot in ("initial_c", "P") and kind != "LSTM":
            continue
        value = args[key]
        if value is None:
            names.append("")
        elif slot == "initial_h" or (slot == "sequence_lens" and lens_as_input):
            feeds[slot] = value
            names.append(slot)
        else:
            inits[slot] = value
            names.append(slot)
    while names[-1] == "":
        names.pop()
    outs = recurrent_reference(kind, x, w, r, direction=direction, layout=layout,
                               activations=attrs.get("activations"), alphas=attrs.get("activation_alpha"),
                               betas=attrs.get("activation_beta"), clip=attrs.get("clip"),
                               linear_before_reset=attrs.get("linear_before_reset", 0),
                               input_forget=attrs.get("input_forget", 0), **args)
    out_names = ["Y", "Y_h", "Y_c"][:len(outs)]
    extra = {"layout": layout} if layout else {}
    n = node(kind, names, out_names, name=name, hidden_size=hidden, direction=direction, **extra, **attrs)
    expected = dict(zip(out_names, outs))
    return name, make_model([n], feeds, expected, inits, opset=14, name=name), feeds, expected


def recurrent_cases():
    rng = np.random.default_rng(11)
    return [
        recurrent_case("lstm_bidirectional_peepholes", "LSTM", 5, 3, 4, 6, rng, "bidirectional",
                       initial=True, peepholes=True),
        recurrent_case("lstm_reverse_layout1_clip_input_forget_lens", "LSTM", 6, 3, 2, 5, rng, "reverse", layout=1,
                       initial=True, lens=[6, 3, 1], clip=0.7, input_forget=1),
        recurrent_case("lstm_activations_runtime_lens", "LSTM", 4, 2, 3, 4, rng, lens=[2, 4], lens_as_input=True,
                       activations=["HardSigmoid", "Elu", "Softsign"], activation_alpha=[0.25, 0.9],
                       activation_beta=[0.4]),
        recurrent_case("gru_bidirectional_linear_before_reset", "GRU", 5, 2, 3, 4, rng, "bidirectional",
                       initial=True, linear_before_reset=1),
        recurrent_case("gru_reverse_no_bias_layout1", "GRU", 4, 3, 3, 5, rng, "reverse", layout=1, bias=False,
                       initial=True, activations=["Sigmoid", "Softplus"]),
        recurrent_case("gru_forward_clip_leakyrelu", "GRU", 3, 2, 4, 3, rng, clip=1.5,
                       activations=["Sigmoid", "LeakyRelu"], activation_alpha=[0.2]),
        recurrent_case("rnn_bidirectional_relu_scaledtanh_layout1", "RNN", 4, 2, 3, 5, rng, "bidirectional",
                       layout=1, initial=True, activations=["Relu", "ScaledTanh"], activation_alpha=[0.8],
                       activation_beta=[1.2]),
        recurrent_case("rnn_reverse_affine_thresholded", "RNN", 3, 2, 2, 3, rng, "bidirectional", bias=False,
                       activations=["Affine", "ThresholdedRelu"], activation_alpha=[0.5, 0.1],
                       activation_beta=[0.25], lens=[3, 2]),
    ]


def recurrent_errors():
    f32 = np.float32
    x, w, r = np.zeros((3, 1, 2), f32), np.zeros((1, 4, 2), f32), np.zeros((1, 4, 4), f32)
    y = np.zeros((1, 1, 4), f32)
    cases = []
    n = node("RNN", ["X", "W", "R"], ["", "Y_h"], name="rnn", hidden_size=4, activations=["Gelu"])
    cases.append(("rnn_unknown_activation", make_model([n], {"X": x}, {"Y_h": y}, {"W": w, "R": r}, 14),
                  ["rnn", "activation 'Gelu'", "not supported"]))
    n = node("RNN", ["X", "W", "R", "", "L"], ["", "Y_h"], name="rnn", hidden_size=4)
    cases.append(("rnn_lens_too_long", make_model([n], {"X": x}, {"Y_h": y},
                                                  {"W": w, "R": r, "L": np.array([4], np.int32)}, 14),
                  ["rnn", "sequence_lens", "4"]))
    n = node("RNN", ["X", "W", "R"], ["", "Y_h"], name="rnn", hidden_size=4)
    cases.append(("rnn_bad_w_shape", make_model([n], {"X": x}, {"Y_h": y}, {"W": np.zeros((1, 4, 3), f32), "R": r},
                                                14, check=False), ["rnn", "W has shape [1, 4, 3]", "[1, 4, 2]"]))
    n = node("LSTM", ["X", "W", "R"], ["", "Y_h"], name="lstm", hidden_size=1, direction="sideways")
    cases.append(("lstm_bad_direction", make_model([n], {"X": x}, {"Y_h": y}, {"W": w, "R": r[:, :, :1]}, 14,
                                                   check=False), ["lstm", "direction 'sideways'"]))
    return cases


# ---------------------------------------------------------------- Einsum

def einsum_cases():
    rng = np.random.default_rng(5)
    f32 = np.float32
    specs = [
        ("attention", "bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
        ("ellipsis_broadcast", "...ij,...jk->...ik", [(2, 1, 3, 4), (2, 5, 4, 6)]),
        ("trace_implicit", "ii", [(4, 4)]),
        ("batch_diagonal", "bii->bi", [(3, 4, 4)]),
        ("three_operands", "ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
        ("outer", "i,j->ij", [(3,), (4,)]),
        ("sum_all", "ij->", [(3, 4)]),
        ("implicit_transpose", "ba", [(3, 4)]),
        ("rowwise_dot", "ij,ij->i", [(3, 4), (3, 4)]),
        ("full_contraction", "abc,cd->", [(2, 3, 4), (4, 2)]),
        ("sum_unused_then_matmul", "ijk,kl->il", [(2, 3, 4), (4, 5)]),
        ("ellipsis_middle_diag", "i...i->...", [(3, 2, 3)]),
    ]
    cases = []
    for name, eq, shapes in specs:
        arrays = [rng.standard_normal(s).astype(f32) for s in shapes]
        names = [f"x{i}" for i in range(len(arrays))]
        want = np.asarray(np.einsum(eq, *[a.astype(np.float64) for a in arrays])).astype(f32)
        feeds = dict(zip(names, arrays))
        model = make_model([node("Einsum", names, ["y"], equation=eq)], feeds, {"y": want}, opset=12,
                           name=f"einsum_{name}")
        cases.append((f"einsum_{name}", model, feeds, {"y": want}))
    # A double-typed Einsum (no matmul on f64: products and sums).
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    model = make_model([node("Einsum", ["a", "b"], ["y"], equation="ij,jk->ik")], {"a": a, "b": b},
                       {"y": a @ b}, opset=12, name="einsum_f64")
    cases.append(("einsum_f64", model, {"a": a, "b": b}, {"y": a @ b}))
    return cases


def einsum_errors():
    x = np.zeros((3, 4), np.float32)
    y = np.zeros(3, np.float32)
    model = lambda eq: make_model([node("Einsum", ["x"], ["y"], name="es", equation=eq)], {"x": x},  # noqa: E731
                                  {"y": y}, opset=12, check=False)
    return [("einsum_rank_mismatch", model("ijk->i"), ["es", "3 letter(s)", "rank 2"]),
            ("einsum_output_label_unknown", model("ij->z"), ["es", "'z'", "in no input"]),
            ("einsum_bad_character", model("i#->i"), ["es", "'i#'"])]


# ---------------------------------------------------------------- control flow

def control_flow_cases():
    rng = np.random.default_rng(3)
    f32 = np.float32
    cases = []
    x = rng.standard_normal((2, 3)).astype(f32)
    # If: the condition folds (2 > 1); the branches differ in shape and read x from outside.
    then_g = helper.make_graph([node("Mul", ["x", "two"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2, 3])])
    else_g = helper.make_graph([node("ReduceSum", ["x"], ["e"], keepdims=0)], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, [])])
    nodes = [node("Constant", [], ["two"], value=numpy_helper.from_array(np.array(2, f32))),
             node("Constant", [], ["a"], value=numpy_helper.from_array(np.array([2], np.int64))),
             node("Constant", [], ["b"], value=numpy_helper.from_array(np.array([1], np.int64))),
             node("Greater", ["a", "b"], ["c1"]),
             node("Squeeze", ["c1"], ["c"]),
             node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)]
    cases.append(("if_folded_condition", make_model(nodes, {"x": x}, {"y": x * 2}, opset=13, name="if"),
                  {"x": x}, {"y": x * 2}))
    # If on a run-time condition with branches of one type: a select.
    then_g = helper.make_graph([node("Relu", ["x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2, 3])])
    else_g = helper.make_graph([node("Neg", ["x"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2, 3])])
    for value in (True, False):
        cond = np.array(value)
        model = make_model([node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g)],
                           {"cond": cond, "x": x}, {"y": x}, opset=13, name="if_select")
        want = np.maximum(x, 0) if value else -x
        cases.append((f"if_runtime_condition_{str(value).lower()}", model, {"cond": cond, "x": x}, {"y": want}))
    # Loop: trip count 4, carried sum, a scan output, the iteration number and an outer value used.
    table = rng.standard_normal((4, 3)).astype(f32)
    body = helper.make_graph(
        [node("Identity", ["cond_in"], ["cond_out"]),
         node("Unsqueeze", ["i", "zero"], ["start"]),
         node("Add", ["start", "one"], ["end"]),
         node("Slice", ["table", "start", "end"], ["row"]),
         node("Mul", ["row", "scale"], ["scaled"]),
         node("Add", ["acc_in", "scaled"], ["acc_out"]),
         node("Identity", ["acc_out"], ["each"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [1, 3]),
         helper.make_tensor_value_info("each", TensorProto.FLOAT, [1, 3])])
    scale = rng.standard_normal((1, 3)).astype(f32)
    acc0 = rng.standard_normal((1, 3)).astype(f32)
    sums = acc0 + np.cumsum(table * scale, axis=0)
    nodes = [node("Loop", ["M", "cond", "acc"], ["acc_final", "all"], body=body)]
    inits = {"M": np.array(4, np.int64), "cond": np.array(True), "zero": np.array([0], np.int64),
             "one": np.array([1], np.int64), "table": table}
    model = make_model(nodes, {"acc": acc0, "scale": scale}, {"acc_final": sums[3:4], "all": sums[:, None, :]},
                       inits, opset=13, name="loop")
    cases.append(("loop_constant_trip_count", model, {"acc": acc0, "scale": scale},
                  {"acc_final": sums[3:4], "all": sums[:, None, :]}))
    # Loop without a trip count: the condition the body computes folds (i < 2: three iterations).
    body = helper.make_graph(
        [node("Less", ["i", "two"], ["cond_out"]),
         node("Mul", ["v_in", "v_in"], ["v_out"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_in", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_out", TensorProto.FLOAT, [3])])
    v = np.array([1.1, 0.9, -1.05], f32)
    model = make_model([node("Loop", ["", "cond", "v"], ["v_final"], body=body)], {"v": v},
                       {"v_final": v ** 8}, {"cond": np.array(True), "two": np.array(2, np.int64)}, opset=13,
                       name="loop_cond")
    cases.append(("loop_folded_condition", model, {"v": v}, {"v_final": (v.astype(np.float64) ** 8).astype(f32)}))
    # Scan: two states, two scan inputs (one reversed, one along axis 1), a scan output along
    # axis 1 written in reverse.
    body = helper.make_graph(
        [node("Add", ["s_in", "a"], ["s_out"]),
         node("Mul", ["p_in", "b"], ["p_out"]),
         node("Sub", ["s_out", "p_out"], ["o"])],
        "body",
        [helper.make_tensor_value_info("s_in", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("p_in", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("a", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("p_out", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("o", TensorProto.FLOAT, [2])])
    s0, p0 = rng.standard_normal(2).astype(f32), rng.standard_normal(2).astype(f32)
    a = rng.standard_normal((5, 2)).astype(f32)
    bm = rng.standard_normal((2, 5)).astype(f32)
    s, p, outs = s0.astype(np.float64), p0.astype(np.float64), []
    for t in range(5):
        s = s + a[4 - t]
        p = p * bm[:, t]
        outs.append(s - p)
    o = np.stack(outs[::-1], axis=1).astype(f32)
    feeds = {"s0": s0, "p0": p0, "a": a, "bm": bm}
    expected = {"s": s.astype(f32), "p": p.astype(f32), "o": o}
    model = make_model([node("Scan", ["s0", "p0", "a", "bm"], ["s", "p", "o"], body=body, num_scan_inputs=2,
                             scan_input_directions=[1, 0], scan_input_axes=[0, 1], scan_output_axes=[1],
                             scan_output_directions=[1])], feeds, expected, opset=13, name="scan")
    cases.append(("scan_axes_directions", model, feeds, expected))
    return cases


def control_flow_errors():
    f32 = np.float32
    body = helper.make_graph(
        [node("Identity", ["cond_in"], ["cond_out"]), node("Add", ["v_in", "v_in"], ["v_out"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_in", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_out", TensorProto.FLOAT, [2])])
    v = np.zeros(2, f32)
    loop = make_model([node("Loop", ["M", "", "v"], ["w"], name="the_loop", body=body)],
                      {"M": np.array(3, np.int64), "v": v}, {"w": v}, opset=13, name="dyn")
    then_g = helper.make_graph([node("Identity", ["v"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2])])
    else_g = helper.make_graph([node("ReduceSum", ["v"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, [1])])
    branch = make_model([node("If", ["c"], ["y"], name="the_if", then_branch=then_g, else_branch=else_g)],
                        {"c": np.array(True), "v": v}, {"y": v}, opset=13, name="dyn_if")
    unsupported = helper.make_graph([node("LpNormalization", ["v"], ["t"], name="inner_lpnorm")], "then", [],
                                    [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2])])
    inner = make_model([node("If", ["c"], ["y"], then_branch=unsupported, else_branch=unsupported)],
                       {"c": np.array(True), "v": v}, {"y": v}, opset=13, name="inner")
    body = helper.make_graph(
        [node("Identity", ["cond_in"], ["cond_out"]), node("Reshape", ["v_in", "shape"], ["v_out"], name="reshape")],
        "body", list(body.input), list(body.output))
    inner_error = make_model([node("Loop", ["M", "", "v"], ["w"], name="the_loop", body=body)],
                             {"v": v, "shape": np.array([2], np.int64)}, {"w": v}, {"M": np.array(3, np.int64)},
                             opset=13, name="inner_error")
    return [("loop_runtime_trip_count", loop, ["the_loop", "static control flow", "trip count"]),
            ("error_in_loop_body", inner_error, ["the_loop[0]/reshape", "shape input must be a constant"]),
            ("if_runtime_condition_other_shapes", branch, ["the_if", "static control flow", "condition"]),
            ("unsupported_op_in_branch", inner, ["LpNormalization", "inner_lpnorm"])]


# ---------------------------------------------------------------- opset 9-12 forms

def old_opset_cases():
    """Operators in the forms of opsets 9-12 (attributes where opset 13 has inputs);
    lmc converts them to opset 13 with the onnx version converter."""
    rng = np.random.default_rng(9)
    f32 = np.float32
    x = rng.standard_normal((2, 3, 4)).astype(f32)
    cases = []

    def case(name, opset, nodes, feeds, expected, inits=None):
        cases.append((f"opset{opset}_{name}", make_model(nodes, feeds, expected, inits, opset=opset,
                                                         name=name), feeds, expected))

    case("slice_attributes", 9, [node("Slice", ["x"], ["y"], starts=[0, 1], ends=[2, 100], axes=[0, 2])],
         {"x": x}, {"y": x[0:2, :, 1:]})
    case("slice_attributes_negative", 10, [node("Slice", ["x", "s", "e", "a", "st"], ["y"])],
         {"x": x}, {"y": x[:, ::-2, :]},
         {"s": np.array([-1], np.int64), "e": np.array([-100], np.int64), "a": np.array([1], np.int64),
          "st": np.array([-2], np.int64)})
    case("split_attribute", 11, [node("Split", ["x"], ["a", "b"], axis=2, split=[1, 3])],
         {"x": x}, {"a": x[:, :, :1], "b": x[:, :, 1:]})
    case("split_equal", 9, [node("Split", ["x"], ["a", "b", "c"], axis=1)],
         {"x": x}, {"a": x[:, :1], "b": x[:, 1:2], "c": x[:, 2:]})
    case("squeeze_unsqueeze_axes", 11, [node("Unsqueeze", ["x"], ["u"], axes=[0, -1]),
                                        node("Squeeze", ["u"], ["y"], axes=[0])],
         {"x": x}, {"y": x[..., None]})
    case("reducesum_axes_attribute", 11, [node("ReduceSum", ["x"], ["y"], axes=[0, -1], keepdims=1)],
         {"x": x}, {"y": x.sum(axis=(0, 2), keepdims=True)})
    case("reducesum_all", 12, [node("ReduceSum", ["x"], ["y"], keepdims=0)], {"x": x}, {"y": np.array(x.sum())})
    # Softmax before opset 13 flattens to 2-D at `axis` (default 1) and normalizes each row.
    def coerced(axis):
        flat = x.reshape(int(np.prod(x.shape[:axis])), -1).astype(np.float64)
        e = np.exp(flat - flat.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(x.shape).astype(f32)
    case("softmax_default_axis", 11, [node("Softmax", ["x"], ["y"])], {"x": x}, {"y": coerced(1)})
    case("softmax_axis0", 11, [node("Softmax", ["x"], ["y"], axis=0)], {"x": x}, {"y": coerced(0)})
    case("softmax_axis_last", 12, [node("Softmax", ["x"], ["y"], axis=-1)], {"x": x}, {"y": coerced(2)})
    case("dropout_ratio", 9, [node("Dropout", ["x"], ["y"], ratio=0.3)], {"x": x}, {"y": x})
    case("dropout_ratio_input_mask", 12, [node("Dropout", ["x", "r"], ["y", "m"])],
         {"x": x}, {"y": x, "m": np.ones(x.shape, bool)}, {"r": np.array(0.3, f32)})
    case("clip_attributes", 9, [node("Clip", ["x"], ["y"], min=-0.5, max=0.25)], {"x": x},
         {"y": np.clip(x, -0.5, 0.25)})
    return cases


def pad_cases():
    """Pad in its opset 2 (attributes) and 11 (inputs) forms; lmc must list Pad."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    want = np.pad(x, ((1, 0), (0, 2)), constant_values=1.5)
    return [("opset2_pad_attributes", make_model([node("Pad", ["x"], ["y"], pads=[1, 0, 0, 2], value=1.5)],
                                                 {"x": x}, {"y": want}, opset=2, name="pad2"), {"x": x}, {"y": want}),
            ("opset11_pad_inputs", make_model([node("Pad", ["x", "p", "v"], ["y"])], {"x": x}, {"y": want},
                                              {"p": np.array([1, 0, 0, 2], np.int64), "v": np.array(1.5, np.float32)},
                                              opset=11, name="pad11"), {"x": x}, {"y": want})]


def supported_ops(tools):
    text = tools.run_ok([tools.lmc, "compile", "--help"], "lmc compile --help").stdout
    m = re.search(r"Supported operators:\s*(.*?)\.\n", text, re.S)
    return set(re.split(r",\s*", m.group(1).replace("\n", " ").strip())) if m else set()


# ---------------------------------------------------------------- models as other exporters write them

class ConstGraph:
    """Builds a graph whose weights are Constant nodes (no initializers), as
    torch.onnx wrote them before opset 13 with do_constant_folding off."""

    def __init__(self):
        self.nodes = []
        self.count = 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def op(self, op_type, inputs, n=1, **attrs):
        base = self.name(op_type)
        outs = [f"{base}_out{i}" for i in range(n)]
        self.nodes.append(node(op_type, inputs, outs, name=f"/{base}", **attrs))
        return outs[0] if n == 1 else outs

    def const(self, array):
        out = self.name("const")
        self.nodes.append(node("Constant", [], [out], name=f"/{out}",
                               value=numpy_helper.from_array(np.asarray(array), out)))
        return out


def gpt2_block_opset11(seq=8, width=32, heads=4, seed=1):
    """One pre-LN GPT-2 block in opset 11: weights in Constant nodes, LayerNorm as
    ReduceMean/Sub/Pow/Sqrt/Div, GELU with Erf, heads split with Split and
    Unsqueeze/Squeeze attributes, a causal mask by Where; and its numpy reference."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    hd = width // heads
    w = {k: (rng.standard_normal(s) * 0.2).astype(f32) for k, s in {
        "ln1_g": (width,), "ln1_b": (width,), "qkv": (width, 3 * width), "qkv_b": (3 * width,),
        "proj": (width, width), "proj_b": (width,), "ln2_g": (width,), "ln2_b": (width,),
        "fc": (width, 4 * width), "fc_b": (4 * width,), "out": (4 * width, width), "out_b": (width,)}.items()}
    w["ln1_g"] += 1
    w["ln2_g"] += 1
    g = ConstGraph()

    def ln(x, gamma, beta):
        mean = g.op("ReduceMean", [x], axes=[-1], keepdims=1)
        c = g.op("Sub", [x, mean])
        var = g.op("ReduceMean", [g.op("Pow", [c, g.const(np.array(2, f32))])], axes=[-1], keepdims=1)
        std = g.op("Sqrt", [g.op("Add", [var, g.const(np.array(1e-5, f32))])])
        return g.op("Add", [g.op("Mul", [g.op("Div", [c, std]), g.const(gamma)]), g.const(beta)])

    def linear(x, wm, bias):
        return g.op("Add", [g.op("MatMul", [x, g.const(wm)]), g.const(bias)])

    h = ln("x", w["ln1_g"], w["ln1_b"])
    q, k, v = g.op("Split", [linear(h, w["qkv"], w["qkv_b"])], n=3, axis=-1, split=[width] * 3)

    def heads_of(t):
        r = g.op("Reshape", [t, g.const(np.array([seq, heads, hd], np.int64))])
        return g.op("Unsqueeze", [g.op("Transpose", [r], perm=[1, 0, 2])], axes=[0])  # [1, H, S, hd]

    q, k, v = heads_of(q), heads_of(k), heads_of(v)
    scores = g.op("Div", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]),
                          g.const(np.array(math.sqrt(hd), f32))])
    mask = np.tril(np.ones((seq, seq), bool))
    scores = g.op("Where", [g.const(mask), scores, g.const(np.array(-1e4, f32))])
    attn = g.op("MatMul", [g.op("Softmax", [scores], axis=3), v])
    merged = g.op("Reshape", [g.op("Transpose", [g.op("Squeeze", [attn], axes=[0])], perm=[1, 0, 2]),
                              g.const(np.array([1, seq, width], np.int64))])
    x1 = g.op("Add", ["x", linear(merged, w["proj"], w["proj_b"])])
    f = linear(ln(x1, w["ln2_g"], w["ln2_b"]), w["fc"], w["fc_b"])
    erf = g.op("Erf", [g.op("Div", [f, g.const(np.array(math.sqrt(2), f32))])])
    gelu = g.op("Mul", [g.op("Mul", [f, g.const(np.array(0.5, f32))]), g.op("Add", [erf, g.const(np.array(1, f32))])])
    g.nodes.append(node("Add", [x1, linear(gelu, w["out"], w["out_b"])], ["y"], name="/out"))

    x = rng.standard_normal((1, seq, width)).astype(f32)

    def ref_ln(t, gamma, beta):
        m = t.mean(-1, keepdims=True)
        return (t - m) / np.sqrt(((t - m) ** 2).mean(-1, keepdims=True) + 1e-5) * gamma + beta

    from math import erf as _erf
    verf = np.vectorize(_erf)
    d = {k: a.astype(np.float64) for k, a in w.items()}
    xd = x.astype(np.float64)
    qkv = ref_ln(xd, d["ln1_g"], d["ln1_b"]) @ d["qkv"] + d["qkv_b"]
    qh, kh, vh = (t.reshape(seq, heads, hd).transpose(1, 0, 2) for t in np.split(qkv[0], 3, axis=-1))
    s = qh @ kh.transpose(0, 2, 1) / math.sqrt(hd)
    s = np.where(mask, s, -1e4)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    merged_ref = (p @ vh).transpose(1, 0, 2).reshape(1, seq, width)
    x1r = xd + merged_ref @ d["proj"] + d["proj_b"]
    fr = ref_ln(x1r, d["ln2_g"], d["ln2_b"]) @ d["fc"] + d["fc_b"]
    y = x1r + (0.5 * fr * (1 + verf(fr / math.sqrt(2)))) @ d["out"] + d["out_b"]
    model = make_model(g.nodes, {"x": x}, {"y": y.astype(f32)}, opset=11, name="gpt2_block_opset11")
    if model.graph.initializer:
        raise CaseFailed("the opset-11 block must keep its weights in Constant nodes")
    return model, {"x": x}, {"y": y.astype(f32)}


def if_constant_model():
    """Ifs as exporters write them for Python branches: one on a shape test
    (x.shape[1] > 4, folded from Shape/Gather/Greater), holding a nested If on a
    flag written as a Constant (e.g. `if self.training`); each branch computes from
    the outer x and w. The chosen branches must be inlined (the others differ in shape)."""
    rng = np.random.default_rng(2)
    f32 = np.float32
    x = rng.standard_normal((4, 6)).astype(f32)
    w = rng.standard_normal((6, 5)).astype(f32)
    out = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)  # noqa: E731
    inner_then = helper.make_graph([node("Tanh", ["t0"], ["it"])], "training", [], [out("it", [4, 5])])
    inner_else = helper.make_graph([node("Sigmoid", ["t0"], ["ie"])], "inference", [], [out("ie", [4, 5])])
    then_g = helper.make_graph([node("MatMul", ["x", "w"], ["t0"]),
                                node("If", ["training"], ["t"], name="if_training", then_branch=inner_then,
                                     else_branch=inner_else)], "wide", [], [out("t", [4, 5])])
    else_g = helper.make_graph([node("Transpose", ["x"], ["e"])], "narrow", [], [out("e", [6, 4])])
    nodes = [node("Constant", [], ["training"], value=numpy_helper.from_array(np.array(False))),
             node("Constant", [], ["w"], value=numpy_helper.from_array(w)),
             node("Constant", [], ["one"], value=numpy_helper.from_array(np.array(1, np.int64))),
             node("Constant", [], ["four"], value=numpy_helper.from_array(np.array(4, np.int64))),
             node("Shape", ["x"], ["xs"]),
             node("Gather", ["xs", "one"], ["cols"], axis=0),
             node("Greater", ["cols", "four"], ["wide"]),
             node("If", ["wide"], ["h"], name="if_wide", then_branch=then_g, else_branch=else_g),
             node("Relu", ["h"], ["y"])]
    want = np.maximum(1 / (1 + np.exp(-(x.astype(np.float64) @ w))), 0).astype(f32)
    return make_model(nodes, {"x": x}, {"y": want}, opset=11, name="if_constant"), {"x": x}, {"y": want}


def recurrent_model():
    """A two-layer encoder as torch.onnx (opset 11) exports nn.LSTM(bidirectional,
    batch_first) then nn.GRU: the batch moved second by a Transpose, the LSTM's zero
    states made by ConstantOfShape from the input's Shape, its Y [S, 2, B, H] transposed
    and reshaped to [S, B, 2H] for the GRU, which gets its state as an input."""
    rng = np.random.default_rng(4)
    f32 = np.float32
    seq, batch, inp, hid = 6, 2, 5, 4
    x = rng.standard_normal((batch, seq, inp)).astype(f32)
    h_gru = rng.standard_normal((1, batch, hid)).astype(f32)
    lw = (rng.standard_normal((2, 4 * hid, inp)) * 0.4).astype(f32)
    lr = (rng.standard_normal((2, 4 * hid, hid)) * 0.4).astype(f32)
    lb = (rng.standard_normal((2, 8 * hid)) * 0.2).astype(f32)
    gw = (rng.standard_normal((1, 3 * hid, 2 * hid)) * 0.4).astype(f32)
    gr = (rng.standard_normal((1, 3 * hid, hid)) * 0.4).astype(f32)
    gb = (rng.standard_normal((1, 6 * hid)) * 0.2).astype(f32)
    zero = numpy_helper.from_array(np.zeros(1, f32))
    nodes = [node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             node("Shape", ["x"], ["xs"]),
             node("Gather", ["xs", "i0"], ["b"], axis=0),
             node("Unsqueeze", ["b"], ["b1"], axes=[0]),
             node("Concat", ["two", "b1", "hid"], ["state_shape"], axis=0),
             node("ConstantOfShape", ["state_shape"], ["h0"], value=zero),
             node("ConstantOfShape", ["state_shape"], ["c0"], value=zero),
             node("LSTM", ["xt", "lw", "lr", "lb", "", "h0", "c0"], ["ly", "lh", "lc"], name="/lstm/LSTM",
                  hidden_size=hid, direction="bidirectional"),
             node("Transpose", ["ly"], ["lt"], perm=[0, 2, 1, 3]),
             node("Reshape", ["lt", "shape"], ["gx"]),
             node("GRU", ["gx", "gw", "gr", "gb", "", "h_gru"], ["gy", "gh"], name="/gru/GRU", hidden_size=hid,
                  linear_before_reset=1),
             node("Squeeze", ["gy"], ["gs"], axes=[1]),
             node("Transpose", ["gs"], ["y"], perm=[1, 0, 2])]
    ly, lh, lc = recurrent_reference("LSTM", x.transpose(1, 0, 2), lw, lr, lb, direction="bidirectional")
    gx = ly.transpose(0, 2, 1, 3).reshape(seq, batch, 2 * hid)
    gy, gh = recurrent_reference("GRU", gx, gw, gr, gb, h0=h_gru, linear_before_reset=1)
    inits = {"lw": lw, "lr": lr, "lb": lb, "gw": gw, "gr": gr, "gb": gb, "i0": np.array(0, np.int64),
             "two": np.array([2], np.int64), "hid": np.array([hid], np.int64),
             "shape": np.array([seq, batch, 2 * hid], np.int64)}
    expected = {"y": gy[:, 0].transpose(1, 0, 2), "gh": gh, "lc": lc}
    feeds = {"x": x, "h_gru": h_gru}
    return make_model(nodes, feeds, expected, inits, opset=11, name="lstm_gru"), feeds, expected


def loop_rnn_model():
    """A recurrence as tf2onnx writes a dynamic RNN: a Loop whose trip count is the
    input's first dimension (Shape/Gather, folded), the step input read by Gather with the
    iteration number from the outer x, the state carried and every state a scan output."""
    rng = np.random.default_rng(10)
    f32 = np.float32
    seq, batch, inp, hid = 5, 2, 3, 4
    x = rng.standard_normal((seq, batch, inp)).astype(f32)
    w = (rng.standard_normal((inp, hid)) * 0.5).astype(f32)
    r = (rng.standard_normal((hid, hid)) * 0.5).astype(f32)
    vi = helper.make_tensor_value_info
    body = helper.make_graph(
        [node("Identity", ["cond_in"], ["cond_out"]),
         node("Gather", ["x", "i"], ["xt"], axis=0),
         node("MatMul", ["xt", "w"], ["xw"]),
         node("MatMul", ["h_in", "r"], ["hr"]),
         node("Add", ["xw", "hr"], ["pre"]),
         node("Tanh", ["pre"], ["h_out"]),
         node("Identity", ["h_out"], ["h_each"])],
        "rnn_step",
        [vi("i", TensorProto.INT64, []), vi("cond_in", TensorProto.BOOL, []),
         vi("h_in", TensorProto.FLOAT, [batch, hid])],
        [vi("cond_out", TensorProto.BOOL, []), vi("h_out", TensorProto.FLOAT, [batch, hid]),
         vi("h_each", TensorProto.FLOAT, [batch, hid])])
    nodes = [node("Shape", ["x"], ["xs"]),
             node("Gather", ["xs", "zero"], ["steps"], axis=0),
             node("Loop", ["steps", "true", "h0"], ["h_last", "y"], name="rnn_loop", body=body)]
    h = np.zeros((batch, hid))
    ys = []
    for t in range(seq):
        h = np.tanh(x[t].astype(np.float64) @ w + h @ r)
        ys.append(h)
    expected = {"h_last": h.astype(f32), "y": np.stack(ys).astype(f32)}
    inits = {"w": w, "r": r, "zero": np.array(0, np.int64), "true": np.array(True),
             "h0": np.zeros((batch, hid), f32)}
    return make_model(nodes, {"x": x}, expected, inits, opset=13, name="loop_rnn"), {"x": x}, expected


def einsum_attention_model():
    """Attention written with Einsum (as exporters of einops-style code do)."""
    rng = np.random.default_rng(6)
    f32 = np.float32
    b, h, s, d = 1, 4, 8, 16
    q, k, v = (rng.standard_normal((b, h, s, d)).astype(f32) for _ in range(3))
    nodes = [node("Einsum", ["q", "k"], ["s0"], equation="bhqd,bhkd->bhqk"),
             node("Mul", ["s0", "scale"], ["s1"]),
             node("Softmax", ["s1"], ["p"], axis=-1),
             node("Einsum", ["p", "v"], ["y"], equation="bhqk,bhkd->bhqd")]
    sc = np.einsum("bhqd,bhkd->bhqk", q.astype(np.float64), k) / math.sqrt(d)
    p = np.exp(sc - sc.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    want = np.einsum("bhqk,bhkd->bhqd", p, v).astype(f32)
    feeds = {"q": q, "k": k, "v": v}
    model = make_model(nodes, feeds, {"y": want}, {"scale": np.array(1 / math.sqrt(d), f32)}, opset=12,
                       name="einsum_attention")
    return model, feeds, {"y": want}


def external_data_model():
    """A two-layer MLP whose weights live in a separate file (onnx.save_as_external_data)."""
    rng = np.random.default_rng(8)
    f32 = np.float32
    x = rng.standard_normal((3, 64)).astype(f32)
    w1, w2 = (rng.standard_normal((64, 128)) * 0.1).astype(f32), (rng.standard_normal((128, 32)) * 0.1).astype(f32)
    b1 = rng.standard_normal(128).astype(f32)
    nodes = [node("Gemm", ["x", "w1", "b1"], ["h"]), node("Relu", ["h"], ["r"]), node("MatMul", ["r", "w2"], ["y"])]
    want = (np.maximum(x.astype(np.float64) @ w1 + b1, 0) @ w2).astype(f32)
    model = make_model(nodes, {"x": x}, {"y": want}, {"w1": w1, "b1": b1, "w2": w2}, opset=13, name="external")

    def save(path):
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location="weights.data", size_threshold=1024)
        stored = onnx.load(path, load_external_data=False)
        external = [t.name for t in stored.graph.initializer if t.data_location == TensorProto.EXTERNAL]
        if sorted(external) != ["w1", "w2"] or not os.path.exists(os.path.join(os.path.dirname(path), "weights.data")):
            raise CaseFailed(f"expected w1 and w2 in weights.data, external: {external}")
    return model, {"x": x}, {"y": want}, save


def opcodes_of(tools, binary):
    text = tools.run_ok([tools.lmc, "inspect", binary], "lmc inspect").stdout
    return set(re.findall(r"^\s*\d+\s+\w+\s+\d+\s+(\w+)\s", text, re.M))


def check_exporter_model(tools, workdir, name, built, targets=("cpu", "lpu"), must_have=()):
    model, feeds, expected = built[:3]
    save = built[3] if len(built) > 3 else None
    details = []
    for target in targets:
        binary, err = compile_and_run(tools, os.path.join(workdir, name), model, feeds, expected,
                                      ["--target", target], save)
        missing = [op for op in must_have if op not in opcodes_of(tools, binary)]
        if missing:
            raise CaseFailed(f"{name} on {target}: lmc inspect shows no {missing} (not fused)")
        details.append(f"{target} {err:.2g}")
    return f"{name}: " + ", ".join(details)


# ---------------------------------------------------------------- the cases run_e2e.py registers

# ---------------------------------------------------------------- GridSample, ReverseSequence

def grid_sample_reference(x, grid, mode, padding, align):
    """GridSample (opset 16, 2-D) point by point from the specification."""
    n_, c_, h, w = x.shape
    _, ho, wo, _ = grid.shape
    out = np.zeros((n_, c_, ho, wo), np.float64)

    def denorm(v, length):
        return (v + 1) / 2 * (length - 1) if align else ((v + 1) * length - 1) / 2

    def reflect(v, lo, hi):
        rng_ = hi - lo
        if v < lo:
            k, r = divmod(lo - v, rng_)
            return lo + r if int(k) % 2 == 0 else hi - r
        if v > hi:
            k, r = divmod(v - hi, rng_)
            return hi - r if int(k) % 2 == 0 else lo + r
        return v

    def pixel(img, yy, xx):
        if padding == "zeros":
            return img[yy, xx] if 0 <= yy < h and 0 <= xx < w else 0.0
        if padding == "border":
            return img[min(max(yy, 0), h - 1), min(max(xx, 0), w - 1)]
        lo_x, hi_x = (0, w - 1) if align else (-0.5, w - 0.5)
        lo_y, hi_y = (0, h - 1) if align else (-0.5, h - 0.5)
        return img[int(reflect(float(yy), lo_y, hi_y)), int(reflect(float(xx), lo_x, hi_x))]

    def cubic(t):
        a = -0.75
        def outer(d):
            return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
        def inner(d):
            return ((a + 2) * d - (a + 3)) * d * d + 1
        return [outer(t + 1), inner(t), inner(1 - t), outer(2 - t)]

    for n in range(n_):
        for oy in range(ho):
            for ox in range(wo):
                gx, gy = (float(v) for v in grid[n, oy, ox])
                fx, fy = denorm(gx, w), denorm(gy, h)
                for c in range(c_):
                    img = x[n, c].astype(np.float64)
                    if mode == "nearest":
                        v = pixel(img, int(np.rint(fy)), int(np.rint(fx)))
                    elif mode == "bilinear":
                        x0, y0 = math.floor(fx), math.floor(fy)
                        tx, ty = fx - x0, fy - y0
                        v = sum(wy * wx * pixel(img, y0 + j, x0 + i)
                                for j, wy in enumerate((1 - ty, ty)) for i, wx in enumerate((1 - tx, tx)))
                    else:
                        x0, y0 = math.floor(fx) - 1, math.floor(fy) - 1
                        cx, cy = cubic(fx - math.floor(fx)), cubic(fy - math.floor(fy))
                        v = sum(cy[j] * cx[i] * pixel(img, y0 + j, x0 + i) for j in range(4) for i in range(4))
                    out[n, c, oy, ox] = v
    return out.astype(np.float32)


def sampling_cases():
    rng = np.random.default_rng(11)
    f32 = np.float32
    cases = []
    x = rng.standard_normal((2, 3, 4, 5)).astype(f32)
    # Locations past the borders (|v| up to 2.6) exercise the padding modes.
    grid = rng.uniform(-2.6, 2.6, (2, 3, 4, 2)).astype(f32)
    for mode in ("nearest", "bilinear", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            for align in (0, 1):
                name = f"grid_sample_{mode}_{padding}_{align}"
                want = grid_sample_reference(x, grid, mode, padding, align)
                model = make_model([node("GridSample", ["x", "grid"], ["y"], mode=mode,
                                         padding_mode=padding, align_corners=align)],
                                   {"x": x, "grid": grid}, {"y": want}, opset=16, name=name)
                cases.append((name, model, {"x": x, "grid": grid}, {"y": want}))
    # ReverseSequence, time-major and batch-major, with run-time lengths.
    seq = rng.standard_normal((5, 3, 2)).astype(f32)
    lens = np.array([5, 0, 3], np.int64)
    for batch_axis, time_axis in ((1, 0), (0, 1)):
        data = seq if time_axis == 0 else np.ascontiguousarray(seq.transpose(1, 0, 2))
        want = data.copy()
        for bi, n in enumerate(lens):
            if time_axis == 0:
                want[:n, bi] = data[:n, bi][::-1]
            else:
                want[bi, :n] = data[bi, :n][::-1]
        name = f"reverse_sequence_time{time_axis}"
        model = make_model([node("ReverseSequence", ["x", "lens"], ["y"], batch_axis=batch_axis,
                                 time_axis=time_axis)],
                           {"x": data, "lens": lens}, {"y": want}, name=name)
        cases.append((name, model, {"x": data, "lens": lens}, {"y": want}))
    return cases


def _import_sampling(tools, d):
    return run_cases(tools, d, sampling_cases())


def _import_recurrent(tools, d):
    return run_cases(tools, d, recurrent_cases()) + "; " + expect_errors(tools, d, recurrent_errors())


def _import_einsum(tools, d):
    return run_cases(tools, d, einsum_cases()) + "; " + expect_errors(tools, d, einsum_errors())


def _import_control_flow(tools, d):
    return run_cases(tools, d, control_flow_cases()) + "; " + expect_errors(tools, d, control_flow_errors())


def _import_old_opsets(tools, d):
    detail = run_cases(tools, d, old_opset_cases())
    if "Pad" in supported_ops(tools):
        detail += "; Pad: " + run_cases(tools, d, pad_cases())
    else:
        detail += "; Pad forms not run (lmc does not list Pad)"
    return detail


def _import_on_lpu(tools, d):
    """A few of the unrolled forms on a tiled target."""
    picked = [c for c in recurrent_cases() + einsum_cases() + control_flow_cases()
              if c[0] in ("lstm_bidirectional_peepholes", "gru_bidirectional_linear_before_reset",
                          "einsum_attention", "einsum_three_operands", "scan_axes_directions",
                          "loop_constant_trip_count")]
    return run_cases(tools, d, picked, ["--target", "lpu"])


def _exporters(tools, d, name):
    builders = {
        "gpt2_block_opset11": (gpt2_block_opset11, ("layer_norm", "gelu")),
        "if_constant": (if_constant_model, ()),
        "lstm_gru": (recurrent_model, ()),
        "loop_rnn": (loop_rnn_model, ()),
        "einsum_attention": (einsum_attention_model, ()),
        "external_data": (external_data_model, ()),
    }
    build, must_have = builders[name]
    return check_exporter_model(tools, d, name, build(), must_have=must_have)


CASES = {
    "import_recurrent": ("import", _import_recurrent),
    "import_einsum": ("import", _import_einsum),
    "import_control_flow": ("import", _import_control_flow),
    "import_old_opsets": ("import", _import_old_opsets),
    "import_lpu": ("import", _import_on_lpu),
    "import_sampling": ("import", _import_sampling),
}
for _name in ("gpt2_block_opset11", "if_constant", "lstm_gru", "loop_rnn", "einsum_attention", "external_data"):
    CASES[f"exporters_{_name}"] = ("exporters", lambda tools, d, n=_name: _exporters(tools, d, n))
