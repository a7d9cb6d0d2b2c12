#!/usr/bin/env node
// A tiny static server for the browser example (node:http, no dependencies):
//   /        -> this folder (index.html, app.js)
//   /ort/    -> node_modules/onnxruntime-web/dist (the ES module and its .wasm)
//   /geotiff/ -> node_modules/geotiff/dist-browser (geotiff.js's browser bundle, for GeoTIFF drops; absent: not served)
//   /lib/    -> the library's built dist/src/data (raster-resize.js: multi-band drops resized as training read them)
//   /data/   -> the folder written by `contrastive export ... --index-for-browser DIR`
//
// Usage: node examples/browser/serve.mjs --data DIR [--port 8080] [--host 127.0.0.1]
// Prints "serving http://HOST:PORT/" on stdout once listening (--port 0 picks a free port).
import { existsSync, statSync, createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Content types by extension: wasm must be application/wasm for streaming compilation, modules text/javascript. */
export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.md': 'text/markdown; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.f32': 'application/octet-stream',
};

/** node_modules/onnxruntime-web/dist, looked for from this folder upwards. */
export function findOrtDist(from = HERE) {
  for (let dir = from; ; dir = dirname(dir)) {
    const d = join(dir, 'node_modules', 'onnxruntime-web', 'dist');
    if (existsSync(join(d, 'ort.wasm.min.mjs'))) return d;
    if (dirname(dir) === dir) {
      throw Object.assign(new Error(`the browser example needs the npm package 'onnxruntime-web' (none in a node_modules above ${from}): npm install onnxruntime-web`), { missingPackage: true });
    }
  }
}

/** node_modules/geotiff/dist-browser (the UMD bundle defining globalThis.GeoTIFF), looked for from this folder upwards; null when not installed. */
export function findGeoTiffDist(from = HERE) {
  for (let dir = from; ; dir = dirname(dir)) {
    const d = join(dir, 'node_modules', 'geotiff', 'dist-browser');
    if (existsSync(join(d, 'geotiff.js'))) return d;
    if (dirname(dir) === dir) return null;
  }
}

/** The repository's built dist/src/data, where the page imports raster-resize.js from (npx tsc builds it). */
export function findLibrary() {
  const d = resolve(HERE, '..', '..', 'dist', 'src', 'data');
  if (!existsSync(join(d, 'raster-resize.js'))) throw new Error(`${d}/raster-resize.js not found: build the library first (npx tsc -p tsconfig.json)`);
  return d;
}

/** The file under `base` that `rel` names, or null when it escapes `base` or is not a file. */
function fileUnder(base, rel) {
  const p = resolve(base, `.${sep}${rel}`);
  const r = relative(base, p);
  if (r.startsWith('..') || isAbsolute(r)) return null;
  try {
    return statSync(p).isFile() ? p : null;
  } catch {
    return null;
  }
}

/**
 * Starts the server. `dataDir`: the index folder; `port` (0: any free one), `host`.
 * Resolves to { server, url } once listening.
 */
export function startServer({ dataDir, port = 8080, host = '127.0.0.1' }) {
  const data = resolve(dataDir);
  if (!existsSync(join(data, 'index.json'))) throw new Error(`${data}/index.json not found: run contrastive export --run RUN --onnx FILE --index-for-browser ${dataDir}`);
  const geotiff = findGeoTiffDist();
  const roots = [['/ort/', findOrtDist()], ...(geotiff ? [['/geotiff/', geotiff]] : []), ['/lib/', findLibrary()], ['/data/', data], ['/', HERE]];
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (path === '/') path = '/index.html';
    const [prefix, base] = roots.find(([p]) => path.startsWith(p));
    const file = path.includes('\0') ? null : fileUnder(base, path.slice(prefix.length));
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const a = server.address();
      ok({ server, url: `http://${host}:${a.port}/` });
    });
  });
}

function args(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--help' || k === '-h') o.help = true;
    else if (k === '--data' || k === '--port' || k === '--host') {
      if (argv[i + 1] === undefined) throw new Error(`${k} needs a value`);
      o[k.slice(2)] = argv[++i];
    } else throw new Error(`unknown argument ${k}`);
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const o = args(process.argv.slice(2));
    if (o.help || !o.data) {
      process.stdout.write('usage: node examples/browser/serve.mjs --data DIR [--port 8080] [--host 127.0.0.1]\n');
      process.exit(o.help ? 0 : 2);
    }
    const port = Number(o.port ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port expects 0-65535, got ${o.port}`);
    const { server, url } = await startServer({ dataDir: o.data, port, host: o.host ?? '127.0.0.1' });
    process.stdout.write(`serving ${url} (data: ${resolve(o.data)})\n`);
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
  } catch (e) {
    process.stderr.write(`serve: ${e.message}\n`);
    process.exit(e.missingPackage ? 2 : 1); // a package to install is a usage problem, as the CLI's
  }
}
