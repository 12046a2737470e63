// The hand-written loops of linreg, house, schedules, regularization, sin, distill and rnn on the GPU the
// test runner provides (SwiftShader where there is none: scripts/run-tests.mjs sets the
// environment): each records the metrics of --device cpu within float32 rounding, keeps its
// per-step values (read in batches, not dropped), stops a diverging run naming its step, and
// resumes from a checkpoint written on the GPU. Tiny sizes and few steps: SwiftShader runs WGSL on
// the CPU.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as torch from '../../src/index.js';
import '../../src/datasets/index.js';
import { finiteLoss, resolveOptions, type Experiment, type Metrics, type OptionValue } from '../../src/lab/experiment.js';
import { distill } from '../../src/lab/experiments/distill.js';
import { house } from '../../src/lab/experiments/house.js';
import { linreg } from '../../src/lab/experiments/linreg.js';
import { regularization } from '../../src/lab/experiments/regularization.js';
import { rnn } from '../../src/lab/experiments/rnn.js';
import { schedules } from '../../src/lab/experiments/schedules.js';
import { sin } from '../../src/lab/experiments/sin.js';
import { MemoryContext, type LoggedMetrics } from '../../src/lab/memory_context.js';
import { StepValues } from '../../src/lab/step-values.js';
import { RunStore } from '../../src/lab/store.node.js';
import { writeHouseCsvs } from './house-fixture.js';
import { countingReads } from './gpu-reads.js';
import { interruptedThenResumed } from './interrupt.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-device-experiments-'));
after(() => rmSync(home, { recursive: true, force: true }));
before(async () => {
  // The runner sets up SwiftShader where there is no GPU: without an adapter these tests fail, by name.
  assert.ok(await torch.webgpu.isAvailable(), 'no WebGPU adapter: run the tests through scripts/run-tests.mjs (it points Dawn at SwiftShader)');
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyExperiment = Experiment<any, any>;

/** `experiment` on webgpu stopped after `stopAfter` checkpoints and resumed from its GPU checkpoint: its final metrics. */
async function resumedOnGpu(experiment: AnyExperiment, given: Record<string, OptionValue>, stopAfter: number): Promise<Metrics> {
  const store = new RunStore(mkdtempSync(join(home, `${experiment.name}-resume-`)));
  try {
    return await interruptedThenResumed(store, experiment as never, { ...given, device: 'webgpu' }, stopAfter);
  } finally {
    store.close();
  }
}

/** Each of the cpu run's metrics in `resumed`: numbers within float32 rounding, the rest equal. */
function sameMetrics(resumed: Metrics, cpu: Metrics): void {
  for (const [k, v] of Object.entries(cpu)) {
    if (typeof v === 'number') close(resumed[k] as number, v, `resumed ${k}`, 5);
    else assert.equal(resumed[k], v);
  }
}

/** A run's metrics and what it logged, with `given` on `device`. */
async function runOn(experiment: AnyExperiment, given: Record<string, OptionValue>, device: string): Promise<{ metrics: Metrics; logged: LoggedMetrics[]; ctx: MemoryContext }> {
  const ctx = new MemoryContext({ yieldEvery: 1000 });
  const metrics = await experiment.run(resolveOptions(experiment, { ...given, device }), ctx);
  return { metrics, logged: ctx.logged, ctx };
}

/** a within float32 rounding of b, relative to b's size (or 1), scaled by `slack` for long chains. */
function close(a: number, b: number, what: string, slack = 1): void {
  assert.ok(Number.isFinite(a) && Math.abs(a - b) <= 2e-5 * slack * Math.max(1, Math.abs(b)), `${what}: ${a} on webgpu, ${b} on cpu`);
}

/** Every metric, and every logged value at the same step/epoch, of the two runs agree (but timings, `timed`). */
function sameRecords(gpu: { metrics: Metrics; logged: LoggedMetrics[] }, cpu: { metrics: Metrics; logged: LoggedMetrics[] }, slack = 1, timed: string[] = []): void {
  assert.deepEqual(Object.keys(gpu.metrics).sort(), Object.keys(cpu.metrics).sort());
  for (const [k, v] of Object.entries(cpu.metrics)) {
    if (timed.includes(k)) continue;
    if (typeof v === 'number') close(gpu.metrics[k] as number, v, `metric ${k}`, slack);
    else assert.equal(gpu.metrics[k], v, `metric ${k}`);
  }
  assert.deepEqual(gpu.logged.map((l) => [l.step, l.epoch, Object.keys(l.metrics)]), cpu.logged.map((l) => [l.step, l.epoch, Object.keys(l.metrics)]));
  gpu.logged.forEach((l, i) => {
    for (const [k, v] of Object.entries(cpu.logged[i].metrics)) if (!timed.includes(k)) close(l.metrics[k], v, `logged ${k} at ${l.step ?? `epoch ${l.epoch}`}`, slack);
  });
}

test('linreg on webgpu: the losses and estimates of the cpu, each epoch read once; a diverging run stops naming its step', async () => {
  const given = { examples: 60, batchSize: 10, epochs: 2 };
  const { value: gpu, reads } = await countingReads(() => runOn(linreg, given, 'webgpu'));
  // 6 steps an epoch: their losses and the epoch's loss in one read per epoch and model; then w and b of each model.
  assert.equal(reads, 2 * 2 + 4);
  const cpu = await runOn(linreg, given, 'cpu');
  sameRecords(gpu, cpu);
  assert.equal(gpu.logged.length, 4);
  // A huge lr: the scratch loss overflows; the GPU run reads it late but names the same step.
  const diverging = { examples: 60, batchSize: 10, epochs: 3, lr: 1e6 };
  const message = await runOn(linreg, diverging, 'cpu').then(() => 'no error', (e: Error) => e.message);
  assert.match(message, /^loss is (inf|nan) at epoch \d, step \d+; try a smaller --lr$/);
  await assert.rejects(runOn(linreg, diverging, 'webgpu'), { message });
});

test('house on webgpu: the K-fold log-RMSEs and predictions of the cpu; stopped and resumed from a GPU checkpoint (Adam state included), the same', async () => {
  const files = writeHouseCsvs(mkdtempSync(join(home, 'house-')));
  const given = { ...files, k: 2, epochs: 3, batchSize: 32, lr: 1 };
  const gpu = await runOn(house, given, 'webgpu');
  const cpu = await runOn(house, given, 'cpu');
  sameRecords(gpu, cpu, 5);
  const predictions = (r: { ctx: MemoryContext }) => {
    const file = r.ctx.artifacts.get('submission.csv');
    assert.ok(file?.kind === 'file');
    return file.text.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
  };
  const [a, b] = [predictions(gpu), predictions(cpu)];
  assert.equal(a.length, 60);
  a.forEach((p, i) => close(p, b[i], `prediction ${i}`, 5));
  // 120 rows, batches of 32: 2 folds of 2 steps an epoch, then 4; stopped mid-way through fold 2.
  sameMetrics(await resumedOnGpu(house, given, 8), cpu.metrics);
});

/** The points of a run's chart artifact `name`. */
function chartPoints(r: { ctx: MemoryContext }, name: string): { x: number; y: number; series: string }[] {
  const chart = r.ctx.artifacts.get(name);
  assert.ok(chart?.kind === 'chart', `a chart named ${name}`);
  return (chart.spec as { data: { values: { x: number; y: number; series: string }[] } }).data.values;
}

test('schedules on webgpu: the lr curves, losses and accuracies of the cpu; resumed from a GPU checkpoint, the same', async () => {
  // 96 images in batches of 32 for 2 epochs: 6 steps per schedule.
  const given = { only: 'constant,cosine,reduce-on-plateau', trainSize: 96, testSize: 50, batchSize: 32, epochs: 2, hidden: 16 };
  const gpu = await runOn(schedules, given, 'webgpu');
  const cpu = await runOn(schedules, given, 'cpu');
  sameRecords(gpu, cpu, 5);
  // Every step's lr is charted, as on the cpu (reduce-on-plateau's moves with the epoch's loss read from the GPU).
  assert.equal(chartPoints(gpu, 'curves').length, 18);
  assert.deepEqual(chartPoints(gpu, 'curves'), chartPoints(cpu, 'curves'));
  sameMetrics(await resumedOnGpu(schedules, given, 10), cpu.metrics);
});

test('regularization on webgpu: the L2, L1 and dropout sweeps of the cpu (the same dropout masks), curve by curve', async () => {
  const given = { l2: '0,3', l1: '1', dropout: '0.2:0.5', inputs: 20, trainExamples: 10, testExamples: 20, epochs: 2, batchSize: 5, hidden: 16, mlpEpochs: 2, mlpBatchSize: 32, trainSize: 64, testSize: 32 };
  const gpu = await runOn(regularization, given, 'webgpu');
  const cpu = await runOn(regularization, given, 'cpu');
  sameRecords(gpu, cpu, 5);
  assert.equal(gpu.logged.length, 3 * 2 + 2);
});

test('distill on webgpu: the teacher and students of the cpu; stopped mid-sweep and resumed from a GPU checkpoint, the same', async () => {
  const given = { teacherHidden: 16, teacherEpochs: 2, studentHidden: 8, epochs: 2, temperatures: '2', alphas: '0.5', batchSize: 32, trainSize: 64, testSize: 32 };
  const gpu = await runOn(distill, given, 'webgpu');
  const cpu = await runOn(distill, given, 'cpu');
  sameRecords(gpu, cpu, 5);
  assert.equal(gpu.logged.length, 3 * 2);
  // 2 steps an epoch: the teacher's 4, the student alone's 4, then the distilled student's.
  sameMetrics(await resumedOnGpu(distill, given, 10), cpu.metrics);
});

test('sin on webgpu: every measured number of the cpu, and the loss curves point by point (each kept on the GPU, read in batches)', async () => {
  const given = { points: 32, epochs: 2, steps: 30, degree: 5, harmonics: 2 };
  const gpu = await runOn(sin, given, 'webgpu');
  const cpu = await runOn(sin, given, 'cpu');
  // The Chebyshev/monomial fits' condition numbers are computed on the CPU alike; the rest went through the GPU.
  sameRecords(gpu, cpu, 20);
  const [a, b] = [chartPoints(gpu, 'a-loss-curves'), chartPoints(cpu, 'a-loss-curves')];
  // Batch 1: every step of 2 epochs of 32 and step 0; batch 8: 4 a epoch; batch 64 and the full batch: 1.
  assert.equal(a.length, 65 + 9 + 3 + 3);
  assert.deepEqual(a.map((p) => [p.x, p.series]), b.map((p) => [p.x, p.series]));
  a.forEach((p, i) => close(p.y, b[i].y, `${p.series} at ${p.x}`, 20));
});

test('rnn and lstm on webgpu: the losses, perplexities and predict_ch8 text of the cpu; resumed with the carried state from a GPU checkpoint, the same', async () => {
  const timed = ['tokens_per_second', 'epoch_seconds'];
  for (const cell of ['rnn', 'lstm']) {
    // 300 characters in 4 x 5 windows: 14 steps an epoch, the loss logged every 10.
    const given = { cell, numHiddens: 16, numSteps: 5, batchSize: 4, maxTokens: 300, epochs: 2, lr: 2, prefix: 'time', numPreds: 6 };
    const gpu = await runOn(rnn, given, 'webgpu');
    const cpu = await runOn(rnn, given, 'cpu');
    sameRecords(gpu, cpu, 5, timed);
    assert.deepEqual(gpu.logged.filter((l) => l.step !== undefined).map((l) => l.step), [10, 20]);
    if (cell === 'rnn') {
      const resumed = await resumedOnGpu(rnn, given, 18);
      close(resumed.perplexity as number, cpu.metrics.perplexity as number, 'resumed perplexity', 5);
      assert.equal(resumed.prediction, cpu.metrics.prediction);
    }
  }
});

test('StepValues: on the cpu each value at once; on webgpu kept until read, then in order (a growing buffer past `every`), a bad loss naming its step', async () => {
  const seen: [number, number][] = [];
  const cpuValues = new StepValues<number>(undefined, (v, step) => seen.push([step, v]), 2);
  cpuValues.add(torch.tensor(1.5), 1);
  assert.deepEqual(seen, [[1, 1.5]]);
  assert.equal(cpuValues.due, false);
  const device = torch.device('webgpu');
  const gpuValues = new StepValues<number>(device, (v, step) => seen.push([step, v]), 2);
  for (let step = 2; step <= 6; step++) gpuValues.add(torch.tensor(step * 0.5).to(device), step);
  assert.equal(seen.length, 1);
  assert.equal(gpuValues.due, true);
  await gpuValues.read();
  assert.deepEqual(seen, [[1, 1.5], [2, 1], [3, 1.5], [4, 2], [5, 2.5], [6, 3]]);
  await gpuValues.read(); // nothing waits: no read
  const checked = new StepValues<{ epoch: number; step: number }>(device, (v, at) => void finiteLoss(v, at));
  for (const [step, v] of [[7, 1], [8, NaN], [9, Infinity]] as const) checked.add(torch.tensor(v).to(device), { epoch: 2, step });
  await assert.rejects(checked.read(), /^Error: loss is nan at epoch 2, step 8; try a smaller --lr$/);
});
