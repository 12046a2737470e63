// `dlab run ddpm --device webgpu` on the GPU the test runner provides (SwiftShader where there is
// none: scripts/run-tests.mjs sets the environment; without an adapter these tests fail, naming
// it): the judge, the training loop with its EMA, the samplers and the judging end with the
// numbers of --device cpu within float32 rounding, for class labels and for captions (with the
// CLIP pre-training of the text encoder). Tiny sizes (8x8 digits, 8 channels, 2 training steps, one
// DDIM step, 2 samples per digit): SwiftShader runs every kernel on the CPU, and pipeline
// compilations dominate the first run of a process.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as torch from '../../src/index.js';
import { resolveOptions, type Metrics } from '../../src/lab/experiment.js';
import { ddpm } from '../../src/lab/experiments/ddpm.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { AveragedModel, emaAvgFn } from '../../src/optim/swa_utils.js';

before(async () => {
  assert.ok(await torch.webgpu.isAvailable(), 'no WebGPU adapter (not even SwiftShader): run through scripts/run-tests.mjs, which sets the environment Dawn needs');
});

const close = (a: number, b: number, what: string, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} on webgpu, ${b} on cpu`);

// T = 4 on the cosine schedule (the linear one reaches β = 1 below T = 20), so the comparison has no
// 5-step row; guidance 1: one pass per sampler step (its rows at w = 2 take the guided pair).
const tiny = { schedule: 'cosine', imageSize: 8, channels: 8, timesteps: 4, steps: 2, batchSize: 2, sampleSteps: 1, guidance: 1, samplesPerDigit: 2, compareSamples: 1, trainSize: 20, testSize: 20, textLayers: 1, textPretrainSteps: 2 };

async function onBoth(given: Record<string, string | number>): Promise<{ metrics: Metrics; ctx: MemoryContext }[]> {
  const runs = [];
  for (const device of ['webgpu', 'cpu']) {
    const ctx = new MemoryContext();
    runs.push({ metrics: await ddpm.run(resolveOptions(ddpm, { ...tiny, ...given, device }), ctx), ctx });
  }
  return runs;
}

/** The numbers a ddpm run reports, webgpu's against cpu's. */
function sameRun(g: { metrics: Metrics; ctx: MemoryContext }, c: { metrics: Metrics; ctx: MemoryContext }): void {
  // Rounded to 5 decimals, after two Adam steps through a U-Net (and a text encoder) summed in another order.
  close(g.metrics.train_loss as number, c.metrics.train_loss as number, 'train loss', 1e-4);
  close(g.ctx.series('classifier_train_loss')[0], c.ctx.series('classifier_train_loss')[0], 'judge train loss');
  assert.equal(g.metrics.classifier_accuracy, c.metrics.classifier_accuracy);
  assert.equal(g.metrics.class_agreement, c.metrics.class_agreement);
  // Features of 20 samples in 84 dimensions: a near-singular covariance, so a looser bound.
  close(g.metrics.feature_frechet as number, c.metrics.feature_frechet as number, 'feature Fréchet distance', 1e-3);
  assert.equal(g.metrics.feature_frechet_real, c.metrics.feature_frechet_real);
  const table = (ctx: MemoryContext) => (ctx.artifacts.get('comparison') as { rows: (string | number)[][] }).rows.map((r) => r.slice(0, 4));
  assert.deepEqual(table(g.ctx), table(c.ctx));
  const pixels = (ctx: MemoryContext, name: string) => (ctx.artifacts.get(name) as { images: number[][] }).images.flat();
  for (const name of ['samples', 'denoising']) {
    const [a, b] = [pixels(g.ctx, name), pixels(c.ctx, name)];
    assert.equal(a.length, b.length);
    const off = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    // One DDIM step from t = 3 of 4 divides ε by √ᾱ_3 (0.012 on the cosine schedule): its float32 rounding grows ~80x.
    assert.ok(off <= 1e-3, `${name}: pixels ${off} apart`);
  }
  // The saved folder's weights (the average) came back to the CPU.
  const saved = g.ctx.models.get('model')!.model;
  assert.ok(saved.parameters().every((p) => p.isCpu) && saved.buffers().every((b) => b.isCpu));
}

test('ddpm (class labels) on webgpu: the judge, the loss, the samples and their judging of the cpu', async () => {
  const [g, c] = await onBoth({ conditioning: 'class' });
  sameRun(g, c);
});

test('ddpm (captions, CLIP pre-training) on webgpu: the numbers of the cpu', async () => {
  const [g, c] = await onBoth({ conditioning: 'text' });
  close(g.ctx.series('text_clip_loss')[0], c.ctx.series('text_clip_loss')[0], 'CLIP loss');
  assert.equal(g.ctx.series('text_zero_shot_accuracy')[0], c.ctx.series('text_zero_shot_accuracy')[0]);
  sameRun(g, c);
});

test("the EMA on webgpu: an update never reads the GPU, and the count comes back from a checkpoint's CPU copy", async () => {
  const device = torch.device('webgpu');
  torch.manualSeed(0);
  const model = new torch.nn.Linear(3, 2).to(device);
  const ema = new AveragedModel(model, { copy: () => new torch.nn.Linear(3, 2).to(device), avgFn: emaAvgFn(0.5) }).to(device);
  for (let i = 0; i < 3; i++) {
    torch.noGrad(() => model.weight.add_(1));
    ema.updateParameters(model);
  }
  assert.equal(ema.numAveraged, 3);
  // The first update copies; then halfway twice: w + 3 - 0.5 - 0.25 = w + 2.25.
  const w = (await model.weight.cpuAsync()).sub(3);
  const off = (await ema.module.weight.cpuAsync()).sub(w.add(2.25)).abs().max().item();
  assert.ok(off <= 1e-6, `average ${off} apart`);
  // A checkpoint holds CPU copies; loaded into a fresh average on the GPU, the count is known again.
  const state = Object.fromEntries(await Promise.all(Object.entries(ema.stateDict()).map(async ([k, t]) => [k, await t.cpuAsync()] as const)));
  const again = new AveragedModel(model, { copy: () => new torch.nn.Linear(3, 2).to(device) }).to(device);
  again.loadStateDict(state);
  assert.equal(again.numAveraged, 3);
  assert.equal(await (again as unknown as { n_averaged: torch.Tensor }).n_averaged.itemAsync(), 3);
  // A count loaded from the GPU itself is not known without a read: say how to read it.
  const fromGpu = new AveragedModel(model, { copy: () => new torch.nn.Linear(3, 2).to(device) }).to(device);
  fromGpu.loadStateDict(ema.stateDict());
  assert.throws(() => fromGpu.numAveraged, /n_averaged is on the GPU; read it with `await model.n_averaged.itemAsync\(\)`/);
});
