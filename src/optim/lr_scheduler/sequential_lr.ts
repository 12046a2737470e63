// SequentialLR: hand the optimizer from one scheduler to the next at each milestone; a scheduler
// starts (step(0), its closed form) at its milestone, counting epochs from there.

import { CompositeScheduler } from './composite_scheduler.js';
import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** `SequentialLR(optimizer, schedulers, milestones)`: one scheduler after another, switching at the milestones. */
export class SequentialLR extends CompositeScheduler {
  /** @internal */
  _milestones: number[];

  constructor(optimizer: AnyOptimizer, options: { schedulers: LRScheduler[]; milestones: readonly number[]; lastEpoch?: number }) {
    const { schedulers, milestones, lastEpoch = -1 } = options;
    super(optimizer, lastEpoch + 1);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new Error(`Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`);
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(
        `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    this._schedulers = schedulers;
    this._milestones = [...milestones];
    // Undo the steps the schedulers took when they were built, then restart the first one.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]._initialStep();
    this.baseLrs = schedulers[0].baseLrs.slice();
    this._lastLr = schedulers[0].getLastLr();
  }

  override step(): void {
    this.lastEpoch++;
    let idx = 0; // bisect_right
    while (idx < this._milestones.length && this._milestones[idx] <= this.lastEpoch) idx++;
    const scheduler = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this._lastLr = scheduler.getLastLr();
  }
}
