// nn.functional's embedding (nn.Embedding calls it): a differentiable row lookup.

import type { Tensor } from '../../tensor/tensor.js';
import { where } from '../../ops/elementwise.js';
import { tensor } from '../../ops/creation.js';
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
