// diffusers' DDIMScheduler (schedulers/scheduling_ddim.py), eta = 0 (deterministic), as the
// pipeline runs it: x0 = (x - √(1-ᾱ_t) ε)/√ᾱ_t, optionally clipped, x_prev = √ᾱ_prev x0 + √(1-ᾱ_prev) ε,
// with ᾱ_prev = ᾱ[t - T//N] (final_alpha_cumprod below 0: 1 when set_alpha_to_one, else ᾱ_0).

import type { Tensor } from '../../../tensor/tensor.js';
import { alphasCumprod, schedulerConfig, spacedTimesteps, type SchedulerConfig } from './betas.js';
import type { Scheduler } from './scheduler.js';

/** diffusers' DDIMScheduler (eta 0): leading/trailing/linspace timesteps, epsilon/sample/v_prediction, optional clip_sample. */
export class DDIMScheduler implements Scheduler {
  readonly className = 'DDIMScheduler';
  readonly config: SchedulerConfig;
  readonly alphasCumprod: Float32Array;
  readonly finalAlphaCumprod: number;
  readonly initNoiseSigma = 1;
  timesteps: number[] = [];
  private numInferenceSteps: number | null = null;

  constructor(config: Record<string, unknown> = {}) {
    this.config = schedulerConfig(config, { timestep_spacing: 'leading', set_alpha_to_one: true, clip_sample: true });
    this.alphasCumprod = alphasCumprod(this.config);
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
  }

  setTimesteps(numInferenceSteps: number): void {
    this.numInferenceSteps = numInferenceSteps;
    this.timesteps = spacedTimesteps(this.config, numInferenceSteps, true);
  }

  scaleModelInput(sample: Tensor): Tensor {
    return sample;
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor): Tensor {
    if (this.numInferenceSteps === null) throw new Error("Number of inference steps is 'None', you need to run 'set_timesteps' after creating the scheduler");
    // diffusers steps back by T//N whatever the spacing (right for "leading" only; kept for parity).
    const prev = timestep - Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    const a = this.alphasCumprod[timestep];
    const ap = prev >= 0 ? this.alphasCumprod[prev] : this.finalAlphaCumprod;
    const b = 1 - a;
    let x0: Tensor;
    let eps: Tensor;
    switch (this.config.prediction_type) {
      case 'epsilon':
        x0 = sample.sub(modelOutput.mul(Math.sqrt(b))).div(Math.sqrt(a));
        eps = modelOutput;
        break;
      case 'sample':
        x0 = modelOutput;
        eps = sample.sub(x0.mul(Math.sqrt(a))).div(Math.sqrt(b));
        break;
      case 'v_prediction':
        x0 = sample.mul(Math.sqrt(a)).sub(modelOutput.mul(Math.sqrt(b)));
        eps = modelOutput.mul(Math.sqrt(a)).add(sample.mul(Math.sqrt(b)));
        break;
      default:
        throw new Error(`prediction_type given as ${String(this.config.prediction_type)} must be one of \`epsilon\`, \`sample\`, or \`v_prediction\``);
    }
    if (this.config.clip_sample) x0 = x0.clamp(-this.config.clip_sample_range, this.config.clip_sample_range);
    return x0.mul(Math.sqrt(ap)).add(eps.mul(Math.sqrt(1 - ap)));
  }
}
