// PolynomialLR: lr = base * (1 - min(t, totalIters) / totalIters)^power.

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** `PolynomialLR(optimizer, total_iters=5, power=1.0)`: the lr decays as (1 - t / totalIters)^power. */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: AnyOptimizer, options: { totalIters?: number; power?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.totalIters = options.totalIters ?? 5;
    this.power = options.power ?? 1;
    this.start();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return this.groupLrs();
    const decay = ((1 - this.lastEpoch / this.totalIters) / (1 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return this.groupLrs().map((lr) => lr * decay);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}
