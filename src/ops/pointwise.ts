// Elementwise ops that PyTorch has as kernels and dlab composes from its primitives, each one node
// with PyTorch's grad_fn name and backward formula: logaddexp, hypot, xlogy, nan_to_num, logit,
// deg2rad, rad2deg, clamp_min, clamp_max.

import { type DType, isFloatingPoint, scalarTypeName } from '../tensor/dtype.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { asOneNode, record } from './function.js';
import { sumToShape } from './reduce.js';
import { promoteOperands, where } from './elementwise.js';

/** PyTorch's refusal of a float-only kernel on integers or bools: `"logaddexp_cpu" not implemented for 'Long'`. */
export function floatOnly(kernel: string, dtype: DType): void {
  if (!isFloatingPoint(dtype)) throw new TypeError(`"${kernel}_cpu" not implemented for '${scalarTypeName[dtype]}'`);
}

/** `torch.logaddexp(a, b)`: log(exp(a) + exp(b)) without overflow; equal infinities give themselves. */
export function logaddexp(a: Tensor, b: Tensor): Tensor {
  const { tensors: [x, y], dtype } = promoteOperands([a, b]);
  floatOnly('logaddexp', dtype);
  const [xs, ys] = [x.shape, y.shape];
  return asOneNode('LogaddexpBackward0', [x, y], [x, y], (p, q) => {
    const stable = p.maximum(q).add(p.sub(q).abs().neg().exp().log1p());
    return where(p.isinf().logicalAnd(p.eq(q)), p, stable);
  }, (g, needs) => [
    needs[0] ? sumToShape(g.div(y.sub(x).exp().add(1)), xs) : null,
    needs[1] ? sumToShape(g.div(x.sub(y).exp().add(1)), ys) : null,
  ]);
}

/** `torch.hypot(a, b)`: sqrt(a² + b²) without overflow or underflow (as C's hypot; an infinity wins over NaN). */
export function hypot(a: Tensor, b: Tensor): Tensor {
  const { tensors: [x, y], dtype } = promoteOperands([a, b]);
  floatOnly('hypot', dtype);
  const [p, q] = [x.detach(), y.detach()];
  const [ap, aq] = [p.abs(), q.abs()];
  const big = ap.maximum(aq);
  const ratio = ap.minimum(aq).div(big);
  const scaled = where(big.eq(0), 0, big.mul(ratio.square().add(1).sqrt()));
  const r = where(p.isinf().logicalOr(q.isinf()), Infinity, scaled);
  const [xs, ys] = [x.shape, y.shape];
  // PyTorch's HypotBackward0 reads the result it saved: g * a / r, g * b / r.
  return record('HypotBackward0', r, [x, y], [x, y, r], (g, needs) => [
    needs[0] ? sumToShape(g.mul(x).div(r), xs) : null,
    needs[1] ? sumToShape(g.mul(y).div(r), ys) : null,
  ]);
}

/**
 * `torch.xlogy(x, y)`: x * log(y), 0 where x is 0 (unless y is NaN); either may be a number.
 * Integers compute in the default float dtype.
 */
export function xlogy(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const { tensors: [p, q] } = promoteOperands([x, y], 'float');
  // XlogyBackward1 and 2 are PyTorch's overloads with a number for x or for y.
  const name = !(x instanceof Tensor) ? 'XlogyBackward1' : !(y instanceof Tensor) ? 'XlogyBackward2' : 'XlogyBackward0';
  const [ps, qs] = [p.shape, q.shape];
  return asOneNode(name, [p, q], [p, q], (s, t) => where(s.eq(0).logicalAnd(t.isnan().logicalNot()), 0, s.mul(t.log())), (g, needs) => [
    needs[0] ? sumToShape(g.mul(xlogy(p.ne(0), q)), ps) : null,
    needs[1] ? sumToShape(g.mul(p).div(q), qs) : null,
  ]);
}

/** `torch.nan_to_num(x, nan=0.0, posinf=None, neginf=None)`: NaN and infinities replaced (infinities by the dtype's largest finite values by default). */
export function nanToNum(x: Tensor, options: { nan?: number; posinf?: number; neginf?: number } = {}): Tensor {
  if (!isFloatingPoint(x.dtype)) return x.clone();
  const largest = x.dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const { nan = 0, posinf = largest, neginf = -largest } = options;
  return asOneNode('NanToNumBackward0', [x], [x], (t) => where(t.isnan(), nan, where(t.eq(Infinity), posinf, where(t.eq(-Infinity), neginf, t))), (g) => [
    g.mul(x.isfinite()),
  ]);
}

/**
 * `torch.logit(x, eps=None)`: log(x / (1 - x)); with eps, x is clamped to [eps, 1 - eps] first
 * (and the gradient is 0 outside it). Integers compute in the default float dtype.
 */
export function logit(x: Tensor, eps: number | null = null): Tensor {
  const { tensors: [p] } = promoteOperands([x], 'float');
  return asOneNode('LogitBackward0', [p], [p], (t) => {
    const z = eps === null ? t : t.clamp(eps, 1 - eps);
    return z.div(z.neg().add(1)).log();
  }, (g) => {
    const slope = g.div(p.mul(p.neg().add(1)));
    // PyTorch: NaN outside [0, 1] without eps, 0 outside [eps, 1 - eps] with it.
    return [eps === null ? where(p.lt(0).logicalOr(p.gt(1)), NaN, slope) : where(p.lt(eps).logicalOr(p.gt(1 - eps)), 0, slope)];
  });
}

/** x times a constant, one node: deg2rad and rad2deg (integers and bools compute in the default float dtype). */
function scaleBy(name: string, x: Tensor, factor: number): Tensor {
  const { tensors: [p] } = promoteOperands([x], 'float');
  return asOneNode(name, [p], [], (t) => t.mul(factor), (g) => [g.mul(factor)]);
}

/** `torch.deg2rad(x)`: degrees to radians. */
export const deg2rad = (x: Tensor) => scaleBy('Deg2RadBackward0', x, Math.PI / 180);
/** `torch.rad2deg(x)`: radians to degrees. */
export const rad2deg = (x: Tensor) => scaleBy('Rad2DegBackward0', x, 180 / Math.PI);

/** `torch.clamp_min(x, min)`: clamp with a lower bound only; the gradient passes where x >= min. */
export function clampMin(x: Tensor, min: number): Tensor {
  return asOneNode('ClampMinBackward0', [x], [x], (t) => t.clamp(min, null), (g) => [where(x.ge(min), g, 0)]);
}

/** `torch.clamp_max(x, max)`: clamp with an upper bound only; the gradient passes where x <= max. */
export function clampMax(x: Tensor, max: number): Tensor {
  return asOneNode('ClampMaxBackward0', [x], [x], (t) => t.clamp(null, max), (g) => [where(x.le(max), g, 0)]);
}
