// Experiments that train several models one after another (K folds, one run per schedule) resume
// from a checkpoint before they know which of them wrote it. The model and optimizer have the same
// shape in every phase, so they load at once; a loader or scheduler made for the phase later
// stands in the checkpoint as a LateState, whose loaded state waits for the object it is bound to.

import type { Stateful } from './experiment.js';

export class LateState implements Stateful {
  private target: Stateful | null = null;
  private pending: Record<string, unknown> | null = null;

  /** The object the state is of from now on; a state loaded by a resume goes into it (once). */
  bind(target: Stateful | null): void {
    this.target = target;
    if (target && this.pending) target.loadStateDict(this.pending);
    this.pending = null;
  }

  stateDict(): Record<string, unknown> {
    return this.target?.stateDict() ?? {};
  }

  loadStateDict(stateDict: Record<string, unknown>): void {
    this.pending = stateDict;
  }
}
