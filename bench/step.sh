#!/usr/bin/env bash
# The parity benchmark: `contrastive bench step` (the library's SimCLR step) against the same PyTorch step
# (bench/step.py), fp32, bf16 autocast and channels-last, resnet18-cifar, batch 64, 20 steps
# after 3 warm-up steps. Prints ratio = ours images/s / PyTorch images/s and both peak RSS.
# Takes the shared benchmark lock, so only one benchmark runs at a time on the machine.
#   bash bench/step.sh [--rounds N] [--configs fp32,bf16,channels-last] [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p . >/dev/null || true   # errors elsewhere do not stop the emit
exec flock /tmp/contrastive-bench.lock node dist/bench/step.js --encoder resnet18-cifar --batch-size 64 --steps 20 --warmup 3 "$@"
