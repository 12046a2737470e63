// diffusers' Attention (models/attention_processor.py) with AttnProcessor2_0, in the two shapes
// Stable Diffusion uses: the transformer blocks' self- and cross-attention (q/k/v without bias)
// and the VAE's single-head spatial attention (q/k/v with bias, its own GroupNorm, a residual).
// Module names are diffusers' (to_q, to_k, to_v, to_out.0, group_norm), so state dicts load as saved.

import { Module } from '../../nn/module.js';
import { Dropout, GroupNorm, Linear, ModuleList } from '../../nn/index.js';
import { cat } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * Score elements one softmax may hold before the queries are split into chunks (4 Mi floats =
 * 16 MiB): the softmax's five passes over a chunk then run from cache, and each chunk's arrays
 * reuse the pages the last one freed (sd-turbo's UNet at 64x64 latents, 256 MiB chunks: 5.0 of
 * its 22.9 CPU seconds were system time, faulting fresh pages in; 16 MiB chunks: 0.7 of 19.9).
 */
const MAX_SCORES = 4 * 1024 * 1024;

/**
 * softmax(q kᵀ / √d) v for q (N, L, d), k and v (N, S, d), N = batch × heads. Each query row's
 * softmax reads only its own scores, so splitting the queries into chunks gives the same numbers
 * while bounding the score matrix (SD's 64×64 latents: 4096×4096 per head).
 */
export function attentionScores(q: Tensor, k: Tensor, v: Tensor): Tensor {
  const [n, l, d] = q.shape;
  const s = k.shape[1];
  const scale = 1 / Math.sqrt(d);
  const kt = k.transpose(1, 2);
  const rows = Math.max(1, Math.floor(MAX_SCORES / (n * s)));
  if (rows >= l) return q.matmul(kt).mul(scale).softmax(-1).matmul(v);
  const parts: Tensor[] = [];
  for (let start = 0; start < l; start += rows) {
    const qc = q.narrow(1, start, Math.min(rows, l - start));
    parts.push(qc.matmul(kt).mul(scale).softmax(-1).matmul(v));
  }
  return cat(parts, 1);
}

/** Multi-head attention over rows: x (B, L, inner) split into `heads`, attended, merged back. */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, heads: number): Tensor {
  const [b, l, inner] = q.shape;
  const s = k.shape[1];
  const d = inner / heads;
  const split = (x: Tensor, n: number) => x.reshape(b, n, heads, d).transpose(1, 2).reshape(b * heads, n, d);
  const out = attentionScores(split(q, l), split(k, s), split(v, s));
  return out.reshape(b, heads, l, d).transpose(1, 2).reshape(b, l, inner);
}

/** Settings of diffusers' Attention that Stable Diffusion uses. */
export interface AttentionOptions {
  /** Width of the context for cross-attention (to_k/to_v's input); absent: self-attention. */
  crossAttentionDim?: number | null;
  heads: number;
  dimHead: number;
  /** Bias on to_q/to_k/to_v (the VAE's attention has it, the transformer blocks' do not). */
  bias?: boolean;
  /** A GroupNorm on the input (the VAE's attention), with these groups and eps. */
  normNumGroups?: number | null;
  eps?: number;
  /** Add the input back (the VAE's attention). */
  residualConnection?: boolean;
}

/** diffusers' Attention: to_q, to_k, to_v, to_out = [Linear, Dropout]; a 4-D input attends over its H×W positions. */
export class Attention extends Module {
  group_norm: GroupNorm | null;
  to_q: Linear;
  to_k: Linear;
  to_v: Linear;
  to_out: ModuleList;
  readonly heads: number;
  readonly residualConnection: boolean;
  constructor(queryDim: number, options: AttentionOptions) {
    super();
    const inner = options.heads * options.dimHead;
    const bias = options.bias ?? false;
    const kv = options.crossAttentionDim ?? queryDim;
    this.heads = options.heads;
    this.residualConnection = options.residualConnection ?? false;
    this.group_norm = options.normNumGroups ? new GroupNorm(options.normNumGroups, queryDim, { eps: options.eps ?? 1e-5 }) : null;
    this.to_q = new Linear(queryDim, inner, { bias });
    this.to_k = new Linear(kv, inner, { bias });
    this.to_v = new Linear(kv, inner, { bias });
    this.to_out = new ModuleList([new Linear(inner, queryDim), new Dropout(0)]);
  }

  /** x (B, L, C) or (B, C, H, W); context (B, S, crossAttentionDim) for cross-attention. */
  override forward(x: Tensor, context: Tensor | null = null): Tensor {
    const residual = x;
    const [b, c, h, w] = x.shape;
    let rows = x.ndim === 4 ? x.reshape(b, c, h * w).transpose(1, 2) : x;
    if (this.group_norm) rows = this.group_norm.call(rows.transpose(1, 2)).transpose(1, 2);
    const ctx = context ?? rows;
    let out = multiHeadAttention(this.to_q.call(rows), this.to_k.call(ctx), this.to_v.call(ctx), this.heads);
    out = (this.to_out.at(0) as Linear).call(out);
    if (x.ndim === 4) out = out.transpose(1, 2).reshape(b, c, h, w);
    return this.residualConnection ? out.add(residual) : out;
  }
}
