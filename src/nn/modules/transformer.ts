// TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder and TransformerDecoder
// (torch/nn/modules/transformer.py of PyTorch 1.13), line for line: submodules registered in
// PyTorch's order (so the same seed draws the same weights and state-dict keys match), post-norm
// by default, pre-norm with `normFirst`, [seq, batch, feature] unless `batchFirst`.
// PyTorch's fast path (the fused native kernel in eval mode) computes the same function and is
// not reproduced.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { arange, zeros } from '../../ops/creation.js';
import { defaultGenerator } from '../../random/generator.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { bindArgs } from '../args.js';
import { MultiheadAttention } from './attention.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';

/** The feed-forward activation of a transformer layer: 'relu', 'gelu' or a function. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

/** Options of the transformer layers: dimFeedforward (default 2048), dropout (0.1), activation ('relu'), layerNormEps (1e-5), batchFirst (false), normFirst (false). */
export interface TransformerLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: TransformerActivation;
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
  dtype?: DType;
}

function activationFn(activation: TransformerActivation): (x: Tensor) => Tensor {
  if (activation === 'relu') return F.relu;
  if (activation === 'gelu') return (x) => F.gelu(x);
  if (typeof activation === 'function') return activation;
  throw new RangeError(`activation should be relu/gelu, not ${String(activation)}`);
}

/**
 * nn.Transformer.generate_square_subsequent_mask: an [sz, sz] float mask with -inf above the
 * diagonal (position i may not attend to j > i) and 0 elsewhere.
 */
export function generateSquareSubsequentMask(sz: number): Tensor {
  const future = arange(sz).unsqueeze(0).gt(arange(sz).unsqueeze(1));
  return zeros(sz, sz).maskedFill(future, -Infinity);
}

/** Copies of a layer (PyTorch's _get_clones is copy.deepcopy): rebuilt, then loaded, without drawing from the generator. */
function clones<L extends Module>(layer: L, n: number, rebuild: () => L): ModuleList<L> {
  const state = defaultGenerator.getState();
  try {
    return new ModuleList(
      Array.from({ length: n }, () => {
        const copy = rebuild();
        copy.loadStateDict(layer.stateDict());
        copy.train(layer.training);
        return copy;
      }),
    );
  } finally {
    defaultGenerator.setState(state);
  }
}

/** `torch.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5, batch_first=False, norm_first=False)`: self-attention and a feed-forward block. */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly activation: (x: Tensor) => Tensor;
  /** The arguments, for TransformerEncoder's copies. */
  readonly args: [number, number, TransformerLayerOptions];

  constructor(dModel: number, nhead: number, options?: TransformerLayerOptions);
  constructor(options: TransformerLayerOptions & { dModel: number; nhead: number });
  constructor(...params: unknown[]) {
    const [dModel, nhead, options] = bindArgs<[number, number], TransformerLayerOptions>('TransformerEncoderLayer', ['dModel', 'nhead'], params);
    super();
    const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false, dtype } = options;
    this.args = [dModel, nhead, options];
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst, dtype });
    this.linear1 = new Linear(dModel, dimFeedforward, { dtype });
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel, { dtype });
    this.normFirst = normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    this.activation = activationFn(activation);
  }

  override forward(src: Tensor, options: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null } = {}): Tensor {
    const { srcMask = null, srcKeyPaddingMask = null } = options;
    let x = src;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.call(x), srcMask, srcKeyPaddingMask));
      x = x.add(this.ffBlock(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(this.saBlock(x, srcMask, srcKeyPaddingMask)));
      x = this.norm2.call(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    return this.dropout1.call(this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false })[0]);
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
  }
}

/** `torch.nn.TransformerDecoderLayer(d_model, nhead, ...)`: self-attention, attention over the encoder's memory, and a feed-forward block. */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  readonly activation: (x: Tensor) => Tensor;
  readonly args: [number, number, TransformerLayerOptions];

  constructor(dModel: number, nhead: number, options?: TransformerLayerOptions);
  constructor(options: TransformerLayerOptions & { dModel: number; nhead: number });
  constructor(...params: unknown[]) {
    const [dModel, nhead, options] = bindArgs<[number, number], TransformerLayerOptions>('TransformerDecoderLayer', ['dModel', 'nhead'], params);
    super();
    const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false, dtype } = options;
    this.args = [dModel, nhead, options];
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst, dtype });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst, dtype });
    this.linear1 = new Linear(dModel, dimFeedforward, { dtype });
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel, { dtype });
    this.normFirst = normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.norm3 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    this.dropout3 = new Dropout(dropout);
    this.activation = activationFn(activation);
  }

  override forward(tgt: Tensor, memory: Tensor, options: DecoderMasks = {}): Tensor {
    const { tgtMask = null, memoryMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null } = options;
    let x = tgt;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.call(x), tgtMask, tgtKeyPaddingMask));
      x = x.add(this.mhaBlock(this.norm2.call(x), memory, memoryMask, memoryKeyPaddingMask));
      x = x.add(this.ffBlock(this.norm3.call(x)));
    } else {
      x = this.norm1.call(x.add(this.saBlock(x, tgtMask, tgtKeyPaddingMask)));
      x = this.norm2.call(x.add(this.mhaBlock(x, memory, memoryMask, memoryKeyPaddingMask)));
      x = this.norm3.call(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    return this.dropout1.call(this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false })[0]);
  }

  private mhaBlock(x: Tensor, mem: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    return this.dropout2.call(this.multihead_attn.call(x, mem, mem, { attnMask, keyPaddingMask, needWeights: false })[0]);
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout3.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
  }
}

/** The masks of a `TransformerDecoderLayer` call: tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask. */
export interface DecoderMasks {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/** `torch.nn.TransformerEncoder`: A stack of numLayers copies of encoderLayer (same starting weights), then `norm` if given. */
export class TransformerEncoder extends Module {
  declare layers: ModuleList<TransformerEncoderLayer>;
  numLayers: number;
  declare norm: Module | null;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, norm: Module | null = null) {
    super();
    this.registerModule('layers', clones(encoderLayer, numLayers, () => new TransformerEncoderLayer(...encoderLayer.args)));
    this.numLayers = numLayers;
    this.registerModule('norm', norm);
  }

  override forward(src: Tensor, options: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null } = {}): Tensor {
    let output = src;
    for (const mod of this.layers) output = mod.call(output, { srcMask: options.mask ?? null, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null });
    return this.norm ? (this.norm.call(output) as Tensor) : output;
  }
}

/** `torch.nn.TransformerDecoder`: A stack of numLayers copies of decoderLayer, then `norm` if given. */
export class TransformerDecoder extends Module {
  declare layers: ModuleList<TransformerDecoderLayer>;
  numLayers: number;
  declare norm: Module | null;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, norm: Module | null = null) {
    super();
    this.registerModule('layers', clones(decoderLayer, numLayers, () => new TransformerDecoderLayer(...decoderLayer.args)));
    this.numLayers = numLayers;
    this.registerModule('norm', norm);
  }

  override forward(tgt: Tensor, memory: Tensor, options: DecoderMasks = {}): Tensor {
    let output = tgt;
    for (const mod of this.layers) output = mod.call(output, memory, options);
    return this.norm ? (this.norm.call(output) as Tensor) : output;
  }
}
