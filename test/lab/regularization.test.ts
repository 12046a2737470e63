// The regularization experiment with small options: on d2l's high-dimensional regression weight
// decay lowers the test loss and L1 zeroes more weights than L2 at the same λ; the dropout MLP on
// offline MNIST has a row per rate and learns; bad lists are named; a stopped run resumes to the
// same numbers, in a regression phase and in a dropout phase.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import '../../src/datasets/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { regularization } from '../../src/lab/experiments/regularization.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { RunStore } from '../../src/lab/store.node.js';
import { interruptedThenResumed } from './interrupt.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-regularization-'));
after(() => rmSync(home, { recursive: true, force: true }));
const mlp = { trainSize: 200, testSize: 200, hidden: 32, mlpEpochs: 2, mlpBatchSize: 50 };

test('regularization: weight decay lowers the test loss of the high-dimensional regression; L1 zeroes more weights than L2', async () => {
  const ctx = new MemoryContext();
  const m = await regularization.run(resolveOptions(regularization, { l2: '0,1,3', l1: '0,1', dropout: '', epochs: 50 }), ctx);
  const table = ctx.artifacts.get('l2');
  assert.ok(table?.kind === 'table');
  const [none, , three] = table.rows as number[][];
  assert.deepEqual(table.rows.map((r) => r[0]), [0, 1, 3]);
  // Without the penalty 20 examples are fit exactly and the test loss is large.
  assert.ok(none[1] < 1e-4 && none[2] > 1, `λ=0: ${none.join(', ')}`);
  assert.ok(three[2] < none[2] / 10, `λ=3 test loss ${three[2]} vs ${none[2]}`);
  assert.ok(three[3] < none[3], `|w| ${three[3]} vs ${none[3]}`);
  assert.ok((m.l2_best_test_loss as number) < (m.l2_none_test_loss as number));
  assert.notEqual(m.l2_best_lambda, 0);
  assert.ok((m.l1_1_near_zero as number) > (m.l2_1_near_zero as number) + 0.1, `L1 ${m.l1_1_near_zero} vs L2 ${m.l2_1_near_zero}`);
  assert.equal(m.l1_0_near_zero, 0);
  assert.ok(ctx.artifacts.get('l2-curves')?.kind === 'chart' && ctx.artifacts.get('sparsity')?.kind === 'chart');
  const findings = ctx.artifacts.get('findings');
  assert.ok(findings?.kind === 'text');
  assert.match(findings.paragraphs.join('\n'), /weight decay \(L2\): λ=\d+ gives the lowest test loss.*times lower than without/);
  assert.equal(ctx.artifacts.get('dropout'), undefined);
});

test('regularization: the dropout MLP has a row per rate pair and learns', async () => {
  const ctx = new MemoryContext();
  const m = await regularization.run(resolveOptions(regularization, { ...mlp, l2: '', l1: '', dropout: '0,0.2:0.5' }), ctx);
  const table = ctx.artifacts.get('dropout');
  assert.ok(table?.kind === 'table');
  assert.deepEqual(table.rows.map((r) => [r[0], r[1]]), [[0, 0], [0.2, 0.5]]);
  for (const row of table.rows as number[][]) assert.ok(Number.isFinite(row[2]) && Number.isFinite(row[3]) && row[5] > 0.3, row.join(', '));
  assert.ok((m['dropout_0.2_0.5_test_accuracy'] as number) > 0.3);
  assert.ok(ctx.artifacts.get('dropout-curves')?.kind === 'chart');
});

test('regularization: a bad list is named with its flag', async () => {
  const run = (given: Record<string, string>) => regularization.run(resolveOptions(regularization, given), new MemoryContext());
  await assert.rejects(run({ l2: '0,-1' }), /--l2: expected comma-separated non-negative numbers, but got '-1' in '0,-1'/);
  await assert.rejects(run({ dropout: '0.2:1' }), /--dropout: expected comma-separated p1:p2 pairs of probabilities in \[0, 1\), but got '0.2:1'/);
  await assert.rejects(run({ l2: '', l1: '', dropout: '' }), /nothing to run: --l2, --l1 and --dropout are all empty/);
});

test('regularization: a run stopped in an L1 phase or a dropout phase resumes to the same numbers', async () => {
  const store = new RunStore(home);
  try {
    const given = { ...mlp, l2: '3', l1: '1', dropout: '0.5', epochs: 5 };
    const want = await regularization.run(resolveOptions(regularization, given), new MemoryContext());
    // 4 steps an epoch, 20 per regression: step 27 is in L1's second epoch, 46 in dropout's second.
    for (const step of [27, 46]) assert.deepEqual(await interruptedThenResumed(store, regularization, given, step), want, `stopped at step ${step}`);
  } finally {
    store.close();
  }
});
