// dlab's nn against PyTorch 1.13, from tools/fixtures/nn.py: initial weights, nn.init, every
// layer's forward and gradients, every loss with each reduction and option, reprs and keys.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { assertClose, dec, fixtures, lossFns, type Enc } from './helpers.js';

const F = nn.functional;
const init = nn.init;

// ---------------------------------------------------------------------------- initial weights

test('manualSeed(0); new nn.Linear(784, 128) has PyTorch\'s initial weights', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(784, 128);
  const ref = fixtures.linear784;
  const w = lin.weight.toTypedArray();
  assert.deepEqual(Array.from(w.subarray(0, 20)), ref.weight_first);
  for (const [i, v] of Object.entries(ref.weight_at)) assert.equal(w[Number(i)], v, `weight[${i}]`);
  let sum = 0;
  let abs = 0;
  for (const v of w) {
    sum += v;
    abs += Math.abs(v);
  }
  assert.ok(Math.abs(sum - ref.weight_sum) < 1e-9, `sum ${sum} vs ${ref.weight_sum}`);
  assert.ok(Math.abs(abs - ref.weight_abs_sum) < 1e-9, `abs sum ${abs} vs ${ref.weight_abs_sum}`);
  assertClose(lin.bias, ref.bias, 'bias', { rtol: 0, atol: 0 });
});

test('manualSeed(0); new nn.Linear(3, 2) in full', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(3, 2);
  assertClose(lin.weight, fixtures.linear3x2.weight, 'weight', { rtol: 0, atol: 0 });
  assertClose(lin.bias, fixtures.linear3x2.bias, 'bias', { rtol: 0, atol: 0 });
});

// ---------------------------------------------------------------------------- nn.init

const initFns: Record<string, (t: Tensor, k: Record<string, number | string>) => unknown> = {
  uniform_: (t, k) => init.uniform_(t, k.a as number, k.b as number),
  normal_: (t, k) => init.normal_(t, k.mean as number, k.std as number),
  constant_: (t, k) => init.constant_(t, k.val as number),
  eye_: (t) => init.eye_(t),
  dirac_: (t) => init.dirac_(t),
  dirac_groups: (t, k) => init.dirac_(t, k.groups as number),
  xavierUniform_: (t) => init.xavierUniform_(t, init.calculateGain('tanh')),
  xavierNormal_: (t) => init.xavierNormal_(t),
  kaimingUniform_: (t) => init.kaimingUniform_(t),
  kaimingNormal_: (t) => init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' }),
  kaimingNormal_leaky: (t) => init.kaimingNormal_(t, { a: 0.2, nonlinearity: 'leaky_relu' }),
  truncNormal_: (t, k) => init.truncNormal_(t, k as { mean: number; std: number; a: number; b: number }),
  orthogonal_: (t) => init.orthogonal_(t),
  orthogonal_tall: (t) => init.orthogonal_(t, 2),
  orthogonal_conv: (t) => init.orthogonal_(t),
};

for (const c of fixtures.init as { name: string; shape: number[]; seed: number; kwargs: Record<string, number | string>; out: Enc }[]) {
  test(`init.${c.name} ${c.shape.join('x')}`, () => {
    torch.manualSeed(c.seed);
    const t = torch.empty(c.shape);
    initFns[c.name](t, c.kwargs);
    // Draws are bit-exact; erfinv and QR go through other arithmetic than PyTorch's.
    const loose = c.name.startsWith('trunc') || c.name.startsWith('orthogonal');
    assertClose(t, c.out, c.name, loose ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 0, atol: 0 });
  });
}

test('init.calculateGain matches PyTorch', () => {
  const g = fixtures.gains;
  assert.equal(init.calculateGain('linear'), g.linear);
  assert.equal(init.calculateGain('sigmoid'), g.sigmoid);
  assert.equal(init.calculateGain('tanh'), g.tanh);
  assert.equal(init.calculateGain('relu'), g.relu);
  assert.equal(init.calculateGain('leaky_relu'), g.leaky_relu);
  assert.equal(init.calculateGain('leaky_relu', 0.2), g['leaky_relu_0.2']);
  assert.equal(init.calculateGain('selu'), g.selu);
  assert.throws(() => init.calculateGain('swish' as never), /Unsupported nonlinearity swish/);
});

// ---------------------------------------------------------------------------- layers

const makers: Record<string, () => nn.Module> = {
  'Linear(5, 3)': () => new nn.Linear(5, 3),
  'Linear(5, 3, {bias:false})': () => new nn.Linear(5, 3, { bias: false }),
  'Bilinear(3, 4, 2)': () => new nn.Bilinear(3, 4, 2),
  'Identity()': () => new nn.Identity(),
  'Flatten()': () => new nn.Flatten(),
  'Flatten(0, 1)': () => new nn.Flatten(0, 1),
  'Unflatten(1, [2, 3])': () => new nn.Unflatten(1, [2, 3]),
  'ReLU()': () => new nn.ReLU(),
  'LeakyReLU(0.2)': () => new nn.LeakyReLU(0.2),
  'PReLU()': () => new nn.PReLU(),
  'PReLU(3, 0.1)': () => new nn.PReLU(3, 0.1),
  'ELU()': () => new nn.ELU(),
  'ELU(0.5)': () => new nn.ELU(0.5),
  'GELU()': () => new nn.GELU(),
  "GELU('tanh')": () => new nn.GELU('tanh'),
  'SiLU()': () => new nn.SiLU(),
  'Mish()': () => new nn.Mish(),
  'Sigmoid()': () => new nn.Sigmoid(),
  'Tanh()': () => new nn.Tanh(),
  'Softplus()': () => new nn.Softplus(),
  'Softplus(2, 1)': () => new nn.Softplus(2, 1),
  'Softmax(1)': () => new nn.Softmax(1),
  'Softmax(0)': () => new nn.Softmax(0),
  'LogSoftmax(1)': () => new nn.LogSoftmax(1),
  'LogSoftmax(-1)': () => new nn.LogSoftmax(-1),
  'Hardtanh()': () => new nn.Hardtanh(),
  'Hardtanh(-0.5, 0.7)': () => new nn.Hardtanh(-0.5, 0.7),
  'Dropout()': () => new nn.Dropout(),
  'Dropout(0.3)': () => new nn.Dropout(0.3),
  'Dropout(0.3) eval': () => new nn.Dropout(0.3),
};

interface LayerCase {
  name: string;
  seed: number;
  shape: number[];
  shape2: number[] | null;
  train: boolean;
  repr: string;
  params: Record<string, Enc>;
  param_grads: Record<string, Enc>;
  inputs: Enc[];
  out: Enc;
  grad_out: Enc;
  input_grads: Enc[];
}

for (const c of fixtures.layers as LayerCase[]) {
  test(`layer ${c.name}: init, forward, gradients, repr`, () => {
    torch.manualSeed(c.seed);
    const layer = makers[c.name]();
    layer.train(c.train);
    assert.equal(layer.toString(), c.repr);
    const params = new Map(layer.namedParameters());
    assert.deepEqual([...params.keys()], Object.keys(c.params));
    for (const [k, e] of Object.entries(c.params)) assertClose(params.get(k), e, `param ${k}`, { rtol: 0, atol: 0 });
    // Same draws as PyTorch: the inputs come from the generator, then the output gradient.
    const inputs = [torch.randn(c.shape, { requiresGrad: true })];
    if (c.shape2) inputs.push(torch.randn(c.shape2, { requiresGrad: true }));
    c.inputs.forEach((e, i) => assertClose(inputs[i], e, `input ${i}`, { rtol: 0, atol: 0 }));
    const y = layer.call(...inputs) as Tensor;
    assertClose(y, c.out, 'output');
    const g = torch.randnLike(y);
    assertClose(g, c.grad_out, 'output gradient draw', { rtol: 0, atol: 0 });
    y.backward(g);
    c.input_grads.forEach((e, i) => assertClose(inputs[i].grad, e, `input ${i} grad`));
    for (const [k, e] of Object.entries(c.param_grads)) assertClose(params.get(k)!.grad, e, `param ${k} grad`);
  });
}

// ---------------------------------------------------------------------------- losses

interface LossCase {
  fn: string;
  kwargs: Record<string, unknown>;
  input: Enc;
  target: Enc;
  out: Enc;
  grad: Enc;
}


const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const isIntegerTarget = (c: LossCase) =>
  (c.fn === 'cross_entropy' || c.fn === 'nll_loss') && c.target.shape.length < c.input.shape.length;

for (const c of fixtures.losses as LossCase[]) {
  const opts = Object.entries(c.kwargs).map(([k, v]) => `${camel(k)}=${typeof v === 'object' ? 'tensor' : v}`).join(', ');
  test(`loss ${c.fn}(${c.input.shape.join('x')}) ${opts}`, () => {
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.kwargs)) options[camel(k)] = typeof v === 'object' && v !== null ? dec(v as Enc) : v;
    const x = dec(c.input).requiresGrad_();
    const t = isIntegerTarget(c) ? dec(c.target, 'int64') : dec(c.target);
    const out = lossFns[c.fn](x, t, options);
    assertClose(out, c.out, 'loss');
    out.backward(torch.onesLike(out));
    assertClose(x.grad, c.grad, 'input grad');
  });
}

test('loss modules agree with the functional forms and print as PyTorch', () => {
  const [mse, ce, bce, kl] = fixtures.reprs.losses as string[];
  assert.equal(new nn.MSELoss().toString(), mse);
  assert.equal(new nn.CrossEntropyLoss().toString(), ce);
  assert.equal(new nn.BCEWithLogitsLoss().toString(), bce);
  assert.equal(new nn.KLDivLoss().toString(), kl);
  torch.manualSeed(3);
  const x = torch.randn(4, 5);
  const t = torch.tensor([1, 0, 4, 2]);
  const w = torch.rand(5);
  const viaModule = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).call(x, t);
  const viaF = F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1 });
  assert.equal(viaModule.item(), viaF.item());
  const y = torch.randn(4, 5);
  assert.equal(new nn.MSELoss({ reduction: 'sum' }).call(x, y).item(), F.mseLoss(x, y, { reduction: 'sum' }).item());
  assert.equal(new nn.HuberLoss({ delta: 0.5 }).call(x, y).item(), F.huberLoss(x, y, { delta: 0.5 }).item());
  assert.equal(new nn.SmoothL1Loss({ beta: 0.5 }).call(x, y).item(), F.smoothL1Loss(x, y, { beta: 0.5 }).item());
  assert.equal(new nn.L1Loss().call(x, y).item(), F.l1Loss(x, y).item());
  assert.equal(new nn.NLLLoss().call(x.logSoftmax(1), t).item(), F.nllLoss(x.logSoftmax(1), t).item());
  const p = x.sigmoid();
  const tt = torch.rand(4, 5);
  assert.equal(new nn.BCELoss().call(p, tt).item(), F.binaryCrossEntropy(p, tt).item());
  const pw = torch.rand(5);
  assert.equal(new nn.BCEWithLogitsLoss({ posWeight: pw }).call(x, tt).item(), F.binaryCrossEntropyWithLogits(x, tt, { posWeight: pw }).item());
  assert.equal(new nn.KLDivLoss({ reduction: 'batchmean' }).call(x.logSoftmax(1), p.softmax(1)).item(), F.klDiv(x.logSoftmax(1), p.softmax(1), { reduction: 'batchmean' }).item());
});

// ---------------------------------------------------------------------------- reprs and keys

class Block extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  act = new nn.GELU();
  drop = new nn.Dropout(0.1);
  constructor() {
    super();
    this.registerBuffer('running_mean', torch.zeros(8));
    this.registerBuffer('tmp', torch.zeros(2), { persistent: false });
  }
  override forward(x: Tensor): Tensor {
    return this.drop.forward(this.act.forward(this.fc1.forward(x)));
  }
}

class Net extends nn.Module {
  block = new Block();
  layers = new nn.ModuleList([new nn.Linear(8, 8), new nn.Tanh()]);
  heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
  scale = new nn.Parameter(torch.ones(1));
  out = new nn.Sequential(new nn.Flatten(), new nn.Softmax(1));
  override forward(x: Tensor): Tensor {
    return x;
  }
}

test('repr of nested modules and containers', () => {
  const r = fixtures.reprs;
  assert.equal(new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)).toString(), r.mlp);
  assert.equal(new Net().toString(), r.net);
  assert.equal(new nn.ParameterList([new nn.Parameter(torch.ones(2, 3)), new nn.Parameter(torch.ones(4))]).toString(), r.plist);
  assert.equal(new nn.ParameterDict({ a: new nn.Parameter(torch.ones(2, 3)) }).toString(), r.pdict);
  const acts = [
    new nn.LeakyReLU(), new nn.ELU(), new nn.ReLU(true), new nn.SiLU(), new nn.Hardtanh(0, 6), new nn.Softplus(), new nn.GELU(),
    new nn.Softmax(), new nn.Dropout(0.25), new nn.Unflatten(1, [2, 5]), new nn.Flatten(), new nn.Identity(), new nn.PReLU(4),
    new nn.Bilinear(2, 3, 4, { bias: false }),
  ];
  acts.forEach((m, i) => assert.equal(m.toString(), r.activations[i]));
  // /usr/bin/python3 (PyTorch 1.13): repr(nn.Unflatten(1, (4,))), repr(nn.Unflatten(-1, (2, 2, 3))): a one-element tuple keeps its comma.
  assert.equal(new nn.Unflatten(1, [4]).toString(), 'Unflatten(dim=1, unflattened_size=(4,))');
  assert.equal(new nn.Unflatten({ dim: -1, unflattenedSize: [2, 2, 3] }).toString(), 'Unflatten(dim=-1, unflattened_size=(2, 2, 3))');
});

test('state dict keys, named parameters, buffers, modules and children', () => {
  const k = fixtures.state_dict_keys;
  const net = new Net();
  assert.deepEqual(Object.keys(net.stateDict()), k.net);
  assert.deepEqual(net.namedParameters().map(([n]) => n), k.net_params);
  assert.deepEqual(net.namedBuffers().map(([n]) => n), k.net_buffers);
  assert.deepEqual(net.namedModules().map(([n]) => n), k.net_modules);
  assert.deepEqual(net.namedChildren().map(([n]) => n), k.net_children);
  assert.deepEqual(Object.keys(new nn.CrossEntropyLoss({ weight: torch.ones(3) }).stateDict()), k.ce_weight);
  assert.deepEqual(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: torch.ones(3) }).stateDict()), k.bce_pos);
});

test('loadStateDict reports missing, unexpected and mismatched keys as PyTorch', () => {
  const m = new nn.Linear(3, 2);
  assert.throws(() => m.loadStateDict({ weight: torch.zeros(2, 4), extra: torch.zeros(1) }), { message: fixtures.load_error });
  assert.throws(() => m.loadStateDict({ weight: torch.zeros(2, 3), bias: torch.zeros(3) }, { strict: false }), {
    message: fixtures.load_error_nonstrict,
  });
  const r = m.loadStateDict({ weight: torch.zeros(2, 3), 'extra.x': torch.zeros(1) }, { strict: false });
  assert.deepEqual(r, { missingKeys: fixtures.load_nonstrict.missing, unexpectedKeys: fixtures.load_nonstrict.unexpected });
  assert.deepEqual(m.weight.tolist(), [[0, 0, 0], [0, 0, 0]]);
});

test('an unknown reduction is refused with PyTorch 1.13\'s message by every loss', () => {
  const x = torch.zeros([2]);
  const F = nn.functional;
  const losses: [string, () => Tensor][] = [
    ['mseLoss', () => F.mseLoss(x, x, { reduction: 'bogus' as 'sum' })],
    ['l1Loss', () => F.l1Loss(x, x, { reduction: 'bogus' as 'sum' })],
    ['smoothL1Loss', () => F.smoothL1Loss(x, x, { reduction: 'bogus' as 'sum' })],
    ['huberLoss', () => F.huberLoss(x, x, { reduction: 'bogus' as 'sum' })],
    ['nllLoss', () => F.nllLoss(torch.zeros([2, 3]), torch.zeros([2], { dtype: 'int64' }), { reduction: 'bogus' as 'sum' })],
    ['crossEntropy', () => F.crossEntropy(torch.zeros([2, 3]), torch.zeros([2], { dtype: 'int64' }), { reduction: 'bogus' as 'sum' })],
    ['binaryCrossEntropy', () => F.binaryCrossEntropy(x.add(0.5), x.add(0.5), { reduction: 'bogus' as 'sum' })],
    ['binaryCrossEntropyWithLogits', () => F.binaryCrossEntropyWithLogits(x, x, { reduction: 'bogus' as 'sum' })],
    ['klDiv', () => F.klDiv(x, x, { reduction: 'bogus' as 'sum' })],
  ];
  for (const [name, loss] of losses) assert.throws(loss, { message: 'bogus is not a valid value for reduction' }, name);
});

test('a pointwise loss warns, once per message, when the target size differs from the input size (PyTorch 1.13)', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const F = nn.functional;
  F.mseLoss(torch.zeros([5, 1]), torch.zeros([5])); // another rank: broadcasts to [5, 5]
  F.l1Loss(torch.zeros([3, 7]), torch.zeros([3, 1])); // the same rank, another size
  F.smoothL1Loss(torch.zeros([5, 1]), torch.zeros([5])); // the same message again: not repeated
  F.huberLoss(torch.zeros([3]), torch.zeros([3])); // the same size: nothing
  F.mseLoss(torch.zeros([5]), torch.zeros([5, 1])); // the input's sizes a prefix of the target's
  assert.deepEqual(warn.mock.calls.map((c) => c.arguments), [
    ['UserWarning: Using a target size (torch.Size([5])) that is different to the input size (torch.Size([5, 1])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.'],
    ['UserWarning: Using a target size (torch.Size([3, 1])) that is different to the input size (torch.Size([3, 7])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.'],
    ['UserWarning: Using a target size (torch.Size([5, 1])) that is different to the input size (torch.Size([5])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.'],
  ]);
});

test('defaults and argument checks of the regression losses (PyTorch 1.13)', () => {
  const F = nn.functional;
  assert.equal(F.mseLoss(torch.tensor([1, 2]), torch.zeros([2])).item(), 2.5); // reduction 'mean' by default
  assert.throws(() => F.smoothL1Loss(torch.zeros([2]), torch.zeros([2]), { beta: -1 }), { message: 'smooth_l1_loss does not support negative values for beta.' });
});
