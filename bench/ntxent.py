"""NT-Xent forward+backward in PyTorch: the same computation as src/losses/ntxent-loss.ts.

bench/ntxent.ts runs this as a worker and alternates steps with its own, so that load from other
processes hits both alike. Protocol: argv sets the sizes; each stdin line "ntxent" or "lightly"
runs one step and answers one JSON line {"ms": ..., "loss": ...}; "quit" ends.
Alone:  /usr/bin/python3 bench/ntxent.py --batch 4096 --dim 128 < <(printf 'ntxent\nntxent\nquit\n')
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F


def ntxent(z1, z2, temperature):
    # The ops of NTXentLoss.forward, one for one.
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2], 0), p=2, dim=1)
    logits = z.mm(z.t()).div(temperature)
    logits.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n, device=z1.device), torch.arange(0, n, device=z1.device)])
    return F.cross_entropy(logits, targets)


def ntxent_lightly(z1, z2, temperature):
    # lightly's NTXentLoss (no memory bank, one process): four quadrants, diagonals removed by indexing.
    n = z1.shape[0]
    o0 = F.normalize(z1, dim=1)
    o1 = F.normalize(z2, dim=1)
    diag = torch.eye(n, dtype=torch.bool, device=z1.device)
    l00 = torch.einsum("nc,mc->nm", o0, o0) / temperature
    l01 = torch.einsum("nc,mc->nm", o0, o1) / temperature
    l10 = torch.einsum("nc,mc->nm", o1, o0) / temperature
    l11 = torch.einsum("nc,mc->nm", o1, o1) / temperature
    l00 = l00[~diag].view(n, -1)
    l11 = l11[~diag].view(n, -1)
    logits = torch.cat([torch.cat([l01, l00], 1), torch.cat([l10, l11], 1)], 0)
    return F.cross_entropy(logits, torch.arange(n, device=z1.device).repeat(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--temperature", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    z1 = torch.randn(a.batch, a.dim).to(a.device).requires_grad_()
    z2 = torch.randn(a.batch, a.dim).to(a.device).requires_grad_()
    fns = {"ntxent": ntxent, "lightly": ntxent_lightly}
    print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        t0 = time.perf_counter()
        loss = fns[cmd](z1, z2, a.temperature)
        loss.backward()
        value = loss.item()  # waits for the device, as the TS side does
        z1.grad = None
        z2.grad = None
        ms = (time.perf_counter() - t0) * 1000
        print(json.dumps({"ms": ms, "loss": value}), flush=True)


if __name__ == "__main__":
    main()
