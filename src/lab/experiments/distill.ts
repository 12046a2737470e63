// Knowledge distillation (Hinton, Vinyals and Dean 2015): a big teacher is trained on a small MNIST
// subset; then a small student MLP is trained, with the same budget each time, on the labels alone
// and on the blend α · T² · KL(teacher's softened probabilities ‖ the student's) + (1 − α) · CE,
// for each temperature T and weight α of a sweep. The T² keeps the soft term's gradient the same
// size as T changes. Every student starts from the same weights and sees the same batches.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { DataLoader, TensorDataset } from '../../data/index.js';
import { StatefulDataLoader } from '../../io/checkpoint.js';
import { lenet } from '../../models/cnn.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, isGpu, useDevice } from '../device.js';
import { defineExperiment, finiteLoss, type Metrics } from '../experiment.js';
import { LateState } from '../late-state.js';
import { mnistSubsets } from '../mnist-subsets.js';
import { numberList } from '../number-list.js';
import { StepValues } from '../step-values.js';
import { evaluateClassifier, evaluateClassifierOn } from '../training.js';

const F = nn.functional;

/** The teacher and the student in one module, so that a checkpoint of any phase loads into it. */
class Pair extends nn.Module {
  teacher: nn.Sequential;
  student: nn.Sequential;
  constructor(teacher: nn.Sequential, student: nn.Sequential) {
    super();
    this.teacher = teacher;
    this.student = student;
  }
  override forward(x: Tensor): Tensor {
    return this.student.call(x) as Tensor;
  }
}

/** A phase: the teacher, the student on labels alone, or the student distilled at (T, α). */
type Job = { kind: 'teacher' } | { kind: 'alone' } | { kind: 'distilled'; T: number; alpha: number };

interface Result {
  job: Job;
  testLoss: number;
  testAccuracy: number;
  /** Test accuracy after each epoch. */
  curve: number[];
}

interface Running {
  phase: number;
  results: Result[];
  curve: number[];
  steps: number;
}

const label = (job: Job) => (job.kind === 'teacher' ? 'teacher' : job.kind === 'alone' ? 'student alone' : `student T=${job.T} α=${job.alpha}`);
const countParameters = (m: nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);

export const distill = defineExperiment({
  name: 'distill',
  summary: 'knowledge distillation (Hinton et al.): a small MLP student trained on labels alone vs on a teacher\'s softened logits, over temperatures and α, same budget',
  options: {
    teacher: { default: 'mlp', choices: ['mlp', 'lenet'], help: 'the teacher: an MLP 784-H-H-10 (H: --teacher-hidden) or LeNet (ReLU, max-pooling)' },
    teacherHidden: { default: 512, integer: true, min: 1, help: "units of each of the MLP teacher's two hidden layers" },
    teacherEpochs: { default: 20, integer: true, min: 1, help: 'passes of the teacher over the training images' },
    studentHidden: { default: 32, integer: true, min: 1, help: "units of the student's one hidden layer (784-H-10)" },
    epochs: { default: 20, integer: true, min: 1, help: 'passes of every student over the training images (the same budget for each)' },
    temperatures: { default: '1,2,4,8', help: 'softmax temperatures T to sweep' },
    alphas: { default: '0.5,0.9', help: 'weights α of the soft (teacher) term to sweep; 1 − α weighs the cross-entropy on the labels' },
    lr: { default: 0.1, positive: true, help: 'SGD learning rate, teacher and students' },
    batchSize: { default: 64, integer: true, min: 1, help: 'minibatch size' },
    trainSize: { default: 2000, integer: true, min: 1, help: 'train on the first N MNIST training images' },
    testSize: { default: 2000, integer: true, min: 1, help: 'test on the first N test images' },
    seed: { default: 0, integer: true, min: 0, help: 'random seed: the start every student shares, and the batches' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    const temperatures = numberList('--temperatures', o.temperatures, { positive: true });
    const alphas = numberList('--alphas', o.alphas);
    for (const a of alphas) if (a > 1) throw new Error(`--alphas: expected weights in [0, 1], but got ${a} in '${o.alphas}'`);
    const jobs: Job[] = [{ kind: 'teacher' }, { kind: 'alone' }, ...temperatures.flatMap((T) => alphas.map((alpha): Job => ({ kind: 'distilled', T, alpha })))];

    // The subset as tensors, once: every model reads the same images without decoding them again.
    const data = mnistSubsets(o.trainSize, o.testSize);
    const [trainX, trainY] = ([...new DataLoader(data.train, { batchSize: o.trainSize })][0] as [Tensor, Tensor]).map((t) => t.to(device));
    const testLoader = new DataLoader(data.test, { batchSize: 1000 });
    const crossEntropy = (out: Tensor, y: Tensor) => F.crossEntropy(out, y);
    const classify = (net: nn.Module) => (isGpu(device) ? evaluateClassifierOn(net, testLoader, crossEntropy, device) : Promise.resolve(evaluateClassifier(net, testLoader, crossEntropy)));
    // Each step's loss, checked finite: on a GPU read every 64 steps and at the epoch's end (one await each).
    let shown = NaN;
    const values = new StepValues<{ epoch: number; step: number }>(device, (value, at) => void (shown = finiteLoss(value, at)));

    torch.manualSeed(o.seed);
    const teacher = o.teacher === 'lenet' ? lenet(1) : new nn.Sequential(new nn.Flatten(), new nn.Linear(784, o.teacherHidden), new nn.ReLU(), new nn.Linear(o.teacherHidden, o.teacherHidden), new nn.ReLU(), new nn.Linear(o.teacherHidden, 10));
    const makeStudent = () => {
      torch.manualSeed(o.seed + 1); // the same start for every student
      // Made on the CPU (the same draws), then moved.
      return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, o.studentHidden), new nn.ReLU(), new nn.Linear(o.studentHidden, 10)).to(device);
    };
    // Moved before the resume, which loads onto the model's device.
    const model = new Pair(teacher.to(device), makeStudent());
    ctx.print(`teacher: ${countParameters(teacher)} parameters; student: ${countParameters(model.student)}`);
    // Plain SGD keeps no state between steps: the checkpoint needs only the weights, loader and position.
    const loaderSlot = new LateState();
    const state = () => ({ model, loader: loaderSlot });
    const resumed = ctx.resume(state());
    let r: Running = (resumed?.extra as Running | undefined) ?? { phase: 0, results: [], curve: [], steps: 0 };
    let step = resumed?.step ?? 0;
    // The teacher's logits on the training images, once it is trained (eval mode: no dropout or batch statistics).
    let teacherLogits: Tensor | null = null;

    for (let phase = r.phase; phase < jobs.length; phase++) {
      const job = jobs[phase];
      const resuming = resumed !== undefined && phase === (resumed.extra as unknown as Running).phase;
      if (!resuming) {
        if (job.kind === 'teacher') torch.manualSeed(o.seed); // the teacher's batches do not depend on the student's size
        else model.student = makeStudent();
        r = { phase, results: r.results, curve: [], steps: 0 };
      }
      if (job.kind !== 'teacher' && teacherLogits === null) {
        teacher.eval();
        teacherLogits = torch.noGrad(() => teacher.call(trainX) as Tensor);
      }
      const net = job.kind === 'teacher' ? teacher : model.student;
      net.train();
      const optimizer = new optim.SGD(net.parameters(), { lr: o.lr });
      // Indices rather than images, so that a batch's teacher logits come with it.
      const loader = new StatefulDataLoader(new TensorDataset(torch.arange(trainY.shape[0])), { batchSize: o.batchSize, shuffle: true });
      loaderSlot.bind(loader);
      const epochs = job.kind === 'teacher' ? o.teacherEpochs : o.epochs;
      const lossOf = (idx: Tensor) => {
        const out = net.call(trainX.indexSelect(0, idx)) as Tensor;
        const hard = crossEntropy(out, trainY.indexSelect(0, idx));
        if (job.kind !== 'distilled') return hard;
        const { T, alpha } = job;
        const soft = F.klDiv(F.logSoftmax(out.div(T), 1), F.softmax(teacherLogits!.indexSelect(0, idx).div(T), 1), { reduction: 'batchmean' }).mul(T * T);
        return soft.mul(alpha).add(hard.mul(1 - alpha));
      };
      const bar = ctx.progress(epochs * loader.length, label(job));
      for (let epoch = resuming ? resumed.epoch : 1; epoch <= epochs; epoch++) {
        for (const [idx] of loader as Iterable<[Tensor]>) {
          values.run(() => {
            const loss = lossOf(idx.to(device));
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
        await values.read();
        const { accuracy } = await classify(net);
        r = { ...r, curve: [...r.curve, accuracy] };
        ctx.log({ [`${job.kind}_test_accuracy`]: accuracy }, { epoch });
      }
      bar.finish();
      const { loss, accuracy } = await classify(net);
      r = { ...r, results: [...r.results, { job, testLoss: loss, testAccuracy: accuracy, curve: r.curve }] };
      ctx.print(`${label(job)}: test loss ${loss.toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`);
    }

    const results = r.results;
    const teacherResult = results[0];
    const alone = results[1];
    const distilled = results.slice(2);
    ctx.artifact('curves', {
      kind: 'chart',
      title: 'Student test accuracy per epoch',
      spec: lineChart(
        `students 784-${o.studentHidden}-10 on ${o.trainSize} images (teacher: ${teacherResult.testAccuracy.toFixed(3)})`,
        results.slice(1).flatMap((res) => res.curve.map((y, i) => ({ x: i + 1, y, series: label(res.job) }))),
        { x: 'epoch', y: 'test accuracy', width: 520, height: 320 },
      ),
    });
    const T = (job: Job) => (job.kind === 'distilled' ? job.T : '');
    const alpha = (job: Job) => (job.kind === 'distilled' ? job.alpha : '');
    ctx.artifact('results', {
      kind: 'table',
      title: `Same budget for every student: ${o.epochs} epochs on ${o.trainSize} images`,
      columns: ['model', 'T', 'α', 'parameters', 'test loss', 'test accuracy', 'vs student alone'],
      rows: results.map((res) => [
        res.job.kind === 'distilled' ? 'student distilled' : label(res.job),
        T(res.job),
        alpha(res.job),
        countParameters(res.job.kind === 'teacher' ? teacher : model.student),
        +res.testLoss.toFixed(4),
        +res.testAccuracy.toFixed(4),
        res.job.kind === 'teacher' ? '' : +(res.testAccuracy - alone.testAccuracy).toFixed(4),
      ]),
    });

    const metrics: Metrics = { teacher_test_accuracy: teacherResult.testAccuracy, student_test_accuracy: alone.testAccuracy };
    for (const res of distilled) metrics[`distilled_T${T(res.job)}_a${alpha(res.job)}_test_accuracy`] = res.testAccuracy;
    const paragraphs: string[] = [`The teacher (${countParameters(teacher)} parameters) reaches ${teacherResult.testAccuracy.toFixed(4)}; the student alone (${countParameters(model.student)}) ${alone.testAccuracy.toFixed(4)}.`];
    if (distilled.length > 0) {
      const best = [...distilled].sort((a, b) => b.testAccuracy - a.testAccuracy)[0];
      const better = distilled.filter((res) => res.testAccuracy > alone.testAccuracy);
      metrics.best_distilled_test_accuracy = best.testAccuracy;
      metrics.best_temperature = T(best.job);
      metrics.best_alpha = alpha(best.job);
      const gap = teacherResult.testAccuracy - alone.testAccuracy;
      paragraphs.push(
        `${better.length} of ${distilled.length} distilled students beat the student alone. The best, T=${T(best.job)} and α=${alpha(best.job)}, reaches ${best.testAccuracy.toFixed(4)}: ` +
          `${((best.testAccuracy - alone.testAccuracy) * 100).toFixed(2)} points over the student alone` +
          (gap > 0 ? `, ${((100 * (best.testAccuracy - alone.testAccuracy)) / gap).toFixed(0)}% of the gap to the teacher.` : '.'),
        better.length > 0
          ? 'The softened teacher probabilities say how alike the classes look to the teacher (a 4 that could be a 9), which one-hot labels do not; ' +
              'a higher T spreads that over more classes, a higher α leans on it more.'
          : `Here it did not help: the teacher is ${(100 * gap).toFixed(2)} points better than the student alone, so its soft labels add little to the true ones, ` +
              'and with T² scaling a large T and α also make the steps larger at the same lr.',
      );
      for (const Tv of temperatures) {
        const rows = distilled.filter((res) => res.job.kind === 'distilled' && res.job.T === Tv);
        paragraphs.push(`T=${Tv}: ${rows.map((res) => `α=${alpha(res.job)} ${res.testAccuracy.toFixed(4)}`).join(', ')}.`);
      }
    }
    ctx.artifact('findings', { kind: 'text', title: 'Does distillation help the small student, and when?', paragraphs });
    return metrics;
  },
});
