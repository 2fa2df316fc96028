#!/usr/bin/env bash
# Builds lmc with AddressSanitizer + UndefinedBehaviorSanitizer (clang-14, with libFuzzer's
# coverage instrumentation: the same build as scripts/fuzz.sh) and runs the test suite under
# them, the fuzz targets included: each fuzzer runs for FUZZ_SECONDS (60) from the checked-in
# seeds. CI runs this after scripts/test.sh.
# Leaves out what is labelled "slow" unless SLOW=1 (the GPT-2-small e2e tests, a 124M-parameter
# model, and conformance_all, whose extra cases are almost all unsupported-op rejections that
# conformance_node's supported cases already cover).
# Any sanitizer report fails its test (UBSan does not recover; ASan and LeakSanitizer exit non-zero).
# Environment: BUILD_DIR (default build-fuzz), JOBS (2), FUZZ_SECONDS (60), SLOW (0).
# Extra arguments go to ctest (e.g. -R lit, -E conformance, -LE fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh clang-14 libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes
build=${BUILD_DIR:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  # -O1 keeps stacks readable and the tests fast enough; NDEBUG stays on to match Debian's LLVM.
  CC=clang-14 CXX=clang++-14 cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" \
    -DLMC_FUZZ=ON \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
    ${CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$build" -j "${JOBS:-2}"

# Reports go to stderr with symbolized file:line stacks (llvm-symbolizer from llvm-19).
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in our instrumented copies of
# its inline code but Debian's uninstrumented MLIR libraries never unpoison them, which shows up
# as false use-after-poison reports in mlir::MLIRContext; real heap/stack checks are unaffected.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allow_user_poisoning=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-19/bin/llvm-symbolizer}
export FUZZ_SECONDS=${FUZZ_SECONDS:-60}
labels=(-LE slow)
[ "${SLOW:-0}" = 1 ] && labels=()
ctest --test-dir "$build" --output-on-failure -j "${JOBS:-2}" "${labels[@]}" "$@"
