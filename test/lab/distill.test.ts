// The distill experiment with small options on offline MNIST: the table has the teacher, the
// student alone and a row per (T, α), every student learns (well above chance); the findings compare
// with the student alone; bad sweeps are named; a stopped run resumes to the same numbers, also
// in a student phase (the teacher's weights, and so its logits, come back from the checkpoint).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import '../../src/datasets/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { distill } from '../../src/lab/experiments/distill.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { RunStore } from '../../src/lab/store.node.js';
import { interruptedThenResumed } from './interrupt.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-distill-'));
after(() => rmSync(home, { recursive: true, force: true }));
// 300 images in batches of 50: 6 steps an epoch.
const tiny = { trainSize: 300, testSize: 300, batchSize: 50, teacherHidden: 64, teacherEpochs: 10, studentHidden: 8, epochs: 4 };

test('distill: a row for the teacher, the student alone and each (T, α); every student learns', async () => {
  const ctx = new MemoryContext();
  const m = await distill.run(resolveOptions(distill, { ...tiny, temperatures: '1,4', alphas: '0.5,0.9' }), ctx);
  const table = ctx.artifacts.get('results');
  assert.ok(table?.kind === 'table');
  assert.deepEqual(
    table.rows.map((r) => r.slice(0, 3)),
    [['teacher', '', ''], ['student alone', '', ''], ['student distilled', 1, 0.5], ['student distilled', 1, 0.9], ['student distilled', 4, 0.5], ['student distilled', 4, 0.9]],
  );
  // Chance is 0.1; the student 784-8-10 has 6370 parameters, the teacher 784-64-64-10 55050.
  assert.deepEqual(table.rows.map((r) => r[3]), [55050, 6370, 6370, 6370, 6370, 6370]);
  for (const row of table.rows) assert.ok((row[5] as number) > 0.3 && Number.isFinite(row[4]), row.join(', '));
  for (const row of table.rows.slice(1)) assert.equal(row[6], +((row[5] as number) - (table.rows[1][5] as number)).toFixed(4));
  assert.ok((m.teacher_test_accuracy as number) > 0.5);
  assert.equal(m.best_distilled_test_accuracy, Math.max(...[0.5, 0.9].flatMap((a) => [1, 4].map((T) => m[`distilled_T${T}_a${a}_test_accuracy`] as number))));
  const findings = ctx.artifacts.get('findings');
  assert.ok(findings?.kind === 'text');
  assert.match(findings.paragraphs.join('\n'), /\d of 4 distilled students beat the student alone\. The best, T=\d and α=0\.\d, reaches 0\.\d{4}/);
  assert.ok(ctx.artifacts.get('curves')?.kind === 'chart');
});

test('distill: at α = 0 the distilled student is the student alone', async () => {
  const m = await distill.run(resolveOptions(distill, { ...tiny, temperatures: '2', alphas: '0' }), new MemoryContext());
  // The same start, the same batches and a soft term weighted 0: the same steps.
  assert.equal(m.distilled_T2_a0_test_accuracy, m.student_test_accuracy);
});

test('distill: a bad sweep is named with its flag', async () => {
  const run = (given: Record<string, string>) => distill.run(resolveOptions(distill, { ...tiny, ...given }), new MemoryContext());
  await assert.rejects(run({ temperatures: '2,0' }), /--temperatures: expected comma-separated positive numbers, but got '0' in '2,0'/);
  await assert.rejects(run({ alphas: '0.5,1.5' }), /--alphas: expected weights in \[0, 1\], but got 1.5 in '0.5,1.5'/);
});

test('distill: a run stopped in the teacher or in a distilled student resumes to the same numbers', async () => {
  const store = new RunStore(home);
  try {
    const given = { ...tiny, temperatures: '4', alphas: '0.5' };
    const want = await distill.run(resolveOptions(distill, given), new MemoryContext());
    // The teacher takes steps 1-60, the student alone 61-84, the distilled student 85-108.
    for (const step of [30, 95]) assert.deepEqual(await interruptedThenResumed(store, distill, given, step), want, `stopped at step ${step}`);
  } finally {
    store.close();
  }
});
