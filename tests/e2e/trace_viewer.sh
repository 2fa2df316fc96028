#!/usr/bin/env bash
# Opens `lmc simulate --trace` files of tiny GPT-2 (lpu, ara2) and a GPT-2 KV-cache decode step
# (ara2) in Chromium's DevTools trace engine (tests/e2e/trace_viewer.mjs) and checks
# what it shows against the files. Exits 77 (a ctest skip) where Chromium or Node is not
# installed: `apt-get install chromium nodejs` to run it.
# Usage: tests/e2e/trace_viewer.sh LMC WORKDIR
set -euo pipefail
lmc=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ] || ! command -v node >/dev/null; then
  echo "SKIP: needs chromium and node"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
py=/usr/bin/python3
$py "$repo/examples/gpt2/make_gpt2.py" --layers 2 --width 64 --heads 4 --vocab 256 --seq 16 \
  -o "$work/gpt2.onnx" >/dev/null
$py "$repo/examples/gpt2/make_gpt2.py" --layers 2 --width 64 --heads 4 --vocab 256 --seq 1 \
  --kv-cache 16 --ctx 16 -o "$work/gpt2_kv.onnx" >/dev/null
"$lmc" compile "$work/gpt2.onnx" -o "$work/gpt2_lpu.bin" --target lpu >/dev/null
"$lmc" compile "$work/gpt2.onnx" -o "$work/gpt2_ara2.bin" --target ara2 >/dev/null
"$lmc" compile "$work/gpt2_kv.onnx" -o "$work/gpt2_kv_ara2.bin" --target ara2 --kv-cache >/dev/null
for bin in gpt2_lpu gpt2_ara2 gpt2_kv_ara2; do
  "$lmc" simulate "$work/$bin.bin" --no-functional --trace "$work/$bin.json" >/dev/null
done
node "$here/trace_viewer.mjs" "$browser" \
  "$work/gpt2_lpu.json" "$work/gpt2_ara2.json" "$work/gpt2_kv_ara2.json"
