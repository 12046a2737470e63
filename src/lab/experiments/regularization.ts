// d2l 4.5 and 4.6: regularization, with numbers on when it helps.
// Weight decay: d2l's high-dimensional linear regression (200 inputs, 20 training examples, 100 test,
// y = 0.01 * sum(x) + 0.05 + noise 0.01), trained with SGD and weight decay λ on the weight (d2l's
// concise version: optim.SGD's weightDecay, on the weight only), for each λ in a sweep.
// L1: the same model with λ * |w|_1 added to the loss, and how many weights it drives to (near) zero.
// Dropout: d2l's MLP (784-256-256-10, dropout after each hidden ReLU) on a small MNIST subset, so
// that it overfits, with and without dropout.
// Every model of a sweep starts from the same weights and sees the same batches.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { DataLoader, TensorDataset } from '../../data/index.js';
import { StatefulDataLoader } from '../../io/checkpoint.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, isGpu, useDevice } from '../device.js';
import { defineExperiment, finiteLoss, type Metrics, type RunContext } from '../experiment.js';
import { LateState } from '../late-state.js';
import { mnistSubsets } from '../mnist-subsets.js';
import { numberList } from '../number-list.js';
import { StepValues } from '../step-values.js';
import { evaluateClassifier, evaluateClassifierOn } from '../training.js';

type Job = { part: 'l2' | 'l1'; lambda: number } | { part: 'dropout'; p1: number; p2: number };

/** One row of a sweep: where its model ended, and its curve per epoch. */
interface Result {
  job: Job;
  curve: { epoch: number; train: number; test: number }[];
  trainLoss: number;
  testLoss: number;
  /** Linear models: the weight's L2 norm and the fraction of its entries below --zero-tolerance. */
  weightNorm?: number;
  nearZero?: number;
  testAccuracy?: number;
}

interface Running {
  phase: number;
  results: Result[];
  curve: Result['curve'];
  /** Optimizer steps of this phase so far (its progress). */
  steps: number;
}

/** --dropout's pairs 'p1:p2' (a single p is both), each in [0, 1). */
function dropoutPairs(text: string): [number, number][] {
  if (text.trim() === '') return [];
  return text.split(',').map((pair) => {
    const ps = pair.split(':').map((s) => Number(s.trim()));
    if (ps.length > 2 || ps.some((p) => !Number.isFinite(p) || p < 0 || p >= 1) || pair.trim() === '') {
      throw new Error(`--dropout: expected comma-separated p1:p2 pairs of probabilities in [0, 1), but got '${pair.trim()}' in '${text}'`);
    }
    return [ps[0], ps[1] ?? ps[0]];
  });
}

/**
 * Both models a sweep trains, in one module, so that the checkpoint of any phase loads into it:
 * the linear regression and d2l's dropout MLP (Dropout has no parameters, so the rates may differ).
 */
class Models extends nn.Module {
  linear: nn.Linear;
  mlp: nn.Sequential;
  constructor(inputs: number, hidden: number, p1: number, p2: number) {
    super();
    this.linear = new nn.Linear(inputs, 1);
    // d2l 4.5 initializes every parameter from N(0, 1) (the bias at 0 in its from-scratch version).
    nn.init.normal_(this.linear.weight);
    nn.init.zeros_(this.linear.bias!);
    this.mlp = new nn.Sequential(
      new nn.Flatten(),
      new nn.Linear(784, hidden),
      new nn.ReLU(),
      new nn.Dropout(p1),
      new nn.Linear(hidden, hidden),
      new nn.ReLU(),
      new nn.Dropout(p2),
      new nn.Linear(hidden, 10),
    );
  }
  override forward(x: Tensor): Tensor {
    return this.mlp.call(x) as Tensor;
  }
}

const label = (job: Job) => (job.part === 'dropout' ? `dropout ${job.p1}/${job.p2}` : `${job.part === 'l2' ? 'L2' : 'L1'} λ=${job.lambda}`);

export const regularization = defineExperiment({
  name: 'regularization',
  summary: 'd2l 4.5/4.6: weight decay and L1 on high-dimensional linear regression, dropout on an MNIST MLP; when each helps',
  options: {
    l2: { default: '0,1,3,10', help: "weight decays λ to sweep on the linear regression (d2l's 0 and 3); '' skips" },
    l1: { default: '0,0.1,0.3,1', help: "L1 strengths λ (loss + λ·|w|₁) to sweep on the same regression; '' skips" },
    inputs: { default: 200, integer: true, min: 1, help: 'inputs of the linear regression (d2l: 200)' },
    trainExamples: { default: 20, integer: true, min: 1, help: 'training examples of the regression (d2l: 20)' },
    testExamples: { default: 100, integer: true, min: 1, help: 'test examples of the regression (d2l: 100)' },
    epochs: { default: 100, integer: true, min: 1, help: 'passes over the regression data (d2l: 100)' },
    lr: { default: 0.003, positive: true, help: 'SGD learning rate of the regression (d2l: 0.003)' },
    batchSize: { default: 5, integer: true, min: 1, help: 'minibatch size of the regression (d2l: 5)' },
    zeroTolerance: { default: 0.001, positive: true, help: 'a weight counts as zero below this magnitude (the true weights are 0.01)' },
    dropout: { default: '0:0,0.2:0.5,0.5:0.5', help: "dropout rates p1:p2 after the MLP's two hidden layers to compare (d2l: 0.2:0.5); '' skips" },
    hidden: { default: 256, integer: true, min: 1, help: 'units of each hidden layer of the MLP (d2l: 256)' },
    mlpEpochs: { default: 20, integer: true, min: 1, help: 'passes over the MNIST subset' },
    mlpLr: { default: 0.1, positive: true, help: 'SGD learning rate of the MLP' },
    mlpBatchSize: { default: 64, integer: true, min: 1, help: 'minibatch size of the MLP' },
    trainSize: { default: 1000, integer: true, min: 1, help: 'train the MLP on the first N MNIST training images (few, so that it overfits)' },
    testSize: { default: 2000, integer: true, min: 1, help: 'test the MLP on the first N test images' },
    seed: { default: 0, integer: true, min: 0, help: 'random seed: the data, and the start every model of a sweep shares' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    const jobs: Job[] = [
      ...numberList('--l2', o.l2).map((lambda): Job => ({ part: 'l2', lambda })),
      ...numberList('--l1', o.l1).map((lambda): Job => ({ part: 'l1', lambda })),
      ...dropoutPairs(o.dropout).map(([p1, p2]): Job => ({ part: 'dropout', p1, p2 })),
    ];
    if (jobs.length === 0) throw new Error('nothing to run: --l2, --l1 and --dropout are all empty');

    // d2l's synthetic_data: X ~ N(0, 1), y = Xw + b + N(0, noise²).
    torch.manualSeed(o.seed);
    const trueW = torch.full([o.inputs, 1], 0.01);
    const synthetic = (n: number) => {
      const X = torch.normal(0, 1, [n, o.inputs]);
      return [X, torch.matmul(X, trueW).add(0.05).add(torch.normal(0, 0.01, [n, 1]))] as const;
    };
    const [trainX, trainY] = synthetic(o.trainExamples);
    const [testX, testY] = synthetic(o.testExamples);
    const regression = new TensorDataset(trainX, trainY);
    const [trainXd, trainYd, testXd, testYd] = [trainX, trainY, testX, testY].map((t) => t.to(device));
    const mnist = jobs.some((j) => j.part === 'dropout') ? mnistSubsets(o.trainSize, o.testSize) : null;
    const mnistTest = mnist ? new DataLoader(mnist.test, { batchSize: 1000 }) : null;
    const mnistTrainEval = mnist ? new DataLoader(mnist.train, { batchSize: 1000 }) : null;
    const mse = new nn.MSELoss();
    const crossEntropy = new nn.CrossEntropyLoss();
    const ce = (a: Tensor, b: Tensor) => crossEntropy.call(a, b);
    const classify = (net: nn.Module, loader: Iterable<[Tensor, Tensor]>) => (isGpu(device) ? evaluateClassifierOn(net, loader, ce, device) : Promise.resolve(evaluateClassifier(net, loader, ce)));
    // Each step's loss, checked finite, and each epoch's regression losses: on a GPU read every 64
    // steps and at the epoch's end (one await each).
    let shown = NaN;
    const point = { train: NaN, test: NaN };
    const values = new StepValues<{ epoch: number; step: number } | 'train' | 'test'>(device, (value, what) => {
      if (typeof what === 'object') shown = finiteLoss(value, what);
      else point[what] = value;
    });

    const makeModels = (job: Job) => {
      torch.manualSeed(o.seed + 1); // the same start for every model of a sweep
      // Made on the CPU (the same draws), then moved; before the resume, which loads onto the model's device.
      return (job.part === 'dropout' ? new Models(o.inputs, o.hidden, job.p1, job.p2) : new Models(o.inputs, o.hidden, 0, 0)).to(device);
    };
    let model = makeModels(jobs[0]);
    // Plain SGD keeps no state between steps: the checkpoint needs only the weights, loader and position.
    const loaderSlot = new LateState();
    const state = () => ({ model, loader: loaderSlot });
    const resumed = ctx.resume(state());
    let r: Running = (resumed?.extra as Running | undefined) ?? { phase: 0, results: [], curve: [], steps: 0 };
    let step = resumed?.step ?? 0;

    for (let phase = r.phase; phase < jobs.length; phase++) {
      const job = jobs[phase];
      const resuming = resumed !== undefined && phase === (resumed.extra as unknown as Running).phase;
      if (!resuming) {
        model = makeModels(job);
        r = { phase, results: r.results, curve: [], steps: 0 };
      } else if (job.part === 'dropout') {
        // The resumed module was made with the first job's rates; this phase's are set again.
        (model.mlp.at(3) as nn.Dropout).p = job.p1;
        (model.mlp.at(6) as nn.Dropout).p = job.p2;
      }
      const linear = job.part !== 'dropout';
      const net: nn.Module = linear ? model.linear : model.mlp;
      net.train();
      const optimizer = linear
        ? new optim.SGD(
            [
              { params: [model.linear.weight], weightDecay: job.part === 'l2' ? job.lambda : 0 },
              { params: [model.linear.bias!] },
            ],
            { lr: o.lr },
          )
        : new optim.SGD(model.mlp.parameters(), { lr: o.mlpLr });
      const loader = linear
        ? new StatefulDataLoader(regression, { batchSize: o.batchSize, shuffle: true })
        : new StatefulDataLoader(mnist!.train, { batchSize: o.mlpBatchSize, shuffle: true });
      loaderSlot.bind(loader);
      const epochs = linear ? o.epochs : o.mlpEpochs;
      const bar = ctx.progress(epochs * loader.length, label(job));
      const lossOf = (x: Tensor, y: Tensor) => {
        const out = net.call(x) as Tensor;
        if (!linear) return crossEntropy.call(out, y);
        const loss = mse.call(out, y);
        return job.part === 'l1' && job.lambda > 0 ? loss.add(model.linear.weight.abs().sum().mul(job.lambda)) : loss;
      };
      for (let epoch = resuming ? resumed.epoch : 1; epoch <= epochs; epoch++) {
        for (const [x, y] of loader as Iterable<[Tensor, Tensor]>) {
          values.run(() => {
            const loss = lossOf(x.to(device), y.to(device));
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            values.add(loss, { epoch, step: ++step });
          });
          if (values.due) await values.read();
          r.steps++;
          bar.update(r.steps, { loss: shown });
          await ctx.checkpoint(state(), { epoch, step, extra: async () => (await values.read(), { ...r }) });
        }
        // The loss each model is judged by (without the penalty), on all of each set, as d2l plots it.
        if (linear) {
          values.run(() => torch.noGrad(() => {
            values.add(mse.call(model.linear.call(trainXd) as Tensor, trainYd), 'train');
            values.add(mse.call(model.linear.call(testXd) as Tensor, testYd), 'test');
          }));
          await values.read();
        } else {
          await values.read();
          point.train = (await classify(net, mnistTrainEval!)).loss;
          point.test = (await classify(net, mnistTest!)).loss;
        }
        r = { ...r, curve: [...r.curve, { epoch, ...point }] };
        ctx.log({ [`${job.part}_train_loss`]: point.train, [`${job.part}_test_loss`]: point.test }, { epoch });
      }
      bar.finish();
      const last = r.curve.at(-1)!;
      const result: Result = { job, curve: r.curve, trainLoss: last.train, testLoss: last.test };
      if (linear) {
        const w = model.linear.weight.detach();
        [result.weightNorm, result.nearZero] = (await torch.stack([w.norm(), w.abs().lt(o.zeroTolerance).float().mean()]).tolistAsync()) as number[];
        ctx.print(`${label(job)}: train loss ${last.train.toExponential(3)}, test loss ${last.test.toExponential(3)}, |w| ${result.weightNorm.toFixed(4)}, ${(100 * result.nearZero).toFixed(1)}% of weights below ${o.zeroTolerance}`);
      } else {
        result.testAccuracy = (await classify(net, mnistTest!)).accuracy;
        ctx.print(`${label(job)}: train loss ${last.train.toFixed(4)}, test loss ${last.test.toFixed(4)}, test acc ${result.testAccuracy.toFixed(4)}`);
      }
      r = { ...r, results: [...r.results, result] };
    }

    return report(ctx, r.results, o);
  },
});

type ReportOptions = Record<'inputs' | 'trainExamples' | 'epochs' | 'zeroTolerance' | 'hidden' | 'trainSize' | 'mlpEpochs', number>;

/** The charts, tables and findings of a finished sweep; returns its metrics. */
function report(ctx: RunContext, results: Result[], o: ReportOptions): Metrics {
  const metrics: Metrics = {};
  const of = (part: Job['part']) => results.filter((res) => res.job.part === part);
  const lambdaOf = (res: Result) => (res.job.part === 'dropout' ? 0 : res.job.lambda);
  const findings: string[] = [];
  const sci = (v: number) => v.toExponential(3);

  for (const part of ['l2', 'l1'] as const) {
    const rows = of(part);
    if (rows.length === 0) continue;
    const name = part === 'l2' ? 'weight decay (L2)' : 'L1';
    ctx.artifact(`${part}-curves`, {
      kind: 'chart',
      title: `${name}: loss per epoch`,
      spec: lineChart(
        `${name} on ${o.trainExamples} examples of ${o.inputs} inputs`,
        rows.flatMap((res) => res.curve.flatMap((p) => [
          { x: p.epoch, y: p.train, series: `${label(res.job)} train` },
          { x: p.epoch, y: p.test, series: `${label(res.job)} test` },
        ])),
        { x: 'epoch', y: 'mean squared error', logY: true, width: 520, height: 320 },
      ),
      caption: 'The data loss without the penalty, on the whole training and test sets.',
    });
    ctx.artifact(part, {
      kind: 'table',
      title: `${name}: after ${o.epochs} epochs`,
      columns: ['λ', 'train loss', 'test loss', '|w|', `weights below ${o.zeroTolerance}`],
      rows: rows.map((res) => [lambdaOf(res), +sci(res.trainLoss), +sci(res.testLoss), +res.weightNorm!.toFixed(4), +res.nearZero!.toFixed(3)]),
    });
    const none = rows.find((res) => lambdaOf(res) === 0);
    const best = [...rows].sort((a, b) => a.testLoss - b.testLoss)[0];
    metrics[`${part}_best_lambda`] = lambdaOf(best);
    metrics[`${part}_best_test_loss`] = best.testLoss;
    for (const res of rows) metrics[`${part}_${lambdaOf(res)}_near_zero`] = res.nearZero!;
    if (none) {
      metrics[`${part}_none_test_loss`] = none.testLoss;
      findings.push(
        lambdaOf(best) === 0
          ? `${name}: no λ tried beat none (test loss ${sci(none.testLoss)}).`
          : `${name}: λ=${lambdaOf(best)} gives the lowest test loss, ${sci(best.testLoss)}, ${(none.testLoss / best.testLoss).toFixed(1)} times lower than without (${sci(none.testLoss)}, ` +
              `train loss ${sci(none.trainLoss)}): with ${o.trainExamples} examples for ${o.inputs} weights the unpenalized model fits the noise; the penalty trades a higher train loss (${sci(best.trainLoss)}) for a smaller |w| (${best.weightNorm!.toFixed(3)} vs ${none.weightNorm!.toFixed(3)}).`,
      );
    }
  }
  const l1 = of('l1');
  const l2 = of('l2');
  if (l1.length > 0) {
    ctx.artifact('sparsity', {
      kind: 'chart',
      title: 'Weights driven to zero',
      spec: lineChart(
        `the fraction of the ${o.inputs} weights below ${o.zeroTolerance} after training`,
        [...l2, ...l1].map((res) => ({ x: lambdaOf(res), y: res.nearZero!, series: res.job.part === 'l2' ? 'weight decay (L2)' : 'L1' })),
        { x: 'λ', y: 'fraction near zero' },
      ),
    });
    const pct = (res: Result) => `${(100 * res.nearZero!).toFixed(1)}%`;
    const same = l1.filter((a) => lambdaOf(a) > 0 && l2.some((b) => lambdaOf(b) === lambdaOf(a)));
    findings.push(
      same.length > 0
        ? `Sparsity at the same λ: ${same.map((a) => `λ=${lambdaOf(a)}: L1 ${pct(a)} of the weights below ${o.zeroTolerance} (|w| ${a.weightNorm!.toFixed(3)}), L2 ${pct(l2.find((b) => lambdaOf(b) === lambdaOf(a))!)}`).join('; ')}. ` +
            'L1 pulls every weight toward 0 by the same λ, so the small ones reach it while others stay large; L2 pulls in proportion to the weight and zeroes weights only by shrinking them all.'
        : `Sparsity: ${l1.map((a) => `L1 λ=${lambdaOf(a)} leaves ${pct(a)} of the weights below ${o.zeroTolerance}`).join('; ')}.`,
    );
  }

  const dropout = of('dropout');
  if (dropout.length > 0) {
    ctx.artifact('dropout-curves', {
      kind: 'chart',
      title: 'Dropout: loss per epoch',
      spec: lineChart(
        `MLP ${o.hidden}-${o.hidden} on ${o.trainSize} MNIST images`,
        dropout.flatMap((res) => res.curve.flatMap((p) => [
          { x: p.epoch, y: p.train, series: `${label(res.job)} train` },
          { x: p.epoch, y: p.test, series: `${label(res.job)} test` },
        ])),
        { x: 'epoch', y: 'cross-entropy', logY: true, width: 520, height: 320 },
      ),
      caption: 'Both losses in eval mode (no dropout), at the end of each epoch.',
    });
    ctx.artifact('dropout', {
      kind: 'table',
      title: `Dropout: after ${o.mlpEpochs} epochs on ${o.trainSize} images`,
      columns: ['p1', 'p2', 'train loss', 'test loss', 'test − train', 'test accuracy'],
      rows: dropout.map((res) => {
        const job = res.job as Extract<Job, { part: 'dropout' }>;
        return [job.p1, job.p2, +res.trainLoss.toFixed(4), +res.testLoss.toFixed(4), +(res.testLoss - res.trainLoss).toFixed(4), +res.testAccuracy!.toFixed(4)];
      }),
    });
    for (const res of dropout) {
      const job = res.job as Extract<Job, { part: 'dropout' }>;
      metrics[`dropout_${job.p1}_${job.p2}_test_accuracy`] = res.testAccuracy!;
    }
    const none = dropout.find((res) => res.job.part === 'dropout' && res.job.p1 === 0 && res.job.p2 === 0);
    const best = [...dropout].sort((a, b) => b.testAccuracy! - a.testAccuracy!)[0];
    if (none && best !== none) {
      findings.push(
        `Dropout: ${label(best.job)} reaches test accuracy ${best.testAccuracy!.toFixed(4)} against ${none.testAccuracy!.toFixed(4)} without, test loss ${best.testLoss.toFixed(4)} against ${none.testLoss.toFixed(4)}; ` +
          `the gap between test and train loss is ${(best.testLoss - best.trainLoss).toFixed(3)} against ${(none.testLoss - none.trainLoss).toFixed(3)}: it helps where the network can memorize its few training images.`,
      );
    } else if (none) {
      findings.push(`Dropout: no rate tried beat none here (test accuracy ${none.testAccuracy!.toFixed(4)}): with this budget the network is not yet overfitting, and dropout only slows its fit.`);
    }
  }
  if (findings.length > 0) ctx.artifact('findings', { kind: 'text', title: 'Does regularization help, and when?', paragraphs: findings });
  return metrics;
}
