// ExponentialLR: multiply the lr by gamma every step.  lr = base * gamma^t

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** `ExponentialLR(optimizer, gamma)`: lr times gamma every step. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { gamma: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.start();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}
