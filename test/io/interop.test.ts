// Interop with PyTorch: a ResNet-18 built here, saved as safetensors, loads strictly into
// torchvision's resnet18 and gives the same outputs; and the reverse direction.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { manualSeed, memory, noGrad, randn, scope } from '../../src/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { resnet18 } from '../../src/nn/index.js';
import { PY_SAFETENSORS_IO, runTorch } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'interop-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The Python reader and writer, and torchvision's ResNet-18 in its CIFAR form (3x3 stem, no max-pool, no classifier). */
const PY_SAFETENSORS = `${PY_SAFETENSORS_IO}
import torchvision
def cifar_resnet18():
    m = torchvision.models.resnet18()
    m.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    m.maxpool = torch.nn.Identity()
    m.fc = torch.nn.Identity()
    return m
`;

test('a ResNet-18 saved here loads strictly into torchvision and gives the same outputs', () => {
  const before = memory().tensors;
  manualSeed(7);
  const model = resnet18({ numClasses: 1000 });
  const features = resnet18({ cifarStem: true });
  // Training-mode passes make the BatchNorm running statistics non-trivial.
  noGrad(() => scope(() => {
    for (let i = 0; i < 3; i++) {
      model.forward(randn([4, 3, 64, 64]).mul(2).add(0.5));
      features.forward(randn([4, 3, 32, 32]).mul(2).add(0.5));
    }
  }));
  model.eval();
  features.eval();
  const paths = { model: join(dir, 'ours.safetensors'), features: join(dir, 'ours-cifar.safetensors'), input: join(dir, 'input.safetensors'), out: join(dir, 'torch-out.safetensors') };
  const [y, h] = scope(() => {
    const x = randn([2, 3, 64, 64]);
    const xs = randn([2, 3, 32, 32]);
    saveSafetensors(paths.model, model.stateDict());
    saveSafetensors(paths.features, features.stateDict());
    saveSafetensors(paths.input, { x, xs });
    return noGrad(() => [model.forward(x), features.forward(xs)]);
  });
  const r = runTorch<{ missing: number; unexpected: number; nbt: number }>(`${PY_SAFETENSORS}
p = json.load(sys.stdin)
m = torchvision.models.resnet18(); c = cifar_resnet18()
r1 = m.load_state_dict(read(p['model']), strict=True)
r2 = c.load_state_dict(read(p['features']), strict=True)
m.eval(); c.eval()
inp = read(p['input'])
with torch.no_grad():
    write(p['out'], {'y': m(inp['x']), 'h': c(inp['xs'])})
print(json.dumps({'missing': len(r1.missing_keys) + len(r2.missing_keys), 'unexpected': len(r1.unexpected_keys) + len(r2.unexpected_keys), 'nbt': int(m.bn1.num_batches_tracked)}))
`, paths);
  assert.equal(r.missing, 0);
  assert.equal(r.unexpected, 0);
  assert.equal(r.nbt, 3, 'num_batches_tracked travels');
  scope(() => {
    const theirs = loadSafetensors(paths.out).tensors;
    assert.deepEqual(theirs.y!.shape, [2, 1000]);
    assert.deepEqual(theirs.h!.shape, [2, 512]);
    const dy = y!.sub(theirs.y!).abs().max().item();
    const dh = h!.sub(theirs.h!).abs().max().item();
    assert.ok(dy < 1e-4, `logits differ by ${dy}`);
    assert.ok(dh < 1e-4, `features differ by ${dh}`);
    assert.ok(y!.abs().max().item() > 1e-2, 'outputs are not trivially zero');
  });
  y!.dispose();
  h!.dispose();
  model.dispose();
  features.dispose();
  assert.equal(memory().tensors, before);
});

test('torchvision weights saved by Python load here and give the same outputs', () => {
  const paths = { weights: join(dir, 'tv.safetensors'), data: join(dir, 'tv-data.safetensors') };
  runTorch(`${PY_SAFETENSORS}
p = json.load(sys.stdin)
torch.manual_seed(3)
m = torchvision.models.resnet18()
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.uniform_(0.5, 1.5); mod.bias.normal_(0, 0.1)
    m.train()
    for _ in range(2):
        m(torch.randn(4, 3, 64, 64) * 1.5 + 0.2)
m.eval()
x = torch.randn(3, 3, 64, 64)
with torch.no_grad():
    y = m(x)
write(p['weights'], m.state_dict())
write(p['data'], {'x': x, 'y': y})
print('{}')
`, paths);
  scope(() => {
    const model = resnet18({ numClasses: 1000 });
    const { tensors } = loadSafetensors(paths.weights);
    const r = model.loadStateDict(tensors, true);
    assert.deepEqual(r, { missingKeys: [], unexpectedKeys: [] });
    assert.equal(model.bn1.numBatchesTracked!.item(), 2);
    model.eval();
    const { x, y } = loadSafetensors(paths.data).tensors;
    const ours = noGrad(() => model.forward(x!));
    const d = ours.sub(y!).abs().max().item();
    assert.ok(d < 1e-4, `outputs differ by ${d}`);
    // The loaded weights matter: a fresh model gives different outputs.
    const fresh = resnet18({ numClasses: 1000 }).eval();
    assert.ok(noGrad(() => fresh.forward(x!)).sub(y!).abs().max().item() > 1e-3);
    fresh.dispose();
    model.dispose();
  });
});
