#!/usr/bin/env bash
# The main job on the bundled default model: build lmc, generate a small
# GPT-2-style ONNX model, compile it, inspect the .bin, run it on the CPU and
# compare the logits with an independent numpy forward pass.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
lmc=${BUILD_DIR:-build}/bin/lmc
py=/usr/bin/python3
work=${BUILD_DIR:-build}/demo
mkdir -p "$work"
layers=${LAYERS:-2} width=${WIDTH:-64} heads=${HEADS:-4} vocab=${VOCAB:-256} seq=${SEQ:-16}

echo "== generate: GPT-2-style decoder, $layers layers, width $width, $heads heads, vocab $vocab, seq $seq"
$py examples/gpt2/make_gpt2.py --layers "$layers" --width "$width" --heads "$heads" \
  --vocab "$vocab" --seq "$seq" -o "$work/gpt2.onnx"
$py examples/gpt2/make_tokens.py --seq "$seq" --vocab "$vocab" -o "$work/tokens.npy"

echo; echo "== lmc compile"
$lmc compile "$work/gpt2.onnx" -o "$work/gpt2.bin" --report

echo; echo "== lmc inspect (header and IO; '$lmc inspect $work/gpt2.bin' shows the disassembly)"
$lmc inspect "$work/gpt2.bin" | sed -n '/^instructions/q;p'

echo "== lmc run"
$lmc run "$work/gpt2.bin" --input tokens="$work/tokens.npy" --output-dir "$work/out"

echo; echo "== compare with the numpy reference"
$py examples/gpt2/reference.py "$work/gpt2.onnx" --tokens "$work/tokens.npy" -o "$work/reference.npy" >/dev/null
$py - "$work/out/logits.npy" "$work/reference.npy" <<'PY'
import sys
import numpy as np
got, ref = np.load(sys.argv[1]), np.load(sys.argv[2])
err = float(np.abs(got - ref).max())
scale = max(1.0, float(np.abs(ref).max()))
print(f"max |lmc - numpy| = {err:.3g} (logit scale {scale:.3g}); "
      f"top-1 tokens agree at {int((got.argmax(-1) == ref.argmax(-1)).sum())}/{ref.shape[1]} positions")
sys.exit(0 if err <= 1e-4 * scale else 1)
PY
