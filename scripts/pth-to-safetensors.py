#!/usr/bin/env python3
"""Converts a PyTorch state dict (.pth / .pt, e.g. torchvision's ImageNet ResNet weights) to a
.safetensors file that `contrastive finetune --init FILE` and `contrastive train --init FILE`
read. It needs torch alone (where the `safetensors` package is installed, its
`safetensors.torch.save_file` does the same).

    python3 scripts/pth-to-safetensors.py resnet18-f37072fd.pth resnet18.safetensors
"""
import json
import struct
import sys

import torch

CODES = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64', torch.int32: 'I32', torch.uint8: 'U8', torch.bool: 'BOOL'}


def main(src, dst):
    state = torch.load(src, map_location='cpu')
    if isinstance(state, dict) and 'state_dict' in state and isinstance(state['state_dict'], dict):
        state = state['state_dict']  # a training checkpoint that wraps the weights
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        sys.exit(f'{src}: expected a state dict of tensors (torch.save(model.state_dict(), ...))')
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        if t.dtype not in CODES:
            sys.exit(f'{src}: tensor {name} has dtype {t.dtype}, which safetensors here does not take')
        data = t.detach().contiguous().cpu()
        raw = data.view(torch.int16).numpy().tobytes() if data.dtype == torch.bfloat16 else data.numpy().tobytes()
        header[name] = {'dtype': CODES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(dst, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
    print(f'{dst}: {len(header)} tensors')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: pth-to-safetensors.py IN.pth OUT.safetensors')
    main(sys.argv[1], sys.argv[2])
