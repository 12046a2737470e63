// The image experiments on CIFAR-10 (--dataset cifar10): small fake batch files in the binary
// version's layout under a temporary root (extracted members are read without a checksum); the
// networks take 3 input channels, the LeNets get the 32x32 images resized to 28, softmax has 3072
// inputs, the predictions grid shows the colour images in grey; and the command line's message
// when the files are missing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveOptions } from '../../src/lab/experiment.js';
import type { AnyExperiment } from '../../src/lab/runner.node.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { cnn } from '../../src/lab/experiments/cnn.js';
import { softmax } from '../../src/lab/experiments/softmax.js';

const root = mkdtempSync(join(tmpdir(), 'dlab-lab-cifar-'));

/** A binary CIFAR batch of `n` records: label k % 10; pixel (c, p) of record k is (k * 11 + c * 70 + p) % 256. */
function batch(n: number, first: number): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let k = 0; k < n; k++) {
    out[k * 3073] = (first + k) % 10;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[k * 3073 + 1 + c * 1024 + p] = ((first + k) * 11 + c * 70 + p) % 256;
  }
  return out;
}

before(() => {
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), batch(4, 4 * (i - 1)));
  writeFileSync(join(dir, 'test_batch.bin'), batch(6, 0));
});
after(() => rmSync(root, { recursive: true, force: true }));

const small = { root, dataset: 'cifar10', epochs: 1, batchSize: 8, trainSize: 16, testSize: 6 };

test('cnn --dataset cifar10: LeNet takes 3 channels, the 32x32 images resized to 28', async () => {
  const ctx = new MemoryContext({ yieldEvery: 1000 });
  const m = await cnn.run(resolveOptions(cnn, small), ctx);
  // LeNet's 61,706 parameters with 2 more input channels in the first convolution: 6 x 2 x 5 x 5 more.
  assert.equal(m.parameters, 61706 + 6 * 2 * 5 * 5);
  assert.ok(ctx.lines.some((l) => l.startsWith('lenet (d2l 7.6 (ReLU, max-pooling)), 62,006 parameters, 28x28 inputs, lr 0.1')), ctx.lines.join('\n'));
  assert.ok(ctx.lines.some((l) => l.includes('[-1, 6, 28, 28]')));
  const grid = ctx.artifacts.get('predictions');
  assert.ok(grid?.kind === 'images' && grid.height === 32 && grid.width === 32 && grid.images.length === 6);
  // Image 0, pixel 5: R, G, B = 5, 75, 145, in grey as PIL's convert('L'): (5*19595 + 75*38470 + 145*7471 + 0x8000) >> 16.
  assert.equal(grid.images[0][5], (5 * 19595 + 75 * 38470 + 145 * 7471 + 0x8000) >> 16);
  assert.ok(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'].includes(grid.captions[0].split(' ')[0]));
});

test('cnn --dataset cifar10 with the d2l 8 models: lenet-bn at 28, densenet at 32 (its smallest is 29)', async () => {
  const ctx = new MemoryContext({ yieldEvery: 1000 });
  const bn = await cnn.run(resolveOptions(cnn, { ...small, model: 'lenet-bn' }), ctx);
  // d2l 8.5's 44,878 parameters (test/fixtures/summary.json) plus 2 more input channels: 6 x 2 x 5 x 5.
  assert.equal(bn.parameters, 44878 + 6 * 2 * 5 * 5);
  assert.ok(ctx.lines.some((l) => l.includes('lenet-bn (d2l 8.5 (BatchNorm, concise)), 45,178 parameters, 28x28 inputs, lr 1')), ctx.lines.join('\n'));
  const dense = await cnn.run(resolveOptions(cnn, { ...small, model: 'densenet', resize: 32, trainSize: 8, testSize: 2 }), new MemoryContext({ yieldEvery: 1000 }));
  assert.equal(dense.parameters, 758226 + 64 * 2 * 7 * 7);
  await assert.rejects(cnn.run(resolveOptions(cnn, { ...small, model: 'densenet', resize: 28 }), new MemoryContext()), /--resize: densenet needs images of at least 29x29/);
});

test('softmax --dataset cifar10: 3x32x32 = 3072 inputs', async () => {
  const ctx = new MemoryContext({ yieldEvery: 1000 });
  const m = await softmax.run(resolveOptions(softmax, { ...small, variant: 'concise' }), ctx);
  assert.ok(Number.isFinite(m.test_accuracy), JSON.stringify(m));
  const grid = ctx.artifacts.get('concise-predictions');
  assert.ok(grid?.kind === 'images' && grid.height === 32 && grid.images.length === 6);
});

test('--dataset cifar10 with no files: the message names the archive, `dlab data cifar10` and --download', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'dlab-no-cifar-'));
  try {
    for (const experiment of [cnn, softmax] as AnyExperiment[]) {
      await assert.rejects(experiment.run(resolveOptions(experiment, { ...small, root: empty }), new MemoryContext()), (e: Error) => {
        assert.match(e.message, /^CIFAR10: cifar-10-binary\.tar\.gz not found; looked in .*cifar-10-binary\.tar\.gz, .*cifar-10-batches-bin, .*cifar-10-batches-py, .*cifar-10-python\.tar\.gz\. /);
        assert.ok(e.message.includes('Add --download, run `dlab data cifar10` (it downloads from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, md5 c32a1d4ab5d03f1284b67883e8d87530)'), e.message);
        assert.ok(!/create\(/.test(e.message), e.message);
        return true;
      });
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
