// NaturalExpDecay: one of the PaddlePaddle schedules; formula and conventions in paddle_scheduler.ts.

import type { AnyOptimizer } from './lr_scheduler.js';
import { PaddleScheduler } from './paddle_scheduler.js';

/** PaddlePaddle's `NaturalExpDecay(learning_rate, gamma)`: lr * e^(-gamma t) (a schedule of the course; no PyTorch counterpart). */
export class NaturalExpDecay extends PaddleScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { gamma: number; learningRate?: number; lastEpoch?: number }) {
    super(optimizer, options.learningRate, options.lastEpoch);
    if (!(options.gamma > 0)) throw new RangeError("'gamma' must be a positive number so that the learning rate will decay.");
    this.gamma = options.gamma;
    this.start();
  }

  getLr(): number[] {
    return this.paddleLrs().map((lr) => lr * Math.exp(-1 * this.gamma * this.lastEpoch));
  }
}
