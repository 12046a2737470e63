// MultiplicativeLR: each step multiplies the group's current lr by lrLambda(t).

import { LambdaScheduler } from './lambda_lr.js';

/** `MultiplicativeLR(optimizer, lr_lambda)`: the lr times lrLambda(epoch) at every step. */
export class MultiplicativeLR extends LambdaScheduler {
  getLr(): number[] {
    if (this.lastEpoch > 0) return this.groupLrs().map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
    return this.groupLrs();
  }
}
