/// <reference types="node" />
// `dlab pull`'s work, as huggingface_hub's snapshot_download does it: resolve the revision to a
// commit with the model info, pick the files (--include), run the fit check and the disk check,
// write refs/ and trees/, then each file into the cache (download.node.ts). Offline
// (HF_HUB_OFFLINE, or a hub that cannot be reached) the cache answers alone.

import { existsSync, statSync, statfsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { etagOf, modelInfo, resolveUrl, type RepoFile } from './api.js';
import { RepoCache, tagCacheDir } from './cache.node.js';
import { deviceMemory } from './device_memory.node.js';
import { downloadFile, type FileToGet } from './download.node.js';
import { DiskSpaceError, HubTimeoutError, OfflineError, httpError, type RequestContext } from './errors.js';
import { fitVerdict, type DeviceMemory, type FitVerdict } from './fit_check.js';
import { hubRequest } from './http.js';
import { isCommitHash } from './layout.js';
import { filterPaths } from './patterns.js';
import { hubSettings, type HubSettings } from './settings.node.js';
import { HubUnreachableError, inspectModel, partSizes, type FileSource, type ModelSizes } from '../utils/fit.js';
import { folderSource } from '../utils/fit_files.node.js';

/** Bytes moving across all files of a pull. */
export interface PullProgress {
  start(totalBytes: number, files: number): void;
  file(path: string): void;
  /** Negative when a file starts over. */
  bytes(delta: number): void;
  stop(): void;
}

export interface PullOptions {
  revision?: string;
  /** huggingface_hub allow_patterns (fnmatch: '*' crosses '/'). */
  include?: readonly string[];
  /** Download even when the fit check says the model does not fit. */
  force?: boolean;
  /** Default: from the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HUB_OFFLINE, ...). */
  settings?: HubSettings;
  /** The device's free memory for the fit check (default deviceMemory()). */
  device?: () => DeviceMemory | Promise<DeviceMemory>;
  /** Free disk space of a folder (default fs.statfsSync). */
  statfs?: (path: string) => { bavail: number; bsize: number };
  /** Notes for the user (stderr in the CLI). */
  log?: (line: string) => void;
  progress?: PullProgress;
  /** Tries after the first on a dropped connection, and the first wait in ms (tests shorten it). */
  retries?: number;
  backoff?: number;
  fetch?: typeof fetch;
}

export interface PulledFile {
  path: string;
  size: number;
  /** 'cached': in the snapshot already; 'linked': its blob was there (another revision); 'downloaded'. */
  status: 'cached' | 'linked' | 'downloaded';
}

export interface PullResult {
  repoId: string;
  revision: string;
  commit: string;
  /** snapshots/<commit>: the folder Python's snapshot_download returns. */
  snapshot: string;
  files: PulledFile[];
  /** null when the files hold no safetensors weights. */
  fit: FitVerdict | null;
  /** Answered from the cache alone (offline). */
  offline: boolean;
}

/** The fit check said no (without --force). */
export class FitRefusedError extends Error {
  override name = 'FitRefusedError';
}

export async function pull(repoId: string, options: PullOptions = {}): Promise<PullResult> {
  const settings = options.settings ?? hubSettings();
  const revision = options.revision ?? 'main';
  const log = options.log ?? ((line: string) => console.error(line));
  const cache = new RepoCache(settings.cacheDir, repoId);
  const ctx: RequestContext = { repoId, revision, endpoint: settings.endpoint, token: settings.token !== undefined };
  if (settings.offline) return fromCache(repoId, revision, cache, options, 'HF_HUB_OFFLINE is set');

  let info;
  try {
    info = await modelInfo(ctx, { token: settings.token, timeout: settings.metadataTimeout, timeoutSetting: 'HF_HUB_ETAG_TIMEOUT', fetch: options.fetch });
  } catch (e) {
    // As snapshot_download: no answer from the hub is no reason to fail if the cache has the files.
    const unreachable = e instanceof HubUnreachableError || e instanceof HubTimeoutError;
    if (!unreachable || !cachedCommit(cache, revision)) throw e;
    log(`${(e as Error).message}; using the cached copy`);
    return fromCache(repoId, revision, cache, options, (e as Error).message);
  }

  const byPath = new Map(info.files.map((f) => [f.path, f]));
  const selected = filterPaths([...byPath.keys()], options.include).map((p) => byPath.get(p)!);
  if (selected.length === 0) throw new Error(noMatch(repoId, revision, info.files, options.include));
  const files: (FileToGet & { status: PulledFile['status'] })[] = selected.map((f) => {
    const etag = etagOf(f);
    if (!etag) throw new Error(`the hub lists no etag (blobId, lfs.sha256) for ${f.path}: is HF_ENDPOINT=${settings.endpoint} a hub?`);
    const status = cache.hasFile(info.sha, f.path) ? 'cached' : existsSync(cache.blob(etag)) ? 'linked' : 'downloaded';
    return { path: f.path, etag, size: f.size, url: resolveUrl(settings.endpoint, repoId, info.sha, f.path), commit: info.sha, status };
  });

  const source = hubFileSource(repoId, info.sha, selected, cache, ctx, settings, options.fetch);
  const fit = await fitCheck(source, options.device ?? (() => deviceMemory()));
  if (fit && !fit.fits) {
    if (!options.force) throw new FitRefusedError(`${repoId}: ${fit.message} Pull anyway with --force.`);
    log(`${repoId}: ${fit.message} Going on (--force).`);
  }

  const toGet = files.filter((f) => f.status === 'downloaded');
  const needed = toGet.reduce((sum, f) => sum + f.size - Math.min(f.size, partialBytes(cache, f.etag)), 0);
  const folder = existingFolder(settings.cacheDir);
  const fs = (options.statfs ?? statfsSync)(folder);
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (needed > free) throw new DiskSpaceError(folder, needed, free, toGet.length);

  tagCacheDir(settings.cacheDir);
  if (revision !== info.sha) cache.writeRef(revision, info.sha);
  cache.writeTree(info.sha, info.files);

  const progress = options.progress;
  // The bar counts a resumed file's bytes on disk too: its total is the files' full size.
  progress?.start(toGet.reduce((sum, f) => sum + f.size, 0), toGet.length);
  try {
    for (const f of files) {
      if (f.status === 'cached') continue;
      progress?.file(f.path);
      const got = await downloadFile(f, cache, ctx, {
        token: settings.token,
        timeout: settings.downloadTimeout,
        retries: options.retries,
        backoff: options.backoff,
        onBytes: progress ? (n) => progress.bytes(n) : undefined,
        log,
        fetch: options.fetch,
      });
      // Another pull may have fetched the blob while this one waited for its lock.
      if (got === 'cached') f.status = 'linked';
    }
  } finally {
    progress?.stop();
  }
  return {
    repoId,
    revision,
    commit: info.sha,
    snapshot: cache.snapshot(info.sha),
    files: files.map((f) => ({ path: f.path, size: f.size, status: f.status })),
    fit,
    offline: false,
  };
}

function cachedCommit(cache: RepoCache, revision: string): string | null {
  const commit = isCommitHash(revision) ? revision : cache.readRef(revision);
  return commit && existsSync(cache.snapshot(commit)) ? commit : null;
}

/** The pull answered by the cache alone: every file asked for must be in the snapshot. */
async function fromCache(repoId: string, revision: string, cache: RepoCache, options: PullOptions, why: string): Promise<PullResult> {
  const commit = cachedCommit(cache, revision);
  const online = 'run dlab pull with the network on (HF_HUB_OFFLINE unset) once';
  if (!commit) throw new OfflineError(`${why} and model '${repoId}' at revision '${revision}' is not in the cache (${cache.root}): ${online}.`);
  // trees/<commit>.json says which files the commit has; without it, the snapshot's own files.
  const tree = cache.readTree(commit);
  const wanted = filterPaths(tree ? tree.map((f) => f.path).sort() : cache.listSnapshot(commit), options.include);
  if (wanted.length === 0) throw new OfflineError(`${why} and no cached file of model '${repoId}' at revision '${revision}' matches --include ${(options.include ?? []).join(' ')}: ${online}.`);
  const missing = wanted.filter((p) => !cache.hasFile(commit, p));
  if (missing.length > 0) {
    throw new OfflineError(`${why} and the cached copy of model '${repoId}' at revision '${revision}' lacks ${missing.length} file${missing.length === 1 ? '' : 's'} (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}): ${online}.`);
  }
  const sizes = new Map(tree?.map((f) => [f.path, f.size]));
  const fit = await fitCheck(withFiles(folderSource(cache.snapshot(commit)), repoId, wanted), options.device ?? (() => deviceMemory()));
  return {
    repoId,
    revision,
    commit,
    snapshot: cache.snapshot(commit),
    files: wanted.map((path) => ({ path, size: sizes.get(path) ?? 0, status: 'cached' as const })),
    fit,
    offline: true,
  };
}

/**
 * The fit check over the files being pulled; null when they hold no safetensors weights. A
 * pipeline (model_index.json among them) counts as dlab fit counts it; otherwise each folder
 * holding weights is a part (a pull of 'unet/*' alone is the unet's size).
 */
async function fitCheck(source: FileSource, device: () => DeviceMemory | Promise<DeviceMemory>): Promise<FitVerdict | null> {
  const files = await source.list();
  const weights = files.filter((f) => f.endsWith('.safetensors'));
  if (weights.length === 0) return null;
  if (files.includes('model_index.json')) return fitVerdict(await inspectModel(source), await device());
  const folders = [...new Set(weights.map((f) => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '')))].sort();
  const parts = [];
  for (const folder of folders) {
    const part = await partSizes(source, files, folder, folder);
    if (part) parts.push(part);
  }
  const sizes: ModelSizes = { name: source.name, parts, params: parts.reduce((a, p) => a + p.params, 0), kvCache: null };
  return fitVerdict(sizes, await device());
}

const withFiles = (source: FileSource, name: string, files: string[]): FileSource => ({ ...source, name, list: async () => files });

/**
 * The files being pulled as dlab fit's FileSource: read from the cache where they are there,
 * else by HTTP Range requests on resolve URLs at the commit (only a safetensors header's bytes).
 */
function hubFileSource(repoId: string, commit: string, files: RepoFile[], cache: RepoCache, ctx: RequestContext, settings: HubSettings, doFetch?: typeof fetch): FileSource {
  // A file in the snapshot, or its blob cached under another revision, is read from disk.
  const etags = new Map(files.map((f) => [f.path, etagOf(f)]));
  const onDisk = (path: string): string | null => {
    if (cache.hasFile(commit, path)) return cache.pointer(commit, path);
    const etag = etags.get(path);
    return etag && existsSync(cache.blob(etag)) ? cache.blob(etag) : null;
  };
  const local = (file: string) => ({ source: folderSource(dirname(file)), name: basename(file) });
  const get = async (path: string, start?: number, end?: number): Promise<Uint8Array> => {
    const url = resolveUrl(settings.endpoint, repoId, commit, path);
    const range = start === undefined ? undefined : `bytes=${start}-${end! - 1}`;
    const answer = await hubRequest(url, { token: settings.token, range, timeout: settings.metadataTimeout, timeoutSetting: 'HF_HUB_ETAG_TIMEOUT', fetch: doFetch });
    if (answer.status !== 200 && answer.status !== 206) {
      await answer.cancel();
      throw httpError(answer.status, answer.url, answer.headers, { ...ctx, file: path });
    }
    // A server that ignores Range sends the whole file: read only as far as needed.
    const from = answer.status === 206 || start === undefined ? 0 : start;
    const want = start === undefined ? Infinity : end! - start;
    const parts: Uint8Array[] = [];
    let have = 0;
    for await (const chunk of answer.body()) {
      parts.push(chunk);
      have += chunk.length;
      if (have >= from + want) break;
    }
    await answer.cancel();
    const all = new Uint8Array(have);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all.subarray(from, Math.min(have, from + want));
  };
  return {
    name: repoId,
    list: async () => files.map((f) => f.path),
    range: (path, start, end) => {
      const file = onDisk(path);
      if (!file) return get(path, start, end);
      const { source, name } = local(file);
      return source.range(name, start, end);
    },
    text: async (path) => {
      const file = onDisk(path);
      if (!file) return new TextDecoder().decode(await get(path));
      const { source, name } = local(file);
      return source.text(name);
    },
  };
}

function noMatch(repoId: string, revision: string, files: readonly RepoFile[], include: readonly string[] | undefined): string {
  const some = files.slice(0, 12).map((f) => f.path);
  return `no file of model '${repoId}' at revision '${revision}' matches --include ${(include ?? []).join(' ')} (patterns are matched like huggingface_hub's allow_patterns: '*' also crosses '/'). Its files: ${some.join(', ')}${files.length > some.length ? `, ... (${files.length} in all)` : ''}`;
}

/** Bytes of a blob already in its .incomplete file (a resume needs only the rest). */
const partialBytes = (cache: RepoCache, etag: string) => (existsSync(cache.incomplete(etag)) ? statSync(cache.incomplete(etag)).size : 0);

/** The cache folder, or the nearest folder above it that exists (statfs needs one). */
function existingFolder(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}
