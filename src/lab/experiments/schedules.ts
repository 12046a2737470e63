// The course's learning-rate decays (piecewise, exponential, natural exponential, polynomial, step,
// multi-step, inverse time, lambda, cosine, Noam, reduce-on-plateau, linear warm-up) and PyTorch's
// other schedulers, each training the same MNIST MLP from the same start for the same number of
// steps: one chart of the lr each actually gave, and a table of where each ended.
// Every schedule is stepped once per batch (T = epochs * batches steps in all) and set to end near
// lr / 100 where it decays; reduce-on-plateau is stepped once per epoch on the epoch's training loss.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { Subset, transforms } from '../../data/index.js';
import { DataLoader } from '../../data/dataloader.js';
import { StatefulDataLoader } from '../../io/checkpoint.js';
import { MNIST } from '../../datasets/mnist.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, isGpu, useDevice } from '../device.js';
import { defineExperiment, finiteLoss } from '../experiment.js';
import { LateState } from '../late-state.js';
import { StepValues } from '../step-values.js';
import { evaluateClassifier, evaluateClassifierOn } from '../training.js';

const S = optim.lrScheduler;
type Scheduler = optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = optim.Optimizer<any>;

/** Each schedule for a run of T steps from lr; null: the constant lr everything is compared with. */
export const SCHEDULES: Record<string, (opt: AnyOptimizer, T: number, lr: number) => Scheduler | null> = {
  constant: () => null,
  piecewise: (opt, T, lr) => new S.PiecewiseDecay(opt, { boundaries: [Math.round(T / 3), Math.round((2 * T) / 3)], values: [lr, lr / 10, lr / 100] }),
  exponential: (opt, T) => new S.ExponentialLR(opt, { gamma: 0.01 ** (1 / T) }),
  'natural-exp': (opt, T) => new S.NaturalExpDecay(opt, { gamma: Math.log(100) / T }),
  polynomial: (opt, T) => new S.PolynomialLR(opt, { totalIters: T, power: 2 }),
  step: (opt, T) => new S.StepLR(opt, { stepSize: Math.max(1, Math.round(T / 4)), gamma: 0.3 }),
  'multi-step': (opt, T) => new S.MultiStepLR(opt, { milestones: [Math.round(T / 2), Math.round((3 * T) / 4)], gamma: 0.1 }),
  'inverse-time': (opt, T) => new S.InverseTimeDecay(opt, { gamma: 99 / T }),
  lambda: (opt, T) => new S.LambdaLR(opt, { lrLambda: (t) => 1 / Math.sqrt(1 + (99 * t) / T) }),
  cosine: (opt, T, lr) => new S.CosineAnnealingLR(opt, { TMax: T, etaMin: lr / 100 }),
  noam: (opt, T, lr) => {
    // Peak lr at the end of the warm-up (Noam's peak is lr0 * dModel^-0.5 * warmup^-0.5).
    const warmupSteps = Math.max(1, Math.round(T / 10));
    return new S.NoamDecay(opt, { dModel: 1, warmupSteps, learningRate: lr * Math.sqrt(warmupSteps) });
  },
  'reduce-on-plateau': (opt) => new S.ReduceLROnPlateau(opt, { factor: 0.3, patience: 0 }),
  'linear-warmup': (opt, T, lr) => {
    const warmupSteps = Math.max(1, Math.round(T / 10));
    return new S.LinearWarmup(opt, { learningRate: new S.CosineAnnealingLR(opt, { TMax: T - warmupSteps, etaMin: lr / 100 }), warmupSteps, startLr: 0, endLr: lr });
  },
  // PyTorch's others.
  multiplicative: (opt, T) => new S.MultiplicativeLR(opt, { lrLambda: () => 0.01 ** (1 / T) }),
  'constant-factor': (opt, T) => new S.ConstantLR(opt, { factor: 1 / 3, totalIters: Math.round(T / 4) }),
  linear: (opt, T) => new S.LinearLR(opt, { startFactor: 1, endFactor: 0.01, totalIters: T }),
  'cosine-restarts': (opt, T, lr) => new S.CosineAnnealingWarmRestarts(opt, { T0: Math.max(1, Math.round(T / 4)), etaMin: lr / 100 }),
  'one-cycle': (opt, T, lr) => new S.OneCycleLR(opt, { maxLr: lr, totalSteps: T + 1 }),
  cyclic: (opt, T, lr) => new S.CyclicLR(opt, { baseLr: lr / 10, maxLr: lr, stepSizeUp: Math.max(1, Math.round(T / 8)) }),
  sequential: (opt, T) => {
    const warm = Math.max(1, Math.round(T / 10));
    return new S.SequentialLR(opt, {
      schedulers: [new S.LinearLR(opt, { startFactor: 0.1, totalIters: warm }), new S.ExponentialLR(opt, { gamma: 0.01 ** (1 / (T - warm)) })],
      milestones: [warm],
    });
  },
  chained: (opt, T) => new S.ChainedScheduler([new S.ConstantLR(opt, { factor: 0.5, totalIters: Math.round(T / 4) }), new S.ExponentialLR(opt, { gamma: 0.01 ** (1 / T) })]),
};

const normalize = () => new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

interface Result {
  name: string;
  lrs: number[];
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
}

interface Running {
  phase: number;
  results: Result[];
  lrs: number[];
  lossSum: number;
  seen: number;
}

export const schedules = defineExperiment({
  name: 'schedules',
  summary: "the course's 12 learning-rate decays and PyTorch's other schedulers: their curves, and each training the MNIST MLP for the same budget",
  options: {
    only: { default: 'all', help: `comma-separated schedules to run (default all: ${Object.keys(SCHEDULES).join(', ')})` },
    lr: { default: 0.1, positive: true, help: 'the peak (starting) SGD learning rate every schedule decays from' },
    epochs: { default: 2, integer: true, min: 1, help: 'passes over the training images, per schedule' },
    batchSize: { default: 64, integer: true, min: 1, help: 'minibatch size' },
    hidden: { default: 128, integer: true, min: 1, help: 'hidden units of the MLP' },
    trainSize: { default: 4000, integer: true, min: 1, help: 'train on the first N MNIST training images' },
    testSize: { default: 2000, integer: true, min: 1, help: 'test on the first N test images' },
    seed: { default: 0, integer: true, min: 0, help: 'random seed: every schedule starts from the same weights and sees the same batches' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    const names = o.only === 'all' ? Object.keys(SCHEDULES) : o.only.split(',').map((s) => s.trim());
    for (const n of names) if (!(n in SCHEDULES)) throw new Error(`--only: unknown schedule '${n}' (known: ${Object.keys(SCHEDULES).join(', ')})`);
    const train = new MNIST({ train: true, transform: normalize() });
    const test = new MNIST({ train: false, transform: normalize() });
    const trainSet = o.trainSize < train.length ? new Subset(train, range(o.trainSize)) : train;
    const testSet = o.testSize < test.length ? new Subset(test, range(o.testSize)) : test;
    const testLoader = new DataLoader(testSet, { batchSize: 1000 });
    const batches = Math.ceil(trainSet.length / o.batchSize);
    const T = o.epochs * batches;

    const makeModel = () => {
      torch.manualSeed(o.seed); // the same start and the same batches for every schedule
      // Made on the CPU (the same draws), then moved; before the resume, which loads onto the model's device.
      return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, o.hidden), new nn.ReLU(), new nn.Linear(o.hidden, 10)).to(device);
    };
    let model = makeModel();
    let optimizer = new optim.SGD(model.parameters(), { lr: o.lr });
    const loaderSlot = new LateState();
    const schedulerSlot = new LateState();
    const state = () => ({ model, optimizer, loader: loaderSlot, scheduler: schedulerSlot });
    const resumed = ctx.resume(state());
    // The hyperparameters the checkpoint left (lr, and the momentum one-cycle and cyclic move).
    const resumedGroups = optimizer.paramGroups.map(({ params: _, ...hyper }) => hyper);
    let r: Running = (resumed?.extra as Running | undefined) ?? { phase: 0, results: [], lrs: [], lossSum: 0, seen: 0 };
    let step = resumed?.step ?? 0;
    const lossFn = new nn.CrossEntropyLoss();
    // Each step's loss, checked finite and summed for the epoch's mean: on a GPU read every 64
    // steps, at the epoch's end and at a checkpoint (one await each). The lr is the CPU's, recorded at once.
    let shown = NaN;
    const values = new StepValues<{ epoch: number; step: number; n: number }>(device, (value, at) => {
      shown = finiteLoss(value, at);
      r.lossSum += value * at.n;
      r.seen += at.n;
    });

    for (let phase = r.phase; phase < names.length; phase++) {
      const name = names[phase];
      const resuming = resumed !== undefined && phase === (resumed.extra as unknown as Running).phase;
      if (!resuming) {
        model = makeModel();
        optimizer = new optim.SGD(model.parameters(), { lr: o.lr });
        r = { phase, results: r.results, lrs: [], lossSum: 0, seen: 0 };
      }
      const scheduler = SCHEDULES[name](optimizer, T, o.lr);
      schedulerSlot.bind(scheduler);
      // A scheduler's constructor sets the lr of step 0; a resumed one goes on from the saved one.
      if (resuming) optimizer.paramGroups.forEach((g, i) => Object.assign(g, resumedGroups[i]));
      const loader = new StatefulDataLoader(trainSet, { batchSize: o.batchSize, shuffle: true });
      loaderSlot.bind(loader);
      const bar = ctx.progress(T, name);
      for (let epoch = resuming ? resumed.epoch : 1; epoch <= o.epochs; epoch++) {
        if (!(resuming && epoch === resumed.epoch)) r = { ...r, lossSum: 0, seen: 0 };
        for (const [x, y] of loader as Iterable<[Tensor, Tensor]>) {
          r.lrs.push(optimizer.paramGroups[0].lr as number);
          values.run(() => {
            const loss = lossFn.call(model.call(x.to(device)) as Tensor, y.to(device));
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            values.add(loss, { epoch, step: ++step, n: y.shape[0] });
          });
          if (values.due) await values.read();
          if (scheduler && !(scheduler instanceof S.ReduceLROnPlateau)) scheduler.step();
          bar.update(r.lrs.length, { loss: shown, lr: r.lrs.at(-1)! });
          await ctx.checkpoint(state(), { epoch, step, extra: async () => (await values.read(), { ...r }) });
        }
        await values.read();
        if (scheduler instanceof S.ReduceLROnPlateau) scheduler.step(r.lossSum / r.seen);
        ctx.log({ [`${name}_train_loss`]: r.lossSum / r.seen }, { epoch });
      }
      bar.finish();
      const lossOf = (a: Tensor, b: Tensor) => lossFn.call(a, b);
      const tested = isGpu(device) ? await evaluateClassifierOn(model, testLoader, lossOf, device) : evaluateClassifier(model, testLoader, lossOf);
      const testLoss = tested.loss;
      const result: Result = { name, lrs: r.lrs, trainLoss: r.lossSum / r.seen, testLoss, testAccuracy: tested.accuracy };
      r = { ...r, results: [...r.results, result] };
      ctx.print(`${name}: final lr ${r.lrs.at(-1)!.toPrecision(3)}, train loss ${result.trainLoss.toFixed(4)}, test loss ${testLoss.toFixed(4)}, test acc ${result.testAccuracy.toFixed(4)}`);
    }

    const results = r.results;
    ctx.artifact('curves', {
      kind: 'chart',
      title: 'Learning rate per step',
      spec: lineChart(
        `the lr each schedule gave (lr ${o.lr}, ${T} steps)`,
        results.flatMap((res) => res.lrs.map((y, i) => ({ x: i, y, series: res.name }))),
        { x: 'step', y: 'lr', width: 520, height: 320 },
      ),
      caption: 'Read at each step before the optimizer step, as the training used it.',
    });
    const sorted = [...results].sort((a, b) => b.testAccuracy - a.testAccuracy || a.testLoss - b.testLoss);
    ctx.artifact('results', {
      kind: 'table',
      title: `After ${o.epochs} epochs (${T} steps) on ${trainSet.length} images, best first`,
      columns: ['schedule', 'final lr', 'train loss (last epoch)', 'test loss', 'test accuracy'],
      rows: sorted.map((res) => [res.name, +res.lrs.at(-1)!.toPrecision(3), +res.trainLoss.toFixed(4), +res.testLoss.toFixed(4), +res.testAccuracy.toFixed(4)]),
    });
    const constant = results.find((res) => res.name === 'constant');
    const best = sorted[0];
    const worst = sorted.at(-1)!;
    ctx.artifact('findings', {
      kind: 'text',
      title: 'Which schedule trains best for this budget?',
      paragraphs: [
        `Best: ${best.name} (test accuracy ${best.testAccuracy.toFixed(4)}, loss ${best.testLoss.toFixed(4)}); worst: ${worst.name} (${worst.testAccuracy.toFixed(4)}, ${worst.testLoss.toFixed(4)}).`,
        ...(constant
          ? [
              `${results.filter((res) => res.testLoss < constant.testLoss).length} of ${results.length - 1} schedules end with a lower test loss than the constant lr ${o.lr} (${constant.testLoss.toFixed(4)}): ` +
                'decaying the lr lets SGD settle into a minimum instead of bouncing around it, but a schedule that decays too early starves the run of progress.',
            ]
          : []),
      ],
    });
    const metrics: Record<string, number | string> = { best: best.name, best_test_accuracy: best.testAccuracy, steps: T };
    for (const res of results) metrics[`${res.name}_test_accuracy`] = res.testAccuracy;
    return metrics;
  },
});
