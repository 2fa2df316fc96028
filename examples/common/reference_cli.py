"""The command line shared by the numpy reference forward passes."""

import argparse

import numpy as np

from common.quant import SCHEMES


def reference_main(description, generator, load_onnx, load_npz, forward, argv=None):
    """`reference.py model.onnx|weights.npz --tokens t.npy -o logits.npy`."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("model", help=f"model.onnx from {generator}, or its --weights-only-npz file")
    p.add_argument("--tokens", required=True, help="int64 .npy of shape [1, S]")
    p.add_argument("-o", "--output", required=True, help="where to write logits .npy")
    p.add_argument("--quant", choices=SCHEMES, default="none",
                   help="model lmc compile --quant: quantized weights and int8 activations")
    p.add_argument("--quant-group", type=int, default=32, help="int4 group size")
    args = p.parse_args(argv)
    weights, config = load_npz(args.model) if args.model.endswith(".npz") else load_onnx(args.model)
    logits = forward(weights, config, np.load(args.tokens), args.quant, args.quant_group)
    np.save(args.output, logits)
    print(f"wrote {args.output}: shape {list(logits.shape)}, max|logit| {np.abs(logits).max():.4f}")
    return 0
