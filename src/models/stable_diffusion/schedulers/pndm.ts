// diffusers' PNDMScheduler (schedulers/scheduling_pndm.py) in its PLMS form (skip_prk_steps:
// true, as SD 1.5 ships it): a linear multistep method over the last four ε predictions. N steps
// call the UNet N + 1 times (the second timestep repeats: the first update is a Heun-like pair).

import type { Tensor } from '../../../tensor/tensor.js';
import { alphasCumprod, roundHalfEven, schedulerConfig, type SchedulerConfig } from './betas.js';
import type { Scheduler } from './scheduler.js';

/** diffusers' PNDMScheduler with skip_prk_steps (PLMS): Stable Diffusion 1.5's default scheduler. */
export class PNDMScheduler implements Scheduler {
  readonly className = 'PNDMScheduler';
  readonly config: SchedulerConfig;
  readonly alphasCumprod: Float32Array;
  readonly finalAlphaCumprod: number;
  readonly initNoiseSigma = 1;
  timesteps: number[] = [];
  private numInferenceSteps: number | null = null;
  private ets: Tensor[] = [];
  private counter = 0;
  private curSample: Tensor | null = null;

  constructor(config: Record<string, unknown> = {}) {
    this.config = schedulerConfig(config, { timestep_spacing: 'leading', set_alpha_to_one: false, skip_prk_steps: false });
    if (!this.config.skip_prk_steps) throw new Error('PNDMScheduler: only skip_prk_steps = true (PLMS, as Stable Diffusion ships it) is supported');
    this.alphasCumprod = alphasCumprod(this.config);
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
  }

  setTimesteps(numInferenceSteps: number): void {
    const n = this.config.num_train_timesteps;
    const steps = numInferenceSteps;
    this.numInferenceSteps = steps;
    let ts: number[];
    if (this.config.timestep_spacing === 'leading') {
      ts = Array.from({ length: steps }, (_, i) => i * Math.floor(n / steps) + this.config.steps_offset);
    } else if (this.config.timestep_spacing === 'linspace') {
      ts = Array.from({ length: steps }, (_, i) => roundHalfEven(steps === 1 ? 0 : ((n - 1) * i) / (steps - 1)));
    } else {
      const ratio = n / steps;
      ts = Array.from({ length: Math.ceil(n / ratio) }, (_, i) => roundHalfEven(n - i * ratio)).reverse().map((t) => t - 1);
    }
    // plms = [t_0 … t_{N-2}, t_{N-2}, t_{N-1}] reversed.
    this.timesteps = [...ts.slice(0, -1), ...ts.slice(-2, -1), ...ts.slice(-1)].reverse();
    this.ets = [];
    this.counter = 0;
    this.curSample = null;
  }

  scaleModelInput(sample: Tensor): Tensor {
    return sample;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor): Tensor {
    if (this.numInferenceSteps === null) throw new Error("Number of inference steps is 'None', you need to run 'set_timesteps' after creating the scheduler");
    const ratio = Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    let prev = timestep - ratio;
    let t = timestep;
    if (this.counter !== 1) {
      this.ets = this.ets.slice(-3);
      this.ets.push(modelOutput);
    } else {
      prev = timestep;
      t = timestep + ratio;
    }
    const e = this.ets;
    let eps = modelOutput;
    if (e.length === 1 && this.counter === 0) {
      this.curSample = sample;
    } else if (e.length === 1 && this.counter === 1) {
      eps = modelOutput.add(e[0]).div(2);
      sample = this.curSample!;
      this.curSample = null;
    } else if (e.length === 2) {
      eps = e[1].mul(3).sub(e[0]).div(2);
    } else if (e.length === 3) {
      eps = e[2].mul(23).sub(e[1].mul(16)).add(e[0].mul(5)).div(12);
    } else {
      eps = e[3].mul(55).sub(e[2].mul(59)).add(e[1].mul(37)).sub(e[0].mul(9)).mul(1 / 24);
    }
    this.counter++;
    return this.prevSample(sample, t, prev, eps);
  }

  /** _get_prev_sample: formula (9) of the PNDM paper. */
  private prevSample(sample: Tensor, t: number, prev: number, eps: Tensor): Tensor {
    const a = this.alphasCumprod[t];
    const ap = prev >= 0 ? this.alphasCumprod[prev] : this.finalAlphaCumprod;
    const b = 1 - a;
    const bp = 1 - ap;
    if (this.config.prediction_type === 'v_prediction') eps = eps.mul(Math.sqrt(a)).add(sample.mul(Math.sqrt(b)));
    else if (this.config.prediction_type !== 'epsilon') throw new Error(`prediction_type given as ${this.config.prediction_type} must be one of \`epsilon\` or \`v_prediction\``);
    const denom = a * Math.sqrt(bp) + Math.sqrt(a * b * ap);
    return sample.mul(Math.sqrt(ap / a)).sub(eps.mul((ap - a) / denom));
  }
}
