/// <reference types="node" />
// Node side of the '#model-files' import: a diffusers folder on disk as ModelFiles. Files are read
// in chunks into one buffer, because readFileSync refuses files over 2 GiB and an fp32 UNet is 3.4 GB.

import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelFiles } from './model_files.js';

const CHUNK = 1 << 28;

/** The whole file at `path` (up to the 4 GiB a typed array holds). */
export function readLargeFile(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = new Uint8Array(size);
    for (let at = 0; at < size;) {
      const n = readSync(fd, out, at, Math.min(CHUNK, size - at), at);
      if (n === 0) throw new Error(`${path}: the file ended at byte ${at} of ${size} while reading it`);
      at += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The files of the folder `dir`, read from disk on demand. */
export function hostModelFiles(dir: string): ModelFiles {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root} is not a folder (expected a diffusers model folder with model_index.json)`);
  return {
    name: root,
    read(path: string): Uint8Array | undefined {
      const full = join(root, ...path.split('/'));
      return existsSync(full) ? readLargeFile(full) : undefined;
    },
  };
}
