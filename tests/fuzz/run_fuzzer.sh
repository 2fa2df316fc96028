#!/usr/bin/env bash
# Runs one libFuzzer target for FUZZ_SECONDS (default 60) from the checked-in seeds; on a crash,
# prints the input to save under tests/fuzz/regressions/<target>/. Used by ctest and scripts/fuzz.sh.
# Usage: run_fuzzer.sh FUZZER_BINARY TARGET WORK_DIR [extra libFuzzer flags]
set -euo pipefail
fuzzer=$1 target=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/corpus" "$work/artifacts"
# allow_user_poisoning=0: see scripts/test-sanitizers.sh (LLVM's allocator vs. uninstrumented MLIR).
# A huge allocation a mutated size asks for returns null (and the code must cope) instead of
# aborting; appended to what the caller (scripts/test-sanitizers.sh) set.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:allocator_may_return_null=1:allow_user_poisoning=0"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-19/bin/llvm-symbolizer}
# New inputs go to the first (scratch) corpus directory; the seeds and regressions are read only.
status=0
# FUZZ_SEED (default 1) fixes libFuzzer's mutation sequence, so a CI run is repeatable;
# scripts/fuzz.sh uses 0 (a new random seed each run) to explore further.
"$fuzzer" -seed="${FUZZ_SEED:-1}" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=30 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" \
  "$work/corpus" "$here/corpus/$target" "$here/regressions/$target" || status=$?
if [ $status -ne 0 ]; then
  echo "fuzz_$target: the fuzzer failed (exit $status); crashing inputs:" >&2
  ls -1 "$work/artifacts/" >&2 || true
  echo "save each as tests/fuzz/regressions/$target/<name> and report it" >&2
fi
exit $status
