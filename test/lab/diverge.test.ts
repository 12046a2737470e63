// Every experiment stops at the first step whose loss is NaN or Inf (too large a learning rate),
// with an error naming the epoch and step, instead of finishing with NaN metrics; through the CLI
// that run is recorded as failed and the command exits non-zero.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveOptions, type Experiment, type GivenValue, type OptionValue } from '../../src/lab/experiment.js';
import { cnn } from '../../src/lab/experiments/cnn.js';
import { linreg } from '../../src/lab/experiments/linreg.js';
import { mnist } from '../../src/lab/experiments/mnist.js';
import { rnn } from '../../src/lab/experiments/rnn.js';
import { gptExperiment } from '../../src/lab/experiments/gpt.js';
import { sin } from '../../src/lab/experiments/sin.js';
import { softmax } from '../../src/lab/experiments/softmax.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { RunStore } from '../../src/lab/store.node.js';
import { trustFilesUnder, writeFakeFashionMnist } from './fake-fashion.js';

const root = mkdtempSync(join(tmpdir(), 'dlab-diverge-'));
let restoreSource: () => void;
before(() => {
  writeFakeFashionMnist(root, { train: 64, test: 16 });
  restoreSource = trustFilesUnder(root);
});
after(() => {
  restoreSource();
  rmSync(root, { recursive: true, force: true });
});

const diverging: [Experiment<Record<string, OptionValue>>, Record<string, GivenValue>][] = [
  [linreg, { lr: 1e6 }],
  [softmax, { root, lr: 1e38, epochs: 1, batchSize: 16, variant: 'concise' }],
  [cnn, { root, lr: 1e6, epochs: 1, batchSize: 16, trainSize: 64, testSize: 16 }],
  [rnn, { lr: 1e38, clip: null, epochs: 2, numHiddens: 16, numSteps: 8, batchSize: 4, maxTokens: 400 }],
  [mnist, { lr: 1e30, epochs: 1, hidden: 8, trainSize: 256, testSize: 16 }],
  [sin, { lr: 1e6, epochs: 1, points: 64, steps: 10 }],
  [gptExperiment, { lr: 1e38, clip: null, warmupSteps: 0, epochs: 1, stepsPerEpoch: 5, blockSize: 8, dModel: 8, nHead: 2, nLayer: 1, batchSize: 2 }],
] as never;

describe('a non-finite loss stops every experiment at its step', () => {
  for (const [experiment, options] of diverging) {
    test(experiment.name, async () => {
      const ctx = new MemoryContext({ yieldEvery: 1000 });
      await assert.rejects(experiment.run(resolveOptions(experiment, options), ctx), /^Error: loss is (nan|inf|-inf) at epoch \d+, step \d+; try a smaller --lr$/);
    });
  }

  test('dlab run linreg --lr 1e6: the run fails, with the step, and the command exits non-zero', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dlab-diverge-home-'));
    try {
      const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
      const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(process.execPath, [main, 'run', 'linreg', '--lr', '1e6', '--json'], { env: { ...process.env, DLAB_HOME: home } }, (err, _out, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
        ),
      );
      assert.equal(r.code, 1, r.stderr);
      const message = /loss is (nan|inf) at epoch 1, step (\d+); try a smaller --lr/.exec(r.stderr);
      assert.ok(message, r.stderr);
      const store = new RunStore(home);
      const [run] = store.listRuns();
      store.close();
      assert.equal(run.status, 'failed');
      assert.equal(run.final, null);
      assert.equal(run.error, message[0]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
