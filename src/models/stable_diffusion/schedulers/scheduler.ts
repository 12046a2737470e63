// The interface the pipeline drives every scheduler through, diffusers' in camelCase:
// setTimesteps(n), the timesteps, initNoiseSigma, scaleModelInput(x, t), step(ε, t, x).

import type { Generator } from '../../../random/generator.js';
import type { Tensor } from '../../../tensor/tensor.js';
import type { SchedulerConfig } from './betas.js';

/** Options of a step: where an ancestral sampler draws its noise (or the noise itself, for tests). */
export interface StepOptions {
  generator?: Generator;
  /** The step's noise, instead of drawing it (diffusers' variance_noise). */
  noise?: Tensor;
}

/** A diffusers scheduler: the inference timesteps and the update from x_t to the next sample. */
export interface Scheduler {
  /** The scheduler's class name in scheduler_config.json (`_class_name`). */
  readonly className: string;
  readonly config: SchedulerConfig;
  /** The timesteps the UNet is called at, in order (set by setTimesteps). */
  readonly timesteps: number[];
  /** The standard deviation of the initial noise (1 for DDIM/PNDM, σ_max for Euler). */
  readonly initNoiseSigma: number;
  setTimesteps(numInferenceSteps: number): void;
  /** The UNet's input at timestep t (Euler divides by √(σ² + 1)). */
  scaleModelInput(sample: Tensor, timestep: number): Tensor;
  /** The next sample from the model output at timestep t. */
  step(modelOutput: Tensor, timestep: number, sample: Tensor, options?: StepOptions): Tensor;
}
