// torchvision.transforms that resample or recolour images: Resize, CenterCrop, RandomCrop,
// RandomHorizontalFlip, RandomVerticalFlip, RandomRotation and ColorJitter (brightness, contrast,
// saturation; no hue). They follow torchvision's *tensor* code path (torchvision.transforms.
// functional_tensor, 0.14): bilinear resize without antialiasing, nearest-neighbour rotation, and
// the same random draws in the same order, so a seeded Generator (or manualSeed) picks the same
// crops, flips and factors as PyTorch.
//
// Images are channel-first: a tensor image is (C, H, W) or a batch (..., C, H, W), the layout
// convolutions want (one contiguous plane per channel). An 8-bit Image (HWC bytes, like a PIL
// image) is accepted too and treated as torchvision treats a uint8 tensor: results are rounded
// (resize) or truncated (colour) back to bytes. To *display* a CHW tensor, put the channels last:
// `x.permute(1, 2, 0)` gives (H, W, C), what image libraries and matplotlib's imshow expect.

import { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import type { DType } from '../tensor/dtype.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import { randint, randperm, uniform, uniformFloat } from '../random/sampling.js';
import { Image } from './image.js';

/** What these transforms take and give back: a tensor image (..., C, H, W) or an 8-bit Image. */
export type ImageLike = Tensor | Image;

/** Images as float planes: n images of c channels, each channel h x w, row-major. */
interface Planes {
  data: Float64Array;
  n: number;
  c: number;
  h: number;
  w: number;
}

interface Unpacked {
  planes: Planes;
  /** Integer images clamp to 255 and go back to integers. */
  integer: boolean;
  pack(p: Planes, mode: 'round' | 'trunc'): ImageLike;
}

function unpack(x: ImageLike, what: string): Unpacked {
  if (x instanceof Image) {
    const { height: h, width: w, channels: c } = x;
    const data = new Float64Array(c * h * w);
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) data[ch * h * w + p] = x.data[p * c + ch];
    return {
      planes: { data, n: 1, c, h, w },
      integer: true,
      pack(q, mode) {
        const out = new Uint8Array(q.c * q.h * q.w);
        const plane = q.h * q.w;
        for (let p = 0; p < plane; p++) {
          for (let ch = 0; ch < q.c; ch++) out[p * q.c + ch] = toInteger(q.data[ch * plane + p], mode, 0, 255);
        }
        return new Image(out, q.h, q.w, q.c);
      },
    };
  }
  if (!(x instanceof Tensor)) throw new TypeError(`${what}: img should be a Tensor or an Image. Got ${typeof x}`);
  if (x.ndim < 2) throw new RangeError(`${what}: expected a tensor image of at least 2 dimensions, got shape [${x.shape.join(', ')}]`);
  const shape = x.shape;
  const has3 = x.ndim >= 3;
  const h = shape[x.ndim - 2];
  const w = shape[x.ndim - 1];
  const c = has3 ? shape[x.ndim - 3] : 1;
  const lead = shape.slice(0, Math.max(0, x.ndim - 3));
  const n = lead.reduce((a, b) => a * b, 1);
  const dtype: DType = x.dtype;
  const integer = !x.isFloatingPoint();
  return {
    planes: { data: Float64Array.from(x.contiguous().toTypedArray()), n, c, h, w },
    integer,
    pack(q, mode) {
      const outShape = has3 ? [...lead, q.c, q.h, q.w] : [q.h, q.w];
      if (!integer) {
        const out = dtype === 'float64' ? Float64Array.from(q.data) : Float32Array.from(q.data);
        return wrap(out, outShape, dtype);
      }
      const ints = q.data.map((v) => toInteger(v, mode, -Infinity, Infinity));
      return wrap(dtype === 'int32' ? Int32Array.from(ints) : ints, outShape, dtype);
    },
  };
}

/** torch.round (half to even) or .to(uint8) (truncation), clamped into [lo, hi]. */
function toInteger(v: number, mode: 'round' | 'trunc', lo: number, hi: number): number {
  let r: number;
  if (mode === 'trunc') r = Math.trunc(v);
  else {
    r = Math.round(v);
    if (Math.abs(v % 1) === 0.5 && r % 2 !== 0) r -= 1;
  }
  return Math.min(hi, Math.max(lo, r));
}

function planesLike(p: Planes, h: number, w: number, c = p.c): Planes {
  return { data: new Float64Array(p.n * c * h * w), n: p.n, c, h, w };
}

// ------------------------------------------------------------------------------------ sizes

/** Python's round(): half to even. */
function pyRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision _compute_resized_output_size: an int resizes the smaller edge, keeping the aspect ratio. */
export function resizedSize(h: number, w: number, size: number | readonly number[], maxSize?: number): [number, number] {
  const sizes = typeof size === 'number' ? [size] : size;
  if (sizes.length === 2) {
    if (maxSize !== undefined) throw new RangeError(`maxSize should only be passed if size specifies the length of the smaller edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.`);
    return [sizes[0], sizes[1]];
  }
  if (sizes.length !== 1) throw new RangeError(`size should be an int or a sequence of length 1 or 2, got ${sizes.length} values`);
  const [shortEdge, longEdge] = w <= h ? [w, h] : [h, w];
  let newShort = sizes[0];
  let newLong = Math.trunc((newShort * longEdge) / shortEdge);
  if (maxSize !== undefined) {
    if (maxSize <= newShort) throw new RangeError(`max_size = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${newShort}`);
    if (newLong > maxSize) {
      newShort = Math.trunc((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

function sizePair(size: number | readonly number[], what: string): [number, number] {
  if (typeof size === 'number') return [size, size];
  if (size.length === 1) return [size[0], size[0]];
  if (size.length === 2) return [size[0], size[1]];
  throw new RangeError(`${what}: please provide only two dimensions (h, w) for size.`);
}

// ------------------------------------------------------------------------------------ kernels

/** F.interpolate(mode='bilinear', align_corners=False, antialias=False) on each plane. */
function bilinear(src: Planes, oh: number, ow: number): Planes {
  const out = planesLike(src, oh, ow);
  const { h, w } = src;
  const axis = (inSize: number, outSize: number) => {
    const scale = inSize / outSize;
    const i0 = new Int32Array(outSize);
    const i1 = new Int32Array(outSize);
    const l1 = new Float64Array(outSize);
    for (let d = 0; d < outSize; d++) {
      const real = Math.max(0, scale * (d + 0.5) - 0.5);
      const lo = Math.min(Math.floor(real), inSize - 1);
      i0[d] = lo;
      i1[d] = lo < inSize - 1 ? lo + 1 : lo;
      l1[d] = real - lo;
    }
    return { i0, i1, l1 };
  };
  const ys = axis(h, oh);
  const xs = axis(w, ow);
  for (let p = 0; p < src.n * src.c; p++) {
    const s = p * h * w;
    const o = p * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = s + ys.i0[y] * w;
      const r1 = s + ys.i1[y] * w;
      const wy1 = ys.l1[y];
      const wy0 = 1 - wy1;
      for (let x = 0; x < ow; x++) {
        const wx1 = xs.l1[x];
        const wx0 = 1 - wx1;
        const a = src.data[r0 + xs.i0[x]] * wx0 + src.data[r0 + xs.i1[x]] * wx1;
        const b = src.data[r1 + xs.i0[x]] * wx0 + src.data[r1 + xs.i1[x]] * wx1;
        out.data[o + y * ow + x] = a * wy0 + b * wy1;
      }
    }
  }
  return out;
}

/** How `Pad` and `RandomCrop` fill the border: torchvision's padding_mode. */
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** Source index for a padded coordinate (-1 for the constant fill). */
function padIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : n - 1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * (n - 1);
      let k = ((i % period) + period) % period;
      if (k >= n) k = period - k;
      return k;
    }
    case 'symmetric': {
      const period = 2 * n;
      let k = ((i % period) + period) % period;
      if (k >= n) k = period - 1 - k;
      return k;
    }
    default:
      return mode satisfies never;
  }
}

/** F.pad with [left, top, right, bottom]. */
function pad(src: Planes, [left, top, right, bottom]: readonly number[], fill: number, mode: PaddingMode): Planes {
  const oh = src.h + top + bottom;
  const ow = src.w + left + right;
  const out = planesLike(src, oh, ow);
  for (let p = 0; p < src.n * src.c; p++) {
    for (let y = 0; y < oh; y++) {
      const sy = padIndex(y - top, src.h, mode);
      for (let x = 0; x < ow; x++) {
        const sx = padIndex(x - left, src.w, mode);
        out.data[p * oh * ow + y * ow + x] = sy < 0 || sx < 0 ? fill : src.data[p * src.h * src.w + sy * src.w + sx];
      }
    }
  }
  return out;
}

/** torchvision's padding argument: int, [lr, tb] or [l, t, r, b]. */
function paddingLTRB(padding: number | readonly number[]): number[] {
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (padding.length === 1) return [padding[0], padding[0], padding[0], padding[0]];
  if (padding.length === 2) return [padding[0], padding[1], padding[0], padding[1]];
  if (padding.length === 4) return [...padding];
  throw new RangeError(`Padding must be an int or a 1, 2, or 4 element tuple, not a ${padding.length} element tuple`);
}

function crop(src: Planes, top: number, left: number, h: number, w: number): Planes {
  // torchvision's crop pads with zeros where the box leaves the image.
  const out = planesLike(src, h, w);
  for (let p = 0; p < src.n * src.c; p++) {
    for (let y = 0; y < h; y++) {
      const sy = top + y;
      if (sy < 0 || sy >= src.h) continue;
      for (let x = 0; x < w; x++) {
        const sx = left + x;
        if (sx >= 0 && sx < src.w) out.data[p * h * w + y * w + x] = src.data[p * src.h * src.w + sy * src.w + sx];
      }
    }
  }
  return out;
}

function flip(src: Planes, horizontal: boolean): Planes {
  const out = planesLike(src, src.h, src.w);
  const { h, w } = src;
  for (let p = 0; p < src.n * src.c; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        out.data[p * h * w + y * w + x] = horizontal ? src.data[p * h * w + y * w + (w - 1 - x)] : src.data[p * h * w + (h - 1 - y) * w + x];
      }
    }
  }
  return out;
}

/** torch.rand(1) < p, with the generator (a float32 draw, p as float32). */
function coin(gen: Generator, p: number): boolean {
  return uniformFloat(gen) < Math.fround(p);
}

/** torch.randint(low, high, (1,)).item() */
function drawInt(gen: Generator, low: number, high: number): number {
  const out = new Float64Array(1);
  randint(gen, out, low, high);
  return out[0];
}

/** float(torch.empty(1).uniform_(a, b)): a float32 draw. */
function drawUniform(gen: Generator, a: number, b: number): number {
  const out = new Float32Array(1);
  uniform(gen, out, a, b);
  return out[0];
}

// ------------------------------------------------------------------------------------ transforms

/** torchvision's `InterpolationMode` for `Resize`: bilinear (the default) or nearest. */
export type InterpolationMode = 'bilinear' | 'nearest';

/** transforms.Resize(size): an int matches the smaller edge (aspect kept), [h, w] is exact. */
export class Resize {
  readonly size: number | readonly number[];
  readonly maxSize: number | undefined;

  constructor(size: number | readonly number[], options: { maxSize?: number; interpolation?: 'bilinear' } = {}) {
    if (options.interpolation !== undefined && options.interpolation !== 'bilinear') throw new RangeError('Resize: only bilinear interpolation is implemented');
    this.size = typeof size === 'number' ? size : size.slice();
    this.maxSize = options.maxSize;
  }

  call<T extends ImageLike>(img: T): T {
    const u = unpack(img, 'Resize');
    const [oh, ow] = resizedSize(u.planes.h, u.planes.w, this.size, this.maxSize);
    if (oh === u.planes.h && ow === u.planes.w) return img;
    return u.pack(bilinear(u.planes, oh, ow), 'round') as T;
  }

  toString(): string {
    return `Resize(size=${JSON.stringify(this.size)}, interpolation=bilinear, max_size=${this.maxSize ?? 'None'}, antialias=None)`;
  }
}

/** transforms.CenterCrop(size): the middle (Python's round for odd leftovers); pads with 0 if too small. */
export class CenterCrop {
  readonly size: [number, number];

  constructor(size: number | readonly number[]) {
    this.size = sizePair(size, 'CenterCrop');
  }

  call<T extends ImageLike>(img: T): T {
    const u = unpack(img, 'CenterCrop');
    let p = u.planes;
    const [th, tw] = this.size;
    if (th > p.h || tw > p.w) {
      const ltrb = [tw > p.w ? (tw - p.w) >> 1 : 0, th > p.h ? (th - p.h) >> 1 : 0, tw > p.w ? (tw - p.w + 1) >> 1 : 0, th > p.h ? (th - p.h + 1) >> 1 : 0];
      p = pad(p, ltrb, 0, 'constant');
      if (p.h === th && p.w === tw) return u.pack(p, 'round') as T;
    }
    const top = pyRound((p.h - th) / 2);
    const left = pyRound((p.w - tw) / 2);
    return u.pack(crop(p, top, left, th, tw), 'round') as T;
  }

  toString(): string {
    return `CenterCrop(size=(${this.size.join(', ')}))`;
  }
}

/** Options of `RandomCrop`: padding, padIfNeeded, fill and paddingMode, as torchvision's. */
export interface RandomCropOptions {
  /** Pad first: int, [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | readonly number[];
  /** Pad an image smaller than the crop up to it (both sides, as torchvision). */
  padIfNeeded?: boolean;
  fill?: number;
  paddingMode?: PaddingMode;
  generator?: Generator;
}

/** transforms.RandomCrop(size, padding, pad_if_needed, fill, padding_mode): a crop at a random place. */
export class RandomCrop {
  readonly size: [number, number];
  readonly padding: number[] | undefined;
  readonly padIfNeeded: boolean;
  readonly fill: number;
  readonly paddingMode: PaddingMode;
  readonly generator: Generator | undefined;

  constructor(size: number | readonly number[], options: RandomCropOptions = {}) {
    this.size = sizePair(size, 'RandomCrop');
    this.padding = options.padding === undefined ? undefined : paddingLTRB(options.padding);
    this.padIfNeeded = options.padIfNeeded ?? false;
    this.fill = options.fill ?? 0;
    this.paddingMode = options.paddingMode ?? 'constant';
    this.generator = options.generator;
  }

  call<T extends ImageLike>(img: T): T {
    const u = unpack(img, 'RandomCrop');
    let p = u.planes;
    if (this.padding) p = pad(p, this.padding, this.fill, this.paddingMode);
    const [th, tw] = this.size;
    if (this.padIfNeeded && p.w < tw) p = pad(p, [tw - p.w, 0, tw - p.w, 0], this.fill, this.paddingMode);
    if (this.padIfNeeded && p.h < th) p = pad(p, [0, th - p.h, 0, th - p.h], this.fill, this.paddingMode);
    if (p.h < th || p.w < tw) throw new RangeError(`Required crop size (${th}, ${tw}) is larger than input image size (${p.h}, ${p.w})`);
    if (p.h === th && p.w === tw) return u.pack(p, 'round') as T;
    const gen = this.generator ?? defaultGenerator;
    const i = drawInt(gen, 0, p.h - th + 1);
    const j = drawInt(gen, 0, p.w - tw + 1);
    return u.pack(crop(p, i, j, th, tw), 'round') as T;
  }

  toString(): string {
    return `RandomCrop(size=(${this.size.join(', ')}), padding=${this.padding ? `[${this.padding.join(', ')}]` : 'None'})`;
  }
}

/** The two random flips: mirror with probability p, left-right or top-bottom. */
abstract class RandomFlip {
  // Getters, not fields: the instances keep just p and options, as before.
  protected abstract get name(): string;
  protected abstract get horizontal(): boolean;

  constructor(
    readonly p = 0.5,
    readonly options: { generator?: Generator } = {},
  ) {}

  call<T extends ImageLike>(img: T): T {
    if (!coin(this.options.generator ?? defaultGenerator, this.p)) return img;
    const u = unpack(img, this.name);
    return u.pack(flip(u.planes, this.horizontal), 'round') as T;
  }

  toString(): string {
    return `${this.name}(p=${this.p})`;
  }
}

/** transforms.RandomHorizontalFlip(p): mirror left-right with probability p. */
export class RandomHorizontalFlip extends RandomFlip {
  protected get name() {
    return 'RandomHorizontalFlip';
  }
  protected get horizontal() {
    return true;
  }
}

/** transforms.RandomVerticalFlip(p): mirror top-bottom with probability p. */
export class RandomVerticalFlip extends RandomFlip {
  protected get name() {
    return 'RandomVerticalFlip';
  }
  protected get horizontal() {
    return false;
  }
}

/** A fill colour: one value for every channel, or one per channel (torchvision's `fill`). */
export type Fill = number | readonly number[];

/**
 * For each output pixel of a rotation by `angle` degrees on an h x w image, the index in its plane
 * of the pixel that torchvision's tensor path samples, or -1 where it falls outside. Computed per
 * pixel with the float operations of the tensors it builds, each rounded to the grid's dtype
 * (`round`: Math.fround for float32): _gen_affine_grid's grid (pixel centres times theta's
 * transpose divided by [w/2, h/2], summed as the small CPU bmm does: x term, y term, then the
 * constant 0; PyTorch takes that kernel for h * w <= 66, a BLAS gemm above, whose grid differs in
 * the last bit but picked the same pixels at 28 x 28 and 32 x 32 over 800 angles), then grid_sample's
 * nearest pick (mode nearest, zeros, align_corners False) as F.gridSample computes it:
 * (g + 1) * size/2 - 0.5 (the bits of ((g + 1) * size - 1) / 2: halving is exact), rounded half
 * to even, inside [0, size).
 */
function rotationSources(h: number, w: number, angle: number, round: (v: number) => number): Int32Array {
  const rad = -angle * (Math.PI / 180); // math.radians
  // _get_inverse_affine_matrix(center=[0, 0], -angle, translate 0, scale 1, shear 0) in the dtype, transposed and rescaled.
  const cos = round(Math.cos(rad));
  const sin = round(Math.sin(rad));
  const xAlongX = round(cos / (0.5 * w));
  const xAlongY = round(sin / (0.5 * w));
  const yAlongX = round(-sin / (0.5 * h));
  const yAlongY = round(cos / (0.5 * h));
  // The base grid's linspace of pixel centres: whole or half steps, exact in either dtype.
  const xTerms = new Float64Array(2 * w);
  for (let x = 0; x < w; x++) {
    const gx = x - (w - 1) / 2;
    xTerms[2 * x] = round(gx * xAlongX);
    xTerms[2 * x + 1] = round(gx * yAlongX);
  }
  const from = new Int32Array(h * w);
  for (let y = 0; y < h; y++) {
    const gy = y - (h - 1) / 2;
    const xy = round(gy * xAlongY);
    const yy = round(gy * yAlongY);
    for (let x = 0; x < w; x++) {
      const gridX = round(xTerms[2 * x] + xy);
      const gridY = round(xTerms[2 * x + 1] + yy);
      const sx = pyRound(round(round(round(gridX + 1) * (w / 2)) - 0.5));
      const sy = pyRound(round(round(round(gridY + 1) * (h / 2)) - 0.5));
      from[y * w + x] = sx >= 0 && sx < w && sy >= 0 && sy < h ? sy * w + sx : -1;
    }
  }
  return from;
}

/**
 * F.rotate(img, angle) on a tensor: counter-clockwise by `angle` degrees about the centre,
 * nearest neighbour, same size (expand=False), `fill` where the source falls outside. The pixels
 * are those of torchvision's tensor path (_gen_affine_grid in the image's float dtype, float32 for
 * an integer image, then _apply_grid_transform's grid_sample), picked by rotationSources; a fill
 * is cast to that dtype and goes where torchvision's mask channel reads under 0.5: outside.
 */
export function rotate<T extends ImageLike>(img: T, angle: number, options: { fill?: Fill } = {}): T {
  const u = unpack(img, 'rotate');
  const src = u.planes;
  const { n, c, h, w } = src;
  const float64 = img instanceof Tensor && img.dtype === 'float64';
  const round = float64 ? (v: number) => v : Math.fround;
  const fills = options.fill === undefined ? [0] : typeof options.fill === 'number' ? [options.fill] : options.fill;
  if (fills.length !== 1 && fills.length !== c) {
    throw new RangeError(`The number of elements in 'fill' cannot broadcast to match the number of channels of the image (${fills.length} != ${c})`);
  }
  const from = rotationSources(h, w, angle, round);
  const out = planesLike(src, h, w);
  const plane = h * w;
  for (let p = 0; p < n * c; p++) {
    const fill = round(fills.length === 1 ? fills[0] : fills[p % c]);
    const base = p * plane;
    for (let i = 0; i < plane; i++) {
      const k = from[i];
      out.data[base + i] = k >= 0 ? src.data[base + k] : fill;
    }
  }
  return u.pack(out, 'round') as T;
}

/** transforms.RandomRotation(degrees): rotate by an angle drawn uniformly from [-d, d] (or [a, b]). */
export class RandomRotation {
  readonly degrees: [number, number];
  readonly fill: Fill;
  readonly generator: Generator | undefined;

  constructor(degrees: number | readonly [number, number], options: { fill?: Fill; generator?: Generator; interpolation?: 'nearest' } = {}) {
    if (typeof degrees === 'number') {
      if (degrees < 0) throw new RangeError('If degrees is a single number, it must be positive.');
      this.degrees = [-degrees, degrees];
    } else this.degrees = [degrees[0], degrees[1]];
    if (options.interpolation !== undefined && options.interpolation !== 'nearest') throw new RangeError('RandomRotation: only nearest interpolation is implemented');
    this.fill = typeof options.fill === 'object' ? options.fill.slice() : (options.fill ?? 0);
    this.generator = options.generator;
  }

  call<T extends ImageLike>(img: T): T {
    const angle = drawUniform(this.generator ?? defaultGenerator, this.degrees[0], this.degrees[1]);
    return rotate(img, angle, { fill: this.fill });
  }

  toString(): string {
    return `RandomRotation(degrees=[${this.degrees.join(', ')}], interpolation=nearest, expand=False, fill=${typeof this.fill === 'number' ? this.fill : `[${this.fill.join(', ')}]`})`;
  }
}

/** Grayscale of RGB planes: 0.2989 R + 0.587 G + 0.114 B (truncated for integer images). */
function grayscale(p: Planes, k: number, integer: boolean): Float64Array {
  const plane = p.h * p.w;
  const base = k * p.c * plane;
  const out = new Float64Array(plane);
  for (let i = 0; i < plane; i++) {
    const g = f32(0.2989 * p.data[base + i] + 0.587 * p.data[base + plane + i] + 0.114 * p.data[base + 2 * plane + i]);
    out[i] = integer ? Math.trunc(g) : g;
  }
  return out;
}

const f32 = Math.fround;

/** _blend(img1, img2, ratio): ratio * img1 + (1 - ratio) * img2, clamped to [0, bound]. */
function blend(p: Planes, other: (k: number, ch: number, i: number) => number, ratio: number, integer: boolean): Planes {
  const bound = integer ? 255 : 1;
  const out = planesLike(p, p.h, p.w);
  const plane = p.h * p.w;
  for (let k = 0; k < p.n; k++) {
    for (let ch = 0; ch < p.c; ch++) {
      const base = (k * p.c + ch) * plane;
      for (let i = 0; i < plane; i++) {
        const v = f32(f32(ratio * p.data[base + i]) + f32((1 - ratio) * other(k, ch, i)));
        const c = Math.min(bound, Math.max(0, v));
        out.data[base + i] = integer ? Math.trunc(c) : c;
      }
    }
  }
  return out;
}

/** F.adjust_brightness: blend with black. */
function brightness(p: Planes, factor: number, integer: boolean): Planes {
  return blend(p, () => 0, factor, integer);
}

/** F.adjust_contrast: blend with the mean grayscale level of each image. */
function contrast(p: Planes, factor: number, integer: boolean): Planes {
  const means = Array.from({ length: p.n }, (_, k) => {
    const plane = p.h * p.w;
    let sum = 0;
    if (p.c === 3) for (const v of grayscale(p, k, integer)) sum += v;
    else for (let i = 0; i < p.c * plane; i++) sum += p.data[k * p.c * plane + i];
    return f32(sum / (p.c === 3 ? plane : p.c * plane));
  });
  return blend(p, (k) => means[k], factor, integer);
}

/** F.adjust_saturation: blend with the grayscale image (no-op on one channel). */
function saturation(p: Planes, factor: number, integer: boolean): Planes {
  if (p.c === 1) return p;
  const grays = Array.from({ length: p.n }, (_, k) => grayscale(p, k, integer));
  return blend(p, (k, _ch, i) => grays[k][i], factor, integer);
}

type Range = [number, number] | undefined;

function jitterRange(value: number | readonly [number, number] | undefined, name: string): Range {
  if (value === undefined) return undefined;
  let r: [number, number];
  if (typeof value === 'number') {
    if (value < 0) throw new RangeError(`If ${name} is a single number, it must be non negative.`);
    r = [Math.max(0, 1 - value), 1 + value];
  } else r = [value[0], value[1]];
  if (!(r[0] >= 0 && r[0] <= r[1])) throw new RangeError(`${name} values should be between 0 and inf, got [${r.join(', ')}]`);
  return r[0] === 1 && r[1] === 1 ? undefined : r;
}

/**
 * transforms.ColorJitter(brightness, contrast, saturation) without hue: factors drawn uniformly
 * (b in [max(0, 1-b), 1+b], ...), applied in a random order (torch.randperm(4)), each a blend
 * clamped to [0, 1] (float) or [0, 255] (bytes). Apply it before Normalize.
 */
export class ColorJitter {
  readonly brightness: Range;
  readonly contrast: Range;
  readonly saturation: Range;
  readonly generator: Generator | undefined;

  constructor(
    options: {
      brightness?: number | readonly [number, number];
      contrast?: number | readonly [number, number];
      saturation?: number | readonly [number, number];
      generator?: Generator;
    } = {},
  ) {
    this.brightness = jitterRange(options.brightness, 'brightness');
    this.contrast = jitterRange(options.contrast, 'contrast');
    this.saturation = jitterRange(options.saturation, 'saturation');
    this.generator = options.generator;
  }

  /** ColorJitter.get_params: the order and the factors (undefined for a channel left alone). */
  getParams(gen: Generator = this.generator ?? defaultGenerator): { order: number[]; b?: number; c?: number; s?: number } {
    const order = Array.from(randperm(gen, 4));
    const b = this.brightness && drawUniform(gen, this.brightness[0], this.brightness[1]);
    const c = this.contrast && drawUniform(gen, this.contrast[0], this.contrast[1]);
    const s = this.saturation && drawUniform(gen, this.saturation[0], this.saturation[1]);
    return { order, b, c, s };
  }

  call<T extends ImageLike>(img: T): T {
    const { order, b, c, s } = this.getParams();
    const u = unpack(img, 'ColorJitter');
    let p = u.planes;
    if (u.planes.c !== 1 && u.planes.c !== 3) throw new RangeError(`ColorJitter: expected 1 or 3 channels, got ${u.planes.c}`);
    for (const fn of order) {
      if (fn === 0 && b !== undefined) p = brightness(p, b, u.integer);
      else if (fn === 1 && c !== undefined) p = contrast(p, c, u.integer);
      else if (fn === 2 && s !== undefined) p = saturation(p, s, u.integer);
    }
    return u.pack(p, 'trunc') as T;
  }

  toString(): string {
    const r = (x: Range) => (x ? `(${x.join(', ')})` : 'None');
    return `ColorJitter(brightness=${r(this.brightness)}, contrast=${r(this.contrast)}, saturation=${r(this.saturation)}, hue=None)`;
  }
}
