// LambdaLR: lr = base * lrLambda(t), one function for all groups or one per group.

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** A function of the step (epoch) count giving a factor of the lr. */
export type LrLambda = (epoch: number) => number;

export function lambdasFor(optimizer: AnyOptimizer, lrLambda: LrLambda | readonly LrLambda[]): LrLambda[] {
  const n = optimizer.paramGroups.length;
  if (typeof lrLambda === 'function') return new Array<LrLambda>(n).fill(lrLambda);
  if (lrLambda.length !== n) throw new Error(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
  return [...lrLambda];
}

/** What LambdaLR and MultiplicativeLR share: per-group functions of the epoch, not saved as state. */
export abstract class LambdaScheduler extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: AnyOptimizer, options: { lrLambda: LrLambda | readonly LrLambda[]; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.lrLambdas = lambdasFor(optimizer, options.lrLambda);
    this.start();
  }

  /** Functions are not state: saved as null, as PyTorch saves plain functions. */
  override stateDict(): Record<string, unknown> {
    const out = super.stateDict();
    out.lr_lambdas = this.lrLambdas.map(() => null);
    return out;
  }

  override loadStateDict(stateDict: Record<string, unknown>): void {
    const { lr_lambdas: _, ...rest } = stateDict;
    super.loadStateDict(rest);
  }
}

/** `LambdaLR(optimizer, lr_lambda)`: the initial lr times lrLambda(epoch). */
export class LambdaLR extends LambdaScheduler {
  getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }
}
