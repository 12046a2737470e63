// torch.multinomial: indices drawn from the rows of a 1-D or 2-D tensor of non-negative weights,
// from the generator as PyTorch 1.13's CPU kernel draws them (random/multinomial.ts), so a seeded
// generator gives PyTorch's indices. Not differentiable (indices), like PyTorch's.

import type { Tensor } from '../tensor/tensor.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import { multinomial as drawRow } from '../random/multinomial.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { tensor } from './creation.js';

/** Options of `torch.multinomial`: replacement (default false) and the generator to draw from. */
export interface MultinomialOptions {
  replacement?: boolean;
  generator?: Generator;
}

/** torch.multinomial(input, numSamples, replacement=False, generator=None): int64, shape [..., numSamples]. */
export function multinomial(input: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  const { replacement = false, generator = defaultGenerator } = options;
  if (input.ndim !== 1 && input.ndim !== 2) throw new RangeError('prob_dist must be 1 or 2 dim');
  if (input.dtype !== 'float32' && input.dtype !== 'float64') throw new TypeError(`multinomial only supports floating-point dtypes for input, got: ${scalarTypeName[input.dtype]}`);
  const n = input.shape[input.ndim - 1];
  const rows = input.ndim === 1 ? 1 : input.shape[0];
  const values = input.contiguous()._host('multinomial') as Float32Array | Float64Array;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) out.push(...drawRow(generator, values.subarray(r * n, (r + 1) * n), numSamples, replacement, input.dtype));
  const result = tensor(out, { dtype: 'int64' });
  return input.ndim === 1 ? result : result.reshape(rows, numSamples);
}
