// What torch.linalg's functions share: PyTorch's checks of their inputs (rank, squareness,
// dtype) in its words (aten/src/ATen/native/LinearAlgebraUtils.h), and the move of a batch of
// matrices to float64 on the host and of the results back into tensors of the input's dtype.
// The factorisations compute on the host as PyTorch's CUDA path syncs for them: a GPU tensor's
// values must be read first (JavaScript cannot wait for a GPU synchronously, so `_host` refuses).

import { arrayFrom, isFloatingPoint, scalarTypeName } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { backendOf, wrap } from '../function.js';

/** `torch.linalg.LinAlgError`: a singular or non-positive-definite input, as PyTorch raises it. */
export class LinAlgError extends Error {
  override name = 'LinAlgError';
}

/** checkIsMatrix: at least 2 dims. */
export function checkIsMatrix(op: string, a: Tensor, argName = 'A'): void {
  if (a.ndim < 2) throw new RangeError(`${op}: The input tensor ${argName} must have at least 2 dimensions.`);
}

/** squareCheckInputs: batches of square matrices. */
export function checkSquare(op: string, a: Tensor, argName = 'A'): void {
  checkIsMatrix(op, a, argName);
  const [rows, cols] = a.shape.slice(-2);
  if (rows !== cols) throw new RangeError(`${op}: ${argName} must be batches of square matrices, but they are ${rows} by ${cols} matrices`);
}

/** checkFloatingOrComplex: integer and bool inputs are refused. */
export function checkFloating(op: string, a: Tensor, argName = 'input'): void {
  if (!isFloatingPoint(a.dtype)) throw new TypeError(`${op}: Expected a floating point or complex tensor as ${argName}. Got ${scalarTypeName[a.dtype]}`);
}

/** A batch of matrices on the host: `count` row-major rows x cols matrices one after another, in float64. */
export interface Matrices {
  readonly batch: readonly number[];
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function readMatrices(a: Tensor, op: string): Matrices {
  const [rows, cols] = a.shape.slice(-2);
  const data = Float64Array.from(a._host(op));
  return { batch: a.shape.slice(0, -2), count: rows * cols === 0 ? numelOf(a.shape.slice(0, -2)) : data.length / (rows * cols), rows, cols, data };
}

const numelOf = (shape: readonly number[]) => shape.reduce((p, s) => p * s, 1);

/** Host values as a tensor of the given shape, in `like`'s dtype and on its (CPU) backend. */
export function fromHost(values: Float64Array, shape: readonly number[], like: Tensor): Tensor {
  return wrap(arrayFrom(like.dtype, values), [...shape], like.dtype, backendOf(like));
}

/**
 * Run `each` on every matrix of a batch. A failure it returns is refused as a LinAlgError under
 * the name `refuseAs`, naming its batch element as PyTorch's _linalg_check_errors does
 * ("(Batch element 1): ...") when the input has batch dims; with `refuseAs` null (the *_ex
 * functions without check_errors) failures are only reported by `each` itself, in info.
 */
export function forEachMatrix(m: Matrices, refuseAs: string | null, each: (offset: number, index: number) => string | null): void {
  const size = m.rows * m.cols;
  for (let b = 0; b < m.count; b++) {
    const failure = each(b * size, b);
    if (failure !== null && refuseAs !== null) {
      const where = m.batch.length > 0 ? `(Batch element ${b}): ` : '';
      throw new LinAlgError(`${refuseAs}: ${where}${failure}`);
    }
  }
}

/** The transpose of a rows x cols row-major block at `offset`, as a new cols x rows array. */
export function transposed(data: Float64Array, offset: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[offset + i * cols + j];
  return out;
}
