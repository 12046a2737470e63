// Downloading data set files: mirrors tried in order, a checksum on every file, partial
// downloads kept in a temp file (resumed with an HTTP Range request) and renamed only when
// complete, one download of a file at a time (a lock per file, so parallel runs do not append
// to one temp file), and a mirror that stalls given up after a timeout. This file holds the
// policy and the messages; the bytes move through a DownloadIO (Node: download.node.ts), so the
// core stays free of fs and sockets.

/** The checksums of data set files: md5 (torchvision) or sha1 (d2l). */
export type HashAlgorithm = 'md5' | 'sha1';

/** A file a data set needs, where it lives under the data root, and where to fetch it. */
export interface RemoteFile {
  /** Path under the data root, '/'-separated: 'MNIST/raw/train-images-idx3-ubyte.gz'. */
  readonly path: string;
  /** Full URLs, tried in order (mirrors). */
  readonly urls: readonly string[];
  /** The published checksum (torchvision publishes MD5s, d2l SHA-1s). */
  readonly md5?: string;
  readonly sha1?: string;
}

/** The checksum a file is held to. */
export function expectedChecksum(file: RemoteFile): { algorithm: HashAlgorithm; value: string } {
  if (file.sha1) return { algorithm: 'sha1', value: file.sha1.toLowerCase() };
  if (file.md5) return { algorithm: 'md5', value: file.md5.toLowerCase() };
  throw new Error(`${file.path}: no checksum given; every downloaded file must have an MD5 or SHA-1`);
}

/** A file whose bytes are not the published ones: names it, with expected and actual checksums. */
export class ChecksumError extends Error {
  constructor(
    readonly file: string,
    readonly algorithm: HashAlgorithm,
    readonly expected: string,
    readonly actual: string,
    readonly source?: string,
  ) {
    super(
      `checksum mismatch for ${file}${source ? ` (downloaded from ${source})` : ''}: expected ${algorithm} ${expected}, got ${actual}. ` +
        'The file is corrupt, truncated or a different version; delete it and fetch it again.',
    );
    this.name = 'ChecksumError';
  }
}

/** An HTTP answer that is not the file (404, 500, ...). */
export class HttpError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpError';
  }
}

/** A mirror that did not answer, or stopped sending, within its timeout. */
export class StalledError extends Error {
  constructor(
    readonly url: string,
    /** 'connect': no response at all; 'idle': the body stopped after `bytes` bytes. */
    readonly phase: 'connect' | 'idle',
    readonly ms: number,
    readonly bytes: number,
  ) {
    super(
      phase === 'connect'
        ? `no response after ${seconds(ms)} (connect timeout)`
        : `stalled: no data for ${seconds(ms)} after ${bytes.toLocaleString('en-US')} bytes (idle timeout)`,
    );
    this.name = 'StalledError';
  }
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** How long a download may wait, in milliseconds. */
export interface DownloadTimeouts {
  /** From the request to the response's headers (connecting included). */
  connectTimeout: number;
  /** Between two pieces of the body. */
  idleTimeout: number;
}

/** A connection gets 30 s to answer and may then go 60 s without a byte before the next mirror is tried. */
export const DEFAULT_TIMEOUTS: DownloadTimeouts = { connectTimeout: 30_000, idleTimeout: 60_000 };

/** Bytes moving: `done` of `total` (undefined when the server does not say). */
export interface DownloadProgress {
  update(done: number, total?: number): void;
  finish(): void;
}

/** How the downloader touches the world. */
export interface DownloadIO {
  /** Size in bytes, or undefined when there is no such file. */
  size(path: string): number | undefined;
  /** Hex digest of a file. */
  hash(path: string, algorithm: HashAlgorithm): string;
  /**
   * GET `url` into `temp`. With offset > 0, ask for the rest (Range: bytes=offset-) and append
   * when the server answers 206 for that range; otherwise start the file over. Rejects with
   * HttpError for an error status, with StalledError when the server does not answer or stops
   * sending within `timeouts`, or with the network error when the connection breaks (the bytes
   * received so far stay in `temp`).
   */
  fetchTo(url: string, temp: string, offset: number, progress: DownloadProgress | undefined, timeouts: DownloadTimeouts): Promise<{ resumed: boolean }>;
  rename(from: string, to: string): void;
  remove(path: string): void;
  /** Create the folders above `path`. */
  ensureParent(path: string): void;
  /** A progress bar for `label`, or undefined for none. */
  progress?(label: string): DownloadProgress | undefined;
  /**
   * Hold `path` against every other download of it, in this process and in others, until the
   * returned release is called. If another holds it, call `waiting` once and wait for it.
   */
  lock?(path: string, waiting: () => void): Promise<() => Promise<void>>;
}

/** Options of a download: retries, progress and onAttempt callbacks, connectTimeout and idleTimeout, log. */
export interface DownloadOptions {
  /** Tries per URL when the connection breaks mid-file (each resumes where the last stopped). */
  retries?: number;
  /** Show a progress bar (default true; the IO decides how). */
  progress?: boolean;
  /** Called with each attempt's outcome (for logs and tests). */
  onAttempt?: (attempt: { url: string; resumedFrom: number; error?: string }) => void;
  /** Milliseconds a mirror gets to answer (default DEFAULT_TIMEOUTS.connectTimeout, 30 s). */
  connectTimeout?: number;
  /** Milliseconds a mirror may go without sending a byte (default DEFAULT_TIMEOUTS.idleTimeout, 60 s). */
  idleTimeout?: number;
  /** Where progress notes go: waiting for another download, a mirror given up (default console.error). */
  log?: (line: string) => void;
}

/** The suffix of the temp file a download goes to before it is complete and verified. */
export const PARTIAL_SUFFIX = '.part';

/** What went wrong at one URL. */
export interface Failure {
  url: string;
  reason: string;
}

/**
 * Fetch `file` to `dest`, trying its URLs in order. The bytes land in `${dest}.part` (resumed if
 * one is there from a cut download), are checked against the checksum, and only then renamed to
 * `dest`. While another download of `dest` runs (another process of a sweep), this one waits for
 * it and keeps its file. Throws a ChecksumError if a mirror served wrong bytes and none served the
 * right ones, else an Error listing every URL and why it failed.
 */
export async function downloadFile(file: RemoteFile, dest: string, io: DownloadIO, options: DownloadOptions = {}): Promise<void> {
  const { algorithm, value: expected } = expectedChecksum(file);
  const name = file.path.split('/').pop() ?? file.path;
  const log = options.log ?? ((line: string) => console.error(line));
  io.ensureParent(dest);
  const release = await io.lock?.(dest, () => log(`waiting for another download of ${name} to ${dest}`));
  try {
    // The download we waited for has left a verified file: keep it rather than fetch it again.
    if (release && io.size(dest) !== undefined && io.hash(dest, algorithm) === expected) return;
    await fetchVerified(file, dest, io, options, log);
  } finally {
    await release?.();
  }
}

async function fetchVerified(file: RemoteFile, dest: string, io: DownloadIO, options: DownloadOptions, log: (line: string) => void): Promise<void> {
  const { algorithm, value: expected } = expectedChecksum(file);
  const retries = options.retries ?? 3;
  const timeouts: DownloadTimeouts = {
    connectTimeout: options.connectTimeout ?? DEFAULT_TIMEOUTS.connectTimeout,
    idleTimeout: options.idleTimeout ?? DEFAULT_TIMEOUTS.idleTimeout,
  };
  const temp = dest + PARTIAL_SUFFIX;
  const failures: Failure[] = [];
  let checksumFailure: ChecksumError | undefined;
  const name = file.path.split('/').pop() ?? file.path;

  for (const [i, url] of file.urls.entries()) {
    let done = false;
    for (let attempt = 0; attempt <= retries && !done; attempt++) {
      const offset = io.size(temp) ?? 0;
      const bar = options.progress === false ? undefined : io.progress?.(name);
      try {
        await io.fetchTo(url, temp, offset, bar, timeouts);
        options.onAttempt?.({ url, resumedFrom: offset });
        done = true;
      } catch (e) {
        const reason = e instanceof HttpError || e instanceof StalledError ? e.message : describeNetworkError(e);
        options.onAttempt?.({ url, resumedFrom: offset, error: reason });
        // An HTTP error will not change on retry; a broken connection may (resume from the temp file).
        if (e instanceof HttpError || (io.size(temp) ?? 0) <= offset) {
          failures.push({ url, reason });
          break;
        }
        if (attempt === retries) failures.push({ url, reason: `${reason} (gave up after ${retries + 1} tries)` });
      } finally {
        bar?.finish();
      }
    }
    if (done) {
      const actual = io.hash(temp, algorithm);
      if (actual === expected) {
        io.rename(temp, dest);
        return;
      }
      // Wrong bytes: do not resume from them at the next mirror.
      io.remove(temp);
      checksumFailure = new ChecksumError(dest, algorithm, expected, actual, url);
      failures.push({ url, reason: `checksum mismatch: expected ${algorithm} ${expected}, got ${actual}` });
    }
    // Off a terminal nothing else shows that a mirror was given up: say so before the next one.
    const next = file.urls[i + 1];
    if (next) log(`${name}: ${url}: ${failures[failures.length - 1].reason}; trying ${next}`);
  }
  if (checksumFailure && failures.length === 1) throw checksumFailure;
  throw new DownloadError(name, failures, checksumFailure, byHand(file, dest));
}

/** Every URL failed: each with its reason. */
export class DownloadError extends Error {
  constructor(
    readonly fileName: string,
    readonly failures: readonly Failure[],
    readonly checksumFailure: ChecksumError | undefined,
    hint: string,
  ) {
    super(
      `could not download ${fileName}:\n${failures.map((f) => `  ${f.url}: ${f.reason}`).join('\n')}` +
        (checksumFailure ? `\n${checksumFailure.message}` : '') +
        `\n${hint}`,
    );
    this.name = 'DownloadError';
  }
}

/** The error for a file that is neither on disk nor downloadable (offline, or download off). */
export function missingFileError(file: RemoteFile, lookedIn: readonly string[], dest: string, tried: readonly Failure[] | undefined): Error {
  const name = file.path.split('/').pop() ?? file.path;
  const lines = [`${name} not found.`, `  Looked in: ${lookedIn.join(', ')}`];
  if (tried === undefined) {
    lines.push(`  Not downloaded (download is off). It can be fetched from: ${file.urls.join(', ')}`);
  } else {
    lines.push('  Tried:', ...tried.map((f) => `    ${f.url}: ${f.reason}`));
  }
  lines.push(`  ${byHand(file, dest)}`);
  return new Error(lines.join('\n'));
}

function byHand(file: RemoteFile, dest: string): string {
  const { algorithm, value } = expectedChecksum(file);
  return `To install it by hand, download ${file.urls[0]} and put it at ${dest} (${algorithm} ${value}).`;
}

/** fetch's errors hide the reason in `cause` (ECONNREFUSED, ENOTFOUND, ...). */
export function describeNetworkError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${e.message} (${cause.code})`;
  if (cause?.message) return `${e.message} (${cause.message})`;
  return e.message;
}
