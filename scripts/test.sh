#!/usr/bin/env bash
# Builds lmc and runs every test: gtest units, lit, e2e and ONNX conformance.
# Extra arguments go to ctest (e.g. -L fast, -R e2e, -LE slow).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
# Headless Chromium: e2e_trace_viewer opens simulator traces in its DevTools trace engine.
./scripts/setup.sh chromium
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "${JOBS:-2}" "$@"
