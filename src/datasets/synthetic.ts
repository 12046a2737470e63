// d2l.synthetic_data (chapter 3.2): y = Xw + b + noise, X ~ N(0, 1), noise ~ N(0, 0.01). The
// draws are torch.normal's, so after manualSeed(s) (or with a Generator seeded s) X and y are the
// numbers PyTorch gives for the same seed.

import { Tensor } from '../tensor/tensor.js';
import { normal, tensor } from '../ops/creation.js';
import { matmul } from '../ops/linalg.js';
import type { Generator } from '../random/generator.js';

/** Options of `syntheticData`: noise (default 0.01, the std of the label noise) and generator. */
export interface SyntheticOptions {
  generator?: Generator;
  /** Standard deviation of the noise on y (d2l: 0.01). */
  noise?: number;
}

/** [X (numExamples, len(w)), y (numExamples, 1)] with y = X w + b + N(0, noise^2). */
export function syntheticData(w: Tensor | readonly number[], b: number, numExamples: number, options: SyntheticOptions = {}): [Tensor, Tensor] {
  const weights = w instanceof Tensor ? w : tensor(w as number[]);
  if (weights.ndim !== 1) throw new RangeError(`synthetic_data: w must be 1-D, got shape [${weights.shape.join(', ')}]`);
  const { generator } = options;
  const x = normal(0, 1, [numExamples, weights.shape[0]], { generator, dtype: weights.dtype });
  let y = matmul(x, weights).add(b);
  y = y.add(normal(0, options.noise ?? 0.01, y.shape, { generator, dtype: weights.dtype }));
  return [x, y.reshape(-1, 1)];
}
