// Every public export of 'dlab', 'dlab/io' and 'dlab/datasets' has a TSDoc comment, so that the
// reference `npm run docs` builds cannot silently fall behind the code: a new export without one
// fails here, by name and place.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { publicExports } from './exports.js';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const exports = publicExports(root);

test('the walk finds the public exports', () => {
  const names = new Set(exports.map((e) => e.name));
  for (const name of ['dlab.Tensor', 'dlab.nn.Conv2d', 'dlab.optim.lrScheduler.StepLR', 'dlab.models.lenet', 'dlab.utils.summary', 'dlab/io.saveCheckpoint', 'dlab/datasets.MNIST']) {
    assert.ok(names.has(name), `${name} is not among the ${names.size} exports found`);
  }
});

test('every public export has a doc comment', () => {
  const missing = exports.filter((e) => !e.documented).map((e) => `${e.name} (${e.where})`);
  assert.deepEqual(missing, [], `these exports have no /** doc comment */:\n  ${missing.join('\n  ')}`);
});
