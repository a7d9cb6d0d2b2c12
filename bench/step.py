"""The PyTorch side of `contrastive bench step`: the identical SimCLR training step.

Two views of B random images (3 x S x S) are concatenated, passed through the encoder
(torchvision's ResNet, with the CIFAR stem for the -cifar names, or the yardstick CNN), a
2-layer SimCLR projection head (Linear-BN-ReLU-Linear-BN, lightly's layout), a plain NT-Xent,
then one SGD step (lr 0.06, momentum 0.9, weight decay 5e-4), zero_grad(set_to_none=True).
Prints one JSON object with the same keys as `contrastive bench step --json`.

Run with Debian's PyTorch: /usr/bin/python3 bench/step.py --encoder resnet18-cifar --json
"""
import argparse
import json
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


def nt_xent(z, self_mask, labels, temperature):
    zn = F.normalize(z, p=2, dim=1)
    sim = (zn @ zn.t()).div(temperature).masked_fill(self_mask, -1e9)
    return F.cross_entropy(sim, labels)


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
    head = nn.Sequential(
        nn.Linear(dim, dim, bias=False), nn.BatchNorm1d(dim), nn.ReLU(),
        nn.Linear(dim, 128, bias=False), nn.BatchNorm1d(128),
    )
    encoder.to(dev)
    head.to(dev)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    if a.channels_last:
        encoder.to(memory_format=torch.channels_last)
    params = list(encoder.parameters()) + list(head.parameters())
    optimizer = torch.optim.SGD(params, lr=0.06, momentum=0.9, weight_decay=5e-4)
    x1 = torch.randn(B, 3, S, S, device=dev).contiguous(memory_format=fmt)
    x2 = torch.randn(B, 3, S, S, device=dev).contiguous(memory_format=fmt)
    self_mask = torch.eye(2 * B, dtype=torch.bool, device=dev)
    labels = torch.cat([torch.arange(B, 2 * B, device=dev), torch.arange(0, B, device=dev)])

    def step():
        x = torch.cat([x1, x2])
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
            loss = nt_xent(head(encoder(x)), self_mask, labels, 0.5)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
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
