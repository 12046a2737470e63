// clipGradNorm_ / clipGradValue_ against torch.nn.utils (PyTorch 1.13), the L1/L2 penalties and EarlyStopping.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { tensor, zeros } from '../../src/ops/creation.js';
import * as optim from '../../src/optim/index.js';
import { assertClose, fixture } from './helpers.js';

const shapes = [[3, 2], [2]];
const withGrads = (grads: number[][]) =>
  grads.map((g, i) => {
    const p = zeros(shapes[i]).requiresGrad_();
    p.grad = tensor(g, { dtype: 'float32' }).reshape(shapes[i]);
    return p;
  });

for (const c of fixture.clip.norm as { norm_type: number | 'inf'; max_norm: number; grads: number[][]; total: number; clipped: number[][] }[]) {
  test(`clipGradNorm_ order ${c.norm_type}, max ${c.max_norm}`, () => {
    const params = withGrads(c.grads);
    const noGradParam = zeros(1).requiresGrad_();
    const total = optim.clipGradNorm_([...params, noGradParam], c.max_norm, c.norm_type);
    assert.equal(total.ndim, 0);
    assertClose([total.item()], [c.total], 1e-6, 'total norm');
    params.forEach((p, i) => assertClose(p.grad!._values(), c.clipped[i], 1e-6, `grad ${i}`));
    assert.equal(noGradParam.grad, null);
  });
}

test('clipGradNorm_: a lone tensor, Infinity for the max norm, no gradients, non-finite errors', () => {
  const p = zeros(3).requiresGrad_();
  p.grad = tensor([3, -4, 0], { dtype: 'float32' });
  assert.equal(optim.clipGradNorm_(p, 1, Infinity).item(), 4);
  assertClose(p.grad._values(), [3 / (4 + 1e-6), -4 / (4 + 1e-6), 0], 1e-7, 'inf-clipped');
  assert.equal(optim.clipGradNorm_([zeros(1).requiresGrad_()], 1).item(), 0);
  p.grad = tensor([Infinity, 1, 0], { dtype: 'float32' });
  assert.throws(() => optim.clipGradNorm_(p, 1, 2, { errorIfNonfinite: true }), /is non-finite, so it cannot be clipped/);
});

test('clipGradValue_ clamps into [-v, v]', () => {
  const { grads, clip_value, clipped } = fixture.clip.value as { clip_value: number; grads: number[][]; clipped: number[][] };
  const params = withGrads(grads);
  optim.clipGradValue_(params, clip_value);
  params.forEach((p, i) => assertClose(p.grad!._values(), clipped[i], 1e-7, `grad ${i}`));
});

test('l2Penalty is sum(w^2)/2 and l1Penalty sum(|w|), both differentiable', () => {
  const w = tensor([1, -2, 3], { dtype: 'float32' }).requiresGrad_();
  const b = tensor([0.5], { dtype: 'float32' }).requiresGrad_();
  const l2 = optim.l2Penalty([w, b]);
  assert.equal(l2.item(), (1 + 4 + 9 + 0.25) / 2);
  l2.backward();
  assert.deepEqual(w.grad!._values(), [1, -2, 3]);
  w.grad = null;
  const l1 = optim.l1Penalty([w, b]);
  assert.equal(l1.item(), 6.5);
  l1.backward();
  assert.deepEqual(w.grad!._values(), [1, -1, 1]);
});

test('lambda * l2Penalty in the loss is SGD weight decay', () => {
  const a = tensor([1, -2], { dtype: 'float64' }).requiresGrad_();
  const b = tensor([1, -2], { dtype: 'float64' }).requiresGrad_();
  const oa = new optim.SGD([a], { lr: 0.1, weightDecay: 0.3 });
  const ob = new optim.SGD([b], { lr: 0.1 });
  for (let i = 0; i < 3; i++) {
    oa.zeroGrad();
    a.sum().backward();
    oa.step();
    ob.zeroGrad();
    b.sum().add(optim.l2Penalty([b]).mul(0.3)).backward();
    ob.step();
  }
  assertClose(b._values(), a._values(), 1e-15, 'weight decay');
});

test('EarlyStopping: patience, minDelta, mode', () => {
  const es = new optim.EarlyStopping({ patience: 2, minDelta: 0.01 });
  const losses = [1.0, 0.8, 0.795, 0.79, 0.7, 0.71, 0.705];
  const stops = losses.map((l) => es.step(l));
  // 0.795 and 0.79 do not beat 0.8 by more than 0.01: two bad steps -> stop at index 3.
  assert.deepEqual(stops, [false, false, false, true, false, false, true]);
  assert.equal(es.best, 0.7);
  assert.equal(es.bestEpoch, 4);
  const acc = new optim.EarlyStopping({ patience: 1, mode: 'max' });
  assert.deepEqual([0.5, 0.6, 0.6, 0.7].map((a) => acc.step(a)), [false, false, true, false]);
  assert.equal(acc.bestEpoch, 3);
  const zero = new optim.EarlyStopping({ patience: 0 });
  assert.equal(zero.shouldStop, false);
  assert.equal(zero.step(1), false);
  assert.equal(zero.step(1), true);
  assert.equal(new optim.EarlyStopping().step(NaN), false); // NaN is never an improvement, but one bad step is within patience
  assert.throws(() => new optim.EarlyStopping({ mode: 'up' as 'min' }), /mode up is unknown/);
});

test('clipGradNorm_ on a non-finite norm: PyTorch 1.13\'s message per order, or (the default) scaling by it', () => {
  // /usr/bin/python3: p.grad = torch.tensor([inf, 1.]); clip_grad_norm_([p], 1.0, nt, error_if_nonfinite=True) for nt in (2, inf, 1)
  const tail = 'for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`';
  for (const [order, shown] of [[2, '2.0'], ['inf', 'inf'], [Infinity, 'inf'], [1, '1.0']] as const) {
    const p = zeros(2).requiresGrad_();
    p.grad = tensor([Infinity, 1], { dtype: 'float32' });
    assert.throws(() => optim.clipGradNorm_(p, 1, order, { errorIfNonfinite: true }), { message: `The total norm of order ${shown} ${tail}` }, String(order));
  }
  // clip_grad_norm_([p], 1.0) with the same grad -> tensor(inf), p.grad tensor([nan, 0.])
  const p = zeros(2).requiresGrad_();
  p.grad = tensor([Infinity, 1], { dtype: 'float32' });
  assert.equal(optim.clipGradNorm_(p, 1).item(), Infinity);
  const [first, second] = p.grad._values();
  assert.ok(Number.isNaN(first));
  assert.equal(second, 0);
});

test('clipGradValue_ leaves a parameter without a gradient alone', () => {
  // clip_grad_value_([a, b], 1.0) with a.grad [5, -0.5], b.grad None -> a.grad [1, -0.5], b.grad None
  const a = zeros(2).requiresGrad_();
  const b = zeros(1).requiresGrad_();
  a.grad = tensor([5, -0.5], { dtype: 'float32' });
  optim.clipGradValue_([a, b], 1);
  assert.deepEqual(a.grad._values(), [1, -0.5]);
  assert.equal(b.grad, null);
});

test('l1Penalty and l2Penalty of no parameters are a float32 zero', () => {
  for (const penalty of [optim.l1Penalty, optim.l2Penalty]) {
    const z = penalty([]);
    assert.equal(z.dtype, 'float32');
    assert.deepEqual(z.shape, []);
    assert.equal(z.item(), 0);
  }
});

test('EarlyStopping: its start, its refusals, minDelta in max mode, patience 0, stateDict round trip', () => {
  const fresh = new optim.EarlyStopping({ mode: 'max' });
  assert.deepEqual([fresh.best, fresh.bestEpoch, fresh.numBadEpochs, fresh.improved, fresh.epoch], [-Infinity, -1, 0, false, -1]);
  assert.throws(() => new optim.EarlyStopping({ patience: -1 }), { name: 'RangeError', message: 'patience must be non-negative, got -1' });
  assert.throws(() => new optim.EarlyStopping({ minDelta: -0.5 }), { name: 'RangeError', message: 'minDelta must be non-negative, got -0.5' });
  // max mode: 0.52 does not beat 0.5 by more than 0.05; 0.6 does.
  const acc = new optim.EarlyStopping({ mode: 'max', minDelta: 0.05, patience: 3 });
  assert.deepEqual([0.5, 0.52, 0.6].map((a) => [acc.step(a), acc.improved]), [[false, true], [false, false], [false, true]]);
  // patience 0: the very first step that does not improve stops.
  assert.equal(new optim.EarlyStopping({ patience: 0 }).step(NaN), true);
  const es = new optim.EarlyStopping({ patience: 2 });
  [1, 0.5, 0.6].forEach((l) => es.step(l));
  assert.deepEqual(es.stateDict(), { best: 0.5, best_epoch: 1, num_bad_epochs: 1, epoch: 2 });
  const resumed = new optim.EarlyStopping({ patience: 2 });
  resumed.step(0.1); // improved, to be reset by the load
  resumed.loadStateDict({ best: 0.5, best_epoch: 1, num_bad_epochs: 2, epoch: 3 });
  assert.equal(resumed.improved, false);
  assert.equal(resumed.shouldStop, true);
  assert.deepEqual(resumed.stateDict(), { best: 0.5, best_epoch: 1, num_bad_epochs: 2, epoch: 3 });
  assert.equal(resumed.step(0.7), true);
  assert.equal(resumed.epoch, 4);
});
