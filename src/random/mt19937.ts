// The Mersenne Twister exactly as PyTorch implements it (aten/src/ATen/core/MT19937RNGEngine.h,
// `at::mt19937_engine`). It differs from the textbook mt19937ar only in bookkeeping: a 64-bit seed is
// remembered whole while only its low 32 bits initialise the state, and the `left`/`next` counters
// are part of the observable state (torch.get_rng_state serialises them).

export const MERSENNE_STATE_N = 624;
const M = 397;
// The state lives in an Int32Array so V8 keeps the twist in int32 arithmetic; only the output is
// reinterpreted as unsigned. Hence MATRIX_A in its int32 form (the bits are the same).
const MATRIX_A = 0x9908b0df | 0;
const UMASK = 0x80000000 | 0;
const LMASK = 0x7fffffff;

/** Plain data of the engine, mirroring `at::mt19937_data_pod`. */
export interface MT19937Data {
  seed: bigint;
  left: number;
  next: number;
  state: Uint32Array;
}

export class MT19937 {
  private seed_ = 0n;
  private left = 1;
  private next = 0;
  private readonly state = new Int32Array(MERSENNE_STATE_N);

  constructor(seed: bigint = 5489n) {
    this.reseed(seed);
  }

  /** `init_with_uint32`: keeps the whole 64-bit seed, initialises from its low 32 bits. */
  reseed(seed: bigint): void {
    const s = this.state;
    this.seed_ = BigInt.asUintN(64, seed);
    s[0] = Number(this.seed_ & 0xffffffffn);
    for (let j = 1; j < MERSENNE_STATE_N; j++) {
      const prev = s[j - 1];
      s[j] = Math.imul(1812433253, prev ^ (prev >>> 30)) + j;
    }
    this.left = 1;
    this.next = 0;
  }

  get seed(): bigint {
    return this.seed_;
  }

  /** `operator()`: the next tempered 32-bit output, as an unsigned number. */
  nextUint32(): number {
    if (--this.left === 0) this.nextState();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  data(): MT19937Data {
    return { seed: this.seed_, left: this.left, next: this.next, state: new Uint32Array(this.state) };
  }

  /** `set_data`, with the validity check of `mt19937_engine::is_valid`. */
  setData(data: MT19937Data): void {
    if (
      data.state.length !== MERSENNE_STATE_N ||
      !(data.left > 0 && data.left <= MERSENNE_STATE_N) ||
      !(data.next >= 0 && data.next <= MERSENNE_STATE_N)
    ) {
      throw new Error('Invalid mt19937 state');
    }
    this.seed_ = BigInt.asUintN(64, data.seed);
    this.left = data.left;
    this.next = data.next;
    this.state.set(data.state);
  }

  private nextState(): void {
    const s = this.state;
    this.left = MERSENNE_STATE_N;
    this.next = 0;
    let i = 0;
    for (; i < MERSENNE_STATE_N - M; i++) s[i] = s[i + M] ^ twist(s[i], s[i + 1]);
    for (; i < MERSENNE_STATE_N - 1; i++) s[i] = s[i + M - MERSENNE_STATE_N] ^ twist(s[i], s[i + 1]);
    s[i] = s[i + M - MERSENNE_STATE_N] ^ twist(s[i], s[0]);
  }
}

/** `(mix_bits(u, v) >> 1) ^ (v & 1 ? MATRIX_A : 0)`, branch-free: the bit is a coin flip. */
function twist(u: number, v: number): number {
  return (((u & UMASK) | (v & LMASK)) >>> 1) ^ (-(v & 1) & MATRIX_A);
}
