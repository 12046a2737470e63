// MultiplicativeLR: each step multiplies the group's current lr by lrLambda(t).

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';
import { lambdasFor, type LrLambda } from './lambda_lr.js';

export class MultiplicativeLR extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: AnyOptimizer, options: { lrLambda: LrLambda | readonly LrLambda[]; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.lrLambdas = lambdasFor(optimizer, options.lrLambda);
    this.start();
  }

  getLr(): number[] {
    if (this.lastEpoch > 0) return this.groupLrs().map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
    return this.groupLrs();
  }

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
