// MultiStepLR: multiply the lr by gamma at each milestone (a milestone listed twice decays twice).

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** `MultiStepLR(optimizer, milestones, gamma=0.1)`: lr times gamma at each milestone. */
export class MultiStepLR extends LRScheduler {
  /** Milestone -> how many times it was listed (PyTorch's Counter). */
  milestones: Map<number, number>;
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { milestones: readonly number[]; gamma?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.milestones = new Map();
    for (const m of options.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = options.gamma ?? 0.1;
    this.start();
  }

  getLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    let passed = 0; // bisect_right over the sorted milestones, with repeats
    for (const [m, c] of this.milestones) if (m <= this.lastEpoch) passed += c;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}
