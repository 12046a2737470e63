// torchvision.datasets.CIFAR10, read from either version of the data set
// (https://www.cs.toronto.edu/~kriz/cifar.html), the pixels and labels being the same:
// - binary (cifar-10-binary.tar.gz, what `download` fetches): each record is one label byte then
//   3072 pixel bytes, the red plane, the green plane, the blue plane (32 x 32 each);
// - Python (cifar-10-python.tar.gz, what torchvision downloads): each batch is a dict pickled by
//   Python 2, b'data' a uint8 numpy array [N, 3072] of the same planes, b'labels' a list; read with
//   io/pickle.ts, which runs nothing from the file (only numpy's array reconstruction is allowed).
// A batch file's first byte says which: a pickle starts with PROTO (0x80), a record with a label < 10.
//
// The constructor reads the extracted batch files (`${root}/cifar-10-batches-bin/*.bin`, else
// torchvision's `${root}/cifar-10-batches-py/*`), or an archive itself (MD5 checked, gunzipped with
// fflate, members extracted for next time): the binary one, else the Python one.
// `await CIFAR10.create({ download: true })` fetches the archive first. Browser-safe: files come
// through a FileSource, or as bytes ({ files } or { archive }).

import { gunzipSync } from 'fflate';
import { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import { Dataset } from '../data/dataset.js';
import { defaultCollate, type Collated } from '../data/collate.js';
import { Image, ImageBatch } from '../data/image.js';
import { applyTransform, batchedTransform, type TransformLike } from '../data/transforms.js';
import type { RemoteFile } from './download.js';
import { readTar } from './tar.js';
import { getDefaultFileSource } from './default_source.js';
import { MissingDataError, type FileSource } from './source.js';
import { PickleError, typeName, unpickle } from '../io/pickle.js';

/** Options of `CIFAR10`: root, train (default true), transform, targetTransform, download (false). */
export interface CIFAR10Options<I, L> {
  /** Data root (default: the file source's, in Node $DLAB_DATA or ~/.cache/dlab). */
  root?: string;
  /** The 50,000 training images (default) or the 10,000 test images. */
  train?: boolean;
  transform?: TransformLike<Image, I>;
  targetTransform?: TransformLike<number, L>;
  /** Fetch the archive if it is missing: only in the async factory `CIFAR10.create`. */
  download?: boolean;
  source?: FileSource;
  /** The batch files' bytes, in order (data_batch_1..5 or test_batch), skipping any source. */
  files?: readonly Uint8Array[];
  /** The bytes of cifar-10-binary.tar.gz or cifar-10-python.tar.gz (or the .tar), skipping any source and the MD5 check. */
  archive?: Uint8Array;
}

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const RECORD = 1 + PIXELS;
const FOLDER = 'cifar-10-batches-bin';
const PY_FOLDER = 'cifar-10-batches-py';
/** The Python version's name of a batch (data_batch_1.bin -> data_batch_1). */
const pyName = (name: string) => name.replace(/\.bin$/, '');
/** A pickle starts with PROTO; a binary batch with a label byte (< 10). */
const isPickle = (bytes: Uint8Array) => bytes[0] === 0x80;

/** Row k of CHW planes at `src` (3072 bytes, as both versions store an image) to HWC pixels at image k of `dst`. */
function planesToPixels(src: Uint8Array, from: number, dst: Uint8Array, k: number): void {
  const plane = SIDE * SIDE;
  const out = k * PIXELS;
  for (let p = 0; p < plane; p++) {
    dst[out + 3 * p] = src[from + p];
    dst[out + 3 * p + 1] = src[from + plane + p];
    dst[out + 3 * p + 2] = src[from + 2 * plane + p];
  }
}

/** Records in a batch file: the size must be a whole number of 3073-byte records. */
export function parseCifarBatch(bytes: Uint8Array, name: string, classes = 10): { images: Uint8Array; labels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(
      `${name}: size ${bytes.length} bytes is not a whole number of ${RECORD}-byte CIFAR records (1 label + 3x32x32 pixels)` +
        (bytes.length % RECORD !== 0 ? `; ${bytes.length % RECORD} bytes left over, the file is truncated or not a CIFAR batch` : ''),
    );
  }
  const n = bytes.length / RECORD;
  const labels = new Uint8Array(n);
  const images = new Uint8Array(n * PIXELS);
  for (let k = 0; k < n; k++) {
    const rec = k * RECORD;
    const label = bytes[rec];
    if (label >= classes) throw new Error(`${name}: record ${k} has label ${label}, but CIFAR-10 has ${classes} classes; not a CIFAR-10 batch file`);
    labels[k] = label;
    // Planes (CHW) to pixels (HWC), the layout of torchvision's `data` (N, 32, 32, 3).
    planesToPixels(bytes, rec + 1, images, k);
  }
  return { images, labels };
}

/** numpy.ndarray as _reconstruct makes it and __setstate__ fills it: (version, shape, dtype, fortran, raw bytes). */
class NdArray {
  shape: number[] = [];
  dtype = '';
  data: Uint8Array | undefined;
  __setstate__(state: unknown): void {
    if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) throw new PickleError(`numpy array state is ${typeName(state)} of ${(state as unknown[])?.length} items, expected (version, shape, dtype, is_fortran, data)`);
    const [shape, dtype, , data] = state.length === 5 ? state.slice(1) : state;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new PickleError('numpy array shape is not a tuple of sizes');
    if (!(dtype instanceof NumpyDtype)) throw new PickleError(`numpy array dtype is a ${typeName(dtype)}`);
    if (!(data instanceof Uint8Array)) throw new PickleError(`numpy array data is a ${typeName(data)}, expected bytes`);
    this.shape = shape as number[];
    this.dtype = dtype.spec;
    this.data = data;
  }
}

/** numpy.dtype(spec, align, copy); its state (byte order, ...) does not matter for uint8. */
class NumpyDtype {
  constructor(readonly spec: string) {}
  __setstate__(): void {}
}

const text = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
const ndarrayClass = Symbol('numpy.ndarray');

/** The globals a CIFAR batch pickle may name: numpy's array reconstruction, nothing else. */
function numpyGlobals(file: string) {
  return (module: string, name: string): unknown => {
    if ((module === 'numpy.core.multiarray' || module === 'numpy._core.multiarray') && name === '_reconstruct') {
      return (cls: unknown) => {
        if (cls !== ndarrayClass) throw new PickleError(`${file}: _reconstruct of ${typeName(cls)}, expected numpy.ndarray`);
        return new NdArray();
      };
    }
    if (module === 'numpy' && name === 'ndarray') return ndarrayClass;
    if (module === 'numpy' && name === 'dtype') return (spec: unknown) => new NumpyDtype(text(spec));
    throw new PickleError(`${file}: the pickle names ${module}.${name}; a CIFAR-10 batch holds only numpy arrays, lists and strings`);
  };
}

/**
 * A batch of the Python version: a pickled dict whose b'data' is a uint8 array [N, 3072] (CHW rows)
 * and b'labels' a list of N class indices (torchvision's `entry["data"]`, `entry["labels"]`).
 */
export function parseCifarPickle(bytes: Uint8Array, name: string, classes = 10): { images: Uint8Array; labels: Uint8Array } {
  let batch: unknown;
  try {
    batch = unpickle(bytes, { findClass: numpyGlobals(name) });
  } catch (e) {
    if (e instanceof PickleError && e.message.startsWith(name)) throw e;
    throw new PickleError(`${name}: ${(e as Error).message}`);
  }
  if (!(batch instanceof Map)) throw new Error(`${name}: the pickle holds a ${typeName(batch)}, expected the dict of a CIFAR-10 batch`);
  // Keys are bytes (Python 2 strs) in the published files; strs in one written by Python 3.
  const entry = (key: string) => [...batch.entries()].find(([k]) => text(k) === key)?.[1];
  const data = entry('data');
  const labelList = entry('labels');
  if (!(data instanceof NdArray)) throw new Error(`${name}: no numpy array under b'data' (found ${typeName(data)}); not a CIFAR-10 batch`);
  if (!Array.isArray(labelList)) throw new Error(`${name}: no list under b'labels' (found ${typeName(labelList)}); not a CIFAR-10 batch`);
  const [n, row] = data.shape;
  if (data.shape.length !== 2 || row !== PIXELS || !/^\|?u1$/.test(data.dtype)) {
    throw new Error(`${name}: b'data' is ${data.dtype} of shape (${data.shape.join(', ')}), expected uint8 of shape (N, ${PIXELS})`);
  }
  if (data.data!.length !== n * PIXELS) throw new Error(`${name}: b'data' holds ${data.data!.length} bytes, but its shape (${n}, ${PIXELS}) needs ${n * PIXELS}`);
  if (labelList.length !== n) throw new Error(`${name}: ${labelList.length} labels for ${n} images`);
  const labels = new Uint8Array(n);
  const images = new Uint8Array(n * PIXELS);
  labelList.forEach((label, k) => {
    if (!Number.isInteger(label) || (label as number) < 0 || (label as number) >= classes) {
      throw new Error(`${name}: image ${k} has label ${String(label)}, but CIFAR-10 has ${classes} classes; not a CIFAR-10 batch file`);
    }
    labels[k] = label as number;
    planesToPixels(data.data!, k * PIXELS, images, k);
  });
  return { images, labels };
}

/** A batch file of either version. */
export function parseCifarFile(bytes: Uint8Array, name: string): { images: Uint8Array; labels: Uint8Array } {
  return isPickle(bytes) ? parseCifarPickle(bytes, name) : parseCifarBatch(bytes, name);
}

/** `torchvision.datasets.CIFAR10(root, train=True, transform=None, target_transform=None, download=False)`: 32x32 colour images of 10 classes. */
export class CIFAR10<I = Image, L = number> extends Dataset<[I, L]> {
  /** The binary archive as the CIFAR page publishes it (MD5 from https://www.cs.toronto.edu/~kriz/cifar.html). */
  static readonly archive: RemoteFile = {
    path: 'cifar-10-binary.tar.gz',
    urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  };
  /** The Python version torchvision downloads (MD5 from torchvision's CIFAR10.tgz_md5). */
  static readonly pythonArchive: RemoteFile = {
    path: 'cifar-10-python.tar.gz',
    urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'],
    md5: 'c58f30108f718f92721af3b95e74349a',
  };
  static readonly folder = FOLDER;
  static readonly pythonFolder = PY_FOLDER;
  static readonly trainList = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
  static readonly testList = ['test_batch.bin'];
  static readonly classNames = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

  readonly root: string | undefined;
  readonly train: boolean;
  readonly transform: TransformLike<Image, I> | undefined;
  readonly targetTransform: TransformLike<number, L> | undefined;
  /** The images, N x 32 x 32 x 3 bytes (HWC, as torchvision's numpy `data`). */
  readonly data: Uint8Array;
  /** The labels (torchvision keeps a list). */
  readonly targets: number[];
  private readonly batchTransform: ((xs: unknown) => unknown) | undefined;

  constructor(options: CIFAR10Options<I, L> = {}) {
    super();
    this.root = options.root;
    this.train = options.train ?? true;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    const names = this.train ? CIFAR10.trainList : CIFAR10.testList;
    const files = options.files ?? CIFAR10.readBatches(names, options);
    if (files.length !== names.length) throw new Error(`CIFAR10: expected ${names.length} batch files (${names.join(', ')}), got ${files.length}`);
    const parsed = files.map((bytes, i) => parseCifarFile(bytes, names[i]));
    const n = parsed.reduce((a, p) => a + p.labels.length, 0);
    this.data = new Uint8Array(n * PIXELS);
    this.targets = [];
    let at = 0;
    for (const p of parsed) {
      this.data.set(p.images, at * PIXELS);
      for (const l of p.labels) this.targets.push(l);
      at += p.labels.length;
    }
    this.batchTransform = batchedTransform(this.transform as TransformLike<never, unknown> | undefined);
  }

  /**
   * The batch files: extracted ones if all are there (binary, else Python), else from an archive
   * (verified, then extracted): the binary one, or the Python one when only it is on disk.
   */
  private static readBatches(names: readonly string[], options: CIFAR10Options<unknown, unknown>): Uint8Array[] {
    if (options.archive) return CIFAR10.fromArchive(options.archive, names, 'the CIFAR-10 archive');
    const source = options.source ?? getDefaultFileSource('CIFAR10');
    const where = { root: options.root };
    if (!source.readRemote || !source.readExtracted) throw new Error('CIFAR10: this file source cannot read data set files; pass { files } or { archive }');
    const extracted = names.map((n) => source.readExtracted!(`${FOLDER}/${n}`, where));
    if (extracted.every((b) => b !== undefined)) return extracted as Uint8Array[];
    const extractedPy = names.map((n) => source.readExtracted!(`${PY_FOLDER}/${pyName(n)}`, where));
    if (extractedPy.every((b) => b !== undefined)) return extractedPy as Uint8Array[];
    const onDisk = (f: RemoteFile) => source.hasRemote?.(f, where) ?? false;
    const file = !onDisk(CIFAR10.archive) && onDisk(CIFAR10.pythonArchive) ? CIFAR10.pythonArchive : CIFAR10.archive;
    let archive: Uint8Array;
    try {
      archive = source.readRemote(file, where);
    } catch (e) {
      const at = (path: string) => source.resolvePath?.(path, where) ?? path;
      const missing = names.filter((_, i) => extracted[i] === undefined).join(', ');
      const message =
        `CIFAR10: ${(e as Error).message}\n  (Or put the extracted batch files in ${at(FOLDER)}, missing there: ${missing}; or torchvision's ` +
        `${at(CIFAR10.pythonArchive.path)} or its ${at(PY_FOLDER)}.) Download with await CIFAR10.create({ download: true }).`;
      if (onDisk(file)) throw new Error(message);
      const lookedIn = [at(file.path), at(FOLDER), at(PY_FOLDER), at(CIFAR10.pythonArchive.path)];
      throw new MissingDataError(message, 'CIFAR10', file.path, lookedIn, file.urls, file.md5 ?? '');
    }
    const all = [...CIFAR10.trainList, ...CIFAR10.testList];
    const members = CIFAR10.fromArchive(archive, all, file.path);
    // Keep the members, so the next construction skips the 170 MB gunzip.
    if (source.writeExtracted) {
      all.forEach((n, i) => source.writeExtracted!(isPickle(members[i]) ? `${PY_FOLDER}/${pyName(n)}` : `${FOLDER}/${n}`, members[i], where));
    }
    return names.map((n) => members[all.indexOf(n)]);
  }

  /** The named members of the archive (gzipped or not; binary `x.bin` or Python `x`), in the order asked. */
  static fromArchive(archive: Uint8Array, names: readonly string[], label: string): Uint8Array[] {
    const gz = archive[0] === 0x1f && archive[1] === 0x8b;
    let tar: Uint8Array;
    try {
      tar = gz ? gunzipSync(archive) : archive;
    } catch (e) {
      throw new Error(`${label}: cannot gunzip: ${(e as Error).message}`);
    }
    const members = new Map(readTar(tar, label).map((e) => [e.name.split('/').slice(-2).join('/'), e.data]));
    return names.map((n) => {
      const data = members.get(`${FOLDER}/${n}`) ?? members.get(`${PY_FOLDER}/${pyName(n)}`);
      if (!data) throw new Error(`${label}: no member ${FOLDER}/${n} (binary version) or ${PY_FOLDER}/${pyName(n)} (Python version) in the archive`);
      return data;
    });
  }

  /**
   * torchvision's CIFAR10(root, train, download=True): with `download`, fetch the archive unless
   * the batch files or a verified archive are on disk, extract the batches, then construct.
   */
  static async create<I = Image, L = number>(options: CIFAR10Options<I, L> = {}): Promise<CIFAR10<I, L>> {
    if (options.download && !options.files && !options.archive) {
      const source = options.source ?? getDefaultFileSource('CIFAR10');
      const where = { root: options.root };
      const names = [...CIFAR10.trainList, ...CIFAR10.testList];
      const extracted = (folder: string, name: (n: string) => string) =>
        source.readExtracted ? names.every((n) => source.readExtracted!(`${folder}/${name(n)}`, where) !== undefined) : false;
      const have = extracted(FOLDER, (n) => n) || extracted(PY_FOLDER, pyName) || (source.hasRemote?.(CIFAR10.pythonArchive, where) ?? false);
      if (!have) {
        if (!source.fetchRemote) throw new Error('CIFAR10: this file source cannot download');
        await source.fetchRemote(CIFAR10.archive, where);
      }
    }
    return new CIFAR10(options);
  }

  get classes(): readonly string[] {
    return CIFAR10.classNames;
  }

  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  get length(): number {
    return this.targets.length;
  }

  /** torchvision's `data.shape`: (N, 32, 32, 3). */
  get shape(): [number, number, number, number] {
    return [this.length, SIDE, SIDE, 3];
  }

  getItem(index: number): [I, L] {
    const i = this.checkIndex(index);
    const img = new Image(this.data.slice(i * PIXELS, (i + 1) * PIXELS), SIDE, SIDE, 3);
    const image = this.transform ? applyTransform(this.transform, img) : (img as unknown as I);
    const t = this.targets[i];
    return [image, this.targetTransform ? applyTransform(this.targetTransform, t) : (t as unknown as L)];
  }

  /** The DataLoader's fast path (see MNIST.getBatch): one ImageBatch through a batchable transform. */
  override getBatch(indices: readonly number[]): Collated<[I, L]> | undefined {
    if (!this.batchTransform) return undefined;
    const pixels = new Uint8Array(indices.length * PIXELS);
    const idx = indices.map((i) => this.checkIndex(i));
    idx.forEach((i, k) => pixels.set(this.data.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS));
    const images = this.batchTransform(new ImageBatch(pixels, indices.length, SIDE, SIDE, 3));
    const tt = this.targetTransform;
    const labels = idx.map((i) => (tt ? applyTransform(tt, this.targets[i]) : this.targets[i]));
    return [images, defaultCollate(labels)] as Collated<[I, L]>;
  }

  /** The labels as an int64 tensor. */
  targetsTensor(): Tensor {
    return wrap(Float64Array.from(this.targets), [this.length], 'int64');
  }

  private checkIndex(index: number): number {
    const n = this.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`index ${index} is out of bounds for CIFAR10 of length ${n}`);
    return i;
  }

  override toString(): string {
    const lines = ['Dataset CIFAR10', `    Number of datapoints: ${this.length}`];
    if (this.root !== undefined) lines.push(`    Root location: ${this.root}`);
    lines.push(`    Split: ${this.train ? 'Train' : 'Test'}`);
    return lines.join('\n');
  }
}
