// torchvision.datasets.CIFAR10, read from the binary version of the data set
// (cifar-10-binary.tar.gz, https://www.cs.toronto.edu/~kriz/cifar.html): each record is one label
// byte then 3072 pixel bytes, the red plane, the green plane, the blue plane (32 x 32 each).
// torchvision reads the Python (pickle) version; the pixels and labels are the same.
//
// The constructor reads the extracted batch files (`${root}/cifar-10-batches-bin/*.bin`), or the
// archive itself (MD5 checked, gunzipped with fflate, members extracted for next time).
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
import type { FileSource } from './source.js';

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
  /** The bytes of cifar-10-binary.tar.gz (or the .tar), skipping any source and the MD5 check. */
  archive?: Uint8Array;
}

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const RECORD = 1 + PIXELS;
const FOLDER = 'cifar-10-batches-bin';

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
  const plane = SIDE * SIDE;
  for (let k = 0; k < n; k++) {
    const rec = k * RECORD;
    const label = bytes[rec];
    if (label >= classes) throw new Error(`${name}: record ${k} has label ${label}, but CIFAR-10 has ${classes} classes; not a CIFAR-10 batch file`);
    labels[k] = label;
    // Planes (CHW) to pixels (HWC), the layout of torchvision's `data` (N, 32, 32, 3).
    const out = k * PIXELS;
    for (let p = 0; p < plane; p++) {
      images[out + 3 * p] = bytes[rec + 1 + p];
      images[out + 3 * p + 1] = bytes[rec + 1 + plane + p];
      images[out + 3 * p + 2] = bytes[rec + 1 + 2 * plane + p];
    }
  }
  return { images, labels };
}

export class CIFAR10<I = Image, L = number> extends Dataset<[I, L]> {
  /** The binary archive as the CIFAR page publishes it (MD5 from https://www.cs.toronto.edu/~kriz/cifar.html). */
  static readonly archive: RemoteFile = {
    path: 'cifar-10-binary.tar.gz',
    urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  };
  static readonly folder = FOLDER;
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
    const parsed = files.map((bytes, i) => parseCifarBatch(bytes, names[i]));
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

  /** The batch files: extracted ones if all are there, else from the archive (verified, then extracted). */
  private static readBatches(names: readonly string[], options: CIFAR10Options<unknown, unknown>): Uint8Array[] {
    if (options.archive) return CIFAR10.fromArchive(options.archive, names, 'cifar-10-binary.tar.gz');
    const source = options.source ?? getDefaultFileSource('CIFAR10');
    const where = { root: options.root };
    if (!source.readRemote || !source.readExtracted) throw new Error('CIFAR10: this file source cannot read data set files; pass { files } or { archive }');
    const extracted = names.map((n) => source.readExtracted!(`${FOLDER}/${n}`, where));
    if (extracted.every((b) => b !== undefined)) return extracted as Uint8Array[];
    let archive: Uint8Array;
    try {
      archive = source.readRemote(CIFAR10.archive, where);
    } catch (e) {
      const dir = source.resolvePath?.(FOLDER, where) ?? FOLDER;
      const missing = names.filter((_, i) => extracted[i] === undefined).join(', ');
      throw new Error(`CIFAR10: ${(e as Error).message}\n  (Or put the extracted batch files in ${dir}; missing there: ${missing}.) Download with await CIFAR10.create({ download: true }).`);
    }
    const all = CIFAR10.fromArchive(archive, [...CIFAR10.trainList, ...CIFAR10.testList], CIFAR10.archive.path);
    // Keep the members, so the next construction skips the 170 MB gunzip.
    if (source.writeExtracted) [...CIFAR10.trainList, ...CIFAR10.testList].forEach((n, i) => source.writeExtracted!(`${FOLDER}/${n}`, all[i], where));
    return names.map((n) => all[[...CIFAR10.trainList, ...CIFAR10.testList].indexOf(n)]);
  }

  /** The named members of the archive (gzipped or not), in the order asked. */
  static fromArchive(archive: Uint8Array, names: readonly string[], label: string): Uint8Array[] {
    const gz = archive[0] === 0x1f && archive[1] === 0x8b;
    let tar: Uint8Array;
    try {
      tar = gz ? gunzipSync(archive) : archive;
    } catch (e) {
      throw new Error(`${label}: cannot gunzip: ${(e as Error).message}`);
    }
    const members = new Map(readTar(tar, label).map((e) => [e.name.split('/').pop()!, e.data]));
    return names.map((n) => {
      const data = members.get(n);
      if (!data) throw new Error(`${label}: no member ${FOLDER}/${n} in the archive`);
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
      const have = source.readExtracted ? names.every((n) => source.readExtracted!(`${FOLDER}/${n}`, where) !== undefined) : false;
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
