// Runs an experiment in this process the way the runner does, stopped at a known step (as Ctrl-C
// would: a checkpoint is saved, then Interrupted), then resumed in a fresh context: the tests compare
// the resumed run's final metrics with an uninterrupted run's.

import { resolveOptions, Interrupted, type Extra, type Metrics, type OptionValue, type TrainState } from '../../src/lab/experiment.js';
import { NodeRunContext, type AnyExperiment } from '../../src/lab/runner.node.js';
import type { RunStore } from '../../src/lab/store.node.js';

class StopAt extends NodeRunContext {
  constructor(store: RunStore, runId: number, resuming: boolean, private readonly stopAt: number) {
    super(store, runId, true, 0, resuming);
  }
  override async checkpoint(state: TrainState, at: { epoch: number; step: number; extra?: () => Extra | Promise<Extra> }): Promise<void> {
    if (at.step === this.stopAt) this.requestStop('SIGINT');
    return super.checkpoint(state, at);
  }
}

/** The final metrics of a run stopped at `step` and resumed (undefined: the run ended before `step`). */
export async function interruptedThenResumed(store: RunStore, experiment: AnyExperiment, given: Record<string, OptionValue>, step: number): Promise<Metrics> {
  const options = resolveOptions(experiment, given);
  const runId = store.createRun(experiment.name, options, null, 0);
  const stopped = new StopAt(store, runId, false, step);
  try {
    await experiment.run(options, stopped);
    throw new Error(`the run ended before step ${step}`);
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
  } finally {
    // As the runner does: a bar left drawing keeps a timer, and the process, alive.
    stopped.closeBars();
  }
  const resumed = new StopAt(store, runId, true, -1);
  try {
    return await experiment.run(options, resumed);
  } finally {
    resumed.closeBars();
  }
}
