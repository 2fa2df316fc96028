#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) and fuzzes each for N seconds.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each; targets: bin target onnx)
# Environment: BUILD_DIR (default build-fuzz), JOBS (1). A crash leaves its input in
# $BUILD_DIR/tests/fuzz/work/<target>/artifacts/: save it under tests/fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh clang-14 libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes
seconds=${1:-${FUZZ_SECONDS:-60}}
export FUZZ_SEED=${FUZZ_SEED:-0}  # a random seed per run (CI's ctest runs use 1)
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(bin target onnx)
build=${BUILD_DIR:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" \
    -DLMC_FUZZ=ON \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
    ${CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$build" -j "${JOBS:-1}" "${targets[@]/#/lmc-fuzz-}"
status=0
for t in "${targets[@]}"; do
  echo "== fuzz $t for ${seconds}s"
  FUZZ_SECONDS=$seconds tests/fuzz/run_fuzzer.sh "$build/bin/lmc-fuzz-$t" "$t" \
    "$build/tests/fuzz/work/$t" || status=1
done
exit $status
