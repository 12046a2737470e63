// Schedules from PaddlePaddle (python/paddle/optimizer/lr.py) that PyTorch lacks, with Paddle's
// names and formulas. In Paddle the schedule *is* the learning rate; here, as every dlab
// scheduler, it drives an optimizer's groups. Paddle's `learning_rate` argument is each group's
// initial lr unless `learningRate` is given (NoamDecay: Paddle's default 1.0). t is lastEpoch.
//   PiecewiseDecay     values[i] for the first boundary t < boundaries[i]; the last value after all
//   NaturalExpDecay    lr * exp(-gamma t)
//   InverseTimeDecay   lr / (1 + gamma t)
//   NoamDecay          lr * dModel^-0.5 * min(t^-0.5, t * warmupSteps^-1.5)   (t^-0.5 read as 1 at t = 0)
//   LinearWarmup       startLr + (endLr - startLr) t / warmupSteps while t < warmupSteps, then the
//                      wrapped schedule (stepped to t - warmupSteps) or the fixed lr

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** Base of the Paddle schedules: Paddle's base learning rate per group. */
export abstract class PaddleScheduler extends LRScheduler {
  /** Paddle's `learning_rate`, when given for all groups. */
  learningRate: number | null;

  constructor(optimizer: AnyOptimizer, learningRate: number | null | undefined, lastEpoch: number | undefined) {
    super(optimizer, lastEpoch);
    if (learningRate != null && learningRate < 0) throw new RangeError(`Invalid learning rate: ${learningRate}`);
    this.learningRate = learningRate ?? null;
  }

  protected paddleLrs(): number[] {
    return this.baseLrs.map((b) => this.learningRate ?? b);
  }

  // Paddle's get_lr is already a closed form.
  protected override closedFormLr(): number[] {
    return this.getLr();
  }
}
