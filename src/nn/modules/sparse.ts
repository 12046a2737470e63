// Embedding and EmbeddingBag (torch/nn/modules/sparse.py): a lookup table of numEmbeddings rows of size embeddingDim.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { empty } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { bindArgs } from '../args.js';
import { Module, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';

/** F.embedding's options, plus the module's own. */
export interface EmbeddingOptions extends F.EmbeddingOptions {
  /** Use this tensor as the weight instead of drawing one (PyTorch's _weight). */
  weight?: Tensor;
  dtype?: DType;
}

/** `torch.nn.Embedding`: weight ~ N(0, 1) of shape [numEmbeddings, embeddingDim]; forward(indices) = weight[indices]. */
export class Embedding extends Module {
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx: number | null;
  maxNorm: number | null;
  normType: number;
  scaleGradByFreq: boolean;
  sparse: boolean;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingOptions);
  constructor(options: EmbeddingOptions & { numEmbeddings: number; embeddingDim: number });
  constructor(...args: unknown[]) {
    const [numEmbeddings, embeddingDim, options] = bindArgs<[number, number], EmbeddingOptions>('Embedding', ['numEmbeddings', 'embeddingDim'], args);
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      if ((paddingIdx > 0 && paddingIdx >= numEmbeddings) || paddingIdx < -numEmbeddings) throw new RangeError('Padding_idx must be within num_embeddings');
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.paddingIdx = paddingIdx;
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    this.sparse = options.sparse ?? false;
    if (options.weight) {
      const w = options.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) {
        throw new RangeError('Shape of weight does not match num_embeddings and embedding_dim');
      }
      this.weight = new Parameter(w);
    } else {
      this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: options.dtype }));
      this.resetParameters();
    }
  }

  /** Embedding.from_pretrained: the rows of a 2-D tensor, frozen unless freeze is false. */
  static fromPretrained(embeddings: Tensor, options: Omit<EmbeddingOptions, 'weight' | 'dtype'> & { freeze?: boolean } = {}): Embedding {
    if (embeddings.ndim !== 2) throw new RangeError('Embeddings parameter is expected to be 2-dimensional');
    const { freeze = true, ...rest } = options;
    const [rows, cols] = embeddings.shape;
    const emb = new Embedding(rows, cols, { ...rest, weight: embeddings });
    emb.weight.requiresGrad_(!freeze);
    return emb;
  }

  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).fill_(0));
  }

  override forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
      sparse: this.sparse,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    if (this.sparse) s += ', sparse=True';
    return s;
  }
}

/** nn.EmbeddingBag's options: F.embedding_bag's (less the per-call offsets and weights), plus the module's own. */
export interface EmbeddingBagModuleOptions extends Omit<F.EmbeddingBagOptions, 'offsets' | 'perSampleWeights'> {
  /** Use this tensor as the weight instead of drawing one (PyTorch's _weight). */
  weight?: Tensor;
  dtype?: DType;
}

/**
 * `torch.nn.EmbeddingBag`: weight ~ N(0, 1) of shape [numEmbeddings, embeddingDim] (the padding row
 * zeros); forward(input, offsets?, perSampleWeights?) reduces each bag of indices to the sum, mean
 * (the default) or max of its rows.
 */
export class EmbeddingBag extends Module {
  numEmbeddings: number;
  embeddingDim: number;
  maxNorm: number | null;
  normType: number;
  scaleGradByFreq: boolean;
  mode: 'sum' | 'mean' | 'max';
  sparse: boolean;
  includeLastOffset: boolean;
  paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingBagModuleOptions);
  constructor(options: EmbeddingBagModuleOptions & { numEmbeddings: number; embeddingDim: number });
  constructor(...args: unknown[]) {
    const [numEmbeddings, embeddingDim, options] = bindArgs<[number, number], EmbeddingBagModuleOptions>('EmbeddingBag', ['numEmbeddings', 'embeddingDim'], args);
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      // PyTorch's assertion (its words differ from nn.Embedding's).
      if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) throw new RangeError('padding_idx must be within num_embeddings');
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.paddingIdx = paddingIdx;
    if (options.weight) {
      const w = options.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) throw new RangeError('Shape of weight does not match num_embeddings and embedding_dim');
      this.weight = new Parameter(w);
    } else {
      this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: options.dtype }));
      this.resetParameters();
    }
    this.mode = options.mode ?? 'mean';
    this.sparse = options.sparse ?? false;
    this.includeLastOffset = options.includeLastOffset ?? false;
  }

  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).fill_(0));
  }

  override forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null): Tensor {
    return F.embeddingBag(input, this.weight, offsets, {
      maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq, mode: this.mode, sparse: this.sparse,
      perSampleWeights, includeLastOffset: this.includeLastOffset, paddingIdx: this.paddingIdx,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    s += `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
