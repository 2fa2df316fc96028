#!/usr/bin/python3
"""Numpy reference forward pass of make_cnn.py's classifier.

Written from the architecture in make_cnn.py's docstring: it reads only the
initializers (by name) and computes in float64, convolutions as sums over
kernel offsets of strided slices of the padded input (no im2col, no matmul),
max pooling the same way, batch normalization in its textbook form.

Usage:
  reference.py cnn.onnx --input image.npy -o logits.npy
"""

import argparse

import numpy as np
import onnx
from onnx import numpy_helper

BN_EPSILON = 1e-5


def conv(x, w, b=None, stride=1, pad=1, group=1):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, m, oh, ow))
    mg = m // group
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        wg = w[g * mg:(g + 1) * mg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
                out[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, wg[:, :, i, j])
    if b is not None:
        out += b[None, :, None, None]
    return out


def max_pool(x, k=3, stride=2, pad=1):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride])
    return out


def forward(weights, image):
    def bn(x, name):
        shape = (1, -1, 1, 1)
        mean, var = weights[f"{name}.mean"].reshape(shape), weights[f"{name}.var"].reshape(shape)
        scale, bias = weights[f"{name}.scale"].reshape(shape), weights[f"{name}.bias"].reshape(shape)
        return (x - mean) / np.sqrt(var + BN_EPSILON) * scale + bias

    relu = lambda x: np.maximum(x, 0.0)  # noqa: E731
    c = weights["stem.conv.weight"].shape[0]
    x = relu(bn(conv(image, weights["stem.conv.weight"], weights["stem.conv.bias"]), "stem.bn"))
    skip = max_pool(x)
    y = relu(bn(conv(skip, weights["block.conv.weight"]), "block.bn1"))
    y = bn(conv(y, weights["block.dw.weight"], group=c), "block.bn2")
    y = relu(y + skip)
    y = relu(bn(conv(y, weights["down.conv.weight"], stride=2), "down.bn"))
    pooled = y.mean(axis=(2, 3))
    return pooled @ weights["head.fc.weight"].T + weights["head.fc.bias"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("--input", required=True)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    model = onnx.load(a.model)
    weights = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    image = np.load(a.input).astype(np.float64)
    np.save(a.output, forward(weights, image).astype(np.float32))


if __name__ == "__main__":
    main()
