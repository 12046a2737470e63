// Data types and PyTorch's type-promotion rules.
//
// int64 is stored in a Float64Array: exact for every integer below 2^53, which covers labels,
// indices and counts, and it keeps integer arithmetic free of BigInt. Ops that must behave like
// integers (division, casts) truncate explicitly.

/** The dtypes: float32 (default), float64, int32, int64 (exact up to 2^53), bool. */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Every `DType`, in promotion order. */
export const dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

const arrayTypes = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: Float64Array,
  bool: Uint8Array,
} as const;

/** Bytes per element as PyTorch counts them (int64 is 8 bytes even though we hold a float64). */
export const itemSize: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 };

export function allocateArray(dtype: DType, size: number): TypedArray {
  const ArrayType = arrayTypes[dtype];
  if (ArrayType === undefined) checkDtype(dtype);
  return new ArrayType(size);
}

/** A dtype that comes from the user: a typo (or one dlab lacks, float16) names itself and the valid ones. */
export function checkDtype(dtype: unknown): asserts dtype is DType {
  if (!(dtypes as readonly unknown[]).includes(dtype)) {
    throw new TypeError(`dlab has no dtype ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)}; valid dtypes: ${dtypes.join(', ')}`);
  }
}

const intRange: Partial<Record<DType, [number, number]>> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63 - 1] };

/** PyTorch refuses a value an integer dtype cannot hold (torch.tensor([2 ** 40], dtype=torch.int32)) instead of wrapping it. */
export function checkFits(values: ArrayLike<number>, dtype: DType): void {
  const range = intRange[dtype];
  if (!range) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < range[0] || v > range[1]) throw new RangeError(`value cannot be converted to type ${dtype} without overflow (got ${v})`);
  }
}

export function arrayFrom(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = allocateArray(dtype, values.length);
  if (dtype === 'int64') {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]) + 0;
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]) !== 0 ? 1 : 0; // NaN is nonzero, so true
  } else {
    out.set(values);
  }
  return out;
}

/** PyTorch's scalar type name, as its messages spell it ('Float', 'Long', ...). */
export const scalarTypeName: Record<DType, string> = { float32: 'Float', float64: 'Double', int32: 'Int', int64: 'Long', bool: 'Bool' };

export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function isIntegral(dtype: DType, includeBool = false): boolean {
  return dtype === 'int32' || dtype === 'int64' || (includeBool && dtype === 'bool');
}

let defaultFloat: DType = 'float32';

/** torch.get_default_dtype */
export function getDefaultDtype(): DType {
  return defaultFloat;
}

/** torch.set_default_dtype: only floating types are allowed, as in PyTorch. */
export function setDefaultDtype(dtype: DType): void {
  if (!isFloatingPoint(dtype)) {
    throw new TypeError(`set_default_dtype: only floating-point types are supported as the default type, got ${dtype}`);
  }
  defaultFloat = dtype;
}

type Category = 0 | 1 | 2; // bool < integer < floating

function category(dtype: DType): Category {
  return dtype === 'bool' ? 0 : isFloatingPoint(dtype) ? 2 : 1;
}

const rank: Record<DType, number> = { bool: 0, int32: 1, int64: 2, float32: 3, float64: 4 };

/** torch.promote_types */
export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

/** The dtype of a JavaScript scalar when it stands alone (torch.tensor(2) is int64, torch.tensor(2.5) float32). */
export function scalarDtype(value: number | boolean): DType {
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int64' : getDefaultDtype();
}

/** An operand as result_type sees it: a dimensioned tensor, a zero-dim tensor, or a wrapped scalar. */
export interface Operand {
  dtype: DType;
  kind: 'tensor' | 'zerodim' | 'scalar';
}

/**
 * torch.result_type: dimensioned tensors decide first; zero-dim tensors and then scalars only
 * raise the result when they belong to a higher category (bool < integer < floating). A float
 * scalar with integer tensors gives the default float dtype, as in PyTorch.
 */
export function resultType(operands: readonly Operand[]): DType {
  const best: Partial<Record<Operand['kind'], DType>> = {};
  for (const op of operands) {
    const prev = best[op.kind];
    best[op.kind] = prev === undefined ? op.dtype : promoteTypes(prev, op.dtype);
  }
  let result: DType | undefined = best.tensor;
  for (const kind of ['zerodim', 'scalar'] as const) {
    const candidate = best[kind];
    if (candidate === undefined) continue;
    if (result === undefined) result = candidate;
    else if (category(candidate) > category(result)) {
      // A wrapped float scalar promotes integers to the default dtype, never to float64.
      result = kind === 'scalar' && category(candidate) === 2 ? getDefaultDtype() : candidate;
    }
  }
  return result ?? getDefaultDtype();
}

/** Cast one JavaScript number to what a tensor of `dtype` would store. */
export function castScalar(value: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(value);
    case 'float64':
      return value;
    case 'int32':
      return value | 0;
    case 'int64':
      return Math.trunc(value) + 0; // + 0: the integer 0, never -0 (Math.trunc(-0.5))
    case 'bool':
      return Number(value) !== 0 ? 1 : 0; // NaN is nonzero, so true, as in PyTorch
    default:
      return dtype satisfies never;
  }
}
