#!/usr/bin/python3
"""A small ResNet-style image classifier as ONNX, with random weights.

The graph (NCHW, float32), for an input `image` [batch, 3, size, size]:

  stem:      Conv 3x3 (3 -> C, pad 1, bias) -> BatchNormalization -> Relu
             MaxPool 3x3, stride 2, pad 1
  block:     Conv 3x3 (C -> C, pad 1) -> BatchNormalization -> Relu
             depthwise Conv 3x3 (group C, pad 1) -> BatchNormalization
             + the block's input (residual) -> Relu
  down:      Conv 3x3 (C -> 2C, stride 2, pad 1) -> BatchNormalization -> Relu
  head:      GlobalAveragePool -> Flatten -> Gemm (2C -> classes, transB)

Output `logits` [batch, classes]. reference.py recomputes it in numpy from
the initializers (names as below) without reading the graph's nodes.

Usage:
  make_cnn.py -o cnn.onnx [--batch 1] [--size 16] [--channels 8] [--classes 10] [--seed 0]
              [--input image.npy]
"""

import argparse
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.onnx_io import save_with_weights  # noqa: E402

BN_EPSILON = 1e-5


def build(batch, size, channels, classes, seed):
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def weight(name, shape, scale=None):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        std = scale if scale is not None else np.sqrt(2.0 / fan_in)
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * std).astype(np.float32), name))
        return name

    def batch_norm(x, name, c):
        scale = numpy_helper.from_array(rng.uniform(0.5, 1.5, c).astype(np.float32), f"{name}.scale")
        bias = numpy_helper.from_array((rng.standard_normal(c) * 0.1).astype(np.float32), f"{name}.bias")
        mean = numpy_helper.from_array((rng.standard_normal(c) * 0.1).astype(np.float32), f"{name}.mean")
        var = numpy_helper.from_array(rng.uniform(0.5, 1.5, c).astype(np.float32), f"{name}.var")
        inits.extend([scale, bias, mean, var])
        nodes.append(helper.make_node("BatchNormalization", [x, scale.name, bias.name, mean.name, var.name],
                                      [f"{name}.out"], name=name, epsilon=BN_EPSILON))
        return f"{name}.out"

    def conv(x, name, cin, cout, stride=1, group=1, bias=False):
        inputs = [x, weight(f"{name}.weight", (cout, cin // group, 3, 3))]
        if bias:
            inputs.append(weight(f"{name}.bias", (cout,), 0.1))
        nodes.append(helper.make_node("Conv", inputs, [f"{name}.out"], name=name, kernel_shape=[3, 3],
                                      strides=[stride, stride], pads=[1, 1, 1, 1], group=group))
        return f"{name}.out"

    def relu(x, name):
        nodes.append(helper.make_node("Relu", [x], [f"{name}.out"], name=name))
        return f"{name}.out"

    c = channels
    x = relu(batch_norm(conv("image", "stem.conv", 3, c, bias=True), "stem.bn", c), "stem.relu")
    nodes.append(helper.make_node("MaxPool", [x], ["stem.pool.out"], name="stem.pool", kernel_shape=[3, 3],
                                  strides=[2, 2], pads=[1, 1, 1, 1]))
    skip = "stem.pool.out"
    y = relu(batch_norm(conv(skip, "block.conv", c, c), "block.bn1", c), "block.relu1")
    y = batch_norm(conv(y, "block.dw", c, c, group=c), "block.bn2", c)
    nodes.append(helper.make_node("Add", [y, skip], ["block.add.out"], name="block.add"))
    y = relu("block.add.out", "block.relu2")
    y = relu(batch_norm(conv(y, "down.conv", c, 2 * c, stride=2), "down.bn", 2 * c), "down.relu")
    nodes.append(helper.make_node("GlobalAveragePool", [y], ["head.pool.out"], name="head.pool"))
    nodes.append(helper.make_node("Flatten", ["head.pool.out"], ["head.flat.out"], name="head.flat"))
    nodes.append(helper.make_node("Gemm", ["head.flat.out", weight("head.fc.weight", (classes, 2 * c)),
                                           weight("head.fc.bias", (classes,), 0.1)],
                                  ["logits"], name="head.fc", transB=1))
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, classes])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)],
                              producer_name="lmc examples/cnn")
    model.ir_version = 8
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input", help="also write a random image batch here (.npy)")
    a = p.parse_args()
    if a.size < 4 or a.size % 4 or a.channels < 1 or a.batch < 1 or a.classes < 1:
        p.error("--size must be a multiple of 4 (>= 4); --batch, --channels, --classes >= 1")
    save_with_weights(build(a.batch, a.size, a.channels, a.classes, a.seed), a.output)
    if a.input:
        rng = np.random.default_rng(a.seed + 1)
        np.save(a.input, rng.standard_normal((a.batch, 3, a.size, a.size)).astype(np.float32))
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
