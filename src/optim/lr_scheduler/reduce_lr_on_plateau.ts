// ReduceLROnPlateau: multiply the lr by `factor` once the metric has not improved for more than
// `patience` steps, then wait `cooldown` steps. Not an LRScheduler: step() takes the metric.

import type { Tensor } from '../../tensor/tensor.js';
import { Optimizer } from '../optimizer.js';
import { pyTypeName } from '../../tensor/python_type.js';
import { dlabKey, torchKey, type AnyOptimizer } from './lr_scheduler.js';

/** Options of `ReduceLROnPlateau`: mode (default 'min'), factor (0.1), patience (10), threshold (1e-4), thresholdMode ('rel'), cooldown (0), minLr (0), eps (1e-8). */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | readonly number[];
  eps?: number;
}

/** `ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4, ...)`: lr times factor when the metric passed to `step(metric)` stops improving. */
export class ReduceLROnPlateau {
  optimizer: AnyOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  /** @internal */
  _lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    if (factor >= 1) throw new RangeError('Factor should be < 1.0.');
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${pyTypeName(optimizer)} is not an Optimizer`);
    this.optimizer = optimizer;
    this.factor = factor;
    const n = optimizer.paramGroups.length;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new Error(`expected ${n} min_lrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      this.minLrs = new Array<number>(n).fill(minLr as number);
    }
    this.patience = patience;
    this.cooldown = cooldown;
    if (mode !== 'min' && mode !== 'max') throw new Error(`mode ${mode} is unknown!`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new Error(`threshold mode ${thresholdMode} is unknown!`);
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.eps = eps;
    // PyTorch 1.13 sets _last_lr only in step(); starting from the current lrs is friendlier.
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Report the metric for this step (a number or a one-element tensor). */
  step(metrics: number | Tensor, epoch?: number): void {
    const current = typeof metrics === 'number' ? metrics : metrics.item();
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
      if (g.lr - newLr > this.eps) g.lr = newLr;
    });
  }

  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[torchKey(k)] = Array.isArray(v) ? [...v] : v;
    return out;
  }

  loadStateDict(stateDict: Record<string, unknown>): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(stateDict)) self[dlabKey(k)] = Array.isArray(v) ? [...v] : v;
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }
}
