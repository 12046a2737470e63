/// <reference types="node" />
// The process of one trial (see trial.node.ts): receives a TrialSpec, runs it as a recorded run
// and reports the run's id and how it ended. The metrics stay in the run store.

import '../datasets/index.js';
import { findExperiment } from './registry.js';
import { runExperiment } from './runner.node.js';
import { GO, type TrialMessage, type TrialSpec } from './trial.node.js';

const send = (m: TrialMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
const go = () => new Promise<void>((resolve) => process.on('message', (m) => m === GO && resolve()));

// The parent gone (a worker killed with SIGKILL) takes its trial with it, as a killed process
// group would: the run stays 'running' with a dead process, which the next taker resumes.
let finished = false;
process.on('disconnect', () => {
  if (!finished) process.kill(process.pid, 'SIGKILL');
});

process.once('message', async (spec: TrialSpec) => {
  let runId: number | undefined;
  let outcome: TrialMessage;
  try {
    const result = await runExperiment({
      experiment: findExperiment(spec.experiment),
      given: spec.options,
      json: true,
      resume: spec.resume,
      checkpointEvery: spec.checkpointEvery,
      report: spec.report,
      sweepId: spec.sweepId,
      onRun: async (id) => {
        runId = id;
        const started = go();
        await send({ type: 'run', runId: id });
        await started;
      },
    });
    outcome = { type: 'done', runId: result.runId, status: result.status };
  } catch (e) {
    outcome = { type: 'done', runId, status: 'failed', error: e instanceof Error ? e.message : String(e) };
  }
  await send(outcome);
  finished = true;
  process.disconnect();
});
