// CyclicLR (Smith, "Cyclical Learning Rates"): the lr moves between baseLr and maxLr in cycles of
// stepSizeUp + stepSizeDown steps; 'triangular' keeps the amplitude, 'triangular2' halves it each
// cycle, 'exp_range' scales it by gamma^t. Momentum cycles inversely when cycleMomentum is on
// (the default, as PyTorch 1.13, which then requires an optimizer with `momentum`, e.g. SGD).

import { LRScheduler, perGroup, type AnyOptimizer } from './lr_scheduler.js';

/** Options of `CyclicLR`: baseLr, maxLr, stepSizeUp (default 2000), stepSizeDown, mode ('triangular'), gamma (1), scaleFn, cycleMomentum (true), baseMomentum (0.8), maxMomentum (0.9). */
export interface CyclicLROptions {
  baseLr: number | readonly number[];
  maxLr: number | readonly number[];
  stepSizeUp?: number;
  stepSizeDown?: number | null;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  gamma?: number;
  scaleFn?: ((x: number) => number) | null;
  scaleMode?: 'cycle' | 'iterations';
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  lastEpoch?: number;
}

/** `CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, mode='triangular', ...)`: the lr cycles between baseLr and maxLr. */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: string;
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  /** Set only with cycleMomentum, as PyTorch's (absent from the state dict otherwise). */
  declare baseMomentums: number[];
  declare maxMomentums: number[];
  /** @internal PyTorch's _scale_fn_custom (a function is left out of the state dict, null is kept). */
  _scaleFnCustom: ((x: number) => number) | null;

  constructor(optimizer: AnyOptimizer, options: CyclicLROptions) {
    super(optimizer, options.lastEpoch);
    const { stepSizeUp = 2000, stepSizeDown = null, mode = 'triangular', gamma = 1, scaleFn = null, scaleMode = 'cycle', cycleMomentum = true, baseMomentum = 0.8, maxMomentum = 0.9 } = options;
    const baseLrs = perGroup(optimizer, 'base_lr', options.baseLr);
    if (this.lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => (g.lr = baseLrs[i]));
    this.maxLrs = perGroup(optimizer, 'max_lr', options.maxLr);
    const down = stepSizeDown ?? stepSizeUp;
    this.totalSize = stepSizeUp + down;
    this.stepRatio = stepSizeUp / this.totalSize;
    if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && scaleFn === null) throw new Error('mode is invalid and scale_fn is None');
    this.mode = mode;
    this.gamma = gamma;
    this._scaleFnCustom = scaleFn;
    this.scaleMode = scaleFn ? scaleMode : mode === 'exp_range' ? 'iterations' : 'cycle';
    this.cycleMomentum = cycleMomentum;
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults)) throw new Error('optimizer must support momentum with `cycle_momentum` option enabled');
      const baseMomentums = perGroup(optimizer, 'base_momentum', baseMomentum);
      if (this.lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => (g.momentum = baseMomentums[i]));
      this.baseMomentums = optimizer.paramGroups.map((g) => g.momentum as number);
      this.maxMomentums = perGroup(optimizer, 'max_momentum', maxMomentum);
    }
    this.start();
    this.baseLrs = baseLrs;
  }

  scaleFn(x: number): number {
    if (this._scaleFnCustom) return this._scaleFnCustom(x);
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    if (this.mode === 'exp_range') return this.gamma ** x;
    return 1;
  }

  /** Has a side effect, as PyTorch's: with cycleMomentum it sets each group's momentum. */
  getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scaleFn(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * scaleFactor * scale);
    if (this.cycleMomentum) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const height = (this.maxMomentums[i] - this.baseMomentums[i]) * scaleFactor;
        g.momentum = this.maxMomentums[i] - height * scale;
      });
    }
    return lrs;
  }
}
