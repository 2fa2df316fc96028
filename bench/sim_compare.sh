#!/usr/bin/env bash
# Checks that two builds of `lmc simulate` give the same results: compiles a
# set of models once (tiny GPT-2, Llama and MatMul-free on lpu and ara2, a
# KV-cache decoder, the GPT-2-small KV decode step and Llama-2-7B's decode
# step, seq 1 and seq 128 without weights) and compares, byte for byte, each build's text and
# JSON reports, Chrome trace, --sweep table, --set run and functional
# outputs. Use it before and after a change to simulator/ (docs/simulator.md,
# "Speed"): build the old tree's lmc into another directory first.
# Usage: bench/sim_compare.sh OLD_LMC NEW_LMC [WORK_DIR]
#   WORK_DIR keeps the compiled models between runs (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: bench/sim_compare.sh OLD_LMC NEW_LMC [WORK_DIR]" >&2
  exit 2
fi
old=$1 new=$2
py=/usr/bin/python3
if [ $# -ge 3 ]; then
  work=$3
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/lmc-sim-compare.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi

# Models are compiled with NEW_LMC (the simulator reads only the .bin).
model() {  # name generator-args...
  local name=$1
  shift
  [ -f "$work/$name.onnx" ] || $py "$@" -o "$work/$name.onnx" >/dev/null
}
compile() {  # bin onnx flags...
  local bin=$1 onnx=$2
  shift 2
  [ -f "$work/$bin.bin" ] || "$new" compile "$work/$onnx.onnx" -o "$work/$bin.bin" "$@" >/dev/null
}
model gpt2 examples/gpt2/make_gpt2.py --layers 2 --width 64 --heads 4 --vocab 256 --seq 16
model llama examples/llama/make_llama.py --preset tiny
model mmfree examples/mmfree/make_mmfree.py --preset tiny
model kv examples/gpt2/make_gpt2.py --layers 2 --width 64 --heads 4 --vocab 256 --seq 1 --kv-cache 32
model llama7b_kv examples/llama/make_llama.py --preset llama2-7b --seq 1 --kv-cache 4096 --graph-only
model llama7b_s1 examples/llama/make_llama.py --preset llama2-7b --seq 1 --graph-only
model llama7b_s128 examples/llama/make_llama.py --preset llama2-7b --seq 128 --graph-only
if [ ! -f "$work/gpt2s_kv.onnx" ]; then
  $py examples/gpt2/make_gpt2.py --layers 12 --width 768 --heads 12 --vocab 50257 --seq 1 \
    --kv-cache 256 --ctx 1024 --external-data -o "$work/gpt2s_kv.onnx" >/dev/null
fi
bins=()
for t in lpu ara2; do
  compile gpt2_$t gpt2 --target $t
  compile llama_$t llama --target $t
  compile mmfree_$t mmfree --target $t --quant ternary
  compile kv_$t kv --target $t --kv-cache
  bins+=(gpt2_$t llama_$t mmfree_$t kv_$t)
done
compile gpt2s_kv_ara2 gpt2s_kv --target ara2 --kv-cache --no-weights
compile llama7b_kv_ara2 llama7b_kv --target ara2 --kv-cache --no-weights
compile llama7b_s1_ara2 llama7b_s1 --target ara2 --no-weights
compile llama7b_s128_ara2 llama7b_s128 --target ara2 --no-weights
rm -f "$work/gpt2s_kv.onnx.data"
bins+=(gpt2s_kv_ara2 llama7b_kv_ara2 llama7b_s1_ara2 llama7b_s128_ara2)

failed=0
same() {  # what file-a file-b
  if cmp -s "$2" "$3"; then
    return 0
  fi
  echo "DIFFERENT: $1 ($2 vs $3)"
  failed=1
}
for b in "${bins[@]}"; do
  for side in old new; do
    lmc=$old
    [ $side = new ] && lmc=$new
    out=$work/out.$side
    rm -rf "$out"
    mkdir -p "$out/outputs"
    # Functional outputs where the weights are present (the default decides).
    "$lmc" simulate "$work/$b.bin" --trace "$out/trace.json" >"$out/text.txt"
    "$lmc" simulate "$work/$b.bin" --json --no-functional >"$out/report.json"
    "$lmc" simulate "$work/$b.bin" --json --no-functional --set dram.bytes_per_cycle=8 \
      --set units.MXM.count=1 >"$out/set.json"
    "$lmc" simulate "$work/$b.bin" --json --sweep sram.bytes_per_cycle=64,1e9 >"$out/sweep.json"
    if [[ $b != *7b* && $b != gpt2s_* ]]; then  # the others have weights
      "$lmc" simulate "$work/$b.bin" --functional --output-dir "$out/outputs" >/dev/null
    fi
  done
  for f in text.txt report.json set.json sweep.json trace.json; do
    same "$b $f" "$work/out.old/$f" "$work/out.new/$f"
  done
  for f in "$work"/out.old/outputs/*.npy; do
    [ -e "$f" ] || continue
    same "$b outputs/$(basename "$f")" "$f" "$work/out.new/outputs/$(basename "$f")"
  done
  echo "$b: compared ($(grep -o -m1 "\"instructions\": [0-9]*" "$work/out.new/report.json" | head -n1))"
done
if [ $failed = 0 ]; then
  echo "sim_compare: every report, trace, sweep and output is identical"
fi
exit $failed
