// LinearWarmup: one of the PaddlePaddle schedules; formula and conventions in paddle_scheduler.ts.

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';
import { PaddleScheduler } from './paddle_scheduler.js';

/** PaddlePaddle's `LinearWarmup(learning_rate, warmup_steps, start_lr, end_lr)`: a linear warm-up before another schedule (no PyTorch counterpart). */
export class LinearWarmup extends PaddleScheduler {
  /** What follows the warmup: a schedule on the same optimizer, or a fixed lr. */
  wrapped: LRScheduler | number;
  warmupSteps: number;
  startLr: number;
  endLr: number;

  constructor(
    optimizer: AnyOptimizer,
    options: { learningRate: LRScheduler | number; warmupSteps: number; startLr: number; endLr: number; lastEpoch?: number },
  ) {
    super(optimizer, null, options.lastEpoch);
    const { learningRate, warmupSteps, startLr, endLr } = options;
    if (learningRate instanceof LRScheduler && learningRate.optimizer !== optimizer) {
      throw new Error('LinearWarmup expects the wrapped scheduler to belong to the same optimizer');
    }
    if (!(warmupSteps > 0 && Number.isInteger(warmupSteps))) throw new RangeError("'warmup_steps' must be a positive integer.");
    if (!(endLr > startLr)) throw new RangeError(`end_lr ${endLr} must be greater than start_lr ${startLr}`);
    this.wrapped = learningRate;
    this.warmupSteps = warmupSteps;
    this.startLr = startLr;
    this.endLr = endLr;
    this.start();
  }

  getLr(): number[] {
    if (this.lastEpoch < this.warmupSteps) {
      const lr = ((this.endLr - this.startLr) * this.lastEpoch) / this.warmupSteps + this.startLr;
      return this.baseLrs.map(() => lr);
    }
    if (this.wrapped instanceof LRScheduler) {
      this.wrapped.step(this.lastEpoch - this.warmupSteps);
      return this.wrapped.getLastLr();
    }
    return this.baseLrs.map(() => this.wrapped as number);
  }

  override stateDict(): Record<string, unknown> {
    const { wrapped: _, ...out } = super.stateDict();
    if (this.wrapped instanceof LRScheduler) out.LinearWarmup_LR = this.wrapped.stateDict();
    else out.learning_rate = this.wrapped;
    return out;
  }

  override loadStateDict(stateDict: Record<string, unknown>): void {
    const { LinearWarmup_LR: inner, learning_rate: _, ...rest } = stateDict;
    super.loadStateDict(rest);
    // As Paddle's set_state_dict: a wrapped schedule needs its state (a KeyError there without it).
    if (this.wrapped instanceof LRScheduler) {
      if (inner === undefined) throw new Error("LinearWarmup.loadStateDict: the state dict has no 'LinearWarmup_LR' for the wrapped schedule");
      this.wrapped.loadStateDict(inner as Record<string, unknown>);
    }
  }
}
