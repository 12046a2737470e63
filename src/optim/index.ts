// optim: torch.optim for dlab. Optimizers update leaf tensors in place from their .grad;
// lrScheduler holds the schedules; clipGradNorm_ / clipGradValue_, the L1/L2 penalties and
// EarlyStopping sit here too (PyTorch keeps clipping in torch.nn.utils; dlab exports it there as well
// once nn lands).

export { Optimizer, required, toSnake, toCamel, type Hyperparameters, type ParamGroup, type ParamGroupInput, type Params, type ParamState, type OptimizerStateDict, type Closure } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { NAdam, type NAdamOptions } from './nadam.js';
export { RAdam, type RAdamOptions } from './radam.js';
export { ASGD, type ASGDOptions } from './asgd.js';
export { Rprop, type RpropOptions } from './rprop.js';
export { LBFGS, type LBFGSOptions } from './lbfgs.js';
export { clipGradNorm_, clipGradValue_, l1Penalty, l2Penalty } from './clip.js';
export { optimizerByName, optimizerNames, type OptimizerName, type OptimizerChoice } from './by_name.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early_stopping.js';
export { AveragedModel, emaAvgFn, swaAvgFn, SWALR, updateBn, type AvgFn, type AveragedModelOptions, type SWALROptions } from './swa_utils.js';
/** `torch.optim.lr_scheduler`: PyTorch 1.13's schedulers, PaddlePaddle's decays of the course, and `lrCurve`. */
export * as lrScheduler from './lr_scheduler/index.js';
