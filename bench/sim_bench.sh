#!/usr/bin/env bash
# Simulation speed: builds a Llama-2-7B-shaped model without weights (its
# decode step with a 4096-position KV cache; prefills of seq 1, 32 and 128),
# a GPT-2-small
# KV-cache decode step without weights and a tiny GPT-2 for ara2 and lpu,
# prints the host time of `lmc simulate` on each (process start, file
# mapping and verification included; wall and user CPU seconds), then runs
# lmc_sim_bench (simulated instructions per second of host time).
# Usage: bench/sim_bench.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
lmc=$build/bin/lmc
py=/usr/bin/python3
work=$(mktemp -d /tmp/lmc-sim-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

$py examples/llama/make_llama.py --preset llama2-7b --seq 1 --kv-cache 4096 --graph-only \
  -o "$work/llama7b_kv.onnx" >/dev/null
$py examples/llama/make_llama.py --preset llama2-7b --seq 1 --graph-only -o "$work/llama7b_s1.onnx" >/dev/null
$py examples/llama/make_llama.py --preset llama2-7b --seq 32 --graph-only -o "$work/llama7b_s32.onnx" >/dev/null
$py examples/llama/make_llama.py --preset llama2-7b --seq 128 --graph-only -o "$work/llama7b_s128.onnx" >/dev/null
$py examples/gpt2/make_gpt2.py --layers 2 --width 64 --heads 4 --vocab 256 --seq 16 -o "$work/tiny.onnx" >/dev/null
$py examples/gpt2/make_gpt2.py --layers 12 --width 768 --heads 12 --vocab 50257 --seq 1 --kv-cache 256 \
  --ctx 1024 --external-data -o "$work/gpt2s_kv.onnx" >/dev/null
"$lmc" compile "$work/llama7b_kv.onnx" -o "$work/llama7b_kv_ara2.bin" --target ara2 --kv-cache \
  --no-weights >/dev/null
"$lmc" compile "$work/llama7b_s1.onnx" -o "$work/llama7b_s1_ara2.bin" --target ara2 --no-weights >/dev/null
"$lmc" compile "$work/llama7b_s32.onnx" -o "$work/llama7b_s32_ara2.bin" --target ara2 --no-weights >/dev/null
"$lmc" compile "$work/llama7b_s128.onnx" -o "$work/llama7b_s128_ara2.bin" --target ara2 --no-weights >/dev/null
"$lmc" compile "$work/gpt2s_kv.onnx" -o "$work/gpt2s_kv_ara2.bin" --target ara2 --kv-cache --no-weights >/dev/null
rm -f "$work/gpt2s_kv.onnx.data"
"$lmc" compile "$work/tiny.onnx" -o "$work/tiny_ara2.bin" --target ara2 >/dev/null
"$lmc" compile "$work/tiny.onnx" -o "$work/tiny_lpu.bin" --target lpu >/dev/null

echo "| .bin | instructions | simulated latency | host s (lmc simulate, wall / user) | peak RSS MB |"
echo "|---|---|---|---|---|"
for bin in llama7b_kv_ara2 llama7b_s1_ara2 llama7b_s32_ara2 llama7b_s128_ara2 gpt2s_kv_ara2 tiny_ara2 tiny_lpu; do
  /usr/bin/time -f "%e %U %M" -o "$work/time.log" "$lmc" simulate "$work/$bin.bin" --no-functional \
    --json >"$work/out.json"
  read -r wall user rss < <(tail -n 1 "$work/time.log")
  read -r instr latency < <($py -c "import json,sys; d=json.load(open(sys.argv[1])); \
print(d['instructions'], '%.3f ms' % (d['latency_s'] * 1e3))" "$work/out.json")
  printf "| %s | %s | %s | %s / %s | %d |\n" "$bin" "$instr" "$latency" "$wall" "$user" $((rss / 1024))
done
echo
if [ -x "$build/bin/lmc_sim_bench" ]; then
  LMC_SIM_BENCH_BINS="$work/llama7b_kv_ara2.bin:$work/llama7b_s1_ara2.bin:$work/llama7b_s32_ara2.bin:$work/llama7b_s128_ara2.bin:$work/gpt2s_kv_ara2.bin:$work/tiny_ara2.bin" \
    "$build/bin/lmc_sim_bench" --benchmark_min_time=0.5
fi
