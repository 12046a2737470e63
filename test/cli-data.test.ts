// `dlab data`, run from the built CLI (npm test builds first) as an installed `dlab` would run.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
// An empty root, so the tests do not depend on what sits in the working directory's ./data.
const root = mkdtempSync(join(tmpdir(), 'dlab-data-'));
after(() => rmSync(root, { recursive: true, force: true }));

const dlab = (...args: string[]): string =>
  execFileSync(process.execPath, [main, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const dlabFails = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

test('dlab data mnist --info prints exactly one JSON object', () => {
  const out = dlab('data', 'mnist', '--info', '--root', root);
  assert.equal(out.trim().split('\n').length, 1);
  const info = JSON.parse(out) as Record<string, unknown>;
  assert.deepEqual(Object.keys(info), ['name', 'train', 'test', 'shape', 'classes', 'path']);
  const { path, ...rest } = info;
  assert.deepEqual(rest, { name: 'mnist', train: 60000, test: 10000, shape: [1, 28, 28], classes: 10 });
  assert.equal(typeof path, 'string');
  assert.ok((path as string).length > 0);
  assert.ok(existsSync(join(path as string, 'train-images-idx3-ubyte')), `files not at ${path as string}`);
});

test('dlab data mnist prints a readable summary', () => {
  const out = dlab('data', 'mnist', '--root', root);
  assert.match(out, /^mnist$/m);
  assert.match(out, /train:\s+60000 images/);
  assert.match(out, /test:\s+10000 images/);
  assert.match(out, /shape:\s+\[1, 28, 28\]/);
  assert.match(out, /classes:\s+10 \(0 - zero, .*9 - nine\)/);
  assert.match(out, /path:\s+\S/);
});

test('dlab data with an unknown name fails naming the known data sets', () => {
  const r = dlabFails('data', 'nope');
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown data set 'nope'/);
  assert.match(r.stderr, /mnist, fashion-mnist/);
});

test('dlab data fashion-mnist without its files fails saying which file and where it looked', () => {
  const r = dlabFails('data', 'fashion-mnist', '--root', root);
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /FashionMNIST: train-images-idx3-ubyte not found/);
  assert.ok(r.stderr.includes(join(root, 'FashionMNIST', 'raw', 'train-images-idx3-ubyte')), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
