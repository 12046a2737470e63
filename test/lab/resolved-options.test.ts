// Options with no value: an experiment sees undefined, works out what it means (cnn's lr is its
// model's own), and the run header, the recorded options and the report show the value the run
// used. None given on purpose (--max-tokens none) is recorded as null and read back as none on a
// resume; a run recorded with an old sentinel (cnn --lr 0) is refused by name, not run with it.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defineExperiment, resolveOptions } from '../../src/lab/experiment.js';
import { cnn } from '../../src/lab/experiments/cnn.js';
import { runExperiment, type RunRequest } from '../../src/lab/runner.node.js';
import { RunStore } from '../../src/lab/store.node.js';
import { trustFilesUnder, writeFakeFashionMnist } from './fake-fashion.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-resolved-options-'));
const root = join(home, 'data');
let restoreSource: () => void;
before(() => {
  writeFakeFashionMnist(root, { train: 32, test: 16 });
  restoreSource = trustFilesUnder(root);
});
after(() => {
  restoreSource();
  rmSync(home, { recursive: true, force: true });
});

/** Run in-process with a temporary store, returning what it printed. */
async function captured(request: RunRequest): Promise<{ out: string; runId: number; reportPath?: string }> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    const r = await runExperiment(request);
    return { out: lines.join(''), runId: r.runId, reportPath: r.reportPath };
  } finally {
    process.stdout.write = write;
  }
}

describe('options with no value', () => {
  test("dlab run cnn: the header, the store and the report show lenet's lr and image size, not a sentinel", async () => {
    const store = new RunStore(home);
    // The device given: a default one is probed for (asynchronously), and the capture would take in the test runner's own output.
    const run = await captured({ experiment: cnn, given: { root, epochs: 1, batchSize: 16, trainSize: 32, testSize: 16, device: 'cpu' }, store });
    assert.match(run.out, new RegExp(`^run ${run.runId}: cnn model=lenet dataset=fashion-mnist lr=0\\.1 batchSize=16 .*resize=28 root=`, 'm'));
    assert.match(run.out, /lr 0\.1$/m);
    const recorded = store.getRun(run.runId).options;
    assert.equal(recorded.lr, 0.1);
    assert.equal(recorded.resize, 28);
    const html = readFileSync(run.reportPath!, 'utf8');
    assert.match(html, /<tr><td>lr<\/td><td class="num">0\.1<\/td><\/tr>/);
    assert.match(html, /<tr><td>resize<\/td><td class="num">28<\/td><\/tr>/);
  });

  test("cnn's lr must be positive: 0 is no longer the model's default", () => {
    assert.throws(() => resolveOptions(cnn, { lr: 0 }), /^RangeError: --lr: expected a positive number or none, got '0'$/);
    assert.throws(() => resolveOptions(cnn, { resize: 0 }), /^RangeError: --resize: expected a positive integer or none, got '0'$/);
    assert.equal(resolveOptions(cnn, { model: 'alexnet' }).lr, 0.01);
    assert.equal(resolveOptions(cnn, { model: 'resnet18', lr: 0.2 }).lr, 0.2);
  });

  test("cnn's batch size is d2l's for the model: 128 for the 224-pixel networks and GoogLeNet, 256 for the rest", () => {
    const batch = (model: string) => resolveOptions(cnn, { model }).batchSize;
    assert.deepEqual(['alexnet', 'vgg11', 'nin', 'googlenet'].map(batch), [128, 128, 128, 128]);
    assert.deepEqual(['lenet', 'lenet-classic', 'lenet-bn', 'resnet18', 'densenet'].map(batch), [256, 256, 256, 256, 256]);
    assert.equal(resolveOptions(cnn, { model: 'alexnet', batchSize: 32 }).batchSize, 32);
    assert.throws(() => resolveOptions(cnn, { batchSize: 0 }), /^RangeError: --batch-size: expected a positive integer or none, got '0'$/);
  });

  test('none given on purpose is recorded as null and a resume reads it as none, not the default', async () => {
    const store = new RunStore(home);
    const seen: (number | undefined)[] = [];
    const limited = defineExperiment({
      name: 'limited',
      summary: 'stops at its first checkpoint',
      options: { limit: { default: 5, optional: true, integer: true, min: 1, help: 'a limit (none: no limit)' } },
      run: async (o) => {
        seen.push(o.limit);
        return {};
      },
    });
    const first = await captured({ experiment: limited, given: { limit: null }, report: false, store });
    assert.match(first.out, /: limited limit=none$/m);
    const recorded = store.getRun(first.runId).options;
    assert.deepEqual(recorded, { limit: null });
    // The same options in a run that stopped: its resume runs with none again.
    const stopped = store.createRun('limited', recorded);
    store.finish(stopped, 'interrupted');
    await captured({ experiment: limited, given: {}, resume: stopped, report: false, store });
    assert.deepEqual(seen, [undefined, undefined]);
  });

  test('resuming a run recorded with an old sentinel names the option instead of running with it', async () => {
    const store = new RunStore(home);
    const id = store.createRun('cnn', { ...resolveOptions(cnn, {}), lr: 0 });
    store.finish(id, 'interrupted');
    await assert.rejects(
      runExperiment({ experiment: cnn, given: {}, resume: id, report: false, store }),
      new RegExp(`^Error: run ${id} was recorded with options cnn no longer takes: --lr: expected a positive number or none, got '0'$`),
    );
  });
});
