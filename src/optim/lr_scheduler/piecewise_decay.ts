// PiecewiseDecay: one of the PaddlePaddle schedules; formula and conventions in paddle_scheduler.ts.

import type { AnyOptimizer } from './lr_scheduler.js';
import { PaddleScheduler } from './paddle_scheduler.js';

/** PaddlePaddle's `PiecewiseDecay(boundaries, values)`: lr values[i] between the boundaries (a schedule of the course; no PyTorch counterpart). */
export class PiecewiseDecay extends PaddleScheduler {
  boundaries: number[];
  values: number[];

  constructor(optimizer: AnyOptimizer, options: { boundaries: readonly number[]; values: readonly number[]; lastEpoch?: number }) {
    super(optimizer, null, options.lastEpoch);
    const { boundaries, values } = options;
    if (boundaries.length === 0) throw new Error('The boundaries cannot be empty.');
    if (values.length <= boundaries.length) {
      throw new Error(`The values have one more element than boundaries, but received len(values) [${values.length}] < len(boundaries) + 1 [${boundaries.length + 1}].`);
    }
    this.boundaries = [...boundaries];
    this.values = [...values];
    this.start();
  }

  getLr(): number[] {
    let lr = this.values[this.values.length - 1];
    for (let i = 0; i < this.boundaries.length; i++) {
      if (this.lastEpoch < this.boundaries[i]) {
        lr = this.values[i];
        break;
      }
    }
    return this.baseLrs.map(() => lr);
  }
}
