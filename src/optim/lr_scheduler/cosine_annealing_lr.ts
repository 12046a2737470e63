// CosineAnnealingLR (SGDR without restarts): lr = etaMin + (base - etaMin)(1 + cos(pi t / TMax)) / 2,
// computed recursively from the current lr as PyTorch does (so it composes with other schedulers);
// past TMax it rises again along the same cosine.

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** `CosineAnnealingLR(optimizer, T_max, eta_min=0)`: the lr follows half a cosine from its initial value to etaMin over TMax steps. */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;

  constructor(optimizer: AnyOptimizer, options: { TMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.TMax = options.TMax;
    this.etaMin = options.etaMin ?? 0;
    this.start();
  }

  getLr(): number[] {
    const { lastEpoch: t, TMax, etaMin } = this;
    if (t === 0) return this.groupLrs();
    if (this._stepCount === 1 && t > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((t * Math.PI) / TMax))) / 2);
    }
    if ((((t - 1 - TMax) % (2 * TMax)) + 2 * TMax) % (2 * TMax) === 0) {
      return this.groupLrs().map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / TMax))) / 2);
    }
    return this.groupLrs().map(
      (lr) => ((1 + Math.cos((Math.PI * t) / TMax)) / (1 + Math.cos((Math.PI * (t - 1)) / TMax))) * (lr - etaMin) + etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2);
  }
}
