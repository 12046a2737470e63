// Samplers that fill plain typed arrays with exactly the numbers PyTorch 1.13's CPU kernels produce
// for a contiguous tensor of the same dtype, consuming the generator in the same order.
//
// Sources mirrored: aten/src/ATen/core/DistributionsHelper.h and TransformationHelper.h (the scalar
// distributions), aten/src/ATen/native/cpu/DistributionTemplates.h (the kernels, including the AVX2
// normal_fill) and aten/src/ATen/native/TensorFactories.cpp (randperm_cpu). Where the compiled
// kernel fuses a multiply-add (x86-64 build with -mfma: GCC contracts `a * b + c`), we fuse too,
// with an exactly rounded emulation, so that results match bit for bit.
//
// Exactness: integer samplers, uniforms, Bernoulli and float32 normals are bitwise identical to
// PyTorch. Float64 normals, exponential and geometric call libm (log, sin, cos); V8's fdlibm-based
// Math functions differ from glibc's in the last bit for a few percent of arguments, so those
// results agree to within a few ulps rather than bitwise.

import type { Generator } from './generator.js';

const fround = Math.fround;

const TWO_POW_32 = 4294967296;
const FLOAT_DIVISOR = 2 ** -24; // 1 / 2^digits<float>
const DOUBLE_DIVISOR = 2 ** -53; // 1 / 2^digits<double>

type FloatArray = Float32Array | Float64Array;
type NumericArray = Float32Array | Float64Array | Int32Array | Uint8Array;

// ---------------------------------------------------------------------------------------------
// Scalar draws, the building blocks of every kernel below.

/** `uniform_real_distribution<float>(0, 1)`: the low 24 bits of random(), scaled into [0, 1). */
export function uniformFloat(gen: Generator): number {
  return (gen.random() & 0xffffff) * FLOAT_DIVISOR;
}

/** `uniform_real_distribution<double>(0, 1)`: the low 53 bits of random64(), scaled into [0, 1). */
export function uniformDouble(gen: Generator): number {
  const hi = gen.random(); // random64() takes the high word first
  const lo = gen.random();
  return ((hi & 0x1fffff) * TWO_POW_32 + lo) * DOUBLE_DIVISOR;
}

// ---------------------------------------------------------------------------------------------
// Exactly rounded fused multiply-adds, standing in for the vfmadd instructions of the AVX2 build.

/** fmaf(a, b, c) for float32 inputs: RN_float(a * b + c) with a single rounding. */
function fmaf(a: number, b: number, c: number): number {
  const s = a * b + c; // the product is exact (24 x 24 bits), the sum is rounded to double
  const r = fround(s);
  // Rounding s to float is the correct rounding of a * b + c unless s sits exactly on a midpoint
  // between two floats (r and `other`): then the double rounding may have broken the tie.
  const other = 2 * s - r;
  return r === s || fround(other) !== other ? r : fmafTie(a * b, c, s, r, other);
}

/** The rare midpoint case of fmaf: the error discarded by the double sum decides the direction. */
function fmafTie(p: number, c: number, s: number, r: number, other: number): number {
  const bs = s - p;
  const err = p - (s - bs) + (c - bs);
  if (err === 0) return r;
  return err > 0 === other > r ? other : r;
}

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp split for Dekker's exact product
const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer); // [low, high] words on little-endian hosts

/**
 * fma(a, b, c) in double precision with a single rounding (Boldo & Melquiond, "Emulation of FMA
 * and correctly rounded sums: proved algorithms using rounding to odd", 2008).
 */
function fma(a: number, b: number, c: number): number {
  const ph = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pl = ah * bh - ph + ah * bl + al * bh + al * bl; // ph + pl = a * b exactly
  const th = c + ph; // TwoSum(c, ph)
  const bv = th - c;
  const tl = c - (th - bv) + (ph - bv);
  return th + addRoundToOdd(tl, pl);
}

/** x + y rounded to odd: if inexact, the neighbour of RN(x + y) whose last significand bit is 1. */
function addRoundToOdd(x: number, y: number): number {
  const s = x + y;
  const bv = s - x;
  const err = x - (s - bv) + (y - bv);
  if (err === 0) return s;
  f64[0] = s;
  if ((f64Words[0] & 1) === 0) {
    if (err > 0 === s > 0) {
      f64Words[0] |= 1; // one ulp away from zero
    } else if (f64Words[0] !== 0) {
      f64Words[0] -= 1; // one ulp towards zero
    } else {
      f64Words[0] = 0xffffffff;
      f64Words[1] -= 1;
    }
  }
  return f64[0];
}

// ---------------------------------------------------------------------------------------------
// Uniform

/**
 * torch.rand(n) / torch.empty(n).uniform_(from, to) (uniform_kernel): float32 draws 24 random bits
 * per element, float64 draws 53 from random64(); the value is fma(x, to - from, from), with from and
 * to first cast to the tensor's dtype.
 */
export function uniform(gen: Generator, out: FloatArray, from = 0, to = 1): void {
  if (!(from <= to)) {
    throw new RangeError(`uniform_ expects to return a [from, to) range, but found from=${from} > to=${to}`);
  }
  const n = out.length;
  if (out instanceof Float32Array) {
    const lo = fround(from);
    const range = fround(fround(to) - lo);
    if (lo === 0 && range === 1) {
      for (let i = 0; i < n; i++) out[i] = uniformFloat(gen);
    } else {
      for (let i = 0; i < n; i++) out[i] = fmaf(uniformFloat(gen), range, lo);
    }
  } else {
    const range = to - from;
    if (from === 0 && range === 1) {
      for (let i = 0; i < n; i++) out[i] = uniformDouble(gen);
    } else {
      for (let i = 0; i < n; i++) out[i] = fma(uniformDouble(gen), range, from);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Normal

const TWO_PI = 2 * Math.PI;

/**
 * torch.randn(n) / torch.empty(n).normal_(mean, std) for a contiguous tensor (normal_kernel):
 * - n >= 16, float32: normal_fill_AVX2 (the kernel PyTorch runs on AVX2 CPUs): all n uniforms are
 *   drawn first, then each 16-element chunk becomes 8 Box–Muller pairs in float arithmetic; if
 *   n % 16 != 0 the last 16 elements are redrawn and transformed again.
 * - n >= 16, float64: normal_fill, the same scheme in double with libm.
 * - n < 16: one normal_distribution<double> draw per element, in double even for float32, using
 *   and refilling the generator's cached second Box–Muller sample.
 * PyTorch on CPUs without AVX2 (e.g. ARM) runs the scalar normal_fill<float> for float32 instead,
 * whose values differ in the last bits; AVX-512 machines also use the AVX2 kernel.
 */
export function normal(gen: Generator, out: FloatArray, mean = 0, std = 1): void {
  if (!(std >= 0)) throw new RangeError(`normal expects std >= 0.0, but found std ${std}`);
  const n = out.length;
  if (n >= 16) {
    normalFill(gen, out, mean, std);
  } else {
    for (let i = 0; i < n; i++) out[i] = normalDistribution(gen, mean, std);
  }
}

/** normal_fill / normal_fill_AVX2: uniforms first, then Box–Muller on 16-element chunks. */
function normalFill(gen: Generator, out: FloatArray, mean: number, std: number): void {
  const n = out.length;
  const isFloat = out instanceof Float32Array;
  const draw = isFloat ? uniformFloat : uniformDouble;
  const fill16 = isFloat ? normalFill16Avx2 : normalFill16;
  const m = isFloat ? fround(mean) : mean;
  const s = isFloat ? fround(std) : std;
  for (let i = 0; i < n; i++) out[i] = draw(gen);
  for (let i = 0; i < n - 15; i += 16) fill16(out, i, m, s);
  if (n % 16 !== 0) {
    // Recompute the last 16 values, as PyTorch does.
    for (let i = n - 16; i < n; i++) out[i] = draw(gen);
    fill16(out, n - 16, m, s);
  }
}

/** normal_fill_16<double>: u1 = 1 - data[j] feeds the radius, data[j + 8] the angle. */
function normalFill16(data: FloatArray, o: number, mean: number, std: number): void {
  for (let j = o; j < o + 8; j++) {
    const radius = Math.sqrt(-2 * Math.log(1 - data[j]));
    const theta = TWO_PI * data[j + 8];
    data[j] = fma(radius * Math.cos(theta), std, mean);
    data[j + 8] = fma(radius * Math.sin(theta), std, mean);
  }
}

/**
 * `at::normal_distribution<double>`: Box–Muller on two uniform doubles; the sine half is cached on
 * the generator and returned by the next call.
 */
function normalDistribution(gen: Generator, mean: number, std: number): number {
  const cached = gen.nextDoubleNormalSample;
  if (cached !== undefined) {
    gen.nextDoubleNormalSample = undefined;
    return fma(cached, std, mean);
  }
  const u1 = uniformDouble(gen);
  const u2 = uniformDouble(gen);
  const r = Math.sqrt(-2 * Math.log(1 - u2));
  const theta = TWO_PI * u1;
  gen.nextDoubleNormalSample = r * Math.sin(theta);
  return fma(r * Math.cos(theta), std, mean);
}

// normal_fill_16_AVX2 with log256_ps and sincos256_ps from aten/src/ATen/native/cpu/avx_mathfun.h
// (Cephes single-precision log and sincos), lane by lane. Every step is rounded to float32, and the
// multiply-adds that the shipped binary fuses into vfmadd/vfmsub/vfnmadd are fused here.
const TWO_PI_F = fround(2 * Math.PI);
const SQRTHF = fround(0.707106781186547524);
const LOG_P0 = fround(7.0376836292e-2);
const LOG_P1 = fround(-1.151461031e-1);
const LOG_P2 = fround(1.167699874e-1);
const LOG_P3 = fround(-1.2420140846e-1);
const LOG_P4 = fround(1.4249322787e-1);
const LOG_P5 = fround(-1.6668057665e-1);
const LOG_P6 = fround(2.0000714765e-1);
const LOG_P7 = fround(-2.4999993993e-1);
const LOG_P8 = fround(3.3333331174e-1);
const LOG_Q1 = fround(-2.1219444e-4);
const LOG_Q2 = 0.693359375;
const FOPI = fround(1.27323954473516); // 4 / pi
const MINUS_DP1 = -0.78515625;
const MINUS_DP2 = fround(-2.4187564849853515625e-4);
const MINUS_DP3 = fround(-3.77489497744594108e-8);
const SINCOF_P0 = fround(-1.9515295891e-4);
const SINCOF_P1 = fround(8.3321608736e-3);
const SINCOF_P2 = fround(-1.6666654611e-1);
const COSCOF_P0 = fround(2.443315711809948e-5);
const COSCOF_P1 = fround(-1.388731625493765e-3);
const COSCOF_P2 = fround(4.166664568298827e-2);

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);

function normalFill16Avx2(data: FloatArray, o: number, mean: number, std: number): void {
  for (let j = o; j < o + 8; j++) {
    const radius = fround(Math.sqrt(fround(-2 * log256(1 - data[j]))));
    sincos256(fround(TWO_PI_F * data[j + 8]));
    data[j] = fmaf(fround(radius * sincosOut[COS]), std, mean);
    data[j + 8] = fmaf(fround(radius * sincosOut[SIN]), std, mean);
  }
}

/** log256_ps for one lane; x is a positive normal float (here 1 - u, in [2^-24, 1]). */
function log256(x: number): number {
  f32[0] = x;
  const bits = f32Bits[0];
  let e = (bits >>> 23) - 127 + 1;
  f32Bits[0] = (bits & ~0x7f800000) | 0x3f000000; // keep the mantissa, exponent of 0.5
  let m = f32[0];
  if (m < SQRTHF) {
    e -= 1;
    m = fround(fround(m - 1) + m);
  } else {
    m = fround(m - 1);
  }
  let y = fmaf(LOG_P0, m, LOG_P1);
  y = fmaf(y, m, LOG_P2);
  y = fmaf(y, m, LOG_P3);
  y = fmaf(y, m, LOG_P4);
  y = fmaf(y, m, LOG_P5);
  y = fmaf(y, m, LOG_P6);
  y = fmaf(y, m, LOG_P7);
  y = fmaf(y, m, LOG_P8);
  const z = fround(m * m);
  y = fround(y * m);
  y = fmaf(y, z, fround(e * LOG_Q1));
  y = fround(y - 0.5 * z);
  return fmaf(e, LOG_Q2, fround(m + y));
}

// sincos256's two results, in a typed array so the per-lane call allocates nothing.
const sincosOut = new Float64Array(2);
const SIN = 0;
const COS = 1;

/** sincos256_ps for one lane with x >= 0 (here 2*pi*u), into sincosOut. */
function sincos256(x: number): void {
  let j = Math.trunc(fround(x * FOPI));
  j = (j + 1) & ~1;
  x = fmaf(j, MINUS_DP1, x);
  x = fmaf(j, MINUS_DP2, x);
  x = fmaf(j, MINUS_DP3, x);
  const z = fround(x * x);
  let yc = fmaf(COSCOF_P0, z, COSCOF_P1);
  yc = fmaf(yc, z, COSCOF_P2);
  yc = fround(yc * z);
  yc = fround(fmaf(yc, z, -0.5 * z) + 1);
  let ys = fmaf(SINCOF_P0, z, SINCOF_P1);
  ys = fmaf(ys, z, SINCOF_P2);
  ys = fmaf(fround(ys * z), x, x);
  const firstOctant = (j & 2) === 0;
  const sin = firstOctant ? ys : yc;
  const cos = firstOctant ? yc : ys;
  sincosOut[SIN] = (j & 4) !== 0 ? -sin : sin;
  sincosOut[COS] = ((j - 2) & 4) === 0 ? -cos : cos;
}

// ---------------------------------------------------------------------------------------------
// Integers

/**
 * torch.randint(low, high, (n,)) (random_from_to_kernel): (draw % (high - low)) + low, where the
 * draw is random64() if the range is at least 2^32 and the dtype is int64/float (Float64Array),
 * else random(). Float64Array holds int64 values; results beyond 2^53 would lose precision.
 */
export function randint(gen: Generator, out: Float64Array | Int32Array, low: number, high: number): void {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
    throw new TypeError(`randint expects integer bounds, got low=${low}, high=${high}`);
  }
  if (!(low < high)) {
    throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  }
  const range = high - low;
  const n = out.length;
  if (out instanceof Int32Array) {
    if (low < -(2 ** 31) || high - 1 > 2 ** 31 - 1) {
      throw new RangeError(`randint bounds [${low}, ${high}) out of range for int32`);
    }
    for (let i = 0; i < n; i++) out[i] = (gen.random() % range) + low;
  } else if (range < TWO_POW_32) {
    for (let i = 0; i < n; i++) out[i] = (gen.random() % range) + low;
  } else {
    // A 64-bit remainder needs more than a double's 53 bits; ranges this wide are rare enough
    // that BigInt per element is acceptable.
    const bigRange = BigInt(range);
    for (let i = 0; i < n; i++) out[i] = Number(gen.random64() % bigRange) + low;
  }
}

/**
 * torch.randperm(n) (randperm_cpu): start from 0..n-1 and for each i < n - 1 swap position i with
 * i + random() % (n - i). Returns int64 values in a Float64Array.
 */
export function randperm(gen: Generator, n: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be non-negative, got ${n}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = i + (gen.random() % (n - i));
    const sav = out[i];
    out[i] = out[z];
    out[z] = sav;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bernoulli and friends

/**
 * Bernoulli samples (0 or 1) written to `out`.
 * - scalar p: tensor.bernoulli_(p) (bernoulli_scalar_kernel; the default, non-MKL kernel that this
 *   PyTorch build uses): one uniform double per element, 1 if it is < p. Dropout on CPU draws its
 *   mask this way: `empty_like(input).bernoulli_(1 - p)`.
 * - Float32Array p: torch.bernoulli(probs) for float32 probs (bernoulli_tensor_cpu): one uniform
 *   float per element compared with p in float.
 * - any other array p: the float64-probs path, a uniform double per element.
 * p must have out.length elements (expand it first to broadcast).
 */
export function bernoulli(gen: Generator, out: NumericArray, p: number | ArrayLike<number>): void {
  const n = out.length;
  if (typeof p === 'number') {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
    for (let i = 0; i < n; i++) out[i] = uniformDouble(gen) < p ? 1 : 0;
    return;
  }
  if (p.length !== n) throw new RangeError(`bernoulli: p has ${p.length} elements, expected ${n}`);
  const draw = p instanceof Float32Array ? uniformFloat : uniformDouble;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    if (!(pi >= 0 && pi <= 1)) {
      throw new RangeError(`bernoulli expects all probabilities in [0, 1], got ${pi}`);
    }
    out[i] = draw(gen) < pi ? 1 : 0;
  }
}

/**
 * tensor.exponential_(lambd) (exponential_kernel): -1 / lambd * log(1 - u) in double per element,
 * u a uniform double. Within a few ulps of PyTorch (libm log).
 */
export function exponential(gen: Generator, out: FloatArray, lambd = 1): void {
  if (!(lambd >= 0)) throw new RangeError(`exponential_ expects lambda >= 0.0, but found lambda=${lambd}`);
  const scale = -1 / lambd;
  for (let i = 0; i < out.length; i++) out[i] = scale * Math.log(1 - uniformDouble(gen));
}

/**
 * tensor.geometric_(p) (geometric_kernel): ceil(log(u) / log(1 - p)) in double per element, u a
 * uniform double. Integer-valued, so it matches PyTorch except where libm's last bit lands the
 * quotient exactly on an integer.
 */
export function geometric(gen: Generator, out: NumericArray, p: number): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`geometric_ expects p to be in (0, 1), but got p=${p}`);
  const denom = Math.log(1 - p);
  for (let i = 0; i < out.length; i++) out[i] = Math.ceil(Math.log(uniformDouble(gen)) / denom);
}
