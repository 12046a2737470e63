// InverseTimeDecay: one of the PaddlePaddle schedules; formula and conventions in paddle_scheduler.ts.

import type { AnyOptimizer } from './lr_scheduler.js';
import { PaddleScheduler } from './paddle_scheduler.js';

/** PaddlePaddle's `InverseTimeDecay(learning_rate, gamma)`: lr / (1 + gamma t) (a schedule of the course; no PyTorch counterpart). */
export class InverseTimeDecay extends PaddleScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { gamma: number; learningRate?: number; lastEpoch?: number }) {
    super(optimizer, options.learningRate, options.lastEpoch);
    this.gamma = options.gamma;
    this.start();
  }

  getLr(): number[] {
    return this.paddleLrs().map((lr) => lr / (1 + this.gamma * this.lastEpoch));
  }
}
