// Shapes, strides and broadcasting: pure functions on number arrays.

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue; // the stride of a size-1 dim never matters
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** PyTorch prints sizes as [2, 3]. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** repr(tensor.size()): torch.Size([2, 3]), as PyTorch's messages that print a Size show it. */
export function fmtSize(shape: Shape): string {
  return `torch.Size(${fmtShape(shape)})`;
}

/** Wrap a possibly negative dim into [0, ndim), with PyTorch's error text. */
export function normalizeDim(dim: number, ndim: number): number {
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(
      `Dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Normalize a dim list (or undefined = all dims), sorted and unique. */
export function normalizeDims(dims: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normalizeDim(d, ndim));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw new RangeError(`dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  return out.sort((a, b) => a - b);
}

/** torch.broadcast_shapes, with PyTorch's error message. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const o = ndim - shape.length + i;
      const d = shape[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else {
        throw new RangeError(
          `The size of tensor a (${out[o]}) must match the size of tensor b (${d}) at non-singleton dimension ${o}`,
        );
      }
    }
  }
  return out;
}

/** Strides that read `shape`/`strides` as if expanded to `target` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  }
  return out;
}

/** Resolve a single -1 in a view/reshape size, checking the element count. */
export function inferSize(size: readonly number[], total: number): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < size.length; i++) {
    const d = size[i];
    if (d === -1) {
      if (infer >= 0) throw new RangeError('only one dimension can be inferred');
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`invalid shape dimension ${d}`);
    } else known *= d;
  }
  const out = size.slice();
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new RangeError(`shape '${fmtShape(size)}' is invalid for input of size ${total}`);
    }
    out[infer] = total / known;
  } else if (known !== total) {
    throw new RangeError(`shape '${fmtShape(size)}' is invalid for input of size ${total}`);
  }
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null when impossible
 * (the rule of PyTorch's computeStride: each run of merged dims must be contiguous in memory).
 */
export function viewStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  if (numel(shape) === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides.length > 0 ? strides[strides.length - 1] : 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) {
    // Remaining leading size-1 dims (only possible for all-ones shapes).
    for (; viewD >= 0; viewD--) newStrides[viewD] = 1;
  }
  return newStrides;
}
