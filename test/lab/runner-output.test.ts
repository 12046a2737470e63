// What the runner prints: findings in words as the experiment writes them, and at the end the final
// metrics as the experiment returned them (counts exact, other numbers to six significant digits).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defineExperiment } from '../../src/lab/experiment.js';
import { runExperiment } from '../../src/lab/runner.node.js';
import { RunStore } from '../../src/lab/store.node.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-runner-output-'));
after(() => rmSync(home, { recursive: true, force: true }));

const counting = defineExperiment({
  name: 'counting',
  summary: 'returns a large count and a long fraction',
  options: {},
  run: async (_o, ctx) => {
    ctx.artifact('answer', { kind: 'text', title: 'Why?', paragraphs: ['Because of 42.', 'And 43.'] });
    return { parameters: 46_764_746, loss: 0.123456789 };
  },
});

test('findings in words are printed; final metrics: a count exactly, a fraction to six digits', async () => {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    await runExperiment({ experiment: counting, given: {}, report: false, store: new RunStore(home) });
  } finally {
    process.stdout.write = write;
  }
  const out = lines.join('');
  assert.match(out, /^ {2}parameters +46764746$/m);
  assert.match(out, /^ {2}loss +0\.123457$/m);
  assert.match(out, /^Why\?\n {2}Because of 42\.\n {2}And 43\.$/m);
});
