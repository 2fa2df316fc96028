#!/usr/bin/env bash
# Compile-time benchmark: wall time and peak RSS of `lmc compile` for the
# GPT-2-small-shaped model with its weights and a Llama-2-7B-shaped model
# without them (--no-weights), per target. Prints a markdown table.
# Usage: bench/compile_bench.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
lmc=${1:-build}/bin/lmc
py=/usr/bin/python3
work=$(mktemp -d /tmp/lmc-compile-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

$py examples/gpt2/make_gpt2.py --layers 12 --width 768 --heads 12 --vocab 50257 --seq 128 \
  --ctx 1024 --external-data -o "$work/gpt2s.onnx" >/dev/null
$py examples/llama/make_llama.py --preset llama2-7b --seq 128 --graph-only -o "$work/llama7b.onnx" >/dev/null
weights=$(stat -c %s "$work/gpt2s.onnx.data")

echo "| model | target | flags | wall s | peak RSS MB | RSS / weight bytes | result |"
echo "|---|---|---|---|---|---|---|"
run() {  # model label target flags...
  local model=$1 label=$2 target=$3; shift 3
  local log="$work/time.log" result
  if /usr/bin/time -f "%e %M" -o "$log" "$lmc" compile "$model" -o "$work/out.bin" \
      --target "$target" "$@" >"$work/out.txt" 2>&1; then
    result=ok
  else
    result="error: $(head -c 90 "$work/out.txt")..."
  fi
  read -r wall rss < <(tail -n 1 "$log")
  local ratio="-"
  [ "$label" = gpt2-small ] && ratio=$(awk -v r="$rss" -v w="$weights" 'BEGIN{printf "%.2f", r*1024/w}')
  printf "| %s | %s | %s | %s | %d | %s | %s |\n" "$label" "$target" "${*:-}" "$wall" \
    $((rss / 1024)) "$ratio" "$result"
}
for target in cpu lpu ara2; do run "$work/gpt2s.onnx" gpt2-small "$target"; done
for target in cpu lpu ara2; do run "$work/llama7b.onnx" llama2-7b "$target" --no-weights; done
