// `contrastive search build|query|recall`: an approximate nearest-neighbour index (HNSW, USearch)
// over an embeddings file from `contrastive embed`, queried by row id or by image, by cosine
// similarity; `--exact` searches by brute force on the engine instead (no index needed).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AnnIndex, annManifestPath, embedImage, EmbeddingsFile, exactSearchFile, measureRecall, type AnnManifest, type Hit } from '../search/index.js';
import type { Tensor } from '../tensor/index.js';
import { log } from '../train/index.js';
import { int, printJson } from './options.js';

interface BuildFlags { embeddings: string; out: string; connectivity?: number; expansionAdd?: number; expansionSearch?: number; json?: boolean }
interface QueryFlags {
  index?: string; embeddings?: string; id?: string; image?: string; run?: string; k: number; exact?: boolean; expansionSearch?: number; json?: boolean;
}
interface RecallFlags { index: string; k: number; queries?: number; expansionSearch?: number; json?: boolean }

/** One row of `search query`'s answer. */
export interface SearchResultRow {
  rank: number;
  row: number;
  id: string | number;
  score: number;
  label?: number;
  class?: string | null;
}

/** Opens the index's embeddings file, checking it is the one the index was built from. */
async function openIndexed(embeddingsPath: string, m: AnnManifest, index: string): Promise<EmbeddingsFile> {
  if (!existsSync(embeddingsPath)) throw new Error(`index ${index}: its embeddings file ${embeddingsPath} is missing`);
  const bytes = statSync(embeddingsPath).size;
  if (bytes !== m.embeddings.bytes) throw new Error(`index ${index}: the embeddings file ${embeddingsPath} changed since the index was built (${bytes} bytes, was ${m.embeddings.bytes}); rebuild the index`);
  const file = await EmbeddingsFile.open(embeddingsPath);
  if (file.count !== m.count || file.dim !== m.dim) {
    await file.close();
    throw new Error(`index ${index}: built over ${m.count} x ${m.dim} embeddings, but ${embeddingsPath} holds ${file.count} x ${file.dim}; rebuild the index`);
  }
  return file;
}

function registerBuild(s: Command): void {
  s.command('build')
    .description('build an HNSW index (cosine) over an embeddings file; writes INDEX (USearch\'s file) and INDEX.json (a manifest: settings, checksum, the embeddings file)')
    .requiredOption('--embeddings <file>', 'the embeddings file (from contrastive embed)')
    .requiredOption('--out <index>', 'the index file to write (e.g. fm.index; its manifest is fm.index.json)')
    .option('--connectivity <m>', 'graph edges per node, M (default 16)', int('--connectivity'))
    .option('--expansion-add <n>', 'candidates while inserting, efConstruction (default 128)', int('--expansion-add'))
    .option('--expansion-search <n>', 'candidates while searching, ef (default 64; recorded, overridable at query time)', int('--expansion-search'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: BuildFlags) => {
      const file = await EmbeddingsFile.open(f.embeddings);
      try {
        if (!file.ids) log(`no ids file beside ${f.embeddings}: rows are named by their index`);
        const index = await AnnIndex.build(file, { connectivity: f.connectivity, expansionAdd: f.expansionAdd, expansionSearch: f.expansionSearch });
        const manifest = await index.save(f.out, file.path);
        const out = { index: resolve(f.out), manifest: resolve(annManifestPath(f.out)), count: manifest.count, dim: manifest.dim, build_seconds: index.buildSeconds, bytes: manifest.index.bytes };
        log(`indexed ${out.count} x ${out.dim} embeddings in ${out.build_seconds.toFixed(2)} s: ${out.index} (${(out.bytes / 1e6).toFixed(1)} MB), manifest ${out.manifest}`);
        if (f.json) printJson(out);
      } finally {
        await file.close();
      }
    });
}

function registerQuery(s: Command): void {
  s.command('query')
    .description('the k nearest rows to a query, by cosine similarity: the query is a row (--id) or an image embedded through a run (--image with --run)')
    .option('--index <index>', 'an index from search build (its embeddings file is found through its manifest)')
    .option('--embeddings <file>', 'an embeddings file, searched exactly (with --exact; no index needed)')
    .option('--id <id>', 'query by a row: its id in the ids file (an image path or a dataset index); the row itself is left out of the results')
    .option('--image <file>', 'query by an image file (jpg, png, webp), embedded with --run')
    .option('--run <dir>', 'the run whose backbone embeds --image (the one that made the embeddings)')
    .option('-k, --k <k>', 'neighbours to return', int('-k'), 10)
    .option('--exact', 'brute-force cosine search on the engine instead of the index')
    .option('--expansion-search <n>', 'HNSW candidates while searching, ef (default: the index\'s)', int('--expansion-search'))
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', '\nExamples:\n  contrastive search query --index fm.index --id 42 -k 5\n'
      + '  contrastive search query --index fm.index --image shoe.png --run runs/default --json\n'
      + '  contrastive search query --embeddings fm-test.safetensors --exact --id 42')
    .action(async (f: QueryFlags) => {
      if ((f.id === undefined) === (f.image === undefined)) throw new Error('give one query: --id ID or --image FILE (with --run DIR)');
      if (f.image !== undefined && !f.run) throw new Error('--image needs --run DIR: the run whose backbone embeds the image');
      if (!f.index && !f.embeddings) throw new Error('give --index INDEX (from search build), or --embeddings FILE with --exact');
      if (f.index && f.embeddings) throw new Error('give --index or --embeddings, not both (an index names its embeddings file)');
      if (f.embeddings && !f.exact) throw new Error('--embeddings without an index searches exactly: add --exact, or build an index with search build and pass --index');
      let index: AnnIndex | null = null;
      let file: EmbeddingsFile;
      if (f.index) {
        const loaded = await AnnIndex.load(f.index, { expansionSearch: f.expansionSearch });
        index = loaded.index;
        file = await openIndexed(loaded.embeddingsPath, loaded.manifest, f.index);
      } else {
        file = await EmbeddingsFile.open(f.embeddings!);
      }
      let query: Tensor | null = null;
      try {
        const n = file.count;
        const row = f.id !== undefined ? file.rowOf(f.id) : -1;
        const max = row >= 0 ? n - 1 : n;
        if (f.k < 1 || f.k > max) throw new Error(`-k must be from 1 to ${max} (${n} rows${row >= 0 ? ', less the query row itself' : ''}), got ${f.k}`);
        query = row >= 0 ? await file.rows(row, 1) : await embedImage(f.run!, f.image!);
        if (query.shape[1] !== file.dim) {
          throw new Error(`dimension mismatch: the run ${f.run} embeds ${f.image} to ${query.shape[1]} dimensions, but ${f.index ?? f.embeddings} holds ${file.dim}-dimensional vectors (embedded by another run?)`);
        }
        const exclude = Int32Array.of(row);
        const t0 = performance.now();
        const hits: Hit[] = f.exact
          ? (await exactSearchFile(query, file, { k: f.k, exclude }))[0]!
          : index!.search(query, f.k, { exclude })[0]!;
        const seconds = (performance.now() - t0) / 1000;
        const results: SearchResultRow[] = hits.map((h, i) => {
          const l = file.labelOf(h.row);
          return { rank: i + 1, row: h.row, id: file.idOf(h.row), score: h.score, ...(l ? { label: l.label, class: l.class } : {}) };
        });
        const q = row >= 0 ? { id: file.idOf(row), row, ...(file.labelOf(row) ?? {}) } : { image: resolve(f.image!), run: resolve(f.run!) };
        if (f.json) {
          printJson({ query: q, k: f.k, mode: f.exact ? 'exact' : 'ann', count: n, seconds, results });
          return;
        }
        const what = row >= 0 ? `id ${String(file.idOf(row))}${file.labelOf(row)?.class ? ` (${file.labelOf(row)!.class})` : ''}` : f.image!;
        process.stdout.write(`${hits.length} nearest of ${n} to ${what} by cosine similarity (${f.exact ? 'exact' : 'HNSW index'}, ${(seconds * 1000).toFixed(1)} ms)\n`);
        const idWidth = Math.max(2, ...results.map((r) => String(r.id).length));
        const hasLabels = results.some((r) => r.label !== undefined);
        process.stdout.write(`${'rank'.padStart(4)}  ${'score'.padEnd(7)}  ${'row'.padStart(7)}  ${'id'.padEnd(idWidth)}${hasLabels ? '  class' : ''}\n`);
        for (const r of results) {
          process.stdout.write(`${String(r.rank).padStart(4)}  ${r.score.toFixed(4).padEnd(7)}  ${String(r.row).padStart(7)}  ${String(r.id).padEnd(idWidth)}`
            + `${hasLabels ? `  ${r.class ?? r.label}` : ''}\n`);
        }
      } finally {
        query?.dispose();
        await file.close();
      }
    });
}

function registerRecall(s: Command): void {
  s.command('recall')
    .description("recall@k of an index against exact search: rows of the index's own embeddings as queries, each leaving itself out")
    .requiredOption('--index <index>', 'an index from search build')
    .option('-k, --k <k>', 'neighbours compared', int('-k'), 10)
    .option('--queries <n>', 'query with n rows spread evenly (default: every row)', int('--queries'))
    .option('--expansion-search <n>', 'HNSW candidates while searching, ef (default: the index\'s)', int('--expansion-search'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: RecallFlags) => {
      const { index, manifest, embeddingsPath } = await AnnIndex.load(f.index, { expansionSearch: f.expansionSearch });
      const file = await openIndexed(embeddingsPath, manifest, f.index);
      try {
        if (f.k < 1 || f.k > file.count - 1) throw new Error(`-k must be from 1 to ${file.count - 1}, got ${f.k}`);
        if (f.queries !== undefined && f.queries < 1) throw new Error(`--queries must be at least 1, got ${f.queries}`);
        const r = await measureRecall(index, file, { k: f.k, queries: f.queries });
        const out = {
          recall: r.recall, k: r.k, queries: r.queries, count: file.count, dim: file.dim, expansion_search: index.settings.expansionSearch,
          ann_seconds: r.annSeconds, exact_seconds: r.exactSeconds, build_seconds: manifest.buildSeconds,
        };
        if (f.json) printJson(out);
        else for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(18)} ${Number.isInteger(v) ? v : v.toFixed(4)}\n`);
      } finally {
        await file.close();
      }
    });
}

/** Registers `contrastive search build|query|recall` on the program. */
export function registerSearch(p: Command): void {
  const s = p.command('search')
    .description('nearest-neighbour search over embeddings (from contrastive embed): build an index, query it, measure its recall')
    .addHelpText('after', '\nExample:\n  contrastive embed --run runs/default --out fm-test.safetensors\n'
      + '  contrastive search build --embeddings fm-test.safetensors --out fm.index\n'
      + '  contrastive search query --index fm.index --id 42 -k 5\n'
      + '  contrastive search query --index fm.index --image shoe.png --run runs/default --json\n'
      + '  contrastive search recall --index fm.index');
  registerBuild(s);
  registerQuery(s);
  registerRecall(s);
}
