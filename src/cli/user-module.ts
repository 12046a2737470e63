// A user's own file (a model for `dlab summary file.ts#Net`), imported as an ES module. Plain Node
// 20 cannot import TypeScript, so the first .ts or .mts file registers tsx's loader for the process.
// (tsx's scoped tsImport would load a second copy of dlab for the file, whose nn.Module is not ours.)

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

export const USER_MODULE_EXTENSIONS = /\.(m?[jt]s)$/;

let tsLoaderRegistered = false;

export async function importUserModule(path: string): Promise<Record<string, unknown>> {
  const file = resolve(path);
  if (/\.m?ts$/.test(file) && !tsLoaderRegistered) {
    register();
    tsLoaderRegistered = true;
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(file)) throw new Error(`no such file: ${file}`);
    throw e;
  }
}
