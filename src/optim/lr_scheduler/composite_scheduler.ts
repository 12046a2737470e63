// The shared part of schedulers made of other schedulers (SequentialLR, ChainedScheduler): the
// inner schedulers' states travel inside the outer state dict, as in PyTorch.

import { LRScheduler } from './lr_scheduler.js';

export abstract class CompositeScheduler extends LRScheduler {
  /** @internal */
  _schedulers: LRScheduler[] = [];

  getLr(): number[] {
    return this.groupLrs();
  }

  override stateDict(): Record<string, unknown> {
    const out = super.stateDict();
    out._schedulers = this._schedulers.map((s) => s.stateDict());
    return out;
  }

  override loadStateDict(stateDict: Record<string, unknown>): void {
    const { _schedulers: inner, ...rest } = stateDict;
    super.loadStateDict(rest);
    (inner as Record<string, unknown>[]).forEach((s, i) => this._schedulers[i].loadStateDict(s));
  }
}
