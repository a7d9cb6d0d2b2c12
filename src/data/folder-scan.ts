// Files in a folder as torchvision's ImageFolder finds them: a sub-folder per class, or one flat set.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** The files found, in dataset order, with their classes (null when the folder has no class sub-folders). */
export interface ClassFiles {
  files: string[];
  labels: Int32Array | null;
  classes: string[];
}

/** What the files are, for messages: e.g. 'images'. */
export interface ScanNames {
  /** The dataset class, e.g. 'ImageFolder'. */
  dataset: string;
  /** The files, plural, e.g. 'images'. */
  files: string;
}

/** Lists the files with one of `extensions` under `dir`, recursively, sorted, skipping dot-files and dot-folders. */
async function listFiles(dir: string, extensions: ReadonlySet<string>): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, extensions)));
    else if (e.isFile() && extensions.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

/**
 * The files of `root` as torchvision's `ImageFolder` reads a folder: each sub-folder holding
 * such files (searched recursively) is a class, classes sorted by name (label i = classes[i]);
 * files directly in the root are then ignored (`warn` says so). With no class sub-folders, the
 * files under `root` (recursively) are unlabelled. A missing root, a file, or a folder with no
 * such file is an Error.
 */
export async function scanClassFolders(root: string, extensions: ReadonlySet<string>, names: ScanNames, warn: (message: string) => void): Promise<ClassFiles> {
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new Error(`${names.dataset}: '${root}' does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`${names.dataset}: '${root}' is not a folder`);
  const entries = (await readdir(root, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const loose = entries.filter((e) => e.isFile() && extensions.has(extname(e.name).toLowerCase()));
  const files: string[] = [];
  const classes: string[] = [];
  const perClass: string[][] = [];
  for (const d of dirs) {
    const found = await listFiles(join(root, d), extensions);
    if (found.length > 0) {
      classes.push(d);
      perClass.push(found);
    }
  }
  let labels: Int32Array | null = null;
  if (classes.length > 0) {
    if (loose.length > 0) warn(`${names.dataset}: ignoring ${loose.length} file(s) of ${names.files} directly in ${root}: with class sub-folders, ${names.files} must sit inside them`);
    labels = new Int32Array(perClass.reduce((a, f) => a + f.length, 0));
    let k = 0;
    perClass.forEach((f, label) => {
      for (const file of f) {
        files.push(file);
        labels![k++] = label;
      }
    });
  } else {
    files.push(...(await listFiles(root, extensions)));
  }
  if (files.length === 0) throw new Error(`${names.dataset}: no ${names.files} (${[...extensions].join(', ')}) under '${root}'`);
  return { files, labels, classes };
}

/** Runs `fn` on every item with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
