"""The PyTorch side of bench/rnn.ts: torch.nn.GRU / torch.nn.LSTM forward + backward.

What bench/rnn.ts times on its side is the library's `gru` / `lstm` encoder (src/nn/encoders/rnn.ts):
torch.nn.GRU/LSTM(input_size, hidden_size, batch_first=True)'s parameters through the fused
ATen op, features = h_n of the last layer ('last' pooling), loss = features.sum(), backward,
gradients set to None. This file does the same in PyTorch, on the same sizes: B sequences of
T steps x C features (default 256 x 28 x 28, Fashion-MNIST read row by row), hidden H (256),
fp32. With --packed the batch has lengths T, T-1, ... (cycling down to T/2) and goes through
pack_padded_sequence(enforce_sorted=False), as the library does for variable lengths.
Prints one JSON object with the same keys as the TypeScript side.

Run with Debian's PyTorch: /usr/bin/python3 bench/rnn.py --mode gru --json
"""
import argparse
import json
import os
import resource
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["gru", "lstm"], default="gru")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps-per-sequence", type=int, default=28)
    p.add_argument("--features", type=int, default=28)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--packed", action="store_true")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    # Debian's build starts with 1 thread here; use every core, as the TypeScript side does.
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    M = torch.nn.GRU if a.mode == "gru" else torch.nn.LSTM
    model = M(a.features, a.hidden, batch_first=True)
    x = torch.randn(a.batch_size, a.steps_per_sequence, a.features)
    t = a.steps_per_sequence
    lengths = torch.tensor([t - i % (t - t // 2 + 1) for i in range(a.batch_size)]) if a.packed else None

    def step():
        inp = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False) if a.packed else x
        _, h = model(inp)
        h = h[0] if isinstance(h, tuple) else h
        loss = h[-1].sum()
        loss.backward()
        model.zero_grad(set_to_none=True)
        return loss

    for _ in range(a.warmup):
        step()
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    out = {
        "engine": "pytorch",
        "mode": a.mode,
        "packed": a.packed,
        "images_per_second": a.batch_size * a.steps / seconds,
        "ms_per_step": 1000 * seconds / a.steps,
        "cpu_ms_per_step": 1000 * cpu / a.steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": torch.get_num_threads(),
        "loss": loss.item(),
        "torch": torch.__version__,
    }
    print(json.dumps(out) if a.json else f"{a.mode}: {out['images_per_second']:.1f} sequences/s, {out['ms_per_step']:.1f} ms/step")


if __name__ == "__main__":
    main()
