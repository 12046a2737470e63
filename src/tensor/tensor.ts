// The Tensor: a strided window onto a Storage, plus its autograd state. The methods are thin:
// each forwards to the op that defines it under src/ops/, so every op has one definition.

import type { DeviceData, View } from '../backend/backend.js';
import { AccumulateGrad, type Node, type TensorHook } from '../autograd/node.js';
import { runBackward } from '../autograd/engine.js';
import { type DType, type TypedArray, isFloatingPoint, itemSize } from './dtype.js';
import { contiguousStrides, isContiguous, normalizeDim, numel, shapesEqual, type Shape } from './shape.js';
import { Storage } from './storage.js';
import { type Device, deviceOf, parseTo, type ToArg, type ToOptions } from './device.js';
import { formatTensor } from './format.js';
import { pyTypeName } from './python_type.js';
import * as ew from '../ops/elementwise.js';
import * as red from '../ops/reduce.js';
import * as mv from '../ops/movement.js';
import * as idx from '../ops/indexing.js';
import * as la from '../ops/linalg.js';
import * as ip from '../ops/inplace.js';
import * as cr from '../ops/creation.js';
import * as srt from '../ops/sort.js';
import * as dg from '../ops/diagonal.js';
import * as ar from '../ops/arrangement.js';
import * as pw from '../ops/pointwise.js';
import * as cl from '../ops/closeness.js';
import * as se from '../ops/searching.js';
import * as qu from '../ops/quantiles.js';
import * as sc from '../ops/scans.js';
import * as sp from '../ops/splitting.js';
import * as pr from '../ops/products.js';
import * as lu from '../ops/linalg/lu.js';
import * as lap from '../ops/linalg/products.js';
import * as lapi from '../ops/linalg/pinv.js';
import * as lach from '../ops/linalg/cholesky.js';
import * as laexp from '../ops/linalg/matrix_exp.js';

/** A JavaScript number or boolean: a Python scalar. */
export type Scalar = number | boolean;
/** A tensor or a JavaScript number/boolean, wherever PyTorch takes either. */
export type TensorOrScalar = Tensor | Scalar;
/** A dim argument: one dim, several, or all when omitted. */
export type Dims = number | readonly number[];
export interface KeepDim {
  keepdim?: boolean;
}
/** One subscript of `Tensor.index`: an integer, `null` (None), `'...'`, `':'`, a `slice`, an index tensor or an array of indices. */
export type IndexItem = number | null | '...' | ':' | mv.Slice | Tensor | readonly number[];

/**
 * `torch.Tensor`: a strided view over a typed array (no dispose), with a dtype, a shape, autograd fields (requiresGrad, grad, gradFn) and PyTorch's methods in camelCase.
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 *
 * const x = torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
 * console.log(x.shape, x.dtype, String(x.sum(1))); // [ 2, 2 ] float32 tensor([3., 7.])
 * ```
 */
export class Tensor {
  /** @internal */ _storage: Storage;
  readonly shape: readonly number[];
  /** @internal */ readonly _strides: readonly number[];
  /** @internal */ readonly _offset: number;
  readonly dtype: DType;
  /** @internal .grad's value. */
  _grad: Tensor | null = null;
  /**
   * @internal Whether dlab alone has held .grad since backward made it: true from the moment
   * autograd takes a gradient of its own making as .grad until anyone reads or sets .grad
   * (optimizers' own reads go through _grad). Then dropping it (zeroGrad) may reuse its memory.
   */
  _gradPrivate = false;
  /** The accumulated gradient of a leaf (or of a non-leaf after retainGrad). */
  get grad(): Tensor | null {
    this._gradPrivate = false;
    return this._grad;
  }
  set grad(value: Tensor | null) {
    // PyTorch's checks on an assigned .grad (its THPVariable_set_grad).
    if (value != null) {
      if (!(value instanceof Tensor)) throw new TypeError(`assigned grad expected to be a Tensor or None but got grad of type${pyTypeName(value)}`);
      // Devices compared only across backends (js, wasm and native are all the CPU).
      const otherDevice = value._storage.backend !== this._storage.backend && String(value.device) !== String(this.device);
      if (value.dtype !== this.dtype || otherDevice) throw new Error('assigned grad has data of a different type');
      if (!shapesEqual(value.shape, this.shape)) throw new Error('assigned grad has data of a different size');
    }
    value ??= null;
    this._grad = value;
    this._gradPrivate = false;
    // A .grad lives with its tensor, beyond any open torch.scope (zeroGrad disowns it).
    if (value !== null) value._storage.kept = true;
  }
  /**
   * @internal Set .grad to null (zeroGrad's default); a gradient nobody outside dlab has seen
   * gives its memory to a CPU backend's pool (Backend.recycle) for the next step's results.
   */
  _dropGrad(): void {
    const g = this._grad;
    if (g !== null && this._gradPrivate && g._storage.backend.recycle) g._storage.reclaim();
    this.grad = null;
  }
  /** The backward node that produced this tensor; null for leaves. */
  gradFn: Node | null = null;
  /** @internal The tensor whose storage this one views (for in-place checks). */
  _base: Tensor | null = null;
  private leafRequiresGrad = false;
  private accumulator: AccumulateGrad | null = null;

  /** @internal Use dlab.tensor(), zeros(), ... to make tensors. */
  constructor(storage: Storage, shape: Shape, dtype: DType, strides?: Shape, offset = 0) {
    this._storage = storage;
    this.shape = Object.freeze(shape.slice());
    this._strides = Object.freeze((strides ?? contiguousStrides(shape)).slice());
    this._offset = offset;
    this.dtype = dtype;
  }

  // ---------------------------------------------------------------- metadata

  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  numel(): number {
    return numel(this.shape);
  }
  /** Tensor.size(): the shape, or one dim's size. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    return this.shape[normalizeDim(dim, this.ndim)] ?? 1;
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return this._strides.slice();
    return this._strides[normalizeDim(dim, this.ndim)];
  }
  storageOffset(): number {
    return this._offset;
  }
  elementSize(): number {
    return itemSize[this.dtype];
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this._strides);
  }
  isFloatingPoint(): boolean {
    return isFloatingPoint(this.dtype);
  }
  /** The device its storage lives on: device(type='cpu'), or 'webgpu:0' for a tensor on the GPU. */
  get device(): Device {
    return deviceOf(this._storage.backend);
  }
  /** Whether the tensor lives on the CPU (PyTorch's is_cpu). */
  get isCpu(): boolean {
    return this._storage.backend.device === 'cpu';
  }
  /** @internal The version counter of the storage (bumped by in-place writes). */
  get _version(): number {
    return this._storage.version;
  }
  /** @internal Tensor.data = other: take other's storage and geometry, keep this autograd identity. */
  _replaceData(other: Tensor): void {
    const self = this as unknown as { _storage: Storage; shape: readonly number[]; _strides: readonly number[]; _offset: number; dtype: DType };
    self._storage = other._storage;
    // This tensor may outlive any open torch.webgpu.scope (a parameter moved by module.to()).
    other._storage.kept = true;
    self.shape = other.shape;
    self._strides = other._strides;
    self._offset = other._offset;
    self.dtype = other.dtype;
  }
  /** @internal The strided view a backend kernel reads. */
  _view(): View<DeviceData> {
    return { data: this._storage.data, dtype: this.dtype, shape: this.shape, strides: this._strides, offset: this._offset };
  }

  // ---------------------------------------------------------------- autograd state

  get requiresGrad(): boolean {
    return this.leafRequiresGrad || this.gradFn !== null;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) {
      if (!flag) {
        throw new Error(
          'you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a ' +
            'subgraph that doesn\'t require differentiation use var_no_grad = var.detach().',
        );
      }
      return this;
    }
    if (flag && !isFloatingPoint(this.dtype)) {
      throw new TypeError('only Tensors of floating point dtype can require gradients');
    }
    this.leafRequiresGrad = flag;
    return this;
  }
  /** @internal The node that accumulates this leaf's gradient. */
  _accumulator(): AccumulateGrad {
    if (!this.accumulator) this.accumulator = new AccumulateGrad(this);
    return this.accumulator;
  }
  /** Keep `.grad` for a non-leaf tensor during backward. */
  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
    if (this.gradFn) this.gradFn.retainedOutput = this;
  }
  get retainsGrad(): boolean {
    return this.gradFn !== null && this.gradFn.retainedOutput === this;
  }
  /** Register a hook called with this tensor's gradient; it may return a replacement. */
  registerHook(hook: TensorHook): { remove(): void } {
    if (!this.requiresGrad) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
    const hooks = (this.gradFn ?? this._accumulator()).preHooks;
    hooks.push(hook);
    return {
      remove: () => {
        const i = hooks.indexOf(hook);
        if (i >= 0) hooks.splice(i, 1);
      },
    };
  }
  /** Compute the gradient of this tensor w.r.t. the graph leaves. */
  backward(gradient?: Tensor | null, options: { retainGraph?: boolean; createGraph?: boolean; inputs?: readonly Tensor[] } = {}): void {
    runBackward([this], [gradient], options);
  }
  /** A new tensor sharing storage, cut from the graph. */
  detach(): Tensor {
    return mv.alias(this);
  }
  detach_(): this {
    if (this._base && this._base.requiresGrad) {
      throw new Error("Can't detach views in-place. Use detach() instead.");
    }
    this.gradFn = null;
    this.leafRequiresGrad = false;
    return this;
  }
  /** Tensor.data: the same storage without autograd history; assigning swaps the storage. */
  get data(): Tensor {
    return mv.alias(this);
  }
  set data(other: Tensor) {
    ip.setData(this, other);
  }

  // ---------------------------------------------------------------- conversion

  /** All values as a flat array of numbers, in row-major order (CPU tensors; see cpuAsync for a GPU's). */
  _values(): number[] {
    return Array.from(this.toTypedArray());
  }
  /** A contiguous typed array with this tensor's values (a copy); a GPU tensor must be read with `await t.cpuAsync()` first. */
  toTypedArray(): TypedArray {
    this._readable('toTypedArray', 'await t.cpuAsync()');
    return this._storage.backend.copy(this._view(), this.dtype) as TypedArray;
  }
  /** @internal This CPU tensor's values for an op that computes on the CPU outside a backend; on a GPU, "`op` is not implemented on webgpu yet". */
  _host(op: string): TypedArray {
    if (!this.isCpu) this._storage.host(op);
    return this.toTypedArray();
  }
  item(): number {
    this._checkItem();
    this._readable('item', 'await t.itemAsync()');
    return (this._storage.data as TypedArray)[this._offset];
  }
  /** Nested arrays of numbers (booleans for bool tensors), as PyTorch's tolist(). */
  tolist(): unknown {
    this._readable('tolist', 'await t.tolistAsync()');
    return cr.toNested(this, this.toTypedArray());
  }
  toString(): string {
    this._readable('toString', '(await t.cpuAsync()).toString()');
    return this._format(this.toTypedArray());
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.isCpu ? this.toString() : `tensor(<${this.shape.join('x') || 'scalar'} ${this.dtype} on ${String(this.device)}: await t.cpuAsync() to read>)`;
  }
  /**
   * The value of a one-element tensor, on any device: immediate on the CPU, after the GPU's queued
   * work on a GPU (the one await a training loop needs per logged value). No PyTorch counterpart:
   * JavaScript cannot wait for a GPU synchronously.
   */
  async itemAsync(): Promise<number> {
    this._checkItem();
    if (this.isCpu) return this.item();
    return (await this._readAsync())[0];
  }
  /** tolist() on any device (see itemAsync). */
  async tolistAsync(): Promise<unknown> {
    if (this.isCpu) return this.tolist();
    return cr.toNested(this, await this._readAsync());
  }
  /** cpu() on any device: this tensor itself on the CPU, else a CPU copy once the GPU has computed it (see itemAsync). */
  async cpuAsync(): Promise<Tensor> {
    if (this.isCpu) return this;
    return cr.fromHost(await this._readAsync(), this.shape, this.dtype);
  }
  /** @internal The values of a device tensor, contiguous, read back. */
  _readAsync(): Promise<TypedArray> {
    return this._storage.backend.read!(this._view());
  }
  private _checkItem(): void {
    if (this.numel() !== 1) throw new RangeError(`a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
  }
  /** @internal Refuse a synchronous read of a device tensor, saying what to do instead. */
  _readable(method: string, instead: string): void {
    if (this.isCpu) return;
    throw new Error(`${method}(): tensor is on ${String(this.device)}; reading it is asynchronous in JavaScript: use ${instead}`);
  }
  private _format(values: TypedArray): string {
    return formatTensor({
      values,
      shape: this.shape,
      dtype: this.dtype,
      requiresGrad: this.requiresGrad && this.isLeaf,
      gradFn: this.gradFn?.name ?? null,
    });
  }
  /**
   * to(dtype), to(device), to(device, dtype), to(other), to({ dtype, device, copy }): this tensor
   * itself when nothing changes (unless copy), else a converted copy. Moving to a GPU records an
   * upload (synchronous); moving off one is asynchronous: `await t.cpuAsync()`.
   */
  to(...args: [Tensor | ToArg, (ToArg | undefined)?, (ToOptions | undefined)?]): Tensor {
    const { dtype, device, copy } = parseTo(args.map((a) => (a instanceof Tensor ? { dtype: a.dtype, device: a.device } : a)));
    if (device !== undefined) {
      const moved = mv.toDevice(this, device, dtype ?? this.dtype);
      if (moved !== this) return moved;
    }
    return mv.cast(this, dtype ?? this.dtype, copy);
  }
  /** Tensor.cpu(): this tensor on the CPU; a GPU tensor must be read with `await t.cpuAsync()`. */
  cpu(): Tensor {
    this._readable('cpu', 'await t.cpuAsync()');
    return this;
  }
  type(dtype: DType): Tensor {
    return this.to(dtype);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  long(): Tensor {
    return this.to('int64');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  /** @internal ones of the same shape and dtype (the implicit gradient of a scalar output). */
  _onesLike(): Tensor {
    return cr.onesLike(this);
  }

  // ---------------------------------------------------------------- elementwise

  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor { return ew.add(this, other, options); }
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor { return ew.sub(this, other, options); }
  mul(other: TensorOrScalar): Tensor { return ew.mul(this, other); }
  div(other: TensorOrScalar, options?: { roundingMode?: 'trunc' | 'floor' | null }): Tensor { return ew.div(this, other, options); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  remainder(other: TensorOrScalar): Tensor { return ew.remainder(this, other); }
  fmod(other: TensorOrScalar): Tensor { return ew.fmod(this, other); }
  floorDivide(other: TensorOrScalar): Tensor { return ew.floorDivide(this, other); }
  atan2(other: TensorOrScalar): Tensor { return ew.atan2(this, other); }
  maximum(other: TensorOrScalar): Tensor { return ew.maximum(this, other); }
  minimum(other: TensorOrScalar): Tensor { return ew.minimum(this, other); }
  eq(other: TensorOrScalar): Tensor { return ew.eq(this, other); }
  ne(other: TensorOrScalar): Tensor { return ew.ne(this, other); }
  lt(other: TensorOrScalar): Tensor { return ew.lt(this, other); }
  le(other: TensorOrScalar): Tensor { return ew.le(this, other); }
  gt(other: TensorOrScalar): Tensor { return ew.gt(this, other); }
  ge(other: TensorOrScalar): Tensor { return ew.ge(this, other); }
  logicalAnd(other: TensorOrScalar): Tensor { return ew.logicalAnd(this, other); }
  logicalOr(other: TensorOrScalar): Tensor { return ew.logicalOr(this, other); }
  logicalXor(other: TensorOrScalar): Tensor { return ew.logicalXor(this, other); }
  logicalNot(): Tensor { return ew.logicalNot(this); }
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  exp(): Tensor { return ew.exp(this); }
  expm1(): Tensor { return ew.expm1(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  log2(): Tensor { return ew.log2(this); }
  log10(): Tensor { return ew.log10(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  square(): Tensor { return ew.square(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tan(): Tensor { return ew.tan(this); }
  asin(): Tensor { return ew.asin(this); }
  acos(): Tensor { return ew.acos(this); }
  atan(): Tensor { return ew.atan(this); }
  sinh(): Tensor { return ew.sinh(this); }
  cosh(): Tensor { return ew.cosh(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  erf(): Tensor { return ew.erf(this); }
  erfc(): Tensor { return ew.erfc(this); }
  erfinv(): Tensor { return ew.erfinv(this); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(options?: { decimals?: number }): Tensor { return ew.round(this, options); }
  trunc(): Tensor { return ew.trunc(this); }
  frac(): Tensor { return ew.frac(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  isnan(): Tensor { return ew.isnan(this); }
  isinf(): Tensor { return ew.isinf(this); }
  isfinite(): Tensor { return ew.isfinite(this); }
  logaddexp(other: Tensor): Tensor { return pw.logaddexp(this, other); }
  hypot(other: Tensor): Tensor { return pw.hypot(this, other); }
  xlogy(other: TensorOrScalar): Tensor { return pw.xlogy(this, other); }
  nanToNum(options?: { nan?: number; posinf?: number; neginf?: number }): Tensor { return pw.nanToNum(this, options); }
  logit(eps: number | null = null): Tensor { return pw.logit(this, eps); }
  deg2rad(): Tensor { return pw.deg2rad(this); }
  rad2deg(): Tensor { return pw.rad2deg(this); }
  clampMin(min: number): Tensor { return pw.clampMin(this, min); }
  clampMax(max: number): Tensor { return pw.clampMax(this, max); }
  isclose(other: Tensor, options?: cl.CloseOptions): Tensor { return cl.isclose(this, other, options); }
  allclose(other: Tensor, options?: cl.CloseOptions): boolean { return cl.allclose(this, other, options); }
  equal(other: Tensor): boolean { return cl.equal(this, other); }
  nansum(dim?: Dims | null, options?: KeepDim & { dtype?: DType }): Tensor { return red.nansum(this, dim, options); }
  nanmean(dim?: Dims | null, options?: KeepDim): Tensor { return red.nanmean(this, dim, options); }
  countNonzero(dim?: Dims | null): Tensor { return red.countNonzero(this, dim); }
  aminmax(options?: KeepDim & { dim?: number | null }): { min: Tensor; max: Tensor } { return red.aminmax(this, options); }
  addmm(mat1: Tensor, mat2: Tensor, options?: la.AddProductOptions): Tensor { return la.addmm(this, mat1, mat2, options); }
  addmv(mat: Tensor, vec: Tensor, options?: la.AddProductOptions): Tensor { return la.addmv(this, mat, vec, options); }
  baddbmm(batch1: Tensor, batch2: Tensor, options?: la.AddProductOptions): Tensor { return la.baddbmm(this, batch1, batch2, options); }
  clamp(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor { return ew.clamp(this, min, max); }
  clip(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor { return ew.clamp(this, min, max); }
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor { return ew.lerp(this, end, weight); }
  addcmul(t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor { return ew.addcmul(this, t1, t2, options); }
  addcdiv(t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor { return ew.addcdiv(this, t1, t2, options); }

  // ---------------------------------------------------------------- in place (PyTorch's trailing underscore)

  add_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return ip.addScaled_(this, other, options?.alpha ?? 1) ? this : ip.update(this, ew.add, other, options);
  }
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return ip.addScaled_(this, other, -(options?.alpha ?? 1)) ? this : ip.update(this, ew.sub, other, options);
  }
  mul_(other: TensorOrScalar): this { return ip.update(this, ew.mul, other); }
  div_(other: TensorOrScalar, options?: { roundingMode?: 'trunc' | 'floor' | null }): this { return ip.update(this, ew.div, other, options); }
  pow_(exponent: TensorOrScalar): this { return ip.update(this, ew.pow, exponent); }
  neg_(): this { return ip.update(this, ew.neg); }
  abs_(): this { return ip.update(this, ew.abs); }
  exp_(): this { return ip.update(this, ew.exp); }
  log_(): this { return ip.update(this, ew.log); }
  sqrt_(): this { return ip.update(this, ew.sqrt); }
  sigmoid_(): this { return ip.update(this, ew.sigmoid); }
  tanh_(): this { return ip.update(this, ew.tanh); }
  relu_(): this { return ip.update(this, ew.relu); }
  clamp_(min?: TensorOrScalar | null, max?: TensorOrScalar | null): this { return ip.update(this, ew.clamp, min, max); }
  floor_(): this { return ip.update(this, ew.floor); }
  round_(): this { return ip.update(this, ew.round); }
  addcmul_(t1: Tensor, t2: Tensor, options?: { value?: number }): this { return ip.update(this, ew.addcmul, t1, t2, options); }
  addcdiv_(t1: Tensor, t2: Tensor, options?: { value?: number }): this { return ip.update(this, ew.addcdiv, t1, t2, options); }
  lerp_(end: Tensor, weight: TensorOrScalar): this { return ip.update(this, ew.lerp, end, weight); }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this { return ip.update(this, idx.maskedFill, mask, value); }
  copy_(src: Tensor): this { return ip.copy_(this, src); }
  fill_(value: TensorOrScalar): this { return ip.fill_(this, value); }
  zero_(): this { return ip.zero_(this); }
  uniform_(from = 0, to = 1, options?: { generator?: cr.GeneratorLike }): this { return ip.randomFill_(this, 'uniform', from, to, options?.generator); }
  normal_(mean = 0, std = 1, options?: { generator?: cr.GeneratorLike }): this { return ip.randomFill_(this, 'normal', mean, std, options?.generator); }
  bernoulli_(p: number = 0.5, options?: { generator?: cr.GeneratorLike }): this { return ip.randomFill_(this, 'bernoulli', p, 0, options?.generator); }
  scatter_(dim: number, index: Tensor, src: TensorOrScalar): this { return ip.update(this, idx.scatter, dim, index, src); }
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this { return ip.update(this, idx.scatterAdd, dim, index, src); }
  indexAdd_(dim: number, index: Tensor, source: Tensor, options?: { alpha?: number }): this { return ip.update(this, idx.indexAdd, dim, index, source, options); }

  // ---------------------------------------------------------------- reductions

  sum(dim?: Dims | null, options?: KeepDim & { dtype?: DType }): Tensor { return red.sum(this, dim, options); }
  mean(dim?: Dims | null, options?: KeepDim & { dtype?: DType }): Tensor { return red.mean(this, dim, options); }
  prod(dim?: number | null, options?: KeepDim & { dtype?: DType }): Tensor { return red.prod(this, dim, options); }
  amax(dim?: Dims | null, options?: KeepDim): Tensor { return red.amax(this, dim, options); }
  amin(dim?: Dims | null, options?: KeepDim): Tensor { return red.amin(this, dim, options); }
  /** max() of all elements, or max(dim) -> { values, indices }, or max(other) elementwise. */
  max(): Tensor;
  max(dim: number, options?: KeepDim): red.ValuesIndices;
  max(other: Tensor): Tensor;
  max(arg?: number | Tensor, options?: KeepDim): Tensor | red.ValuesIndices { return red.max(this, arg, options); }
  min(): Tensor;
  min(dim: number, options?: KeepDim): red.ValuesIndices;
  min(other: Tensor): Tensor;
  min(arg?: number | Tensor, options?: KeepDim): Tensor | red.ValuesIndices { return red.min(this, arg, options); }
  argmax(dim?: number | null, options?: KeepDim): Tensor { return red.argmax(this, dim, options); }
  argmin(dim?: number | null, options?: KeepDim): Tensor { return red.argmin(this, dim, options); }
  var(dim?: Dims | null, options?: KeepDim & { correction?: number; unbiased?: boolean }): Tensor { return red.variance(this, dim, options); }
  std(dim?: Dims | null, options?: KeepDim & { correction?: number; unbiased?: boolean }): Tensor { return red.std(this, dim, options); }
  logsumexp(dim: Dims, options?: KeepDim): Tensor { return red.logsumexp(this, dim, options); }
  softmax(dim: number, options?: { dtype?: DType }): Tensor { return red.softmax(this, dim, options); }
  logSoftmax(dim: number, options?: { dtype?: DType }): Tensor { return red.logSoftmax(this, dim, options); }
  cumsum(dim: number, options?: { dtype?: DType }): Tensor { return red.cumsum(this, dim, options); }
  cumprod(dim: number, options?: { dtype?: DType }): Tensor { return red.cumprod(this, dim, options); }
  norm(p: number | 'fro' = 2, dim?: Dims | null, options?: KeepDim): Tensor { return red.norm(this, p, dim, options); }
  all(dim?: number | null, options?: KeepDim): Tensor { return red.all(this, dim, options); }
  any(dim?: number | null, options?: KeepDim): Tensor { return red.any(this, dim, options); }
  /** sort(dim = -1, { descending, stable }) -> { values, indices }. */
  sort(dim?: number | srt.SortOptions, options?: srt.SortOptions): red.ValuesIndices { return srt.sort(this, dim, options); }
  argsort(dim?: number | srt.SortOptions, options?: srt.SortOptions): Tensor { return srt.argsort(this, dim, options); }
  msort(): Tensor { return srt.msort(this); }
  topk(k: number, dim?: number | srt.TopkOptions, options?: srt.TopkOptions): red.ValuesIndices { return srt.topk(this, k, dim, options); }
  kthvalue(k: number, dim?: number | srt.KthvalueOptions, options?: srt.KthvalueOptions): red.ValuesIndices { return srt.kthvalue(this, k, dim, options); }

  // ---------------------------------------------------------------- shape and views

  reshape(...shape: number[] | [readonly number[]]): Tensor { return mv.reshape(this, mv.sizeArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return mv.view(this, mv.sizeArgs(shape)); }
  viewAs(other: Tensor): Tensor { return mv.view(this, other.shape); }
  reshapeAs(other: Tensor): Tensor { return mv.reshape(this, other.shape); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return mv.permute(this, mv.sizeArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return mv.transpose(this, dim0, dim1); }
  swapaxes(dim0: number, dim1: number): Tensor { return mv.transpose(this, dim0, dim1); }
  swapdims(dim0: number, dim1: number): Tensor { return mv.transpose(this, dim0, dim1); }
  t(): Tensor { return mv.t(this); }
  movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor { return mv.movedim(this, source, destination); }
  moveaxis(source: number | readonly number[], destination: number | readonly number[]): Tensor { return mv.movedim(this, source, destination); }
  /** Tensor.T / mT: all dims reversed / the last two swapped. */
  get T(): Tensor { return mv.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  get mT(): Tensor { return mv.transpose(this, -2, -1); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return mv.expand(this, mv.sizeArgs(shape)); }
  expandAs(other: Tensor): Tensor { return mv.expand(this, other.shape); }
  broadcastTo(shape: readonly number[]): Tensor { return mv.expand(this, shape); }
  squeeze(dim?: Dims): Tensor { return mv.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return mv.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return mv.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return mv.unflatten(this, dim, sizes); }
  narrow(dim: number, start: number, length: number): Tensor { return mv.narrow(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return mv.select(this, dim, index); }
  /** Python indexing: x.index(0, ':', slice(1, 3), null, '...', indexTensor) is x[0, :, 1:3, None, ..., idx]. */
  index(...items: IndexItem[]): Tensor { return idx.index(this, items); }
  /** x[items] = value (in place); with { accumulate: true }, x[items] += value where duplicates add up. */
  indexPut_(items: IndexItem[], value: TensorOrScalar, options?: ip.IndexPutOptions): this { return ip.indexPut_(this, items, value, options); }
  indexPut(items: IndexItem[], value: TensorOrScalar, options?: ip.IndexPutOptions): Tensor { return ip.indexPut(this, items, value, options); }
  contiguous(): Tensor { return mv.contiguous(this); }
  clone(): Tensor { return mv.clone(this); }
  split(splitSize: number | readonly number[], dim = 0): Tensor[] { return mv.split(this, splitSize, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return mv.chunk(this, chunks, dim); }
  unbind(dim = 0): Tensor[] { return mv.unbind(this, dim); }
  flip(dims: Dims): Tensor { return mv.flip(this, dims); }
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return mv.repeat(this, mv.sizeArgs(sizes)); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor { return ar.roll(this, shifts, dims); }
  tile(dims: readonly number[]): Tensor { return ar.tile(this, dims); }
  ravel(): Tensor { return ar.ravel(this); }
  fliplr(): Tensor { return ar.fliplr(this); }
  flipud(): Tensor { return ar.flipud(this); }
  rot90(k = 1, dims: readonly number[] = [0, 1]): Tensor { return ar.rot90(this, k, dims); }
  diff(n = 1, dim = -1, prepend: Tensor | null = null, append: Tensor | null = null): Tensor { return ar.diff(this, n, dim, prepend, append); }
  cummax(dim: number): red.ValuesIndices { return sc.cummax(this, dim); }
  cummin(dim: number): red.ValuesIndices { return sc.cummin(this, dim); }
  logcumsumexp(dim: number): Tensor { return sc.logcumsumexp(this, dim); }
  tensorSplit(indicesOrSections: sp.SplitSpec, dim = 0): Tensor[] { return sp.tensorSplit(this, indicesOrSections, dim); }
  hsplit(spec: sp.SplitSpec): Tensor[] { return sp.hsplit(this, spec); }
  vsplit(spec: sp.SplitSpec): Tensor[] { return sp.vsplit(this, spec); }
  dsplit(spec: sp.SplitSpec): Tensor[] { return sp.dsplit(this, spec); }
  repeatInterleave(repeats: number | Tensor, dim: number | null = null): Tensor { return sp.repeatInterleave(this, repeats, dim); }
  inner(other: Tensor): Tensor { return pr.inner(this, other); }
  kron(other: Tensor): Tensor { return pr.kron(this, other); }
  cross(other: Tensor, dim?: number | null): Tensor { return pr.cross(this, other, dim); }
  inverse(): Tensor { return lu.inv(this); }
  det(): Tensor { return lu.det(this); }
  logdet(): Tensor { return lu.logdet(this); }
  slogdet(): { sign: Tensor; logabsdet: Tensor } { return lu.slogdet(this); }
  matrixPower(n: number): Tensor { return lap.matrixPower(this, n); }
  pinverse(rcond = 1e-15): Tensor { return lapi.pinverse(this, rcond); }
  choleskySolve(l: Tensor, options?: { upper?: boolean }): Tensor { return lach.choleskySolve(this, l, options); }
  choleskyInverse(options?: { upper?: boolean }): Tensor { return lach.choleskyInverse(this, options); }
  matrixExp(): Tensor { return laexp.matrixExp(this); }
  luSolve(LUData: Tensor, LUPivots: Tensor): Tensor { return lu.deprecatedLuSolve(this, LUData, LUPivots); }
  median(): Tensor;
  median(dim: number, options?: KeepDim): red.ValuesIndices;
  median(dim?: number, options?: KeepDim): Tensor | red.ValuesIndices { return dim === undefined ? qu.median(this) : qu.median(this, dim, options); }
  nanmedian(): Tensor;
  nanmedian(dim: number, options?: KeepDim): red.ValuesIndices;
  nanmedian(dim?: number, options?: KeepDim): Tensor | red.ValuesIndices { return dim === undefined ? qu.nanmedian(this) : qu.nanmedian(this, dim, options); }
  quantile(q: number | Tensor, dim?: number | null, options?: qu.QuantileOptions): Tensor { return qu.quantile(this, q, dim, options); }
  nanquantile(q: number | Tensor, dim?: number | null, options?: qu.QuantileOptions): Tensor { return qu.nanquantile(this, q, dim, options); }
  takeAlongDim(indices: Tensor, dim?: number | null): Tensor { return se.takeAlongDim(this, indices, dim); }
  bincount(options?: { weights?: Tensor | null; minlength?: number }): Tensor { return se.bincount(this, options); }
  unique(options: se.UniqueOptions = {}): Tensor | Tensor[] { return se.unique(this, options); }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor { return dg.diagonal(this, offset, dim1, dim2); }
  diag(diagonal = 0): Tensor { return dg.diag(this, diagonal); }
  diagEmbed(offset = 0, dim1 = -2, dim2 = -1): Tensor { return dg.diagEmbed(this, offset, dim1, dim2); }
  trace(): Tensor { return dg.trace(this); }
  tril(diagonal = 0): Tensor { return idx.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return idx.triu(this, diagonal); }
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor { return idx.scatter(this, dim, index, src); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return idx.scatterAdd(this, dim, index, src); }
  indexSelect(dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); }
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: { alpha?: number }): Tensor { return idx.indexAdd(this, dim, index, source, options); }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor { return idx.maskedFill(this, mask, value); }
  maskedSelect(mask: Tensor): Tensor { return idx.maskedSelect(this, mask); }
  nonzero(): Tensor { return idx.nonzero(this); }

  // ---------------------------------------------------------------- linear algebra

  matmul(other: Tensor): Tensor { return la.matmul(this, other); }
  mm(other: Tensor): Tensor { return la.mm(this, other); }
  bmm(other: Tensor): Tensor { return la.bmm(this, other); }
  mv(vec: Tensor): Tensor { return la.mv(this, vec); }
  dot(other: Tensor): Tensor { return la.dot(this, other); }
  outer(other: Tensor): Tensor { return la.outer(this, other); }
}
