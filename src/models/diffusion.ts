// Denoising diffusion (Ho et al. 2020): the training objective and two samplers, for any ε-model
// that takes (x_t, t, conditioning) -- here the U-Net of unet.ts.
// - Training: x_t = √ᾱ_t·x_0 + √(1-ᾱ_t)·ε for a uniform step t, loss ‖ε - ε_θ(x_t, t, y)‖² (the
//   paper's L_simple). A fraction pUncond of the labels is replaced by "no class", so the one
//   network also learns the unconditional model that classifier-free guidance needs.
// - Classifier-free guidance (Ho & Salimans 2022): ε = ε_θ(x, t, ∅) + w·(ε_θ(x, t, y) - ε_θ(x, t, ∅));
//   w = 1 is the plain conditional model, w = 0 the unconditional one, w > 1 sharpens the class.
// - Ancestral sampling (DDPM, Algorithm 2): T steps, each the posterior mean from the predicted
//   x_0 (clipped to [-1, 1], as the paper's code does) plus noise of the posterior's variance β̃_t.
// - DDIM (Song et al. 2021): a few steps on a subsequence of the T, η = 0 deterministic, with
//   diffusers' "leading" spacing (t = 0, r, 2r, ... with r = ⌊T/steps⌋) and ᾱ = 1 after the last.
// Both samplers run on the device the options name (the model's): every step is recorded there
// without reading a value back, and the noise is drawn from the CPU generator and moved to the
// device (as diffusers does with a CPU generator), so a GPU draws the CPU's samples within float32
// rounding. Read the result with `await x.cpuAsync()`.

import { noGrad } from '../autograd/grad_mode.js';
import type { Generator } from '../random/generator.js';
import { full, rand, randint, randn, tensor } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { cat } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DeviceLike } from '../tensor/device.js';
import type { NoiseSchedule } from './noise_schedule.js';
import type { UNetConditioning } from './unet.js';

/** What the samplers call: predicted noise for images x (B, C, H, W) at steps t (B,). */
export interface EpsilonModel {
  call(x: Tensor, timesteps: Tensor, cond: UNetConditioning): Tensor;
}

/**
 * What classifier-free guidance contrasts, for `batch` images: the U-Net's conditional input (a
 * caption's hidden states) and its unconditional one (the empty caption's), each with `batch` rows.
 */
export interface GuidanceConditioning {
  batch: number;
  cond: UNetConditioning;
  uncond: UNetConditioning;
}

/** Options of `GaussianDiffusion`'s samplers (DDPM ancestral and DDIM). */
export interface SampleOptions {
  /** One class label per image; `nullLabel` samples the unconditional model. Or `conditioning`. */
  labels?: readonly number[];
  /** Any other conditioning (a text model's), instead of labels. */
  conditioning?: GuidanceConditioning;
  /** Shape of one image (C, H, W). */
  imageShape: readonly number[];
  /** Classifier-free guidance scale w (default 1: the conditional model alone). */
  guidance?: number;
  generator?: Generator;
  /** Where x lives and the steps run: the model's device (default cpu). */
  device?: DeviceLike;
  /** Called after each step with the step just taken and the new x (for denoising strips); it must not read x on a GPU. */
  onStep?: (t: number, x: Tensor) => void;
}

/** A column of per-image scalars, shaped to broadcast over (B, C, H, W). */
const column = (values: ArrayLike<number>) => tensor(Float32Array.from(values)).reshape(-1, 1, 1, 1);

/** Two conditionings as one batch (a then b), field by field. */
function catConditioning(a: UNetConditioning, b: UNetConditioning): UNetConditioning {
  const both = (x?: Tensor | null, y?: Tensor | null) => (x && y ? cat([x, y]) : null);
  return { classLabels: both(a.classLabels, b.classLabels), encoderHiddenStates: both(a.encoderHiddenStates, b.encoderHiddenStates), classEmbeds: both(a.classEmbeds, b.classEmbeds) };
}

/**
 * DDPM (Ho et al. 2020) with ε-prediction: the training loss (with label dropout for classifier-free
 * guidance), ancestral sampling over every step and DDIM over fewer (diffusers' `DDPMScheduler` and
 * `DDIMScheduler` in one class).
 */
export class GaussianDiffusion {
  /** The label that stands for "no class" (the class embedding's extra row). */
  readonly nullLabel: number;
  constructor(
    readonly schedule: NoiseSchedule,
    numClasses: number,
  ) {
    this.nullLabel = numClasses;
  }

  /** q(x_t | x_0): √ᾱ_t·x_0 + √(1-ᾱ_t)·ε, one step per image. */
  qSample(x0: Tensor, steps: ArrayLike<number>, noise: Tensor): Tensor {
    const ab = Array.from(steps, (t) => this.schedule.alphasCumprod[t]);
    const d = x0.device;
    return x0.mul(column(ab.map(Math.sqrt)).to(d)).add(noise.mul(column(ab.map((a) => Math.sqrt(1 - a))).to(d)));
  }

  /** L_simple for a batch x_0 in [-1, 1] with its labels (int64, (B,)); labels dropped with probability pUncond. */
  loss(model: EpsilonModel, x0: Tensor, labels: Tensor, options: { pUncond?: number; generator?: Generator } = {}): Tensor {
    const { pUncond = 0.1, generator } = options;
    return this.simpleLoss(model, x0, (b) => {
      const device = x0.device;
      const dropped = rand([b], { generator, device }).lt(pUncond);
      return { classLabels: where(dropped, full([b], this.nullLabel, { dtype: 'int64', device }), labels.to(device)) };
    }, generator);
  }

  /**
   * L_simple with any conditioning, made after t and ε are drawn (so that the class path's random
   * stream is the one it always was); a text model passes its captions' hidden states, already
   * dropped to the empty caption where guidance needs it.
   */
  simpleLoss(model: EpsilonModel, x0: Tensor, conditioning: UNetConditioning | ((batch: number) => UNetConditioning), generator?: Generator): Tensor {
    const b = x0.shape[0];
    // Drawn on the CPU (its values shape the step's coefficients there), then moved to x_0's device:
    // a GPU trains on the CPU's draws.
    const t = randint(0, this.schedule.T, [b], { generator });
    const noise = randn(x0.shape, { generator, device: x0.device });
    const xt = this.qSample(x0, t.tolist() as number[], noise);
    const cond = typeof conditioning === 'function' ? conditioning(b) : conditioning;
    return model.call(xt, t.to(x0.device), cond).sub(noise).square().mean();
  }

  /** Class labels as guidance's pair: the labels, and "no class" for every image. */
  labelConditioning(labels: readonly number[], device?: DeviceLike): GuidanceConditioning {
    const b = labels.length;
    return { batch: b, cond: { classLabels: tensor(labels, { dtype: 'int64', device }) }, uncond: { classLabels: full([b], this.nullLabel, { dtype: 'int64', device }) } };
  }

  /** ε under classifier-free guidance at one step t for every image (labels, or any conditioning pair). */
  guidedNoise(model: EpsilonModel, x: Tensor, t: number, conditioning: readonly number[] | GuidanceConditioning, guidance: number): Tensor {
    const c = Array.isArray(conditioning) ? this.labelConditioning(conditioning as readonly number[], x.device) : (conditioning as GuidanceConditioning);
    const b = x.shape[0];
    const steps = full([b], t, { dtype: 'int64', device: x.device });
    if (guidance === 1) return model.call(x, steps, c.cond);
    if (guidance === 0) return model.call(x, steps, c.uncond);
    // Both in one batch: one pass over the network instead of two.
    const both = model.call(cat([x, x]), cat([steps, steps]), catConditioning(c.cond, c.uncond));
    const [yc, yu] = both.chunk(2);
    return yu.add(yc.sub(yu).mul(guidance));
  }

  /** The sampler's conditioning: `conditioning` as given, or the pair made from `labels`. */
  private guidanceOf(o: SampleOptions): GuidanceConditioning {
    if (o.conditioning) return o.conditioning;
    if (!o.labels) throw new Error('GaussianDiffusion: sampling needs labels or a conditioning');
    return this.labelConditioning(o.labels, o.device);
  }

  /** x_0 from x_t and ε at step t, clipped to the data's range [-1, 1]. */
  private predictX0(x: Tensor, eps: Tensor, t: number): Tensor {
    const ab = this.schedule.alphasCumprod[t];
    return x.sub(eps.mul(Math.sqrt(1 - ab))).div(Math.sqrt(ab)).clamp(-1, 1);
  }

  /** Ancestral sampling through all T steps (DDPM Algorithm 2 with the posterior variance β̃_t). */
  sampleDdpm(model: EpsilonModel, o: SampleOptions): Tensor {
    const { betas, alphas, alphasCumprod, T } = this.schedule;
    const c = this.guidanceOf(o);
    return noGrad(() => {
      let x = randn([c.batch, ...o.imageShape], { generator: o.generator, device: o.device });
      for (let t = T - 1; t >= 0; t--) {
        const eps = this.guidedNoise(model, x, t, c, o.guidance ?? 1);
        const ab = alphasCumprod[t];
        const abPrev = t > 0 ? alphasCumprod[t - 1] : 1;
        const x0 = this.predictX0(x, eps, t);
        // The mean of q(x_{t-1} | x_t, x_0) (Ho et al. eq. 7).
        const mean = x0.mul((betas[t] * Math.sqrt(abPrev)) / (1 - ab)).add(x.mul(((1 - abPrev) * Math.sqrt(alphas[t])) / (1 - ab)));
        const variance = (betas[t] * (1 - abPrev)) / (1 - ab);
        x = t > 0 ? mean.add(randn(x.shape, { generator: o.generator, device: x.device }).mul(Math.sqrt(variance))) : mean;
        o.onStep?.(t, x);
      }
      return x;
    });
  }

  /** The DDIM steps, first to last: T-1 ... 0 in `steps` evenly spaced strides ("leading"). */
  ddimTimesteps(steps: number): number[] {
    const T = this.schedule.T;
    if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new RangeError(`DDIM steps must be an integer in [1, ${T}] (T), but got ${steps}`);
    const ratio = Math.floor(T / steps);
    return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio);
  }

  /** DDIM sampling in `steps` steps; eta 0 is deterministic given the starting noise. */
  sampleDdim(model: EpsilonModel, o: SampleOptions & { steps: number; eta?: number }): Tensor {
    const { alphasCumprod } = this.schedule;
    const eta = o.eta ?? 0;
    const timesteps = this.ddimTimesteps(o.steps);
    const c = this.guidanceOf(o);
    return noGrad(() => {
      let x = randn([c.batch, ...o.imageShape], { generator: o.generator, device: o.device });
      timesteps.forEach((t, i) => {
        const eps = this.guidedNoise(model, x, t, c, o.guidance ?? 1);
        const ab = alphasCumprod[t];
        const abPrev = i + 1 < timesteps.length ? alphasCumprod[timesteps[i + 1]] : 1;
        const x0 = this.predictX0(x, eps, t);
        // DDIM eq. 12: σ from η, then the direction to x_t and (for η > 0) fresh noise.
        const sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
        x = x0.mul(Math.sqrt(abPrev)).add(eps.mul(Math.sqrt(Math.max(1 - abPrev - sigma * sigma, 0))));
        if (sigma > 0) x = x.add(randn(x.shape, { generator: o.generator, device: x.device }).mul(sigma));
        o.onStep?.(t, x);
      });
      return x;
    });
  }
}
