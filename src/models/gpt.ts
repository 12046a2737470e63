// The gpt experiment's model by name and as a model folder's config.json: a TinyTransformer plus
// the characters its token ids stand for, so a saved folder can be loaded and sampled on its own
// (`loadModelFolder(dir, models.gptFromConfig)` from 'dlab/io').

import { TinyTransformer, type TransformerOptions } from './transformer.js';

/** The gpt experiment's default model (vocabulary: The Time Machine's 28 tokens, d2l's preprocessing). */
export const GPT_DEFAULTS = { vocabSize: 28, blockSize: 64, dModel: 64, nHead: 4, nLayer: 2, dropout: 0, tieWeights: false } as const satisfies Required<TransformerOptions>;

/** The gpt experiment's transformer (`GPT_DEFAULTS`, with any size overridden). */
export function gpt(options: TransformerOptions = {}): TinyTransformer {
  return new TinyTransformer({ ...GPT_DEFAULTS, ...options });
}

/** config.json of a saved gpt: its settings in snake_case (the hub's habit) and the vocabulary, index by index. */
export interface GptConfig {
  model_type: 'gpt';
  vocab_size: number;
  block_size: number;
  d_model: number;
  n_head: number;
  n_layer: number;
  dropout: number;
  tie_weights: boolean;
  /** vocab[i] is the text of token i ('<unk>' for index 0). */
  vocab: string[];
  [setting: string]: unknown;
}

/** The config.json of a trained gpt model: its sizes and its vocabulary, for `saveModelFolder`. */
export function gptConfig(model: TinyTransformer, vocab: readonly string[]): GptConfig {
  const c = model.config;
  if (vocab.length !== c.vocabSize) throw new RangeError(`gptConfig: ${vocab.length} vocabulary entries for a model of vocab_size ${c.vocabSize}`);
  return { model_type: 'gpt', vocab_size: c.vocabSize, block_size: c.blockSize, d_model: c.dModel, n_head: c.nHead, n_layer: c.nLayer, dropout: c.dropout, tie_weights: c.tieWeights, vocab: [...vocab] };
}

/** The (untrained) model a gpt config.json describes; refuses another model_type. */
export function gptFromConfig(config: { model_type: string; [setting: string]: unknown }): TinyTransformer {
  if (config.model_type !== 'gpt') throw new Error(`expected a gpt model folder (model_type 'gpt'), but got model_type '${config.model_type}'`);
  const c = config as GptConfig;
  return new TinyTransformer({ vocabSize: c.vocab_size, blockSize: c.block_size, dModel: c.d_model, nHead: c.n_head, nLayer: c.n_layer, dropout: c.dropout, tieWeights: c.tie_weights });
}
