// nn.functional's dropout: elementwise (dropout) and whole channels (dropout1d/2d/3d, which
// nn.Dropout1d-3d call). The masks are drawn as PyTorch's CPU kernels draw them.

import type { Tensor } from '../../tensor/tensor.js';
import { emptyLike, zeros, zerosLike } from '../../ops/creation.js';

/**
 * `torch.nn.functional.dropout`: Zero each element with probability p and scale the rest by 1/(1-p), drawing the mask as
 * PyTorch's CPU kernel does: empty_like(x).bernoulli_(1 - p), divided by 1 - p, times x.
 */
export function dropout(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || !training || input.numel() === 0) return input;
  const mask = p === 1 ? zerosLike(input) : emptyLike(input).bernoulli_(1 - p).div_(1 - p);
  return inplace ? input.mul_(mask) : input.mul(mask);
}

/** Zero whole channels: one Bernoulli(1 - p) draw per (sample, channel), scaled by 1 / (1 - p). Its callers check p. */
function featureDropout(input: Tensor, p: number, training: boolean, inplace: boolean): Tensor {
  if (p === 0 || !training || input.numel() === 0) return input;
  if (input.ndim < 2) throw new RangeError('Feature dropout requires at least 2 dimensions in the input');
  const noiseShape = [input.shape[0], input.shape[1], ...new Array<number>(input.ndim - 2).fill(1)];
  const noise = p === 1 ? zeros([], { dtype: input.dtype, device: input.device }) : zeros(noiseShape, { dtype: input.dtype, device: input.device }).bernoulli_(1 - p).div_(1 - p);
  return inplace ? input.mul_(noise) : input.mul(noise);
}

/** `torch.nn.functional.dropout1d`: Channel dropout for [N, C, L] or unbatched [C, L] input. */
export function dropout1d(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new RangeError(
      `dropout1d: Expected 2D or 3D input, but received a ${input.ndim}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`,
    );
  }
  if (input.ndim === 3) return featureDropout(input, p, training, inplace);
  if (inplace) {
    featureDropout(input.unsqueeze(0), p, training, true);
    return input;
  }
  return featureDropout(input.unsqueeze(0), p, training, false).squeeze(0);
}

/**
 * `torch.nn.functional.dropout2d`: Channel dropout for [N, C, H, W] input. As PyTorch 1.13, a 3-D input is taken as [N, C, L]
 * (PyTorch warns that this will change); other ranks are accepted with a deprecation warning there.
 */
export function dropout2d(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  return featureDropout(input, p, training, inplace);
}

/** `torch.nn.functional.dropout3d`: Channel dropout for [N, C, D, H, W] or unbatched [C, D, H, W] input. */
export function dropout3d(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (input.ndim === 5) return featureDropout(input, p, training, inplace);
  if (inplace) {
    featureDropout(input.unsqueeze(0), p, training, true);
    return input;
  }
  return featureDropout(input.unsqueeze(0), p, training, false).squeeze(0);
}
