/// <reference types="node" />
// The process of one trial (see trial.node.ts): receives a TrialSpec, runs it as a recorded run
// and reports the run's id and how it ended. The metrics stay in the run store.

import '../datasets/index.js';
import { findExperiment } from './registry.js';
import { runExperiment } from './runner.node.js';
import type { TrialMessage, TrialSpec } from './trial.node.js';

const send = (m: TrialMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

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
      onRun: (id) => {
        runId = id;
        void send({ type: 'run', runId: id });
      },
    });
    outcome = { type: 'done', runId: result.runId, status: result.status };
  } catch (e) {
    outcome = { type: 'done', runId, status: 'failed', error: e instanceof Error ? e.message : String(e) };
  }
  await send(outcome);
  process.disconnect();
});
