// nn.functional's embedding and embedding_bag (nn.Embedding and nn.EmbeddingBag call them): a
// differentiable row lookup, and the sums, means or maxima of bags of rows.

import { Tensor } from '../../tensor/tensor.js';
import { fmtSize } from '../../tensor/shape.js';
import { where } from '../../ops/elementwise.js';
import { arange, full, tensor, zeros } from '../../ops/creation.js';
import { cat } from '../../ops/movement.js';
import { noGrad } from '../../autograd/grad_mode.js';

/** Options of `F.embedding`: paddingIdx, maxNorm, normType (default 2), scaleGradByFreq (false). */
export interface EmbeddingOptions {
  /** The row that is a fixed pad: never given a gradient (nn.Embedding also initializes it to zeros). */
  paddingIdx?: number | null;
  /** Rows looked up are renormalized in place to at most this normType-norm. */
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}

// Only the refused dtypes reach these messages: int32 and int64 are the index types.
const torchTypeNames: Partial<Record<string, string>> = { float32: 'Float', float64: 'Double' };
/** How PyTorch's argument checks name a tensor's type: torch.FloatTensor, but CPUBoolType. */
const tensorTypeName = (t: Tensor) => (t.dtype === 'bool' ? 'CPUBoolType' : `torch.${torchTypeNames[t.dtype] ?? t.dtype}Tensor`);
const indexTypes = (t: Tensor, arg: string, fn: string) =>
  `Expected tensor for argument ${arg} 'indices' to have one of the following scalar types: Long, Int; but got ${tensorTypeName(t)} instead (while checking arguments for ${fn})`;

/**
 * `torch.nn.functional.embedding`: Rows of weight looked up by integer indices: out[..., :] = weight[input[...], :]. The row at
 * paddingIdx gets no gradient; scaleGradByFreq divides each row's gradient by how often its index
 * occurs in input; maxNorm first renormalizes (in place, without grad) the rows looked up.
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const { maxNorm = null, normType = 2, scaleGradByFreq = false, sparse = false } = options;
  let paddingIdx = options.paddingIdx ?? null;
  const rows = weight.shape[0];
  if (paddingIdx !== null) {
    if ((paddingIdx > 0 && paddingIdx >= rows) || paddingIdx < -rows) throw new RangeError('Padding_idx must be within num_embeddings');
    if (paddingIdx < 0) paddingIdx += rows;
  }
  if (sparse) throw new Error('embedding: sparse gradients are not supported in dlab (use sparse: false)');
  const isIndex = input.dtype === 'int64' || input.dtype === 'int32';
  // PyTorch's order: maxNorm's renorm checks its arguments first, in its own words; then embedding.
  if (maxNorm !== null) {
    if (weight.ndim !== 2) {
      throw new RangeError(`Expected 2-dimensional tensor, but got ${weight.ndim}-dimensional tensor for argument #1 'self' (while checking arguments for embedding_renorm_)`);
    }
    if (!isIndex) throw new TypeError(indexTypes(input, '#2', 'embedding_renorm_'));
  }
  if (weight.ndim !== 2) throw new RangeError(`'weight' must be 2-D`);
  if (!isIndex) throw new TypeError(indexTypes(input, '#1', 'embedding'));
  const flat = input.reshape([-1]);
  // On a device the ids are not read back (a read waits for the GPU): the range is not checked
  // there, as CUDA checks it only in a device-side assert. maxNorm and scaleGradByFreq need them.
  const onHost = flat.isCpu || maxNorm !== null || scaleGradByFreq;
  const ids = onHost ? flat._host('embedding') : null;
  if (maxNorm !== null) embeddingRenorm_(weight, Array.from(ids!, Number), maxNorm, normType);
  if (ids) for (const i of ids) if (i < 0 || i >= rows) throw new RangeError('index out of range in self');
  let out = weight.indexSelect(0, flat);
  if (paddingIdx !== null) out = where(flat.ne(paddingIdx).unsqueeze(1), out, out.detach());
  if (scaleGradByFreq) {
    const counts = new Map<number, number>();
    for (const i of ids!) counts.set(Number(i), (counts.get(Number(i)) ?? 0) + 1);
    const scale = tensor(Array.from(ids!, (i) => [1 / counts.get(Number(i))!]), { dtype: weight.dtype });
    // Same values (d + 0), gradient scaled by 1/count.
    const d = out.detach();
    out = d.add(out.sub(d).mul(scale));
  }
  return out.reshape([...input.shape, weight.shape[1]]);
}

/** torch.embedding_renorm_: rows whose p-norm exceeds maxNorm are scaled to maxNorm / (norm + 1e-7). */
function embeddingRenorm_(weight: Tensor, ids: number[], maxNorm: number, normType: number): void {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  // PyTorch selects each row in this order: the first id outside [-rows, rows) is refused in
  // select's words, after the rows before it were renormed (a negative id inside renorms row
  // rows + id; the lookup then refuses it).
  noGrad(() => {
    for (const i of sorted) {
      const row = weight.select(0, i);
      const norm = row.norm(normType).item();
      if (norm > maxNorm) row.mul_(maxNorm / (norm + 1e-7));
    }
  });
}

/** Options of `F.embedding_bag`: mode ('mean'), perSampleWeights, includeLastOffset, paddingIdx, maxNorm and normType as F.embedding's. */
export interface EmbeddingBagOptions {
  offsets?: Tensor | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  mode?: 'sum' | 'mean' | 'max';
  sparse?: boolean;
  /** One weight per index, multiplying its row ('sum' mode only). */
  perSampleWeights?: Tensor | null;
  /** offsets has one entry more than there are bags: the end of the last one. */
  includeLastOffset?: boolean;
  /** The index that is left out of every bag (and of a mean's count). */
  paddingIdx?: number | null;
}

/**
 * `torch.nn.functional.embedding_bag(input, weight, offsets=None, ..., mode='mean')`: each bag of
 * indices reduced to one row: the sum, mean or max of its rows of weight. A 1-D input is cut into
 * bags at `offsets`; a 2-D input [B, N] is B bags of N. An empty bag gives zeros. Composed from
 * index_select, index_add and max over a padded table, with the bags read on the host (the offsets
 * and indices of a device tensor cannot be read synchronously).
 */
export function embeddingBag(input: Tensor, weight: Tensor, offsets?: Tensor | null | EmbeddingBagOptions, options?: EmbeddingBagOptions): Tensor {
  const o = offsets instanceof Tensor || offsets === null || offsets === undefined ? (options ?? {}) : offsets;
  let off = offsets instanceof Tensor ? offsets : (o.offsets ?? null);
  const { maxNorm = null, normType = 2, scaleGradByFreq = false, mode = 'mean', sparse = false, includeLastOffset = false } = o;
  let psw = o.perSampleWeights ?? null;
  // torch/nn/functional.py's checks, in its order and words.
  if (psw && (psw.ndim !== input.ndim || psw.shape.some((n, d) => n !== input.shape[d]))) {
    throw new RangeError(`embedding_bag: If per_sample_weights (${fmtSize(psw.shape)}) is not None, then it must have the same shape as the input (${fmtSize(input.shape)})`);
  }
  let flat = input;
  if (input.ndim === 2) {
    if (off) {
      throw new RangeError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences. However, found offsets of type <class 'torch.Tensor'>");
    }
    off = arange(0, input.numel(), input.shape[1], { dtype: input.dtype, device: input.device });
    flat = input.reshape([-1]);
    psw = psw?.reshape([-1]) ?? null;
  } else if (input.ndim === 1) {
    if (!off) throw new RangeError('offsets has to be a 1D Tensor but got None');
    if (off.ndim !== 1) throw new RangeError('offsets has to be a 1D Tensor');
  } else {
    throw new RangeError(`input has to be 1D or 2D Tensor, but got Tensor of dimension ${input.ndim}`);
  }
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') throw new RangeError('mode has to be one of sum, mean or max');
  if (mode === 'max' && scaleGradByFreq) throw new RangeError('max mode does not support scaling the gradient by the frequency');
  if (mode === 'max' && sparse) throw new RangeError('max mode does not support sparse weights');
  if (maxNorm !== null) embedding(flat, weight, { maxNorm, normType });
  if (psw && mode !== 'sum') {
    throw new Error(`embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='${mode}'). Please open a feature request on GitHub.`);
  }
  // ATen's checks.
  if (weight.ndim < 2) throw new RangeError(`Dimension out of range (expected to be in range of [${-weight.ndim}, ${weight.ndim - 1}], but got 1)`);
  if (flat.dtype !== 'int64' && flat.dtype !== 'int32') throw new TypeError(indexTypes(flat, '#1', 'embedding_bag'));
  if (psw && psw.dtype !== weight.dtype) {
    throw new TypeError(
      `Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 'per_sample_weights'; but type ${tensorTypeName(weight)} does not equal ${tensorTypeName(psw)} (while checking arguments for embedding_bag)`,
    );
  }
  if (sparse) throw new Error('embedding_bag: sparse gradients are not supported in dlab (use sparse: false)');
  // PyTorch 1.13's CPU gradient with scale_grad_by_freq divides by counts it does not pin down (an index seen once can get a third): not taken.
  if (scaleGradByFreq) throw new Error('embedding_bag: scale_grad_by_freq is not supported in dlab');
  const rows = weight.shape[0];
  let paddingIdx = o.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (paddingIdx < -rows || paddingIdx >= rows) throw new RangeError(`padding_idx must be within the number of embeddings, ${-rows} through ${rows - 1}, but got ${paddingIdx}`);
    if (paddingIdx < 0) paddingIdx += rows;
  }
  const ids = Array.from(flat._host('embedding_bag'), Number);
  const starts = Array.from(off!._host('embedding_bag'), Number);
  if (starts.length > 0 && starts[0] !== 0) {
    throw new RangeError(`offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got ${starts[0]}`);
  }
  if (starts.length > 0 && starts[starts.length - 1] > ids.length) {
    throw new RangeError(`offsets[-1] can not be greater than input's length ${ids.length} but got offsets[-1] of ${starts[starts.length - 1]}`);
  }
  for (const i of ids) if (i < 0 || i >= rows) throw new RangeError('index out of range in self');
  // The bags' members (positions in input), the padding index left out.
  const bags = includeLastOffset ? Math.max(starts.length - 1, 0) : starts.length;
  const members: number[][] = Array.from({ length: bags }, (_, b) => {
    const end = b + 1 < starts.length ? starts[b + 1] : ids.length;
    const at: number[] = [];
    for (let j = starts[b]; j < end; j++) if (ids[j] !== paddingIdx) at.push(j);
    return at;
  });
  const positions = members.flat();
  const index = (v: number[]) => tensor(v, { dtype: 'int64', device: weight.device });
  let picked = weight.indexSelect(0, index(positions.map((j) => ids[j])));
  if (psw) picked = picked.mul(psw.indexSelect(0, index(positions)).unsqueeze(1));
  const E = weight.shape[1];
  const longest = Math.max(0, ...members.map((m) => m.length));
  if (mode === 'max' && longest > 0) {
    // A [bags, longest, E] table of each bag's rows, -inf past its end; an empty bag's max is 0.
    const table: number[] = [];
    let next = 0;
    for (const m of members) for (let k = 0; k < longest; k++) table.push(k < m.length ? next++ : positions.length);
    const padded = cat([picked, full([1, E], -Infinity, { dtype: weight.dtype, device: weight.device })], 0);
    const max = padded.indexSelect(0, index(table)).view(bags, longest, E).max(1).values;
    return where(index(members.map((m) => m.length)).gt(0).unsqueeze(1), max, 0);
  }
  const bagOf = members.flatMap((m, b) => m.map(() => b));
  const sums = zeros([bags, E], { dtype: weight.dtype, device: weight.device }).indexAdd(0, index(bagOf), picked);
  if (mode !== 'mean') return sums;
  return sums.div(tensor(members.map((m) => [Math.max(m.length, 1)]), { dtype: weight.dtype, device: weight.device }));
}
