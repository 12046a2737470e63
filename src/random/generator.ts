// PyTorch's CPU generator (aten/src/ATen/CPUGeneratorImpl.cpp): an mt19937 engine plus the cached
// second Box–Muller sample. Seeding, the 32/64-bit draws and the serialised state follow it exactly;
// getState() even produces the same 5056 bytes as torch.get_rng_state().

import { MERSENNE_STATE_N, MT19937 } from './mt19937.js';

/** `default_rng_seed_val`: the seed of a freshly constructed torch.Generator(). */
export const DEFAULT_RNG_SEED = 67280421310721n;

// Byte layout of `CPUGeneratorImplState` (legacy THGenerator POD + float cache), x86-64 ABI.
const OFF_SEED = 0; // uint64 the_initial_seed
const OFF_LEFT = 8; // int left
const OFF_SEEDED = 12; // int seeded
const OFF_NEXT = 16; // uint64 next
const OFF_STATE = 24; // uint64 state[624]
const OFF_NORMAL_Y = OFF_STATE + 8 * MERSENNE_STATE_N + 8; // double normal_y (after normal_x)
const OFF_NORMAL_VALID = OFF_NORMAL_Y + 16; // int normal_is_valid (after normal_rho)
const OFF_FLOAT_SAMPLE = OFF_NORMAL_VALID + 8; // float next_float_normal_sample (after padding)
const OFF_FLOAT_VALID = OFF_FLOAT_SAMPLE + 4; // bool is_next_float_normal_sample_valid
/** sizeof(CPUGeneratorImplState) = torch.get_rng_state().numel(). */
export const STATE_SIZE = OFF_FLOAT_VALID + 4;

/** `torch.Generator`: a random stream (mt19937, PyTorch's CPU generator: the same seed gives the same numbers). Pass `{ generator }` to the random ops. */
export class Generator {
  private readonly engine = new MT19937();
  /** `next_double_normal_sample_`: the sin-half of the last Box–Muller pair, not yet returned. */
  nextDoubleNormalSample: number | undefined = undefined;
  /** `next_float_normal_sample_`: kept for state fidelity; PyTorch's CPU kernels sample in double. */
  nextFloatNormalSample: number | undefined = undefined;

  constructor(seed: number | bigint = DEFAULT_RNG_SEED) {
    this.manualSeed(seed);
  }

  /** Generator.manual_seed (`set_current_seed`): reseeds the engine and drops the normal caches. */
  manualSeed(seed: number | bigint): this {
    this.nextDoubleNormalSample = undefined;
    this.nextFloatNormalSample = undefined;
    this.engine.reseed(toUint64(seed));
    return this;
  }

  /** Generator.initial_seed: the full 64-bit seed last set. */
  initialSeed(): bigint {
    return this.engine.seed;
  }

  /** Generator.seed: reseeds from a nondeterministic 64-bit value and returns it. */
  seed(): bigint {
    const words = crypto.getRandomValues(new Uint32Array(2));
    const s = (BigInt(words[0]) << 32n) | BigInt(words[1]);
    this.manualSeed(s);
    return s;
  }

  /** `CPUGeneratorImpl::random`: one 32-bit draw, as an unsigned number. */
  random(): number {
    return this.engine.nextUint32();
  }

  /**
   * `CPUGeneratorImpl::random64`: the first 32-bit draw is the high word. Hot loops call random()
   * twice instead to stay clear of BigInt.
   */
  random64(): bigint {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** torch.Generator.get_state: byte-for-byte the layout PyTorch uses (padding zeroed). */
  getState(): Uint8Array {
    const bytes = new Uint8Array(STATE_SIZE);
    const view = new DataView(bytes.buffer);
    const data = this.engine.data();
    view.setBigUint64(OFF_SEED, data.seed, true);
    view.setInt32(OFF_LEFT, data.left, true);
    view.setInt32(OFF_SEEDED, 1, true);
    view.setUint32(OFF_NEXT, data.next, true);
    for (let i = 0; i < MERSENNE_STATE_N; i++) view.setUint32(OFF_STATE + 8 * i, data.state[i], true);
    if (this.nextDoubleNormalSample !== undefined) {
      view.setFloat64(OFF_NORMAL_Y, this.nextDoubleNormalSample, true);
      view.setInt32(OFF_NORMAL_VALID, 1, true);
    }
    if (this.nextFloatNormalSample !== undefined) {
      view.setFloat32(OFF_FLOAT_SAMPLE, this.nextFloatNormalSample, true);
      bytes[OFF_FLOAT_VALID] = 1;
    }
    return bytes;
  }

  /** torch.Generator.set_state: accepts getState() output or torch.get_rng_state() bytes. */
  setState(state: Uint8Array): void {
    if (state.length !== STATE_SIZE) {
      throw new RangeError(`Expected a CPU generator state of ${STATE_SIZE} bytes, got ${state.length}`);
    }
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
    if (view.getInt32(OFF_SEEDED, true) === 0) throw new Error('Invalid mt19937 state');
    const words = new Uint32Array(MERSENNE_STATE_N);
    // The legacy layout stores 64-bit words; PyTorch's std::copy keeps the low 32 bits.
    for (let i = 0; i < MERSENNE_STATE_N; i++) words[i] = view.getUint32(OFF_STATE + 8 * i, true);
    this.engine.setData({
      seed: view.getBigUint64(OFF_SEED, true),
      left: view.getInt32(OFF_LEFT, true),
      next: Number(view.getBigUint64(OFF_NEXT, true) & 0xffffffffn),
      state: words,
    });
    this.nextDoubleNormalSample =
      view.getInt32(OFF_NORMAL_VALID, true) !== 0 ? view.getFloat64(OFF_NORMAL_Y, true) : undefined;
    this.nextFloatNormalSample =
      state[OFF_FLOAT_VALID] !== 0 ? view.getFloat32(OFF_FLOAT_SAMPLE, true) : undefined;
  }
}

/** Python's seed unpacking: any integer in [-2^63, 2^64), negatives taken as two's complement. */
function toUint64(seed: number | bigint): bigint {
  if (typeof seed === 'number' && !Number.isInteger(seed)) {
    throw new TypeError(`seed must be an integer, got ${seed}`);
  }
  const s = BigInt(seed);
  if (s < -(1n << 63n) || s >= 1n << 64n) throw new RangeError(`seed ${s} does not fit in 64 bits`);
  return BigInt.asUintN(64, s);
}

/**
 * The process-wide generator behind torch.rand & co. Like PyTorch's, it starts from a
 * nondeterministic seed until manualSeed() is called.
 */
export const defaultGenerator = new Generator();
defaultGenerator.seed();

/** torch.manual_seed: seeds the default generator and returns it. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** torch.initial_seed */
export function initialSeed(): bigint {
  return defaultGenerator.initialSeed();
}

/** torch.seed */
export function seed(): bigint {
  return defaultGenerator.seed();
}

/** torch.get_rng_state */
export function getRngState(): Uint8Array {
  return defaultGenerator.getState();
}

/** torch.set_rng_state */
export function setRngState(state: Uint8Array): void {
  defaultGenerator.setState(state);
}
