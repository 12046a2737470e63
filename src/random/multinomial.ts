// torch.multinomial on one row of weights, drawing from the generator exactly as PyTorch 1.13's
// CPU kernels do (aten/src/ATen/native/Distributions.cpp multinomial_out and
// native/cpu/MultinomialKernel.cpp), in the arithmetic of the tensor's dtype: a float32 row
// accumulates its cumulative sum and divides in float32, as the kernel's scalar_t does.
// The tensor-level torch.multinomial (ops/multinomial.ts) and WeightedRandomSampler call it.

import type { Generator } from './generator.js';
import { exponential, uniformDouble } from './sampling.js';

/**
 * Indices of `numSamples` draws from the categories weighted by `weights`.
 * - without replacement: the Gumbel trick, topk (argmax for one draw) of w / q with
 *   q ~ Exp(1) (exponential_ uses libm log, so a near-tie could in principle order differently);
 * - with replacement, a single draw included (PyTorch 1.13 does so; test/fixtures/data.json
 *   checks it): one uniform double per draw, binary-searched in the normalised cumulative sum.
 */
export function multinomial(gen: Generator, weights: ArrayLike<number>, numSamples: number, replacement: boolean, dtype: 'float32' | 'float64' = 'float64'): number[] {
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const n = weights.length;
  if (n === 0) throw new RangeError('multinomial: prob_dist must be 1 or 2 dim and have at least one category');
  if (!Number.isInteger(numSamples) || numSamples <= 0) throw new RangeError('multinomial: cannot sample n_sample <= 0 samples');
  if (!replacement && numSamples > n) throw new RangeError('multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const w = weights[j];
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError('multinomial: probability tensor contains either `inf`, `nan` or element < 0');
    sum += w;
  }
  if (!(sum > 0)) throw new RangeError('multinomial: invalid multinomial distribution (sum of probabilities <= 0)');

  if (!replacement) {
    const q = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
    exponential(gen, q, 1);
    for (let j = 0; j < n; j++) q[j] = weights[j] / q[j];
    const order = Array.from({ length: n }, (_, j) => j);
    // topk(sorted) / argmax: largest first, the lower index first on ties.
    order.sort((a, b) => q[b] - q[a] || a - b);
    return order.slice(0, numSamples);
  }

  const cum = new Float64Array(n);
  let acc = 0;
  for (let j = 0; j < n; j++) cum[j] = acc = round(acc + weights[j]);
  for (let j = 0; j < n; j++) cum[j] = round(cum[j] / acc);
  cum[n - 1] = 1; // the last bucket always closes the distribution
  const out: number[] = [];
  for (let k = 0; k < numSamples; k++) {
    const u = uniformDouble(gen);
    let left = 0;
    let right = n;
    while (right - left > 0) {
      const mid = left + ((right - left) >> 1);
      if (cum[mid] < u) left = mid + 1;
      else right = mid;
    }
    out.push(left);
  }
  return out;
}
