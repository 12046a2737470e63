// Comparing whole tensors: torch.isclose, allclose and equal, as PyTorch 1.13 computes them.

import { scalarTypeName, getDefaultDtype } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './movement.js';

/** isclose's tolerances: |a - b| <= atol + |rtol * b|; NaNs equal each other only with equalNan. */
export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/**
 * `torch.isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False)`: elementwise |a - b| <= atol +
 * |rtol * b| (broadcast), where equal values (infinities included) are always close and a
 * non-finite difference never is. a and b must have one dtype.
 */
export function isclose(a: Tensor, b: Tensor, options: CloseOptions = {}): Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
  if (a.dtype !== b.dtype) throw new TypeError(`${scalarTypeName[a.dtype]} did not match ${scalarTypeName[b.dtype]}`);
  if (!(rtol >= 0)) throw new RangeError(`rtol must be greater than or equal to zero, but got ${rtol}`);
  if (!(atol >= 0)) throw new RangeError(`atol must be greater than or equal to zero, but got ${atol}`);
  let close = a.eq(b);
  const floating = a.dtype === 'float32' || a.dtype === 'float64';
  if (equalNan && floating) close = close.logicalOr(a.isnan().logicalAnd(b.isnan()));
  if (rtol === 0 && atol === 0) return close;
  // Booleans subtract in the default float dtype, as PyTorch.
  const [fa, fb] = a.dtype === 'bool' ? [cast(a, getDefaultDtype(), false), cast(b, getDefaultDtype(), false)] : [a, b];
  const allowed = fb.mul(rtol).abs().add(atol);
  const actual = fa.sub(fb).abs();
  return close.logicalOr(actual.isfinite().logicalAnd(actual.le(allowed)));
}

/** `torch.allclose(a, b, ...)`: whether every element is close (isclose's rules), as a boolean. */
export function allclose(a: Tensor, b: Tensor, options: CloseOptions = {}): boolean {
  return Boolean(isclose(a, b, options).all().item());
}

/** `torch.equal(a, b)`: the same shape and equal elements (values compared after type promotion, as PyTorch 1.13). */
export function equal(a: Tensor, b: Tensor): boolean {
  return shapesEqual(a.shape, b.shape) && Boolean(a.eq(b).all().item());
}
