// The forward process's variances β_1..β_T, as improved-diffusion's get_named_beta_schedule
// (Nichol & Dhariwal 2021) defines them, in float64:
// - linear: Ho et al.'s β from 1e-4 to 0.02 over T = 1000 steps, the ends scaled by 1000/T so
//   that another T keeps the same total noise;
// - cosine: ᾱ(t) = cos²(((t/T + s)/(1 + s))·π/2) with s = 0.008, β_t = min(1 - ᾱ(t)/ᾱ(t-1), 0.999).

/** The β schedules of DDPM (Ho et al. 2020, linear) and improved DDPM (Nichol & Dhariwal 2021, cosine). */
export type ScheduleName = 'linear' | 'cosine';
/** Every ScheduleName, for option choices. */
export const scheduleNames: readonly ScheduleName[] = ['linear', 'cosine'];

/** DDPM's linear β from 1e-4 to 0.02, scaled by 1000 / T (diffusers' `DDPMScheduler(beta_schedule='linear')`). */
export function linearBetas(T: number): Float64Array {
  const scale = 1000 / T;
  const start = scale * 1e-4;
  const end = scale * 0.02;
  // torch.linspace's arithmetic: start + i·step, the second half counted back from the end.
  const step = T > 1 ? (end - start) / (T - 1) : 0;
  return Float64Array.from({ length: T }, (_, i) => (i < Math.floor(T / 2) ? start + i * step : end - (T - 1 - i) * step));
}

/** Improved DDPM's cosine β, clipped at `maxBeta` (diffusers' `squaredcos_cap_v2`). */
export function cosineBetas(T: number, s = 0.008, maxBeta = 0.999): Float64Array {
  // In improved-diffusion's order of operations: near t = T the cosine is tiny and every rounding shows.
  const alphaBar = (t: number) => Math.cos((((t + s) / (1 + s)) * Math.PI) / 2) ** 2;
  return Float64Array.from({ length: T }, (_, i) => Math.min(1 - alphaBar((i + 1) / T) / alphaBar(i / T), maxBeta));
}

/** β, α = 1 - β and ᾱ_t = Π_{s<=t} α_s for steps t = 0..T-1 (step t here is the paper's t+1). */
export interface NoiseSchedule {
  name: ScheduleName;
  T: number;
  betas: Float64Array;
  alphas: Float64Array;
  alphasCumprod: Float64Array;
}

/** The β, α and ᾱ of a named schedule over T steps (diffusers' `DDPMScheduler` tables). */
export function noiseSchedule(name: ScheduleName, T: number): NoiseSchedule {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`noiseSchedule: T must be a positive integer, but got ${T}`);
  const betas = name === 'linear' ? linearBetas(T) : name === 'cosine' ? cosineBetas(T) : null;
  if (!betas) throw new RangeError(`noiseSchedule: unknown schedule '${name}' (expected one of ${scheduleNames.join(', ')})`);
  const alphas = betas.map((b) => 1 - b);
  const alphasCumprod = new Float64Array(T);
  let prod = 1;
  alphas.forEach((a, i) => (alphasCumprod[i] = prod *= a));
  return { name, T, betas, alphas, alphasCumprod };
}
