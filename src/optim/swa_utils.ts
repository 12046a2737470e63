// torch.optim.swa_utils (PyTorch 1.13): AveragedModel, a copy of a model whose parameters are an
// average of the model's over training, updated by updateParameters(model) after optimizer steps;
// SWALR, the learning rate SWA anneals to; updateBn, BatchNorm's statistics recomputed for the
// averaged weights by one pass over the data.
// The default avg_fn is SWA's equal running average; emaAvgFn(decay) gives the exponential moving
// average of the weights that diffusion models sample with (DDPM's EMA, decay 0.9999 over 800k
// steps; shorter runs want a shorter memory). PyTorch makes the copy with copy.deepcopy; in
// TypeScript the caller passes a builder of a fresh model of the same shape, which is then loaded
// with the model's state (as nn.Transformer's clones are), without drawing from the generator.

import { noGrad } from '../autograd/grad_mode.js';
import { Module } from '../nn/module.js';
import { BatchNormBase } from '../nn/modules/normalization.js';
import { InstanceNormBase } from '../nn/modules/instancenorm.js';
import type { DeviceLike } from '../tensor/device.js';
import { onesLike, zerosLike } from '../ops/creation.js';
import { LRScheduler, perGroup, type AnyOptimizer } from './lr_scheduler/lr_scheduler.js';
import { defaultGenerator } from '../random/generator.js';
import { tensor } from '../ops/creation.js';
import { Tensor } from '../tensor/tensor.js';

/** avg_fn(averaged_param, model_param, num_averaged) -> the new averaged value. */
export type AvgFn = (averaged: Tensor, current: Tensor, numAveraged: number) => Tensor;

/** SWA's running equal average: averaged + (current - averaged) / (n + 1). */
export const swaAvgFn: AvgFn = (averaged, current, n) => averaged.add(current.sub(averaged).div(n + 1));

/** The exponential moving average decay·averaged + (1 - decay)·current (torch 2.x's get_ema_avg_fn). */
export function emaAvgFn(decay = 0.999): AvgFn {
  if (!(decay >= 0 && decay <= 1)) throw new RangeError(`emaAvgFn: decay must be in [0, 1], but got ${decay}`);
  return (averaged, current) => averaged.mul(decay).add(current.mul(1 - decay));
}

/** Options of AveragedModel: the copy's builder, avg_fn (default SWA's), use_buffers. */
export interface AveragedModelOptions<M extends Module> {
  /** Builds a fresh model of the same shape (the deepcopy PyTorch makes); it is then loaded with the model's state. */
  copy: () => M;
  avgFn?: AvgFn;
  /**
   * Average the buffers too (default false: PyTorch 1.13 then leaves the copy's buffers as they were
   * built; torch 2.0 began copying the model's at each update). BatchNorm's statistics of the
   * averaged weights come from a pass over the data then (PyTorch's update_bn).
   */
  useBuffers?: boolean;
}

/** `torch.optim.swa_utils.AveragedModel(model, avg_fn=None, use_buffers=False)`. */
export class AveragedModel<M extends Module = Module> extends Module {
  module: M;
  readonly avgFn: AvgFn;
  readonly useBuffers: boolean;
  constructor(model: M, options: AveragedModelOptions<M>) {
    super();
    const state = defaultGenerator.getState();
    try {
      this.module = options.copy();
    } finally {
      defaultGenerator.setState(state);
    }
    this.module.loadStateDict(model.stateDict());
    this.module.train(model.training);
    // PyTorch's buffer is named n_averaged; its state_dict key is too.
    this.registerBuffer('n_averaged', tensor(0, { dtype: 'int64' }));
    this.averaged = 0;
    this.avgFn = options.avgFn ?? swaAvgFn;
    this.useBuffers = options.useBuffers ?? false;
  }

  /**
   * The count as a number beside the buffer: on a GPU the buffer cannot be read synchronously, and
   * an update must not wait for it. undefined after loading a count that is itself on a GPU.
   */
  private averaged: number | undefined;

  /** How many updates have been averaged. */
  get numAveraged(): number {
    const counter = (this as unknown as { n_averaged: Tensor }).n_averaged;
    if (counter.isCpu) return counter.item();
    if (this.averaged === undefined) throw new Error('AveragedModel: n_averaged is on the GPU; read it with `await model.n_averaged.itemAsync()`');
    return this.averaged;
  }

  protected override _loadFromStateDict(sd: Map<string, unknown>, prefix: string, missing: string[], unexpected: string[], errors: string[]): void {
    super._loadFromStateDict(sd, prefix, missing, unexpected, errors);
    const loaded = sd.get(`${prefix}n_averaged`);
    this.averaged = loaded instanceof Tensor && loaded.isCpu ? Number(loaded.item()) : undefined;
  }

  override forward(...args: unknown[]): unknown {
    return this.module.call(...(args as Parameters<M['forward']>));
  }

  /** Fold the model's current parameters into the average (the first update copies them). */
  updateParameters(model: M): void {
    const n = this.numAveraged;
    noGrad(() => {
      const mine = this.useBuffers ? [...this.module.parameters(), ...this.module.buffers()] : this.module.parameters();
      const theirs = this.useBuffers ? [...model.parameters(), ...model.buffers()] : model.parameters();
      if (mine.length !== theirs.length) throw new Error(`AveragedModel.updateParameters: the model has ${theirs.length} tensors to average, the copy ${mine.length}`);
      mine.forEach((p, i) => {
        const current = theirs[i].detach();
        p.copy_(n === 0 ? current : this.avgFn(p.detach(), current, n));
      });
      const counter = this as unknown as { n_averaged: Tensor };
      counter.n_averaged.add_(1);
    });
    this.averaged = n + 1;
  }
}

/**
 * `torch.optim.swa_utils.update_bn(loader, model, device=None)`: reset every BatchNorm's running
 * statistics and recompute them as the plain average over one pass of `loader` (momentum None),
 * in training mode; then restore each momentum and the model's mode. A batch is a tensor, or an
 * array whose first element is the input. Batch norms without running statistics are left alone
 * (PyTorch fails on them).
 */
export function updateBn(loader: Iterable<unknown>, model: Module, device: DeviceLike | null = null): void {
  const momenta = new Map<BatchNormBase, number | null>();
  for (const m of model.modules()) {
    // InstanceNorm is a BatchNormBase in dlab but no _BatchNorm in PyTorch.
    if (!(m instanceof BatchNormBase) || m instanceof InstanceNormBase || m.running_mean === null || m.running_var === null) continue;
    m.running_mean = zerosLike(m.running_mean);
    m.running_var = onesLike(m.running_var);
    momenta.set(m, m.momentum);
  }
  if (momenta.size === 0) return;
  const wasTraining = model.training;
  model.train();
  for (const m of momenta.keys()) {
    m.momentum = null;
    noGrad(() => m.num_batches_tracked?.mul_(0));
  }
  for (const batch of loader) {
    let input = (Array.isArray(batch) ? batch[0] : batch) as Tensor;
    if (device !== null) input = input.to(device);
    model.call(input);
  }
  for (const [m, momentum] of momenta) m.momentum = momentum;
  model.train(wasTraining);
}

/** Options of SWALR: annealEpochs (default 10), annealStrategy ('cos' or 'linear', default 'cos'), lastEpoch. */
export interface SWALROptions {
  annealEpochs?: number;
  annealStrategy?: 'cos' | 'linear';
  lastEpoch?: number;
}

/**
 * `torch.optim.swa_utils.SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos')`: each
 * group's lr annealed from its current value to swaLr over annealEpochs steps (cosine or
 * linear), then held there. swaLr is one value or one per group; it is kept in each group as swaLr.
 */
export class SWALR extends LRScheduler {
  annealEpochs: number;
  annealFunc: (t: number) => number;

  constructor(optimizer: AnyOptimizer, swaLr: number | readonly number[], options: SWALROptions = {}) {
    super(optimizer, options.lastEpoch);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(swaLr) && swaLr.length !== n) {
      throw new RangeError(`swa_lr must have the same length as optimizer.param_groups: swa_lr has ${swaLr.length}, optimizer.param_groups has ${n}`);
    }
    perGroup(optimizer, 'swa_lr', swaLr).forEach((lr, i) => (optimizer.paramGroups[i].swaLr = lr));
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw new RangeError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${strategy}`);
    this.annealFunc = strategy === 'cos' ? (t) => (1 - Math.cos(Math.PI * t)) / 2 : (t) => t;
    const annealEpochs = options.annealEpochs ?? 10;
    if (!Number.isInteger(annealEpochs) || annealEpochs < 0) throw new RangeError(`anneal_epochs must be equal or greater than 0, got ${annealEpochs}`);
    this.annealEpochs = annealEpochs;
    this.start();
  }

  getLr(): number[] {
    let step = this._stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
    const prevAlpha = this.annealFunc(clamp01((step - 1) / Math.max(1, this.annealEpochs)));
    const alpha = this.annealFunc(clamp01(step / Math.max(1, this.annealEpochs)));
    return this.optimizer.paramGroups.map((g) => {
      const swaLr = g.swaLr as number;
      // The lr the annealing started from, recovered from the group's current one.
      const prevLr = prevAlpha === 1 ? swaLr : (g.lr - prevAlpha * swaLr) / (1 - prevAlpha);
      return swaLr * alpha + prevLr * (1 - alpha);
    });
  }
}
