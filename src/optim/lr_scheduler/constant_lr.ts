// ConstantLR: lr = base * factor until totalIters steps, then base.

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** `ConstantLR(optimizer, factor=1/3, total_iters=5)`: the lr times factor for the first totalIters steps. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: AnyOptimizer, options: { factor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    const factor = options.factor ?? 1 / 3;
    if (factor > 1 || factor < 0) throw new RangeError('Constant multiplicative factor expected to be between 0 and 1.');
    this.factor = factor;
    this.totalIters = options.totalIters ?? 5;
    this.start();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs().map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}
