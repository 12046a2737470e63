// EarlyStopping: stop when a monitored metric has not improved by more than minDelta for
// `patience` consecutive steps. It only decides; saving or restoring the best weights is the
// caller's (e.g. keep a stateDict() copy when `improved` is true).

/** Options of `EarlyStopping`: patience (default 5), minDelta (0), mode ('min'). */
export interface EarlyStoppingOptions {
  /** Steps without improvement tolerated before stopping (default 5). */
  patience?: number;
  /** An improvement must beat the best by more than this (default 0). */
  minDelta?: number;
  /** 'min' for losses, 'max' for accuracies (default 'min'). */
  mode?: 'min' | 'max';
}

/** Stops training after `patience` epochs without improvement (default 5, mode 'min'): `if (stopper.step(valLoss)) break`. No PyTorch counterpart (Keras' EarlyStopping, ReduceLROnPlateau's counting). */
export class EarlyStopping {
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  /** The best metric seen so far (Infinity / -Infinity before the first step). */
  best: number;
  /** The 0-based step (epoch) at which `best` was seen; -1 before the first step. */
  bestEpoch = -1;
  /** Steps since the last improvement. */
  numBadEpochs = 0;
  /** Whether the last step improved on the best. */
  improved = false;
  /** Steps taken. */
  epoch = -1;

  constructor(options: EarlyStoppingOptions = {}) {
    const { patience = 5, minDelta = 0, mode = 'min' } = options;
    if (!(patience >= 0)) throw new RangeError(`patience must be non-negative, got ${patience}`);
    if (!(minDelta >= 0)) throw new RangeError(`minDelta must be non-negative, got ${minDelta}`);
    if (mode !== 'min' && mode !== 'max') throw new Error(`mode ${mode} is unknown!`);
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = mode;
    this.best = mode === 'min' ? Infinity : -Infinity;
  }

  /** Record this step's metric; true when training should stop. NaN never counts as an improvement. */
  step(metric: number): boolean {
    this.epoch++;
    this.improved = this.mode === 'min' ? metric < this.best - this.minDelta : metric > this.best + this.minDelta;
    if (this.improved) {
      this.best = metric;
      this.bestEpoch = this.epoch;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    return this.shouldStop;
  }

  get shouldStop(): boolean {
    return this.numBadEpochs >= this.patience && this.epoch >= 0 && !this.improved;
  }

  stateDict(): Record<string, number> {
    return { best: this.best, best_epoch: this.bestEpoch, num_bad_epochs: this.numBadEpochs, epoch: this.epoch };
  }

  loadStateDict(state: Record<string, number>): void {
    this.best = state.best;
    this.bestEpoch = state.best_epoch;
    this.numBadEpochs = state.num_bad_epochs;
    this.epoch = state.epoch;
    this.improved = false;
  }
}
