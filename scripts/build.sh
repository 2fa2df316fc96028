#!/usr/bin/env bash
# Installs missing Debian packages, configures (once) and builds lmc.
# Environment: BUILD_DIR (default build), BUILD_TYPE (Release), JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
    ${CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$build" -j "${JOBS:-2}" ${NINJA_TARGETS:-}
