// Optimizer stateDict()/loadStateDict() against torch's state_dict() layout after two steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { tensor } from '../../src/ops/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import * as optim from '../../src/optim/index.js';
import { assertClose, camelOptions, fixture } from './helpers.js';

const P1 = [[0.5, -0.3], [0.8, 0.1], [-0.6, 0.4]];
const P2 = [0.7, -0.2];
const TARGET = [0.3, -0.5, 0.2];

/** The fixture's loss, through dlab's autograd. */
function loss(p1: Tensor, p2: Tensor): Tensor {
  const target = tensor(TARGET, { dtype: 'float32' });
  return p1.matmul(p2).sub(target).pow(2).sum().add(p1.pow(4).sum().mul(0.1)).add(p2.sin().sum().mul(0.5));
}

type Ctor = new (params: unknown, options: Record<string, unknown>) => optim.Optimizer;

function twoSteps(name: string, options: Record<string, unknown>) {
  const p1 = tensor(P1, { dtype: 'float32' }).requiresGrad_();
  const p2 = tensor(P2, { dtype: 'float32' }).requiresGrad_();
  const ctor = (optim as unknown as Record<string, Ctor>)[name];
  const opt = new ctor([{ params: [p1] }, { params: [p2], lr: 0.003 }], camelOptions(options));
  for (let i = 0; i < 2; i++) {
    opt.step(() => {
      opt.zeroGrad();
      const l = loss(p1, p2);
      l.backward();
      return l;
    });
  }
  return { opt, p1, p2 };
}

interface Encoded {
  tensor: number[];
  shape: number[];
  dtype: string;
}
const isEncoded = (v: unknown): v is Encoded => typeof v === 'object' && v !== null && 'tensor' in v;

function compareValue(actual: unknown, expected: unknown, where: string): void {
  if (isEncoded(expected)) {
    assert.ok(actual instanceof Tensor, `${where}: expected a tensor`);
    assert.deepEqual(actual.shape, expected.shape, `${where}: shape`);
    assert.equal(actual.dtype, expected.dtype, `${where}: dtype`);
    assertClose(actual._values(), expected.tensor, 1e-6, where);
  } else {
    assert.deepEqual(actual, expected, where);
  }
}

for (const [name, c] of Object.entries(fixture.state_dicts as Record<string, { optimizer: string; options: Record<string, unknown>; state_dict: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] } }>)) {
  test(`${name}: stateDict() has torch's layout and values after two steps`, () => {
    const { opt } = twoSteps(c.optimizer, c.options);
    const sd = opt.stateDict();
    assert.deepEqual(sd.param_groups, c.state_dict.param_groups);
    assert.deepEqual(Object.keys(sd.state).map(String), Object.keys(c.state_dict.state));
    for (const [i, s] of Object.entries(c.state_dict.state)) {
      const mine = sd.state[Number(i)];
      assert.deepEqual(Object.keys(mine), Object.keys(s), `state ${i} keys`);
      for (const [k, v] of Object.entries(s)) compareValue(mine[k], v, `state ${i}.${k}`);
    }
  });

  test(`${name}: loadStateDict() resumes exactly`, () => {
    const a = twoSteps(c.optimizer, c.options);
    const b = twoSteps(c.optimizer, c.options);
    // A fresh optimizer on b's parameters, loaded from a's dict, continues as a does.
    const ctor = (optim as unknown as Record<string, Ctor>)[c.optimizer];
    const fresh = new ctor([{ params: [b.p1] }, { params: [b.p2] }], camelOptions(c.options));
    fresh.loadStateDict(a.opt.stateDict());
    assert.equal(fresh.paramGroups[1].lr, 0.003);
    for (const [opt, p1, p2] of [[a.opt, a.p1, a.p2], [fresh, b.p1, b.p2]] as const) {
      opt.zeroGrad();
      loss(p1, p2).backward();
      opt.step();
    }
    assert.deepEqual(b.p1._values(), a.p1._values());
    assert.deepEqual(b.p2._values(), a.p2._values());
    // The loaded state is a copy, not shared with a's.
    const sa = a.opt.state.get(a.p1)!;
    const sb = fresh.state.get(b.p1)!;
    for (const k of Object.keys(sa)) if (sa[k] instanceof Tensor) assert.notEqual(sa[k], sb[k]);
  });
}

test('loadStateDict checks the group structure', () => {
  const { opt } = twoSteps('SGD', { lr: 0.1, momentum: 0.9 });
  const other = new optim.SGD([tensor([1], { dtype: 'float32' }).requiresGrad_()], { lr: 0.1 });
  assert.throws(() => other.loadStateDict(opt.stateDict()), /different number of parameter groups/);
  const other2 = new optim.SGD([{ params: [tensor([1], { dtype: 'float32' }).requiresGrad_()] }, { params: [] }], { lr: 0.1 });
  assert.throws(() => other2.loadStateDict(opt.stateDict()), /doesn't match the size of optimizer's group/);
});

test("another optimizer's state dict is refused at load, naming what is missing", () => {
  const { opt } = twoSteps('SGD', { lr: 0.1, momentum: 0.9 });
  const fresh = () => [tensor(P1, { dtype: 'float32' }).requiresGrad_(), tensor(P2, { dtype: 'float32' }).requiresGrad_()];
  const [a1, a2] = fresh();
  const adam = new optim.Adam([{ params: [a1] }, { params: [a2] }]);
  // SGD's groups have no betas and its state no exp_avg: before, this loaded and step() failed with "undefined is not iterable".
  assert.throws(() => adam.loadStateDict(opt.stateDict()), /param group 0 has no 'betas', which Adam needs/);
  const sgd = opt.stateDict();
  const withBetas = { ...sgd, param_groups: sgd.param_groups.map((g) => ({ ...g, betas: [0.9, 0.999], eps: 1e-8 })) };
  assert.throws(() => adam.loadStateDict(withBetas), /no state 'step' for parameter 0, which Adam keeps \(it has: momentum_buffer\)/);
  // Flags newer than a dict take their defaults, as PyTorch's __setstate__ (an Adam dict without 'fused' loads).
  const { opt: adamRun } = twoSteps('Adam', { lr: 0.01 });
  const old = adamRun.stateDict();
  const [b1, b2] = fresh();
  const adam2 = new optim.Adam([{ params: [b1] }, { params: [b2] }]);
  adam2.loadStateDict({ ...old, param_groups: old.param_groups.map(({ fused: _f, ...g }) => g as typeof g & { params: number[] }) });
  assert.equal(adam2.paramGroups[0].fused, false);
  // AMSGrad keeps one more state tensor: a dict saved without it cannot drive an amsgrad step
  // (PyTorch 1.13 fails at step() with KeyError 'max_exp_avg_sq'; dlab refuses at load).
  const ams = { ...old, param_groups: old.param_groups.map((g) => ({ ...g, amsgrad: true })) };
  assert.throws(() => adam2.loadStateDict(ams), /no state 'max_exp_avg_sq' for parameter 0, which Adam keeps \(it has: step, exp_avg, exp_avg_sq\)/);
});

test('Adam, AdamW and Adagrad turn a numeric step of an older dict into a 0-d float32 tensor on load (PyTorch\'s __setstate__)', () => {
  for (const Ctor of [optim.Adam, optim.AdamW, optim.Adagrad]) {
    const p = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const opt = new Ctor([p], { lr: 0.1 });
    p.grad = tensor([1, -1], { dtype: 'float32' });
    opt.step();
    opt.step();
    const saved = opt.stateDict();
    const old = { ...saved, state: { 0: { ...saved.state[0], step: 2 } } };
    const q = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const again = new Ctor([q], { lr: 0.1 });
    again.loadStateDict(old);
    const step = again.state.get(q)!.step as Tensor;
    assert.ok(step instanceof Tensor, Ctor.name);
    assert.equal(step.dtype, 'float32');
    assert.deepEqual(step.shape, []);
    assert.equal(step.item(), 2);
  }
});

test("RMSprop refuses at load a dict without the state its momentum or centering needs", () => {
  // PyTorch 1.13 would load it and fail at step() with KeyError 'momentum_buffer' / 'grad_avg'.
  const plain = twoSteps('RMSprop', { lr: 0.01 }).opt.stateDict();
  const make = (options: Record<string, unknown>) =>
    new optim.RMSprop([{ params: [tensor(P1, { dtype: 'float32' }).requiresGrad_()] }, { params: [tensor(P2, { dtype: 'float32' }).requiresGrad_()] }], options);
  const withMomentum = { ...plain, param_groups: plain.param_groups.map((g) => ({ ...g, momentum: 0.5 })) };
  assert.throws(() => make({ momentum: 0.5 }).loadStateDict(withMomentum), /no state 'momentum_buffer' for parameter 0, which RMSprop keeps \(it has: step, square_avg\)/);
  const centered = { ...plain, param_groups: plain.param_groups.map((g) => ({ ...g, centered: true })) };
  assert.throws(() => make({ centered: true }).loadStateDict(centered), /no state 'grad_avg' for parameter 0, which RMSprop keeps \(it has: step, square_avg\)/);
});

test('Adagrad and Adadelta refuse at load a dict without a state tensor they keep', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['Adagrad', { lr: 0.1 }, 'sum', /no state 'sum' for parameter 0, which Adagrad keeps \(it has: step\)/],
    ['Adadelta', { lr: 0.5 }, 'acc_delta', /no state 'acc_delta' for parameter 0, which Adadelta keeps \(it has: step, square_avg\)/],
  ];
  for (const [name, options, drop, message] of cases) {
    const saved = twoSteps(name, options).opt.stateDict();
    const without = { ...saved, state: Object.fromEntries(Object.entries(saved.state).map(([k, s]) => [k, Object.fromEntries(Object.entries(s).filter(([key]) => key !== drop))])) };
    const ctor = (optim as unknown as Record<string, Ctor>)[name];
    const opt = new ctor([{ params: [tensor(P1, { dtype: 'float32' }).requiresGrad_()] }, { params: [tensor(P2, { dtype: 'float32' }).requiresGrad_()] }], options);
    assert.throws(() => opt.loadStateDict(without as typeof saved), message, name);
  }
});

test('loadStateDict: a missing numeric hyperparameter is refused by name; the state of an id no group has is left out', () => {
  const { opt } = twoSteps('SGD', { lr: 0.1, momentum: 0.9 });
  const sd = opt.stateDict();
  const fresh = () => [tensor(P1, { dtype: 'float32' }).requiresGrad_(), tensor(P2, { dtype: 'float32' }).requiresGrad_()];
  const [a1, a2] = fresh();
  const sgd = new optim.SGD([{ params: [a1] }, { params: [a2] }], { lr: 0.1, momentum: 0.9 });
  const noMomentum = { ...sd, param_groups: sd.param_groups.map(({ momentum: _, ...g }) => g) } as typeof sd;
  assert.throws(() => sgd.loadStateDict(noMomentum), {
    message: "loaded state dict's param group 0 has no 'momentum', which SGD needs (it has: lr, dampening, weight_decay, nesterov, maximize, foreach, differentiable); was it saved from another optimizer?",
  });
  // PyTorch keeps such state under its id; a Map keyed by the parameters has no place for it.
  const extra = { ...sd, state: { ...sd.state, 7: { momentum_buffer: tensor([1, 2], { dtype: 'float32' }) } } };
  sgd.loadStateDict(extra);
  assert.deepEqual([...sgd.state.keys()], [a1, a2]);
});

test('loadStateDict casts floating state to the parameter\'s dtype, except step (PyTorch 1.13\'s _cast)', () => {
  const p = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
  const adam = new optim.Adam([p], { lr: 0.1 });
  p.grad = tensor([1, 1], { dtype: 'float32' });
  adam.step();
  const q = tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
  const other = new optim.Adam([q], { lr: 0.1 });
  other.loadStateDict(adam.stateDict());
  const s = other.state.get(q)!;
  assert.equal((s.expAvg as Tensor).dtype, 'float64');
  assert.equal((s.expAvgSq as Tensor).dtype, 'float64');
  assert.equal((s.step as Tensor).dtype, 'float32', 'step keeps its dtype');
  assert.notEqual(s.step, adam.state.get(p)!.step, 'a copy');
});
