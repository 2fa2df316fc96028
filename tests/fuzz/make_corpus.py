#!/usr/bin/python3
"""Writes the fuzz seed corpora: tiny ONNX models (corpus/onnx), their .bin files compiled by lmc
(corpus/bin) and the built-in targets (corpus/target). Deterministic: rerunning gives the same bytes.

Usage: make_corpus.py --lmc build/bin/lmc [--out tests/fuzz/corpus]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
F = TensorProto.FLOAT
TILED_SEEDS = {"matmul_relu": "lpu", "gather_layernorm": "ara2"}


def model(name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="lmc-fuzz")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name=name)


def models():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    yield "add", model("add", [helper.make_node("Add", ["a", "b"], ["y"], name="add")],
                       [vi("a", F, [2, 3]), vi("b", F, [3])], [vi("y", F, [2, 3])])
    yield "matmul_relu", model(
        "matmul_relu",
        [helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
         helper.make_node("Relu", ["m"], ["y"], name="relu")],
        [vi("x", F, [2, 3])], [vi("y", F, [2, 4])], [const("w", w)])
    yield "softmax_transpose", model(
        "softmax_transpose",
        [helper.make_node("Reshape", ["x", "s"], ["r"], name="reshape"),
         helper.make_node("Transpose", ["r"], ["t"], perm=[1, 0], name="transpose"),
         helper.make_node("Softmax", ["t"], ["y"], axis=-1, name="softmax")],
        [vi("x", F, [1, 6])], [vi("y", F, [3, 2])], [const("s", np.array([2, 3], np.int64))])
    yield "gather_layernorm", model(
        "gather_layernorm",
        [helper.make_node("Gather", ["emb", "ids"], ["e"], name="gather"),
         helper.make_node("LayerNormalization", ["e", "g", "b"], ["y"], axis=-1, epsilon=1e-5,
                          name="ln")],
        [vi("ids", TensorProto.INT64, [1, 2])], [vi("y", F, [1, 2, 4])],
        [const("emb", rng.standard_normal((5, 4)).astype(np.float32)),
         const("g", np.ones(4, np.float32)), const("b", np.zeros(4, np.float32))])
    yield "where_reduce_cast", model(
        "where_reduce_cast",
        [helper.make_node("Less", ["x", "zero"], ["c"], name="less"),
         helper.make_node("Where", ["c", "zero", "x"], ["p"], name="where"),
         helper.make_node("ReduceSum", ["p", "axes"], ["s"], keepdims=1, name="sum"),
         helper.make_node("Cast", ["s"], ["y"], to=TensorProto.INT32, name="cast")],
        [vi("x", F, [2, 3])], [vi("y", TensorProto.INT32, [2, 1])],
        [const("zero", np.float32(0)), const("axes", np.array([1], np.int64))])

    # Operators imported by unrolling: recurrent layers, Einsum, If/Loop/Scan bodies.
    yield "lstm_gru", model(
        "lstm_gru",
        [helper.make_node("LSTM", ["x", "lw", "lr", "lb", "", "", "", "lp"], ["ly", "lh"], hidden_size=2,
                          direction="bidirectional", name="lstm"),
         helper.make_node("Reshape", ["ly", "s"], ["gx"], name="reshape"),
         helper.make_node("GRU", ["gx", "gw", "gr"], ["", "y"], hidden_size=2, linear_before_reset=1,
                          name="gru")],
        [vi("x", F, [3, 1, 2])], [vi("y", F, [1, 1, 2])],
        [const("lw", rng.standard_normal((2, 8, 2)).astype(np.float32)),
         const("lr", rng.standard_normal((2, 8, 2)).astype(np.float32)),
         const("lb", rng.standard_normal((2, 16)).astype(np.float32)),
         const("lp", rng.standard_normal((2, 6)).astype(np.float32)),
         const("s", np.array([3, 1, 4], np.int64)),
         const("gw", rng.standard_normal((1, 6, 4)).astype(np.float32)),
         const("gr", rng.standard_normal((1, 6, 2)).astype(np.float32))], opset=14)
    yield "einsum", model(
        "einsum",
        [helper.make_node("Einsum", ["a", "b"], ["y"], equation="...ii,...ij->...j", name="einsum")],
        [vi("a", F, [2, 3, 3]), vi("b", F, [2, 3, 4])], [vi("y", F, [2, 4])])
    body = helper.make_graph(
        [helper.make_node("Identity", ["c_in"], ["c_out"], name="cond"),
         helper.make_node("Add", ["v_in", "v_in"], ["v_out"], name="double")],
        "body", [vi("i", TensorProto.INT64, []), vi("c_in", TensorProto.BOOL, []), vi("v_in", F, [2])],
        [vi("c_out", TensorProto.BOOL, []), vi("v_out", F, [2])])
    then_g = helper.make_graph([helper.make_node("Neg", ["l"], ["t"], name="neg")], "then", [], [vi("t", F, [2])])
    else_g = helper.make_graph([helper.make_node("Abs", ["l"], ["e"], name="abs")], "else", [], [vi("e", F, [2])])
    scan_body = helper.make_graph([helper.make_node("Add", ["s_in", "r"], ["s_out"], name="acc")], "scan_body",
                                  [vi("s_in", F, [2]), vi("r", F, [2])], [vi("s_out", F, [2])])
    yield "loop_if_scan", model(
        "loop_if_scan",
        [helper.make_node("Loop", ["m", "c", "x"], ["l"], body=body, name="loop"),
         helper.make_node("If", ["c"], ["f"], then_branch=then_g, else_branch=else_g, name="if"),
         helper.make_node("Scan", ["f", "rows"], ["y"], body=scan_body, num_scan_inputs=1, name="scan")],
        [vi("x", F, [2]), vi("rows", F, [3, 2])], [vi("y", F, [2])],
        [const("m", np.array(3, np.int64)), const("c", np.array(True))])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lmc", required=True)
    p.add_argument("--out", default=os.path.join(HERE, "corpus"))
    opts = p.parse_args()
    os.makedirs(os.path.join(opts.out, "onnx"), exist_ok=True)
    os.makedirs(os.path.join(opts.out, "bin"), exist_ok=True)
    for name, m in models():
        onnx_path = os.path.join(opts.out, "onnx", name + ".onnx")
        with open(onnx_path, "wb") as f:
            f.write(m.SerializeToString())
        bin_path = os.path.join(opts.out, "bin", name + ".bin")
        subprocess.run([opts.lmc, "compile", onnx_path, "-o", bin_path], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"{onnx_path} ({os.path.getsize(onnx_path)} bytes), {bin_path} ({os.path.getsize(bin_path)} bytes)")
        # Tiled, scheduled instruction streams of the accelerator targets too.
        target = TILED_SEEDS.get(name)
        if target:
            tiled = os.path.join(opts.out, "bin", f"{name}_{target}.bin")
            subprocess.run([opts.lmc, "compile", onnx_path, "-o", tiled, "--target", target], check=True,
                           stdout=subprocess.DEVNULL)
            print(f"{tiled} ({os.path.getsize(tiled)} bytes)")
    targets = os.path.join(os.path.dirname(os.path.dirname(HERE)), "simulator", "targets")
    os.makedirs(os.path.join(opts.out, "target"), exist_ok=True)
    for name in sorted(os.listdir(targets)):
        if name.endswith(".textproto"):
            shutil.copyfile(os.path.join(targets, name), os.path.join(opts.out, "target", name))
            print(os.path.join(opts.out, "target", name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
