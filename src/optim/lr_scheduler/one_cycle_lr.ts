// OneCycleLR (Smith, "Super-Convergence"): warm up from maxLr / divFactor to maxLr over
// pctStart of the steps, then anneal (cosine or linear) to initialLr / finalDivFactor; with
// threePhase, back down to initialLr first and only then to the minimum. Momentum (or Adam's
// beta1) cycles inversely. Not chainable; step after every batch.

import { toCamel, toSnake } from '../optimizer.js';
import { LRScheduler, perGroup, type AnyOptimizer } from './lr_scheduler.js';

/** Options of `OneCycleLR`: maxLr, totalSteps (or epochs and stepsPerEpoch), pctStart (default 0.3), annealStrategy ('cos'), cycleMomentum (true), baseMomentum (0.85), maxMomentum (0.95), divFactor (25), finalDivFactor (1e4), threePhase (false). */
export interface OneCycleLROptions {
  maxLr: number | readonly number[];
  totalSteps?: number | null;
  epochs?: number | null;
  stepsPerEpoch?: number | null;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/** `OneCycleLR(optimizer, max_lr, total_steps, ...)`: the 1cycle policy: warm up to maxLr, then anneal far below the start; momentum cycles the other way. */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  /** Set only with cycleMomentum, as PyTorch's use_beta1 (absent from the state dict otherwise). */
  declare useBeta1: boolean;
  /** @internal */
  _schedulePhases: Phase[];

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    super(optimizer, options.lastEpoch);
    const {
      totalSteps = null, epochs = null, stepsPerEpoch = null, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false,
    } = options;
    if (totalSteps === null && epochs === null && stepsPerEpoch === null) {
      throw new Error('You must define either total_steps OR (epochs AND steps_per_epoch)');
    } else if (totalSteps !== null) {
      if (totalSteps <= 0 || !Number.isInteger(totalSteps)) throw new RangeError(`Expected positive integer total_steps, but got ${totalSteps}`);
      this.totalSteps = totalSteps;
    } else {
      if (epochs === null || epochs <= 0 || !Number.isInteger(epochs)) throw new RangeError(`Expected positive integer epochs, but got ${epochs}`);
      if (stepsPerEpoch === null || stepsPerEpoch <= 0 || !Number.isInteger(stepsPerEpoch)) {
        throw new RangeError(`Expected positive integer steps_per_epoch, but got ${stepsPerEpoch}`);
      }
      this.totalSteps = epochs * stepsPerEpoch;
    }
    const T = this.totalSteps;
    this._schedulePhases = threePhase
      ? [
          { endStep: pctStart * T - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * T - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: T - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pctStart * T - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: T - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    if (pctStart < 0 || pctStart > 1) throw new RangeError(`Expected float between 0 and 1 pct_start, but got ${pctStart}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new Error(`anneal_strategy must by one of 'cos' or 'linear', instead got ${annealStrategy}`);
    }
    this.annealStrategy = annealStrategy;
    const maxLrs = perGroup(optimizer, 'max_lr', options.maxLr);
    if (this.lastEpoch === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    this.cycleMomentum = cycleMomentum;
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults)) {
        throw new Error('optimizer must support momentum with `cycle_momentum` option enabled');
      }
      this.useBeta1 = 'betas' in optimizer.defaults;
      const maxMomentums = perGroup(optimizer, 'max_momentum', maxMomentum);
      const baseMomentums = perGroup(optimizer, 'base_momentum', baseMomentum);
      if (this.lastEpoch === -1) {
        optimizer.paramGroups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [maxMomentums[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxMomentums[i];
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        });
      }
    }
    this.start();
  }

  /** The phases as PyTorch writes them: {end_step, start_lr: 'initial_lr', ...}. */
  override stateDict(): Record<string, unknown> {
    const out = super.stateDict();
    out._schedule_phases = this._schedulePhases.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [toSnake(k), typeof v === 'string' ? toSnake(v) : v])));
    return out;
  }

  override loadStateDict(stateDict: Record<string, unknown>): void {
    const { _schedule_phases: phases, ...rest } = stateDict;
    super.loadStateDict(rest);
    this._schedulePhases = (phases as Record<string, unknown>[]).map(
      (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [toCamel(k), typeof v === 'string' ? toCamel(v) : v])) as unknown as Phase,
    );
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  /** Has a side effect, as PyTorch's: with cycleMomentum it sets each group's momentum / beta1. */
  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    return this.optimizer.paramGroups.map((group) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      const phases = this._schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        if (stepNum <= phase.endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          lr = this.anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) momentum = this.anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct);
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
        else group.momentum = momentum;
      }
      return lr;
    });
  }
}
