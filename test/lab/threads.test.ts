// `dlab run cnn` with one seed gives the same numbers on any number of threads: LeNet on the
// Fashion-MNIST stand-in (fake-fashion.ts), wasm backend, run twice on 1 thread and twice on 2,
// ends with the same train loss and accuracies to the last bit. Batch 16 keeps every convolution
// big enough to split across the threads (LeNet's smallest is 1.9M multiply-adds); 32 steps with
// momentum let a last-bit difference in one gradient grow into the loss (while the split decided
// the order of the weight gradient's sum, 2-thread runs ended 1e-7 to 1e-9 apart).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as torch from '../../src/index.js';
import { wasmInfo } from '../../src/backend/wasm/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { cnn } from '../../src/lab/experiments/cnn.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { trustFilesUnder, writeFakeFashionMnist } from './fake-fashion.js';

const root = mkdtempSync(join(tmpdir(), 'dlab-lab-threads-'));
let restore: () => void;

before(() => {
  writeFakeFashionMnist(root, { train: 256, test: 32 });
  const restoreSource = trustFilesUnder(root);
  const backend = torch.setBackend('wasm');
  const threads = torch.getNumThreads();
  restore = () => {
    restoreSource();
    torch.setBackend(backend);
    torch.setNumThreads(threads);
  };
});
after(() => {
  restore();
  rmSync(root, { recursive: true, force: true });
});

/** The run's final metrics that do not measure time. */
async function runCnn(): Promise<Record<string, number | string>> {
  const m = await cnn.run(resolveOptions(cnn, { root, epochs: 2, batchSize: 16, momentum: 0.9, testSize: 32, seed: 3 }), new MemoryContext({ yieldEvery: 1000 }));
  const { epoch_seconds: _s, images_per_second: _ips, ...rest } = m;
  return rest;
}

test('cnn: the same seed gives the same metrics, bit for bit, on 1 thread and on 2', async () => {
  assert.ok(wasmInfo()?.shared, 'Node has shared memory, so the kernels run on worker threads');
  torch.setNumThreads(1);
  const one = await runCnn();
  assert.deepEqual(await runCnn(), one, '1 thread, second run');
  torch.setNumThreads(2);
  // The worker starts on the first job big enough to split; wait until it is ready to join.
  for (let i = 0; wasmInfo()!.readyWorkers < 1; i++) {
    assert.ok(i < 10_000, 'the worker thread started');
    torch.matmul(torch.ones([128, 128]), torch.ones([128, 128]));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  for (const run of [1, 2]) {
    const joins = wasmInfo()!.workerJoins;
    assert.deepEqual(await runCnn(), one, `2 threads, run ${run}`);
    assert.ok(wasmInfo()!.workerJoins > joins, `the worker took part in run ${run}`);
  }
});
