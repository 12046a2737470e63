// `dlab run ddpm` end to end with tiny options (8x8 digits, 8 channels, T = 20, 50 steps): the
// loss falls, the metrics of the --json line are there and finite, the report's artifacts are
// kept, the model is saved as a model folder, and a step count above T is refused by name; through
// the built CLI, the --json line and the folder on disk. Also class agreement on hand-made predictions.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModelFolder } from '../../src/io/model_folder.node.js';
import { UNet2DModel } from '../../src/models/unet.js';
import '../../src/datasets/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { classAgreement, ddpm } from '../../src/lab/experiments/ddpm.js';
import { MemoryContext } from '../../src/lab/memory_context.js';

/** Options small enough for a test: 8x8 digits, 8 channels, T = 20, 50 steps, 4 samples per digit. */
const tiny = { imageSize: 8, channels: 8, timesteps: 20, steps: 50, batchSize: 32, sampleSteps: 4, samplesPerDigit: 4, compareSamples: 1, trainSize: 640 };

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
  const options = { ...tiny, ancestral: true };
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
  // Guidance 0, 1, 2, 4 at 4 steps; 5 and 8 steps; ancestral over all 20.
  assert.deepEqual(table.rows.map((r) => r.slice(0, 3)), [['ddim', 4, 0], ['ddim', 4, 1], ['ddim', 4, 2], ['ddim', 4, 4], ['ddim', 5, 2], ['ddim', 8, 2], ['ddpm', 20, 2]]);
  assert.ok(ctx.artifacts.get('loss')?.kind === 'chart');
  const saved = ctx.models.get('model');
  assert.equal(saved?.config.model_type, 'ddpm-unet');
  assert.equal(saved?.config.sample_size, 8);
  assert.equal(saved?.config.num_train_timesteps, 20);
});

test('ddpm refuses more sampling steps than diffusion steps before training', async () => {
  await assert.rejects(ddpm.run(resolveOptions(ddpm, { timesteps: 50, sampleSteps: 60 }), new MemoryContext()), /--sample-steps: expected an integer in \[1, 50\] \(--timesteps\), got '60'/);
});

test('dlab run ddpm --json: the metrics line with run_id, and the model folder in the run', async () => {
  const home = mkdtempSync(join(tmpdir(), 'dlab-ddpm-cli-'));
  try {
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const flags = Object.entries(tiny).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [main, 'run', 'ddpm', ...flags, '--json'], { env: { ...process.env, DLAB_HOME: home }, encoding: 'utf8' }, (err, out, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out),
      ),
    );
    const line = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
    for (const key of ['class_agreement', 'feature_frechet', 'sample_seconds', 'run_id']) assert.ok(Number.isFinite(line[key]), `${key} in ${JSON.stringify(line)}`);
    const { model, config } = loadModelFolder(join(home, 'runs', String(line.run_id), 'model'), UNet2DModel.fromModelConfig);
    assert.equal(config.beta_schedule, 'linear');
    assert.deepEqual(model.config.blockOutChannels, [8, 16, 16]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
