// Downloading data set files: mirrors tried in order, a checksum on every file, partial
// downloads kept in a temp file (resumed with an HTTP Range request) and renamed only when
// complete. This file holds the policy and the messages; the bytes move through a DownloadIO
// (Node: download.node.ts), so the core stays free of fs and sockets.

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
   * HttpError for an error status, or with the network error when the connection breaks (the
   * bytes received so far stay in `temp`).
   */
  fetchTo(url: string, temp: string, offset: number, progress: DownloadProgress | undefined): Promise<{ resumed: boolean }>;
  rename(from: string, to: string): void;
  remove(path: string): void;
  /** Create the folders above `path`. */
  ensureParent(path: string): void;
  /** A progress bar for `label`, or undefined for none. */
  progress?(label: string): DownloadProgress | undefined;
}

export interface DownloadOptions {
  /** Tries per URL when the connection breaks mid-file (each resumes where the last stopped). */
  retries?: number;
  /** Show a progress bar (default true; the IO decides how). */
  progress?: boolean;
  /** Called with each attempt's outcome (for logs and tests). */
  onAttempt?: (attempt: { url: string; resumedFrom: number; error?: string }) => void;
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
 * `dest`. Throws a ChecksumError if a mirror served wrong bytes and none served the right ones,
 * else an Error listing every URL and why it failed.
 */
export async function downloadFile(file: RemoteFile, dest: string, io: DownloadIO, options: DownloadOptions = {}): Promise<void> {
  const { algorithm, value: expected } = expectedChecksum(file);
  const retries = options.retries ?? 3;
  const temp = dest + PARTIAL_SUFFIX;
  io.ensureParent(dest);
  const failures: Failure[] = [];
  let checksumFailure: ChecksumError | undefined;
  const name = file.path.split('/').pop() ?? file.path;

  for (const url of file.urls) {
    let done = false;
    for (let attempt = 0; attempt <= retries && !done; attempt++) {
      const offset = io.size(temp) ?? 0;
      const bar = options.progress === false ? undefined : io.progress?.(name);
      try {
        await io.fetchTo(url, temp, offset, bar);
        options.onAttempt?.({ url, resumedFrom: offset });
        done = true;
      } catch (e) {
        const reason = e instanceof HttpError ? e.message : describeNetworkError(e);
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
    if (!done) continue;
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
