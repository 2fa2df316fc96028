#!/usr/bin/env bash
# Installs every Debian package lmc needs to build, test and run its examples.
# Idempotent: prints nothing and touches nothing when all packages are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  libabsl-dev libprotobuf-dev protobuf-compiler
  libonnx-dev libonnx-testdata
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-onnx python3-numpy
)
# Extra packages for one script, e.g. `setup.sh clang-14 libclang-rt-14-dev` (scripts/fuzz.sh).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "lmc setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
