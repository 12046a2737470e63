// `dlab run ddpm` end to end with tiny options (8x8 digits, 8 channels, T = 20, 50 steps): the
// loss falls, the metrics of the --json line are there and finite, the report's artifacts are
// kept, the model is saved as a model folder, and a step count above T is refused by name. Also
// class agreement on hand-made predictions.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/datasets/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { classAgreement, ddpm } from '../../src/lab/experiments/ddpm.js';
import { MemoryContext } from '../../src/lab/memory.js';

test('classAgreement: per digit, the fraction the classifier calls that digit', () => {
  const wanted = [0, 0, 0, 0, 1, 1, 2, 2];
  const predicted = [0, 0, 0, 1, 1, 1, 0, 2];
  const a = classAgreement(predicted, wanted, 3);
  assert.deepEqual(a.perClass, [0.75, 1, 0.5]);
  assert.equal(a.overall, 6 / 8);
  assert.deepEqual(classAgreement(wanted, wanted, 3).perClass, [1, 1, 1]);
  assert.throws(() => classAgreement([0], [0, 1]), /classAgreement: 1 predictions for 2 labels/);
});

test('ddpm with tiny options: trains, samples, judges, saves the model', async () => {
  const ctx = new MemoryContext({ yieldEvery: 1000 });
  const options = { imageSize: 8, channels: 8, timesteps: 20, steps: 50, batchSize: 32, sampleSteps: 4, samplesPerDigit: 4, compareSamples: 1, ancestral: true, trainSize: 640 };
  const m = await ddpm.run(resolveOptions(ddpm, options), ctx);
  for (const name of ['class_agreement', 'feature_frechet', 'feature_frechet_real', 'sample_seconds', 'classifier_accuracy', 'train_loss']) {
    assert.ok(typeof m[name] === 'number' && Number.isFinite(m[name]), `${name} = ${m[name]}`);
  }
  assert.ok((m.class_agreement as number) >= 0 && (m.class_agreement as number) <= 1);
  assert.ok((m.feature_frechet as number) >= 0);
  const loss = ctx.series('loss');
  assert.equal(loss.length, 2);
  assert.ok(loss[1] < loss[0], `loss ${loss.join(' -> ')}`);

  const samples = ctx.artifacts.get('samples');
  assert.ok(samples?.kind === 'images' && samples.images.length === 40 && samples.height === 8 && samples.images[0].length === 64);
  const strip = ctx.artifacts.get('denoising');
  // 10 digits x (x_T + 4 steps).
  assert.ok(strip?.kind === 'images' && strip.images.length === 50, `${strip?.kind === 'images' && strip.images.length}`);
  const table = ctx.artifacts.get('comparison');
  assert.ok(table?.kind === 'table');
  // Guidance 0, 1, 3, 6 at 4 steps; 5 and 8 steps; ancestral over all 20.
  assert.deepEqual(table.rows.map((r) => r.slice(0, 3)), [['ddim', 4, 0], ['ddim', 4, 1], ['ddim', 4, 3], ['ddim', 4, 6], ['ddim', 5, 3], ['ddim', 8, 3], ['ddpm', 20, 3]]);
  assert.ok(ctx.artifacts.get('loss')?.kind === 'chart');
  const saved = ctx.models.get('model');
  assert.equal(saved?.config.model_type, 'ddpm-unet');
  assert.equal(saved?.config.sample_size, 8);
  assert.equal(saved?.config.num_train_timesteps, 20);
});

test('ddpm refuses more sampling steps than diffusion steps before training', async () => {
  await assert.rejects(ddpm.run(resolveOptions(ddpm, { timesteps: 50, sampleSteps: 60 }), new MemoryContext()), /--sample-steps: expected an integer in \[1, 50\] \(--timesteps\), got '60'/);
});
