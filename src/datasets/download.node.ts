/// <reference types="node" />
// Node adapter of the downloader: the data root (DLAB_DATA), global fetch (undici) streaming
// into a temp file under connect and idle timeouts (DLAB_DOWNLOAD_CONNECT_TIMEOUT,
// DLAB_DOWNLOAD_IDLE_TIMEOUT), node:crypto checksums, a proper-lockfile lock per file, and a
// cli-progress bar on a terminal.

import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import lockfile from 'proper-lockfile';
import {
  ChecksumError, DownloadError, HttpError, StalledError, downloadFile, expectedChecksum, missingFileError,
  type DownloadIO, type DownloadOptions, type DownloadProgress, type DownloadTimeouts, type HashAlgorithm, type RemoteFile,
} from './download.js';

/**
 * Where data sets live when no root is given: $DLAB_DATA, else the user's cache folder
 * ($XDG_CACHE_HOME/dlab or ~/.cache/dlab; ~/Library/Caches/dlab on macOS; %LOCALAPPDATA%\dlab on Windows).
 */
export function dataRoot(): string {
  const env = process.env.DLAB_DATA;
  if (env) return resolve(env);
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'dlab');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'dlab');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dlab');
}

/** Hex digest of a file, read in 1 MiB pieces (the CIFAR archive is 170 MB). */
export function hashFile(path: string, algorithm: HashAlgorithm): string {
  const hash = createHash(algorithm);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

// Files already checked in this process, keyed on size and mtime so a replaced file is checked again.
const verified = new Map<string, string>();

function verifiedKey(path: string, file: RemoteFile): string {
  const { algorithm, value } = expectedChecksum(file);
  const stat = statSync(path);
  return `${algorithm}:${value}:${stat.size}:${stat.mtimeMs}`;
}

/** Check a file on disk against its published checksum, once per process (ChecksumError if wrong). */
export function verifyFile(path: string, file: RemoteFile): void {
  const key = verifiedKey(path, file);
  if (verified.get(path) === key) return;
  const { algorithm, value } = expectedChecksum(file);
  const actual = hashFile(path, algorithm);
  if (actual !== value) throw new ChecksumError(path, algorithm, value, actual);
  verified.set(path, key);
}

/** The first byte of a `Content-Range: bytes a-b/n` header. */
function rangeStart(header: string | null): number | undefined {
  const m = header === null ? null : /^bytes (\d+)-/.exec(header);
  return m ? Number(m[1]) : undefined;
}

async function fetchTo(url: string, temp: string, offset: number, bar: DownloadProgress | undefined, timeouts: DownloadTimeouts): Promise<{ resumed: boolean }> {
  // undici's own limits are 300 s for the headers and for each gap in the body, silently: one
  // timer instead, set for the answer and then again after each piece of the body.
  const abort = new AbortController();
  let stalled: StalledError | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (phase: 'connect' | 'idle', bytes: number) => {
    clearTimeout(timer);
    const ms = phase === 'connect' ? timeouts.connectTimeout : timeouts.idleTimeout;
    timer = setTimeout(() => abort.abort((stalled = new StalledError(url, phase, ms, bytes))), ms);
  };
  try {
    arm('connect', 0);
    return await receive(url, temp, offset, bar, abort.signal, arm);
  } catch (e) {
    throw stalled ?? e;
  } finally {
    clearTimeout(timer);
  }
}

async function receive(
  url: string, temp: string, offset: number, bar: DownloadProgress | undefined, signal: AbortSignal,
  arm: (phase: 'connect' | 'idle', bytes: number) => void,
): Promise<{ resumed: boolean }> {
  const res = await fetch(url, { headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, signal });
  const resumed = res.status === 206 && offset > 0 && rangeStart(res.headers.get('content-range')) === offset;
  if ((res.status === 206 && !resumed) || res.status === 416) {
    // The server does not know our partial file as a prefix of its file: start over.
    await res.body?.cancel();
    rmSync(temp, { force: true });
    if (offset > 0) {
      arm('connect', 0);
      return receive(url, temp, 0, bar, signal, arm);
    }
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new HttpError(url, res.status);
  }
  const length = res.headers.get('content-length');
  let done = resumed ? offset : 0;
  const total = length === null ? undefined : done + Number(length);
  bar?.update(done, total);
  arm('idle', done);
  const out = createWriteStream(temp, { flags: resumed ? 'a' : 'w' });
  const closed = new Promise<void>((ok, fail) => {
    out.on('close', ok);
    out.on('error', fail);
  });
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        done += chunk.length;
        arm('idle', done);
        if (!out.write(chunk)) await new Promise<void>((ok) => out.once('drain', () => ok()));
        bar?.update(done, total);
      }
    }
  } finally {
    out.end();
    await closed;
  }
  if (total !== undefined && done < total) throw new Error(`connection closed after ${done} of ${total} bytes`);
  return { resumed };
}

function progressBar(label: string): DownloadProgress | undefined {
  if (!process.stderr.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  const mb = (done: number, total?: number) => ({
    mb: `${(done / 2 ** 20).toFixed(1)}${total ? ` / ${(total / 2 ** 20).toFixed(1)}` : ''}`,
  });
  return {
    update(done, total) {
      if (!bar) {
        // Without a Content-Length there is no fraction to show: only the bytes so far.
        const format = total ? `${label} |{bar}| {percentage}% {mb} MB {eta_formatted} left` : `${label} {mb} MB`;
        bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(total ?? 1, total ? done : 0, mb(done, total));
      } else bar.update(total ? done : 0, mb(done, total));
    },
    finish() {
      bar?.stop();
    },
  };
}

/** A lock whose holder has not touched it for this long is a dead process's: taken over. */
const LOCK_STALE_MS = 20_000;
/** How long to wait for another process's download before giving up with an error. */
const LOCK_WAIT_MS = 30 * 60_000;

/**
 * `${path}.lock` (a folder, which proper-lockfile refreshes every LOCK_STALE_MS / 2 while held).
 * Waits for another holder with a note, up to LOCK_WAIT_MS; a killed holder's lock goes stale.
 */
async function lockPath(path: string, waiting: () => void): Promise<() => Promise<void>> {
  const lockfilePath = `${path}.lock`;
  const options: lockfile.LockOptions = {
    lockfilePath,
    realpath: false,
    stale: LOCK_STALE_MS,
    // The default throws from a timer (the process dies); the checksum still guards the file.
    onCompromised: (e) => console.error(`the lock ${lockfilePath} was lost (${e.message}); another download of ${path} may run at once`),
  };
  // A lost lock has been reported (onCompromised); releasing it then must not fail the download.
  const quietly = (release: () => Promise<void>) => () => release().catch(() => {});
  try {
    return quietly(await lockfile.lock(path, options));
  } catch (e) {
    if ((e as { code?: string }).code !== 'ELOCKED') throw e;
  }
  waiting();
  try {
    return quietly(await lockfile.lock(path, { ...options, retries: { forever: true, minTimeout: 100, maxTimeout: 1000, maxRetryTime: LOCK_WAIT_MS } }));
  } catch (e) {
    if ((e as { code?: string }).code !== 'ELOCKED') throw e;
    throw new Error(
      `gave up after ${LOCK_WAIT_MS / 60_000} min waiting for another download of ${path}: ${lockfilePath} is still held. ` +
        'If no other dlab is running, delete that folder.',
    );
  }
}

/** Downloads over Node's http(s), resuming into a partial file. */
export const nodeDownloadIO: DownloadIO = {
  size: (path) => (existsSync(path) ? statSync(path).size : undefined),
  hash: hashFile,
  fetchTo,
  rename: (from, to) => renameSync(from, to),
  remove: (path) => rmSync(path, { force: true }),
  ensureParent: (path) => mkdirSync(dirname(path), { recursive: true }),
  progress: progressBar,
  lock: lockPath,
};

/** Where `findFile` looks: the data root and the folders given. */
export interface FindOptions {
  /** Data root (default: dataRoot()). The file is expected at `${root}/${file.path}`. */
  root?: string;
  /** Other folders holding a copy under the file's own name (offline copies shipped with a package). */
  lookIn?: readonly string[];
}

/** Options of `ensureFile`: where to look and how to download. */
export interface EnsureOptions extends FindOptions, DownloadOptions {
  /** Fetch the file when no verified copy is found (default true). */
  download?: boolean;
  /** How bytes move (default: fetch and fs). */
  io?: DownloadIO;
  /** Places the caller already looked in, for the error message (default: the candidates). */
  lookedIn?: readonly string[];
}

/** Seconds from an environment variable, for the timeouts of downloads run by the CLI. */
function envSeconds(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!(value > 0)) throw new Error(`${name} must be a positive number of seconds, but got '${text}'`);
  return value * 1000;
}

/** The timeouts given, else from DLAB_DOWNLOAD_CONNECT_TIMEOUT / DLAB_DOWNLOAD_IDLE_TIMEOUT, else the defaults. */
function timeoutsOf(options: DownloadOptions): Pick<DownloadOptions, 'connectTimeout' | 'idleTimeout'> {
  return {
    connectTimeout: options.connectTimeout ?? envSeconds('DLAB_DOWNLOAD_CONNECT_TIMEOUT'),
    idleTimeout: options.idleTimeout ?? envSeconds('DLAB_DOWNLOAD_IDLE_TIMEOUT'),
  };
}

/** The places a file is looked for, in order. */
export function candidates(file: RemoteFile, options: FindOptions = {}): string[] {
  const name = file.path.split('/').pop()!;
  return [resolve(options.root ?? dataRoot(), ...file.path.split('/')), ...(options.lookIn ?? []).map((d) => join(d, name))];
}

/** A verified local copy of `file`, or undefined; a copy with the wrong checksum is a ChecksumError. */
export function findFile(file: RemoteFile, options: FindOptions = {}): string | undefined {
  for (const path of candidates(file, options)) {
    if (existsSync(path)) {
      verifyFile(path, file);
      return path;
    }
  }
  return undefined;
}

/**
 * The path of a verified copy of `file`: found on disk (checked on first use), else downloaded to
 * `${root}/${file.path}`. A cached copy with the wrong checksum is fetched again. Offline with no
 * copy, the error names the file, where it looked, the URLs tried and where to put it by hand.
 */
export async function ensureFile(file: RemoteFile, options: EnsureOptions = {}): Promise<string> {
  const looked = candidates(file, options);
  const dest = looked[0];
  for (const path of looked) {
    if (!existsSync(path)) continue;
    try {
      verifyFile(path, file);
      return path;
    } catch (e) {
      if (!(e instanceof ChecksumError) || options.download === false || path !== dest) throw e;
      // torchvision's download_url: a cached file that fails its check is fetched again.
    }
  }
  const shown = options.lookedIn ?? looked;
  if (options.download === false) throw missingFileError(file, shown, dest, undefined);
  try {
    await downloadFile(file, dest, options.io ?? nodeDownloadIO, { ...options, ...timeoutsOf(options) });
  } catch (e) {
    if (e instanceof DownloadError && !e.checksumFailure && e.failures.every((f) => !/^HTTP /.test(f.reason))) {
      throw missingFileError(file, shown, dest, e.failures);
    }
    throw e;
  }
  // downloadFile checked the bytes before the rename: no need to hash them again on first use.
  verified.set(dest, verifiedKey(dest, file));
  return dest;
}
