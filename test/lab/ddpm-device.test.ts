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
  close(g.metrics.train_loss as number, c.metrics.train_loss as number, 'train loss');
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
    assert.ok(off <= 1e-4, `${name}: pixels ${off} apart`);
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
