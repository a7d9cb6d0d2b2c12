#!/usr/bin/env node
// Finds libtorch in the order docs/architecture.md gives: $LIBTORCH, then python3's torch, then Debian's
// libtorch-dev. Prints one field for binding.gyp: `includes`, `libdir`, `libs` or `defines`;
// with `--json`, all of them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @returns {{ source: string, includes: string[], libdir: string, abi: number|null }} */
function locate() {
  const env = process.env.LIBTORCH;
  if (env) {
    if (!existsSync(join(env, 'include')) || !existsSync(join(env, 'lib'))) {
      throw new Error(`LIBTORCH=${env} has no include/ and lib/ folders`);
    }
    return { source: `LIBTORCH=${env}`, ...fromRoot(env), abi: abiFromCmake(env) };
  }
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      const out = execFileSync(
        py,
        ['-c', 'import torch,os;print(os.path.dirname(torch.__file__));print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      ).toString().trim().split('\n');
      const root = out[0];
      // Debian's python3-torch uses the system headers; its own folder has none.
      if (existsSync(join(root, 'include', 'ATen'))) {
        return { source: `${py} torch at ${root}`, ...fromRoot(root), abi: Number(out[1]) };
      }
    } catch {
      // no torch for this interpreter
    }
  }
  if (existsSync('/usr/include/ATen/ATen.h') && existsSync('/usr/lib/x86_64-linux-gnu/libtorch.so')) {
    return {
      source: 'Debian libtorch-dev',
      includes: ['/usr/include', '/usr/include/torch/csrc/api/include'],
      libdir: '/usr/lib/x86_64-linux-gnu',
      abi: null,
    };
  }
  throw new Error(
    'libtorch not found. Set LIBTORCH to a libtorch folder, install PyTorch for python3, ' +
      'or run scripts/setup.sh (it installs Debian\'s libtorch-dev).',
  );
}

function fromRoot(root) {
  return {
    includes: [join(root, 'include'), join(root, 'include', 'torch', 'csrc', 'api', 'include')],
    libdir: join(root, 'lib'),
  };
}

function abiFromCmake(root) {
  const f = join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  if (!existsSync(f)) return null;
  const m = /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(readFileSync(f, 'utf8'));
  return m ? Number(m[1]) : null;
}

const lt = locate();
const cuda = existsSync(join(lt.libdir, 'libtorch_cuda.so'));
const c10d = c10dDefines(lt, cuda);
const fields = {
  source: lt.source,
  includes: [...lt.includes, ...c10dShim(lt, c10d)].join(' '),
  libdir: lt.libdir,
  libs: [
    `-L${lt.libdir}`,
    `-Wl,-rpath,${lt.libdir}`,
    '-Wl,--no-as-needed',
    ...(cuda ? ['-ltorch_cuda', '-lc10_cuda'] : []),
    '-ltorch',
    '-ltorch_cpu',
    '-lc10',
    '-Wl,--as-needed',
  ].join(' '),
  defines: [...(lt.abi === null ? [] : [`_GLIBCXX_USE_CXX11_ABI=${lt.abi}`]), ...c10d].join(' '),
  cuda,
};
/**
 * CONTRASTIVE_C10D (and CONTRASTIVE_NCCL) for native/dist.cc: when libtorch has c10d's headers and
 * Gloo's are found (Debian: libgloo-dev). libtorch 1.x by default; 2.x, whose group API differs,
 * only with CONTRASTIVE_C10D=1 until it has been compiled there. CONTRASTIVE_C10D=0 turns it off.
 */
function c10dDefines(lt, cuda) {
  const want = process.env.CONTRASTIVE_C10D;
  if (want === '0') return [];
  const find = (rel) => [...lt.includes, '/usr/include'].some((d) => existsSync(join(d, rel)));
  if (!find('torch/csrc/distributed/c10d/ProcessGroupGloo.hpp') || !find('gloo/context.h')) return [];
  const header = lt.includes.map((d) => join(d, 'torch', 'version.h')).find((f) => existsSync(f));
  const major = header ? Number(/TORCH_VERSION_MAJOR (\d+)/.exec(readFileSync(header, 'utf8'))?.[1]) : NaN;
  if (major !== 1 && want !== '1') return [];
  return ['CONTRASTIVE_C10D', 'USE_C10D_GLOO', ...(cuda && find('nccl.h') ? ['CONTRASTIVE_NCCL', 'USE_C10D_NCCL'] : [])];
}

/** native/c10d-shim when c10d is built and libtorch lacks the RPC header reducer.hpp includes. */
function c10dShim(lt, defines) {
  const rel = join('torch', 'csrc', 'distributed', 'autograd', 'context', 'context.h');
  if (!defines.length || [...lt.includes, '/usr/include'].some((d) => existsSync(join(d, rel)))) return [];
  return [fileURLToPath(new URL('../native/c10d-shim', import.meta.url))];
}

const which = process.argv[2];
if (which === '--json') console.log(JSON.stringify(fields, null, 2));
else if (which in fields) console.log(fields[which]);
else {
  console.error('usage: libtorch.mjs includes|libdir|libs|defines|--json');
  process.exit(2);
}
