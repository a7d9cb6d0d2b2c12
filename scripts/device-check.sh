#!/usr/bin/env bash
# The GPU check of the tensor engine, for a lent GPU machine (no Node.js there).
#   here:   bash scripts/device-check.sh prepare   # fills .device/ (ignored): xz'd node, Node-API headers
#           npx tsc -p .                           # dist/ travels too
#   device: bash scripts/device-check.sh run       # with carry [".device", "dist"]
# `run` builds the addon with g++ against that machine's PyTorch (2.x, CUDA), runs the tensor-engine
# tests (the CUDA ones included) and the op-overhead benchmark, and compiles the c10d/NCCL path of
# native/dist.cc; the log goes to $OUT/log.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
prepare)
  mkdir -p .device/include
  grep -qx '.device/' .git/info/exclude 2>/dev/null || echo '.device/' >> .git/info/exclude
  [[ -f .device/node.xz ]] || xz -9 -T2 -c "$(command -v node)" > .device/node.xz
  cp /usr/include/node/{node_api.h,node_api_types.h,js_native_api.h,js_native_api_types.h} node_modules/node-addon-api/napi*.h .device/include/
  du -sh .device
  ;;
run)
  exec > >(tee "${OUT:-/tmp}/log.txt") 2>&1
  python3 -c 'import lzma, shutil; shutil.copyfileobj(lzma.open(".device/node.xz"), open("/tmp/node", "wb"))' && chmod +x /tmp/node
  /tmp/node --version
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "abi", int(torch._C._GLIBCXX_USE_CXX11_ABI))'
  T=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
  ABI=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  mkdir -p build/Release build/obj
  t0=$(date +%s)
  pids=()
  for f in native/*.cc; do
    g++ -std=c++17 -O2 -fPIC -c "$f" -o "build/obj/$(basename "$f" .cc).o" -D_GLIBCXX_USE_CXX11_ABI="$ABI" \
      -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -I.device/include -I"$T/include" -I"$T/include/torch/csrc/api/include" \
      -Wno-deprecated-declarations &
    pids+=($!)
  done
  wait "${pids[@]}" # not a bare wait: that would also wait for the tee above
  g++ -shared build/obj/*.o -o build/Release/contrastive.node -L"$T/lib" -Wl,-rpath,"$T/lib" \
    -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -ltorch -ltorch_cpu -lc10 -Wl,--as-needed || exit 1
  echo "build seconds: $(($(date +%s) - t0))"
  # The c10d path (Gloo and NCCL on torch 2), which the build above leaves out (see native/dist.h).
  g++ -std=c++17 -O2 -fPIC -c native/dist.cc -o /tmp/dist-c10d.o -D_GLIBCXX_USE_CXX11_ABI="$ABI" -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
    -DCONTRASTIVE_C10D -DUSE_C10D_GLOO -DCONTRASTIVE_NCCL -DUSE_C10D_NCCL -I.device/include -I"$T/include" \
    -I"$T/include/torch/csrc/api/include" -Wno-deprecated-declarations && echo "c10d with NCCL: compiles" || echo "c10d with NCCL: does not compile"
  export TORCH_PYTHON=$(command -v python3)
  /tmp/node --test --test-reporter=spec dist/test/tensor/ 2>&1 | grep -vE '^\s+at ' | grep -E 'cuda|✖|^ℹ' 
  /tmp/node dist/bench/op-overhead.js
  ;;
*) echo "usage: device-check.sh prepare|run" >&2; exit 2 ;;
esac
