// StepLR: multiply the lr by gamma every stepSize steps.  lr = base * gamma^floor(t / stepSize)

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/**
 * `StepLR(optimizer, step_size, gamma=0.1)`: lr times gamma every stepSize steps.
 *
 * @example
 * ```ts
 * import { nn, optim } from 'dlab';
 *
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 0.1 });
 * const scheduler = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
 * for (let epoch = 0; epoch < 4; epoch++) {
 *   opt.step();
 *   scheduler.step();
 * }
 * console.log(scheduler.getLastLr()); // [ 0.025 ]
 * ```
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.start();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
