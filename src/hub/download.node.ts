/// <reference types="node" />
// One file from the hub into the cache: under a lock per blob (two pulls of one model wait for
// each other instead of writing one file twice), into blobs/<etag>.incomplete, resumed with a
// Range request after a dropped connection or in a later run (a server that answers a Range with
// the whole file, 200, starts the file over, as huggingface_hub's http_get does), checked against
// its size and its etag (sha256 for LFS files, the git blob sha1 for the rest), renamed into
// blobs/<etag>, then linked from the snapshot.

import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { describeNetworkError } from '../datasets/download.js';
import { HubUnreachableError } from '../utils/fit.js';
import { HashMismatchError, HubHttpError, HubTimeoutError, httpError, type RequestContext } from './errors.js';
import { hubRequest } from './http.js';
import { etagKind } from './layout.js';
import type { RepoCache } from './cache.node.js';

/** Bytes arriving, for a progress bar: `delta` may be negative when a file starts over. */
export type OnBytes = (delta: number) => void;

export interface DownloadSettings {
  token?: string;
  /** Connect and read timeout, milliseconds. */
  timeout: number;
  /** Tries after the first when the connection drops or times out (default 5, as http_get). */
  retries?: number;
  /** Milliseconds before the first retry, doubled each time (default 1000). */
  backoff?: number;
  onBytes?: OnBytes;
  /** Notes: resuming, waiting for another pull. */
  log: (line: string) => void;
  fetch?: typeof fetch;
}

export interface FileToGet {
  path: string;
  /** The etag the file list gives (sha256 or git sha1). */
  etag: string;
  size: number;
  url: string;
  commit: string;
}

/** Statuses worth another try: timeout, too many requests, server errors. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/** A lock whose holder has not refreshed it for this long belongs to a dead process. */
const LOCK_STALE_MS = 20_000;

/**
 * Hold .locks/models--org--name/<etag>.dlab.lock while `body` runs. (huggingface_hub's filelock
 * uses <etag>.lock as a plain file; proper-lockfile's lock is a folder, so it takes another name.)
 */
async function withLock<T>(cache: RepoCache, etag: string, what: string, log: (line: string) => void, body: () => Promise<T>): Promise<T> {
  mkdirSync(cache.locks, { recursive: true });
  const target = join(cache.locks, etag);
  const options: lockfile.LockOptions = {
    lockfilePath: `${target}.dlab.lock`,
    realpath: false,
    stale: LOCK_STALE_MS,
    onCompromised: (e) => log(`the lock on ${what} was lost (${e.message}); the hash check still guards the file`),
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, options);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ELOCKED') throw e;
    log(`waiting for another pull of ${what} to finish`);
    release = await lockfile.lock(target, { ...options, retries: { forever: true, minTimeout: 50, maxTimeout: 500 } });
  }
  try {
    return await body();
  } finally {
    await release().catch(() => {});
  }
}

/** The hash an etag is: sha256 of the bytes, or git's sha1 of 'blob <size>\0' + the bytes. */
function newHash(etag: string, size: number): Hash | null {
  const kind = etagKind(etag);
  if (kind === 'sha256') return createHash('sha256');
  if (kind === 'git-sha1') return createHash('sha1').update(`blob ${size}\0`);
  return null;
}

/** A hash over the first `bytes` of a partial file, to go on from. */
function hashPrefix(path: string, bytes: number, etag: string, size: number): Hash | null {
  const hash = newHash(etag, size);
  if (!hash || bytes === 0) return hash;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let at = 0;
    while (at < bytes) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - at), at);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash;
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/** A failure worth another try: the connection dropped, timed out, or the server closed early. */
function retryable(e: unknown): boolean {
  return !(e instanceof HubHttpError) && !(e instanceof HashMismatchError) && !(e instanceof FatalError);
}

/** A mismatch between what the file list says and what the file's answer says: no retry helps. */
class FatalError extends Error {}

/** A body cut off mid-file: how far the temp file and its hash got, so a retry goes on from there. */
class Interrupted extends Error {
  constructor(
    readonly reason: unknown,
    readonly bytes: number,
    readonly hash: Hash | null,
  ) {
    super('interrupted');
  }
}

/**
 * The file into blobs/<etag> and its snapshot link. Returns 'cached' when the blob was there
 * already (another revision, another pull we waited for), else 'downloaded'.
 */
export async function downloadFile(file: FileToGet, cache: RepoCache, ctx: RequestContext, settings: DownloadSettings): Promise<'cached' | 'downloaded'> {
  const status = await withLock(cache, file.etag, file.path, settings.log, async () => {
    if (existsSync(cache.blob(file.etag))) return 'cached' as const;
    await fetchBlob(file, cache, ctx, settings);
    return 'downloaded' as const;
  });
  cache.link(file.commit, file.path, file.etag);
  return status;
}

async function fetchBlob(file: FileToGet, cache: RepoCache, ctx: RequestContext, settings: DownloadSettings): Promise<void> {
  mkdirSync(join(cache.root, 'blobs'), { recursive: true });
  const temp = cache.incomplete(file.etag);
  const retries = settings.retries ?? 5;
  const onBytes = settings.onBytes ?? (() => {});
  let backoff = settings.backoff ?? 1000;
  // An .incomplete longer than the file is not a prefix of it.
  if (sizeOf(temp) > file.size) rmSync(temp, { force: true });
  let offset = sizeOf(temp);
  onBytes(offset);
  let hash = hashPrefix(temp, offset, file.etag, file.size);
  let startedOver = false;
  // An empty file needs no request: its etag is still checked below.
  if (file.size === 0) closeSync(openSync(temp, 'w'));
  for (let attempt = 0; offset < file.size; ) {
    try {
      const got = await fetchRange(file, temp, offset, hash, ctx, settings);
      if (got === 'start over') {
        // 416, or a Content-Range from elsewhere: the partial file is no prefix the server knows.
        if (startedOver) throw new FatalError(`${file.path}: the server does not answer Range requests consistently`);
        startedOver = true;
        rmSync(temp, { force: true });
        onBytes(-offset);
        offset = 0;
        hash = newHash(file.etag, file.size);
        continue;
      }
      hash = got.hash;
      offset = got.bytes;
      if (offset === file.size) break;
      throw new Error(`the connection closed after ${offset.toLocaleString('en-US')} of ${file.size.toLocaleString('en-US')} bytes`);
    } catch (caught) {
      let e = caught;
      if (e instanceof Interrupted) {
        // The bytes written before the drop are kept; the hash goes on from them.
        offset = e.bytes;
        hash = e.hash;
        e = e.reason;
      }
      if (!retryable(e)) throw e;
      const reason = e instanceof HubTimeoutError || e instanceof HubUnreachableError ? e.message : describeNetworkError(e);
      if (attempt >= retries) {
        throw new Error(`could not download ${file.path}: ${reason} (gave up after ${retries + 1} tries). The ${offset.toLocaleString('en-US')} bytes received are kept in ${temp}; run dlab pull again to resume.`);
      }
      attempt++;
      settings.log(`${file.path}: ${reason}; resuming at byte ${offset.toLocaleString('en-US')} (try ${attempt + 1} of ${retries + 1})`);
      await new Promise((r) => setTimeout(r, backoff));
      backoff *= 2;
    }
  }
  const actual = hash ? hash.digest('hex') : null;
  if (actual !== null && actual !== file.etag) {
    rmSync(temp, { force: true });
    throw new HashMismatchError(file.path, etagKind(file.etag) === 'sha256' ? 'sha256' : 'git blob sha1', file.etag, actual);
  }
  renameSync(temp, cache.blob(file.etag));
}

/** One GET from `offset` into the temp file: the bytes the file holds after it and the running hash, or 'start over'. */
async function fetchRange(
  file: FileToGet, temp: string, offset: number, hash: Hash | null, ctx: RequestContext, settings: DownloadSettings,
): Promise<{ bytes: number; hash: Hash | null } | 'start over'> {
  const answer = await hubRequest(file.url, {
    token: settings.token,
    range: offset > 0 ? `bytes=${offset}-` : undefined,
    timeout: settings.timeout,
    timeoutSetting: 'HF_HUB_DOWNLOAD_TIMEOUT',
    fetch: settings.fetch,
  });
  const onBytes = settings.onBytes ?? (() => {});
  if (answer.status === 416 && offset > 0) {
    await answer.cancel();
    return 'start over';
  }
  if (answer.status !== 200 && answer.status !== 206) {
    await answer.cancel();
    // A busy or failing server may answer the next try (http_backoff retries these too).
    if (TRANSIENT.has(answer.status)) throw new Error(`HTTP ${answer.status} from ${answer.url}`);
    throw httpError(answer.status, answer.url, answer.headers, { ...ctx, file: file.path });
  }
  const { commit, etag, size } = answer.metadata;
  const mismatch =
    commit !== null && commit !== file.commit ? `commit ${commit} (X-Repo-Commit), not ${file.commit}` :
    etag !== null && etagKind(etag) !== 'other' && etag !== file.etag ? `etag ${etag}, but the file list says ${file.etag}` :
    size !== null && size !== file.size ? `${size} bytes, but the file list says ${file.size}` : null;
  if (mismatch) {
    await answer.cancel();
    throw new FatalError(`${file.path}: the hub's answer names ${mismatch}; did the repo change while pulling? Run dlab pull again.`);
  }
  if (answer.status === 206) {
    const start = /^bytes (\d+)-/.exec(answer.headers.get('content-range') ?? '');
    if (!start || Number(start[1]) !== offset) {
      await answer.cancel();
      return 'start over';
    }
  } else if (offset > 0) {
    // 200 to a Range request: the whole file is coming (CloudFront does this with gzip).
    settings.log(`${file.path}: the server ignored the Range request and sends the whole file; starting it over`);
    onBytes(-offset);
    offset = 0;
    hash = newHash(file.etag, file.size);
  }
  const fd = openSync(temp, offset > 0 ? 'a' : 'w');
  let bytes = offset;
  try {
    for await (const chunk of answer.body()) {
      if (bytes + chunk.length > file.size) throw new FatalError(`${file.path}: the server sent more than the ${file.size.toLocaleString('en-US')} bytes the file list gives`);
      // Written synchronously, so the file and the hash always hold the same bytes.
      try {
        writeSync(fd, chunk);
      } catch (e) {
        // A full disk or a lost permission: no retry helps.
        throw new FatalError(`${file.path}: cannot write ${temp}: ${(e as Error).message}`);
      }
      hash?.update(chunk);
      bytes += chunk.length;
      onBytes(chunk.length);
    }
  } catch (e) {
    throw new Interrupted(e, bytes, hash);
  } finally {
    closeSync(fd);
  }
  return { bytes, hash };
}
