// Every public export of 'dlab', 'dlab/io' and 'dlab/datasets' has a TSDoc comment, so that the
// reference `npm run docs` builds cannot silently fall behind the code. The exports that had none
// when this test was written are listed in undocumented.json: that list may only shrink (a newly
// documented export must leave it), and an export outside it must come with its comment.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { publicExports } from './exports.js';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const listFile = join(root, 'test', 'docs', 'undocumented.json');
const known = new Set<string>(JSON.parse(readFileSync(listFile, 'utf8')) as string[]);
const exports = publicExports(root);

test('the walk finds the public exports', () => {
  const names = new Set(exports.map((e) => e.name));
  for (const name of ['dlab.Tensor', 'dlab.nn.Conv2d', 'dlab.optim.lrScheduler.StepLR', 'dlab.models.lenet', 'dlab.utils.summary', 'dlab/io.saveCheckpoint', 'dlab/datasets.MNIST']) {
    assert.ok(names.has(name), `${name} is not among the ${names.size} exports found`);
  }
});

test('every public export has a doc comment', () => {
  const missing = exports.filter((e) => !e.documented && !known.has(e.name)).map((e) => `${e.name} (${e.where})`);
  assert.deepEqual(missing, [], `these exports have no /** doc comment */:\n  ${missing.join('\n  ')}`);
});

test('undocumented.json lists only exports that still lack their comment', () => {
  const stillMissing = new Set(exports.filter((e) => !e.documented).map((e) => e.name));
  const stale = [...known].filter((name) => !stillMissing.has(name));
  assert.deepEqual(stale, [], `documented now (or no longer exported): remove from test/docs/undocumented.json:\n  ${stale.join('\n  ')}`);
});
