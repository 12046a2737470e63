// transformers' CLIPTextModel (models/clip/modeling_clip.py), Stable Diffusion's text encoder:
// token + learned position embeddings, pre-LayerNorm encoder layers of causal multi-head
// self-attention and a two-layer MLP (quick_gelu for SD 1.x's CLIP ViT-L, exact gelu for SD 2.x's
// OpenCLIP ViT-H), then final_layer_norm. No padding mask: SD's configs have none, so the pad
// positions are attended to like any other (the pipeline passes no attention_mask either).
// Names are transformers' (text_model.embeddings.token_embedding, ...encoder.layers.N.self_attn.q_proj).

import { Module } from '../../nn/module.js';
import { Embedding, LayerNorm, Linear, ModuleList } from '../../nn/index.js';
import { gelu, scaledDotProductAttention } from '../../nn/functional/index.js';
import { arange } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';

/** The parts of text_encoder/config.json the model reads. */
export interface CLIPTextConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  max_position_embeddings: number;
  hidden_act: 'quick_gelu' | 'gelu';
  layer_norm_eps: number;
  eos_token_id: number;
}

const DEFAULTS: CLIPTextConfig = {
  vocab_size: 49408, hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 8,
  max_position_embeddings: 77, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5, eos_token_id: 2,
};

/** The config with transformers' CLIPTextConfig defaults; refuses an activation it does not know. */
export function clipTextConfig(raw: Record<string, unknown>): CLIPTextConfig {
  const c = { ...DEFAULTS } as Record<string, unknown>;
  for (const key of Object.keys(DEFAULTS)) if (raw[key] !== undefined && raw[key] !== null) c[key] = raw[key];
  if (c.hidden_act !== 'quick_gelu' && c.hidden_act !== 'gelu') {
    throw new Error(`CLIPTextModel: hidden_act '${String(c.hidden_act)}' is not supported (expected quick_gelu or gelu)`);
  }
  return c as unknown as CLIPTextConfig;
}

const quickGelu = (x: Tensor): Tensor => x.mul(x.mul(1.702).sigmoid());

/** CLIPAttention: q/k/v/out projections with bias, causal softmax(q kᵀ/√d) v per head. */
export class CLIPAttention extends Module {
  k_proj: Linear;
  v_proj: Linear;
  q_proj: Linear;
  out_proj: Linear;
  constructor(readonly dim: number, readonly heads: number) {
    super();
    if (dim % heads !== 0) throw new RangeError(`CLIPAttention: hidden_size ${dim} is not divisible by ${heads} heads`);
    this.k_proj = new Linear(dim, dim);
    this.v_proj = new Linear(dim, dim);
    this.q_proj = new Linear(dim, dim);
    this.out_proj = new Linear(dim, dim);
  }
  override forward(x: Tensor): Tensor {
    const [b, n, d] = x.shape;
    const hd = d / this.heads;
    const split = (p: Linear) => p.call(x).reshape(b, n, this.heads, hd).transpose(1, 2);
    const y = scaledDotProductAttention(split(this.q_proj), split(this.k_proj), split(this.v_proj), { isCausal: true });
    return this.out_proj.call(y.transpose(1, 2).reshape(b, n, d));
  }
}

/** CLIPMLP: fc1 → activation → fc2. */
export class CLIPMLP extends Module {
  fc1: Linear;
  fc2: Linear;
  constructor(dim: number, inner: number, readonly act: 'quick_gelu' | 'gelu') {
    super();
    this.fc1 = new Linear(dim, inner);
    this.fc2 = new Linear(inner, dim);
  }
  override forward(x: Tensor): Tensor {
    const h = this.fc1.call(x);
    return this.fc2.call(this.act === 'gelu' ? gelu(h) : quickGelu(h));
  }
}

/** CLIPEncoderLayer: x += attn(LN x); x += mlp(LN x). */
export class CLIPEncoderLayer extends Module {
  self_attn: CLIPAttention;
  layer_norm1: LayerNorm;
  mlp: CLIPMLP;
  layer_norm2: LayerNorm;
  constructor(c: CLIPTextConfig) {
    super();
    this.self_attn = new CLIPAttention(c.hidden_size, c.num_attention_heads);
    this.layer_norm1 = new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps });
    this.mlp = new CLIPMLP(c.hidden_size, c.intermediate_size, c.hidden_act);
    this.layer_norm2 = new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps });
  }
  override forward(x: Tensor): Tensor {
    x = x.add(this.self_attn.call(this.layer_norm1.call(x)));
    return x.add(this.mlp.call(this.layer_norm2.call(x)));
  }
}

/** Token and position embeddings; checkpoints may also hold the position_ids buffer, which is dropped on load. */
export class CLIPTextEmbeddings extends Module {
  token_embedding: Embedding;
  position_embedding: Embedding;
  constructor(c: CLIPTextConfig) {
    super();
    this.token_embedding = new Embedding(c.vocab_size, c.hidden_size);
    this.position_embedding = new Embedding(c.max_position_embeddings, c.hidden_size);
  }
  override forward(ids: Tensor): Tensor {
    const n = ids.shape[1];
    if (n > this.position_embedding.numEmbeddings) {
      throw new RangeError(`CLIPTextModel: ${n} tokens, but the position table holds ${this.position_embedding.numEmbeddings}`);
    }
    return this.token_embedding.call(ids).add(this.position_embedding.call(arange(n, { dtype: 'int64', device: ids.device })).unsqueeze(0));
  }
}

/** CLIPEncoder: the layer stack. */
export class CLIPEncoder extends Module {
  layers: ModuleList<CLIPEncoderLayer>;
  constructor(c: CLIPTextConfig) {
    super();
    this.layers = new ModuleList(Array.from({ length: c.num_hidden_layers }, () => new CLIPEncoderLayer(c)));
  }
  override forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer.call(x);
    return x;
  }
}

/** What the text model returns: the states SD reads and the pooled (end-of-text) row. */
export interface CLIPTextOutput {
  /** (B, T, hidden) after final_layer_norm: the UNet's encoder_hidden_states. */
  lastHiddenState: Tensor;
  /** (B, hidden): the row at the end-of-text token. */
  pooled: Tensor;
}

/** CLIPTextTransformer: embeddings, encoder, final_layer_norm, pooling. */
export class CLIPTextTransformer extends Module {
  embeddings: CLIPTextEmbeddings;
  encoder: CLIPEncoder;
  final_layer_norm: LayerNorm;
  constructor(readonly config: CLIPTextConfig) {
    super();
    this.embeddings = new CLIPTextEmbeddings(config);
    this.encoder = new CLIPEncoder(config);
    this.final_layer_norm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
  }
  override forward(ids: Tensor): CLIPTextOutput {
    const h = this.final_layer_norm.call(this.encoder.call(this.embeddings.call(ids)));
    // eos_token_id 2 is the legacy value SD's configs carry: transformers then pools at the highest id (<|endoftext|>).
    const at = this.config.eos_token_id === 2 ? ids.argmax(-1) : ids.eq(this.config.eos_token_id).int().argmax(-1);
    const pooled = h.gather(1, at.reshape(-1, 1, 1).expand(h.shape[0], 1, h.shape[2])).squeeze(1);
    return { lastHiddenState: h, pooled };
  }
}

/** CLIPTextModel: the transformer under `text_model`, as transformers nests it. */
export class CLIPTextModel extends Module {
  readonly config: CLIPTextConfig;
  text_model: CLIPTextTransformer;
  constructor(config: Partial<CLIPTextConfig> & Record<string, unknown> = {}) {
    super();
    this.config = clipTextConfig(config);
    this.text_model = new CLIPTextTransformer(this.config);
  }
  /** ids (B, T) int64 → last hidden state and pooled output. */
  override forward(ids: Tensor): CLIPTextOutput {
    return this.text_model.call(ids);
  }
}
