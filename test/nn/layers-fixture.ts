// The fixture cases of test/fixtures/layers.json (tools/fixtures/layers.py, PyTorch 1.13) and how
// dlab runs each: shared by layers.test.ts (every case) and normalization.test.ts (the norm cases,
// a fast file for mutation testing of src/nn/functional/normalization.ts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';

export const F = nn.functional;

export interface Enc {
  shape: number[];
  values: (number | boolean | string)[];
}
interface InputEnc extends Enc {
  kind: 'randn' | 'long' | 'bool';
  requires_grad: boolean;
}
export interface Case {
  name: string;
  dtype: 'float32' | 'float64';
  train: boolean;
  seed: number;
  fwd_seed: number;
  repr: string;
  state_dict_keys: string[];
  init_params: Record<string, Enc>;
  inputs: Record<string, InputEnc>;
  outputs: Enc[];
  loss_weights: Enc[];
  input_grads: Record<string, Enc>;
  param_grads: Record<string, Enc | null>;
  params_after: Record<string, Enc>;
  buffers: Record<string, Enc | null>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fx: any = JSON.parse(readFileSync(new URL('../fixtures/layers.json', import.meta.url), 'utf8'));

export const num = (v: number | boolean | string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

export function dec(e: Enc, dtype: torch.DType): Tensor {
  return torch.tensor(e.values.map(num), { dtype }).reshape(e.shape);
}

export function close(actual: Tensor | null | undefined, expected: Enc | null, what: string, tol: { rtol: number; atol: number }): void {
  if (expected === null) {
    assert.equal(actual ?? null, null, `${what}: expected None`);
    return;
  }
  assert.ok(actual, `${what}: missing`);
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const a = actual.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const e = num(expected.values[i]);
    const x = Number(a[i]);
    const ok = Number.isNaN(e) ? Number.isNaN(x) : !Number.isFinite(e) ? x === e : Math.abs(x - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}: element ${i} is ${x}, expected ${e} (shape [${expected.shape.join(', ')}])`);
  }
}

export const tolerance = (dtype: string) => (dtype === 'float32' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-14 });
export const exact = { rtol: 0, atol: 0 };

export type Ins = Record<string, Tensor>;
export type Run = (m: nn.Module, i: Ins) => (Tensor | null)[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModule = any;

const runX: Run = (m, i) => [m.call(i.x)];
const bnTwice: Run = (m, i) => [m.call(i.x1), m.call(i.x2)];
const bnTrainThenEval: Run = (m, i) => {
  m.call(i.x1);
  m.eval();
  return [m.call(i.x2)];
};
export const rnnRun = (withH: boolean): Run => (m: AnyModule, i) => {
  const [out, h] = withH ? m.call(i.x, i.h0) : m.call(i.x);
  return [out, h];
};
export const lstmRun = (withH: boolean): Run => (m: AnyModule, i) => {
  const [out, [h, c]] = withH ? m.call(i.x, [i.h0, i.c0]) : m.call(i.x);
  return [out, h, c];
};
const mha = (q: string, k: string, v: string, opts: (i: Ins) => nn.MultiheadAttentionCallOptions = () => ({})): Run => (m: AnyModule, i) =>
  m.call(i[q], i[k], i[v], opts(i));

/** The dlab spelling of each fixture case: how to build the module and how to run it. */
export const cases: Record<string, { make: () => nn.Module; run: Run }> = {
  'BatchNorm1d(3) 2D': { make: () => new nn.BatchNorm1d(3), run: bnTwice },
  'BatchNorm1d(3) 3D': { make: () => new nn.BatchNorm1d(3), run: bnTwice },
  'BatchNorm2d(3)': { make: () => new nn.BatchNorm2d(3), run: bnTwice },
  'BatchNorm2d(3) eval': { make: () => new nn.BatchNorm2d(3), run: bnTrainThenEval },
  'BatchNorm2d(3, momentum=None)': { make: () => new nn.BatchNorm2d(3, { momentum: null }), run: (m, i) => [m.call(i.x1), m.call(i.x2), m.call(i.x3)] },
  'BatchNorm2d(3, momentum=0.3, eps=1e-3)': { make: () => new nn.BatchNorm2d(3, { momentum: 0.3, eps: 1e-3 }), run: bnTwice },
  'BatchNorm2d(3, affine=False, track_running_stats=False)': {
    make: () => new nn.BatchNorm2d(3, { affine: false, trackRunningStats: false }),
    run: bnTrainThenEval,
  },
  'BatchNorm1d(3, track_running_stats=False) eval': { make: () => new nn.BatchNorm1d(3, { trackRunningStats: false }), run: bnTrainThenEval },
  'BatchNorm3d(2)': { make: () => new nn.BatchNorm3d(2), run: bnTwice },
  'LayerNorm(4)': { make: () => new nn.LayerNorm(4), run: runX },
  'LayerNorm([3, 4], elementwise_affine=False)': { make: () => new nn.LayerNorm([3, 4], { elementwiseAffine: false }), run: runX },
  'LayerNorm(5, eps=1e-3) trained': {
    make: () => new nn.LayerNorm(5, { eps: 1e-3 }),
    run: (m: AnyModule, i) => {
      torch.noGrad(() => {
        m.weight.copy_(i.w);
        m.bias.copy_(i.b);
      });
      return [m.call(i.x)];
    },
  },
  'GroupNorm(2, 4)': { make: () => new nn.GroupNorm(2, 4), run: runX },
  'GroupNorm(1, 4, affine=False)': { make: () => new nn.GroupNorm(1, 4, { affine: false }), run: runX },
  'GroupNorm(3, 6, eps=1e-3)': { make: () => new nn.GroupNorm(3, 6, { eps: 1e-3 }), run: runX },
  'F.instance_norm': {
    make: () => new nn.Identity(),
    run: (_m, i) => [
      F.instanceNorm(i.x, { runningMean: i.rm, runningVar: torch.ones(3, { dtype: i.x.dtype }).mul(2), weight: i.w, bias: i.b }),
      i.rm.clone(),
    ],
  },
  'Embedding(10, 3)': { make: () => new nn.Embedding(10, 3), run: (m, i) => [m.call(i.idx)] },
  'Embedding(10, 3, padding_idx=0)': { make: () => new nn.Embedding(10, 3, { paddingIdx: 0 }), run: (m, i) => [m.call(i.idx)] },
  'Embedding(6, 4, padding_idx=-1)': { make: () => new nn.Embedding(6, 4, { paddingIdx: -1 }), run: (m, i) => [m.call(i.idx)] },
  'Embedding(10, 3, max_norm=1.0)': { make: () => new nn.Embedding(10, 3, { maxNorm: 1 }), run: (m, i) => [m.call(i.idx)] },
  'Embedding(5, 3, max_norm=0.5, norm_type=1.0)': { make: () => new nn.Embedding(5, 3, { maxNorm: 0.5, normType: 1 }), run: (m, i) => [m.call(i.idx)] },
  'Embedding(10, 3, scale_grad_by_freq=True)': { make: () => new nn.Embedding(10, 3, { scaleGradByFreq: true }), run: (m, i) => [m.call(i.idx)] },
  'RNN(3, 4)': { make: () => new nn.RNN(3, 4), run: rnnRun(false) },
  'RNN(3, 4, 2, nonlinearity=relu) h0': { make: () => new nn.RNN(3, 4, 2, { nonlinearity: 'relu' }), run: rnnRun(true) },
  'RNN(3, 4, bias=False, batch_first=True, bidirectional=True)': {
    make: () => new nn.RNN(3, 4, { bias: false, batchFirst: true, bidirectional: true }),
    run: rnnRun(false),
  },
  'RNN(3, 4) unbatched h0': { make: () => new nn.RNN(3, 4), run: rnnRun(true) },
  'LSTM(3, 4, 2, batch_first, bidirectional) h0 c0': {
    make: () => new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true }),
    run: lstmRun(true),
  },
  'LSTM(3, 4, 2, batch_first, bidirectional) h0 c0 eval': {
    make: () => new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true }),
    run: lstmRun(true),
  },
  'LSTM(3, 4, 3, dropout=0.5, bidirectional)': { make: () => new nn.LSTM(3, 4, 3, { dropout: 0.5, bidirectional: true }), run: lstmRun(false) },
  'LSTM(3, 5, proj_size=2)': { make: () => new nn.LSTM(3, 5, { projSize: 2, numLayers: 2 }), run: lstmRun(false) },
  'LSTM(3, 4) unbatched h0 c0': { make: () => new nn.LSTM(3, 4), run: lstmRun(true) },
  'GRU(3, 4, 2) h0': { make: () => new nn.GRU(3, 4, 2), run: rnnRun(true) },
  'GRU(3, 4, batch_first, bidirectional)': { make: () => new nn.GRU(3, 4, { batchFirst: true, bidirectional: true }), run: rnnRun(false) },
  'GRU(3, 4, 2, dropout=0.3)': { make: () => new nn.GRU(3, 4, 2, { dropout: 0.3 }), run: rnnRun(false) },
  'RNNCell(3, 4) hx': { make: () => new nn.RNNCell(3, 4), run: (m, i) => [m.call(i.x, i.h)] },
  'RNNCell(3, 4, bias=False, nonlinearity=relu) unbatched': {
    make: () => new nn.RNNCell(3, 4, { bias: false, nonlinearity: 'relu' }),
    run: (m, i) => [m.call(i.x)],
  },
  'LSTMCell(3, 4) hx': { make: () => new nn.LSTMCell(3, 4), run: (m, i) => m.call(i.x, [i.h, i.c]) },
  'LSTMCell(3, 4) unbatched': { make: () => new nn.LSTMCell(3, 4), run: (m, i) => m.call(i.x) },
  'GRUCell(3, 4) hx': { make: () => new nn.GRUCell(3, 4), run: (m, i) => [m.call(i.x, i.h)] },
  'GRUCell(3, 4) unbatched hx': { make: () => new nn.GRUCell(3, 4), run: (m, i) => [m.call(i.x, i.h)] },
  'MHA(4, 2) self': { make: () => new nn.MultiheadAttention(4, 2), run: mha('x', 'x', 'x') },
  'MHA(4, 2) self masks': {
    make: () => new nn.MultiheadAttention(4, 2),
    run: mha('x', 'x', 'x', (i) => ({ keyPaddingMask: i.kpm, attnMask: i.am })),
  },
  'MHA(4, 2) float mask, per-head weights': {
    make: () => new nn.MultiheadAttention(4, 2),
    run: mha('q', 'kv', 'kv', (i) => ({ attnMask: i.am, averageAttnWeights: false })),
  },
  'MHA(4, 2) 3D mask, need_weights=False': {
    make: () => new nn.MultiheadAttention(4, 2),
    run: mha('q', 'k', 'v', (i) => ({ attnMask: i.am, needWeights: false })),
  },
  'MHA(6, 3, kdim=5, vdim=4, batch_first)': {
    make: () => new nn.MultiheadAttention(6, 3, { kdim: 5, vdim: 4, batchFirst: true }),
    run: mha('q', 'k', 'v', (i) => ({ keyPaddingMask: i.kpm })),
  },
  'MHA(4, 2, dropout=0.5) train': { make: () => new nn.MultiheadAttention(4, 2, { dropout: 0.5 }), run: mha('x', 'x', 'x') },
  'MHA(4, 2, dropout=0.5) eval batch_first': { make: () => new nn.MultiheadAttention(4, 2, { dropout: 0.5, batchFirst: true }), run: mha('x', 'x', 'x') },
  'MHA(4, 2, add_bias_kv, add_zero_attn)': {
    make: () => new nn.MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true }),
    run: mha('q', 'kv', 'kv', (i) => ({ attnMask: i.am, keyPaddingMask: i.kpm })),
  },
  'MHA(4, 1, bias=False) unbatched': {
    make: () => new nn.MultiheadAttention(4, 1, { bias: false }),
    run: mha('q', 'k', 'v', (i) => ({ keyPaddingMask: i.kpm })),
  },
  'Upsample(scale_factor=2)': { make: () => new nn.Upsample({ scaleFactor: 2 }), run: runX },
  'Upsample(size=(5, 4))': { make: () => new nn.Upsample({ size: [5, 4] }), run: runX },
  'Upsample(scale_factor=1.7) nearest': { make: () => new nn.Upsample({ scaleFactor: 1.7 }), run: runX },
  'Upsample(scale_factor=(0.5, 0.7)) nearest-exact': { make: () => new nn.Upsample({ scaleFactor: [0.5, 0.7], mode: 'nearest-exact' }), run: runX },
  'Upsample(scale_factor=2, bilinear)': { make: () => new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }), run: runX },
  'Upsample(size=(5, 7), bilinear, align_corners)': { make: () => new nn.Upsample({ size: [5, 7], mode: 'bilinear', alignCorners: true }), run: runX },
  'Upsample(scale_factor=1.5, bilinear)': { make: () => new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear' }), run: runX },
  'Upsample(scale_factor=1.5, bilinear, recompute)': {
    make: () => new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear', recomputeScaleFactor: true }),
    run: runX,
  },
  'Upsample(size=(2, 3), bilinear) down': { make: () => new nn.Upsample({ size: [2, 3], mode: 'bilinear' }), run: runX },
  'Upsample(scale_factor=3) 1d': { make: () => new nn.Upsample({ scaleFactor: 3 }), run: runX },
  'Upsample(size=7, linear, align_corners)': { make: () => new nn.Upsample({ size: 7, mode: 'linear', alignCorners: true }), run: runX },
  'Upsample(scale_factor=2, trilinear)': { make: () => new nn.Upsample({ scaleFactor: 2, mode: 'trilinear' }), run: runX },
  'Upsample(scale_factor=(1, 2, 2)) 3d nearest': { make: () => new nn.Upsample({ scaleFactor: [1, 2, 2] }), run: runX },
  'Upsample(size=(2, 3), area)': { make: () => new nn.Upsample({ size: [2, 3], mode: 'area' }), run: runX },
  'Upsample(scale_factor=0.5, area) 1d': { make: () => new nn.Upsample({ scaleFactor: 0.5, mode: 'area' }), run: runX },
  'UpsamplingNearest2d(scale_factor=2)': { make: () => new nn.UpsamplingNearest2d({ scaleFactor: 2 }), run: runX },
  'UpsamplingBilinear2d(size=(4, 5))': { make: () => new nn.UpsamplingBilinear2d({ size: [4, 5] }), run: runX },
  'Dropout2d()': { make: () => new nn.Dropout2d(), run: runX },
  'Dropout2d(0.3) 3D': { make: () => new nn.Dropout2d(0.3), run: runX },
  'Dropout2d() eval': { make: () => new nn.Dropout2d(), run: runX },
  'Dropout1d(0.4)': { make: () => new nn.Dropout1d(0.4), run: runX },
  'Dropout1d(0.4) unbatched': { make: () => new nn.Dropout1d(0.4), run: runX },
  'Dropout3d()': { make: () => new nn.Dropout3d(), run: runX },
  'Dropout3d() unbatched': { make: () => new nn.Dropout3d(), run: runX },
};

export function inputsOf(c: Case): Ins {
  const ins: Ins = {};
  for (const [k, e] of Object.entries(c.inputs)) {
    if (e.kind === 'long') ins[k] = dec(e, 'int64');
    else if (e.kind === 'bool') ins[k] = dec(e, 'bool');
    else ins[k] = dec(e, c.dtype).requiresGrad_(e.requires_grad);
  }
  return ins;
}

/** Check one fixture case against PyTorch's records; `spellings` holds the dlab spelling of each case name. */
export function checkCase(c: Case, spellings: Record<string, { make: () => nn.Module; run: Run }> = cases): void {
  const spec = spellings[c.name];
  assert.ok(spec, `no dlab spelling for fixture case ${c.name}`);
  torch.manualSeed(c.seed);
  const m = spec.make();
  // Initial parameters: PyTorch's draws, bit for bit.
  const params = new Map(m.namedParameters());
  assert.deepEqual([...params.keys()], Object.keys(c.init_params), 'parameter names');
  for (const [k, e] of Object.entries(c.init_params)) close(params.get(k), e, `initial ${k}`, exact);
  assert.equal(m.toString(), c.repr, 'repr');
  assert.deepEqual(Object.keys(m.stateDict()), c.state_dict_keys, 'state dict keys');
  if (c.dtype === 'float64') m.double();
  m.train(c.train);
  const ins = inputsOf(c);
  torch.manualSeed(c.fwd_seed);
  const outs = spec.run(m, ins).filter((o): o is Tensor => o !== null);
  const tol = tolerance(c.dtype);
  assert.equal(outs.length, c.outputs.length, 'number of outputs');
  outs.forEach((o, k) => {
    assert.equal(o.dtype, c.dtype, `output ${k} dtype`);
    close(o, c.outputs[k], `output ${k}`, tol);
  });
  let loss: Tensor | null = null;
  outs.forEach((o, k) => {
    if (!o.requiresGrad) return;
    const term = o.mul(dec(c.loss_weights[k], c.dtype)).sum();
    loss = loss ? loss.add(term) : term;
  });
  if (loss) (loss as Tensor).backward();
  for (const [k, e] of Object.entries(c.input_grads)) close(ins[k].grad, e, `grad of input ${k}`, tol);
  for (const [k, e] of Object.entries(c.param_grads)) close(params.get(k)!.grad, e, `grad of ${k}`, tol);
  for (const [k, e] of Object.entries(c.params_after)) close(params.get(k), e, `${k} after the run`, tol);
  const buffers = new Map(m.namedBuffers());
  assert.deepEqual([...buffers.keys()], Object.keys(c.buffers).filter((k) => c.buffers[k] !== null), 'buffer names');
  for (const [k, e] of Object.entries(c.buffers)) if (e) close(buffers.get(k), e, `buffer ${k}`, tol);
}

/** The normalization layers' refusals in the fixture's errors (by key): shared by both files. */
export function normErrorThunks(): Record<string, () => unknown> {
  const r = torch.randn;
  return {
    'BatchNorm1d 4D': () => new nn.BatchNorm1d(3).call(r(2, 3, 4, 5)),
    'BatchNorm2d 3D': () => new nn.BatchNorm2d(3).call(r(2, 3, 4)),
    'BatchNorm1d one value per channel': () => new nn.BatchNorm1d(3).call(r(1, 3)),
    'BatchNorm1d wrong channels': () => new nn.BatchNorm1d(3).call(r(2, 4)),
    'LayerNorm wrong shape': () => new nn.LayerNorm(4).call(r(2, 3)),
    'LayerNorm 2-D wrong shape': () => new nn.LayerNorm([3, 4]).call(r(2, 4, 3)),
    'GroupNorm ctor': () => new nn.GroupNorm(3, 4),
    'GroupNorm input channels': () => F.groupNorm(r(2, 3, 4), 2),
  };
}

/** The recurrent layers' refusals in the fixture's errors (by key): shared by layers.test.ts and rnn.test.ts. */
export function rnnErrorThunks(): Record<string, () => unknown> {
  const r = torch.randn;
  return {
    'RNN input size': () => new nn.RNN(3, 4).call(r(5, 2, 2)),
    'RNN hidden size': () => new nn.RNN(3, 4, 2).call(r(5, 2, 3), r(1, 2, 4)),
    'RNN batched hx 2D': () => new nn.RNN(3, 4).call(r(5, 2, 3), r(2, 4)),
    'RNN unbatched hx 3D': () => new nn.RNN(3, 4).call(r(5, 3), r(1, 1, 4)),
    'GRU hidden size batch_first': () => new nn.GRU(3, 4, { batchFirst: true }).call(r(2, 5, 3), r(1, 5, 4)),
    'LSTM hidden[0] size': () => new nn.LSTM(3, 4).call(r(5, 2, 3), [r(1, 3, 4), r(1, 2, 4)]),
    'LSTM hidden[1] size': () => new nn.LSTM(3, 4, { projSize: 2 }).call(r(5, 2, 3), [r(1, 2, 2), r(1, 2, 2)]),
    'LSTM batched hx dims': () => new nn.LSTM(3, 4).call(r(5, 2, 3), [r(2, 4), r(1, 2, 4)]),
    'RNN dropout': () => new nn.RNN(3, 4, { dropout: 1.5 }),
    'LSTM proj_size': () => new nn.LSTM(3, 4, { projSize: 4 }),
    'GRU proj_size': () => new nn.GRU(3, 4, { projSize: 2 } as nn.RNNOptions),
    'RNN nonlinearity': () => new nn.RNN(3, 4, { nonlinearity: 'gelu' as 'tanh' }),
    'RNNCell 3D': () => new nn.RNNCell(3, 4).call(r(1, 2, 3)),
    'LSTMCell 3D': () => new nn.LSTMCell(3, 4).call(r(1, 2, 3)),
    'GRUCell 3D': () => new nn.GRUCell(3, 4).call(r(1, 2, 3)),
  };
}

/** The recurrent modules of the fixture's reprs (by key), built fresh. */
export function rnnReprModules(): Record<string, nn.Module> {
  return {
    'RNN(10, 20, 2, nonlinearity=relu, bias=False, dropout=0.5)': new nn.RNN(10, 20, 2, { nonlinearity: 'relu', bias: false, dropout: 0.5 }),
    'LSTM(10, 20, proj_size=5, batch_first=True, bidirectional=True)': new nn.LSTM(10, 20, { projSize: 5, batchFirst: true, bidirectional: true }),
    'GRU(8, 16, 3, dropout=1)': new nn.GRU(8, 16, 3, { dropout: 1 }),
    'RNNCell(3, 4, nonlinearity=relu)': new nn.RNNCell(3, 4, { nonlinearity: 'relu' }),
    'LSTMCell(3, 4, bias=False)': new nn.LSTMCell(3, 4, { bias: false }),
    'GRUCell(3, 4)': new nn.GRUCell(3, 4),
    'Sequential(Embedding, LSTM, Linear)': new nn.Sequential(new nn.Embedding(28, 8), new nn.LSTM(8, 16), new nn.Linear(16, 28)),
  };
}

/** nn.MultiheadAttention's refusals in the fixture's errors (by key): shared by layers.test.ts and mha.test.ts. */
export function mhaErrorThunks(): Record<string, () => unknown> {
  const r = torch.randn;
  return {
    'MHA divisible': () => new nn.MultiheadAttention(5, 2),
    'MHA query 4D': () => new nn.MultiheadAttention(4, 2).call(r(1, 3, 2, 4), r(3, 2, 4), r(3, 2, 4)),
    'MHA key 2D': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(3, 4), r(3, 4)),
    'MHA embed dim': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 6), r(3, 2, 6), r(3, 2, 6)),
    'MHA 2D attn_mask': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { attnMask: torch.zeros(3, 4) }),
    'MHA 3D attn_mask': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { attnMask: torch.zeros(2, 3, 5) }),
    'MHA key_padding_mask shape': () =>
      new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { keyPaddingMask: torch.zeros([2, 4], { dtype: 'bool' }) }),
    'MHA key_padding_mask dtype': () =>
      new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { keyPaddingMask: torch.zeros([2, 5], { dtype: 'int64' }) }),
  };
}

/** The attention modules of the fixture's reprs (by key), built fresh. */
export function mhaReprModules(): Record<string, nn.Module> {
  return {
    'MultiheadAttention(8, 2, kdim=4, vdim=6, bias=False)': new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 6, bias: false }),
  };
}

/** F.interpolate's refusals in the fixture's errors (by key): shared by layers.test.ts and upsample.test.ts. */
export function interpolateErrorThunks(): Record<string, () => unknown> {
  const r = torch.randn;
  return {
    'interpolate size and scale': () => F.interpolate(r(1, 1, 2, 2), { size: 4, scaleFactor: 2 }),
    'interpolate neither': () => F.interpolate(r(1, 1, 2, 2)),
    'interpolate align_corners nearest': () => F.interpolate(r(1, 1, 2, 2), { scaleFactor: 2, alignCorners: true }),
    'interpolate bilinear 3D': () => F.interpolate(r(1, 1, 2), { scaleFactor: 2, mode: 'bilinear' }),
    'interpolate 2D input': () => F.interpolate(r(2, 2), { scaleFactor: 2 }),
    'interpolate size length': () => F.interpolate(r(1, 1, 2, 2), { size: [3, 4, 5] }),
    'interpolate recompute with size': () => F.interpolate(r(1, 1, 2, 2), { size: 3, recomputeScaleFactor: true }),
  };
}
