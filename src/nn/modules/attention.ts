// MultiheadAttention (torch/nn/modules/activation.py). Parameters as PyTorch's: in_proj_weight
// [3E, E] and in_proj_bias when key/value share the embedding size, q/k/v_proj_weight otherwise,
// out_proj (a Linear), optional bias_k / bias_v; initialized in PyTorch's order (out_proj's Linear
// draws first, then xavier_uniform_ on the input projection), so the same seed gives the same weights.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { empty } from '../../ops/creation.js';
import { bindArgs } from '../args.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';
import { Linear } from './linear.js';

/** `torch.nn.modules.linear.NonDynamicallyQuantizableLinear`: PyTorch's out_proj class: a Linear under another name (it matters to quantization, and to the repr). */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** Options of `nn.MultiheadAttention`: dropout (default 0), bias (true), addBiasKv, addZeroAttn, kdim, vdim, batchFirst (false). */
export interface MultiheadAttentionOptions {
  dropout?: number;
  bias?: boolean;
  addBiasKv?: boolean;
  addZeroAttn?: boolean;
  kdim?: number | null;
  vdim?: number | null;
  /** Inputs and outputs as [batch, seq, feature] instead of [seq, batch, feature]. */
  batchFirst?: boolean;
  dtype?: DType;
}

/** Options of a `MultiheadAttention` call: keyPaddingMask, needWeights (default true), attnMask, averageAttnWeights (true). */
export interface MultiheadAttentionCallOptions {
  /** [N, S] (or [S] unbatched): true (or a float added to the scores) marks keys to ignore. */
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  /** [L, S] or [N * numHeads, L, S]: true forbids attending; a float mask is added. */
  attnMask?: Tensor | null;
  averageAttnWeights?: boolean;
}

/** `torch.nn.MultiheadAttention(embed_dim, num_heads, dropout=0, bias=True, batch_first=False, ...)`: `call(query, key, value, { keyPaddingMask, attnMask, needWeights })` returns [output, weights]. */
export class MultiheadAttention extends Module {
  embedDim: number;
  kdim: number;
  vdim: number;
  numHeads: number;
  dropout: number;
  batchFirst: boolean;
  headDim: number;
  addZeroAttn: boolean;
  private readonly qkvSameEmbedDim: boolean;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;

  constructor(embedDim: number, numHeads: number, options?: MultiheadAttentionOptions);
  constructor(options: MultiheadAttentionOptions & { embedDim: number; numHeads: number });
  constructor(...args: unknown[]) {
    const [embedDim, numHeads, options] = bindArgs<[number, number], MultiheadAttentionOptions>('MultiheadAttention', ['embedDim', 'numHeads'], args);
    super();
    const dtype = options.dtype;
    this.embedDim = embedDim;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new RangeError('embed_dim must be divisible by num_heads');
    if (!this.qkvSameEmbedDim) {
      this.registerParameter('q_proj_weight', new Parameter(empty([embedDim, embedDim], { dtype })));
      this.registerParameter('k_proj_weight', new Parameter(empty([embedDim, this.kdim], { dtype })));
      this.registerParameter('v_proj_weight', new Parameter(empty([embedDim, this.vdim], { dtype })));
      this.registerParameter('in_proj_weight', null);
    } else {
      this.registerParameter('in_proj_weight', new Parameter(empty([3 * embedDim, embedDim], { dtype })));
      this.registerParameter('q_proj_weight', null);
      this.registerParameter('k_proj_weight', null);
      this.registerParameter('v_proj_weight', null);
    }
    const bias = options.bias ?? true;
    this.registerParameter('in_proj_bias', bias ? new Parameter(empty([3 * embedDim], { dtype })) : null);
    this.registerModule('out_proj', new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, dtype }));
    if (options.addBiasKv) {
      this.registerParameter('bias_k', new Parameter(empty([1, 1, embedDim], { dtype })));
      this.registerParameter('bias_v', new Parameter(empty([1, 1, embedDim], { dtype })));
    } else {
      this.registerParameter('bias_k', null);
      this.registerParameter('bias_v', null);
    }
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.qkvSameEmbedDim) {
      init.xavierUniform_(this.in_proj_weight!);
    } else {
      init.xavierUniform_(this.q_proj_weight!);
      init.xavierUniform_(this.k_proj_weight!);
      init.xavierUniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias) {
      init.constant_(this.in_proj_bias, 0);
      init.constant_(this.out_proj.bias!, 0);
    }
    if (this.bias_k) init.xavierNormal_(this.bias_k);
    if (this.bias_v) init.xavierNormal_(this.bias_v);
  }

  /** Returns [attn_output, attn_output_weights] (weights null when needWeights is false). */
  override forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionCallOptions = {}): [Tensor, Tensor | null] {
    const { keyPaddingMask = null, needWeights = true, attnMask = null, averageAttnWeights = true } = options;
    const batched = query.ndim === 3;
    if (keyPaddingMask && keyPaddingMask.dtype !== 'bool' && !keyPaddingMask.isFloatingPoint()) {
      throw new Error('only bool and floating types of key_padding_mask are supported');
    }
    if (this.batchFirst && batched) {
      // Transpose while keeping which of query, key and value are the same tensor (self-attention).
      if (key === value) {
        if (query === key) {
          query = key = value = query.transpose(1, 0);
        } else {
          query = query.transpose(1, 0);
          key = value = key.transpose(1, 0);
        }
      } else {
        [query, key, value] = [query.transpose(1, 0), key.transpose(1, 0), value.transpose(1, 0)];
      }
    }
    const [out, weights] = F.multiHeadAttentionForward(
      query, key, value, this.embedDim, this.numHeads,
      this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v, this.addZeroAttn,
      this.dropout, this.out_proj.weight, this.out_proj.bias,
      {
        training: this.training,
        keyPaddingMask,
        needWeights,
        attnMask,
        averageAttnWeights,
        useSeparateProjWeight: !this.qkvSameEmbedDim,
        qProjWeight: this.q_proj_weight,
        kProjWeight: this.k_proj_weight,
        vProjWeight: this.v_proj_weight,
      },
    );
    return [this.batchFirst && batched ? out.transpose(1, 0) : out, weights];
  }
}
