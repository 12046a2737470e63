// CIFAR-10 from its binary and Python (pickle) versions, on small batch files and archives the test makes; the tar
// reader; Fashion-MNIST's text labels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { Tensor } from '../../src/index.js';
import { DataLoader, Image, defaultCollate, transforms } from '../../src/data/index.js';
import { CIFAR10, readTar, writeTar, nodeFileSource, getFashionMnistLabels, type FileSource } from '../../src/datasets/index.js';

const values = (t: Tensor) => Array.from(t.toTypedArray());

/** A batch file of `labels.length` records; pixel (c, y, x) of record k is (k * 7 + c * 50 + y * 3 + x) % 256. */
function batch(labels: number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, k) => {
    out[k * 3073] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) out[k * 3073 + 1 + c * 1024 + p] = ((k + seed) * 7 + c * 50 + (p >> 5) * 3 + (p & 31)) % 256;
    }
  });
  return out;
}

const trainFiles = [0, 1, 2, 3, 4].map((i) => batch([i, (i + 5) % 10], i * 2));
const testFile = batch([9, 8, 7], 100);
const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

function writeBins(root: string): string {
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  [...trainFiles, testFile].forEach((bytes, i) => writeFileSync(join(dir, names[i]), bytes));
  return dir;
}

const archive = () => gzipSync(writeTar([...trainFiles, testFile].map((data, i) => ({ name: `cifar-10-batches-bin/${names[i]}`, data }))));

/**
 * The Python version of a binary batch, opcode for opcode as Python 2's cPickle (protocol 2) wrote
 * the published files: {'data': numpy uint8 array (N, 3072) via numpy.core.multiarray._reconstruct
 * and ndarray.__setstate__, 'labels': [...], 'batch_label': str, 'filenames': [...]}, strs as
 * SHORT_BINSTRING/BINSTRING. (pickle.loads(b, encoding='bytes') with numpy reads it back.)
 */
function pickleBatch(bin: Uint8Array, global = 'numpy.core.multiarray\n_reconstruct\n', dtype = 'u1'): Uint8Array {
  const n = bin.length / 3073;
  const out: number[] = [];
  const put = (...parts: (number | string | Uint8Array)[]) => {
    for (const p of parts) {
      if (typeof p === 'number') out.push(p);
      else if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
      else for (const b of p) out.push(b);
    }
  };
  const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];
  const str = (s: string) => put(0x55, s.length, s);
  put(0x80, 2, '}', '(');
  str('data');
  put('c', global, 'c', 'numpy\nndarray\n', 'K', 0, 0x85);
  str('b');
  put(0x87, 'R', '(', 'K', 1, 'M', n & 0xff, n >> 8, 'M', 3072 & 0xff, 3072 >> 8, 0x86, 'c', 'numpy\ndtype\n');
  str(dtype);
  put('K', 0, 'K', 1, 0x87, 'R', '(', 'K', 3);
  str('|');
  put('N', 'N', 'N', 'J', ...u32(0xffffffff), 'J', ...u32(0xffffffff), 'K', 0, 't', 'b', 0x89);
  const pixels = new Uint8Array(n * 3072);
  for (let k = 0; k < n; k++) pixels.set(bin.subarray(k * 3073 + 1, (k + 1) * 3073), k * 3072);
  put('T', ...u32(pixels.length), pixels, 't', 'b');
  str('labels');
  put(']', '(');
  for (let k = 0; k < n; k++) put('K', bin[k * 3073]);
  put('e');
  str('batch_label');
  str('training batch 1 of 5');
  str('filenames');
  put(']', '(');
  for (let k = 0; k < n; k++) str(`img_${k}.png`);
  put('e', 'u', '.');
  return new Uint8Array(out);
}

const pyNames = names.map((n) => n.replace(/\.bin$/, ''));
const pyFiles = [...trainFiles, testFile].map((b) => pickleBatch(b));
const pythonArchive = () => gzipSync(writeTar(pyFiles.map((data, i) => ({ name: `cifar-10-batches-py/${pyNames[i]}`, data }))));

test('CIFAR10 from extracted batch files: sizes, labels, HWC pixels from the R, G, B planes', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-cifar-'));
  try {
    writeBins(root);
    const train = new CIFAR10({ root });
    const testSet = new CIFAR10({ root, train: false });
    assert.equal(train.length, 10);
    assert.equal(testSet.length, 3);
    assert.deepEqual(train.targets, [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
    assert.deepEqual(testSet.targets, [9, 8, 7]);
    assert.deepEqual(train.shape, [10, 32, 32, 3]);
    assert.equal(train.classes[3], 'cat');
    assert.equal(train.classToIdx.truck, 9);
    const [img, label] = testSet.getItem(1);
    assert.ok(img instanceof Image);
    assert.deepEqual([img.mode, ...img.size, label], ['RGB', 32, 32, 8]);
    // Record 1 of the test file (seed 100): pixel (c, y=2, x=5).
    for (let c = 0; c < 3; c++) assert.equal(img.getPixel(5, 2, c), ((1 + 100) * 7 + c * 50 + 2 * 3 + 5) % 256);
    assert.equal(testSet.getItem(-1)[1], 7);
    assert.throws(() => testSet.getItem(3), /index 3 is out of bounds for CIFAR10 of length 3/);
    assert.deepEqual(values(train.targetsTensor()), train.targets);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CIFAR10: the batched fast path equals collating items (ToTensor + Normalize, 3 channels)', () => {
  const t = new transforms.Compose<Image, Tensor>([new transforms.ToTensor(), new transforms.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261])]);
  const ds = new CIFAR10({ files: trainFiles, transform: t });
  const idx = [3, 0, 9];
  const fast = ds.getBatch(idx)!;
  const slow = defaultCollate(idx.map((i) => ds.getItem(i)));
  assert.deepEqual(fast[0].shape, [3, 3, 32, 32]);
  assert.deepEqual(values(fast[0]), values(slow[0]));
  assert.deepEqual(values(fast[1]), values(slow[1]));
  const batches = [...new DataLoader(ds, { batchSize: 4 })];
  assert.deepEqual(batches.map(([x]) => x.shape[0]), [4, 4, 2]);
});

test('CIFAR10: bad files fail naming the file (wrong size, wrong labels, wrong archive checksum)', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-cifar-bad-'));
  try {
    const dir = writeBins(root);
    writeFileSync(join(dir, 'data_batch_3.bin'), trainFiles[2].subarray(0, 3073 + 100));
    assert.throws(() => new CIFAR10({ root }), /data_batch_3\.bin: size 3173 bytes is not a whole number of 3073-byte CIFAR records.*100 bytes left over/);
    const bad = trainFiles[2].slice();
    bad[3073] = 12;
    writeFileSync(join(dir, 'data_batch_3.bin'), bad);
    assert.throws(() => new CIFAR10({ root }), /data_batch_3\.bin: record 1 has label 12, but CIFAR-10 has 10 classes/);
    // Without the extracted files, the archive under root is checked against the published MD5.
    rmSync(dir, { recursive: true });
    writeFileSync(join(root, 'cifar-10-binary.tar.gz'), archive());
    assert.throws(
      () => new CIFAR10({ root, train: false }),
      (e: Error) => e.message.includes(join(root, 'cifar-10-binary.tar.gz')) && e.message.includes('expected md5 c32a1d4ab5d03f1284b67883e8d87530'),
    );
    rmSync(join(root, 'cifar-10-binary.tar.gz'));
    assert.throws(
      () => new CIFAR10({ root }),
      /cifar-10-binary\.tar\.gz not found[\s\S]*Looked in: .*cifar-10-binary\.tar\.gz[\s\S]*https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CIFAR10 from the archive: gunzip + tar, members extracted once for the next construction', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-cifar-tar-'));
  try {
    const fromBytes = new CIFAR10({ archive: archive(), train: false });
    assert.deepEqual(fromBytes.targets, [9, 8, 7]);
    // A source that serves the (made-up) archive as if verified: the members land under root.
    let reads = 0;
    const source: FileSource = {
      ...nodeFileSource,
      readRemote: () => {
        reads++;
        return archive();
      },
    };
    const first = new CIFAR10({ root, source });
    assert.equal(first.length, 10);
    assert.ok(existsSync(join(root, 'cifar-10-batches-bin', 'test_batch.bin')));
    const again = await CIFAR10.create({ root, source, train: false, download: true });
    assert.deepEqual(again.targets, [9, 8, 7]);
    assert.equal(reads, 1, 'the second construction reads the extracted files');
    assert.throws(() => CIFAR10.fromArchive(gzipSync(writeTar([{ name: 'x/other.bin', data: new Uint8Array(3) }])), ['test_batch.bin'], 'a.tar.gz'), /a\.tar\.gz: no member cifar-10-batches-bin\/test_batch\.bin/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CIFAR10 from the Python version (pickled numpy batches): the same images and labels as the binary one', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-cifar-py-'));
  try {
    const bin = new CIFAR10({ files: trainFiles });
    const fromFiles = new CIFAR10({ files: pyFiles.slice(0, 5) });
    assert.deepEqual(fromFiles.targets, bin.targets);
    assert.deepEqual(fromFiles.data, bin.data);
    // torchvision's layout under root: cifar-10-batches-py/data_batch_1 ... test_batch.
    mkdirSync(join(root, 'cifar-10-batches-py'));
    pyFiles.forEach((bytes, i) => writeFileSync(join(root, 'cifar-10-batches-py', pyNames[i]), bytes));
    const testSet = new CIFAR10({ root, train: false });
    assert.deepEqual(testSet.targets, [9, 8, 7]);
    assert.deepEqual(testSet.data, new CIFAR10({ files: [testFile], train: false }).data);
    // The archive's bytes, gzipped, members found under cifar-10-batches-py/.
    assert.deepEqual(new CIFAR10({ archive: pythonArchive() }).data, bin.data);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CIFAR10: only the Python archive on disk is read, its members extracted under cifar-10-batches-py', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-cifar-pytar-'));
  try {
    const asked: string[] = [];
    const source: FileSource = {
      ...nodeFileSource,
      hasRemote: (file) => file.path === CIFAR10.pythonArchive.path,
      readRemote: (file) => (asked.push(file.path), pythonArchive()),
    };
    assert.deepEqual(new CIFAR10({ root, source, train: false }).targets, [9, 8, 7]);
    assert.deepEqual(asked, ['cifar-10-python.tar.gz']);
    assert.ok(existsSync(join(root, 'cifar-10-batches-py', 'data_batch_5')));
    assert.deepEqual(new CIFAR10({ root, source }).targets, [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
    assert.equal(asked.length, 1, 'the second construction reads the extracted files');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CIFAR10 pickles: anything but numpy arrays refused by name, wrong dtypes and labels named', () => {
  const files = (first: Uint8Array) => [first, ...pyFiles.slice(1, 5)];
  assert.throws(() => new CIFAR10({ files: files(pickleBatch(trainFiles[0], 'os\nsystem\n')) }), /data_batch_1\.bin: the pickle names os\.system; a CIFAR-10 batch holds only numpy arrays/);
  assert.throws(() => new CIFAR10({ files: files(pickleBatch(trainFiles[0], undefined, 'f4')) }), /data_batch_1\.bin: b'data' is f4 of shape \(2, 3072\), expected uint8 of shape \(N, 3072\)/);
  const badLabel = trainFiles[0].slice();
  badLabel[3073] = 11;
  assert.throws(() => new CIFAR10({ files: files(pickleBatch(badLabel)) }), /data_batch_1\.bin: image 1 has label 11, but CIFAR-10 has 10 classes/);
  assert.throws(() => new CIFAR10({ files: files(pyFiles[0].subarray(0, 500)) }), /data_batch_1\.bin: pickle ends inside a string/);
});

test('readTar: names, sizes, a long file padded to 512-byte blocks, corrupt headers rejected', () => {
  const big = new Uint8Array(1300).map((_, i) => i % 256);
  const tar = writeTar([{ name: 'a/b.txt', data: new TextEncoder().encode('hello') }, { name: 'big.bin', data: big }]);
  assert.equal(tar.length, 512 * (1 + 1 + 1 + 3 + 2));
  const entries = readTar(tar);
  assert.deepEqual(entries.map((e) => [e.name, e.data.length]), [['a/b.txt', 5], ['big.bin', 1300]]);
  assert.deepEqual(Array.from(entries[1].data), Array.from(big));
  const bad = tar.slice();
  bad[0] ^= 1;
  assert.throws(() => readTar(bad, 'x.tar'), /x\.tar: tar header checksum mismatch at byte 0/);
  assert.throws(() => readTar(tar.subarray(0, 1024), 'cut.tar'), /cut\.tar: truncated tar archive/);
});

test('getFashionMnistLabels: d2l text labels', () => {
  assert.deepEqual(getFashionMnistLabels([0, 9, 5]), ['t-shirt', 'ankle boot', 'sandal']);
  assert.throws(() => getFashionMnistLabels([10]), /out of range/);
});
