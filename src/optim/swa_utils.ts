// torch.optim.swa_utils.AveragedModel (PyTorch 1.13): a copy of a model whose parameters are an
// average of the model's over training, updated by updateParameters(model) after optimizer steps.
// The default avg_fn is SWA's equal running average; emaAvgFn(decay) gives the exponential moving
// average of the weights that diffusion models sample with (DDPM's EMA, decay 0.9999 over 800k
// steps; shorter runs want a shorter memory). PyTorch makes the copy with copy.deepcopy; in
// TypeScript the caller passes a builder of a fresh model of the same shape, which is then loaded
// with the model's state (as nn.Transformer's clones are), without drawing from the generator.

import { noGrad } from '../autograd/grad_mode.js';
import { Module } from '../nn/module.js';
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
