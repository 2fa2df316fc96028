#!/usr/bin/python3
"""Write ONNX Runtime's quantized forms of an f32 model, for bench/ort_compare.sh.

Every MatMul whose right-hand side is a constant K x N matrix (an initializer,
or the tied LM head's Transpose of the token embedding) is rewritten; the
attention products (both operands computed) stay f32, as in lmc. The weights
are quantized with lmc's own rules (examples/common/quant.py, the numpy twin
of runtime/format/QuantMatMul), so both engines run the same integers:

  int8  the form onnxruntime.quantization.quantize_dynamic emits, which ORT
        fuses into DynamicQuantizeMatMul:
          DynamicQuantizeLinear(x) -> xq (u8), xs, xzp
          MatMulInteger(xq, Wq (i8 [K, N]), xzp, 0) -> i32
          Cast(f32) * (xs * w_scale [N])      (per output channel scales)
        Activations: one asymmetric u8 scale per tensor (lmc: symmetric i8
        per row).
  int4  com.microsoft MatMulNBits (bits 4, block_size G = 32, no zero_points,
        so the zero point is 8): B u8 [N, K/G, G/2], element 2j of a block in
        the low nibble and 2j+1 in the high one, code = q + 8 for lmc's q in
        [-7, 7]; scales f32 [N, K/G]. accuracy_level 4 (--accuracy-level)
        lets ORT quantize A to int8 per block, as lmc quantizes it per row.

Usage: ort_prepare.py model.onnx --int8 out_int8.onnx --int4 out_int4.onnx
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from common.quant import quantize_weights  # noqa: E402

MS_DOMAIN = "com.microsoft"


def constant_rhs(graph, node, inits, producers):
    """The constant K x N right-hand side of a MatMul as float32, and the nodes
    that only served to build it (Identity/Transpose of an initializer), or None."""
    name = node.input[1]
    if name in inits:
        w = numpy_helper.to_array(inits[name])
        return (w, []) if w.ndim == 2 else None
    chain = []
    while name in producers:
        p = producers[name]
        if p.op_type == "Identity":
            chain.append(p)
            name = p.input[0]
        elif p.op_type == "Transpose" and [a.ints for a in p.attribute if a.name == "perm"] in ([[1, 0]], []):
            chain.append(p)
            name = p.input[0]
        else:
            return None
    if name not in inits:
        return None
    w = numpy_helper.to_array(inits[name])
    if w.ndim != 2:
        return None
    for p in chain:
        if p.op_type == "Transpose":
            w = w.T
    return np.ascontiguousarray(w, dtype=np.float32), chain


def int8_nodes(node, w, prefix):
    """quantize_dynamic's per-channel form of `node` (x @ w)."""
    q, scales = quantize_weights(w, "int8", 0)
    n = w.shape[1]
    x, out = node.input[0], node.output[0]
    inits = [
        numpy_helper.from_array(q.astype(np.int8), prefix + "_quantized"),
        numpy_helper.from_array(np.zeros([n], np.int8), prefix + "_zero_point"),
        numpy_helper.from_array(scales.reshape(n).astype(np.float32), prefix + "_scale"),
    ]
    nodes = [
        helper.make_node("DynamicQuantizeLinear", [x], [prefix + "_xq", prefix + "_xs", prefix + "_xzp"],
                         name=prefix + "/DynamicQuantizeLinear"),
        helper.make_node("MatMulInteger", [prefix + "_xq", prefix + "_quantized", prefix + "_xzp",
                                           prefix + "_zero_point"], [prefix + "_acc"],
                         name=prefix + "/MatMulInteger"),
        helper.make_node("Cast", [prefix + "_acc"], [prefix + "_accf"], to=TensorProto.FLOAT,
                         name=prefix + "/Cast"),
        helper.make_node("Mul", [prefix + "_xs", prefix + "_scale"], [prefix + "_scales"],
                         name=prefix + "/ScaleMul"),
        helper.make_node("Mul", [prefix + "_accf", prefix + "_scales"], [out], name=prefix + "/Mul"),
    ]
    return nodes, inits


def pack_int4(w, group):
    """MatMulNBits' (B, scales) for w [K, N] with lmc's int4 values."""
    k, n = w.shape
    if k % group:
        raise ValueError(f"K = {k} is not a multiple of the block size {group}")
    q, scales = quantize_weights(w, "int4", group)
    codes = (q + 8).astype(np.uint8).T.reshape(n, k // group, group)  # [N, blocks, G]
    packed = codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)
    return np.ascontiguousarray(packed), np.ascontiguousarray(scales.T.astype(np.float32))


def int4_nodes(node, w, prefix, group, accuracy_level):
    packed, scales = pack_int4(w, group)
    k, n = w.shape
    inits = [numpy_helper.from_array(packed, prefix + "_Q4"),
             numpy_helper.from_array(scales, prefix + "_scales")]
    nodes = [helper.make_node("MatMulNBits", [node.input[0], prefix + "_Q4", prefix + "_scales"],
                              [node.output[0]], name=prefix + "/MatMulNBits", domain=MS_DOMAIN,
                              K=k, N=n, bits=4, block_size=group, accuracy_level=accuracy_level)]
    return nodes, inits


def rewrite(model, scheme, group, accuracy_level):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    new_nodes, new_inits, dropped, count = [], [], set(), 0
    for node in graph.node:
        found = constant_rhs(graph, node, inits, producers) if node.op_type == "MatMul" else None
        if found is None:
            new_nodes.append(node)
            continue
        w, chain = found
        dropped.update(id(p) for p in chain)
        prefix = (node.name or node.output[0]).strip("/").replace("/", "_") + f"_{scheme}"
        if scheme == "int8":
            nodes, ws = int8_nodes(node, w, prefix)
        else:
            nodes, ws = int4_nodes(node, w, prefix, group, accuracy_level)
        new_nodes.extend(nodes)
        new_inits.extend(ws)
        count += 1
    # Drop the Identity/Transpose chains of rewritten weights nobody else reads.
    used = {i for n in new_nodes if id(n) not in dropped for i in n.input} | {o.name for o in graph.output}
    kept = [n for n in new_nodes if id(n) not in dropped or any(o in used for o in n.output)]
    used = {i for n in kept for i in n.input}
    del graph.node[:]
    graph.node.extend(kept)
    old = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(old + new_inits)
    if scheme == "int4" and not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    return count


def save(model, path):
    data = os.path.basename(path) + ".data"
    data_path = os.path.join(os.path.dirname(os.path.abspath(path)), data)
    if os.path.exists(data_path):
        os.remove(data_path)  # onnx appends to an existing data file
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data, size_threshold=1024)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="f32 ONNX model (external data next to it is read)")
    p.add_argument("--int8", metavar="OUT", help="write the MatMulInteger form here")
    p.add_argument("--int4", metavar="OUT", help="write the MatMulNBits form here")
    p.add_argument("--group", type=int, default=32, help="int4 block size (lmc's --quant-group)")
    p.add_argument("--accuracy-level", type=int, default=4, choices=[0, 1, 2, 3, 4],
                   help="MatMulNBits accuracy_level (4: int8 activations, 0: f32)")
    args = p.parse_args(argv)
    for scheme, out in (("int8", args.int8), ("int4", args.int4)):
        if not out:
            continue
        model = onnx.load(args.model)
        count = rewrite(model, scheme, args.group, args.accuracy_level)
        if count == 0:
            sys.exit(f"{args.model}: no MatMul with a constant right-hand side to quantize")
        save(model, out)
        print(f"wrote {out}: {count} matmuls as {scheme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
