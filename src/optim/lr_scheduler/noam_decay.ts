// NoamDecay: one of the PaddlePaddle schedules; formula and conventions in paddle_scheduler.ts.

import type { AnyOptimizer } from './lr_scheduler.js';
import { PaddleScheduler } from './paddle_scheduler.js';

/** PaddlePaddle's `NoamDecay(d_model, warmup_steps)`: the Transformer paper's warm-up then 1/sqrt(t) decay (no PyTorch counterpart). */
export class NoamDecay extends PaddleScheduler {
  dModel: number;
  warmupSteps: number;

  constructor(optimizer: AnyOptimizer, options: { dModel: number; warmupSteps: number; learningRate?: number; lastEpoch?: number }) {
    super(optimizer, options.learningRate ?? 1.0, options.lastEpoch);
    if (!(options.dModel > 0)) throw new RangeError('d_model should be grater than 0');
    this.dModel = options.dModel;
    this.warmupSteps = options.warmupSteps;
    this.start();
  }

  getLr(): number[] {
    const a = this.lastEpoch === 0 ? 1 : this.lastEpoch ** -0.5;
    const b = this.warmupSteps ** -1.5 * this.lastEpoch;
    return this.paddleLrs().map((lr) => lr * this.dModel ** -0.5 * Math.min(a, b));
  }
}
