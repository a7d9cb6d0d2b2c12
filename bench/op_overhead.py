"""PyTorch's side of bench/op-overhead.ts: microseconds per call of tiny ops from Python.

Driven round by round, so the two sides' rounds interleave and share the machine's load: each
line on stdin names a case ('add', 'where', 'add_'), and one round of it runs and prints
{"us_per_call": ...}; 'info' prints the versions. Without stdin commands (a terminal), it runs
5 rounds of each case and prints the best.
"""
import json
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
a = torch.ones(2, 2)
b = torch.ones(2, 2)
c = torch.ones(2, 2) > 0
x = torch.zeros(2, 2)
calls = 200_000


def add():
    for _ in range(calls):
        torch.add(a, b)


def where():
    for _ in range(calls):
        torch.where(c, a, b)


def add_():
    for _ in range(calls):
        x.add_(b)


cases = {"add": add, "where": where, "add_": add_}


def round_us(name):
    t0 = time.perf_counter()
    cases[name]()
    return (time.perf_counter() - t0) / calls * 1e6


info = {"torch": torch.__version__, "threads": torch.get_num_threads()}
if sys.stdin.isatty():
    print(json.dumps({**info, **{name: min(round_us(name) for _ in range(5)) for name in cases}}))
else:
    for line in sys.stdin:
        cmd = line.strip()
        print(json.dumps(info if cmd == "info" else {"us_per_call": round_us(cmd)}), flush=True)
