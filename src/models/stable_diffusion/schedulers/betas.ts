// What diffusers' discrete schedulers share: the β schedule and ᾱ = cumprod(1 - β) in float32,
// the spacing of the inference timesteps ("leading", "trailing", "linspace"), and the config keys
// (scheduler/scheduler_config.json) with diffusers' defaults.

/** The scheduler_config.json keys these schedulers read. */
export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'linear' | 'scaled_linear';
  trained_betas: number[] | null;
  prediction_type: 'epsilon' | 'v_prediction' | 'sample';
  timestep_spacing: 'leading' | 'trailing' | 'linspace';
  steps_offset: number;
  set_alpha_to_one: boolean;
  clip_sample: boolean;
  clip_sample_range: number;
  skip_prk_steps: boolean;
  interpolation_type: 'linear';
}

/** diffusers' defaults for the keys a config omits (each class overrides timestep_spacing / set_alpha_to_one / clip_sample). */
export const SCHEDULER_DEFAULTS: SchedulerConfig = {
  num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', trained_betas: null,
  prediction_type: 'epsilon', timestep_spacing: 'leading', steps_offset: 0, set_alpha_to_one: true, clip_sample: true,
  clip_sample_range: 1, skip_prk_steps: false, interpolation_type: 'linear',
};

/** Fill a raw config with defaults (its class's first) and check the values these ports handle. */
export function schedulerConfig(raw: Record<string, unknown>, classDefaults: Partial<SchedulerConfig> = {}): SchedulerConfig {
  const c = { ...SCHEDULER_DEFAULTS, ...classDefaults } as Record<string, unknown>;
  for (const key of Object.keys(SCHEDULER_DEFAULTS)) if (raw[key] !== undefined && raw[key] !== null) c[key] = raw[key];
  const config = c as unknown as SchedulerConfig;
  if (!['linear', 'scaled_linear'].includes(config.beta_schedule) && !config.trained_betas) {
    throw new Error(`scheduler: beta_schedule '${config.beta_schedule}' is not supported (expected linear or scaled_linear)`);
  }
  if (!['leading', 'trailing', 'linspace'].includes(config.timestep_spacing)) {
    throw new Error(`${config.timestep_spacing} is not supported. Please make sure to choose one of 'linspace', 'leading' or 'trailing'.`);
  }
  for (const key of ['rescale_betas_zero_snr', 'thresholding', 'use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas']) {
    if (raw[key]) throw new Error(`scheduler: ${key} is not supported`);
  }
  for (const [key, want] of [['final_sigmas_type', 'zero'], ['timestep_type', 'discrete']] as const) {
    if (raw[key] !== undefined && raw[key] !== null && raw[key] !== want) throw new Error(`scheduler: ${key} '${String(raw[key])}' is not supported (expected ${want})`);
  }
  if (raw.interpolation_type !== undefined && raw.interpolation_type !== 'linear') {
    throw new Error(`scheduler: interpolation_type '${String(raw.interpolation_type)}' is not supported (expected linear)`);
  }
  return config;
}

const f = Math.fround;

/** torch.linspace(start, end, steps, dtype=float32): the CPU kernel's two-sided formula, in float32 arithmetic. */
export function linspaceFloat32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  const [s, e] = [f(start), f(end)];
  const step = steps > 1 ? f(f(e - s) / (steps - 1)) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < half ? f(s + f(step * i)) : f(e - f(step * (steps - i - 1)));
  return out;
}

/** ᾱ_t = cumprod(1 - β_t) in float32, β from the config (scaled_linear: linspace of √β, squared). */
export function alphasCumprod(c: SchedulerConfig): Float32Array {
  const n = c.num_train_timesteps;
  let betas: Float32Array;
  if (c.trained_betas) betas = Float32Array.from(c.trained_betas);
  else if (c.beta_schedule === 'scaled_linear') betas = linspaceFloat32(c.beta_start ** 0.5, c.beta_end ** 0.5, n).map((b) => f(b * b));
  else betas = linspaceFloat32(c.beta_start, c.beta_end, n);
  const out = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) out[i] = acc = f(acc * f(1 - betas[i]));
  return out;
}

/** np.arange(start, stop, step) for a float step (the trailing spacing's). */
function arangeFloat(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return Array.from({ length: n }, (_, i) => start + i * step);
}

/** numpy's round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The inference timesteps, highest first. `integer` rounds linspace (DDIM, PNDM); Euler keeps it in float32.
 * leading: (0..N-1)·(T//N) + steps_offset; trailing: round(arange(T, 0, -T/N)) - 1; linspace: linspace(0, T-1, N).
 */
export function spacedTimesteps(c: SchedulerConfig, steps: number, integer: boolean): number[] {
  const n = c.num_train_timesteps;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`num_inference_steps must be a positive integer, but got ${steps}`);
  if (steps > n) {
    throw new RangeError(`\`num_inference_steps\`: ${steps} cannot be larger than \`self.config.train_timesteps\`: ${n} as the unet model trained with this scheduler can only handle maximal ${n} timesteps.`);
  }
  if (c.timestep_spacing === 'leading') {
    const ratio = Math.floor(n / steps);
    return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + c.steps_offset);
  }
  if (c.timestep_spacing === 'trailing') return arangeFloat(n, 0, -n / steps).map((t) => roundHalfEven(t) - 1);
  const lin = Array.from({ length: steps }, (_, i) => (steps === 1 ? 0 : ((n - 1) * i) / (steps - 1)));
  return (integer ? lin.map(roundHalfEven) : lin.map((t) => Math.fround(t))).reverse();
}
