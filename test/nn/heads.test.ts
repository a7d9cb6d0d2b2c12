// Heads: each head's layer structure is the paper's (sizes, BatchNorm, ReLU, biases), state
// dict names follow lightly's, and the generic head computes Linear -> BN -> activation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Tensor, F, manualSeed, memory, noGrad, randn, scope } from '../../src/index.js';
import {
  BYOLPredictionHead, BYOLProjectionHead, BarlowTwinsProjectionHead, BatchNorm1d, GELU, Linear, MoCoProjectionHead,
  NNCLRPredictionHead, NNCLRProjectionHead, ProjectionHead, ReLU, SimCLRProjectionHead, SimSiamPredictionHead,
  SimSiamProjectionHead, VICRegProjectionHead, init,
} from '../../src/nn/index.js';

/** The head as a list: 'L in>out [bias]', 'BN n [affine]', 'ReLU'. */
function describe(h: ProjectionHead): string[] {
  return h.layers.children().map((m) => {
    if (m instanceof Linear) return `L ${m.inFeatures}>${m.outFeatures}${m.bias ? ' bias' : ''}`;
    if (m instanceof BatchNorm1d) return `BN ${m.numFeatures}${m.affine ? '' : ' noaffine'}`;
    return m.name;
  });
}

test('each named head has its paper\'s architecture and defaults', () => {
  const cases: [string, () => ProjectionHead, string[]][] = [
    // SimCLR v1: "a MLP with one hidden layer", z = W2 relu(W1 h), 128-d; BN as the official code.
    ['SimCLR', () => new SimCLRProjectionHead(), ['L 2048>2048', 'BN 2048', 'ReLU', 'L 2048>128', 'BN 128']],
    // SimCLR v2: "a 3-layer MLP projection head".
    ['SimCLR v2', () => new SimCLRProjectionHead({ numLayers: 3, inputDim: 512, hiddenDim: 512 }),
      ['L 512>512', 'BN 512', 'ReLU', 'L 512>512', 'BN 512', 'ReLU', 'L 512>128', 'BN 128']],
    ['SimCLR without BN', () => new SimCLRProjectionHead({ batchNorm: false, inputDim: 64, hiddenDim: 32, outputDim: 16 }),
      ['L 64>32 bias', 'ReLU', 'L 32>16 bias']],
    // BYOL: "linear layer with output size 4096 followed by batch normalization, ReLU, and a final linear layer with output dimension 256".
    ['BYOL projection', () => new BYOLProjectionHead(), ['L 2048>4096', 'BN 4096', 'ReLU', 'L 4096>256 bias']],
    ['BYOL prediction', () => new BYOLPredictionHead(), ['L 256>4096', 'BN 4096', 'ReLU', 'L 4096>256 bias']],
    // NNCLR: projection [2048, 2048, d=256], every fc followed by BN, all but the last BN by ReLU;
    // prediction [4096, d], the hidden layer with BN and ReLU, the last with neither.
    ['NNCLR projection', () => new NNCLRProjectionHead(),
      ['L 2048>2048', 'BN 2048', 'ReLU', 'L 2048>2048', 'BN 2048', 'ReLU', 'L 2048>256', 'BN 256']],
    ['NNCLR prediction', () => new NNCLRPredictionHead(), ['L 256>4096', 'BN 4096', 'ReLU', 'L 4096>256 bias']],
    // MoCo v2: "a 2-layer MLP head (hidden layer 2048-d, with ReLU)", 128-d output.
    ['MoCo', () => new MoCoProjectionHead(), ['L 2048>2048 bias', 'ReLU', 'L 2048>128 bias']],
    // SimSiam: projection 3 layers with BN on each fc including the output (no ReLU there), hidden 2048;
    // prediction 2048 -> 512 (BN, ReLU) -> 2048 (no BN, no ReLU).
    ['SimSiam projection', () => new SimSiamProjectionHead(),
      ['L 2048>2048', 'BN 2048', 'ReLU', 'L 2048>2048', 'BN 2048', 'ReLU', 'L 2048>2048', 'BN 2048 noaffine']],
    ['SimSiam prediction', () => new SimSiamPredictionHead(), ['L 2048>512', 'BN 512', 'ReLU', 'L 512>2048 bias']],
    // Barlow Twins / VICReg: three linear layers of 8192, the first two with BN and ReLU (built small here).
    ['Barlow Twins', () => new BarlowTwinsProjectionHead({ inputDim: 16, hiddenDim: 32, outputDim: 32 }),
      ['L 16>32', 'BN 32', 'ReLU', 'L 32>32', 'BN 32', 'ReLU', 'L 32>32 bias']],
    ['VICReg', () => new VICRegProjectionHead({ inputDim: 16, hiddenDim: 32, outputDim: 32 }),
      ['L 16>32', 'BN 32', 'ReLU', 'L 32>32', 'BN 32', 'ReLU', 'L 32>32 bias']],
  ];
  const before = memory().tensors;
  for (const [name, make, expected] of cases) {
    const h = make();
    assert.deepEqual(describe(h), expected, name);
    h.dispose();
  }
  assert.equal(memory().tensors, before);
  // The 8192-wide defaults (150M parameters) are checked without building them.
  assert.deepEqual({ ...BarlowTwinsProjectionHead.defaults }, { inputDim: 2048, hiddenDim: 8192, outputDim: 8192 });
  assert.deepEqual({ ...VICRegProjectionHead.defaults }, { inputDim: 2048, hiddenDim: 8192, outputDim: 8192 });
});

test('state dict names follow lightly\'s heads (layers.0.weight, layers.1.running_mean, ...)', () => {
  const h = new BYOLProjectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 4 });
  assert.deepEqual(Object.keys(scope(() => h.stateDict())), [
    'layers.0.weight', 'layers.1.weight', 'layers.1.bias', 'layers.1.running_mean', 'layers.1.running_var',
    'layers.1.num_batches_tracked', 'layers.3.weight', 'layers.3.bias',
  ]);
  h.dispose();
});

test('the generic head computes Linear -> BatchNorm -> activation, block by block', () => {
  manualSeed(3);
  const h = new ProjectionHead([
    { inDim: 6, outDim: 5, batchNorm: true, activation: new GELU() },
    { inDim: 5, outDim: 3, batchNorm: { affine: false } },
  ]);
  const [l1, bn1, , l2, bn2] = h.layers.children() as [Linear, BatchNorm1d, GELU, Linear, BatchNorm1d];
  noGrad(() => {
    init.uniform_(bn1.weight!, 0.5, 2);
    init.normal_(bn1.bias!);
  });
  scope(() => {
    const x = randn([7, 6]);
    const y = h.forward(x);
    // The formula by hand, with batch statistics (biased variance) as BatchNorm in training.
    const bn = (t: Tensor, w: Tensor | null, b: Tensor | null): Tensor => {
      const mu = t.mean(0, true);
      const v = t.sub(mu).square().mean(0, true);
      const n = t.sub(mu).div(v.add(1e-5).sqrt());
      return w && b ? n.mul(w).add(b) : n;
    };
    const a = F.gelu(bn(x.matmul(l1.weight.t()), bn1.weight, bn1.bias));
    const expected = bn(a.matmul(l2.weight.t()), null, null);
    assert.ok(y.sub(expected).abs().max().item() < 1e-4);
    assert.equal(bn2.weight, null);
    assert.throws(() => h.forward(randn([7, 5])), /ProjectionHead: expected input \(N, 6\), got shape \[7, 5\]/);
  });
  assert.throws(() => new ProjectionHead([{ inDim: 4, outDim: 3 }, { inDim: 4, outDim: 2 }]), /blocks\[1\].inDim \(4\) must equal blocks\[0\].outDim \(3\)/);
  assert.throws(() => new ProjectionHead([]), /non-empty array/);
  assert.throws(() => new SimCLRProjectionHead({ numLayers: 1 }), /numLayers must be an integer >= 2/);
  h.dispose();
});

test('a head on an encoder\'s features backpropagates to every parameter', () => {
  const h = new SimSiamPredictionHead({ inputDim: 8, hiddenDim: 4, outputDim: 8 });
  scope(() => {
    h.forward(randn([5, 8])).square().sum().backward();
    for (const [n, p] of h.namedParameters()) assert.ok(p.grad !== null && p.grad.abs().sum().item() > 0, n);
  });
  assert.ok(h.layers.children().some((m) => m instanceof ReLU));
  h.dispose();
});
