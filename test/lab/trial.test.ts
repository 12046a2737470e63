// A sweep's trial: a recorded run in a process of its own (src/lab/trial.node.ts). The parent
// learns the run's id and how it ended; the metrics are the run store's, equal to a direct run's.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { linreg } from '../../src/lab/experiments/linreg.js';
import { runExperiment } from '../../src/lab/runner.node.js';
import { RunStore } from '../../src/lab/store.node.js';
import { startTrial } from '../../src/lab/trial.node.js';

const home = mkdtempSync(join(os.tmpdir(), 'dlab-trial-'));
// The trial process opens the store its environment names.
process.env.DLAB_HOME = home;
after(() => rmSync(home, { recursive: true, force: true }));

const options = { epochs: 1, examples: 100, batchSize: 20 };

describe('a trial process', () => {
  test('runs the trial as a recorded run; its final metrics in the store equal a direct run', async () => {
    let announced: number | undefined;
    const outcome = await startTrial({ experiment: 'linreg', options, sweepId: null, report: false }, { onRun: (id) => void (announced = id) }).done;
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(announced, outcome.runId);
    const store = new RunStore(home);
    try {
      const run = store.getRun(outcome.runId!);
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.options, { ...run.options, ...options });
      const direct = await runExperiment({ experiment: linreg, given: options, report: false, json: true, store });
      assert.deepEqual({ ...run.final, run_id: 0 }, { ...direct.metrics, run_id: 0 });
    } finally {
      store.close();
    }
  });

  test('a trial that cannot start fails with its error and no run', async () => {
    const outcome = await startTrial({ experiment: 'linreg', options: { lr: -1 }, sweepId: null, report: false }).done;
    assert.deepEqual(outcome, { runId: undefined, status: 'failed', error: "--lr: expected a positive number, got '-1'" });
  });

  test('a trial process that dies is a failed trial, named with its signal', async () => {
    const trial = startTrial({ experiment: 'linreg', options: { ...options, epochs: 50 }, sweepId: null, report: false }, { onRun: () => trial.kill('SIGKILL') });
    const outcome = await trial.done;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error!, /^trial process killed by SIGKILL/);
    assert.equal(typeof outcome.runId, 'number');
  });
});
