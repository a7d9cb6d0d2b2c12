"""torchvision's SimCLR augmentation in a DataLoader, the baseline of bench/augment.ts.

Reads uint8 images (N, 3, S, S) from a raw file (written by bench/augment.ts, the same images our
side augments) and times two views per image through torchvision 0.14's own transforms, as
SimCLR implementations write them: RandomResizedCrop(0.08-1), flip, ColorJitter(0.8, 0.8, 0.8,
0.2) at p 0.8, RandomGrayscale(0.2), GaussianBlur (10% kernel, sigma 0.1-2) at p 0.5, in a
DataLoader with 2 worker processes (both cores). Two pipelines: PIL images (the usual one, with
ToTensor) and uint8 tensors (torchvision's tensor ops). Prints one JSON object.

With --folder, FILE is a folder of class folders of images (written by bench/folder-decode.ts)
and N its file count: torchvision.datasets.ImageFolder decodes each file with PIL in the workers
and the PIL pipeline makes its two views, for one whole epoch (folder_images_per_second).

usage: /usr/bin/python3 bench/augment.py FILE N SIZE [--batch-size 256] [--batches 8] [--workers 2] [--folder]
"""
import argparse
import json
import time

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision.datasets import ImageFolder


def simclr_kernel(side):
    return 2 * ((int(0.1 * side)) // 2) + 1


def pipeline(size, pil):
    ops = [
        T.RandomResizedCrop(size, scale=(0.08, 1.0)),
        T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.8, 0.8, 0.8, 0.2)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([T.GaussianBlur(simclr_kernel(size), sigma=(0.1, 2.0))], p=0.5),
    ]
    ops.append(T.ToTensor() if pil else T.ConvertImageDtype(torch.float32))
    return T.Compose(ops)


class TwoViews(Dataset):
    def __init__(self, images, transform, pil):
        self.images, self.transform, self.pil = images, transform, pil

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = self.images[i]
        img = Image.fromarray(img.transpose(1, 2, 0)) if self.pil else torch.from_numpy(img)
        return self.transform(img), self.transform(img)


class TwoViewsOf:
    """Both views of one PIL image, for datasets.ImageFolder's transform."""

    def __init__(self, transform):
        self.transform = transform

    def __call__(self, img):
        return self.transform(img), self.transform(img)


def run_folder(root, size, batch_size, workers):
    ds = ImageFolder(root, transform=TwoViewsOf(pipeline(size, True)))
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True)
    t0 = time.perf_counter()  # worker start-up counts, as our side's folder opening does
    n = 0
    for (v1, v2), _ in loader:
        assert v1.shape == (batch_size, 3, size, size)
        n += v1.shape[0]
    return n / (time.perf_counter() - t0)


def run(images, size, pil, batch_size, batches, workers):
    ds = TwoViews(images, pipeline(size, pil), pil)
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True, persistent_workers=workers > 0)
    it = iter(loader)
    next(it)  # workers started, first batch out
    done = 0
    t0 = time.perf_counter()
    while done < batches:
        try:
            v1, v2 = next(it)
        except StopIteration:
            it = iter(loader)
            continue
        assert v1.shape == (batch_size, 3, size, size)
        done += 1
    dt = time.perf_counter() - t0
    return batches * batch_size / dt


def main():
    p = argparse.ArgumentParser()
    p.add_argument('file')
    p.add_argument('n', type=int)
    p.add_argument('size', type=int)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--batches', type=int, default=8)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--folder', action='store_true')
    a = p.parse_args()
    if a.folder:
        torch.manual_seed(0)
        print(json.dumps({'engine': 'torchvision', 'torch': torch.__version__, 'image_size': a.size, 'batch_size': a.batch_size, 'workers': a.workers,
                          'folder_images_per_second': run_folder(a.file, a.size, a.batch_size, a.workers)}))
        return
    images = np.fromfile(a.file, dtype=np.uint8).reshape(a.n, 3, a.size, a.size)
    torch.manual_seed(0)
    out = {'engine': 'torchvision', 'torch': torch.__version__, 'image_size': a.size, 'batch_size': a.batch_size, 'workers': a.workers, 'batches': a.batches}
    out['pil_images_per_second'] = run(images, a.size, True, a.batch_size, a.batches, a.workers)
    out['tensor_images_per_second'] = run(images, a.size, False, a.batch_size, a.batches, a.workers)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
