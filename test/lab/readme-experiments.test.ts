// The README's table of experiments names every experiment the lab registers, and no other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { experiments } from '../../src/lab/registry.js';

test('the README lists every registered experiment', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const listed = [...readme.matchAll(/^\| `([\w-]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), experiments.map((e) => e.name).sort());
});

test('the README links nothing outside the repository', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.deepEqual(readme.match(/\.\.\/[\w./-]+/g) ?? [], []);
});
