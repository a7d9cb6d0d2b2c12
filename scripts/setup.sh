#!/usr/bin/env bash
# Brings a fresh machine to a built checkout; on a ready one it only checks (seconds).
# Installs Debian's libtorch-dev (the engine), Gloo's headers (libgloo-dev: c10d's process groups for data-parallel training), OpenBLAS (Debian's default BLAS is the netlib reference
# one: matrix products run 17x faster with OpenBLAS) and python3-torch/torchvision (the references that
# parity tests and benchmarks compare against) and chromium (browser tests of the report and the browser example) when missing, then npm ci, the addon, and tsc.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libtorch-dev libgloo-dev python3-torch python3-torchvision libopenblas0-pthread g++ make python3 chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A libtorch named by LIBTORCH, or python3's own torch, makes Debian's libtorch-dev optional.
if [[ ${#missing[@]} -gt 0 && " ${missing[*]} " == *" libtorch-dev "* ]] && node scripts/libtorch.mjs source >/dev/null 2>&1; then
  missing=("${missing[@]/libtorch-dev}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]} with apt" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  rm -f build/Release/contrastive.node # what the addon compiles in depends on what is installed (Gloo's headers: c10d)
fi

# npm ci when node_modules is missing or older than the lock file (it also builds the addon).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

# Rebuild the addon when any native source is newer than it.
addon=build/Release/contrastive.node
if [[ ! -f $addon ]] || [[ -n $(find native binding.gyp scripts/libtorch.mjs -newer "$addon" 2>/dev/null | head -1) ]]; then
  echo "setup: building the native addon against $(node scripts/libtorch.mjs source)" >&2
  npx node-gyp rebuild -j "$(nproc)" >&2
fi

rm -rf dist
npx tsc -p tsconfig.json
