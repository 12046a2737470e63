// An optimizer chosen by name, as command lines, sweeps and the playground choose one. PyTorch has
// no such registry; the names are torch.optim's class names in lower case, plus 'momentum' for SGD
// with momentum (0.9 unless given), as the course and the memory estimates speak of it.

import type { Parameter } from '../nn/parameter.js';
import { Adadelta } from './adadelta.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import { Adamax } from './adamax.js';
import { ASGD } from './asgd.js';
import { NAdam } from './nadam.js';
import { RAdam } from './radam.js';
import { Rprop } from './rprop.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

/** The names `optimizerByName` and the CLI's --optimizer accept. */
export const optimizerNames = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam', 'radam', 'asgd', 'rprop'] as const;
/** One of `optimizerNames`. */
export type OptimizerName = (typeof optimizerNames)[number];

/** The hyperparameters `optimizerByName` passes on: lr, momentum, weightDecay. */
export interface OptimizerChoice {
  /** The learning rate; each optimizer's PyTorch default when left out (SGD has none: required). */
  lr?: number;
  /** SGD's momentum (sgd: 0, momentum: 0.9 unless given); ignored by the others. */
  momentum?: number;
  weightDecay?: number;
}

/** An optimizer by the name the CLI takes (`sgd`, `momentum`, `adam`, ...), with lr, momentum and weight decay from `choice`. No PyTorch counterpart. */
export function optimizerByName(name: OptimizerName, params: Parameter[], choice: OptimizerChoice = {}): Optimizer<{ lr: number }> {
  // Only what was given, so each optimizer's own defaults fill the rest.
  const given = Object.fromEntries(Object.entries({ lr: choice.lr, weightDecay: choice.weightDecay }).filter(([, v]) => v !== undefined));
  switch (name) {
    case 'sgd':
      return new SGD(params, { ...given, momentum: choice.momentum ?? 0 });
    case 'momentum':
      return new SGD(params, { ...given, momentum: choice.momentum ?? 0.9 });
    case 'adam':
      return new Adam(params, given);
    case 'adamw':
      return new AdamW(params, given);
    case 'rmsprop':
      return new RMSprop(params, given);
    case 'adagrad':
      return new Adagrad(params, given);
    case 'adadelta':
      return new Adadelta(params, given);
    case 'adamax':
      return new Adamax(params, given);
    case 'nadam':
      return new NAdam(params, given);
    case 'radam':
      return new RAdam(params, given);
    case 'asgd':
      return new ASGD(params, given);
    case 'rprop':
      // Rprop has no weight decay in PyTorch 1.13.
      if (choice.weightDecay) throw new RangeError("rprop takes no weight decay (PyTorch's Rprop has none)");
      return new Rprop(params, { lr: choice.lr });
    default:
      throw new RangeError(`unknown optimizer '${name satisfies never}'; one of ${optimizerNames.join(', ')}`);
  }
}
