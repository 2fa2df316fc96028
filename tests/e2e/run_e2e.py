#!/usr/bin/python3
"""End-to-end tests of the lmc CLI on generated GPT-2 models.

Each model case generates a model with examples/gpt2/make_gpt2.py, compiles it
with `lmc compile`, runs it with `lmc run`, computes logits with
examples/gpt2/reference.py and requires max|lmc - ref| <= 1e-4 * max(1, max|ref|).
The other checks cover determinism (two compiles are byte-identical) and bad
input: each must exit non-zero without crashing, print a one-line error that
names what is wrong, and leave no output file behind.

Usage:
  run_e2e.py --lmc build/bin/lmc --workdir /tmp/e2e [--case tiny] [--case err_truncated_onnx]
  run_e2e.py --list
Cases and groups: `--list`. Without --case, everything except the "slow" group runs.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GPT2_DIR = os.path.join(REPO, "examples", "gpt2")
PYTHON = sys.executable

TINY = ["--layers", "2", "--width", "64", "--heads", "4", "--vocab", "256", "--seq", "16"]
# name -> (group, generator flags, tokens length, vocab, compile flags, timeout scale)
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
}
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

def generate_gpt2(path, flags, scale=1):
    run_ok([PYTHON, os.path.join(GPT2_DIR, "make_gpt2.py"), "-o", path, *flags], 120 * scale, "make_gpt2.py")
    return path


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


def celu_det_model(path):
    """Valid ONNX with two different unsupported ops (Celu, Det) among supported ones."""
    f32 = TensorProto.FLOAT
    nodes = [helper.make_node("Add", ["x", "x"], ["a"], name="add"),
             helper.make_node("Celu", ["a"], ["c"], name="celu"),
             helper.make_node("Det", ["c"], ["d"], name="det"),
             helper.make_node("Neg", ["d"], ["y"], name="neg")]
    graph = helper.make_graph(nodes, "two_unsupported", [helper.make_tensor_value_info("x", f32, [4, 4])],
                              [helper.make_tensor_value_info("y", f32, [])])
    return save_checked(graph, path)


# ---------------------------------------------------------------- model cases

def check_model_case(ctx, name):
    _, gen_flags, seq, vocab, compile_flags, scale = MODEL_CASES[name]
    d = ctx.fresh_dir(name)
    times = {}
    t = time.time()
    model = generate_gpt2(os.path.join(d, "model.onnx"), gen_flags, scale)
    tokens = make_tokens(os.path.join(d, "tokens.npy"), seq, vocab)
    times["gen"] = time.time() - t
    t = time.time()
    binary = lmc_compile(ctx, model, os.path.join(d, "model.bin"), compile_flags, scale)
    times["compile"] = time.time() - t
    t = time.time()
    out_dir = os.path.join(d, "out")
    lmc_run(ctx, binary, {"tokens": tokens}, out_dir, scale)
    times["run"] = time.time() - t
    ref_path = os.path.join(d, "ref.npy")
    run_ok([PYTHON, os.path.join(GPT2_DIR, "reference.py"), model, "--tokens", tokens, "-o", ref_path],
           120 * scale, "reference.py")
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


# ---------------------------------------------------------------- determinism

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
    model = celu_det_model(os.path.join(d, "model.onnx"))
    return expect_compile_error(ctx, model, [], all_words=["Celu", "Det"])


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


def all_cases():
    """name -> (group, function)."""
    cases = {name: (spec[0], lambda ctx, n=name: check_model_case(ctx, n)) for name, spec in MODEL_CASES.items()}
    cases["determinism"] = ("determinism", check_determinism)
    cases.update({name: ("errors", fn) for name, fn in ERROR_CHECKS.items()})
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
