// Optional packages: peer dependencies the core does not need (the built-in datasets, ONNX export
// and its check with onnxruntime), loaded when first used, with an error that says what to install.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

/** An optional package that is not installed: the message names it, what needs it and the install command. */
export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
  readonly packageName: string;

  constructor(packageName: string, what: string) {
    super(`${what} needs the npm package '${packageName}': npm install ${packageName}`);
    this.packageName = packageName;
  }
}

function missing(e: unknown, pkg: string): boolean {
  const code = (e as { code?: string } | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((e as Error).message).includes(pkg);
}

/** The folder of the installed package `pkg`; a MissingPackageError saying `what` needs it otherwise. */
export function optionalPackageRoot(pkg: string, what: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch (e) {
    if (missing(e, pkg)) throw new MissingPackageError(pkg, what);
    throw e;
  }
}

/** `require(pkg)` of a CommonJS package, synchronously; a MissingPackageError saying `what` needs it when absent. */
export function requireOptional<T>(pkg: string, what: string): T {
  try {
    return require(pkg) as T;
  } catch (e) {
    if (missing(e, pkg)) throw new MissingPackageError(pkg, what);
    throw e;
  }
}

/** `import(pkg)`; a MissingPackageError saying `what` needs it when absent. */
export async function importOptional<T>(pkg: string, what: string): Promise<T> {
  try {
    return await import(pkg) as T;
  } catch (e) {
    if (missing(e, pkg)) throw new MissingPackageError(pkg, what);
    throw e;
  }
}
