#!/usr/bin/env bash
# The main job on the bundled default model: build lmc, generate a small
# GPT-2-style ONNX model, compile it, inspect the .bin, run it on the CPU and
# compare the logits with an independent numpy forward pass; then compile it
# for the LPU-like accelerator and simulate it there.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p "${BUILD_DIR:-build}"
log=${BUILD_DIR:-build}/demo-build.log
echo "== build (log: $log)"
if ! ./scripts/build.sh >"$log" 2>&1; then
  tail -n 30 "$log"
  echo "demo: the build failed; the full log is $log" >&2
  exit 1
fi
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
# Through a file: a pipe closed early by sed would stop lmc with SIGPIPE.
$lmc inspect "$work/gpt2.bin" >"$work/inspect.txt"
sed -n '/^instructions/q;p' "$work/inspect.txt"

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

echo; echo "== lmc compile --target lpu, then lmc simulate (a Groq LPU-like chip, simulator/targets/lpu.textproto)"
$lmc compile "$work/gpt2.onnx" -o "$work/gpt2.lpu.bin" --target lpu
$lmc simulate "$work/gpt2.lpu.bin" --input tokens="$work/tokens.npy" --output-dir "$work/out.lpu" \
  >"$work/simulate.txt"
head -n 12 "$work/simulate.txt"
grep -A 3 '^critical' "$work/simulate.txt"
echo "(the whole report: $work/simulate.txt)"
$py - "$work/out/logits.npy" "$work/out.lpu/logits.npy" <<'PY'
import sys
import numpy as np
cpu, sim = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f"simulated lpu logits vs CPU run: max difference {float(np.abs(cpu - sim).max()):.3g}")
PY
