#!/usr/bin/env bash
# lmc against ONNX Runtime (CPU) on the same generated GPT-2-small-shaped
# model: fp32, int8, int4 x prefill-128 and decode x 1 and 2 threads, a table
# of tokens/s with the ratio lmc / ORT per cell (bench/ort_compare.py does the
# work; results in docs/performance.md, "lmc vs ONNX Runtime").
#
#   bench/ort_compare.sh [--lmc PATH] [--work DIR] [--no-install] [--smoke]
#                        [ort_compare.py options: --rounds 3 --runs 5 --threads 1,2 ...]
#
# ONNX Runtime comes from the onnxruntime-node npm package (CPU build in the
# package itself), installed once with --ignore-scripts into
# ${XDG_CACHE_HOME:-~/.cache}/lmc/ort-npm (ORT_DIR); ORT_VERSION picks the
# version (default 1.30.0). --no-install never touches the network: without
# the package (or node) it exits 77, "skipped", which ctest honours.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lmc"
ort_dir="${ORT_DIR:-$cache/ort-npm}"
ort_version="${ORT_VERSION:-1.30.0}"
lmc="${LMC:-$root/${BUILD_DIR:-build}/bin/lmc}"
work=""
install=1
smoke=0
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --lmc) lmc="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    --smoke) smoke=1; pass+=("$1"); shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done
if [ -z "$work" ]; then
  work="$cache/ort-compare"
  [ "$smoke" = 1 ] && work="$work/smoke"
fi

skip() { echo "ort_compare: SKIPPED: $*" >&2; exit 77; }
[ -x "$lmc" ] || { echo "ort_compare: no lmc binary at $lmc (build it, or pass --lmc)" >&2; exit 1; }
command -v node >/dev/null 2>&1 || {
  [ "$install" = 0 ] && skip "node is not installed (scripts/setup.sh installs npm and node)"
  echo "ort_compare: node is needed to run ONNX Runtime (apt-get install nodejs npm)" >&2; exit 1; }

pkg="$ort_dir/node_modules/onnxruntime-node"
if [ ! -f "$pkg/package.json" ]; then
  [ "$install" = 0 ] && skip "onnxruntime-node is not installed in $ort_dir; run bench/ort_compare.sh once without --no-install to install it (npm, about 300 MB)"
  echo "ort_compare: installing onnxruntime-node@$ort_version into $ort_dir (npm --ignore-scripts)" >&2
  mkdir -p "$ort_dir"
  # --ignore-scripts: the package's install script only downloads optional
  # GPU providers; the CPU build ships inside the npm tarball.
  if ! log=$(npm install --prefix "$ort_dir" "onnxruntime-node@$ort_version" --ignore-scripts \
      --no-audit --no-fund --loglevel=error 2>&1); then
    echo "$log" >&2
    echo "ort_compare: npm could not install onnxruntime-node@$ort_version" >&2
    exit 1
  fi
fi

# The native binding must be in the tarball: it is what --ignore-scripts relies on.
if ! probe=$(cd "$ort_dir" && node -e '
    const ort = require("onnxruntime-node");
    if (!ort.listSupportedBackends().some((b) => b.name === "cpu")) throw new Error("no cpu backend");
    console.log(ort.env.versions.node);' 2>&1); then
  arch="$(node -p 'process.platform + "/" + process.arch')"
  cat >&2 <<EOF
ort_compare: onnxruntime-node in $pkg does not load:
$probe
The CPU runtime is expected inside the npm package, at
  $pkg/bin/napi-v6/$arch/onnxruntime_binding.node (and libonnxruntime.so.1)
$(ls "$pkg/bin/napi-v6/$arch" 2>/dev/null || echo "  (that directory does not exist: this package version ships no binary for $arch)")
Its install script (skipped by --ignore-scripts) only fetches GPU providers, so it would not
help; use a version that ships the $arch binary (ORT_VERSION=...) or another machine.
EOF
  exit 1
fi
echo "ort_compare: onnxruntime-node $probe from $ort_dir" >&2

exec /usr/bin/python3 "$here/ort_compare.py" --lmc "$lmc" --node "$(command -v node)" \
  --node-path "$ort_dir/node_modules" --work "$work" "${pass[@]}"
