"""PyTorch's side of bench/op-overhead.ts: microseconds per call of a tiny op from Python."""
import json
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
a = torch.ones(2, 2)
b = torch.ones(2, 2)
calls = 200_000
best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(calls):
        torch.add(a, b)
    best = min(best, (time.perf_counter() - t0) / calls * 1e6)
print(json.dumps({"us_per_call": best, "torch": torch.__version__, "threads": torch.get_num_threads()}))
