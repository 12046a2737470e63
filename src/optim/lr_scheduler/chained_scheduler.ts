// ChainedScheduler: step several chainable schedulers together, each multiplying in its change.

import { CompositeScheduler } from './composite_scheduler.js';
import { LRScheduler } from './lr_scheduler.js';

/** `ChainedScheduler(schedulers)`: every scheduler stepped at once, their factors multiplied. */
export class ChainedScheduler extends CompositeScheduler {

  constructor(schedulers: LRScheduler[]) {
    if (schedulers.length === 0) throw new Error('ChainedScheduler expects at least one scheduler');
    super(schedulers[0].optimizer, schedulers[0].lastEpoch);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer) {
        throw new Error(`ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`);
      }
    });
    this._schedulers = [...schedulers];
    this.baseLrs = schedulers[0].baseLrs.slice();
    this._lastLr = this.groupLrs();
  }

  override step(): void {
    for (const s of this._schedulers) s.step();
    this.lastEpoch++;
    this._lastLr = this.groupLrs();
  }
}
