"""lightly's SimCLR recipe on convnet-small, in PyTorch + torchvision: the reference figure.

What lightly's SimCLR building blocks do on Fashion-MNIST (issue 16 part 1), written out in
plain torch so it runs with Debian's python3-torch (no lightly package needed):
- views: torchvision on PIL images, as lightly's SimCLRTransform cut to the issue's recipe:
  RandomResizedCrop(28, scale=(0.2, 1)), RandomHorizontalFlip(), RandomApply(ColorJitter(0.4,
  0.4), p=0.8), ToTensor(), Normalize(mean, std of the training split);
- convnet-small (3 conv-BN-ReLU blocks of 32, 64, 128, max-pool after the first two, global
  average pool), lightly's SimCLRProjectionHead(128, 256, 128) (Linear-BN-ReLU-Linear-BN, no
  biases), NTXentLoss(temperature=0.5), Adam(lr=1e-3), constant learning rate;
- DataLoader(batch_size=256, shuffle=True, drop_last=True);
- the kNN monitor as contrastive's: weighted kNN (k 200, T 0.1, cosine) of the test split
  against the train split on the backbone's features, in eval mode.
The data are contrastive's own split, exported by bench/export-fashion-mnist.mjs (uint8 files).

  /usr/bin/python3 bench/simclr_reference.py --data /tmp/q --epochs 3 [--no-normalize] [--bf16]
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.transforms as T
from PIL import Image


def convnet_small():
    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
    return nn.Sequential(*block(1, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2), *block(64, 128),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(1))


def head(i=128, h=256, o=128):
    return nn.Sequential(nn.Linear(i, h, bias=False), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, o, bias=False), nn.BatchNorm1d(o))


def nt_xent(z1, z2, t):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.t() / t
    logits.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(logits, targets)


class Views(torch.utils.data.Dataset):
    def __init__(self, x, transform):
        self.x, self.t = x, transform

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        img = Image.fromarray(self.x[i], mode="L")
        return self.t(img), self.t(img)


@torch.no_grad()
def knn_top1(model, xtr, ytr, xte, yte, k=200, t=0.1):
    model.eval()
    f = lambda x: F.normalize(torch.cat([model(x[i:i + 1024]) for i in range(0, len(x), 1024)]), dim=1)
    btr, bte = f(xtr), f(xte)
    correct = 0
    for i in range(0, len(bte), 1000):
        sim = bte[i:i + 1000] @ btr.t()
        s, idx = sim.topk(k, dim=1)
        w = ((s - s[:, :1]) / t).exp()
        scores = torch.zeros(len(s), 10).scatter_add_(1, ytr[idx], w)
        correct += (scores.argmax(1) == yte[i:i + 1000]).sum().item()
    model.train()
    return correct / len(bte)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/tmp/q")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-normalize", action="store_true")
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--per-view-bn", action="store_true", help="each view through the model on its own (lightly's examples), not both in one batch")
    p.add_argument("--schedule", choices=["constant", "cosine"], default="constant")
    p.add_argument("--warmup-epochs", type=float, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--train-limit", type=int, default=0, help="only n training images, spread evenly (smoke runs)")
    p.add_argument("--test-limit", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(a.seed)
    rd = lambda n, dt: np.fromfile(os.path.join(a.data, n), dtype=dt)
    xtr = rd("fm-train-x.u8", np.uint8).reshape(-1, 28, 28)
    ytr = torch.from_numpy(rd("fm-train-y.i32", np.int32).astype(np.int64))
    xte = rd("fm-test-x.u8", np.uint8).reshape(-1, 28, 28)
    yte = torch.from_numpy(rd("fm-test-y.i32", np.int32).astype(np.int64))
    if a.train_limit:  # spread evenly, as contrastive's trainLimit (the files are sorted by class)
        keep = np.linspace(0, len(xtr) - 1, a.train_limit).round().astype(np.int64)
        xtr, ytr = xtr[keep], ytr[torch.from_numpy(keep)]
    if a.test_limit:
        keep = np.linspace(0, len(xte) - 1, a.test_limit).round().astype(np.int64)
        xte, yte = xte[keep], yte[torch.from_numpy(keep)]
    mean, std = (0.0, 1.0) if a.no_normalize else (float(xtr.mean() / 255), float(xtr.std() / 255))
    norm = T.Normalize((mean,), (std,))
    tf = T.Compose([T.RandomResizedCrop(28, scale=(0.2, 1.0)), T.RandomHorizontalFlip(),
                    T.RandomApply([T.ColorJitter(0.4, 0.4)], p=0.8), T.ToTensor(), norm])
    plain = lambda x: norm(torch.from_numpy(x).float().div(255).unsqueeze(1))
    ptr, pte = plain(xtr), plain(xte)
    loader = torch.utils.data.DataLoader(Views(xtr, tf), batch_size=a.batch_size, shuffle=True, drop_last=True, num_workers=0)
    backbone, proj = convnet_small(), head()
    model = nn.Sequential(backbone, proj)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    total_steps, warm = a.epochs * len(loader), round(a.warmup_epochs * len(loader))
    def factor(t):  # contrastive's WarmupCosineSchedule (minFactor 1 for constant)
        if t < warm:
            return (t + 1) / warm
        return 1.0 if a.schedule == "constant" else 0.5 * (1 + math.cos(math.pi * min(1, (t - warm) / max(1, total_steps - warm))))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    print(json.dumps({"mean": mean, "std": std, **vars(a)}), flush=True)
    for epoch in range(1, a.epochs + 1):
        t0, total, steps = time.time(), 0.0, 0
        for v1, v2 in loader:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
                if a.per_view_bn:
                    z1, z2 = model(v1), model(v2)
                else:
                    z = model(torch.cat([v1, v2]))
                    z1, z2 = z[: len(v1)], z[len(v1):]
                loss = nt_xent(z1.float(), z2.float(), 0.5)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total, steps = total + loss.item(), steps + 1
        knn = knn_top1(backbone, ptr, ytr, pte, yte)
        print(json.dumps({"epoch": epoch, "loss": total / steps, "knn_top1": knn, "seconds": round(time.time() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
