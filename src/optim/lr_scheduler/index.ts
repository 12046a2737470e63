// optim.lrScheduler: PyTorch 1.13's schedulers, three PaddlePaddle schedules, and lrCurve.

export { LRScheduler, type AnyOptimizer } from './lr_scheduler.js';
export { StepLR } from './step_lr.js';
export { MultiStepLR } from './multi_step_lr.js';
export { ExponentialLR } from './exponential_lr.js';
export { LambdaLR, type LrLambda } from './lambda_lr.js';
export { MultiplicativeLR } from './multiplicative_lr.js';
export { CosineAnnealingLR } from './cosine_annealing_lr.js';
export { CosineAnnealingWarmRestarts } from './cosine_annealing_warm_restarts.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce_lr_on_plateau.js';
export { LinearLR } from './linear_lr.js';
export { ConstantLR } from './constant_lr.js';
export { OneCycleLR, type OneCycleLROptions } from './one_cycle_lr.js';
export { CyclicLR, type CyclicLROptions } from './cyclic_lr.js';
export { PolynomialLR } from './polynomial_lr.js';
export { SequentialLR } from './sequential_lr.js';
export { ChainedScheduler } from './chained_scheduler.js';
export { PaddleScheduler } from './paddle_scheduler.js';
export { PiecewiseDecay } from './piecewise_decay.js';
export { NaturalExpDecay } from './natural_exp_decay.js';
export { InverseTimeDecay } from './inverse_time_decay.js';
export { NoamDecay } from './noam_decay.js';
export { LinearWarmup } from './linear_warmup.js';
export { lrCurve, type LrCurveOptions } from './lr_curve.js';
