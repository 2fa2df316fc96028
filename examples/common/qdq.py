#!/usr/bin/python3
"""Rewrite an f32 ONNX model into an already-quantized one, the way ONNX
Runtime's quantization tools export them, to test lmc's import of such models.

Every MatMul whose right-hand side is a 2-D f32 initializer, directly or
through a Transpose (a tied LM head), gets int8 weights quantized per output
channel by examples/common/quant.py (the same q and scales lmc's own `--quant
int8` makes, so the numpy reference's `--quant int8` models the result):

- `--style qdq` (static QDQ): `MatMul(x, DequantizeLinear(W_q, scale, 0))`,
  the DequantizeLinear on axis 1, or on axis 0 before the Transpose; a
  `Gemm(x, W, transB=1)` likewise gets `DequantizeLinear(W_q, scale, 0)` on
  axis 0 as its B;
- `--style dynamic` (ONNX Runtime's quantize_dynamic): `DynamicQuantizeLinear(x)
  -> MatMulInteger(x_q, W_q, x_zp, 0) -> Cast(float) -> Mul(., x_scale * w_scale)`.

Usage:
  qdq.py model.onnx -o model_qdq.onnx [--style qdq|dynamic]
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.quant import quantize_weights  # noqa: E402


def weight_of(node, producers, inits):
    """(initializer name, transposed) of MatMul `node`'s B, or None."""
    b = node.input[1]
    if b in inits:
        return b, False
    t = producers.get(b)
    if t is None or t.op_type != "Transpose":
        return None
    perm = next((list(a.ints) for a in t.attribute if a.name == "perm"), [1, 0])
    src = t.input[0]
    ident = producers.get(src)
    if ident is not None and ident.op_type == "Identity":
        src = ident.input[0]
    if perm != [1, 0] or src not in inits:
        return None
    return src, True


def gemm_weight(node, producers, inits):
    """The initializer of a Gemm(x, W, transB=1)'s W (possibly through an Identity), or None."""
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if attrs.get("transB", 0) != 1 or attrs.get("transA", 0) != 0:
        return None
    src = node.input[1]
    ident = producers.get(src)
    if ident is not None and ident.op_type == "Identity":
        src = ident.input[0]
    return src if src in inits else None


def rewrite(model, style):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    producers = {out: n for n in graph.node for out in n.output}
    nodes, new_inits, count = [], [], 0
    for node in graph.node:
        found = weight_of(node, producers, inits) if node.op_type == "MatMul" else None
        if node.op_type == "Gemm" and style == "qdq" and gemm_weight(node, producers, inits):
            found = gemm_weight(node, producers, inits), True
        if found is None or inits[found[0]].data_type != TensorProto.FLOAT or len(inits[found[0]].dims) != 2:
            nodes.append(node)
            continue
        name, transposed = found
        w = numpy_helper.to_array(inits[name])
        q, scales = quantize_weights(w.T if transposed else w, "int8", 0)  # K x N, [1, N]
        q = q.astype(np.int8)
        scale = scales[0].astype(np.float32)
        tag = f"{node.name or node.output[0]}.q{count}"
        count += 1
        if style == "qdq":
            # Stored as the f32 weight was: N x K (axis 0) under a Transpose.
            stored, axis = (q.T.copy(), 0) if transposed else (q, 1)
            new_inits += [numpy_helper.from_array(stored, f"{tag}.w"),
                          numpy_helper.from_array(scale, f"{tag}.scale"),
                          numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{tag}.zp")]
            nodes.append(helper.make_node("DequantizeLinear", [f"{tag}.w", f"{tag}.scale", f"{tag}.zp"],
                                          [f"{tag}.deq"], name=f"{tag}/DequantizeLinear", axis=axis))
            b = f"{tag}.deq"
            if node.op_type == "Gemm":
                gemm = onnx.NodeProto()
                gemm.CopyFrom(node)
                gemm.input[1] = b
                nodes.append(gemm)
                continue
            if transposed:
                nodes.append(helper.make_node("Transpose", [b], [f"{tag}.t"], name=f"{tag}/Transpose",
                                              perm=[1, 0]))
                b = f"{tag}.t"
            nodes.append(helper.make_node("MatMul", [node.input[0], b], list(node.output), name=node.name))
        else:
            new_inits += [numpy_helper.from_array(q, f"{tag}.w"),
                          numpy_helper.from_array(scale, f"{tag}.w_scale"),
                          numpy_helper.from_array(np.array(0, np.int8), f"{tag}.w_zp")]
            x = node.input[0]
            nodes += [
                helper.make_node("DynamicQuantizeLinear", [x], [f"{tag}.xq", f"{tag}.xs", f"{tag}.xzp"],
                                 name=f"{tag}/DynamicQuantizeLinear"),
                helper.make_node("MatMulInteger", [f"{tag}.xq", f"{tag}.w", f"{tag}.xzp", f"{tag}.w_zp"],
                                 [f"{tag}.acc"], name=f"{tag}/MatMulInteger"),
                helper.make_node("Cast", [f"{tag}.acc"], [f"{tag}.accf"], name=f"{tag}/Cast",
                                 to=TensorProto.FLOAT),
                helper.make_node("Mul", [f"{tag}.xs", f"{tag}.w_scale"], [f"{tag}.s"], name=f"{tag}/ScaleMul"),
                helper.make_node("Mul", [f"{tag}.accf", f"{tag}.s"], list(node.output), name=node.name),
            ]
    # Drop what only the rewritten matmuls read (their Transpose/Identity, f32 weights).
    outputs = {o.name for o in graph.output}
    while True:
        used = {i for n in nodes for i in n.input} | outputs
        kept = [n for n in nodes if any(o in used for o in n.output)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    used = {i for n in nodes for i in n.input}
    initializers = [t for t in graph.initializer if t.name in used] + new_inits
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    return count


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--style", choices=("qdq", "dynamic"), default="qdq")
    args = p.parse_args(argv)
    model = onnx.load(args.model)
    count = rewrite(model, args.style)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.output)
    print(f"{args.output}: {count} matmul weights quantized to int8 ({args.style})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
