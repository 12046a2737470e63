// The scheduler base, as PyTorch 1.13's _LRScheduler: a scheduler implements getLr() (the
// chainable form, computed from the groups' current lr) and, where PyTorch has one,
// closedFormLr() (from baseLrs and lastEpoch alone, used when step(epoch) names an epoch).
// step() advances lastEpoch and writes the new lr into every param group.
//
// TypeScript runs a subclass's field assignments only after super() returns, so the base
// constructor does not take the initial step as PyTorch's does: every subclass ends its
// constructor with this.start().

import { Optimizer, toCamel, toSnake } from '../optimizer.js';
import { pyTypeName } from '../../tensor/python_type.js';

// Schedulers work on any optimizer's groups: they read lr and add keys such as initialLr.
/** Any optimizer a scheduler can drive. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOptimizer = Optimizer<any>;

/** PyTorch's attribute names inside a scheduler state dict: baseLrs -> base_lrs, TMax -> T_max, _lastLr -> _last_lr. */
export function torchKey(k: string): string {
  const m = /^T([A-Z0-9].*)$/.exec(k);
  if (m) return `T_${m[1][0].toLowerCase()}${toSnake(m[1].slice(1))}`;
  return toSnake(k);
}
/** Back: toCamel reads T_max, T_0, T_i as TMax, T0, TI already; a leading underscore stays. */
export function dlabKey(k: string): string {
  return k.startsWith('_') ? `_${toCamel(k.slice(1))}` : toCamel(k);
}

function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), copy(x)]));
  return v;
}

/** `torch.optim.lr_scheduler.LRScheduler`: the base of the schedulers; `step()` after each optimizer step (or epoch), `getLastLr()`, `stateDict()`. */
export abstract class LRScheduler {
  optimizer: AnyOptimizer;
  /** The lr each group started from (its initialLr). */
  baseLrs: number[] = [];
  /** Steps taken; -1 before the initial step the constructor takes. */
  lastEpoch: number;
  /** @internal Calls of step(), as PyTorch's _step_count (CosineAnnealingLR reads it). */
  _stepCount = 0;
  /** @internal */
  _lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${pyTypeName(optimizer)} is not an Optimizer`);
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
  }

  /** The end of PyTorch's _LRScheduler.__init__: record initialLr / baseLrs and take the initial step. */
  protected start(): void {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === -1) {
      for (const g of groups) if (!('initialLr' in g)) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (!('initialLr' in g)) throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this._initialStep();
  }

  /** @internal */
  _initialStep(): void {
    this.optimizer._stepCount = 0;
    this._stepCount = 0;
    this.step();
  }

  /** The lr of every group for the current lastEpoch (chainable form: may read the groups' current lr). */
  abstract getLr(): number[];

  /** The lr from baseLrs and lastEpoch alone, where PyTorch has a closed form. */
  protected closedFormLr?(): number[];

  /** Advance one step (or jump to `epoch`, using the closed form where there is one) and set each group's lr. */
  step(epoch?: number): void {
    this._stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr ? this.closedFormLr() : this.getLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr of each group set by the last step. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /** @internal The groups' current lr. */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Every attribute but the optimizer (functions left out), named as PyTorch names them. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function') continue;
      out[torchKey(k)] = copy(v);
    }
    return out;
  }

  loadStateDict(stateDict: Record<string, unknown>): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(stateDict)) {
      const key = dlabKey(k);
      if (self[key] instanceof Map && v && typeof v === 'object') {
        self[key] = new Map(Object.entries(v).map(([a, b]) => [Number(a), b]));
      } else {
        self[key] = copy(v);
      }
    }
  }
}

/** One value per group: a list must have one entry per group, a number is repeated (PyTorch's _format_param). */
export function perGroup<T>(optimizer: AnyOptimizer, name: string, value: T | readonly T[]): T[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(value)) {
    if (value.length !== n) throw new Error(`expected ${n} values for ${name}, got ${value.length}`);
    return [...value];
  }
  return new Array<T>(n).fill(value as T);
}
