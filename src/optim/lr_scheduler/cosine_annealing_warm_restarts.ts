// CosineAnnealingWarmRestarts (SGDR): cosine from base lr to etaMin over TI steps, then restart,
// with TI = T0 * TMult^k. step(epoch) accepts fractional epochs (epoch + i / iters), as PyTorch.

import { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';

/** `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0)`: cosine annealing restarted every T0 (times TMult) steps (SGDR). */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  TI: number;
  TMult: number;
  etaMin: number;
  TCur: number;

  constructor(optimizer: AnyOptimizer, options: { T0: number; TMult?: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    const { T0, TMult = 1, etaMin = 0 } = options;
    if (T0 <= 0 || !Number.isInteger(T0)) throw new RangeError(`Expected positive integer T_0, but got ${T0}`);
    if (TMult < 1 || !Number.isInteger(TMult)) throw new RangeError(`Expected integer T_mult >= 1, but got ${TMult}`);
    this.T0 = T0;
    this.TI = T0;
    this.TMult = TMult;
    this.etaMin = etaMin;
    this.TCur = this.lastEpoch;
    this.start();
  }

  getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.TCur) / this.TI))) / 2);
  }

  // PyTorch 1.13's step here does not count _step_count (it stays 0 after the initial step).
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.TCur += 1;
      if (this.TCur >= this.TI) {
        this.TCur -= this.TI;
        this.TI *= this.TMult;
      }
    } else {
      if (epoch < 0) throw new RangeError(`Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.T0) {
        if (this.TMult === 1) {
          this.TCur = epoch % this.T0;
        } else {
          const n = Math.trunc(Math.log((epoch / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
          this.TCur = epoch - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
          this.TI = this.T0 * this.TMult ** n;
        }
      } else {
        this.TI = this.T0;
        this.TCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
}
