#!/usr/bin/python3
"""Write a deterministic int64 tokens .npy of shape [1, seq] for the GPT-2 examples.

Usage: make_tokens.py --seq 16 --vocab 256 [--seed 0] -o tokens.npy
"""

import argparse
import sys

import numpy as np


def make_tokens(seq, vocab, seed=0):
    return np.random.default_rng(seed).integers(0, vocab, size=(1, seq), dtype=np.int64)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seq", type=int, required=True)
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    if args.seq <= 0 or args.vocab <= 0:
        p.error("--seq and --vocab must be positive")
    np.save(args.output, make_tokens(args.seq, args.vocab, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
