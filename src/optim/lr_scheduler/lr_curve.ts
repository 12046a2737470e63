// lrCurve: the lr a schedule gives at each step, for plotting (e.g. the LR-schedules page).

import { zeros } from '../../ops/creation.js';
import { SGD } from '../sgd.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr_scheduler.js';
import { ReduceLROnPlateau } from './reduce_lr_on_plateau.js';

/** Options of `lrCurve`: the starting lr (default 0.1) and, for ReduceLROnPlateau, the metric of each step. */
export interface LrCurveOptions {
  /** The optimizer's lr before the scheduler takes over (default 0.1). */
  lr?: number;
  /** The metric fed to ReduceLROnPlateau at each step. */
  metrics?: readonly number[];
}

/**
 * The lr of the first param group before each of `steps` steps. `makeScheduler` receives a
 * fresh one-parameter SGD (momentum 0.9, so momentum-cycling schedules work) with the given lr.
 */
export function lrCurve(
  makeScheduler: (optimizer: Optimizer) => LRScheduler | ReduceLROnPlateau,
  steps: number,
  options: LrCurveOptions = {},
): number[] {
  const optimizer = new SGD([zeros(1).requiresGrad_()], { lr: options.lr ?? 0.1, momentum: 0.9 });
  const scheduler = makeScheduler(optimizer as unknown as Optimizer);
  const curve: number[] = [];
  for (let i = 0; i < steps; i++) {
    curve.push(optimizer.paramGroups[0].lr);
    if (scheduler instanceof ReduceLROnPlateau) {
      const m = options.metrics?.[i];
      if (m === undefined) throw new Error(`lrCurve: ReduceLROnPlateau needs options.metrics[${i}]`);
      scheduler.step(m);
    } else {
      scheduler.step();
    }
  }
  return curve;
}
