// Recurrent layers (torch/nn/modules/rnn.py): RNN (tanh or relu), LSTM (with optional projections),
// GRU, and the single-step cells RNNCell, LSTMCell, GRUCell. Parameters carry PyTorch's names
// (weight_ih_l0, weight_hh_l0_reverse, bias_ih_l1, weight_hr_l0) and are drawn in PyTorch's order,
// so `manualSeed(s); new nn.LSTM(...)` starts from PyTorch's weights and state dicts round-trip.
//
// The recurrence is written out step by step from differentiable ops, with the gate arithmetic of
// PyTorch's CPU cells (aten/src/ATen/native/RNN.cpp). Each step takes its own slice of the input
// and each layer hands the next a list of per-step outputs, never one stacked tensor it would
// slice again: slicing a stacked tensor T times costs T full-size gradient buffers in backward.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { empty, zeros } from '../../ops/creation.js';
import { cat, stack } from '../../ops/movement.js';
import { fmtShape } from '../../tensor/shape.js';
import { bindArgs } from '../args.js';
import { Module, pyBool, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';

type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Options of `nn.RNN`/`GRU`/`LSTM`: numLayers (default 1), bias (true), batchFirst (false: input is (T, B, features)), dropout (0), bidirectional (false). */
export interface RNNOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of each layer but the last (training mode only). */
  dropout?: number;
  bidirectional?: boolean;
  dtype?: DType;
}

/** The weights of one layer in one direction. */
interface LayerWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  wHr: Tensor | null;
}

const pyTuple = (xs: readonly number[]) => `(${xs.join(', ')})`;

/** nn.RNN(10, 20, 2) and nn.RNN(10, 20, { numLayers: 2 }) are both accepted. */
/** RNN(inputSize, hiddenSize, numLayers?, options?), any of them by keyword: the sizes and the options with numLayers. */
function rnnArgs<T extends RNNOptions>(name: string, args: readonly unknown[]): [number, number, T] {
  const [inputSize, hiddenSize, numLayers, rest] = bindArgs<[number, number, number?], T>(name, ['inputSize', 'hiddenSize', 'numLayers'], args, 2);
  // An absent numLayers stays undefined here, and RNNBase's default (1) applies.
  return [inputSize, hiddenSize, { ...rest, numLayers }];
}

/** One step of a cell: new hidden (and cell) state from the input projection xg = x W_ih^T + b_ih. */
function cellStep(mode: Mode, xg: Tensor, h: Tensor, c: Tensor | null, w: LayerWeights): [Tensor, Tensor | null] {
  const hg = F.linear(h, w.wHh, w.bHh);
  switch (mode) {
    case 'RNN_TANH':
      return [hg.add(xg).tanh(), null];
    case 'RNN_RELU':
      return [hg.add(xg).relu(), null];
    case 'LSTM': {
      const [i, f, g, o] = hg.add(xg).chunk(4, 1);
      const cy = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      const hy = o.sigmoid().mul(cy.tanh());
      return [w.wHr ? hy.matmul(w.wHr.t()) : hy, cy];
    }
    case 'GRU': {
      const [ir, iz, inn] = xg.chunk(3, 1);
      const [hr, hz, hn] = hg.chunk(3, 1);
      const r = hr.add(ir).sigmoid();
      const z = hz.add(iz).sigmoid();
      const n = inn.add(hn.mul(r)).tanh();
      return [h.sub(n).mul(z).add(n), null];
    }
  }
}

/** `torch.nn.RNNBase`: PyTorch's RNNBase: parameter layout, initialization, argument checks and the layer stack. */
export class RNNBase extends Module {
  readonly mode: Mode;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
  projSize: number;
  /** lstm.weight_ih_l0, lstm.bias_hh_l1_reverse, ...: the parameters under PyTorch's names. */
  [param: `weight_${string}` | `bias_${string}`]: Parameter;
  /** Parameter names per layer and direction, in PyTorch's order (its _all_weights). */
  readonly allWeightNames: string[][] = [];

  constructor(mode: Mode, inputSize: number, hiddenSize: number, options: RNNOptions & { projSize?: number } = {}) {
    super();
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    const dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = options.projSize ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new RangeError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    this.dropout = dropout;
    if (this.projSize < 0) throw new RangeError('proj_size should be a positive integer or zero to disable projections');
    if (this.projSize >= hiddenSize) throw new RangeError('proj_size has to be smaller than hidden_size');
    const gateSize = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 }[mode] * hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    const realHidden = this.projSize > 0 ? this.projSize : hiddenSize;
    const dtype = options.dtype;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < directions; dir++) {
        const layerInput = layer === 0 ? inputSize : realHidden * directions;
        const suffix = dir === 1 ? '_reverse' : '';
        const params: [string, number[]][] = [
          [`weight_ih_l${layer}${suffix}`, [gateSize, layerInput]],
          [`weight_hh_l${layer}${suffix}`, [gateSize, realHidden]],
        ];
        if (this.bias) params.push([`bias_ih_l${layer}${suffix}`, [gateSize]], [`bias_hh_l${layer}${suffix}`, [gateSize]]);
        if (this.projSize > 0) params.push([`weight_hr_l${layer}${suffix}`, [this.projSize, hiddenSize]]);
        for (const [name, shape] of params) this.registerParameter(name, new Parameter(empty(shape, { dtype })));
        this.allWeightNames.push(params.map(([name]) => name));
      }
    }
    this.resetParameters();
  }

  /** Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in parameter order. */
  resetParameters(): void {
    // hidden_size is positive here: 0 is refused as PyTorch refuses it (proj_size 0 is not smaller).
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  /** The parameters of layer l, direction dir. */
  private layerWeights(index: number): LayerWeights {
    const get = (prefix: string) => {
      const name = this.allWeightNames[index].find((n) => n.startsWith(prefix));
      return name ? ((this as unknown as Record<string, Tensor>)[name] ?? null) : null;
    };
    return { wIh: get('weight_ih')!, wHh: get('weight_hh')!, bIh: get('bias_ih'), bHh: get('bias_hh'), wHr: get('weight_hr') };
  }

  /** All weights in PyTorch's flat order (its _flat_weights). */
  get allWeights(): Tensor[][] {
    return this.allWeightNames.map((names) => names.map((n) => (this as unknown as Record<string, Tensor>)[n]));
  }

  /** The input's feature size (run() has made it 3-D). */
  private checkInput(input: Tensor): void {
    if (this.inputSize !== input.shape[2]) {
      throw new RangeError(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${input.shape[2]}`);
    }
  }

  private expectedHiddenSize(input: Tensor, cell = false): number[] {
    const batch = this.batchFirst ? input.shape[0] : input.shape[1];
    const size = !cell && this.projSize > 0 ? this.projSize : this.hiddenSize;
    return [this.numLayers * (this.bidirectional ? 2 : 1), batch, size];
  }

  private checkHiddenSize(hx: Tensor, expected: number[], msg = 'Expected hidden size'): void {
    if (hx.ndim !== expected.length || hx.shape.some((s, i) => s !== expected[i])) {
      throw new RangeError(`${msg} ${pyTuple(expected)}, got ${fmtShape(hx.shape)}`);
    }
  }

  /**
   * The shared forward: checks as PyTorch, unbatched input as a batch of one, then the layer
   * stack. Returns [output, h_n, c_n] (c_n only for LSTM).
   */
  protected run(input: Tensor, h0: Tensor | null, c0: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const name = this.mode === 'LSTM' ? 'LSTM' : this.mode === 'GRU' ? 'GRU' : 'RNN';
    if (input.ndim !== 2 && input.ndim !== 3) {
      // PyTorch 1.13 reports this later as "input must have 3 dimensions"; this is PyTorch 2's wording.
      throw new RangeError(`${name}: Expected input to be 2D or 3D, got ${input.ndim}D${name === 'RNN' ? ' tensor' : ''} instead`);
    }
    const batched = input.ndim === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    if (!batched) input = input.unsqueeze(batchDim);
    const lstm = this.mode === 'LSTM';
    if (h0) {
      if (lstm) {
        const want = batched ? 3 : 2;
        if (h0.ndim !== want || c0!.ndim !== want) {
          throw new RangeError(
            `For ${batched ? 'batched 3-D' : 'unbatched 2-D'} input, hx and cx should also be ${want}-D but got (${h0.ndim}-D, ${c0!.ndim}-D) tensors`,
          );
        }
      } else if (batched && h0.ndim !== 3) {
        throw new RangeError(`For batched 3-D input, hx should also be 3-D but got ${h0.ndim}-D tensor`);
      } else if (!batched && h0.ndim !== 2) {
        throw new RangeError(`For unbatched 2-D input, hx should also be 2-D but got ${h0.ndim}-D tensor`);
      }
      if (!batched) {
        h0 = h0.unsqueeze(1);
        if (c0) c0 = c0.unsqueeze(1);
      }
    }
    this.checkInput(input);
    const hidden = this.expectedHiddenSize(input);
    const cellSize = this.expectedHiddenSize(input, true);
    if (h0) {
      this.checkHiddenSize(h0, hidden, lstm ? 'Expected hidden[0] size' : undefined);
      if (c0) this.checkHiddenSize(c0, cellSize, 'Expected hidden[1] size');
    } else {
      h0 = zeros(hidden, { dtype: input.dtype, device: input.device });
      if (lstm) c0 = zeros(cellSize, { dtype: input.dtype, device: input.device });
    }
    const timeMajor = this.batchFirst ? input.transpose(0, 1) : input;
    const [out, hN, cN] = this.layerStack(timeMajor.unbind(0), h0, lstm ? c0 : null);
    let output = stack(out, 0);
    if (this.batchFirst) output = output.transpose(0, 1);
    if (!batched) return [output.squeeze(batchDim), hN.squeeze(1), cN ? cN.squeeze(1) : null];
    return [output, hN, cN];
  }

  /** PyTorch's apply_layer_stack: each layer over the whole sequence, dropout between layers. */
  private layerStack(steps: Tensor[], h0: Tensor, c0: Tensor | null): [Tensor[], Tensor, Tensor | null] {
    const directions = this.bidirectional ? 2 : 1;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let layerInput = steps;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[][] = [];
      for (let dir = 0; dir < directions; dir++) {
        const index = layer * directions + dir;
        const [seq, h, c] = this.direction(layerInput, h0.select(0, index), c0 ? c0.select(0, index) : null, this.layerWeights(index), dir === 1);
        outs.push(seq);
        hs.push(h);
        if (c) cs.push(c);
      }
      layerInput = directions === 1 ? outs[0] : outs[0].map((o, t) => cat([o, outs[1][t]], 1));
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) {
        // One mask over the stacked [T, B, features] output, drawn as F.dropout draws it.
        const T = layerInput.length;
        const [B, features] = layerInput[0].shape;
        const mask = F.dropout(zeros([T, B, features], { dtype: layerInput[0].dtype, device: layerInput[0].device }).fill_(1), this.dropout).unbind(0);
        layerInput = layerInput.map((o, t) => o.mul(mask[t]));
      }
    }
    return [layerInput, stack(hs, 0), cs.length > 0 ? stack(cs, 0) : null];
  }

  /** One direction of one layer: per-step outputs (in time order) and the final states. */
  private direction(steps: Tensor[], h: Tensor, c: Tensor | null, w: LayerWeights, reverse: boolean): [Tensor[], Tensor, Tensor | null] {
    const T = steps.length;
    const out = new Array<Tensor>(T);
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k;
      const xg = F.linear(steps[t], w.wIh, w.bIh);
      [h, c] = cellStep(this.mode, xg, h, c, w);
      out[t] = h;
    }
    return [out, h, c];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.bias !== true) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst !== false) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional !== false) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/** Options of `nn.RNN`: those of every recurrent layer, plus nonlinearity ('tanh' by default, or 'relu'). */
export interface RNNLayerOptions extends RNNOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/** `torch.nn.RNN`: Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu). forward -> [output, h_n]. */
export class RNN extends RNNBase {
  nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, numLayersOrOptions?: number | RNNLayerOptions, options?: RNNLayerOptions);
  constructor(options: RNNLayerOptions & { inputSize: number; hiddenSize: number });
  constructor(...args: unknown[]) {
    const [inputSize, hiddenSize, opts] = rnnArgs<RNNLayerOptions>('RNN', args);
    if ('projSize' in opts) throw new RangeError('proj_size argument is only supported for LSTM, not RNN or GRU');
    const nonlinearity = opts.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new RangeError(`Unknown nonlinearity '${nonlinearity}'`);
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const [output, h] = this.run(input, hx, null);
    return [output, h];
  }
}

/** Options of `nn.LSTM`: those of every recurrent layer, plus projSize (0: no projection). */
export interface LSTMOptions extends RNNOptions {
  /** If > 0, each hidden state is projected to this size by weight_hr (an LSTMP). */
  projSize?: number;
}

/** `torch.nn.LSTM`: LSTM. forward(input, [h0, c0]?) -> [output, [h_n, c_n]]. */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, numLayersOrOptions?: number | LSTMOptions, options?: LSTMOptions);
  constructor(options: LSTMOptions & { inputSize: number; hiddenSize: number });
  constructor(...args: unknown[]) {
    super('LSTM', ...rnnArgs<LSTMOptions>('LSTM', args));
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | readonly Tensor[] | null = null): [Tensor, [Tensor, Tensor]] {
    const [output, h, c] = this.run(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [output, [h, c!]];
  }
}

/** `torch.nn.GRU`: GRU. forward(input, h0?) -> [output, h_n]. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, numLayersOrOptions?: number | RNNOptions, options?: RNNOptions);
  constructor(options: RNNOptions & { inputSize: number; hiddenSize: number });
  constructor(...args: unknown[]) {
    const [inputSize, hiddenSize, opts] = rnnArgs<RNNOptions>('GRU', args);
    if ('projSize' in opts) throw new RangeError('proj_size argument is only supported for LSTM, not RNN or GRU');
    super('GRU', inputSize, hiddenSize, opts);
  }

  override forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const [output, h] = this.run(input, hx, null);
    return [output, h];
  }
}

// ---------------------------------------------------------------------------- cells

/** `torch.nn.RNNCellBase`: PyTorch's RNNCellBase: weight_ih, weight_hh, bias_ih, bias_hh, all ~ U(-1/sqrt(hidden), 1/sqrt(hidden)). */
export class RNNCellBase extends Module {
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  declare weight_ih: Parameter;
  declare weight_hh: Parameter;
  declare bias_ih: Parameter | null;
  declare bias_hh: Parameter | null;

  constructor(inputSize: number, hiddenSize: number, bias: boolean, numChunks: number, dtype?: DType) {
    super();
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.registerParameter('weight_ih', new Parameter(empty([numChunks * hiddenSize, inputSize], { dtype })));
    this.registerParameter('weight_hh', new Parameter(empty([numChunks * hiddenSize, hiddenSize], { dtype })));
    if (bias) {
      this.registerParameter('bias_ih', new Parameter(empty([numChunks * hiddenSize], { dtype })));
      this.registerParameter('bias_hh', new Parameter(empty([numChunks * hiddenSize], { dtype })));
    } else {
      this.registerParameter('bias_ih', null);
      this.registerParameter('bias_hh', null);
    }
    this.resetParameters();
  }

  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  protected weights(): LayerWeights {
    return { wIh: this.weight_ih, wHh: this.weight_hh, bIh: this.bias_ih, bHh: this.bias_hh, wHr: null };
  }

  /** 1-D input is a batch of one; returns the batched input and whether to squeeze the result. */
  protected batch(name: string, input: Tensor): [Tensor, boolean] {
    if (input.ndim !== 1 && input.ndim !== 2) throw new RangeError(`${name}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor`);
    return input.ndim === 1 ? [input.unsqueeze(0), true] : [input, false];
  }

  /** PyTorch's check_rnn_cell_forward_input/_hidden, in its order and words (each state is 'hidden0' there). */
  protected checkStep(x: Tensor, states: Tensor[]): void {
    if (x.shape[1] !== this.inputSize) throw new RangeError(`input has inconsistent input_size: got ${x.shape[1]} expected ${this.inputSize}`);
    for (const h of states) {
      if (h.shape[0] !== x.shape[0]) throw new RangeError(`Input batch size ${x.shape[0]} doesn't match hidden0 batch size ${h.shape[0]}`);
      if (h.shape[1] !== this.hiddenSize) throw new RangeError(`hidden0 has inconsistent hidden_size: got ${h.shape[1]}, expected ${this.hiddenSize}`);
    }
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias !== true) s += `, bias=${pyBool(this.bias)}`;
    const nonlinearity = (this as { nonlinearity?: string }).nonlinearity;
    if (nonlinearity !== undefined && nonlinearity !== 'tanh') s += `, nonlinearity=${nonlinearity}`;
    return s;
  }
}

interface CellOptions {
  bias?: boolean;
  dtype?: DType;
}
type RNNCellOptions = CellOptions & { nonlinearity?: 'tanh' | 'relu' };
type CellSizes = { inputSize: number; hiddenSize: number };

/** PyTorch's LSTMCell/GRUCell(input_size, hidden_size, bias=True, device=None, dtype=None), bound. */
function bindCell(fn: string, args: readonly unknown[], numChunks: number): [number, number, boolean, number, DType | undefined] {
  const [inputSize, hiddenSize, bias = true, options] = bindArgs<[number, number, boolean?], { dtype?: DType }>(fn, ['inputSize', 'hiddenSize', 'bias'], args, 2, ['dtype']);
  return [inputSize, hiddenSize, bias, numChunks, options.dtype];
}

/** `torch.nn.RNNCell`: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). */
export class RNNCell extends RNNCellBase {
  nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options?: RNNCellOptions);
  constructor(options: RNNCellOptions & CellSizes);
  constructor(...args: unknown[]) {
    // PyTorch's RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None).
    const [inputSize, hiddenSize, bias = true, nonlinearity = 'tanh', options] = bindArgs<[number, number, boolean?, ('tanh' | 'relu')?], { dtype?: DType }>(
      'RNNCell', ['inputSize', 'hiddenSize', 'bias', 'nonlinearity'], args, 2, ['dtype']);
    super(inputSize, hiddenSize, bias, 1, options.dtype);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, unbatched] = this.batch('RNNCell', input);
    const h = hx === null ? zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype, device: x.device }) : unbatched ? hx.unsqueeze(0) : hx;
    if (this.nonlinearity !== 'tanh' && this.nonlinearity !== 'relu') throw new Error(`Unknown nonlinearity: ${this.nonlinearity}`);
    this.checkStep(x, [h]);
    const w = this.weights();
    const [hy] = cellStep(this.nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', F.linear(x, w.wIh, w.bIh), h, null, w);
    return unbatched ? hy.squeeze(0) : hy;
  }
}

/** `torch.nn.LSTMCell`: One LSTM step: forward(input, [h, c]?) -> [h', c']. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: CellOptions);
  constructor(options: CellOptions & CellSizes);
  constructor(...args: unknown[]) {
    super(...bindCell('LSTMCell', args, 4));
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | readonly Tensor[] | null = null): [Tensor, Tensor] {
    const [x, unbatched] = this.batch('LSTMCell', input);
    let h: Tensor;
    let c: Tensor;
    if (hx === null) {
      h = c = zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype, device: x.device });
    } else {
      [h, c] = unbatched ? [hx[0].unsqueeze(0), hx[1].unsqueeze(0)] : [hx[0], hx[1]];
    }
    this.checkStep(x, [h, c]);
    const w = this.weights();
    const [hy, cy] = cellStep('LSTM', F.linear(x, w.wIh, w.bIh), h, c, w);
    return unbatched ? [hy.squeeze(0), cy!.squeeze(0)] : [hy, cy!];
  }
}

/** `torch.nn.GRUCell`: One GRU step: forward(input, h?) -> h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: CellOptions);
  constructor(options: CellOptions & CellSizes);
  constructor(...args: unknown[]) {
    super(...bindCell('GRUCell', args, 3));
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, unbatched] = this.batch('GRUCell', input);
    const h = hx === null ? zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype, device: x.device }) : unbatched ? hx.unsqueeze(0) : hx;
    this.checkStep(x, [h]);
    const w = this.weights();
    const [hy] = cellStep('GRU', F.linear(x, w.wIh, w.bIh), h, null, w);
    return unbatched ? hy.squeeze(0) : hy;
  }
}
