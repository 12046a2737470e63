// nn.functional's vision functions (torch/nn/functional.py, aten/src/ATen/native/PadNd.cpp and
// PixelShuffle.cpp): F.pad in every mode, pixel_shuffle, pixel_unshuffle and channel_shuffle, as
// views and copies of the input, so autograd moves the gradient back the same way.

import type { Tensor } from '../../tensor/tensor.js';
import { fmtShape } from '../../tensor/shape.js';
import { pad as constantPad } from '../../ops/movement.js';
import { padNonConstant } from '../../ops/conv.js';

/** F.pad's modes. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** How many (before, after) pairs each non-constant mode takes for an input of each rank (PadNd.cpp). */
const NON_CONSTANT_RANKS: Record<number, readonly number[]> = { 2: [2, 3], 4: [3, 4], 6: [4, 5] };

/**
 * `F.pad(input, pad, mode='constant', value=None)`: `pad` lists (before, after) pairs from the last
 * dim. 'constant' pads any dims with `value` (negative amounts crop); 'reflect', 'replicate' and
 * 'circular' pad the last 1-3 dims of a (batched or unbatched) input and take no value but 0.
 */
export function pad(input: Tensor, padding: readonly number[], mode: PadMode = 'constant', value: number | null = null): Tensor {
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) throw new Error(`Unrecognised padding mode ${mode}`);
  if (padding.length % 2 !== 0) throw new RangeError('Padding length must be divisible by 2');
  if (padding.length > 2 * input.ndim) throw new RangeError('Padding length too large');
  if (mode === 'constant') return constantPad(input, padding, value ?? 0);
  if (value !== null && value !== 0) throw new Error(`Padding mode "${mode}" doesn't take in value argument`);
  if (!NON_CONSTANT_RANKS[padding.length]?.includes(input.ndim)) {
    throw new Error('Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now');
  }
  return padNonConstant(input, padding, mode);
}

/**
 * `F.pixel_shuffle(input, upscale_factor)`: [*, C r^2, H, W] to [*, C, H r, W r], each group of r^2
 * channels becoming an r x r block of pixels.
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
  if (input.ndim < 3) throw new RangeError(`pixel_shuffle expects input to have at least 3 dimensions, but got input with ${input.ndim} dimension(s)`);
  const r = upscaleFactor;
  if (r <= 0) throw new RangeError(`pixel_shuffle expects a positive upscale_factor, but got ${r}`);
  const [c, h, w] = input.shape.slice(-3);
  if (c % (r * r) !== 0) {
    throw new RangeError(`pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=${c} is not divisible by ${r * r}`);
  }
  const batch = input.shape.slice(0, -3);
  const n = batch.length;
  const oc = c / (r * r);
  // [*, oc, r, r, h, w] -> [*, oc, h, r, w, r]
  const split = input.reshape([...batch, oc, r, r, h, w]);
  const order = [...batch.keys(), n, n + 3, n + 1, n + 4, n + 2];
  return split.permute(order).reshape([...batch, oc, h * r, w * r]);
}

/** `F.pixel_unshuffle(input, downscale_factor)`: the inverse of pixel_shuffle, [*, C, H r, W r] to [*, C r^2, H, W]. */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
  if (input.ndim < 3) throw new RangeError(`pixel_unshuffle expects input to have at least 3 dimensions, but got input with ${input.ndim} dimension(s)`);
  const r = downscaleFactor;
  if (r <= 0) throw new RangeError(`pixel_unshuffle expects a positive downscale_factor, but got ${r}`);
  const [c, h, w] = input.shape.slice(-3);
  if (h % r !== 0) throw new RangeError(`pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=${h} is not divisible by ${r}`);
  if (w % r !== 0) throw new RangeError(`pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=${w} is not divisible by ${r}`);
  const batch = input.shape.slice(0, -3);
  const n = batch.length;
  // [*, c, oh, r, ow, r] -> [*, c, r, r, oh, ow]
  const split = input.reshape([...batch, c, h / r, r, w / r, r]);
  const order = [...batch.keys(), n, n + 2, n + 4, n + 1, n + 3];
  return split.permute(order).reshape([...batch, c * r * r, h / r, w / r]);
}

/**
 * `F.channel_shuffle(input, groups)`: [N, g k, *] with its channels reordered group-minor (ShuffleNet):
 * channel i of group j moves to position i g + j.
 */
export function channelShuffle(input: Tensor, groups: number): Tensor {
  if (input.ndim <= 2) throw new RangeError(`channel_shuffle expects input with > 2 dims, but got input with sizes ${fmtShape(input.shape)}`);
  if (groups <= 0) throw new RangeError(`Number of groups to divide channels in must be positive. Value of groups:${groups}`);
  const [n, c, ...rest] = input.shape;
  if (c % groups !== 0) throw new RangeError(`Number of channels must be divisible by groups. Got ${c} channels and ${groups} groups.`);
  return input.reshape([n, groups, c / groups, ...rest]).transpose(1, 2).reshape(input.shape);
}
