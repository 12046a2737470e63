// In-place ops (add_, mul_, copy_, fill_, x[i] = v ...). Each computes its result out of place,
// writes it into the tensor's storage and bumps the version counter, then rewires autograd:
// the tensor takes the result's history, and a view written in place also rewrites its base's
// history (PyTorch's CopySlices), so gradients see the new values.

import { Node } from '../autograd/node.js';
import { gradientEdge } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { type DType, isFloatingPoint, scalarTypeName } from '../tensor/dtype.js';
import { fmtShape, isContiguous, numel, shapesEqual } from '../tensor/shape.js';
import { Tensor, type IndexItem, type TensorOrScalar } from '../tensor/tensor.js';
import { checkOperands } from './elementwise.js';
import { backendOf, record, wrap } from './function.js';
import { cast, clone, contiguous, expand, expandIfNeeded, reshape } from './movement.js';
import { arange, fullLike, scalarTensor, zerosLike } from './creation.js';
import { index, scatter, scatterAdd } from './indexing.js';
import { sumToShape } from './reduce.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import * as sampling from '../random/sampling.js';

const categoryOf = (d: DType) => (d === 'bool' ? 0 : isFloatingPoint(d) ? 2 : 1);

function checkWritable(x: Tensor): void {
  if (!isGradEnabled()) return;
  if (x.isLeaf && x.requiresGrad) {
    throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  if (x._base && x._base.isLeaf && x._base.requiresGrad) {
    throw new Error('a view of a leaf Variable that requires grad is being used in an in-place operation.');
  }
  for (let d = 0; d < x.ndim; d++) {
    if (x._strides[d] === 0 && x.shape[d] > 1) {
      throw new Error(
        'unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.',
      );
    }
  }
}

/**
 * Write `result` into x (same shape; dtype cast as PyTorch allows) and take over its history.
 * `overwrite` names the node of a write of a constant (x's old history then gets zeros):
 * PyTorch's name for the op that wrote it.
 */
export function inplace<T extends Tensor>(x: T, result: Tensor, options: { anyCast?: boolean; overwrite?: string } = {}): T {
  checkWritable(x);
  if (!shapesEqual(result.shape, x.shape)) {
    throw new RangeError(`output with shape ${fmtShape(x.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`);
  }
  if (!options.anyCast && categoryOf(result.dtype) > categoryOf(x.dtype)) {
    throw new TypeError(`result type ${scalarTypeName[result.dtype]} can't be cast to the desired output type ${scalarTypeName[x.dtype]}`);
  }
  // A device writes a CPU value itself (an upload, as copy_ and the random fills need); a CPU
  // tensor cannot take a device's values synchronously.
  if (!result.isCpu && x.isCpu) result._readable('copy_', 'await src.cpuAsync()');
  const value = result.dtype === x.dtype ? result : cast(result, x.dtype, false);
  const previous = x.requiresGrad ? gradientEdge(x) : null;
  backendOf(x).assign(x._view(), value._view());
  x._storage.version++;
  if (!isGradEnabled()) return x;
  if (x._base && (x._base.requiresGrad || value.requiresGrad)) {
    rebaseView(x, value);
  } else if (value.requiresGrad) {
    x.gradFn = value.gradFn;
  } else if (previous) {
    // Overwritten by a constant: the old history receives zero gradient.
    x.gradFn = new Node(options.overwrite ?? 'CopyBackwards', [previous], (g) => [zerosLike(g)], [], x.dtype);
  }
  return x;
}

/**
 * x.op_(...args): apply `op` and write the result into x. While autograd records, the op reads a
 * copy of x that carries x's history (PyTorch's original_self), so a rule that saved its input
 * (mul_, div_, pow_, abs_, log_) sees the values from before the write.
 */
export function update<T extends Tensor, A extends unknown[]>(x: T, op: (self: Tensor, ...args: A) => Tensor, ...args: A): T {
  const recording = isGradEnabled() && [x, ...args].some((a) => a instanceof Tensor && a.requiresGrad);
  if (!recording) return inplace(x, op(x, ...args));
  checkWritable(x);
  const self = cloneDetached(x);
  self.gradFn = x.gradFn;
  return inplace(x, op(self, ...args));
}

/**
 * x.add_(other, { alpha }) where nothing records and both are float tensors of one shape and
 * dtype with x contiguous (an optimizer's update): one fused pass with the same rounding as the
 * general path (mul, then add), no temporaries. Returns false where the general path must run.
 */
export function addScaled_(x: Tensor, other: TensorOrScalar, alpha: number): boolean {
  if (!(other instanceof Tensor) || other.dtype !== x.dtype || !isFloatingPoint(x.dtype)) return false;
  if (isGradEnabled() && (x.requiresGrad || other.requiresGrad)) return false;
  if (!shapesEqual(x.shape, other.shape) || !isContiguous(x.shape, x._strides)) return false;
  checkWritable(x);
  backendOf(x, other).axpy(x._view(), other._view(), alpha);
  x._storage.version++;
  return true;
}

/** Where x sits inside its (contiguous) base, in the base's element coordinates. */
function regionOf(x: Tensor, base: Tensor): { shape: readonly number[]; strides: readonly number[]; offset: number } {
  if (!isContiguous(base.shape, base._strides)) {
    throw new Error('in-place operation on a view of a non-contiguous base that requires grad is not supported; clone() the base first');
  }
  return { shape: x.shape, strides: x._strides, offset: x._offset - base._offset };
}

/** A view of contiguous `g` with the region's geometry (differentiable: its rule embeds back). */
function takeRegion(g: Tensor, region: ReturnType<typeof regionOf>, baseShape: readonly number[]): Tensor {
  const src = contiguous(g);
  const v = new Tensor(src._storage, region.shape, src.dtype, region.strides, src._offset + region.offset);
  const out = cloneDetached(v);
  return record('AsStridedBackward0', out, [src], [], (gg) => [putRegion(zerosOfShape(baseShape, gg.dtype, gg), region, gg)]);
}

function cloneDetached(v: Tensor): Tensor {
  return wrap(backendOf(v).copy(v._view(), v.dtype), v.shape, v.dtype, backendOf(v));
}

function zerosOfShape(shape: readonly number[], dtype: DType, like: Tensor): Tensor {
  const backend = backendOf(like);
  return wrap(backend.allocate(dtype, numel(shape)), shape, dtype, backend);
}

/** `base` with its region replaced by `value` (a copy), differentiable in both. */
function putRegion(base: Tensor, region: ReturnType<typeof regionOf>, value: Tensor): Tensor {
  const out = cloneDetached(contiguous(base));
  const window = new Tensor(out._storage, region.shape, out.dtype, region.strides, region.offset);
  backendOf(out).assign(window._view(), value._view());
  return record('CopySlices', out, [base, value], [], (g, needs) => [
    needs[0] ? putRegion(g, region, zerosOfShape(region.shape, g.dtype, g)) : null,
    needs[1] ? takeRegion(g, region, base.shape) : null,
  ]);
}

/** After writing into view x, give its base (and x) a history that includes the write. */
function rebaseView(x: Tensor, value: Tensor): void {
  const base = x._base!;
  const region = regionOf(x, base);
  const oldBase = base.requiresGrad ? gradientEdge(base) : null;
  const valueEdge = value.requiresGrad ? gradientEdge(value) : null;
  base.gradFn = new Node('CopySlices', [oldBase, valueEdge], (g) => {
    const gc = contiguous(g);
    return [oldBase ? putRegion(gc, region, zerosOfShape(region.shape, g.dtype, g)) : null, valueEdge ? takeRegion(gc, region, base.shape) : null];
  }, [], base.dtype);
  x.gradFn = new Node('AsStridedBackward0', [base.gradFn], (g) => [putRegion(zerosOfShape(base.shape, g.dtype, g), region, g)], [], x.dtype);
}

/** Tensor.copy_(src): broadcasts src and converts to x's dtype (any conversion is allowed). */
export function copy_<T extends Tensor>(x: T, src: Tensor): T {
  const previous = isGradEnabled() && x.requiresGrad ? gradientEdge(x) : null;
  inplace(x, expandIfNeeded(src, x.shape), { anyCast: true, overwrite: 'CopyBackwards' });
  // PyTorch's CopyBackwards: x's old history gets zeros, src the gradient (summed to its shape).
  // Also the edge to a leaf src, which has no gradFn for x to take over.
  if (isGradEnabled() && src.requiresGrad && !x._base) {
    const edges = [previous, gradientEdge(src)];
    x.gradFn = new Node('CopyBackwards', edges, (g) => [zerosLike(g), sumToShape(g, src.shape).to(src.dtype)], [], x.dtype);
  }
  return x;
}

export function fill_<T extends Tensor>(x: T, value: TensorOrScalar): T {
  checkOperands('fill_', [value]);
  if (value instanceof Tensor) {
    if (value.ndim !== 0) throw new RangeError(`fill_ only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions.`);
    return inplace(x, expandIfNeeded(value, x.shape), { anyCast: true, overwrite: 'FillBackward3' });
  }
  return inplace(x, fullLike(x, Number(value)), { anyCast: true, overwrite: 'FillBackward2' });
}

export function zero_<T extends Tensor>(x: T): T {
  return inplace(x, fullLike(x, 0), { anyCast: true, overwrite: 'ZeroBackward0' });
}

/** PyTorch's node names for a history overwritten by samples. */
const randomFillNames = { uniform: 'UniformBackward0', normal: 'NormalBackward0', bernoulli: 'BernoulliBackward2' } as const;

/** uniform_, normal_, bernoulli_: fill with samples from the generator (PyTorch's streams). */
export function randomFill_<T extends Tensor>(x: T, kind: 'uniform' | 'normal' | 'bernoulli', a: number, b: number, generator?: Generator): T {
  // PyTorch samples uniform and normal values into floating tensors only (bernoulli's 0/1 go anywhere).
  if (kind !== 'bernoulli' && !isFloatingPoint(x.dtype)) {
    const kernel = kind === 'uniform' ? 'check_uniform_bounds' : 'normal_kernel_cpu';
    throw new TypeError(`"${kernel}" not implemented for '${scalarTypeName[x.dtype]}'`);
  }
  const gen = generator ?? defaultGenerator;
  const n = x.numel();
  const out = x.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  if (kind === 'uniform') sampling.uniform(gen, out, a, b);
  else if (kind === 'normal') sampling.normal(gen, out, a, b);
  else sampling.bernoulli(gen, out, a);
  return inplace(x, wrap(out, x.shape, x.dtype === 'float64' ? 'float64' : 'float32'), { anyCast: true, overwrite: randomFillNames[kind] });
}

/** Options of `Tensor.index_put_`: accumulate (default false) adds instead of assigning, repeated indices adding up. */
export interface IndexPutOptions {
  /** Add the values into x (duplicate indices add up) instead of writing them (PyTorch's accumulate). */
  accumulate?: boolean;
}

/**
 * x[items] = value (or += with accumulate). Basic indexing writes through a view; advanced
 * indexing, and every accumulate, scatters into the row-major positions the items select.
 */
export function indexPut_<T extends Tensor>(x: T, items: IndexItem[], value: TensorOrScalar, options: IndexPutOptions = {}): T {
  const advanced = items.some((it) => it instanceof Tensor || Array.isArray(it));
  const v = value instanceof Tensor ? value : scalarTensor(Number(value), x.dtype);
  if (!advanced && !options.accumulate) {
    const target = index(x, items);
    if (target === x) return copy_(x, v);
    copy_(target, v);
    return x;
  }
  const positions = index(reshape(arange(x.numel(), { device: x.device }), x.shape), items);
  const flat = reshape(x, [-1]);
  const src = reshape(contiguous(expand(cast(v, x.dtype, false), positions.shape)), [-1]);
  const put = options.accumulate ? scatterAdd : scatter;
  return inplace(x, reshape(put(flat, 0, reshape(positions, [-1]), src), x.shape));
}

/** torch.index_put: indexPut_ on a copy. */
export function indexPut(x: Tensor, items: IndexItem[], value: TensorOrScalar, options: IndexPutOptions = {}): Tensor {
  return indexPut_(clone(x), items, value, options);
}

/** Tensor.data = other: swap in other's storage and geometry, keeping x's autograd identity. */
export function setData(x: Tensor, other: Tensor): void {
  x._replaceData(other);
}
