// What the main thread and the GPU worker of the webgpu test bridge say to each other. A call
// names a Backend method and its arguments; every typed array inside them (a View's data) is
// sent once, cut to the span its views reach, and replaced by a reference the worker turns into
// device memory. The walk knows only the shape of a View ({ data, dtype, shape, strides, offset }),
// never the method, so every method of the Backend interface crosses the same way.

import type { DType, TypedArray } from '../../src/tensor/dtype.js';

/** Stands for the call's buffer number `$buffer` inside the encoded arguments. */
export interface BufferRef {
  readonly $buffer: number;
}

/** One typed array of the call, as the worker uploads it: the span [lo, hi] its views read. */
export interface CallBuffer {
  readonly data: TypedArray;
  readonly dtype: DType;
}

export interface Call {
  readonly method: string;
  readonly args: unknown[];
  readonly buffers: CallBuffer[];
  /**
   * The buffer of the first argument's view, read back when the method returns nothing: the
   * Backend interface's in-place methods (assign, fill, scatter, indexAdd, axpy) write their
   * first argument and only it.
   */
  readonly first: number | null;
}

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type Reply =
  | { readonly ok: true; readonly result: unknown; readonly written: TypedArray | null }
  | { readonly ok: false; readonly error: ErrorInfo };

/** A call's typed arrays, with where each one's span starts in the caller's array. */
export interface EncodedCall {
  readonly call: Call;
  /** Per buffer: the caller's array and the index its span starts at (written results go back there). */
  readonly origins: { array: TypedArray; lo: number }[];
}

type ViewLike = { data: TypedArray; dtype: DType; shape: readonly number[]; strides: readonly number[]; offset: number };

export const isTypedArray = (v: unknown): v is TypedArray => ArrayBuffer.isView(v) && !(v instanceof DataView);

const isViewLike = (v: unknown): v is ViewLike =>
  typeof v === 'object' && v !== null && isTypedArray((v as ViewLike).data) && Array.isArray((v as ViewLike).shape);

/** Visit every View inside a value (arrays and plain objects are walked). */
function visitViews(value: unknown, visit: (v: ViewLike) => void): void {
  if (isViewLike(value)) visit(value);
  else if (Array.isArray(value)) for (const x of value) visitViews(x, visit);
  else if (typeof value === 'object' && value !== null && !isTypedArray(value)) for (const x of Object.values(value)) visitViews(x, visit);
}

/** The first and last element a view reads (null for an empty view), whatever the signs of its strides. */
function span(v: ViewLike): [number, number] | null {
  let lo = v.offset;
  let hi = v.offset;
  for (let d = 0; d < v.shape.length; d++) {
    if (v.shape[d] === 0) return null;
    const reach = (v.shape[d] - 1) * v.strides[d];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return [lo, hi];
}

/** True when some View in the arguments, or a dtype argument, is float64. */
export function mentionsFloat64(args: readonly unknown[]): boolean {
  const walk = (v: unknown): boolean => {
    if (v === 'float64') return true;
    if (Array.isArray(v)) return v.some(walk);
    if (typeof v === 'object' && v !== null && !isTypedArray(v)) return Object.values(v).some(walk);
    return false;
  };
  return args.some(walk);
}

/** The call as it crosses to the worker: each typed array once, cut to its views' span, views rebased onto it. */
export function encodeCall(method: string, args: readonly unknown[]): EncodedCall {
  const spans = new Map<TypedArray, { lo: number; hi: number; dtype: DType }>();
  visitViews(args, (v) => {
    const s = span(v);
    const known = spans.get(v.data);
    if (known && known.dtype !== v.dtype) throw new TypeError(`webgpu bridge: one array viewed as ${known.dtype} and ${v.dtype} in ${method}`);
    if (!known) spans.set(v.data, { lo: s ? s[0] : Infinity, hi: s ? s[1] : -Infinity, dtype: v.dtype });
    else if (s) {
      known.lo = Math.min(known.lo, s[0]);
      known.hi = Math.max(known.hi, s[1]);
    }
  });
  const ids = new Map<TypedArray, number>();
  const buffers: CallBuffer[] = [];
  const origins: { array: TypedArray; lo: number }[] = [];
  for (const [array, s] of spans) {
    const lo = s.hi < s.lo ? 0 : s.lo;
    ids.set(array, buffers.length);
    buffers.push({ data: array.slice(lo, Math.max(lo, s.hi + 1)), dtype: s.dtype });
    origins.push({ array, lo });
  }
  const encode = (value: unknown): unknown => {
    if (isViewLike(value)) {
      const id = ids.get(value.data)!;
      const empty = span(value) === null;
      return { ...value, data: { $buffer: id } satisfies BufferRef, offset: empty ? 0 : value.offset - origins[id].lo };
    }
    if (isTypedArray(value)) throw new TypeError(`webgpu bridge: ${method} got a typed array outside a View (no dtype to upload it as)`);
    if (Array.isArray(value)) return value.map(encode);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, encode(x)]));
    return value;
  };
  const encoded = args.map(encode);
  const first = isViewLike(args[0]) ? ids.get(args[0].data)! : null;
  return { call: { method, args: encoded, buffers, first }, origins };
}

/** Replace every BufferRef in encoded arguments by `resolve(id)` (the worker's device memory). */
export function decodeArgs<D>(args: readonly unknown[], resolve: (id: number) => D): unknown[] {
  const decode = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map(decode);
    if ('$buffer' in value) return resolve((value as BufferRef).$buffer);
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, decode(x)]));
  };
  return args.map(decode);
}
