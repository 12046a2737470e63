// diffusers' EulerDiscreteScheduler and EulerAncestralDiscreteScheduler
// (schedulers/scheduling_euler{,_ancestral}_discrete.py) with s_churn = 0: σ_t = √((1-ᾱ_t)/ᾱ_t)
// interpolated (np.interp) at the timesteps, 0 appended; the UNet sees x/√(σ²+1); a step is
// x0 = x - σ ε, d = (x - x0)/σ, x += d (σ_next - σ). The ancestral one steps to σ_down and adds
// fresh noise of σ_up. sd-turbo runs EulerDiscrete with "trailing" spacing in one step (t = 999).

import { randn } from '../../../ops/creation.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { alphasCumprod, schedulerConfig, spacedTimesteps, type SchedulerConfig } from './betas.js';
import type { Scheduler, StepOptions } from './scheduler.js';

/** np.interp(x, arange(len(ys)), ys) for x in [0, len - 1]. */
function interpIndex(x: number, ys: Float32Array): number {
  if (x <= 0) return ys[0];
  if (x >= ys.length - 1) return ys[ys.length - 1];
  const i = Math.floor(x);
  const w = x - i;
  return ys[i] + (ys[i + 1] - ys[i]) * w;
}

/** diffusers' EulerDiscreteScheduler (s_churn 0, linear sigma interpolation): sd-turbo's scheduler. */
export class EulerDiscreteScheduler implements Scheduler {
  readonly className: string = 'EulerDiscreteScheduler';
  readonly config: SchedulerConfig;
  readonly alphasCumprod: Float32Array;
  timesteps: number[] = [];
  /** σ at each timestep, then 0. */
  sigmas: number[] = [];
  protected stepIndex: number | null = null;

  constructor(config: Record<string, unknown> = {}) {
    this.config = schedulerConfig(config, { timestep_spacing: 'linspace' });
    this.alphasCumprod = alphasCumprod(this.config);
  }

  get initNoiseSigma(): number {
    const max = Math.max(...this.sigmas);
    return this.config.timestep_spacing === 'linspace' || this.config.timestep_spacing === 'trailing' ? max : Math.fround(Math.sqrt(max * max + 1));
  }

  setTimesteps(numInferenceSteps: number): void {
    const ts = spacedTimesteps(this.config, numInferenceSteps, false);
    const all = this.alphasCumprod.map((a) => Math.fround(Math.sqrt(Math.fround(Math.fround(1 - a) / a))));
    this.timesteps = ts;
    this.sigmas = [...ts.map((t) => Math.fround(interpIndex(t, all))), 0];
    this.stepIndex = null;
  }

  /** index_for_timestep: the first match, or the second where the timestep repeats. */
  protected indexFor(timestep: number): number {
    const hits = this.timesteps.flatMap((t, i) => (t === timestep ? [i] : []));
    if (hits.length === 0) throw new Error(`timestep ${timestep} is not one of the scheduler's timesteps`);
    return hits.length > 1 ? hits[1] : hits[0];
  }

  protected index(timestep: number): number {
    if (this.stepIndex === null) this.stepIndex = this.indexFor(timestep);
    return this.stepIndex;
  }

  scaleModelInput(sample: Tensor, timestep: number): Tensor {
    const sigma = this.sigmas[this.index(timestep)];
    return sample.div(Math.sqrt(sigma * sigma + 1));
  }

  /** x0 from the model output at σ (epsilon: x - σε; v_prediction: c_out·v + c_skip·x). */
  protected predictOriginal(modelOutput: Tensor, sample: Tensor, sigma: number): Tensor {
    switch (this.config.prediction_type) {
      case 'epsilon':
        return sample.sub(modelOutput.mul(sigma));
      case 'v_prediction':
        return modelOutput.mul(-sigma / Math.sqrt(sigma * sigma + 1)).add(sample.div(sigma * sigma + 1));
      case 'sample':
        return modelOutput;
      default:
        throw new Error(`prediction_type given as ${String(this.config.prediction_type)} must be one of \`epsilon\`, or \`v_prediction\``);
    }
  }

  step(modelOutput: Tensor, timestep: number, sample: Tensor, _options: StepOptions = {}): Tensor {
    const i = this.index(timestep);
    const sigma = this.sigmas[i];
    const x0 = this.predictOriginal(modelOutput, sample, sigma);
    const d = sample.sub(x0).div(sigma);
    this.stepIndex = i + 1;
    return sample.add(d.mul(this.sigmas[i + 1] - sigma));
  }
}

/** EulerAncestralDiscreteScheduler: the Euler step to σ_down, then noise of σ_up. */
export class EulerAncestralDiscreteScheduler extends EulerDiscreteScheduler {
  override readonly className: string = 'EulerAncestralDiscreteScheduler';

  override step(modelOutput: Tensor, timestep: number, sample: Tensor, options: StepOptions = {}): Tensor {
    const i = this.index(timestep);
    const from = this.sigmas[i];
    const to = this.sigmas[i + 1];
    if (this.config.prediction_type === 'sample') throw new Error('prediction_type not implemented yet: sample');
    const x0 = this.predictOriginal(modelOutput, sample, from);
    const up = Math.sqrt((to * to * (from * from - to * to)) / (from * from));
    const down = Math.sqrt(to * to - up * up);
    const d = sample.sub(x0).div(from);
    // Drawn from the (CPU) generator, then moved to the sample's device: a GPU run adds the noise a CPU run adds.
    const noise = options.noise?.to(modelOutput.device) ?? randn(modelOutput.shape, { generator: options.generator, dtype: modelOutput.dtype, device: modelOutput.device });
    this.stepIndex = i + 1;
    return sample.add(d.mul(down - from)).add(noise.mul(up));
  }
}
