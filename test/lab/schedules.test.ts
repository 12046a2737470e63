// The schedules experiment with tiny options (offline MNIST, 20 steps per schedule): each lr curve it
// charts is the scheduler's formula (PyTorch's, or Paddle's for the course's Paddle decays) at the
// steps checked; the table has a row per schedule; a stopped run resumes to the same numbers.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import '../../src/datasets/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { SCHEDULES, schedules } from '../../src/lab/experiments/schedules.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { RunStore } from '../../src/lab/store.node.js';
import { interruptedThenResumed } from './interrupt.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-schedules-'));
after(() => rmSync(home, { recursive: true, force: true }));
// 320 images in batches of 32 for 2 epochs: T = 20 steps.
const tiny = { trainSize: 320, testSize: 200, batchSize: 32, epochs: 2 };
const T = 20;
const lr = 0.1;

const formulas: Record<string, (t: number) => number> = {
  exponential: (t) => lr * 0.01 ** (t / T),
  'natural-exp': (t) => lr * Math.exp((-Math.log(100) * t) / T),
  'inverse-time': (t) => lr / (1 + (99 * t) / T),
  polynomial: (t) => lr * (1 - Math.min(t, T) / T) ** 2,
  step: (t) => lr * 0.3 ** Math.floor(t / 5),
  'multi-step': (t) => lr * 0.1 ** ((t >= 10 ? 1 : 0) + (t >= 15 ? 1 : 0)),
  piecewise: (t) => (t < 7 ? lr : t < 13 ? lr / 10 : lr / 100),
  cosine: (t) => lr / 100 + ((lr - lr / 100) * (1 + Math.cos((Math.PI * t) / T))) / 2,
  // Paddle's Noam with dModel 1 and 2 warm-up steps, scaled to peak at lr: t^-0.5 read as 1 at t = 0.
  noam: (t) => lr * Math.sqrt(2) * Math.min(t === 0 ? 1 : t ** -0.5, t * 2 ** -1.5),
  lambda: (t) => lr / Math.sqrt(1 + (99 * t) / T),
  linear: (t) => lr * (1 + ((0.01 - 1) * Math.min(t, T)) / T),
  constant: () => lr,
};

test('schedules: each charted lr curve is its formula; a table row per schedule', async () => {
  const ctx = new MemoryContext();
  const m = await schedules.run(resolveOptions(schedules, tiny), ctx);
  assert.equal(m.steps, T);
  const chart = ctx.artifacts.get('curves');
  assert.ok(chart?.kind === 'chart');
  const points = (chart.spec.data as { values: { x: number; y: number; series: string }[] }).values;
  for (const [name, f] of Object.entries(formulas)) {
    const curve = points.filter((p) => p.series === name);
    assert.equal(curve.length, T, name);
    for (const t of [0, 1, 5, 10, 14, 19]) assert.ok(Math.abs(curve[t].y - f(t)) < 1e-6 * lr, `${name} at step ${t}: ${curve[t].y} vs ${f(t)}`);
  }
  const table = ctx.artifacts.get('results');
  assert.ok(table?.kind === 'table');
  assert.deepEqual(table.rows.map((r) => r[0]).sort(), Object.keys(SCHEDULES).sort());
  for (const row of table.rows) {
    const [, , trainLoss, testLoss, acc] = row as number[];
    assert.ok(Number.isFinite(trainLoss) && Number.isFinite(testLoss) && acc > 0.2 && acc <= 1, row.join(', '));
  }
  assert.ok(ctx.artifacts.get('findings')?.kind === 'text');
});

test('schedules: --only picks schedules and names an unknown one', async () => {
  await assert.rejects(schedules.run(resolveOptions(schedules, { ...tiny, only: 'cosine,warp' }), new MemoryContext()), /--only: unknown schedule 'warp' \(known: constant, piecewise/);
});

test('schedules: a run stopped mid-schedule resumes to the same numbers', async () => {
  const store = new RunStore(home);
  try {
    const given = { ...tiny, only: 'exponential,reduce-on-plateau,one-cycle' };
    const want = await schedules.run(resolveOptions(schedules, given), new MemoryContext());
    // Step 27 is in reduce-on-plateau's second epoch; 45 in one-cycle's first.
    for (const step of [27, 45]) assert.deepEqual(await interruptedThenResumed(store, schedules, given, step), want, `stopped at step ${step}`);
  } finally {
    store.close();
  }
});
