// torchvision.utils.make_grid and the byte conversion of save_image: a batch of (C, H, W) images
// laid out in rows of `nrow`, with `padding` pixels of `padValue` between and around them.
// Browser-safe; writing PNG files is save_image.node.ts.

import { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import { Image } from './image.js';

/** Options of `makeGrid` (`torchvision.utils.make_grid`): nrow (default 8), padding (2), normalize, valueRange, padValue. */
export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between images and around the grid (default 2). */
  padding?: number;
  /** Shift to [0, 1] by min and max (of valueRange if given) before laying out. */
  normalize?: boolean;
  valueRange?: readonly [number, number];
  /** With normalize: each image by its own min and max. */
  scaleEach?: boolean;
  /** Value of the padding pixels (default 0). */
  padValue?: number;
}

/** The images of a (B, C, H, W), (C, H, W) or (H, W) tensor as planes of float64. */
function asBatch(x: Tensor): { data: Float64Array; b: number; c: number; h: number; w: number } {
  let shape = x.shape;
  if (x.ndim === 2) shape = [1, 1, ...shape];
  else if (x.ndim === 3) shape = [1, ...shape];
  else if (x.ndim !== 4) throw new RangeError(`make_grid: expected a 2-, 3- or 4-D tensor, got shape [${x.shape.join(', ')}]`);
  const [b, c, h, w] = shape;
  let data = Float64Array.from(x.contiguous().toTypedArray());
  let channels = c;
  if (c === 1) {
    // Single-channel images become RGB (the channel repeated), as torchvision does.
    const rgb = new Float64Array(b * 3 * h * w);
    for (let k = 0; k < b; k++) for (let ch = 0; ch < 3; ch++) rgb.set(data.subarray(k * h * w, (k + 1) * h * w), (k * 3 + ch) * h * w);
    data = rgb;
    channels = 3;
  }
  return { data, b, c: channels, h, w };
}

function normalizeRange(data: Float64Array, from: number, to: number, range: readonly [number, number] | undefined): void {
  let lo = Infinity;
  let hi = -Infinity;
  if (range) [lo, hi] = range;
  else for (let i = from; i < to; i++) {
    lo = Math.min(lo, data[i]);
    hi = Math.max(hi, data[i]);
  }
  const span = Math.max(hi - lo, 1e-5);
  for (let i = from; i < to; i++) data[i] = (Math.min(hi, Math.max(lo, data[i])) - lo) / span;
}

/** make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0). */
export function makeGrid(images: Tensor | readonly Tensor[], options: MakeGridOptions = {}): Tensor {
  const x = images instanceof Tensor ? images : stackImages(images);
  const nrow = options.nrow ?? 8;
  const padding = options.padding ?? 2;
  const padValue = options.padValue ?? 0;
  const { data, b, c, h, w } = asBatch(x);
  const dtype = x.isFloatingPoint() ? x.dtype : 'float32';
  if (options.normalize) {
    const size = c * h * w;
    if (options.scaleEach) for (let k = 0; k < b; k++) normalizeRange(data, k * size, (k + 1) * size, options.valueRange);
    else normalizeRange(data, 0, data.length, options.valueRange);
  }
  if (b === 1) return wrap(dtype === 'float64' ? data : Float32Array.from(data), [c, h, w], dtype);
  const xmaps = Math.min(nrow, b);
  const ymaps = Math.ceil(b / xmaps);
  const cellH = h + padding;
  const cellW = w + padding;
  const gh = cellH * ymaps + padding;
  const gw = cellW * xmaps + padding;
  const grid = new Float64Array(c * gh * gw).fill(padValue);
  for (let k = 0; k < b; k++) {
    const top = Math.floor(k / xmaps) * cellH + padding;
    const left = (k % xmaps) * cellW + padding;
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const src = ((k * c + ch) * h + y) * w;
        grid.set(data.subarray(src, src + w), (ch * gh + top + y) * gw + left);
      }
    }
  }
  return wrap(dtype === 'float64' ? grid : Float32Array.from(grid), [c, gh, gw], dtype);
}

function stackImages(images: readonly Tensor[]): Tensor {
  if (images.length === 0) throw new RangeError('make_grid: no images');
  const [first] = images;
  const parts = images.map((t) => {
    if (t.shape.join() !== first.shape.join()) throw new RangeError(`make_grid: images differ in shape: [${t.shape.join(', ')}] vs [${first.shape.join(', ')}]`);
    return Float64Array.from(t.contiguous().toTypedArray());
  });
  const out = new Float64Array(parts.length * parts[0].length);
  parts.forEach((p, i) => out.set(p, i * p.length));
  const shape = first.ndim === 2 ? [1, ...first.shape] : first.shape;
  return wrap(out, [images.length, ...shape], 'float64');
}

/**
 * save_image's conversion of a (C, H, W) float image in [0, 1] to bytes:
 * `grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(uint8)`, channels last.
 */
export function toImage(x: Tensor): Image {
  const t = x.ndim === 2 ? x.unsqueeze(0) : x;
  if (t.ndim !== 3) throw new RangeError(`toImage: expected a (C, H, W) tensor, got shape [${x.shape.join(', ')}]`);
  const [c, h, w] = t.shape;
  if (c !== 1 && c !== 3 && c !== 4) throw new RangeError(`toImage: expected 1, 3 or 4 channels, got ${c}`);
  const src = t.contiguous().toTypedArray();
  const out = new Uint8Array(c * h * w);
  const plane = h * w;
  const f = t.dtype === 'float32' ? Math.fround : (v: number) => v;
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < c; ch++) {
      const v = f(f(src[ch * plane + p] * 255) + 0.5);
      out[p * c + ch] = Math.trunc(Math.min(255, Math.max(0, v)));
    }
  }
  return new Image(out, h, w, c);
}
