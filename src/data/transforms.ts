// torchvision.transforms: Compose, ToTensor, Normalize, Lambda here; the resampling and random
// ones (Resize, CenterCrop, RandomCrop, flips, RandomRotation, ColorJitter) in augment.ts.
// TypeScript objects are not callable, so a transform is an object with call(x); anywhere a
// transform is accepted a plain function works too (TransformLike).
//
// A transform may also offer callBatch(xs): the same map applied to a whole batch at once
// (images stacked on a new first dim). Datasets use it to build a batch straight from their raw
// buffer; the result must equal stacking call() of each item, bit for bit.

import { Tensor } from '../tensor/tensor.js';
import { getDefaultDtype, type DType } from '../tensor/dtype.js';
import { wrap } from '../ops/function.js';
import { tensor } from '../ops/creation.js';
import { Image, ImageBatch } from './image.js';

export {
  Resize, CenterCrop, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, ColorJitter, rotate, resizedSize,
  type ImageLike, type Fill, type PaddingMode, type RandomCropOptions, type InterpolationMode,
} from './augment.js';

/** A transform: a class with `call(x)`, as torchvision's are callable objects. */
export interface Transform<I = unknown, O = unknown> {
  call(x: I): O;
  /** Optional batched form; see the file comment. */
  callBatch?(xs: unknown): unknown;
}

/** A transform object or a plain function, wherever a transform is taken. */
export type TransformLike<I = unknown, O = unknown> = Transform<I, O> | ((x: I) => O);

/** Apply a transform or a plain function. */
export function applyTransform<I, O>(t: TransformLike<I, O>, x: I): O {
  return typeof t === 'function' ? t(x) : t.call(x);
}

/** The batched form of `t`, if it has one (plain functions and Lambda have none). */
export function batchedTransform(t: TransformLike<never, unknown> | undefined): ((xs: unknown) => unknown) | undefined {
  if (t === undefined || typeof t === 'function' || typeof t.callBatch !== 'function') return undefined;
  return (xs) => t.callBatch!(xs);
}

/** transforms.Compose: apply each transform in turn. */
export class Compose<I = unknown, O = unknown> implements Transform<I, O> {
  readonly transforms: readonly TransformLike<any, any>[];

  constructor(transforms: readonly TransformLike<any, any>[]) {
    this.transforms = transforms.slice();
    // Only a chain whose every step is batchable is batchable.
    if (this.transforms.every((t) => typeof t !== 'function' && typeof t.callBatch === 'function')) {
      this.callBatch = (xs: unknown) => {
        let i = 0;
        let x = xs;
        // ToTensor then Normalize on bytes: one pass through a 256-entry table (same roundings).
        const [first, second] = this.transforms;
        if (first instanceof ToTensor && second instanceof Normalize && xs instanceof ImageBatch) {
          x = first.callBatchNormalized(xs, second);
          i = 2;
        }
        for (; i < this.transforms.length; i++) x = (this.transforms[i] as Transform).callBatch!(x);
        return x;
      };
    }
  }

  callBatch?: (xs: unknown) => unknown;

  call(x: I): O {
    let y: unknown = x;
    for (const t of this.transforms) y = applyTransform(t, y);
    return y as O;
  }

  toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${typeof t === 'function' ? 'Lambda()' : String(t)}\n`).join('')})`;
  }
}

/** An ndarray-like input for ToTensor: a typed array in row-major order with shape [H, W] or [H, W, C]. */
export interface ArrayImage {
  readonly data: Uint8Array | Uint8ClampedArray | Float32Array | Float64Array | Int32Array;
  readonly shape: readonly number[];
}

/** Browser ImageData (RGBA bytes) has this shape. */
interface ImageDataLike {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** What `ToTensor` accepts: an `Image`, an (H, W, C) array image, or a browser `ImageData`. */
export type ToTensorInput = Image | ArrayImage | ImageDataLike;

/**
 * transforms.ToTensor: an 8-bit image (HW or HWC) becomes a float CHW tensor in [0, 1] (the default
 * float dtype, like torchvision). Typed arrays of other kinds keep their values and dtype, as
 * torchvision does for non-uint8 numpy arrays.
 */
export class ToTensor implements Transform<ToTensorInput, Tensor> {
  call(pic: ToTensorInput): Tensor {
    const { data, height, width, channels } = describe(pic);
    const bytes = data instanceof Uint8Array || data instanceof Uint8ClampedArray;
    const dtype: DType = bytes ? getDefaultDtype() : data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : 'int32';
    const out = hwcToChw(data, 1, height, width, channels, dtype, bytes);
    return wrap(out, [channels, height, width], dtype);
  }

  /** ImageBatch (N x H x W x C bytes) -> N x C x H x W tensor. */
  callBatch(xs: unknown): Tensor {
    if (!(xs instanceof ImageBatch)) throw new TypeError('ToTensor.callBatch expects an ImageBatch');
    const dtype = getDefaultDtype();
    const out = hwcToChw(xs.data, xs.count, xs.height, xs.width, xs.channels, dtype, true);
    return wrap(out, [xs.count, xs.channels, xs.height, xs.width], dtype);
  }

  /**
   * callBatch followed by normalize.call, fused: a byte b maps to the value the two steps give
   * it ((b / 255 - mean) / std, rounded after each step as the tensors would be), looked up in a
   * table, so the batch is written once.
   */
  callBatchNormalized(xs: ImageBatch, normalize: Normalize): Tensor {
    const dtype = getDefaultDtype();
    const c = xs.channels;
    const table = this.byteTable(normalize, dtype, c);
    const { count: n, height: h, width: w } = xs;
    const out = dtype === 'float64' ? new Float64Array(n * c * h * w) : new Float32Array(n * c * h * w);
    if (c === 1 && table instanceof Float32Array) lookup32(xs.data, out as Float32Array, table);
    else {
      const plane = h * w;
      for (let k = 0; k < n; k++) {
        const base = k * plane * c;
        for (let p = 0; p < plane; p++) {
          for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = table[ch * 256 + xs.data[base + p * c + ch]];
        }
      }
    }
    return wrap(out, [n, c, h, w], dtype);
  }

  // The last table made: building one runs Normalize on tensors (about 10 µs), once per batch
  // before, 1% of an MNIST MLP step. Mean and std are read-only, so the Normalize names its values.
  private table: { normalize: Normalize; dtype: DType; channels: number; values: Float32Array | Float64Array } | null = null;

  /** Each byte's value after this transform and `normalize`, per channel (256 entries each). */
  private byteTable(normalize: Normalize, dtype: DType, c: number): Float32Array | Float64Array {
    const cached = this.table;
    if (cached && cached.normalize === normalize && cached.dtype === dtype && cached.channels === c) return cached.values;
    const table = dtype === 'float64' ? new Float64Array(256 * c) : new Float32Array(256 * c);
    for (let ch = 0; ch < c; ch++) {
      const probe = table instanceof Float64Array ? new Float64Array(256) : new Float32Array(256);
      for (let b = 0; b < 256; b++) probe[b] = b / 255;
      const mapped = normalize.call(wrap(probe, [1, 1, 256], dtype).expand(c, 1, 256).contiguous()).toTypedArray();
      table.set(mapped.subarray(ch * 256, (ch + 1) * 256), ch * 256);
    }
    this.table = { normalize, dtype, channels: c, values: table };
    return table;
  }

  toString(): string {
    return 'ToTensor()';
  }
}

function describe(pic: ToTensorInput): { data: ArrayImage['data']; height: number; width: number; channels: number } {
  if (pic instanceof Image) return pic;
  if (pic instanceof Tensor || pic === null || typeof pic !== 'object') {
    throw new TypeError(`pic should be an Image or an array image ({ data, shape }). Got ${pic instanceof Tensor ? 'Tensor' : typeof pic}`);
  }
  if ('shape' in pic) {
    if (pic.shape.length !== 2 && pic.shape.length !== 3) {
      throw new RangeError(`pic should be 2/3 dimensional. Got ${pic.shape.length} dimensions.`);
    }
    const [height, width, channels = 1] = pic.shape;
    if (pic.data.length !== height * width * channels) {
      throw new RangeError(`pic has ${pic.data.length} values for shape [${pic.shape.join(', ')}]`);
    }
    return { data: pic.data, height, width, channels };
  }
  if ('width' in pic && 'height' in pic) {
    return { data: pic.data, height: pic.height, width: pic.width, channels: pic.data.length / (pic.width * pic.height) };
  }
  throw new TypeError('pic should be an Image or an array image ({ data, shape })');
}

/** N images HWC -> NCHW in `dtype`; bytes are divided by 255 (exact in float32: one rounding). */
function hwcToChw(src: ArrayImage['data'], n: number, h: number, w: number, c: number, dtype: DType, scale: boolean) {
  const out = dtype === 'float64' ? new Float64Array(n * c * h * w) : dtype === 'int32' ? new Int32Array(n * c * h * w) : new Float32Array(n * c * h * w);
  if (c === 1) {
    if (!scale) out.set(src);
    else if (src instanceof Uint8Array && out instanceof Float32Array) bytesToFloat32(src, out);
    else for (let i = 0; i < out.length; i++) out[i] = src[i] / 255;
    return out;
  }
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const base = k * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < c; ch++) {
        const v = src[base + p * c + ch];
        out[base + ch * plane + p] = scale ? v / 255 : v;
      }
    }
  }
  return out;
}

/**
 * out[i] = table[src[i]], moving the values as their 32-bit patterns (a float load and store
 * would convert each to double and back) and reading the bytes four at a time: 3.6x faster than
 * the plain loop (49 against 174 µs for an MNIST batch of 64), which had been a quarter of an
 * MNIST MLP training step.
 */
function lookup32(src: Uint8Array, out: Float32Array, table: Float32Array): void {
  const bits = new Int32Array(table.buffer, table.byteOffset, table.length);
  const o = new Int32Array(out.buffer, out.byteOffset, out.length);
  let i = 0;
  if (littleEndian && src.byteOffset % 4 === 0) {
    const words = new Uint32Array(src.buffer, src.byteOffset, o.length >> 2);
    for (let k = 0; k < words.length; k++, i += 4) {
      const w = words[k];
      o[i] = bits[w & 255];
      o[i + 1] = bits[(w >>> 8) & 255];
      o[i + 2] = bits[(w >>> 16) & 255];
      o[i + 3] = bits[w >>> 24];
    }
  }
  for (; i < o.length; i++) o[i] = bits[src[i]];
}

/** Whether a Uint32Array's low byte comes first in memory (then word & 255 is the first byte). */
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// The common case (grayscale bytes to float32) in a loop V8 can keep monomorphic.
function bytesToFloat32(src: Uint8Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = src[i] / 255;
}

/**
 * transforms.Normalize(mean, std): (x - mean[c]) / std[c] per channel of a (..., C, H, W) float
 * tensor, computed in the tensor's dtype like torchvision's `tensor.sub_(mean).div_(std)`.
 */
export class Normalize implements Transform<Tensor, Tensor> {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly inplace: boolean;

  constructor(mean: number | readonly number[], std: number | readonly number[], options: { inplace?: boolean } = {}) {
    this.mean = typeof mean === 'number' ? [mean] : mean.slice();
    this.std = typeof std === 'number' ? [std] : std.slice();
    this.inplace = options.inplace ?? false;
  }

  call(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`img should be Tensor Image. Got ${typeof x}`);
    if (!x.isFloatingPoint()) throw new TypeError(`Input tensor should be a float tensor. Got ${x.dtype}.`);
    if (x.ndim < 3) {
      throw new RangeError(`Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = [${x.shape.join(', ')}]`);
    }
    const c = x.shape[x.ndim - 3];
    const mean = this.channelValues(this.mean, c, x.dtype, 'mean');
    const std = this.channelValues(this.std, c, x.dtype, 'std');
    if (std.some((s) => s === 0)) {
      throw new RangeError(`std evaluated to zero after conversion to ${x.dtype}, leading to division by zero.`);
    }
    if (x.requiresGrad || !x.isContiguous() || !x.isCpu) {
      const m = tensor(mean, { dtype: x.dtype }).view(-1, 1, 1);
      const s = tensor(std, { dtype: x.dtype }).view(-1, 1, 1);
      return this.inplace ? x.sub_(m).div_(s) : x.sub(m).div(s);
    }
    // The same two roundings as sub then div, without the intermediate tensor.
    const src = (x._storage.data as Float32Array | Float64Array).subarray(x._offset, x._offset + x.numel()) as Float32Array | Float64Array;
    const out = this.inplace ? src : x.dtype === 'float64' ? new Float64Array(src.length) : new Float32Array(src.length);
    const plane = x.shape[x.ndim - 1] * x.shape[x.ndim - 2];
    for (let base = 0; base < src.length; base += plane * c) {
      for (let ch = 0; ch < c; ch++) {
        const start = base + ch * plane;
        if (src instanceof Float32Array) normalize32(src, out as Float32Array, start, start + plane, mean[ch], std[ch]);
        else normalize64(src, out as Float64Array, start, start + plane, mean[ch], std[ch]);
      }
    }
    if (this.inplace) {
      x._storage.version++;
      return x;
    }
    return wrap(out, x.shape, x.dtype);
  }

  /** A batch of images is a (N, C, H, W) tensor: the same per-channel map. */
  callBatch(xs: unknown): Tensor {
    return this.call(xs as Tensor);
  }

  /** torch.as_tensor(mean, dtype) broadcast over c channels. */
  private channelValues(values: readonly number[], c: number, dtype: DType, what: string): number[] {
    if (values.length !== 1 && values.length !== c) {
      throw new RangeError(`The size of ${what} (${values.length}) must match the number of channels (${c})`);
    }
    const cast = dtype === 'float32' ? Math.fround : (v: number) => v;
    return Array.from({ length: c }, (_, i) => cast(values.length === 1 ? values[0] : values[i]));
  }

  toString(): string {
    return `Normalize(mean=[${this.mean.join(', ')}], std=[${this.std.join(', ')}])`;
  }
}

// Monomorphic inner loops: float32 rounds after the subtraction, as a float32 sub_ would.
function normalize32(src: Float32Array, out: Float32Array, from: number, to: number, m: number, s: number): void {
  for (let i = from; i < to; i++) out[i] = Math.fround(src[i] - m) / s;
}

function normalize64(src: Float64Array, out: Float64Array, from: number, to: number, m: number, s: number): void {
  for (let i = from; i < to; i++) out[i] = (src[i] - m) / s;
}

/** transforms.Lambda: wrap a function as a transform (no batched form). */
export class Lambda<I = unknown, O = unknown> implements Transform<I, O> {
  constructor(readonly lambd: (x: I) => O) {
    if (typeof lambd !== 'function') throw new TypeError(`Argument lambd should be callable, got ${typeof lambd}`);
  }

  call(x: I): O {
    return this.lambd(x);
  }

  toString(): string {
    return 'Lambda()';
  }
}
