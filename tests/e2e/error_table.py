#!/usr/bin/python3
"""Runs lmc on each class of bad input and writes docs/errors.md: the command and lmc's exact answer.

Every case must fail cleanly: exit code 1 or 2 (no crash, no signal), one line on stderr,
nothing on stdout, and no output file left behind. With --check, the table must also equal
the checked-in docs/errors.md up to numbers (sizes, checksums), so the documentation stays
true (regenerate with --write).

Usage:
  error_table.py --lmc build/bin/lmc --workdir /tmp/errors [--write docs/errors.md] [--check docs/errors.md]
"""

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOC = os.path.join(REPO, "docs", "errors.md")
F = TensorProto.FLOAT


def save(model, path, external=False):
    onnx.checker.check_model(model)
    if external:
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location="weights.data", size_threshold=0)
    else:
        onnx.save(model, path)


def make_model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="errors")
    m.ir_version = 8
    return m


def good_model():
    """y = x @ w + b, x: f32[2, 3]."""
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
    b = numpy_helper.from_array(np.ones(4, np.float32), "b")
    return make_model([helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
                       helper.make_node("Add", ["m", "b"], ["y"], name="add")],
                      [helper.make_tensor_value_info("x", F, [2, 3])],
                      [helper.make_tensor_value_info("y", F, [2, 4])], [w, b])


def prepare(work):
    """Writes every bad input into `work`; returns nothing (paths are fixed names)."""
    good = good_model()
    save(good, os.path.join(work, "good.onnx"))
    data = good.SerializeToString()
    with open(os.path.join(work, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(work, "notonnx.onnx"), "wb") as f:
        f.write(b"this is not an ONNX model\n" * 4)
    open(os.path.join(work, "empty.onnx"), "wb").close()
    x = helper.make_tensor_value_info("x", F, [1, 1, 4, 4])
    # Operators lmc does not import: a determinant, a data-dependent shape
    # and random numbers.
    save(make_model([helper.make_node("Det", ["x"], ["y"], name="det")], [x],
                    [helper.make_tensor_value_info("y", F, [1, 1])]),
         os.path.join(work, "det.onnx"))
    save(make_model([helper.make_node("Det", ["x"], ["d"], name="det"),
                     helper.make_node("NonZero", ["d"], ["nz"], name="nonzero"),
                     helper.make_node("RandomUniformLike", ["d"], ["r"], name="random")], [x],
                    [helper.make_tensor_value_info("nz", TensorProto.INT64, [2, None]),
                     helper.make_tensor_value_info("r", F, [1, 1])]),
         os.path.join(work, "unsupported3.onnx"))
    conv_w = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "cw")
    save(make_model([helper.make_node("Conv", ["x", "cw"], ["y"], name="conv", pads=[1, 1])], [x],
                    [helper.make_tensor_value_info("y", F, [1, 1, None, None])], [conv_w]),
         os.path.join(work, "conv_pads.onnx"))
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    save(make_model([helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize", mode="area")],
                    [x], [helper.make_tensor_value_info("y", F, [1, 1, 8, 8])], [scales]),
         os.path.join(work, "resize_mode.onnx"))
    dyn = make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                     [helper.make_tensor_value_info("x", F, ["batch", 8])],
                     [helper.make_tensor_value_info("y", F, ["batch", 8])])
    save(dyn, os.path.join(work, "dynamic.onnx"))
    ext_dir = os.path.join(work, "external")
    os.makedirs(ext_dir)
    save(good_model(), os.path.join(ext_dir, "model.onnx"), external=True)
    os.remove(os.path.join(ext_dir, "weights.data"))
    bad = make_model([helper.make_node("Relu", ["nowhere"], ["y"], name="relu")],
                     [helper.make_tensor_value_info("x", F, [2])],
                     [helper.make_tensor_value_info("y", F, [2])])
    with open(os.path.join(work, "checker.onnx"), "wb") as f:
        f.write(bad.SerializeToString())
    new = make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                     [helper.make_tensor_value_info("x", F, [2])],
                     [helper.make_tensor_value_info("y", F, [2])], opset=18)
    with open(os.path.join(work, "opset18.onnx"), "wb") as f:
        f.write(new.SerializeToString())
    # A KV-cache decoder of 4 positions (y = the sum of the cache), and a
    # cache grown by Concat instead of updated in place.
    i64 = TensorProto.INT64
    kv_nodes = [
        helper.make_node("Cast", ["tokens"], ["t"], to=F, name="cast"),
        helper.make_node("Reshape", ["t", "one4"], ["t4"], name="rt"),
        helper.make_node("Reshape", ["position", "one4"], ["p4"], name="rp"),
        helper.make_node("Expand", ["t4", "row"], ["rows"], name="et"),
        helper.make_node("Expand", ["p4", "row"], ["index"], name="ep"),
        helper.make_node("ScatterElements", ["past.0.key", "index", "rows"], ["present.0.key"], axis=2,
                         name="write"),
        helper.make_node("ReduceSum", ["present.0.key"], ["y"], keepdims=0, name="sum")]
    shapes = [numpy_helper.from_array(np.array([1, 1, 1, 1], np.int64), "one4"),
              numpy_helper.from_array(np.array([1, 1, 1, 2], np.int64), "row")]
    save(make_model(kv_nodes, [helper.make_tensor_value_info("tokens", i64, [1, 1]),
                               helper.make_tensor_value_info("position", i64, [1]),
                               helper.make_tensor_value_info("past.0.key", F, [1, 1, 4, 2])],
                    [helper.make_tensor_value_info("y", F, []),
                     helper.make_tensor_value_info("present.0.key", F, [1, 1, 4, 2])], shapes),
         os.path.join(work, "kv.onnx"))
    save(make_model([helper.make_node("Concat", ["past_key_values.0.key", "k"], ["present.0.key"], axis=2,
                                      name="grow")],
                    [helper.make_tensor_value_info("input_ids", i64, [1, 1]),
                     helper.make_tensor_value_info("past_key_values.0.key", F, [1, 1, 4, 2]),
                     helper.make_tensor_value_info("k", F, [1, 1, 1, 2])],
                    [helper.make_tensor_value_info("present.0.key", F, [1, 1, 5, 2])]),
         os.path.join(work, "grown.onnx"))
    os.makedirs(os.path.join(work, "badstate"))
    np.save(os.path.join(work, "badstate", "past.0.key.npy"), np.zeros((1, 1, 8, 2), np.float32))
    np.save(os.path.join(work, "tok.npy"), np.ones((1, 1), np.int64))
    np.save(os.path.join(work, "pos4.npy"), np.array([4], np.int64))
    np.save(os.path.join(work, "x.npy"), np.ones((2, 3), np.float32))
    np.save(os.path.join(work, "x_f64.npy"), np.ones((2, 3), np.float64))
    np.save(os.path.join(work, "x_shape.npy"), np.ones((3, 2), np.float32))
    np.save(os.path.join(work, "x_rank.npy"), np.ones((6,), np.float32))
    with open(os.path.join(work, "notnpy.npy"), "wb") as f:
        f.write(b"not a numpy file")


def damage_bins(work):
    """Bad copies of good.bin (compiled by the first case)."""
    with open(os.path.join(work, "good.bin"), "rb") as f:
        good = f.read()

    def write(name, data):
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)

    write("truncated.bin", good[: len(good) // 2])
    write("header_only.bin", good[:100])
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x10
    write("bitflip.bin", bytes(flipped))
    write("magic.bin", b"NOTLMC\r\n" + good[8:])
    write("version.bin", good[:8] + struct.pack("<I", 99) + good[12:])
    write("model_as.bin", open(os.path.join(work, "good.onnx"), "rb").read())


# (class of bad input, arguments after `lmc`); `good.bin` is compiled by the first entry.
CASES = [
    ("(setup) a good model", ["compile", "good.onnx", "-o", "good.bin"]),
    ("missing model file", ["compile", "missing.onnx", "-o", "out.bin"]),
    ("empty file", ["compile", "empty.onnx", "-o", "out.bin"]),
    ("truncated ONNX", ["compile", "truncated.onnx", "-o", "out.bin"]),
    ("not-ONNX bytes", ["compile", "notonnx.onnx", "-o", "out.bin"]),
    ("model the ONNX checker rejects (undefined input)", ["compile", "checker.onnx", "-o", "out.bin"]),
    ("opset newer than supported (18)", ["compile", "opset18.onnx", "-o", "out.bin"]),
    ("unsupported op", ["compile", "det.onnx", "-o", "out.bin"]),
    ("several unsupported ops", ["compile", "unsupported3.onnx", "-o", "out.bin"]),
    ("Conv pads without begin and end per axis", ["compile", "conv_pads.onnx", "-o", "out.bin"]),
    ("Resize mode lmc does not know", ["compile", "resize_mode.onnx", "-o", "out.bin"]),
    ("dynamic input without --input-shape", ["compile", "dynamic.onnx", "-o", "out.bin"]),
    ("--input-shape of the wrong rank", ["compile", "dynamic.onnx", "-o", "out.bin", "--input-shape", "x=4"]),
    ("--input-shape against a fixed dimension", ["compile", "dynamic.onnx", "-o", "out.bin", "--input-shape", "x=4x9"]),
    ("--input-shape of an unknown input", ["compile", "dynamic.onnx", "-o", "out.bin", "--input-shape", "x=4x8",
                                           "--input-shape", "tokens=1x8"]),
    ("malformed --input-shape", ["compile", "dynamic.onnx", "-o", "out.bin", "--input-shape", "x=4xb"]),
    ("missing external data file", ["compile", "external/model.onnx", "-o", "out.bin"]),
    ("weights larger than --max-memory allows", ["compile", "good.onnx", "-o", "out.bin", "--max-memory", "100"]),
    ("output directory does not exist", ["compile", "good.onnx", "-o", "nodir/out.bin"]),
    ("missing -o", ["compile", "good.onnx"]),
    ("unknown target", ["compile", "good.onnx", "-o", "out.bin", "--target", "tpu"]),
    ("--chips 0", ["compile", "good.onnx", "-o", "out.bin", "--target", "lpu", "--chips", "0"]),
    ("--chips over the limit", ["compile", "good.onnx", "-o", "out.bin", "--target", "lpu", "--chips", "5000"]),
    ("--chips on a target without chip-to-chip links",
     ["compile", "good.onnx", "-o", "out.bin", "--target", "ara2", "--chips", "2"]),
    ("more chips than pipeline stages", ["compile", "good.onnx", "-o", "out.bin", "--target", "lpu",
                                         "--chips", "64"]),
    ("unknown option", ["compile", "good.onnx", "-o", "out.bin", "--fast"]),
    ("missing .bin", ["run", "missing.bin", "--input", "x=x.npy"]),
    ("truncated .bin (run)", ["run", "truncated.bin", "--input", "x=x.npy"]),
    ("truncated .bin (inspect)", ["inspect", "truncated.bin"]),
    (".bin shorter than its header", ["inspect", "header_only.bin"]),
    ("bit-flipped .bin", ["run", "bitflip.bin", "--input", "x=x.npy"]),
    ("wrong magic", ["inspect", "magic.bin"]),
    ("wrong format version", ["inspect", "version.bin"]),
    ("an ONNX file given as .bin", ["run", "model_as.bin", "--input", "x=x.npy"]),
    ("missing input", ["run", "good.bin"]),
    ("unknown input name", ["run", "good.bin", "--input", "x=x.npy", "--input", "tokens=x.npy"]),
    ("input given twice", ["run", "good.bin", "--input", "x=x.npy", "--input", "x=x.npy"]),
    (".npy of the wrong dtype", ["run", "good.bin", "--input", "x=x_f64.npy"]),
    (".npy of the wrong shape", ["run", "good.bin", "--input", "x=x_shape.npy"]),
    (".npy of the wrong rank", ["run", "good.bin", "--input", "x=x_rank.npy"]),
    ("not a .npy file", ["run", "good.bin", "--input", "x=notnpy.npy"]),
    ("missing .npy file", ["run", "good.bin", "--input", "x=missing.npy"]),
    ("malformed --input", ["run", "good.bin", "--input", "x.npy"]),
    ("working memory larger than --max-memory allows", ["run", "good.bin", "--input", "x=x.npy",
                                                        "--max-memory", "10"]),
    ("generate: vocabulary directory without GPT-2's files", ["generate", "good.bin", "--vocab", "novocab"]),
    ("generate: a model that does not map tokens to logits", ["generate", "good.bin", "--prompt", "Hi"]),
    ("generate: a sampling option without --temperature", ["generate", "good.bin", "--top-k", "40"]),
    ("unknown command", ["frobnicate", "good.bin"]),
    ("(setup) a KV-cache decoder of 4 positions", ["compile", "kv.onnx", "-o", "kv.bin", "--kv-cache"]),
    ("--kv-cache on a model without past.* inputs", ["compile", "good.onnx", "-o", "out.bin", "--kv-cache"]),
    ("--kv-cache on a cache grown by Concat", ["compile", "grown.onnx", "-o", "out.bin", "--kv-cache"]),
    ("--max-context against a fixed cache length",
     ["compile", "kv.onnx", "-o", "out.bin", "--kv-cache", "--max-context", "8"]),
    ("--max-context without --kv-cache", ["compile", "kv.onnx", "-o", "out.bin", "--max-context", "4"]),
    ("decode step past the end of the cache",
     ["run", "kv.bin", "--input", "tokens=tok.npy", "--input", "position=pos4.npy"]),
    ("--state-in of another model's cache",
     ["run", "kv.bin", "--input", "tokens=tok.npy", "--input", "position=pos4.npy", "--state-in", "badstate"]),
    ("--state-out of a model without state", ["run", "good.bin", "--input", "x=x.npy", "--state-out", "st"]),
    ("--steps inputs without the steps axis",
     ["run", "kv.bin", "--steps", "2", "--input", "tokens=tok.npy", "--input", "position=pos4.npy"]),
]


def run_cases(lmc, work):
    rows, problems = [], []
    for what, args in CASES:
        if what.startswith("(setup)"):
            subprocess.run([lmc] + args, cwd=work, check=True, capture_output=True)
            damage_bins(work)
            continue
        before = set(os.listdir(work))
        proc = subprocess.run([lmc] + args, cwd=work, capture_output=True, text=True, timeout=120)
        after = set(os.listdir(work)) - before
        out_dir = os.path.join(work, "out")
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        if proc.returncode not in (1, 2):
            problems.append(f"{what}: exit code {proc.returncode} (expected 1 or 2)")
        if len(lines) != 1:
            problems.append(f"{what}: {len(lines)} lines on stderr (expected 1): {proc.stderr!r}")
        if proc.stdout.strip():
            problems.append(f"{what}: prints on stdout: {proc.stdout.strip()!r}")
        if after or os.path.exists(out_dir):
            problems.append(f"{what}: leaves {sorted(after)} behind")
            for name in after:
                path = os.path.join(work, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        rows.append((what, "lmc " + " ".join(args), proc.returncode, " ".join(lines)))
    return rows, problems


def table(rows):
    def cell(text):
        return text.replace("|", "\\|")
    out = ["# lmc's answers to bad input", "",
           "Generated by `tests/e2e/error_table.py --write` (do not edit by hand): each row is a",
           "command run in a directory of prepared bad inputs (see the script), with lmc's exit code",
           "and its whole stderr. `good.onnx` is a small MatMul+Add model with input `x` f32[2, 3];",
           "`good.bin` is its compiled .bin; the damaged .bin files are copies of it. The",
           "`e2e_error_table` test checks that every answer is one line with exit code 1 (bad input)",
           "or 2 (bad usage), that no output file is left behind, and that this table is current.", "",
           "| bad input | command | exit | lmc's answer (stderr) |", "|---|---|---|---|"]
    for what, cmd, code, err in rows:
        out.append(f"| {cell(what)} | `{cell(cmd)}` | {code} | {cell(err)} |")
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lmc", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--write", nargs="?", const=DOC, metavar="PATH", help="write the table (default docs/errors.md)")
    p.add_argument("--check", nargs="?", const=DOC, metavar="PATH", help="require the table to equal PATH")
    opts = p.parse_args(argv)
    lmc = os.path.abspath(opts.lmc)
    work = os.path.abspath(opts.workdir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    prepare(work)
    rows, problems = run_cases(lmc, work)
    text = table(rows)
    for problem in problems:
        print("PROBLEM", problem)
    if opts.write:
        with open(opts.write, "w") as f:
            f.write(text)
        print(f"wrote {opts.write} ({len(rows)} cases)")
    else:
        sys.stdout.write(text)
    if opts.check:
        # Sizes and checksums move with every change of the compiled bytes; the words must not.
        def shape(t):
            return re.sub(r"0x[0-9a-f]+|\d+", "N", t)
        with open(opts.check) as f:
            if shape(f.read()) != shape(text):
                problems.append("the table differs")
                print(f"FAIL: {opts.check} is not current; regenerate it with "
                      f"tests/e2e/error_table.py --lmc LMC --workdir DIR --write")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
