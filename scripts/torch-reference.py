#!/usr/bin/python3
"""Writes test/fixtures/torch-ops.json: PyTorch's values and gradients for every engine op case.

Run with Debian's PyTorch (the one the addon links against):

    /usr/bin/python3 scripts/torch-reference.py

Each case names an op (the key of the TypeScript implementation in test/tensor/torch-cases.ts),
its inputs (written out in full, made from sin() formulas: no RNG stream is needed to reproduce
them), its arguments, PyTorch's outputs and, for differentiable cases, the fixed weights `w_k` and
PyTorch's autograd gradients of  L = sum_k sum(out_k * w_k)  over the outputs that require grad.
The random-op cases seed torch's generator with `manual_seed`, which ours must reproduce exactly.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'torch-ops.json')

DTYPES = {
    torch.float32: 'float32', torch.float64: 'float64', torch.float16: 'float16',
    torch.bfloat16: 'bfloat16', torch.int64: 'int64', torch.int32: 'int32',
    torch.uint8: 'uint8', torch.bool: 'bool',
}

# ---- deterministic inputs ------------------------------------------------------------------------


def seq(shape, k=0, scale=1.0, offset=0.0, dtype=torch.float32):
    """sin(1.37 i + 0.5 + 0.71 k) * scale + offset over the row-major index i."""
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return (torch.sin(i * 1.37 + 0.5 + 0.71 * k) * scale + offset).reshape(shape).to(dtype)


def pos(shape, k=0, dtype=torch.float32):
    """Strictly positive values in [0.2, 2.0] (for log, sqrt, pow, ...)."""
    return seq(shape, k, 0.9, 1.1, dtype)


def lit(values, dtype):
    return torch.tensor(values, dtype=dtype)


class In:
    """An input: a tensor and whether it requires grad (None: float inputs of a grad case do)."""

    def __init__(self, t, grad=None):
        self.t = t
        self.grad = grad


def I(t, grad=None):
    return t if isinstance(t, In) else In(t, grad)


# ---- the ops (keys shared with test/tensor/torch-cases.ts) ----------------------------------------


def values_indices(r):
    return [r.values, r.indices]


def opt(a, key, default=None):
    return a[key] if key in a else default


def num(v):
    """Decodes the numbers JSON cannot hold ('inf', '-inf', 'nan')."""
    return float(v) if isinstance(v, str) else v


def inplace(name):
    return lambda x, a: getattr(x[0].clone(), name)(*x[1:], **a)


def seeded(fn):
    def run(x, a):
        torch.manual_seed(a['seed'])
        return fn(x, a)
    return run


def bn_training(x, a):
    rm, rv = x[1].clone(), x[2].clone()
    w = x[3] if len(x) > 3 else None
    b = x[4] if len(x) > 4 else None
    y = F.batch_norm(x[0], rm, rv, w, b, True, a['momentum'], a['eps'])
    return [y, rm, rv]


OPS = {
    # shape
    'reshape': lambda x, a: x[0].reshape(a['shape']),
    'view': lambda x, a: x[0].view(a['shape']),
    'flatten': lambda x, a: x[0].flatten(opt(a, 'start', 0), opt(a, 'end', -1)),
    'permute': lambda x, a: x[0].permute(a['dims']),
    'transpose': lambda x, a: x[0].transpose(a['dim0'], a['dim1']),
    't': lambda x, a: x[0].t(),
    'squeeze': lambda x, a: x[0].squeeze(a['dim']) if 'dim' in a else x[0].squeeze(),
    'unsqueeze': lambda x, a: x[0].unsqueeze(a['dim']),
    'expand': lambda x, a: x[0].expand(a['shape']),
    'expandAs': lambda x, a: x[0].expand_as(x[1]),
    'cat': lambda x, a: torch.cat(x, a['dim']),
    'stack': lambda x, a: torch.stack(x, a['dim']),
    'split': lambda x, a: list(torch.split(x[0], a['size'], a['dim'])),
    'chunk': lambda x, a: list(torch.chunk(x[0], a['chunks'], a['dim'])),
    'narrow': lambda x, a: x[0].narrow(a['dim'], a['start'], a['length']),
    'slice': lambda x, a: x[0][(slice(None),) * (a['dim'] % x[0].dim()) + (slice(opt(a, 'start'), opt(a, 'end'), opt(a, 'step', 1)),)],
    'select': lambda x, a: x[0].select(a['dim'], a['index']),
    'indexSelect': lambda x, a: x[0].index_select(a['dim'], x[1]),
    'gather': lambda x, a: x[0].gather(a['dim'], x[1]),
    'scatter': lambda x, a: x[0].scatter(a['dim'], x[1], x[2]),
    'scatterValue': lambda x, a: x[0].scatter(a['dim'], x[1], a['value']),
    'maskedFill': lambda x, a: x[0].masked_fill(x[1], a['value']),
    'maskedFillTensor': lambda x, a: x[0].masked_fill(x[1], x[2]),
    'where': lambda x, a: torch.where(x[0], x[1], x[2]),
    'whereScalars': lambda x, a: torch.where(x[0], a['a'], a['b']) if 'b' in a and 'a' in a
    else torch.where(x[0], a['a'], x[1]) if 'a' in a else torch.where(x[0], x[1], a['b']),
    'whereMethod': lambda x, a: x[0].where(x[1], x[2]),
    'repeat': lambda x, a: x[0].repeat(a['repeats']),
    'flip': lambda x, a: x[0].flip(a['dims']),
    'roll': lambda x, a: x[0].roll(a['shifts'], a['dims']) if 'dims' in a else x[0].roll(a['shifts']),
    'contiguous': lambda x, a: x[0].transpose(0, 1).contiguous(),
    'clone': lambda x, a: x[0].clone(),
    'diagonal': lambda x, a: x[0].diagonal(a['offset'], opt(a, 'dim1', 0), opt(a, 'dim2', 1)),
    'triu': lambda x, a: x[0].triu(a['diagonal']),
    'tril': lambda x, a: x[0].tril(a['diagonal']),
    'to': lambda x, a: x[0].to(getattr(torch, a['dtype'])),
    # elementwise
    'add': lambda x, a: torch.add(x[0], x[1], alpha=opt(a, 'alpha', 1)),
    'addScalar': lambda x, a: torch.add(x[0], a['other'], alpha=opt(a, 'alpha', 1)),
    'sub': lambda x, a: torch.sub(x[0], x[1], alpha=opt(a, 'alpha', 1)),
    'subScalar': lambda x, a: torch.sub(x[0], a['other'], alpha=opt(a, 'alpha', 1)),
    'mul': lambda x, a: x[0] * x[1],
    'mulScalar': lambda x, a: x[0] * a['other'],
    'div': lambda x, a: torch.div(x[0], x[1], rounding_mode=opt(a, 'roundingMode')),
    'divScalar': lambda x, a: torch.div(x[0], a['other'], rounding_mode=opt(a, 'roundingMode')),
    'pow': lambda x, a: torch.pow(x[0], x[1]),
    'powScalar': lambda x, a: torch.pow(x[0], a['exponent']),
    'exp': lambda x, a: x[0].exp(),
    'log': lambda x, a: x[0].log(),
    'log1p': lambda x, a: x[0].log1p(),
    'sqrt': lambda x, a: x[0].sqrt(),
    'rsqrt': lambda x, a: x[0].rsqrt(),
    'square': lambda x, a: x[0].square(),
    'reciprocal': lambda x, a: x[0].reciprocal(),
    'abs': lambda x, a: x[0].abs(),
    'neg': lambda x, a: x[0].neg(),
    'sign': lambda x, a: x[0].sign(),
    'floor': lambda x, a: x[0].floor(),
    'ceil': lambda x, a: x[0].ceil(),
    'cos': lambda x, a: x[0].cos(),
    'sin': lambda x, a: x[0].sin(),
    'acos': lambda x, a: x[0].acos(),
    'round': lambda x, a: x[0].round(),
    'clamp': lambda x, a: x[0].clamp(opt(a, 'min'), opt(a, 'max')),
    'clampMin': lambda x, a: x[0].clamp_min(a['min']),
    'clampMax': lambda x, a: x[0].clamp_max(a['max']),
    'minimum': lambda x, a: torch.minimum(x[0], x[1]),
    'maximum': lambda x, a: torch.maximum(x[0], x[1]),
    'compare': lambda x, a: [getattr(x[0], c)(x[1]) for c in ('eq', 'ne', 'lt', 'le', 'gt', 'ge')],
    'compareScalar': lambda x, a: [getattr(x[0], c)(a['other']) for c in ('eq', 'ne', 'lt', 'le', 'gt', 'ge')],
    'logical': lambda x, a: [x[0].logical_not(), x[0].logical_and(x[1]), x[0].logical_or(x[1])],
    'isfinite': lambda x, a: [x[0].isfinite(), x[0].isnan()],
    'lerp': lambda x, a: torch.lerp(x[0], x[1], a['weight']),
    # activations
    'relu': lambda x, a: x[0].relu(),
    'reluF': lambda x, a: F.relu(x[0]),
    'sigmoid': lambda x, a: x[0].sigmoid(),
    'sigmoidF': lambda x, a: torch.sigmoid(x[0]),
    'tanh': lambda x, a: x[0].tanh(),
    'tanhF': lambda x, a: torch.tanh(x[0]),
    'softmax': lambda x, a: x[0].softmax(a['dim']),
    'softmaxF': lambda x, a: F.softmax(x[0], a['dim']),
    'logSoftmax': lambda x, a: x[0].log_softmax(a['dim']),
    'logSoftmaxF': lambda x, a: F.log_softmax(x[0], a['dim']),
    'gelu': lambda x, a: F.gelu(x[0], approximate=opt(a, 'approximate', 'none')),
    'silu': lambda x, a: F.silu(x[0]),
    'softplus': lambda x, a: F.softplus(x[0], opt(a, 'beta', 1), opt(a, 'threshold', 20)),
    'logSigmoid': lambda x, a: F.logsigmoid(x[0]),
    # reductions
    'sum': lambda x, a: x[0].sum(a['dim'], keepdim=opt(a, 'keepdim', False)) if 'dim' in a else x[0].sum(),
    'mean': lambda x, a: x[0].mean(a['dim'], keepdim=opt(a, 'keepdim', False)) if 'dim' in a else x[0].mean(),
    'max': lambda x, a: values_indices(x[0].max(a['dim'], keepdim=opt(a, 'keepdim', False))) if 'dim' in a else x[0].max(),
    'min': lambda x, a: values_indices(x[0].min(a['dim'], keepdim=opt(a, 'keepdim', False))) if 'dim' in a else x[0].min(),
    'argmax': lambda x, a: x[0].argmax(opt(a, 'dim'), keepdim=opt(a, 'keepdim', False)),
    'argmin': lambda x, a: x[0].argmin(opt(a, 'dim'), keepdim=opt(a, 'keepdim', False)),
    'logsumexp': lambda x, a: x[0].logsumexp(a['dim'], keepdim=opt(a, 'keepdim', False)),
    'norm': lambda x, a: torch.linalg.vector_norm(x[0], num(opt(a, 'p', 2)), opt(a, 'dim'), opt(a, 'keepdim', False)),
    'std': lambda x, a: torch.std(x[0], dim=opt(a, 'dim'), correction=opt(a, 'correction', 1), keepdim=opt(a, 'keepdim', False)),
    'var': lambda x, a: torch.var(x[0], dim=opt(a, 'dim'), correction=opt(a, 'correction', 1), keepdim=opt(a, 'keepdim', False)),
    'topk': lambda x, a: values_indices(x[0].topk(a['k'], opt(a, 'dim', -1), opt(a, 'largest', True), True)),
    'sort': lambda x, a: values_indices(x[0].sort(opt(a, 'dim', -1), opt(a, 'descending', False))),
    'allAny': lambda x, a: [x[0].all(), x[0].any()],
    # linear algebra
    'matmul': lambda x, a: x[0].matmul(x[1]),
    'mm': lambda x, a: x[0].mm(x[1]),
    'bmm': lambda x, a: x[0].bmm(x[1]),
    'linear': lambda x, a: F.linear(*x),
    # neural-net functions
    'conv1d': lambda x, a: F.conv1d(x[0], x[1], x[2] if len(x) > 2 else None, opt(a, 'stride', 1), opt(a, 'padding', 0), opt(a, 'dilation', 1), opt(a, 'groups', 1)),
    'conv2d': lambda x, a: F.conv2d(x[0], x[1], x[2] if len(x) > 2 else None, opt(a, 'stride', 1), opt(a, 'padding', 0), opt(a, 'dilation', 1), opt(a, 'groups', 1)),
    'batchNormTraining': bn_training,
    'batchNormEval': lambda x, a: F.batch_norm(x[0], x[1], x[2], x[3] if len(x) > 3 else None, x[4] if len(x) > 4 else None, False, 0.1, a['eps']),
    'layerNorm': lambda x, a: F.layer_norm(x[0], a['normalizedShape'], x[1] if len(x) > 1 else None, x[2] if len(x) > 2 else None, opt(a, 'eps', 1e-5)),
    'groupNorm': lambda x, a: F.group_norm(x[0], a['numGroups'], x[1] if len(x) > 1 else None, x[2] if len(x) > 2 else None, opt(a, 'eps', 1e-5)),
    'maxPool2d': lambda x, a: F.max_pool2d(x[0], a['kernel'], opt(a, 'stride'), opt(a, 'padding', 0), opt(a, 'dilation', 1), opt(a, 'ceilMode', False)),
    'avgPool2d': lambda x, a: F.avg_pool2d(x[0], a['kernel'], opt(a, 'stride'), opt(a, 'padding', 0), opt(a, 'ceilMode', False), opt(a, 'countIncludePad', True)),
    'adaptiveAvgPool2d': lambda x, a: F.adaptive_avg_pool2d(x[0], a['size']),
    'dropout': lambda x, a: F.dropout(x[0], a['p'], a['training']),
    'crossEntropy': lambda x, a: F.cross_entropy(x[0], x[1], x[2] if len(x) > 2 else None, ignore_index=opt(a, 'ignoreIndex', -100), reduction=opt(a, 'reduction', 'mean'), label_smoothing=opt(a, 'labelSmoothing', 0.0)),
    'bceWithLogits': lambda x, a: F.binary_cross_entropy_with_logits(x[0], x[1], x[2] if opt(a, 'weight') else None, reduction=opt(a, 'reduction', 'mean'), pos_weight=x[-1] if opt(a, 'posWeight') else None),
    'normalize': lambda x, a: F.normalize(x[0], opt(a, 'p', 2), opt(a, 'dim', 1), opt(a, 'eps', 1e-12)),
    'pad': lambda x, a: F.pad(x[0], a['pad'], a['mode'], opt(a, 'value', 0) if a['mode'] == 'constant' else None),
    'interpolate': lambda x, a: F.interpolate(x[0], a['size'], mode=a['mode'], align_corners=opt(a, 'alignCorners', False) if a['mode'] == 'bilinear' else None),
    'affineGrid': lambda x, a: F.affine_grid(x[0], a['size'], a['alignCorners']),
    'gridSample': lambda x, a: F.grid_sample(x[0], x[1], a['mode'], a['paddingMode'], a['alignCorners']),
    'oneHot': lambda x, a: F.one_hot(x[0], opt(a, 'numClasses', -1)),
    # in place, on a clone of the first input
    'add_': inplace('add_'),
    'sub_': inplace('sub_'),
    'mul_': inplace('mul_'),
    'div_': inplace('div_'),
    'addcmul_': inplace('addcmul_'),
    'addcdiv_': inplace('addcdiv_'),
    'lerp_': inplace('lerp_'),
    'copy_': inplace('copy_'),
    'zero_': inplace('zero_'),
    'fill_': inplace('fill_'),
    'clamp_': inplace('clamp_'),
    # random ops after manual_seed: ours must draw the same numbers
    'rand': seeded(lambda x, a: torch.rand(a['shape'], dtype=getattr(torch, opt(a, 'dtype', 'float32')))),
    'randn': seeded(lambda x, a: torch.randn(a['shape'], dtype=getattr(torch, opt(a, 'dtype', 'float32')))),
    'randint': seeded(lambda x, a: torch.randint(a['low'], a['high'], a['shape'])),
    'randperm': seeded(lambda x, a: torch.randperm(a['n'])),
    'randLike': seeded(lambda x, a: [torch.rand_like(x[0]), torch.randn_like(x[0])]),
    'dropoutSeeded': seeded(lambda x, a: F.dropout(x[0], a['p'], True)),
}

# ---- the cases -----------------------------------------------------------------------------------

CASES = []


def case(name, op, inputs, args=None, grad=True):
    CASES.append((name, op, [I(x) for x in inputs], args or {}, grad))


f32, f64, f16, bf16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
i64, i32, u8, b = torch.int64, torch.int32, torch.uint8, torch.bool

# shape ops
x234 = seq((2, 3, 4))
case('reshape/2d', 'reshape', [x234], {'shape': [4, 6]})
case('reshape/infer', 'reshape', [x234], {'shape': [-1, 3]})
case('reshape/int64', 'reshape', [lit([[1, 2, 3], [4, 5, 6]], i64)], {'shape': [3, 2]}, grad=False)
case('view', 'view', [x234], {'shape': [6, -1]})
case('flatten/all', 'flatten', [x234])
case('flatten/start1', 'flatten', [x234], {'start': 1})
case('flatten/0-1', 'flatten', [x234], {'start': 0, 'end': 1})
case('permute', 'permute', [x234], {'dims': [2, 0, 1]})
case('permute/negative', 'permute', [x234], {'dims': [-1, -3, -2]})
case('transpose', 'transpose', [x234], {'dim0': 0, 'dim1': 2})
case('transpose/negative', 'transpose', [x234], {'dim0': -1, 'dim1': -2})
case('t', 't', [seq((2, 3))])
case('squeeze/all', 'squeeze', [seq((2, 1, 3, 1))])
case('squeeze/dim', 'squeeze', [seq((2, 1, 3, 1))], {'dim': 1})
case('squeeze/dim-not-1', 'squeeze', [seq((2, 1, 3, 1))], {'dim': 0})
case('unsqueeze/1', 'unsqueeze', [seq((2, 3))], {'dim': 1})
case('unsqueeze/-1', 'unsqueeze', [seq((2, 3))], {'dim': -1})
case('expand', 'expand', [seq((3, 1))], {'shape': [2, 3, 4]})
case('expand/-1', 'expand', [seq((3, 1))], {'shape': [-1, 5]})
case('expandAs', 'expandAs', [seq((1, 3)), I(seq((4, 3), 1), False)])
case('cat/dim0', 'cat', [seq((2, 3)), seq((1, 3), 1)], {'dim': 0})
case('cat/dim1', 'cat', [seq((2, 3)), seq((2, 2), 1), seq((2, 1), 2)], {'dim': 1})
case('cat/dim-1-int', 'cat', [lit([[1], [2]], i64), lit([[3, 4], [5, 6]], i64)], {'dim': -1}, grad=False)
case('stack/dim0', 'stack', [seq((2, 3)), seq((2, 3), 1)], {'dim': 0})
case('stack/dim2', 'stack', [seq((2, 3)), seq((2, 3), 1), seq((2, 3), 2)], {'dim': 2})
case('split/size', 'split', [seq((5, 3))], {'size': 2, 'dim': 0})
case('split/sizes', 'split', [seq((2, 5))], {'size': [1, 3, 1], 'dim': 1})
case('chunk', 'chunk', [seq((5, 3))], {'chunks': 3, 'dim': 0})
case('chunk/dim1', 'chunk', [seq((2, 6))], {'chunks': 2, 'dim': 1})
case('narrow', 'narrow', [seq((4, 5))], {'dim': 1, 'start': 1, 'length': 3})
case('slice/step', 'slice', [seq((6, 4))], {'dim': 0, 'start': 1, 'end': 5, 'step': 2})
case('slice/negative', 'slice', [seq((3, 6))], {'dim': 1, 'start': -4, 'end': -1})
case('slice/open', 'slice', [seq((3, 6))], {'dim': -1, 'start': 2})
case('select', 'select', [seq((3, 4))], {'dim': 1, 'index': 2})
case('select/negative', 'select', [seq((3, 4))], {'dim': 0, 'index': -1})
case('indexSelect/dim0', 'indexSelect', [seq((4, 3)), lit([2, 0, 2], i64)], {'dim': 0})
case('indexSelect/dim1', 'indexSelect', [seq((2, 4)), lit([3, 1], i64)], {'dim': 1})
case('gather/dim1', 'gather', [seq((3, 4)), lit([[0, 3], [2, 2], [1, 0]], i64)], {'dim': 1})
case('gather/dim0', 'gather', [seq((3, 4)), lit([[2, 0, 1, 1]], i64)], {'dim': 0})
case('scatter/src', 'scatter', [seq((3, 5)), lit([[4, 0], [1, 2], [3, 1]], i64), seq((3, 2), 1)], {'dim': 1})
case('scatter/dim0', 'scatter', [seq((3, 4)), lit([[2, 0, 1, 2]], i64), seq((1, 4), 1)], {'dim': 0})
case('scatter/value', 'scatterValue', [seq((3, 5)), lit([[4, 0], [1, 2], [3, 1]], i64)], {'dim': 1, 'value': -2.5})
mask34 = lit([[True, False, False, True], [False, True, False, False], [True, True, False, False]], b)
case('maskedFill/scalar', 'maskedFill', [seq((3, 4)), mask34], {'value': -7.25})
case('maskedFill/broadcast', 'maskedFill', [seq((3, 4)), lit([[True], [False], [True]], b)], {'value': 0.5})
case('maskedFill/tensor', 'maskedFillTensor', [seq((3, 4)), mask34, lit(3.5, f32)])
case('maskedFill/int', 'maskedFill', [lit([[1, 2], [3, 4]], i64), lit([[True, False], [False, True]], b)], {'value': 9}, grad=False)
case('where/tensors', 'where', [mask34, seq((3, 4)), seq((3, 4), 1)])
case('where/broadcast', 'where', [lit([[True], [False], [True]], b), seq((3, 4)), seq((4,), 1)])
case('where/scalar-other', 'whereScalars', [mask34, seq((3, 4))], {'b': 0.25})
case('where/scalar-self', 'whereScalars', [mask34, seq((3, 4))], {'a': -1.5})
case('where/scalars', 'whereScalars', [mask34], {'a': 2.5, 'b': -3.25}, grad=False)
# JS has one number type: an integral number is an integer Scalar (Python's 2, never 2.0).
case('where/int-scalars', 'whereScalars', [mask34], {'a': 2, 'b': -3}, grad=False)
case('where/method', 'whereMethod', [seq((3, 4)), mask34, seq((3, 4), 1)])
case('repeat', 'repeat', [seq((2, 3))], {'repeats': [2, 1, 2]})
case('repeat/same-rank', 'repeat', [seq((2, 3))], {'repeats': [1, 3]})
case('flip/dims', 'flip', [x234], {'dims': [0, 2]})
case('flip/one', 'flip', [x234], {'dims': [-1]})
case('roll/dim', 'roll', [seq((3, 4))], {'shifts': [1], 'dims': [0]})
case('roll/dims', 'roll', [seq((3, 4))], {'shifts': [1, -2], 'dims': [0, 1]})
case('roll/flat', 'roll', [seq((3, 4))], {'shifts': [5]})
case('contiguous', 'contiguous', [seq((3, 4))])
case('clone', 'clone', [seq((2, 3))])
case('diagonal', 'diagonal', [seq((4, 4))], {'offset': 0})
case('diagonal/offset', 'diagonal', [seq((3, 5))], {'offset': 1})
case('diagonal/dims', 'diagonal', [x234], {'offset': -1, 'dim1': 1, 'dim2': 2})
case('triu', 'triu', [seq((4, 4))], {'diagonal': 0})
case('triu/offset', 'triu', [seq((3, 5))], {'diagonal': 1})
case('tril', 'tril', [seq((4, 4))], {'diagonal': -1})
case('to/float64', 'to', [seq((2, 3), 0, 3.0)], {'dtype': 'float64'})
case('to/float16', 'to', [seq((2, 3), 0, 3.0)], {'dtype': 'float16'})
case('to/bfloat16', 'to', [seq((2, 3), 0, 3.0)], {'dtype': 'bfloat16'})
case('to/int64-truncates', 'to', [seq((2, 3), 0, 3.0)], {'dtype': 'int64'}, grad=False)
case('to/int32', 'to', [seq((2, 3), 0, 3.0)], {'dtype': 'int32'}, grad=False)
case('to/uint8', 'to', [pos((2, 3), 0)], {'dtype': 'uint8'}, grad=False)
case('to/bool', 'to', [lit([[0.0, 1.5, -2.0]], f32)], {'dtype': 'bool'}, grad=False)
case('to/int-to-float', 'to', [lit([1, -2, 3], i64)], {'dtype': 'float32'}, grad=False)
case('to/bool-to-float', 'to', [lit([True, False], b)], {'dtype': 'float32'}, grad=False)

# elementwise math, broadcasting and type promotion
case('add/same', 'add', [seq((2, 3)), seq((2, 3), 1)])
case('add/broadcast', 'add', [seq((2, 3)), seq((3,), 1)])
case('add/broadcast-both', 'add', [seq((2, 1)), seq((1, 3), 1)])
case('add/alpha', 'add', [seq((2, 3)), seq((2, 3), 1)], {'alpha': 2.5})
case('add/scalar', 'addScalar', [seq((2, 3))], {'other': 1.25})
case('add/scalar-alpha', 'addScalar', [seq((2, 3))], {'other': 1.25, 'alpha': -2})
case('add/int64', 'add', [lit([1, 2, 3], i64), lit([10, 20, 30], i64)], grad=False)
case('add/int64-scalar-int', 'addScalar', [lit([1, 2, 3], i64)], {'other': 4}, grad=False)
case('add/int64-scalar-float', 'addScalar', [lit([1, 2, 3], i64)], {'other': 0.5}, grad=False)
case('add/int64-float32', 'add', [lit([1, 2, 3], i64), seq((3,))], grad=False)
case('add/int32-int64', 'add', [lit([1, 2, 3], i32), lit([10, 20, 30], i64)], grad=False)
case('add/uint8-int64', 'add', [lit([1, 2, 250], u8), lit([10, 20, 30], i64)], grad=False)
case('add/float32-float64', 'add', [seq((3,)), seq((3,), 1, dtype=f64)])
case('add/float32-0d-float64', 'add', [seq((3,)), lit(0.125, f64)])
case('add/float64', 'add', [seq((2, 3), dtype=f64), seq((2, 3), 1, dtype=f64)])
case('add/float16', 'add', [seq((2, 3), dtype=f16), seq((2, 3), 1, dtype=f16)], grad=False)
case('add/bfloat16', 'add', [seq((2, 3), dtype=bf16), seq((2, 3), 1, dtype=bf16)], grad=False)
case('add/bool-bool', 'add', [lit([True, False, True], b), lit([True, False, False], b)], grad=False)
case('sub/broadcast', 'sub', [seq((2, 3)), seq((2, 1), 1)])
case('sub/alpha', 'sub', [seq((2, 3)), seq((2, 3), 1)], {'alpha': 0.5})
case('sub/scalar', 'subScalar', [seq((2, 3))], {'other': -0.75})
case('sub/int64', 'sub', [lit([5, 2, -3], i64), lit([1, 7, 2], i64)], grad=False)
case('mul/broadcast', 'mul', [seq((2, 3)), seq((3,), 1)])
case('mul/scalar', 'mulScalar', [seq((2, 3))], {'other': -3.5})
case('mul/int32', 'mul', [lit([2, -3, 4], i32), lit([5, 6, -7], i32)], grad=False)
case('mul/bool-float', 'mul', [lit([True, False, True], b), seq((3,))], grad=False)
case('div/broadcast', 'div', [seq((2, 3)), pos((3,), 1)])
case('div/scalar', 'divScalar', [seq((2, 3))], {'other': 4.0})
case('div/int64-true-division', 'div', [lit([7, -7, 6], i64), lit([2, 2, 4], i64)], grad=False)
case('div/trunc', 'div', [lit([7.5, -7.5, 3.0], f32), lit([2.0, 2.0, -2.0], f32)], {'roundingMode': 'trunc'})
case('div/floor', 'div', [lit([7.5, -7.5, 3.0], f32), lit([2.0, 2.0, -2.0], f32)], {'roundingMode': 'floor'})
case('div/floor-int64', 'div', [lit([7, -7, 6], i64), lit([2, 2, -4], i64)], {'roundingMode': 'floor'}, grad=False)
case('div/scalar-trunc', 'divScalar', [lit([7.5, -7.5, 3.0], f32)], {'other': 2.0, 'roundingMode': 'trunc'})
case('pow/scalar-2', 'powScalar', [seq((2, 3))], {'exponent': 2})
case('pow/scalar-0.5', 'powScalar', [pos((2, 3))], {'exponent': 0.5})
case('pow/scalar-negative', 'powScalar', [pos((2, 3))], {'exponent': -1.5})
case('pow/tensor', 'pow', [pos((2, 3)), seq((3,), 1)])
case('pow/int64', 'powScalar', [lit([1, -2, 3], i64)], {'exponent': 3}, grad=False)
case('exp', 'exp', [seq((2, 3), 0, 2.0)])
case('log', 'log', [pos((2, 3))])
case('log1p', 'log1p', [pos((2, 3))])
case('sqrt', 'sqrt', [pos((2, 3))])
case('rsqrt', 'rsqrt', [pos((2, 3))])
case('square', 'square', [seq((2, 3))])
case('reciprocal', 'reciprocal', [pos((2, 3))])
case('abs', 'abs', [seq((2, 3))])
case('abs/int64', 'abs', [lit([-3, 0, 4], i64)], grad=False)
case('neg', 'neg', [seq((2, 3))])
case('sign', 'sign', [lit([[-2.5, 0.0, 3.0], [0.1, -0.1, 7.0]], f32)], grad=False)
case('sign/grad', 'sign', [seq((2, 3))])  # no zero: sign jumps there, finite differences would see it
case('floor', 'floor', [seq((2, 3), 0, 3.0)])
case('ceil', 'ceil', [seq((2, 3), 0, 3.0)])
case('cos', 'cos', [seq((2, 3), 0, 3.0)])
case('sin', 'sin', [seq((2, 3), 0, 3.0)])
case('acos', 'acos', [seq((2, 3), 0, 0.9)])
case('round', 'round', [lit([0.4, 1.6, -2.3, -0.7, 3.2], f32)])
case('round/half-to-even', 'round', [lit([0.5, 1.5, 2.5, -0.5, -1.5], f32)], grad=False)
case('clamp/both', 'clamp', [seq((3, 4))], {'min': -0.5, 'max': 0.25})
case('clamp/min', 'clamp', [seq((3, 4))], {'min': -0.2})
case('clamp/max', 'clamp', [seq((3, 4))], {'max': 0.3})
case('clamp/int64', 'clamp', [lit([-5, 0, 5, 10], i64)], {'min': -1, 'max': 6}, grad=False)
case('clampMin', 'clampMin', [seq((3, 4))], {'min': 0.1})
case('clampMax', 'clampMax', [seq((3, 4))], {'max': -0.1})
case('minimum', 'minimum', [seq((2, 3)), seq((3,), 1)])
case('maximum', 'maximum', [seq((2, 3)), seq((2, 1), 1)])
case('maximum/int64', 'maximum', [lit([1, 5, -2], i64), lit([3, 2, -1], i64)], grad=False)
cmp_a = lit([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], f32)
case('compare/broadcast', 'compare', [cmp_a, lit([2.0, 2.0, 6.0], f32)], grad=False)
case('compare/broadcast-col', 'compare', [cmp_a, lit([[3.0], [5.0]], f32)], grad=False)
case('compare/scalar', 'compareScalar', [cmp_a], {'other': 3}, grad=False)
case('compare/scalar-float', 'compareScalar', [cmp_a], {'other': 4.5}, grad=False)
case('compare/int64', 'compare', [lit([1, 2, 3], i64), lit([2, 2, 2], i64)], grad=False)
case('compare/int64-float', 'compare', [lit([1, 2, 3], i64), lit([1.5, 2.0, 2.5], f32)], grad=False)
case('logical', 'logical', [lit([True, True, False, False], b), lit([True, False, True, False], b)], grad=False)
case('isfinite', 'isfinite', [lit([1.0, float('inf'), float('-inf'), float('nan'), -2.0], f32)], grad=False)
case('lerp', 'lerp', [seq((2, 3)), seq((2, 3), 1)], {'weight': 0.3})

# activations
xa = seq((3, 5), 0, 3.0)
for op in ('relu', 'reluF', 'sigmoid', 'sigmoidF', 'tanh', 'tanhF', 'silu', 'logSigmoid'):
    case(op, op, [xa])
for op in ('softmax', 'softmaxF', 'logSoftmax', 'logSoftmaxF'):
    case(op + '/dim1', op, [xa], {'dim': 1})
case('softmax/dim0', 'softmax', [xa], {'dim': 0})
case('softmax/large', 'softmax', [seq((2, 4), 0, 100.0)], {'dim': -1})
case('logSoftmax/dim-1-3d', 'logSoftmax', [seq((2, 3, 4), 0, 5.0)], {'dim': -1})
case('gelu', 'gelu', [xa])
case('gelu/tanh', 'gelu', [xa], {'approximate': 'tanh'})
case('softplus', 'softplus', [xa])
case('softplus/beta-threshold', 'softplus', [xa], {'beta': 2.0, 'threshold': 3.0})

# reductions
xr = seq((3, 4, 5))
case('sum/all', 'sum', [xr])
case('sum/dim', 'sum', [xr], {'dim': [1]})
case('sum/dims-keepdim', 'sum', [xr], {'dim': [0, 2], 'keepdim': True})
case('sum/negative-dim', 'sum', [xr], {'dim': [-1]})
case('sum/int32-to-int64', 'sum', [lit([[1, 2], [3, 4]], i32)], grad=False)
case('sum/bool', 'sum', [lit([True, False, True], b)], grad=False)
case('sum/int64-dim', 'sum', [lit([[1, 2], [3, 4]], i64)], {'dim': [0]}, grad=False)
case('mean/all', 'mean', [xr])
case('mean/dim-keepdim', 'mean', [xr], {'dim': [2], 'keepdim': True})
case('mean/dims', 'mean', [xr], {'dim': [0, 1]})
case('mean/float64', 'mean', [seq((3, 4), dtype=f64)], {'dim': [1]})
xm = seq((3, 5), 0, 2.0)
case('max/all', 'max', [xm])
case('max/dim', 'max', [xm], {'dim': 1})
case('max/dim-keepdim', 'max', [xm], {'dim': 0, 'keepdim': True})
case('max/int64', 'max', [lit([[3, 9, 1], [4, 2, 8]], i64)], {'dim': 1}, grad=False)
case('min/all', 'min', [xm])
case('min/dim', 'min', [xm], {'dim': 1})
case('min/dim-keepdim', 'min', [xm], {'dim': -1, 'keepdim': True})
case('argmax/all', 'argmax', [xm], grad=False)
case('argmax/dim', 'argmax', [xm], {'dim': 1}, grad=False)
case('argmax/keepdim', 'argmax', [xm], {'dim': 0, 'keepdim': True}, grad=False)
case('argmin/all', 'argmin', [xm], grad=False)
case('argmin/dim', 'argmin', [xm], {'dim': -1}, grad=False)
case('argmin/keepdim', 'argmin', [xm], {'dim': 1, 'keepdim': True}, grad=False)
case('logsumexp/dim', 'logsumexp', [xr], {'dim': [1]})
case('logsumexp/dims-keepdim', 'logsumexp', [xr], {'dim': [0, 2], 'keepdim': True})
case('logsumexp/large', 'logsumexp', [seq((2, 3), 0, 200.0)], {'dim': [1]})
case('norm/all', 'norm', [xr])
case('norm/p1-dim', 'norm', [xr], {'p': 1, 'dim': [1]})
case('norm/p3-keepdim', 'norm', [xr], {'p': 3, 'dim': [2], 'keepdim': True})
case('norm/inf', 'norm', [xm], {'p': 'inf', 'dim': [1]})
case('std/all', 'std', [xr])
case('std/dim', 'std', [xr], {'dim': [1]})
case('std/dims-keepdim-biased', 'std', [xr], {'dim': [0, 2], 'keepdim': True, 'correction': 0})
case('var/all', 'var', [xr])
case('var/dim', 'var', [xr], {'dim': [2]})
case('var/keepdim-biased', 'var', [xr], {'dim': [1], 'keepdim': True, 'correction': 0})
case('topk', 'topk', [xm], {'k': 2})
case('topk/smallest-dim0', 'topk', [xm], {'k': 2, 'dim': 0, 'largest': False})
case('sort', 'sort', [xm])
case('sort/descending-dim0', 'sort', [xm], {'dim': 0, 'descending': True})
case('sort/int64', 'sort', [lit([[3, 1, 2], [9, 7, 8]], i64)], grad=False)
case('allAny', 'allAny', [lit([[True, True], [False, True]], b)], grad=False)
case('allAny/all-true', 'allAny', [lit([True, True], b)], grad=False)

# linear algebra
case('matmul/2d', 'matmul', [seq((3, 4)), seq((4, 2), 1)])
case('matmul/vector-matrix', 'matmul', [seq((4,)), seq((4, 2), 1)])
case('matmul/matrix-vector', 'matmul', [seq((3, 4)), seq((4,), 1)])
case('matmul/dot', 'matmul', [seq((4,)), seq((4,), 1)])
case('matmul/batched-broadcast', 'matmul', [seq((2, 3, 4)), seq((4, 2), 1)])
case('matmul/float64', 'matmul', [seq((3, 4), dtype=f64), seq((4, 2), 1, dtype=f64)])
case('mm', 'mm', [seq((3, 4)), seq((4, 5), 1)])
case('bmm', 'bmm', [seq((2, 3, 4)), seq((2, 4, 2), 1)])
case('linear/bias', 'linear', [seq((3, 4)), seq((5, 4), 1), seq((5,), 2)])
case('linear/no-bias', 'linear', [seq((3, 4)), seq((5, 4), 1)])
case('linear/3d', 'linear', [seq((2, 3, 4)), seq((2, 4), 1), seq((2,), 2)])

# neural-net functions
case('conv1d', 'conv1d', [seq((2, 3, 7)), seq((4, 3, 3), 1, 0.5), seq((4,), 2)])
case('conv1d/stride-padding-groups', 'conv1d', [seq((2, 4, 7)), seq((6, 2, 3), 1, 0.5), seq((6,), 2)],
     {'stride': 2, 'padding': 1, 'groups': 2})
case('conv1d/no-bias-dilation', 'conv1d', [seq((1, 2, 8)), seq((3, 2, 3), 1, 0.5)], {'dilation': 2})
case('conv2d', 'conv2d', [seq((2, 3, 5, 5)), seq((4, 3, 3, 3), 1, 0.5), seq((4,), 2)], {'padding': 1})
case('conv2d/stride-padding-pair', 'conv2d', [seq((1, 2, 6, 5)), seq((3, 2, 3, 2), 1, 0.5), seq((3,), 2)],
     {'stride': [2, 1], 'padding': [1, 0]})
case('conv2d/groups', 'conv2d', [seq((1, 4, 5, 5)), seq((4, 2, 3, 3), 1, 0.5), seq((4,), 2)], {'groups': 2, 'stride': 2})
case('conv2d/depthwise-dilation', 'conv2d', [seq((1, 3, 6, 6)), seq((3, 1, 3, 3), 1, 0.5)],
     {'groups': 3, 'dilation': 2, 'padding': 2})
bn_x = seq((4, 3, 2, 2), 0, 2.0, 0.5)
bn_rm, bn_rv = I(lit([0.1, -0.2, 0.3], f32), False), I(lit([1.5, 0.5, 2.0], f32), False)
case('batchNorm/training', 'batchNormTraining', [bn_x, bn_rm, bn_rv, pos((3,), 1), seq((3,), 2)],
     {'momentum': 0.1, 'eps': 1e-5})
case('batchNorm/training-2d-momentum', 'batchNormTraining', [seq((5, 3)), bn_rm, bn_rv], {'momentum': 0.3, 'eps': 1e-3})
case('batchNorm/eval', 'batchNormEval', [bn_x, bn_rm, bn_rv, pos((3,), 1), seq((3,), 2)], {'eps': 1e-5})
case('layerNorm/last', 'layerNorm', [seq((2, 3, 4), 0, 2.0), pos((4,), 1), seq((4,), 2)], {'normalizedShape': [4]})
case('layerNorm/two-dims', 'layerNorm', [seq((2, 3, 4), 0, 2.0)], {'normalizedShape': [3, 4], 'eps': 1e-3})
case('groupNorm', 'groupNorm', [seq((2, 4, 3, 3), 0, 2.0), pos((4,), 1), seq((4,), 2)], {'numGroups': 2})
case('groupNorm/no-affine', 'groupNorm', [seq((2, 6, 4), 0, 2.0)], {'numGroups': 3})
xp = seq((1, 2, 5, 5), 0, 2.0)
case('maxPool2d', 'maxPool2d', [xp], {'kernel': 2})
case('maxPool2d/stride-padding', 'maxPool2d', [xp], {'kernel': 3, 'stride': 2, 'padding': 1})
case('maxPool2d/ceil', 'maxPool2d', [xp], {'kernel': 2, 'stride': 2, 'ceilMode': True})
case('avgPool2d', 'avgPool2d', [xp], {'kernel': 2})
case('avgPool2d/padding-exclude', 'avgPool2d', [xp], {'kernel': 3, 'stride': 2, 'padding': 1, 'countIncludePad': False})
case('avgPool2d/padding-include', 'avgPool2d', [xp], {'kernel': 3, 'stride': 2, 'padding': 1})
case('adaptiveAvgPool2d', 'adaptiveAvgPool2d', [seq((1, 2, 5, 7))], {'size': [2, 3]})
case('adaptiveAvgPool2d/global', 'adaptiveAvgPool2d', [seq((2, 3, 4, 4))], {'size': 1})
case('dropout/p0', 'dropout', [seq((3, 4))], {'p': 0.0, 'training': True})
case('dropout/eval', 'dropout', [seq((3, 4))], {'p': 0.5, 'training': False})
logits = seq((4, 5), 0, 2.0)
labels = lit([1, 0, 4, 2], i64)
case('crossEntropy/mean', 'crossEntropy', [logits, labels])
case('crossEntropy/sum', 'crossEntropy', [logits, labels], {'reduction': 'sum'})
case('crossEntropy/none', 'crossEntropy', [logits, labels], {'reduction': 'none'})
case('crossEntropy/weight', 'crossEntropy', [logits, labels, I(pos((5,), 1), False)])
case('crossEntropy/ignore-index', 'crossEntropy', [logits, lit([1, -100, 4, 2], i64)])
case('crossEntropy/ignore-index-3', 'crossEntropy', [logits, labels], {'ignoreIndex': 4})
case('crossEntropy/label-smoothing', 'crossEntropy', [logits, labels], {'labelSmoothing': 0.1})
case('crossEntropy/probabilities', 'crossEntropy', [logits, I(seq((4, 5), 3).softmax(1), False)])
case('bceWithLogits/mean', 'bceWithLogits', [seq((2, 3), 0, 3.0), I(pos((2, 3), 1) / 2, False)])
case('bceWithLogits/weight-none', 'bceWithLogits', [seq((2, 3), 0, 3.0), I(pos((2, 3), 1) / 2, False), I(pos((3,), 2), False)],
     {'weight': True, 'reduction': 'none'})
case('bceWithLogits/pos-weight-sum', 'bceWithLogits', [seq((2, 3), 0, 3.0), I(pos((2, 3), 1) / 2, False), I(pos((3,), 2), False)],
     {'posWeight': True, 'reduction': 'sum'})
case('normalize', 'normalize', [seq((3, 4))])
case('normalize/p1-dim0', 'normalize', [seq((3, 4))], {'p': 1, 'dim': 0})
case('normalize/zero-row', 'normalize', [lit([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]], f32)], grad=False)
case('pad/constant', 'pad', [seq((1, 2, 3, 3))], {'pad': [1, 2, 0, 1], 'mode': 'constant', 'value': -1.5})
case('pad/constant-1d', 'pad', [seq((2, 3))], {'pad': [2, 1], 'mode': 'constant'})
case('pad/reflect', 'pad', [seq((1, 2, 3, 4))], {'pad': [2, 1, 1, 2], 'mode': 'reflect'})
case('pad/reflect-1d', 'pad', [seq((1, 2, 5))], {'pad': [3, 1], 'mode': 'reflect'})
case('pad/replicate', 'pad', [seq((1, 2, 3, 4))], {'pad': [2, 1, 1, 2], 'mode': 'replicate'})
case('pad/circular', 'pad', [seq((1, 2, 3, 4))], {'pad': [2, 1, 1, 2], 'mode': 'circular'})
xi = seq((1, 2, 3, 4))
case('interpolate/bilinear-up', 'interpolate', [xi], {'size': [5, 7], 'mode': 'bilinear'})
case('interpolate/bilinear-align', 'interpolate', [xi], {'size': [5, 7], 'mode': 'bilinear', 'alignCorners': True})
case('interpolate/bilinear-down', 'interpolate', [seq((1, 2, 6, 7))], {'size': [3, 4], 'mode': 'bilinear'})
case('interpolate/nearest-up', 'interpolate', [xi], {'size': [6, 6], 'mode': 'nearest'})
case('interpolate/nearest-down', 'interpolate', [seq((1, 2, 6, 7))], {'size': [4, 3], 'mode': 'nearest'})
theta = lit([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.05]], [[-1.0, 0.0, 0.2], [0.1, 0.7, 0.0]]], f32)
case('affineGrid', 'affineGrid', [theta], {'size': [2, 1, 3, 4], 'alignCorners': False})
case('affineGrid/align', 'affineGrid', [theta], {'size': [2, 3, 2, 5], 'alignCorners': True})
gs_in = seq((1, 2, 4, 5))
gs_grid = seq((1, 3, 3, 2), 1, 1.1)
case('gridSample/bilinear-zeros', 'gridSample', [gs_in, gs_grid], {'mode': 'bilinear', 'paddingMode': 'zeros', 'alignCorners': False})
case('gridSample/bilinear-border-align', 'gridSample', [gs_in, gs_grid], {'mode': 'bilinear', 'paddingMode': 'border', 'alignCorners': True})
case('gridSample/bilinear-reflection', 'gridSample', [gs_in, gs_grid], {'mode': 'bilinear', 'paddingMode': 'reflection', 'alignCorners': False})
case('gridSample/nearest', 'gridSample', [gs_in, I(gs_grid, False)], {'mode': 'nearest', 'paddingMode': 'zeros', 'alignCorners': False})
case('gridSample/bicubic', 'gridSample', [gs_in, gs_grid], {'mode': 'bicubic', 'paddingMode': 'border', 'alignCorners': False})
case('oneHot', 'oneHot', [lit([0, 2, 1, 3], i64)], grad=False)
case('oneHot/num-classes', 'oneHot', [lit([[0, 2], [4, 1]], i64)], {'numClasses': 6}, grad=False)

# in place (on a clone, so autograd flows back to the leaf inputs)
case('add_/tensor', 'add_', [seq((2, 3)), seq((3,), 1)])
case('add_/alpha', 'add_', [seq((2, 3)), seq((2, 3), 1)], {'alpha': -0.5})
case('add_/scalar', 'add_', [seq((2, 3))], {'other': 2.25})
case('sub_/tensor', 'sub_', [seq((2, 3)), seq((2, 3), 1)], {'alpha': 2})
case('mul_/tensor', 'mul_', [seq((2, 3)), seq((2, 1), 1)])
case('mul_/scalar', 'mul_', [seq((2, 3))], {'other': 0.9})
case('div_/tensor', 'div_', [seq((2, 3)), pos((2, 3), 1)])
case('addcmul_', 'addcmul_', [seq((2, 3)), seq((2, 3), 1), seq((2, 3), 2)], {'value': -0.3})
case('addcdiv_', 'addcdiv_', [seq((2, 3)), seq((2, 3), 1), pos((2, 3), 2)], {'value': 0.7})
case('lerp_', 'lerp_', [seq((2, 3)), seq((2, 3), 1)], {'weight': 0.25})
case('copy_/broadcast', 'copy_', [seq((2, 3)), seq((3,), 1)])
case('copy_/float64-into-float32', 'copy_', [seq((2, 3)), seq((2, 3), 1, dtype=f64)])
case('copy_/float-into-int64', 'copy_', [lit([0, 0, 0], i64), lit([1.7, -2.7, 3.2], f32)], grad=False)
case('zero_', 'zero_', [seq((2, 3))])
case('fill_', 'fill_', [seq((2, 3))], {'value': 1.5})
case('clamp_', 'clamp_', [seq((2, 3))], {'min': -0.4, 'max': 0.6})

# seeded random ops
case('rand', 'rand', [], {'seed': 0, 'shape': [3, 4]}, grad=False)
case('rand/float64', 'rand', [], {'seed': 7, 'shape': [5], 'dtype': 'float64'}, grad=False)
case('rand/large', 'rand', [], {'seed': 3, 'shape': [40]}, grad=False)
case('randn', 'randn', [], {'seed': 0, 'shape': [3, 4]}, grad=False)
case('randn/large', 'randn', [], {'seed': 5, 'shape': [40]}, grad=False)
case('randint', 'randint', [], {'seed': 1, 'low': -3, 'high': 9, 'shape': [2, 5]}, grad=False)
case('randperm', 'randperm', [], {'seed': 2, 'n': 10}, grad=False)
case('randLike', 'randLike', [seq((2, 3))], {'seed': 4}, grad=False)
case('dropout/seeded', 'dropoutSeeded', [seq((4, 5))], {'seed': 11, 'p': 0.4}, grad=False)

# ---- evaluation and output -----------------------------------------------------------------------


def is_float(t):
    return t.is_floating_point()


def weight(t, k):
    """The fixed weight of output k in the objective L = sum_k sum(out_k * w_k)."""
    n = t.numel()
    i = torch.arange(n, dtype=torch.float64)
    return torch.sin(i * 0.9 + 0.3 * (k + 1)).reshape(t.shape).to(t.dtype)


def as_list(r):
    if isinstance(r, torch.Tensor):
        return [r]
    return list(r)


def encode(t):
    shape = list(t.shape)
    dtype = DTYPES[t.dtype]
    flat = t.detach().reshape(-1)
    if dtype == 'bool':
        data = [bool(v) for v in flat.tolist()]
    elif t.is_floating_point():
        if dtype == 'float64':
            data = [float(v) for v in flat.tolist()]
        else:  # float32, float16, bfloat16 all hold float32-exact values
            data = [np.float32(v) for v in flat.float().tolist()]
    else:
        data = [int(v) for v in flat.tolist()]
    return {'shape': shape, 'dtype': dtype, 'data': data}


def run_case(name, op, inputs, args, grad):
    xs = []
    for inp in inputs:
        t = inp.t.clone()
        if grad and inp.grad is not False and t.is_floating_point():
            t.requires_grad_(True)
        xs.append(t)
    outs = as_list(OPS[op](xs, args))
    entry = {
        'name': name, 'op': op, 'args': args,
        'inputs': [dict(encode(inp.t), grad=x.requires_grad) for inp, x in zip(inputs, xs)],
        'outputs': [encode(o) for o in outs],
    }
    if grad:
        diff = [k for k, o in enumerate(outs) if o.requires_grad]
        if not diff:
            raise SystemExit(f'{name}: a grad case with no differentiable output')
        ws = {k: weight(outs[k], k) for k in diff}
        sum(((outs[k] * ws[k]).sum() for k in diff)).backward()
        entry['weights'] = [encode(ws[k])['data'] if k in ws else None for k in range(len(outs))]
        entry['grads'] = [encode(x.grad) if x.grad is not None else None for x in xs if x.requires_grad]
    return entry


def dump(v):
    """JSON with float32 values written in their shortest float32 form (a smaller file)."""
    if isinstance(v, np.float32):
        f = float(v)
        if math.isnan(f):
            return '"nan"'
        if math.isinf(f):
            return '"inf"' if f > 0 else '"-inf"'
        r = repr(v)
        return r if ('.' in r or 'e' in r or 'n' in r) else r + '.0'
    if isinstance(v, float):
        if math.isnan(v):
            return '"nan"'
        if math.isinf(v):
            return '"inf"' if v > 0 else '"-inf"'
        return repr(v)
    if isinstance(v, dict):
        return '{' + ','.join(json.dumps(k) + ':' + dump(x) for k, x in v.items()) + '}'
    if isinstance(v, (list, tuple)):
        return '[' + ','.join(dump(x) for x in v) + ']'
    return json.dumps(v)


def main():
    names = [c[0] for c in CASES]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f'duplicate case names: {sorted(dup)}')
    unused = set(OPS) - {c[1] for c in CASES}
    if unused:
        raise SystemExit(f'ops without a case: {sorted(unused)}')
    cases = [run_case(*c) for c in CASES]
    head = {'torch': torch.__version__, 'generator': 'scripts/torch-reference.py', 'objective': 'sum_k sum(out_k * w_k)'}
    text = '{' + ','.join(json.dumps(k) + ':' + dump(v) for k, v in head.items())
    text += ',"cases":[\n' + ',\n'.join(dump(c) for c in cases) + '\n]}\n'
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        f.write(text)
    print(f'{len(cases)} cases, {sum(1 for c in cases if "grads" in c)} with gradients, '
          f'{len(text) / 1e6:.2f} MB -> {os.path.relpath(OUT, ROOT)}', file=sys.stderr)


if __name__ == '__main__':
    main()
