// The text encoder of the text-conditioned ddpm: CLIP's text transformer at MNIST scale. Token and
// learned position embeddings, a few pre-norm nn.TransformerEncoderLayer blocks (GELU, no dropout),
// a final LayerNorm; its output, one hidden state per token (B, L, dim), is what the U-Net's
// cross-attention reads (Stable Diffusion reads CLIP's last_hidden_state the same way). Padding
// is masked inside the encoder, so a caption's states do not depend on how much padding follows.

import { Module } from '../nn/module.js';
import { Embedding, LayerNorm, TransformerEncoder, TransformerEncoderLayer } from '../nn/index.js';
import { arange } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';

// Folders saved before the pooled caption have no eos_token_id: theirs is the word tokenizer's.
const WORD_TOKENIZER_EOS = 2;

/** The text encoder's shape. */
export interface TextEncoderConfig {
  vocabSize: number;
  /** Tokens per caption (positions), <bos> and <eos> included. */
  maxLength: number;
  /** Width of the hidden states (the U-Net's crossAttentionDim). */
  hiddenSize: number;
  layers: number;
  heads: number;
  /** Id of the <pad> token, masked out of the encoder's self-attention. */
  padId: number;
  /** Id of the <eos> token, whose state is the pooled caption (CLIP's pooler_output). */
  eosId: number;
}

/** Token ids (B, L) int64 -> hidden states (B, L, hiddenSize). */
export class TextEncoder extends Module {
  readonly config: TextEncoderConfig;
  tokenEmbedding: Embedding;
  positionEmbedding: Embedding;
  encoder: TransformerEncoder;
  finalLayerNorm: LayerNorm;
  constructor(config: TextEncoderConfig) {
    super();
    this.config = { ...config };
    const { vocabSize, maxLength, hiddenSize, layers, heads } = config;
    if (hiddenSize % heads !== 0) throw new RangeError(`TextEncoder: hiddenSize ${hiddenSize} is not divisible by heads ${heads}`);
    this.tokenEmbedding = new Embedding(vocabSize, hiddenSize);
    this.positionEmbedding = new Embedding(maxLength, hiddenSize);
    const layer = new TransformerEncoderLayer(hiddenSize, heads, { dimFeedforward: 4 * hiddenSize, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true });
    this.encoder = new TransformerEncoder(layer, layers);
    this.finalLayerNorm = new LayerNorm(hiddenSize);
  }

  override forward(inputIds: Tensor): Tensor {
    const [, l] = inputIds.shape;
    if (l > this.config.maxLength) throw new RangeError(`TextEncoder: ${l} tokens, but the encoder has ${this.config.maxLength} positions`);
    const h = this.tokenEmbedding.call(inputIds).add(this.positionEmbedding.call(arange(l, { dtype: 'int64', device: inputIds.device })));
    const states = this.encoder.call(h, { srcKeyPaddingMask: inputIds.eq(this.config.padId) });
    return this.finalLayerNorm.call(states);
  }

  /**
   * The pooled caption (B, hiddenSize): each row's state at its <eos> token, as CLIPTextModel's
   * pooler_output (the encoder attends both ways, so <eos> has read every word).
   */
  pooled(states: Tensor, inputIds: Tensor): Tensor {
    const [b, , d] = states.shape;
    const eos = inputIds.eq(this.config.eosId).int().argmax(-1);
    return states.gather(1, eos.view(b, 1, 1).expand(b, 1, d)).squeeze(1);
  }

  /** config.json settings (snake_case). */
  toModelConfig(): Record<string, unknown> {
    const c = this.config;
    return { vocab_size: c.vocabSize, max_position_embeddings: c.maxLength, hidden_size: c.hiddenSize, num_hidden_layers: c.layers, num_attention_heads: c.heads, pad_token_id: c.padId, eos_token_id: c.eosId };
  }

  static fromSettings(s: Record<string, unknown>): TextEncoder {
    const n = (key: string) => s[key] as number;
    return new TextEncoder({ vocabSize: n('vocab_size'), maxLength: n('max_position_embeddings'), hiddenSize: n('hidden_size'), layers: n('num_hidden_layers'), heads: n('num_attention_heads'), padId: n('pad_token_id'), eosId: n('eos_token_id') ?? WORD_TOKENIZER_EOS });
  }
}
