/// <reference types="node" />
// Node side of the '#model-files' import: a diffusers folder on disk as ModelFiles.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelFiles } from './model_files.js';

/** The files of the folder `dir`, read from disk on demand. */
export function hostModelFiles(dir: string): ModelFiles {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root} is not a folder (expected a diffusers model folder with model_index.json)`);
  return {
    name: root,
    read(path: string): Uint8Array | undefined {
      const full = join(root, ...path.split('/'));
      return existsSync(full) ? new Uint8Array(readFileSync(full)) : undefined;
    },
  };
}
