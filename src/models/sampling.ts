// Choosing the next token from a language model's logits: temperature, top-k, top-p (nucleus),
// then one torch.multinomial draw from a generator, so a seed fixes the text. The filters are
// Hugging Face's TopKLogitsWarper and TopPLogitsWarper (tools/fixtures/transformer.py checks them
// against PyTorch): removed tokens get -inf logits, so softmax gives them probability 0.

import { arange } from '../ops/creation.js';
import { multinomial } from '../ops/multinomial.js';
import type { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor/tensor.js';

/** How the next token is drawn: temperature (0: the most likely), topK (0: all), topP (1: all), generator. */
export interface SamplingOptions {
  /** Logits are divided by this: below 1 sharper, above 1 flatter; 0 picks the most likely token. */
  temperature?: number;
  /** Keep only the k most likely tokens (0: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probabilities sum to at least p (1: all). */
  topP?: number;
  generator?: Generator;
}

/** Logits below the k-th largest of their row become -inf (ties with the k-th stay). */
export function topKFilter(logits: Tensor, k: number): Tensor {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topK must be a positive integer, but got ${k}`);
  const kk = Math.min(k, logits.shape[logits.ndim - 1]);
  const kth = logits.topk(kk, -1).values.narrow(-1, kk - 1, 1);
  return logits.maskedFill(logits.lt(kth), -Infinity);
}

/** Nucleus filtering: the tokens outside the smallest most-likely set with probability >= p become -inf. */
export function topPFilter(logits: Tensor, p: number): Tensor {
  if (!(p > 0 && p <= 1)) throw new RangeError(`topP must be in (0, 1], but got ${p}`);
  const n = logits.shape[logits.ndim - 1];
  const { values, indices } = logits.sort(-1);
  // Ascending order: drop the unlikely head whose mass is at most 1 - p, never the most likely (last) token.
  const removeSorted = values.softmax(-1).cumsum(-1).le(1 - p).logicalAnd(arange(n).lt(n - 1));
  return logits.maskedFill(removeSorted.scatter(-1, indices, removeSorted), -Infinity);
}

/** Logits after temperature, top-k and top-p, as the sampler draws from them (temperature 0: unchanged). */
export function filterLogits(logits: Tensor, options: SamplingOptions = {}): Tensor {
  const { temperature = 1, topK = 0, topP = 1 } = options;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a non-negative number, but got ${temperature}`);
  let x = temperature > 0 ? logits.div(temperature) : logits;
  if (topK > 0) x = topKFilter(x, topK);
  if (topP < 1) x = topPFilter(x, topP);
  return x;
}

/** One token id per row of logits [B, vocab] (or [vocab]): argmax at temperature 0, else a draw. */
export function sampleNext(logits: Tensor, options: SamplingOptions = {}): Tensor {
  if ((options.temperature ?? 1) === 0) return logits.argmax(-1, { keepdim: true });
  return multinomial(filterLogits(logits, options).softmax(-1), 1, { replacement: false, generator: options.generator });
}
