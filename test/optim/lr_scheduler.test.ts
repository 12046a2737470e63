// Every torch.optim.lr_scheduler against 100 steps of PyTorch 1.13 (tools/fixtures/optim.py),
// with two param groups (lr 0.1 and 0.05); the Paddle schedules against their published formulas.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { tensor, zeros } from '../../src/ops/creation.js';
import * as optim from '../../src/optim/index.js';
import { assertClose, fixture } from './helpers.js';

const S = optim.lrScheduler;
type Sched = optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;

function twoGroups(kind: 'SGD' | 'Adam' = 'SGD') {
  const p = zeros(2).requiresGrad_();
  const q = zeros(1).requiresGrad_();
  const groups = [{ params: [p] }, { params: [q], lr: 0.05 }];
  return kind === 'SGD' ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1 });
}

// The same schedules as tools/fixtures/optim.py, in dlab's spelling.
const makers: Record<string, (o: optim.Optimizer) => Sched> = {
  StepLR: (o) => new S.StepLR(o, { stepSize: 7, gamma: 0.5 }),
  MultiStepLR: (o) => new S.MultiStepLR(o, { milestones: [10, 30, 30, 60], gamma: 0.3 }),
  ExponentialLR: (o) => new S.ExponentialLR(o, { gamma: 0.95 }),
  LambdaLR: (o) => new S.LambdaLR(o, { lrLambda: [(e) => 0.97 ** e, (e) => 1 / (1 + 0.05 * e)] }),
  MultiplicativeLR: (o) => new S.MultiplicativeLR(o, { lrLambda: (e) => (e % 2 ? 0.98 : 0.99) }),
  CosineAnnealingLR: (o) => new S.CosineAnnealingLR(o, { TMax: 30, etaMin: 0.001 }),
  CosineAnnealingWarmRestarts: (o) => new S.CosineAnnealingWarmRestarts(o, { T0: 10, TMult: 2, etaMin: 0.0005 }),
  CosineAnnealingWarmRestarts_mult1: (o) => new S.CosineAnnealingWarmRestarts(o, { T0: 7 }),
  LinearLR: (o) => new S.LinearLR(o, { startFactor: 0.25, endFactor: 0.9, totalIters: 20 }),
  LinearLR_default: (o) => new S.LinearLR(o),
  ConstantLR: (o) => new S.ConstantLR(o, { factor: 0.5, totalIters: 15 }),
  PolynomialLR: (o) => new S.PolynomialLR(o, { totalIters: 40, power: 2.0 }),
  OneCycleLR_cos: (o) => new S.OneCycleLR(o, { maxLr: [0.5, 0.2], totalSteps: 100 }),
  OneCycleLR_linear_three_phase: (o) =>
    new S.OneCycleLR(o, { maxLr: 0.3, epochs: 10, stepsPerEpoch: 10, pctStart: 0.25, annealStrategy: 'linear', threePhase: true, divFactor: 10, finalDivFactor: 100 }),
  CyclicLR_triangular: (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10 }),
  CyclicLR_triangular2: (o) => new S.CyclicLR(o, { baseLr: [0.01, 0.02], maxLr: [0.1, 0.05], stepSizeUp: 8, stepSizeDown: 12, mode: 'triangular2' }),
  CyclicLR_exp_range: (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5, mode: 'exp_range', gamma: 0.97, baseMomentum: 0.7, maxMomentum: 0.95 }),
  CyclicLR_no_momentum: (o) => new S.CyclicLR(o, { baseLr: 0.001, maxLr: 0.01, stepSizeUp: 15, cycleMomentum: false }),
  SequentialLR: (o) =>
    new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(o, { gamma: 0.9 })], milestones: [5] }),
  SequentialLR_three: (o) =>
    new S.SequentialLR(o, {
      schedulers: [new S.LinearLR(o, { startFactor: 0.1, totalIters: 10 }), new S.StepLR(o, { stepSize: 5, gamma: 0.7 }), new S.CosineAnnealingLR(o, { TMax: 20 })],
      milestones: [10, 40],
    }),
  ChainedScheduler: (o) => new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(o, { gamma: 0.9 })]),
  ChainedScheduler_step_cos: (o) => new S.ChainedScheduler([new S.StepLR(o, { stepSize: 10, gamma: 0.5 }), new S.MultiplicativeLR(o, { lrLambda: () => 0.99 })]),
  OneCycleLR_adam: (o) => new S.OneCycleLR(o, { maxLr: 0.01, totalSteps: 100, pctStart: 0.4 }),
  SWALR_cos: (o) => new optim.SWALR(o, 0.02, { annealEpochs: 5 }),
  SWALR_linear_groups: (o) => new optim.SWALR(o, [0.01, 0.2], { annealEpochs: 7, annealStrategy: 'linear' }),
  SWALR_no_annealing: (o) => new optim.SWALR(o, 0.03, { annealEpochs: 0 }),
  SWALR_after_decay: (o) => new S.SequentialLR(o, { schedulers: [new S.StepLR(o, { stepSize: 10, gamma: 0.5 }), new optim.SWALR(o, 0.01, { annealEpochs: 4 })], milestones: [30] }),
  ReduceLROnPlateau_min_rel: (o) => new S.ReduceLROnPlateau(o, { mode: 'min', factor: 0.5, patience: 2, cooldown: 1 }),
  ReduceLROnPlateau_min_abs: (o) => new S.ReduceLROnPlateau(o, { mode: 'min', factor: 0.3, patience: 1, threshold: 0.01, thresholdMode: 'abs', minLr: [0.01, 0.002] }),
  ReduceLROnPlateau_max_rel: (o) => new S.ReduceLROnPlateau(o, { mode: 'max', factor: 0.7, patience: 3, threshold: 0.05, cooldown: 2, minLr: 0.02 }),
  ReduceLROnPlateau_max_abs_eps: (o) => new S.ReduceLROnPlateau(o, { mode: 'max', factor: 0.9, patience: 0, threshold: 0.0, thresholdMode: 'abs', eps: 0.004 }),
};

interface Schedule {
  lrs: number[][];
  momentum?: number[][];
  beta1?: number[][];
  metrics?: number[];
}

for (const [name, expected] of Object.entries(fixture.schedulers as Record<string, Schedule>)) {
  test(`${name} matches torch over 100 steps`, () => {
    const make = makers[name];
    assert.ok(make, `no dlab maker for ${name}`);
    const opt = twoGroups(name === 'OneCycleLR_adam' ? 'Adam' : 'SGD') as unknown as optim.Optimizer;
    const sched = make(opt);
    expected.lrs.forEach((lrs, i) => {
      const now = sched instanceof S.ReduceLROnPlateau ? opt.paramGroups.map((g) => g.lr) : sched.getLastLr();
      assertClose(now, lrs, 1e-12, `${name} lr at step ${i}`);
      assertClose(opt.paramGroups.map((g) => g.lr), lrs, 1e-12, `${name} group lr at step ${i}`);
      if (expected.momentum) assertClose(opt.paramGroups.map((g) => g.momentum as number), expected.momentum[i], 1e-12, `${name} momentum at step ${i}`);
      if (expected.beta1) assertClose(opt.paramGroups.map((g) => (g.betas as number[])[0]), expected.beta1[i], 1e-12, `${name} beta1 at step ${i}`);
      if (sched instanceof S.ReduceLROnPlateau) sched.step(expected.metrics![i]);
      else sched.step();
    });
  });
}

test('closed forms: step(epoch) jumps where PyTorch has a closed form', () => {
  const o = twoGroups() as unknown as optim.Optimizer;
  const s = new S.StepLR(o, { stepSize: 3, gamma: 0.5 });
  s.step(7);
  assertClose(s.getLastLr(), [0.1 * 0.25, 0.05 * 0.25], 1e-15, 'StepLR(7)');
  const o2 = twoGroups() as unknown as optim.Optimizer;
  const c = new S.CosineAnnealingWarmRestarts(o2, { T0: 10, TMult: 2 });
  c.step(15.5); // second cycle (length 20), 5.5 in
  assertClose(c.getLastLr(), [0.1, 0.05].map((b) => (b * (1 + Math.cos((Math.PI * 5.5) / 20))) / 2), 1e-15, 'SGDR(15.5)');
  assert.equal(c.lastEpoch, 15);
});

test('scheduler stateDict uses torch names and restores a schedule', () => {
  const o = twoGroups() as unknown as optim.Optimizer;
  const s = new S.CosineAnnealingLR(o, { TMax: 10, etaMin: 0.01 });
  for (let i = 0; i < 4; i++) s.step();
  const sd = s.stateDict();
  assert.equal(sd.T_max, 10);
  assert.equal(sd.eta_min, 0.01);
  assert.equal(sd.last_epoch, 4);
  assert.deepEqual(sd.base_lrs, [0.1, 0.05]);
  assert.equal(sd._step_count, 5);
  assert.ok('_last_lr' in sd);
  const o2 = twoGroups() as unknown as optim.Optimizer;
  o2.loadStateDict(o.stateDict());
  const s2 = new S.CosineAnnealingLR(o2, { TMax: 99, lastEpoch: -1 });
  s2.loadStateDict(sd);
  assert.equal(s2.TMax, 10);
  s.step();
  s2.step();
  assert.deepEqual(s2.getLastLr(), s.getLastLr());
  const p = new S.ReduceLROnPlateau(o, { patience: 3 });
  p.step(1);
  const psd = p.stateDict();
  assert.equal(psd.num_bad_epochs, 0);
  assert.equal(psd.best, 1);
  assert.deepEqual(psd.min_lrs, [0, 0]);
});

test('schedulers: errors as PyTorch', () => {
  const o = twoGroups() as unknown as optim.Optimizer;
  assert.throws(() => new S.StepLR({} as optim.Optimizer, { stepSize: 1 }), /is not an Optimizer/);
  assert.throws(() => new S.LambdaLR(o, { lrLambda: [() => 1] }), /Expected 2 lr_lambdas, but got 1/);
  assert.throws(() => new S.ReduceLROnPlateau(o, { factor: 1 }), /Factor should be < 1.0/);
  assert.throws(() => new S.OneCycleLR(o, { maxLr: 0.1 }), /You must define either total_steps OR/);
  assert.throws(() => new S.CosineAnnealingWarmRestarts(o, { T0: 0 }), /Expected positive integer T_0/);
  const adam = new optim.Adam([zeros(1).requiresGrad_()]);
  assert.throws(() => new S.CyclicLR(adam as unknown as optim.Optimizer, { baseLr: 0.01, maxLr: 0.1 }), /optimizer must support momentum/);
  const fresh = new optim.SGD([zeros(1).requiresGrad_()], { lr: 0.1 });
  assert.throws(() => new S.StepLR(fresh as unknown as optim.Optimizer, { stepSize: 2, lastEpoch: 5 }), /param 'initial_lr' is not specified/);
  const one = new S.OneCycleLR(twoGroups() as unknown as optim.Optimizer, { maxLr: 0.1, totalSteps: 3 });
  for (let i = 0; i < 3; i++) one.step();
  assert.throws(() => one.step(), /Tried to step 5 times. The specified number of total steps is 3/);
});

// ------------------------------------------------------------------------------ Paddle schedules

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('PiecewiseDecay: values by boundaries (Paddle)', () => {
  const curve = S.lrCurve((o) => new S.PiecewiseDecay(o, { boundaries: [3, 6, 9], values: [0.1, 0.2, 0.3, 0.4] }), 12);
  assert.deepEqual(curve, [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.4, 0.4, 0.4]);
  // Paddle's messages (python/paddle/optimizer/lr.py).
  assert.throws(() => S.lrCurve((o) => new S.PiecewiseDecay(o, { boundaries: [3, 6], values: [0.1, 0.2] }), 1), {
    message: 'The values have one more element than boundaries, but received len(values) [2] < len(boundaries) + 1 [3].',
  });
  assert.throws(() => S.lrCurve((o) => new S.PiecewiseDecay(o, { boundaries: [], values: [0.1] }), 1), { message: 'The boundaries cannot be empty.' });
});

test('NaturalExpDecay: lr * exp(-gamma * epoch) (Paddle)', () => {
  const curve = S.lrCurve((o) => new S.NaturalExpDecay(o, { gamma: 0.1 }), 30, { lr: 0.5 });
  assertClose(curve, range(30).map((t) => 0.5 * Math.exp(-0.1 * t)), 1e-15, 'NaturalExpDecay');
  const fixed = S.lrCurve((o) => new S.NaturalExpDecay(o, { gamma: 0.2, learningRate: 2 }), 5, { lr: 0.5 });
  assertClose(fixed, range(5).map((t) => 2 * Math.exp(-0.2 * t)), 1e-15, 'NaturalExpDecay learningRate');
});

test('Paddle schedules: a negative learning_rate is refused, 0 is not (Paddle LRScheduler)', () => {
  assert.throws(() => S.lrCurve((o) => new S.NaturalExpDecay(o, { gamma: 0.1, learningRate: -0.5 }), 1), { message: 'Invalid learning rate: -0.5' });
  assert.deepEqual(S.lrCurve((o) => new S.InverseTimeDecay(o, { gamma: 0.1, learningRate: 0 }), 3), [0, 0, 0]);
  // NaturalExpDecay's gamma and NoamDecay's d_model must be positive (Paddle's asserts).
  for (const gamma of [0, -0.1]) {
    assert.throws(() => S.lrCurve((o) => new S.NaturalExpDecay(o, { gamma }), 1), { message: "'gamma' must be a positive number so that the learning rate will decay." });
  }
  for (const dModel of [0, -8]) assert.throws(() => S.lrCurve((o) => new S.NoamDecay(o, { dModel, warmupSteps: 4 }), 1), { message: 'd_model should be grater than 0' });
  // step(epoch) jumps (Paddle's step sets last_epoch and reads get_lr, its closed form).
  const o = twoGroups() as unknown as optim.Optimizer;
  const s = new S.NaturalExpDecay(o, { gamma: 0.1 });
  s.step(7);
  assertClose(s.getLastLr(), [0.1 * Math.exp(-0.7), 0.05 * Math.exp(-0.7)], 1e-15, 'NaturalExpDecay.step(7)');
});

test('InverseTimeDecay: lr / (1 + gamma * epoch) (Paddle)', () => {
  const curve = S.lrCurve((o) => new S.InverseTimeDecay(o, { gamma: 0.1 }), 30, { lr: 0.5 });
  assertClose(curve, range(30).map((t) => 0.5 / (1 + 0.1 * t)), 1e-15, 'InverseTimeDecay');
});

test('NoamDecay: d_model^-0.5 * min(step^-0.5, step * warmup^-1.5) (Paddle)', () => {
  const curve = S.lrCurve((o) => new S.NoamDecay(o, { dModel: 512, warmupSteps: 40 }), 100);
  const noam = (t: number) => 512 ** -0.5 * Math.min(t === 0 ? 1 : t ** -0.5, t * 40 ** -1.5);
  assertClose(curve, range(100).map(noam), 1e-15, 'NoamDecay');
  assert.equal(curve[0], 0);
  assert.equal(Math.max(...curve), curve[40]); // the peak is at the end of warmup
  const scaled = S.lrCurve((o) => new S.NoamDecay(o, { dModel: 64, warmupSteps: 10, learningRate: 2 }), 20);
  assertClose(scaled, range(20).map((t) => 2 * 64 ** -0.5 * Math.min(t === 0 ? 1 : t ** -0.5, t * 10 ** -1.5)), 1e-15, 'NoamDecay learningRate');
});

test('LinearWarmup: start_lr -> end_lr over warmup_steps, then the wrapped schedule (Paddle)', () => {
  const fixed = S.lrCurve((o) => new S.LinearWarmup(o, { learningRate: 0.5, warmupSteps: 20, startLr: 0, endLr: 0.5 }), 30);
  assertClose(fixed, range(30).map((t) => (t < 20 ? (0.5 * t) / 20 : 0.5)), 1e-15, 'LinearWarmup(float)');
  const wrapped = S.lrCurve(
    (o) => new S.LinearWarmup(o, { learningRate: new S.CosineAnnealingLR(o, { TMax: 50, etaMin: 0.001 }), warmupSteps: 10, startLr: 0.01, endLr: 0.1 }),
    70,
  );
  const expected = range(70).map((t) =>
    t < 10 ? ((0.1 - 0.01) * t) / 10 + 0.01 : 0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * (t - 10)) / 50))) / 2,
  );
  assertClose(wrapped, expected, 1e-12, 'LinearWarmup(CosineAnnealingLR)');
  assert.throws(() => S.lrCurve((o) => new S.LinearWarmup(o, { learningRate: 0.1, warmupSteps: 5, startLr: 0.2, endLr: 0.1 }), 1), /must be greater than start_lr/);
});

test('lrCurve feeds ReduceLROnPlateau the given metrics', () => {
  const curve = S.lrCurve((o) => new S.ReduceLROnPlateau(o, { patience: 0, factor: 0.5 }), 4, { metrics: [1, 1, 1, 1] });
  assertClose(curve, [0.1, 0.1, 0.05, 0.025], 1e-15, 'plateau');
  assert.throws(() => S.lrCurve((o) => new S.ReduceLROnPlateau(o), 2), /needs options.metrics\[0\]/);
});

// ------------------------------------------------------------------ refusals (PyTorch 1.13's words)

// Each case of tools/fixtures/lr_scheduler_api.py, built the same way: the message PyTorch raises
// (TypeError where PyTorch's is one), or null where it accepts.
test('schedulers refuse what PyTorch 1.13 refuses, in its words, and accept its boundary values', () => {
  const api = JSON.parse(readFileSync(new URL('../fixtures/lr_scheduler_api.json', import.meta.url), 'utf8')) as { cases: Record<string, [string, string] | null> };
  const sgd = () => twoGroups() as unknown as optim.Optimizer;
  const adagrad = () => new optim.Adagrad([zeros(1).requiresGrad_()], { lr: 0.1 }) as unknown as optim.Optimizer;
  const stepped = (make: () => { step(epoch?: number): void }, ...epochs: (number | undefined)[]) => () => {
    const s = make();
    for (const e of epochs) s.step(e);
  };
  const o = sgd();
  const other = sgd();
  const cases: Record<string, () => unknown> = {
    'ConstantLR factor 1': () => new S.ConstantLR(sgd(), { factor: 1 }),
    'ConstantLR factor 0': () => new S.ConstantLR(sgd(), { factor: 0 }),
    'ConstantLR factor 1.5': () => new S.ConstantLR(sgd(), { factor: 1.5 }),
    'ConstantLR factor -0.1': () => new S.ConstantLR(sgd(), { factor: -0.1 }),
    'LinearLR start_factor 1': () => new S.LinearLR(sgd(), { startFactor: 1 }),
    'LinearLR start_factor 0': () => new S.LinearLR(sgd(), { startFactor: 0, endFactor: 1 }),
    'LinearLR start_factor 1.5': () => new S.LinearLR(sgd(), { startFactor: 1.5 }),
    'LinearLR start_factor -0.1': () => new S.LinearLR(sgd(), { startFactor: -0.1 }),
    'LinearLR end_factor 0': () => new S.LinearLR(sgd(), { endFactor: 0 }),
    'LinearLR end_factor 1.5': () => new S.LinearLR(sgd(), { endFactor: 1.5 }),
    'LinearLR end_factor -0.1': () => new S.LinearLR(sgd(), { endFactor: -0.1 }),
    'CosineAnnealingWarmRestarts T_0 1': () => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 1 }),
    'CosineAnnealingWarmRestarts T_0 0': () => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 0 }),
    'CosineAnnealingWarmRestarts T_0 -1': () => new S.CosineAnnealingWarmRestarts(sgd(), { T0: -1 }),
    'CosineAnnealingWarmRestarts T_0 2.5': () => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 2.5 }),
    'CosineAnnealingWarmRestarts T_mult 1': () => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 3, TMult: 1 }),
    'CosineAnnealingWarmRestarts T_mult 0': () => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 3, TMult: 0 }),
    'CosineAnnealingWarmRestarts T_mult 1.5': () => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 3, TMult: 1.5 }),
    'CosineAnnealingWarmRestarts step -1': stepped(() => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 3 }), -1),
    'CosineAnnealingWarmRestarts step 0': stepped(() => new S.CosineAnnealingWarmRestarts(sgd(), { T0: 3 }), 0),
    'CyclicLR mode foo': () => new S.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, mode: 'foo' as 'triangular' }),
    'CyclicLR mode foo with scale_fn': () => new S.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, mode: 'foo' as 'triangular', scaleFn: () => 1 }),
    'CyclicLR no momentum': () => new S.CyclicLR(adagrad(), { baseLr: 0.01, maxLr: 0.1 }),
    'CyclicLR no momentum, cycle_momentum False': () => new S.CyclicLR(adagrad(), { baseLr: 0.01, maxLr: 0.1, cycleMomentum: false }),
    'CyclicLR base_lr of 3': () => new S.CyclicLR(sgd(), { baseLr: [0.01, 0.02, 0.03], maxLr: 0.1 }),
    'CyclicLR max_lr of 1': () => new S.CyclicLR(sgd(), { baseLr: 0.01, maxLr: [0.1] }),
    'CyclicLR base_momentum of 1': () => new S.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, baseMomentum: [0.8] }),
    'CyclicLR max_momentum of 3': () => new S.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, maxMomentum: [0.9, 0.9, 0.9] }),
    'LambdaLR 1 of 2': () => new S.LambdaLR(sgd(), { lrLambda: [() => 1] }),
    'LambdaLR 3 of 2': () => new S.LambdaLR(sgd(), { lrLambda: [() => 1, () => 1, () => 1] }),
    'MultiplicativeLR 1 of 2': () => new S.MultiplicativeLR(sgd(), { lrLambda: [() => 1] }),
    'OneCycleLR no steps': () => new S.OneCycleLR(sgd(), { maxLr: 0.1 }),
    'OneCycleLR total_steps 0': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 0 }),
    'OneCycleLR total_steps -2': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: -2 }),
    'OneCycleLR total_steps 1.5': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 1.5 }),
    'OneCycleLR epochs 0': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 0, stepsPerEpoch: 3 }),
    'OneCycleLR epochs 1.5': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 1.5, stepsPerEpoch: 3 }),
    'OneCycleLR steps_per_epoch 0': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 2, stepsPerEpoch: 0 }),
    'OneCycleLR steps_per_epoch 2.5': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 2, stepsPerEpoch: 2.5 }),
    'OneCycleLR pct_start 0': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 0 }),
    'OneCycleLR pct_start 1': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 1 }),
    'OneCycleLR pct_start 1.5': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }),
    'OneCycleLR pct_start -0.1': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: -0.1 }),
    'OneCycleLR anneal_strategy foo': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, annealStrategy: 'foo' as 'cos' }),
    'OneCycleLR no momentum': () => new S.OneCycleLR(adagrad(), { maxLr: 0.1, totalSteps: 10 }),
    'OneCycleLR no momentum, cycle_momentum False': () => new S.OneCycleLR(adagrad(), { maxLr: 0.1, totalSteps: 10, cycleMomentum: false }),
    'OneCycleLR max_lr of 3': () => new S.OneCycleLR(sgd(), { maxLr: [0.1, 0.2, 0.3], totalSteps: 10 }),
    'OneCycleLR max_momentum of 1': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, maxMomentum: [0.9] }),
    'OneCycleLR base_momentum of 3': () => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, baseMomentum: [0.8, 0.8, 0.8] }),
    'OneCycleLR step to the end': stepped(() => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 3 }), undefined, undefined),
    'OneCycleLR step past the end': stepped(() => new S.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 3 }), undefined, undefined, undefined, undefined),
    'ReduceLROnPlateau factor 1': () => new S.ReduceLROnPlateau(sgd(), { factor: 1 }),
    'ReduceLROnPlateau factor 2': () => new S.ReduceLROnPlateau(sgd(), { factor: 2 }),
    'ReduceLROnPlateau factor 0.999': () => new S.ReduceLROnPlateau(sgd(), { factor: 0.999 }),
    'ReduceLROnPlateau not an optimizer': () => new S.ReduceLROnPlateau({} as optim.Optimizer),
    'ReduceLROnPlateau min_lr of 1': () => new S.ReduceLROnPlateau(sgd(), { minLr: [0.1] }),
    'ReduceLROnPlateau min_lr of 3': () => new S.ReduceLROnPlateau(sgd(), { minLr: [0.1, 0.1, 0.1] }),
    'ReduceLROnPlateau mode foo': () => new S.ReduceLROnPlateau(sgd(), { mode: 'foo' as 'min' }),
    'ReduceLROnPlateau threshold_mode foo': () => new S.ReduceLROnPlateau(sgd(), { thresholdMode: 'foo' as 'rel' }),
    'StepLR not an optimizer': () => new S.StepLR({} as optim.Optimizer, { stepSize: 2 }),
    'StepLR resumed without initial_lr': () => new S.StepLR(sgd(), { stepSize: 2, lastEpoch: 3 }),
    'SequentialLR another optimizer at 1': () => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o), new S.ConstantLR(other)], milestones: [2] }),
    'SequentialLR two milestones for two': () => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o), new S.ConstantLR(o)], milestones: [2, 4] }),
    'SequentialLR no milestone for two': () => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o), new S.ConstantLR(o)], milestones: [] }),
    'ChainedScheduler another optimizer at 2': () => new S.ChainedScheduler([new S.ConstantLR(o), new S.ConstantLR(o), new S.ConstantLR(other)]),
  };
  assert.deepEqual(Object.keys(cases).sort(), Object.keys(api.cases).sort());
  for (const [name, want] of Object.entries(api.cases)) {
    if (want === null) {
      assert.doesNotThrow(cases[name], name);
      continue;
    }
    // KeyError's str() quotes its message.
    const message = want[0] === 'KeyError' ? want[1].slice(1, -1) : want[1];
    assert.throws(cases[name], (e: Error) => {
      assert.equal(e.message, message, name);
      if (want[0] === 'TypeError') assert.equal(e.name, 'TypeError', name);
      return true;
    });
  }
});

// step(epoch) with the closed form, back and forth, and a scheduler resumed at lastEpoch 9 (its
// groups holding initialLr and the lr 9 steps left), against PyTorch 1.13 (tools/fixtures/lr_scheduler_api.py).
test('closed forms of every scheduler that has one, and resuming at lastEpoch, as PyTorch 1.13', () => {
  const api = JSON.parse(readFileSync(new URL('../fixtures/lr_scheduler_api.json', import.meta.url), 'utf8')) as {
    jumps: number[];
    closed_form: Record<string, number[][]>;
    resumed: Record<string, number[][]>;
    resumed_lr_not_restored: Record<string, number[][]>;
  };
  const closed: Record<string, (o: optim.Optimizer, lastEpoch?: number) => optim.lrScheduler.LRScheduler> = {
    StepLR: (o, lastEpoch) => new S.StepLR(o, { stepSize: 4, gamma: 0.5, lastEpoch }),
    MultiStepLR: (o, lastEpoch) => new S.MultiStepLR(o, { milestones: [2, 10, 10, 25], gamma: 0.3, lastEpoch }),
    ConstantLR: (o, lastEpoch) => new S.ConstantLR(o, { factor: 0.4, totalIters: 13, lastEpoch }),
    LinearLR: (o, lastEpoch) => new S.LinearLR(o, { startFactor: 0.2, endFactor: 0.9, totalIters: 13, lastEpoch }),
    ExponentialLR: (o, lastEpoch) => new S.ExponentialLR(o, { gamma: 0.9, lastEpoch }),
    CosineAnnealingLR: (o, lastEpoch) => new S.CosineAnnealingLR(o, { TMax: 13, etaMin: 0.002, lastEpoch }),
    PolynomialLR: (o, lastEpoch) => new S.PolynomialLR(o, { totalIters: 13, power: 1.5, lastEpoch }),
  };
  assert.deepEqual(Object.keys(closed).sort(), Object.keys(api.closed_form).sort());
  const lrs = (o: optim.Optimizer) => o.paramGroups.map((g) => g.lr);
  for (const [name, make] of Object.entries(closed)) {
    const o = twoGroups() as unknown as optim.Optimizer;
    const s = make(o);
    api.jumps.forEach((epoch, i) => {
      s.step(epoch);
      assertClose(lrs(o), api.closed_form[name][i], 1e-12, `${name}.step(${epoch})`);
      assertClose(s.getLastLr(), api.closed_form[name][i], 1e-12, `${name}.step(${epoch}) getLastLr`);
      assert.equal(s.lastEpoch, epoch);
    });
    // Resumed: the lr and initialLr of a run 9 steps in, then 12 chainable steps.
    const first = twoGroups() as unknown as optim.Optimizer;
    const ran = make(first);
    for (let i = 0; i < 9; i++) ran.step();
    const o2 = twoGroups() as unknown as optim.Optimizer;
    o2.paramGroups.forEach((g, i) => Object.assign(g, { initialLr: first.paramGroups[i].initialLr, lr: first.paramGroups[i].lr }));
    const resumed = make(o2, 9);
    api.resumed[name].forEach((want, i) => {
      if (i > 0) resumed.step();
      assertClose(lrs(o2), want, 1e-12, `${name} resumed at 9, step ${i}`);
    });
    const o3 = twoGroups() as unknown as optim.Optimizer;
    o3.paramGroups.forEach((g, i) => Object.assign(g, { initialLr: first.paramGroups[i].initialLr, lr: 0.5 * (first.paramGroups[i].initialLr as number) }));
    const notRestored = make(o3, 9);
    api.resumed_lr_not_restored[name].forEach((want, i) => {
      if (i > 0) notRestored.step();
      assertClose(lrs(o3), want, 1e-12, `${name} resumed at 9 with its lr not restored, step ${i}`);
    });
  }
});

test('SequentialLR and ChainedScheduler: the state dict carries the inner schedulers, and a loaded one goes on the same', () => {
  const sequential = (o: optim.Optimizer) =>
    new S.SequentialLR(o, { schedulers: [new S.LinearLR(o, { startFactor: 0.2, totalIters: 4 }), new S.ExponentialLR(o, { gamma: 0.8 })], milestones: [3] });
  const chained = (o: optim.Optimizer) => new S.ChainedScheduler([new S.StepLR(o, { stepSize: 2, gamma: 0.5 }), new S.ExponentialLR(o, { gamma: 0.9 })]);
  // The inner ExponentialLR's epoch after 5 steps: restarted at the milestone 3 (SequentialLR), or stepped each time.
  for (const [make, innerEpoch] of [[sequential, 2], [chained, 5]] as const) {
    const o = twoGroups() as unknown as optim.Optimizer;
    const s = make(o);
    for (let i = 0; i < 5; i++) s.step();
    const sd = s.stateDict();
    const inner = sd._schedulers as Record<string, unknown>[];
    assert.equal(inner.length, 2);
    assert.equal(inner[1].last_epoch, innerEpoch);
    // A fresh optimizer and scheduler (built first: building resets the groups' lr), loaded, step as
    // the first: the inner schedulers' epochs came too.
    const o2 = twoGroups() as unknown as optim.Optimizer;
    const s2 = make(o2);
    o2.loadStateDict(o.stateDict());
    s2.loadStateDict(sd);
    for (let i = 0; i < 6; i++) {
      s.step();
      s2.step();
      assert.deepEqual(s2.getLastLr(), s.getLastLr(), `${s.constructor.name} step ${i + 6}`);
    }
  }
  assert.throws(() => new S.ChainedScheduler([]), { message: 'ChainedScheduler expects at least one scheduler' });
});

// State dicts against PyTorch 1.13 (tools/fixtures/lr_scheduler_api.py, state_dicts): each
// scheduler stepped 4 times writes PyTorch's keys with PyTorch's values; and a scheduler built
// with other arguments, over groups holding PyTorch's keys, loads PyTorch's state dict and goes
// on as PyTorch's did. Left out of the fixture: what JSON cannot hold (functions, weak references)
// and verbose / _get_lr_called_within_step, which dlab has not.
test('state dicts: PyTorch 1.13 keys and values, and a PyTorch state dict loaded goes on as PyTorch', () => {
  const api = JSON.parse(readFileSync(new URL('../fixtures/lr_scheduler_api.json', import.meta.url), 'utf8')) as {
    metrics: number[];
    state_dicts: Record<string, { state: Record<string, unknown>; groups: Record<string, number>[]; next: number[][] }>;
  };
  // [as the fixture, with other arguments (what the loaded state must override)].
  const made: Record<string, [(o: optim.Optimizer) => Sched, (o: optim.Optimizer) => Sched]> = {
    StepLR: [(o) => new S.StepLR(o, { stepSize: 3, gamma: 0.5 }), (o) => new S.StepLR(o, { stepSize: 99, gamma: 0.9 })],
    MultiStepLR: [(o) => new S.MultiStepLR(o, { milestones: [2, 5, 5], gamma: 0.3 }), (o) => new S.MultiStepLR(o, { milestones: [1], gamma: 0.9 })],
    ConstantLR: [(o) => new S.ConstantLR(o, { factor: 0.4, totalIters: 5 }), (o) => new S.ConstantLR(o, { factor: 0.9, totalIters: 50 })],
    LinearLR: [(o) => new S.LinearLR(o, { startFactor: 0.2, endFactor: 0.9, totalIters: 6 }), (o) => new S.LinearLR(o, { startFactor: 0.5, endFactor: 0.6, totalIters: 60 })],
    ExponentialLR: [(o) => new S.ExponentialLR(o, { gamma: 0.9 }), (o) => new S.ExponentialLR(o, { gamma: 0.5 })],
    PolynomialLR: [(o) => new S.PolynomialLR(o, { totalIters: 6, power: 2 }), (o) => new S.PolynomialLR(o, { totalIters: 60, power: 1 })],
    CosineAnnealingLR: [(o) => new S.CosineAnnealingLR(o, { TMax: 5, etaMin: 0.001 }), (o) => new S.CosineAnnealingLR(o, { TMax: 50 })],
    CosineAnnealingWarmRestarts: [
      (o) => new S.CosineAnnealingWarmRestarts(o, { T0: 3, TMult: 2, etaMin: 0.001 }),
      (o) => new S.CosineAnnealingWarmRestarts(o, { T0: 30, TMult: 1 }),
    ],
    LambdaLR: [(o) => new S.LambdaLR(o, { lrLambda: (e) => 0.9 ** e }), (o) => new S.LambdaLR(o, { lrLambda: (e) => 0.9 ** e })],
    MultiplicativeLR: [(o) => new S.MultiplicativeLR(o, { lrLambda: () => 0.9 }), (o) => new S.MultiplicativeLR(o, { lrLambda: () => 0.9 })],
    CyclicLR: [
      (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: [0.1, 0.2], stepSizeUp: 3, mode: 'triangular2' }),
      (o) => new S.CyclicLR(o, { baseLr: 0.02, maxLr: 0.3, stepSizeUp: 7, mode: 'triangular2', baseMomentum: 0.7, maxMomentum: 0.75 }),
    ],
    CyclicLR_exp_range: [
      (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, mode: 'exp_range', gamma: 0.9 }),
      (o) => new S.CyclicLR(o, { baseLr: 0.02, maxLr: 0.3, stepSizeUp: 7, mode: 'exp_range', gamma: 0.5 }),
    ],
    CyclicLR_no_momentum: [
      (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, cycleMomentum: false }),
      (o) => new S.CyclicLR(o, { baseLr: 0.02, maxLr: 0.3, stepSizeUp: 7, cycleMomentum: false }),
    ],
    OneCycleLR: [(o) => new S.OneCycleLR(o, { maxLr: [0.5, 0.2], totalSteps: 20 }), (o) => new S.OneCycleLR(o, { maxLr: 0.9, totalSteps: 90, threePhase: true })],
    OneCycleLR_three_phase: [
      (o) => new S.OneCycleLR(o, { maxLr: 0.3, totalSteps: 20, threePhase: true, annealStrategy: 'linear' }),
      (o) => new S.OneCycleLR(o, { maxLr: 0.9, totalSteps: 90, annealStrategy: 'linear' }),
    ],
    OneCycleLR_no_momentum: [
      (o) => new S.OneCycleLR(o, { maxLr: 0.3, totalSteps: 20, cycleMomentum: false }),
      (o) => new S.OneCycleLR(o, { maxLr: 0.9, totalSteps: 90, cycleMomentum: false }),
    ],
    ReduceLROnPlateau: [
      (o) => new S.ReduceLROnPlateau(o, { factor: 0.5, patience: 1, cooldown: 1 }),
      (o) => new S.ReduceLROnPlateau(o, { mode: 'max', factor: 0.9, patience: 9, cooldown: 0, threshold: 0.3, thresholdMode: 'abs', minLr: 0.04, eps: 0.1 }),
    ],
    ReduceLROnPlateau_max: [
      (o) => new S.ReduceLROnPlateau(o, { mode: 'max', factor: 0.5, patience: 1 }),
      (o) => new S.ReduceLROnPlateau(o, { mode: 'min', factor: 0.9, patience: 3 }),
    ],
    SequentialLR: [
      (o) => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(o, { gamma: 0.9 })], milestones: [3] }),
      (o) => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o, { factor: 0.5, totalIters: 9 }), new S.ExponentialLR(o, { gamma: 0.5 })], milestones: [30] }),
    ],
    ChainedScheduler: [
      (o) => new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.1, totalIters: 5 }), new S.ExponentialLR(o, { gamma: 0.9 })]),
      (o) => new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.5, totalIters: 50 }), new S.ExponentialLR(o, { gamma: 0.5 })]),
    ],
  };
  // dlab's keys that PyTorch 1.13's state dict has not: OneCycleLR keeps the anneal strategy's name
  // where PyTorch keeps the bound method (left out of the fixture); the composite schedulers are
  // LRSchedulers here, with their base's attributes.
  const extra: Record<string, string[]> = {
    OneCycleLR: ['anneal_strategy'],
    OneCycleLR_three_phase: ['anneal_strategy'],
    OneCycleLR_no_momentum: ['anneal_strategy'],
    SequentialLR: ['base_lrs', '_step_count'],
    ChainedScheduler: ['base_lrs', 'last_epoch', '_step_count'],
  };
  const decode = (v: unknown): unknown => {
    if (v === 'inf') return Infinity;
    if (v === '-inf') return -Infinity;
    if (Array.isArray(v)) return v.map(decode);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
    return v;
  };
  const close = (got: unknown, want: unknown, what: string): void => {
    if (typeof want === 'number' && !Number.isFinite(want)) return assert.equal(got, want, what);
    if (typeof want === 'number' && typeof got === 'number') return assertClose([got], [want], 1e-12, what);
    if (Array.isArray(want) && Array.isArray(got)) {
      assert.equal(got.length, want.length, `${what}: length`);
      return want.forEach((w, i) => close(got[i], w, `${what}[${i}]`));
    }
    if (want && typeof want === 'object' && got && typeof got === 'object') {
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: keys`);
      for (const [k, w] of Object.entries(want)) close((got as Record<string, unknown>)[k], w, `${what}.${k}`);
      return;
    }
    assert.deepEqual(got, want, what);
  };
  const step = (s: Sched, i: number) => (s instanceof S.ReduceLROnPlateau ? s.step(api.metrics[i]) : s.step());
  const lrs = (o: optim.Optimizer) => o.paramGroups.map((g) => g.lr);
  assert.deepEqual(Object.keys(made).sort(), Object.keys(api.state_dicts).sort());
  for (const [name, [make, other]] of Object.entries(made)) {
    const want = api.state_dicts[name];
    const o = twoGroups() as unknown as optim.Optimizer;
    const s = make(o);
    for (let i = 0; i < 4; i++) step(s, i);
    const sd = s.stateDict();
    const inner = (x: Record<string, unknown>) => (x._schedulers ? { ...x, _schedulers: (x._schedulers as Record<string, unknown>[]).map((t) => ({ ...t })) } : x);
    const mine = inner(sd);
    for (const k of extra[name] ?? []) delete mine[k];
    close(mine, decode(want.state), `${name} state dict`);
    // The groups as PyTorch's (lr, initial_lr, momentum, OneCycleLR's bounds).
    o.paramGroups.forEach((g, i) => {
      for (const [k, v] of Object.entries(want.groups[i])) close(g[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())], v, `${name} group ${i} ${k}`);
    });
    // Loaded: the groups as PyTorch left them, then PyTorch's state dict.
    const o2 = twoGroups() as unknown as optim.Optimizer;
    const s2 = other(o2);
    o2.paramGroups.forEach((g, i) => {
      for (const [k, v] of Object.entries(want.groups[i])) g[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
    });
    s2.loadStateDict(decode(want.state) as Record<string, unknown>);
    assertClose(s2.getLastLr(), want.state._last_lr as number[], 1e-12, `${name} loaded: getLastLr`);
    // What it loaded is its state now (ReduceLROnPlateau's mode_worse follows the loaded mode).
    const again = inner(s2.stateDict());
    for (const k of extra[name] ?? []) delete again[k];
    close(again, decode(want.state), `${name} loaded: state dict`);
    want.next.forEach((lr, i) => {
      step(s2, 4 + i);
      assertClose(lrs(o2), lr, 1e-12, `${name} loaded, step ${5 + i}`);
    });
  }
});

// OneCycleLR and CyclicLR write keys into the groups when they start; resumed at lastEpoch 9 with
// other arguments, they keep what the groups hold (PyTorch 1.13, resumed_groups in the fixture).
test('OneCycleLR and CyclicLR resumed at lastEpoch keep the groups their first run left, as PyTorch 1.13', () => {
  const api = JSON.parse(readFileSync(new URL('../fixtures/lr_scheduler_api.json', import.meta.url), 'utf8')) as {
    resumed_groups: Record<string, { lrs: number[][]; momentum: number[][] }>;
  };
  const made: Record<string, [(o: optim.Optimizer) => optim.lrScheduler.LRScheduler, (o: optim.Optimizer) => optim.lrScheduler.LRScheduler]> = {
    OneCycleLR: [
      (o) => new S.OneCycleLR(o, { maxLr: [0.5, 0.2], totalSteps: 20 }),
      (o) => new S.OneCycleLR(o, { maxLr: 0.9, totalSteps: 20, baseMomentum: 0.5, maxMomentum: 0.6, divFactor: 3, finalDivFactor: 7, lastEpoch: 9 }),
    ],
    CyclicLR: [
      (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: [0.1, 0.2], stepSizeUp: 3 }),
      (o) => new S.CyclicLR(o, { baseLr: 0.03, maxLr: [0.1, 0.2], stepSizeUp: 3, baseMomentum: 0.5, maxMomentum: 0.6, lastEpoch: 9 }),
    ],
  };
  assert.deepEqual(Object.keys(made).sort(), Object.keys(api.resumed_groups).sort());
  const keys = ['lr', 'initialLr', 'momentum', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];
  for (const [name, [first, again]] of Object.entries(made)) {
    const o = twoGroups() as unknown as optim.Optimizer;
    const s = first(o);
    for (let i = 0; i < 9; i++) s.step();
    const o2 = twoGroups() as unknown as optim.Optimizer;
    o2.paramGroups.forEach((g, i) => {
      for (const k of keys) if (k in o.paramGroups[i]) g[k] = o.paramGroups[i][k];
    });
    const s2 = again(o2);
    const want = api.resumed_groups[name];
    want.lrs.forEach((lr, i) => {
      if (i > 0) s2.step();
      assertClose(o2.paramGroups.map((g) => g.lr), lr, 1e-12, `${name} resumed, step ${i}: lr`);
      assertClose(o2.paramGroups.map((g) => g.momentum as number), want.momentum[i], 1e-12, `${name} resumed, step ${i}: momentum`);
    });
  }
});

// OneCycleLR over Adam cycles beta1, keeps beta2, and adds PyTorch's keys to the groups, no
// momentum (PyTorch 1.13, adam_one_cycle in the fixture).
test('OneCycleLR over Adam: the keys it adds and the betas, as PyTorch 1.13', () => {
  const api = JSON.parse(readFileSync(new URL('../fixtures/lr_scheduler_api.json', import.meta.url), 'utf8')) as {
    adam_one_cycle: { added: string[]; betas: number[][][] };
    one_cycle_at_total: Record<'cos' | 'linear', { lrs: number[]; momentum: number[] }>;
  };
  const p = zeros(2).requiresGrad_();
  const q = zeros(1).requiresGrad_();
  const o = new optim.Adam([{ params: [p] }, { params: [q], lr: 0.05 }], { lr: 0.1, betas: [0.9, 0.99] }) as unknown as optim.Optimizer;
  const before = new Set(Object.keys(o.paramGroups[0]));
  const s = new S.OneCycleLR(o, { maxLr: 0.01, totalSteps: 10 });
  const added = Object.keys(o.paramGroups[0]).filter((k) => !before.has(k));
  assert.deepEqual(added.map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).sort(), api.adam_one_cycle.added);
  api.adam_one_cycle.betas.forEach((want, i) => {
    if (i > 0) s.step();
    o.paramGroups.forEach((g, j) => assertClose(g.betas as number[], want[j], 1e-12, `betas of group ${j} at step ${i}`));
  });
  // Stepped to lastEpoch == totalSteps, the last step PyTorch allows: the last phase goes on past its end.
  for (const strategy of ['cos', 'linear'] as const) {
    const sgd = twoGroups() as unknown as optim.Optimizer;
    const one = new S.OneCycleLR(sgd, { maxLr: [0.5, 0.2], totalSteps: 6, annealStrategy: strategy });
    for (let i = 0; i < 6; i++) one.step();
    assertClose(sgd.paramGroups.map((g) => g.lr), api.one_cycle_at_total[strategy].lrs, 1e-12, `${strategy} lr at totalSteps`);
    assertClose(sgd.paramGroups.map((g) => g.momentum as number), api.one_cycle_at_total[strategy].momentum, 1e-12, `${strategy} momentum at totalSteps`);
  }
});

// ReduceLROnPlateau with patience 0, so the lr tells each answer of isBetter: thresholds where
// rel and abs part, ties at threshold 0, both modes (PyTorch 1.13, plateau in the fixture); the
// metric as a number, and as a one-element float64 tensor (PyTorch reads float(metrics)).
test('ReduceLROnPlateau: each mode and threshold mode, ties, tensor metrics, as PyTorch 1.13', () => {
  const api = JSON.parse(readFileSync(new URL('../fixtures/lr_scheduler_api.json', import.meta.url), 'utf8')) as {
    plateau: Record<string, { mode: 'min' | 'max'; threshold_mode: 'rel' | 'abs'; threshold: number; eps: number; metrics: number[]; lrs: number[][] }>;
  };
  for (const [name, c] of Object.entries(api.plateau)) {
    for (const asTensor of [false, true]) {
      const o = twoGroups() as unknown as optim.Optimizer;
      const s = new S.ReduceLROnPlateau(o, { mode: c.mode, thresholdMode: c.threshold_mode, threshold: c.threshold, eps: c.eps, patience: 0, factor: 0.5 });
      // dlab's addition (PyTorch 1.13 has no _last_lr before a step): the groups' lr.
      assert.deepEqual(s.getLastLr(), [0.1, 0.05]);
      c.metrics.forEach((m, i) => {
        s.step(asTensor ? tensor([m], { dtype: 'float64' }) : m);
        assertClose(s.getLastLr(), c.lrs[i], 1e-15, `${name}${asTensor ? ' (tensor)' : ''} step ${i}`);
      });
    }
  }
});

// Paddle's LinearWarmup (python/paddle/optimizer/lr.py): its checks, the switch at warmup_steps
// (get_lr: the warm-up while last_epoch < warmup_steps, then the wrapped schedule or the fixed lr),
// and its state dict (the wrapped schedule's under LinearWarmup_LR, required when loading).
test('LinearWarmup: refusals, the step at warmupSteps, the state dict (Paddle)', () => {
  const warm = (o: optim.Optimizer, warmupSteps: number, learningRate: number | optim.lrScheduler.LRScheduler = 0.5, startLr = 0, endLr = 0.2) =>
    new S.LinearWarmup(o, { learningRate, warmupSteps, startLr, endLr });
  for (const bad of [0, -1, 2.5]) assert.throws(() => warm(twoGroups() as unknown as optim.Optimizer, bad), { message: "'warmup_steps' must be a positive integer." });
  assert.throws(() => warm(twoGroups() as unknown as optim.Optimizer, 3, 0.5, 0.2, 0.2), { message: 'end_lr 0.2 must be greater than start_lr 0.2' });
  const other = twoGroups() as unknown as optim.Optimizer;
  assert.throws(() => warm(twoGroups() as unknown as optim.Optimizer, 3, new S.StepLR(other, { stepSize: 2 })), {
    message: 'LinearWarmup expects the wrapped scheduler to belong to the same optimizer',
  });
  // end_lr 0.2 then a fixed 0.5: the warm-up's own end (0.2) is never reached, t = 4 is the fixed lr.
  assert.deepEqual(S.lrCurve((o) => warm(o, 4), 6), [0, 0.05, 0.1, 0.15000000000000002, 0.5, 0.5]);
  // Round trip: a LinearWarmup over StepLR and one over a fixed lr, 6 steps in, loaded into fresh ones.
  const makers = [
    (o: optim.Optimizer) => warm(o, 4, new S.StepLR(o, { stepSize: 2, gamma: 0.5 })),
    (o: optim.Optimizer) => warm(o, 4),
  ];
  for (const make of makers) {
    const o = twoGroups() as unknown as optim.Optimizer;
    const s = make(o);
    for (let i = 0; i < 6; i++) s.step();
    const sd = s.stateDict();
    assert.equal('LinearWarmup_LR' in sd, s.wrapped instanceof S.LRScheduler);
    if (!(s.wrapped instanceof S.LRScheduler)) assert.equal(sd.learning_rate, 0.5);
    const o2 = twoGroups() as unknown as optim.Optimizer;
    const s2 = make(o2);
    s2.loadStateDict(sd);
    assert.deepEqual(s2.stateDict(), sd);
    for (let i = 0; i < 5; i++) {
      s.step();
      s2.step();
      assert.deepEqual(s2.getLastLr(), s.getLastLr(), `step ${7 + i}`);
    }
    if (s.wrapped instanceof S.LRScheduler) {
      const { LinearWarmup_LR: _, ...without } = sd;
      assert.throws(() => make(twoGroups() as unknown as optim.Optimizer).loadStateDict(without), /has no 'LinearWarmup_LR'/);
    }
  }
});

// CyclicLR with its own scale function: by cycle unless scaleMode says 'iterations' (PyTorch 1.13,
// cyclic_scale_fn in the fixture).
test('CyclicLR with a scale function, by cycle (the default) and by iteration, and triangular with a gamma, as PyTorch 1.13', () => {
  const api = JSON.parse(readFileSync(new URL('../fixtures/lr_scheduler_api.json', import.meta.url), 'utf8')) as {
    cyclic_scale_fn: Record<'default' | 'cycle' | 'iterations' | 'triangular, gamma 0.5', number[][]>;
  };
  for (const [mode, want] of Object.entries(api.cyclic_scale_fn)) {
    const o = twoGroups() as unknown as optim.Optimizer;
    const scaleMode = mode === 'default' ? {} : { scaleMode: mode as 'cycle' | 'iterations' };
    // 'triangular' given a gamma, which only 'exp_range' reads.
    const scale = mode === 'triangular, gamma 0.5' ? { gamma: 0.5 } : { scaleFn: (x: number) => 0.8 ** x, ...scaleMode };
    const s = new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2, stepSizeDown: 3, ...scale });
    want.forEach((lr, i) => {
      if (i > 0) s.step();
      assertClose(o.paramGroups.map((g) => g.lr), lr, 1e-12, `scale_fn ${mode}, step ${i}`);
    });
  }
});
