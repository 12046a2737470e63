// The house experiment (d2l's Kaggle house prices) on a small Kaggle-layout CSV pair the test writes
// with a known linear relation: K-fold log-RMSE is small, every fold has a row, submission.csv has
// one prediction per test Id; user files are validated naming row and column; a missing d2l file
// says how to get it; a stopped run resumes to the same numbers.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import '../../src/datasets/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { house } from '../../src/lab/experiments/house.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { runExperiment } from '../../src/lab/runner.node.js';
import { RunStore } from '../../src/lab/store.node.js';
import { writeHouseCsvs } from './house-fixture.js';
import { interruptedThenResumed } from './interrupt.js';

const dir = mkdtempSync(join(tmpdir(), 'dlab-house-exp-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const files = writeHouseCsvs(dir);
const tiny = { ...files, k: 3, epochs: 30, batchSize: 16, lr: 1 };

test('house: K-fold log-RMSE on a linear relation is small; a row per fold; one prediction per test Id', async () => {
  const ctx = new MemoryContext();
  const m = await house.run(resolveOptions(house, tiny), ctx);
  // Predicting the mean price would score about 0.15; the noise alone about 0.003.
  assert.ok((m.valid_log_rmse as number) < 0.06, `valid log-RMSE ${m.valid_log_rmse}`);
  assert.ok((m.final_train_log_rmse as number) < 0.06, `final ${m.final_train_log_rmse}`);
  assert.ok(Number.isFinite(m.valid_log_rmse_std as number) && (m.valid_log_rmse_std as number) >= 0);
  const folds = ctx.artifacts.get('folds');
  assert.ok(folds?.kind === 'table');
  assert.deepEqual(folds.rows.map((r) => r[0]), [1, 2, 3, 'mean', 'std']);
  const submission = ctx.artifacts.get('submission.csv');
  assert.ok(submission?.kind === 'file');
  const lines = submission.text.trim().split('\n');
  assert.equal(lines[0], 'Id,SalePrice');
  assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])), Array.from({ length: 60 }, (_, i) => 121 + i));
  for (const l of lines.slice(1)) assert.ok(Number(l.split(',')[1]) > 50, l);
  assert.match(ctx.lines.join('\n'), /train\.csv: not d2l's kaggle_house_pred_train\.csv \(sha1 [0-9a-f]{40}\); read as your own/);
});

test("house: a user's CSV is validated, naming the file, row and column", async () => {
  const run = (train: string, test = files.test) => house.run(resolveOptions(house, { ...tiny, train, test }), new MemoryContext());
  const text = readFileSync(files.train, 'utf8').split('\n');
  const bad = join(dir, 'bad-price.csv');
  writeFileSync(bad, [...text.slice(0, 3), text[3].replace(/,[^,]*$/, ',abc'), ...text.slice(4)].join('\n'));
  await assert.rejects(run(bad), /bad-price\.csv: row 3, column SalePrice: expected a positive number \(a sale price\), but got 'abc'/);
  const noPrice = join(dir, 'no-price.csv');
  writeFileSync(noPrice, text.map((l) => l.replace(/,[^,]*$/, '')).join('\n'));
  await assert.rejects(run(noPrice), /no-price\.csv: no column 'SalePrice'/);
  const otherTest = join(dir, 'other-test.csv');
  writeFileSync(otherTest, readFileSync(files.test, 'utf8').replace('Age', 'YearBuilt'));
  await assert.rejects(run(files.train, otherTest), /other-test\.csv: its feature columns differ from .*train\.csv's; missing: Age; not in .*: YearBuilt/);
  // A file with d2l's name must be d2l's file.
  const named = join(dir, 'kaggle_house_pred_train.csv');
  writeFileSync(named, readFileSync(files.train));
  await assert.rejects(run(named), /kaggle_house_pred_train\.csv: checksum mismatch for d2l's kaggle_house_pred_train\.csv: expected sha1 585e9cc9/);
  await assert.rejects(house.run(resolveOptions(house, { ...tiny, test: '' }), new MemoryContext()), /--train and --test go together/);
});

test("house: without d2l's files and without --train/--test it says how to get them", async () => {
  const root = mkdtempSync(join(dir, 'empty-'));
  await assert.rejects(
    house.run(resolveOptions(house, { root }), new MemoryContext()),
    /d2l's house-price files are not here \(kaggle_house_pred_train\.csv, kaggle_house_pred_test\.csv\): run `dlab data house-prices`.*--train FILE --test FILE/,
  );
});

test('house: the runner writes submission.csv into the run folder; a stopped run resumes to the same numbers', async () => {
  const store = new RunStore(join(dir, 'home'));
  try {
    const done = await runExperiment({ experiment: house, given: tiny, json: true, report: false, store });
    const file = join(store.runDir(done.runId), 'submission.csv');
    assert.ok(existsSync(file), file);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 61);
    // Folds: 5 batches an epoch, 30 epochs (450 steps); the final model 8: step 200 is in fold 2, 600 in the final model.
    for (const step of [200, 600]) {
      const resumed = await interruptedThenResumed(store, house, tiny, step);
      // run_id and device are the runner's additions; the experiment's own metrics must match.
      const { run_id: _, device: _device, ...want } = done.metrics;
      assert.deepEqual(resumed, want, `stopped at step ${step}`);
    }
  } finally {
    store.close();
  }
});
