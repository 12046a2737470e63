// Random numbers bit-compatible with PyTorch 1.13's CPU generator.

export { MT19937, MERSENNE_STATE_N, type MT19937Data } from './mt19937.js';
export {
  Generator,
  DEFAULT_RNG_SEED,
  STATE_SIZE,
  defaultGenerator,
  manualSeed,
  initialSeed,
  seed,
  getRngState,
  setRngState,
} from './generator.js';
export {
  uniform,
  normal,
  randint,
  randperm,
  bernoulli,
  exponential,
  geometric,
  uniformFloat,
  uniformDouble,
} from './sampling.js';
