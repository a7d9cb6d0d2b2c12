"""The PyTorch side of `contrastive bench step`: the same SimCLR model and training step.

What `contrastive bench step` runs is the library's own SimCLR (src/methods/simclr.ts) with its
recipe, through the trainer's step (src/train/step.ts). This file builds the same thing in
PyTorch, layer for layer:
- two views of B random images (3 x S x S), concatenated, through the encoder (torchvision's
  ResNet, with the CIFAR stem for the -cifar names, or the yardstick CNN);
- SimCLR's projection head at the recipe's widths (src/methods/recipe.ts, headWidths): the
  paper's 2048 -> 128 for backbones of 512 features or more, else hidden max(2 d, 256) and
  output 128; Linear (no bias) -> BatchNorm1d -> ReLU -> Linear (no bias) -> BatchNorm1d;
- NT-Xent as src/losses/ntxent-loss.ts computes it: normalise, (2B, 2B) logits / T (0.1), the
  diagonal set to -inf, cross-entropy against the other view;
- LARS as src/optim/lars.ts (SimCLR's form: lr inside the momentum buffer, trust 0.001,
  momentum 0.9, weight decay 1e-6), biases and BatchNorm parameters in a group without decay or
  adaptation, lr 0.075 sqrt(B); then zero_grad(set_to_none=True).
Prints one JSON object with the same keys as `contrastive bench step --json`.

Run with Debian's PyTorch: /usr/bin/python3 bench/step.py --encoder resnet18-cifar --json
"""
import argparse
import json
import math
import os
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def make_encoder(name: str):
    """The encoder and its feature size, as src/nn/encoders builds them."""
    if name.startswith("resnet"):
        base, _, stem = name.partition("-")
        model = getattr(torchvision.models, base)()
        if stem == "cifar":
            model.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            model.maxpool = nn.Identity()
        dim = model.fc.in_features
        model.fc = nn.Identity()
        return model, dim
    if name == "convnet-small":
        def block(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
        layers = block(3, 32) + [nn.MaxPool2d(2)] + block(32, 64) + [nn.MaxPool2d(2)] + block(64, 128)
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
        return nn.Sequential(*layers), 128
    raise SystemExit(f"step.py: unsupported encoder {name}")


def head_widths(feature_dim: int):
    """SimCLR's recipe widths (hidden, output) for a backbone of feature_dim features."""
    if feature_dim < 512:
        return max(2 * feature_dim, 256), 128
    return 2048, 128


def nt_xent(z, targets, temperature):
    z = F.normalize(z, p=2, dim=1)
    logits = (z @ z.t()).div(temperature)
    logits.fill_diagonal_(float("-inf"))
    return F.cross_entropy(logits, targets)


class LARS(torch.optim.Optimizer):
    """src/optim/lars.ts: g += wd w; r = eta ||w|| / ||g|| (1 where a norm is 0, or without
    adaptation); v = m v + lr r g; w -= v."""

    def __init__(self, groups, lr, momentum=0.9, weight_decay=0.0, trust=0.001):
        super().__init__(groups, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, trust=trust, adaptation=True))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for w in g["params"]:
                if w.grad is None:
                    continue
                grad = w.grad.add(w, alpha=g["weight_decay"]) if g["weight_decay"] != 0 else w.grad
                scaled = g["lr"]
                if g["adaptation"]:
                    wn, gn = w.norm(), grad.norm()
                    one = torch.ones_like(wn)
                    r = torch.where(wn > 0, torch.where(gn > 0, wn / gn * g["trust"], one), one)
                    scaled = r * g["lr"]
                state = self.state[w]
                if "v" not in state:
                    state["v"] = torch.zeros_like(w)
                v = state["v"]
                v.mul_(g["momentum"]).add_(grad * scaled)
                w.sub_(v)


def lars_groups(model, weight_decay):
    """Weights of linear and conv layers; biases and normalisation parameters (no decay, no adaptation)."""
    decay, no_decay = [], []
    for m in model.modules():
        norm = isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm))
        for n, p in m.named_parameters(recurse=False):
            (no_decay if norm or n == "bias" else decay).append(p)
    return [dict(params=decay, weight_decay=weight_decay), dict(params=no_decay, weight_decay=0.0, adaptation=False)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--encoder", default="resnet18-cifar")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()

    # Debian's build starts with 1 thread here; use every core, as the TypeScript side does.
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    dev = torch.device(a.device)
    B, S = a.batch_size, a.image_size
    encoder, dim = make_encoder(a.encoder)
    hidden, out = head_widths(dim)
    head = nn.Sequential(
        nn.Linear(dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
        nn.Linear(hidden, out, bias=False), nn.BatchNorm1d(out),
    )
    model = nn.Sequential(encoder, head).to(dev)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    if a.channels_last:
        model.to(memory_format=torch.channels_last)
    lr = 0.075 * math.sqrt(B)
    optimizer = LARS(lars_groups(model, 1e-6), lr=lr, weight_decay=1e-6)
    x1 = torch.randn(B, 3, S, S, device=dev).contiguous(memory_format=fmt)
    x2 = torch.randn(B, 3, S, S, device=dev).contiguous(memory_format=fmt)
    targets = torch.cat([torch.arange(B, 2 * B, device=dev), torch.arange(0, B, device=dev)])

    def step():
        x = torch.cat([x1, x2])
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
            loss = nt_xent(model(x), targets, 0.1)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    loss_first = float("nan")
    for i in range(a.warmup):
        l = step()
        if i == 0:
            loss_first = l
    c0 = time.process_time()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    loss_last = float("nan")
    for _ in range(a.steps):
        loss_last = step()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    r = {
        "engine": "pytorch",
        "torch": torch.__version__,
        "encoder": a.encoder,
        "batch_size": B,
        "steps": a.steps,
        "image_size": S,
        "bf16": a.bf16,
        "channels_last": a.channels_last,
        "device": a.device,
        "threads": torch.get_num_threads(),
        "head": [dim, hidden, out],
        "lr": lr,
        "images_per_second": B * a.steps / seconds,
        "ms_per_step": seconds * 1000 / a.steps,
        "cpu_ms_per_step": cpu * 1000 / a.steps,
        "sys_ms_per_step": (ru1.ru_stime - ru0.ru_stime) * 1000 / a.steps,
        "minor_faults_per_step": (ru1.ru_minflt - ru0.ru_minflt) / a.steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "loss_first": loss_first,
        "loss_last": loss_last,
    }
    if a.json:
        print(json.dumps(r))
    else:
        print(f"{a.encoder} batch {B}: {r['images_per_second']:.1f} images/s, {r['ms_per_step']:.1f} ms/step, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
