#!/usr/bin/env node
// Finds libtorch in the order docs/architecture.md gives: $LIBTORCH, then python3's torch, then Debian's
// libtorch-dev. Prints one field for binding.gyp: `includes`, `libdir`, `libs` or `defines`;
// with `--json`, all of them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
const fields = {
  source: lt.source,
  includes: lt.includes.join(' '),
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
  defines: lt.abi === null ? '' : `_GLIBCXX_USE_CXX11_ABI=${lt.abi}`,
  cuda,
};
const which = process.argv[2];
if (which === '--json') console.log(JSON.stringify(fields, null, 2));
else if (which in fields) console.log(fields[which]);
else {
  console.error('usage: libtorch.mjs includes|libdir|libs|defines|--json');
  process.exit(2);
}
