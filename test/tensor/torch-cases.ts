// The op cases of test/fixtures/torch-ops.json (written by scripts/torch-reference.py with
// PyTorch) and our implementation of each, keyed by the same op names as the Python script.
// Shared by ops.test.ts (values) and grad.test.ts (gradients).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cat, F, type Dtype, manualSeed, rand, randint, randLike, randn, randnLike, randperm, run, stack, type Tensor,
  tensor, type ValuesIndices, where,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

/** A tensor as the fixture stores it: row-major data ('nan', 'inf', '-inf' for non-finite). */
export interface FixtureTensor {
  shape: number[];
  dtype: Dtype;
  data: (number | boolean | string)[];
  /** Inputs only: whether PyTorch's input required grad. */
  grad?: boolean;
}

/** Arguments of a case, as JSON (each op reads its own keys). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON, checked by the comparisons
export type Args = Record<string, any>;

/** One case: PyTorch's outputs and, for differentiable cases, weights and leaf gradients. */
export interface FixtureCase {
  name: string;
  op: string;
  args: Args;
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  /** Per output: the weights w_k of L = sum_k sum(out_k * w_k), null for outputs without grad. */
  weights?: ((number | string)[] | null)[];
  /** dL/dx for each input with `grad: true`, in input order; null when PyTorch gave None. */
  grads?: (FixtureTensor | null)[];
}

/** The whole file: the torch version that wrote it, the objective, the cases. */
export interface Fixture {
  torch: string;
  objective: string;
  cases: FixtureCase[];
}

/** Reads test/fixtures/torch-ops.json (found from src or dist, walking up to the package root). */
export function loadFixture(): Fixture {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'test', 'fixtures', 'torch-ops.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Fixture;
  }
  throw new Error('torch-ops.json not found: run /usr/bin/python3 scripts/torch-reference.py');
}

/** A JSON number, or one of the strings JSON needs for non-finite numbers. */
export function num(v: number | boolean | string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new TypeError(`fixture: not a number: ${v}`);
}

/** Builds a fixture tensor (without requiresGrad) in the current scope. */
export function fromFixture(t: FixtureTensor): Tensor {
  const { shape, dtype } = t;
  const values = t.data.map(num);
  switch (dtype) {
    case 'float32': return tensor(Float32Array.from(values), { shape });
    case 'float64': return tensor(Float64Array.from(values), { shape });
    case 'float16':
    case 'bfloat16': return tensor(Float32Array.from(values), { shape }).to(dtype);
    case 'int64': return tensor(BigInt64Array.from(values, (v) => BigInt(v)), { shape });
    case 'int32': return tensor(Int32Array.from(values), { shape });
    case 'uint8': return tensor(Uint8Array.from(values), { shape });
    case 'bool': return tensor(Uint8Array.from(values), { shape }).to('bool');
    default: throw new TypeError(`fixture: unsupported dtype ${dtype}`);
  }
}

/** The inputs of a case, with requiresGrad where PyTorch's had it. */
export function caseInputs(c: FixtureCase): Tensor[] {
  return c.inputs.map((i) => {
    const t = fromFixture(i);
    return i.grad ? t.requiresGrad_(true) : t;
  });
}

/** Per-dtype tolerances: float32 as float32 allows, exact for integers and booleans. */
const TOLERANCE: Record<string, { atol: number; rtol: number }> = {
  float32: { atol: 1e-5, rtol: 1e-5 },
  float64: { atol: 1e-12, rtol: 1e-10 },
  float16: { atol: 1e-3, rtol: 1e-3 },
  bfloat16: { atol: 1e-2, rtol: 1e-2 },
};

/** The elements of a tensor as numbers (bool as 0/1, int64 through Number). */
export function values(t: Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Asserts `actual` has the fixture tensor's dtype and shape exactly, and its values. */
export function assertMatches(actual: Tensor, expected: FixtureTensor, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const want = expected.data.map(num);
  const tol = TOLERANCE[expected.dtype];
  if (tol) assertClose(values(actual), want, { ...tol, message: what });
  else assert.deepEqual(values(actual), want, `${what}: values`);
}

type Result = Tensor | Tensor[] | ValuesIndices;

/** What a case's op returns, as a list (values before indices, as torch.return_types). */
export function outputsOf(r: Result): Tensor[] {
  if (Array.isArray(r)) return r;
  if ('values' in r && 'indices' in r) return [r.values, r.indices];
  return [r];
}

const opt = <T>(a: Args, key: string, fallback: T): T => (key in a ? (a[key] as T) : fallback);

/** Runs an in-place method on a clone of x[0], so autograd reaches the leaf, and returns the clone. */
function inPlace(fn: (self: Tensor, x: Tensor[], a: Args) => Tensor): (x: Tensor[], a: Args) => Tensor {
  return (x, a) => {
    const self = x[0]!.clone();
    const r = fn(self, x, a);
    if (r !== self) throw new Error('an in-place method must return its receiver');
    return self;
  };
}

function seeded(fn: (x: Tensor[], a: Args) => Result): (x: Tensor[], a: Args) => Result {
  return (x, a) => {
    manualSeed(a.seed as number);
    return fn(x, a);
  };
}

function compareAll(x: Tensor, other: Tensor | number): Tensor[] {
  return [x.eq(other), x.ne(other), x.lt(other), x.le(other), x.gt(other), x.ge(other)];
}

/**
 * Our implementation of every op key of the fixture. Each takes the case's inputs (x) and
 * arguments (a) and returns what PyTorch's counterpart in scripts/torch-reference.py returns.
 */
export const OPS: Record<string, (x: Tensor[], a: Args) => Result> = {
  // shape
  reshape: ([x], a) => x!.reshape(a.shape),
  view: ([x], a) => x!.view(a.shape),
  flatten: ([x], a) => x!.flatten(opt(a, 'start', 0), opt(a, 'end', -1)),
  permute: ([x], a) => x!.permute(a.dims),
  transpose: ([x], a) => x!.transpose(a.dim0, a.dim1),
  t: ([x]) => x!.t(),
  squeeze: ([x], a) => x!.squeeze(a.dim),
  unsqueeze: ([x], a) => x!.unsqueeze(a.dim),
  expand: ([x], a) => x!.expand(a.shape),
  expandAs: ([x, y]) => x!.expandAs(y!),
  cat: (x, a) => cat(x, a.dim),
  stack: (x, a) => stack(x, a.dim),
  split: ([x], a) => x!.split(a.size, a.dim),
  chunk: ([x], a) => x!.chunk(a.chunks, a.dim),
  narrow: ([x], a) => x!.narrow(a.dim, a.start, a.length),
  slice: ([x], a) => x!.slice(a.dim, a.start, a.end, opt(a, 'step', 1)),
  select: ([x], a) => x!.select(a.dim, a.index),
  indexSelect: ([x, i], a) => x!.indexSelect(a.dim, i!),
  gather: ([x, i], a) => x!.gather(a.dim, i!),
  scatter: ([x, i, s], a) => x!.scatter(a.dim, i!, s!),
  scatterValue: ([x, i], a) => x!.scatter(a.dim, i!, a.value),
  maskedFill: ([x, m], a) => x!.maskedFill(m!, a.value),
  maskedFillTensor: ([x, m, v]) => x!.maskedFill(m!, v!),
  where: ([c, x, y]) => where(c!, x!, y!),
  whereScalars: ([c, x], a) => where(c!, 'a' in a ? a.a : x!, 'b' in a ? a.b : x!),
  whereMethod: ([x, c, y]) => x!.where(c!, y!),
  repeat: ([x], a) => x!.repeat(a.repeats),
  flip: ([x], a) => x!.flip(a.dims),
  roll: ([x], a) => x!.roll(a.shifts, opt(a, 'dims', [])),
  contiguous: ([x]) => x!.transpose(0, 1).contiguous(),
  clone: ([x]) => x!.clone(),
  diagonal: ([x], a) => x!.diagonal(a.offset, opt(a, 'dim1', 0), opt(a, 'dim2', 1)),
  triu: ([x], a) => x!.triu(a.diagonal),
  tril: ([x], a) => x!.tril(a.diagonal),
  to: ([x], a) => x!.to(a.dtype as Dtype),
  // elementwise
  add: ([x, y], a) => x!.add(y!, opt(a, 'alpha', 1)),
  addScalar: ([x], a) => x!.add(a.other, opt(a, 'alpha', 1)),
  sub: ([x, y], a) => x!.sub(y!, opt(a, 'alpha', 1)),
  subScalar: ([x], a) => x!.sub(a.other, opt(a, 'alpha', 1)),
  mul: ([x, y]) => x!.mul(y!),
  mulScalar: ([x], a) => x!.mul(a.other),
  div: ([x, y], a) => x!.div(y!, a.roundingMode),
  divScalar: ([x], a) => x!.div(a.other, a.roundingMode),
  pow: ([x, y]) => x!.pow(y!),
  powScalar: ([x], a) => x!.pow(a.exponent),
  exp: ([x]) => x!.exp(),
  log: ([x]) => x!.log(),
  log1p: ([x]) => x!.log1p(),
  sqrt: ([x]) => x!.sqrt(),
  rsqrt: ([x]) => x!.rsqrt(),
  square: ([x]) => x!.square(),
  reciprocal: ([x]) => x!.reciprocal(),
  abs: ([x]) => x!.abs(),
  neg: ([x]) => x!.neg(),
  sign: ([x]) => x!.sign(),
  floor: ([x]) => x!.floor(),
  ceil: ([x]) => x!.ceil(),
  cos: ([x]) => x!.cos(),
  sin: ([x]) => x!.sin(),
  acos: ([x]) => x!.acos(),
  round: ([x]) => x!.round(),
  clamp: ([x], a) => x!.clamp(a.min, a.max),
  clampMin: ([x], a) => x!.clampMin(a.min),
  clampMax: ([x], a) => x!.clampMax(a.max),
  minimum: ([x, y]) => x!.minimum(y!),
  maximum: ([x, y]) => x!.maximum(y!),
  compare: ([x, y]) => compareAll(x!, y!),
  compareScalar: ([x], a) => compareAll(x!, a.other),
  logical: ([x, y]) => [x!.logicalNot(), x!.logicalAnd(y!), x!.logicalOr(y!)],
  isfinite: ([x]) => [x!.isfinite(), x!.isnan()],
  lerp: ([x, y], a) => run('lerp.Scalar', x!, y!, a.weight),
  // activations
  relu: ([x]) => x!.relu(),
  reluF: ([x]) => F.relu(x!),
  sigmoid: ([x]) => x!.sigmoid(),
  sigmoidF: ([x]) => F.sigmoid(x!),
  tanh: ([x]) => x!.tanh(),
  tanhF: ([x]) => F.tanh(x!),
  softmax: ([x], a) => x!.softmax(a.dim),
  softmaxF: ([x], a) => F.softmax(x!, a.dim),
  logSoftmax: ([x], a) => x!.logSoftmax(a.dim),
  logSoftmaxF: ([x], a) => F.logSoftmax(x!, a.dim),
  gelu: ([x], a) => F.gelu(x!, opt(a, 'approximate', 'none')),
  silu: ([x]) => F.silu(x!),
  softplus: ([x], a) => F.softplus(x!, opt(a, 'beta', 1), opt(a, 'threshold', 20)),
  logSigmoid: ([x]) => F.logSigmoid(x!),
  // reductions
  sum: ([x], a) => x!.sum(a.dim, opt(a, 'keepdim', false)),
  mean: ([x], a) => x!.mean(a.dim, opt(a, 'keepdim', false)),
  max: ([x], a) => ('dim' in a ? x!.max(a.dim, opt(a, 'keepdim', false)) : x!.max()),
  min: ([x], a) => ('dim' in a ? x!.min(a.dim, opt(a, 'keepdim', false)) : x!.min()),
  argmax: ([x], a) => x!.argmax(a.dim, opt(a, 'keepdim', false)),
  argmin: ([x], a) => x!.argmin(a.dim, opt(a, 'keepdim', false)),
  logsumexp: ([x], a) => x!.logsumexp(a.dim, opt(a, 'keepdim', false)),
  norm: ([x], a) => x!.norm(num(opt(a, 'p', 2)), a.dim, opt(a, 'keepdim', false)),
  std: ([x], a) => x!.std(a.dim, opt(a, 'keepdim', false), opt(a, 'correction', 1)),
  var: ([x], a) => x!.var(a.dim, opt(a, 'keepdim', false), opt(a, 'correction', 1)),
  topk: ([x], a) => x!.topk(a.k, opt(a, 'dim', -1), opt(a, 'largest', true)),
  sort: ([x], a) => x!.sort(opt(a, 'dim', -1), opt(a, 'descending', false)),
  allAny: ([x]) => [x!.all(), x!.any()],
  // linear algebra
  matmul: ([x, y]) => x!.matmul(y!),
  mm: ([x, y]) => x!.mm(y!),
  bmm: ([x, y]) => x!.bmm(y!),
  linear: ([x, w, b]) => F.linear(x!, w!, b),
  // neural-net functions
  conv1d: ([x, w, b], a) => F.conv1d(x!, w!, b, { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups }),
  conv2d: ([x, w, b], a) => F.conv2d(x!, w!, b, { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups }),
  batchNormTraining: ([x, rm, rv, w, b], a) => {
    const runningMean = rm!.clone();
    const runningVar = rv!.clone();
    const y = F.batchNorm(x!, { runningMean, runningVar, weight: w, bias: b, training: true, momentum: a.momentum, eps: a.eps });
    return [y, runningMean, runningVar];
  },
  batchNormEval: ([x, rm, rv, w, b], a) =>
    F.batchNorm(x!, { runningMean: rm, runningVar: rv, weight: w, bias: b, training: false, eps: a.eps }),
  layerNorm: ([x, w, b], a) => F.layerNorm(x!, a.normalizedShape, w, b, opt(a, 'eps', 1e-5)),
  groupNorm: ([x, w, b], a) => F.groupNorm(x!, a.numGroups, w, b, opt(a, 'eps', 1e-5)),
  maxPool2d: ([x], a) => F.maxPool2d(x!, a.kernel, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode }),
  avgPool2d: ([x], a) =>
    F.avgPool2d(x!, a.kernel, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad }),
  adaptiveAvgPool2d: ([x], a) => F.adaptiveAvgPool2d(x!, a.size),
  dropout: ([x], a) => F.dropout(x!, a.p, a.training),
  crossEntropy: ([x, t, w], a) =>
    F.crossEntropy(x!, t!, { weight: w, reduction: a.reduction, ignoreIndex: a.ignoreIndex, labelSmoothing: a.labelSmoothing }),
  bceWithLogits: (x, a) => F.binaryCrossEntropyWithLogits(x[0]!, x[1]!, {
    weight: a.weight ? x[2] : null, posWeight: a.posWeight ? x[x.length - 1] : null, reduction: a.reduction,
  }),
  normalize: ([x], a) => F.normalize(x!, opt(a, 'p', 2), opt(a, 'dim', 1), opt(a, 'eps', 1e-12)),
  pad: ([x], a) => F.pad(x!, a.pad, a.mode, opt(a, 'value', 0)),
  interpolate: ([x], a) => F.interpolate(x!, a.size, a.mode, opt(a, 'alignCorners', false)),
  affineGrid: ([theta], a) => F.affineGrid(theta!, a.size, a.alignCorners),
  gridSample: ([x, grid], a) => F.gridSample(x!, grid!, { mode: a.mode, paddingMode: a.paddingMode, alignCorners: a.alignCorners }),
  oneHot: ([x], a) => F.oneHot(x!, opt(a, 'numClasses', -1)),
  // in place, on a clone of the first input
  add_: inPlace((s, x, a) => s.add_(x[1] ?? a.other, opt(a, 'alpha', 1))),
  sub_: inPlace((s, x, a) => s.sub_(x[1] ?? a.other, opt(a, 'alpha', 1))),
  mul_: inPlace((s, x, a) => s.mul_(x[1] ?? a.other)),
  div_: inPlace((s, x, a) => s.div_(x[1] ?? a.other)),
  addcmul_: inPlace((s, x, a) => s.addcmul_(x[1]!, x[2]!, a.value)),
  addcdiv_: inPlace((s, x, a) => s.addcdiv_(x[1]!, x[2]!, a.value)),
  lerp_: inPlace((s, x, a) => s.lerp_(x[1]!, a.weight)),
  copy_: inPlace((s, x) => s.copy_(x[1]!)),
  zero_: inPlace((s) => s.zero_()),
  fill_: inPlace((s, _x, a) => s.fill_(a.value)),
  clamp_: inPlace((s, _x, a) => s.clamp_(a.min, a.max)),
  // random ops after manualSeed: the same numbers as PyTorch's after torch.manual_seed
  rand: seeded((_x, a) => rand(a.shape, { dtype: opt(a, 'dtype', 'float32') })),
  randn: seeded((_x, a) => randn(a.shape, { dtype: opt(a, 'dtype', 'float32') })),
  randint: seeded((_x, a) => randint(a.low, a.high, a.shape)),
  randperm: seeded((_x, a) => randperm(a.n)),
  randLike: seeded(([x]) => [randLike(x!), randnLike(x!)]),
  dropoutSeeded: seeded(([x], a) => F.dropout(x!, a.p, true)),
};
