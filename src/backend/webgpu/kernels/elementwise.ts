// Elementwise kernels as GpuPrograms: strided/broadcast unary and binary ops, where, copy with a
// cast, fill and assign (a strided write). One
// generated shader per (op, dtypes, rank, per-operand contiguity); sizes, offsets and strides
// travel in the uniform block. WGSL lets compilers assume no NaN/Inf and leaves many edge cases
// to the implementation (SwiftShader: exp(NaN) is not NaN, log(x < 0) is log|x|), so every float
// op handles NaN, infinities and domain edges itself, by bit pattern (builder.ts's helpers).

import type { BinaryOp, UnaryOp } from '../../backend.js';
import { castScalar, type DType } from '../../../tensor/dtype.js';
import { contiguousStrides, numel, type Shape } from '../../../tensor/shape.js';
import type { GpuProgram, ViewMeta } from '../program.js';
import { foldGrid, makeProgram, storageType, stridedOffsets, Uniforms, type WgslScalar } from './builder.js';

const THREADS = 256;

/** An operand: its WGSL name, its view (strided to the output's shape) and how it is stored. */
interface Operand {
  readonly name: string;
  readonly view: ViewMeta;
}

/**
 * The shared frame: one invocation per output element i (row-major over `shape`); each operand's
 * element offset is `${name}_at` (contiguous operands skip the index walk). `write` is the body's
 * last statement, with `o` the output's offset (`i`, or the walk over `dst` when given).
 */
function elementwiseProgram(
  key: string, shape: Shape, operands: readonly Operand[], out: { name: string; type: string },
  write: string, helpers: string, dst?: ViewMeta, extra?: (u: Uniforms) => void,
): GpuProgram {
  const n = numel(shape);
  const rank = shape.length;
  const flat = contiguousStrides(shape);
  const isFlat = (v: ViewMeta) => v.strides.every((s, d) => s === flat[d] || shape[d] === 1);
  const u = new Uniforms().i32('n', n).shape('s', shape);
  const walked: string[] = [];
  const lines: string[] = [];
  const flags: string[] = [];
  // Operand p: buffer `${p}_buf`, uniform fields `${p}p_off` (and `${p}p_st*`), element offset `${p}_at`.
  for (const op of [...operands, ...(dst ? [{ name: 'dst', view: dst }] : [])]) {
    if (isFlat(op.view)) {
      u.i32(`${op.name}p_off`, op.view.offset);
      lines.push(`  let ${op.name}_at = u.${op.name}p_off + i;`);
      flags.push('c');
    } else {
      u.view(`${op.name}p`, op.view);
      walked.push(`${op.name}p`);
      flags.push('s');
    }
  }
  extra?.(u);
  const walk = walked.length > 0 ? `${stridedOffsets('i', rank, 's', walked)}\n${walked.map((p) => `  let ${p.slice(0, -1)}_at = ${p};`).join('\n')}` : '';
  const body = `
  let i = flatGroup(wid, nwg) * ${THREADS} + i32(lidx);
  if (i >= u.n) { return; }
${walk}
${lines.join('\n')}
  let o = ${dst ? 'dst_at' : 'i'};
  ${write}`;
  return makeProgram({
    key: `ew|${key}|r${rank}|${flags.join('')}`,
    inputs: operands.map((op) => ({ name: `${op.name}_buf`, type: storageType(op.view.dtype) })),
    outputs: [out],
    uniforms: u,
    workgroupSize: THREADS,
    grid: foldGrid(Math.ceil(n / THREADS)),
    helpers,
    body,
  });
}

// ---------------------------------------------------------------------------- float math

/** Float helpers the math ops share: guarded exp/log/expm1/log1p, angle reduction, erf family. */
const FLOAT_MATH = `
fn negInfF32() -> f32 { return -infF32(); }
fn isInfF32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn gexp(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > 88.72283) { return infF32(); }
  if (x < -103.97208) { return 0.0; }
  return expCore(x);
}
// exp as Cephes' expf computes it, for finite x in range: x = k ln2 + r (ln2 in two parts, the
// first short so that k * C1 is exact), a minimax polynomial of r, then 2^k in two steps (each
// within ldexp's range, and a subnormal result stays one). Within 1 ulp, where WGSL's exp is only
// 3 + 2|x| ulp (a timestep embedding's exp(-ln(10000) i / d), times t = 999, showed it).
fn expCore(x: f32) -> f32 {
  let k = floor(x * 1.44269504 + 0.5);
  let r = (x - k * 0.693359375) + k * 2.12194440e-4;
  let p = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * r * r + r + 1.0;
  let n = i32(k);
  return ldexp(ldexp(p, n / 2), n - n / 2);
}
fn glog(x: f32) -> f32 {
  if (isNan(x) || x < 0.0) { return nanF32(); }
  if (x == 0.0) { return negInfF32(); }
  if (isInfF32(x)) { return x; }
  return log(x);
}
fn gexpm1(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > 88.72283) { return infF32(); }
  if (x < -103.97208) { return -1.0; }
  // Near 0, e - 1 cancels: the Taylor series to x^9 / 9! there (under 1 ulp for |x| <= 0.5;
  // WGSL's log is only 2^-21 absolute near 1, which rules out Kahan's (e - 1) x / log(e)).
  if (abs(x) <= 0.5) {
    return x + x * x * (0.5 + x * (1.6666667e-1 + x * (4.1666668e-2 + x * (8.3333333e-3 + x * (1.3888889e-3 +
      x * (1.9841270e-4 + x * (2.4801587e-5 + x * 2.7557319e-6)))))));
  }
  return expCore(x) - 1.0;
}
fn glog1p(x: f32) -> f32 {
  if (isNan(x) || x < -1.0) { return nanF32(); }
  if (x == -1.0) { return negInfF32(); }
  if (isInfF32(x)) { return x; }
  let v = 1.0 + x;
  if (v == 1.0) { return x; }
  return log(v) * x / (v - 1.0);
}
// Two-constant (Cody-Waite) reduction into [-pi, pi], where WGSL's sin/cos are specified.
fn reduceAngle(x: f32) -> f32 {
  let k = round(x * 0.15915494);
  return (x - k * 6.28125) - k * 0.0019353072;
}
// sin and cos as Cephes' sinf/cosf compute them: |x| reduced by pi/4 in three parts to r in
// [-pi/4, pi/4], then a minimax polynomial of r picked by the quadrant; within 1.5 ulp below 8192
// and 4e-5 absolute below 2^24 (scripts/webgpu-math-ulps.ts on SwiftShader). The multiple j of
// pi/4 is split into high and low bits so that each product with the short first parts is exact
// below 2^24 (Cephes' own reduction is exact below 8192). WGSL's sin/cos are only specified to
// 2^-11 absolute on [-pi, pi] (SwiftShader's cos is 2e-4 off), which a diffusion model's timestep
// embedding, cos(999 f), showed. From 2^24 on (x mod 2pi needs more bits of pi than this
// reduction has; PyTorch's CUDA kernels reduce exactly), WGSL's own after a two-part reduction.
fn gsincos(x: f32, cosine: bool) -> f32 {
  let ax = abs(x);
  if (ax >= 16777216.0) { return select(sin(reduceAngle(x)), cos(reduceAngle(x)), cosine); }
  var j = u32(ax * 1.2732395);
  j = j + (j & 1u);
  let y = f32(j);
  let yh = f32(j & 0xfffff000u);
  let yl = f32(j & 0xfffu);
  let r = ((((ax - yh * 0.78515625) - yl * 0.78515625) - yh * 2.4187564849853515625e-4) - yl * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let z = r * r;
  // sin(|x|) is +-sin(r) or +-cos(r) by the quadrant j/2; cos(|x|) = sin(|x| + pi/2), a quadrant on.
  let n = ((j >> 1u) + select(0u, 1u, cosine)) & 3u;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  var v = select(s, c, (n & 1u) == 1u);
  v = select(v, -v, n >= 2u);
  // sin is odd (the sign bit, so that sin(-0) is -0); cos is even.
  return select(v, -v, !cosine && (bitcast<u32>(x) >> 31u) == 1u);
}
fn gerf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let a = abs(x);
  if (a < 0.5) {
    let t = x * x;
    return x * (1.1283791671 + t * (-0.3761263890 + t * (0.1128379167 + t * (-0.0268661706 + t * (0.0052239776 - t * 0.0008548327)))));
  }
  let r = gerfcPos(a);
  return select(1.0 - r, r - 1.0, x < 0.0);
}
// erfc for x >= 0.5 (Numerical Recipes' erfcc, fractional error under 1.2e-7).
fn gerfcPos(a: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * a);
  let y = t * gexp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return y;
}
fn gerfc(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (abs(x) < 0.5) { return 1.0 - gerf(x); }
  let r = gerfcPos(abs(x));
  return select(r, 2.0 - r, x < 0.0);
}
// Giles' single-precision erfinv, then two Newton steps on erf (as the js reference).
fn gerfinv(y: f32) -> f32 {
  if (isNan(y) || y < -1.0 || y > 1.0) { return nanF32(); }
  if (y == 1.0) { return infF32(); }
  if (y == -1.0) { return negInfF32(); }
  var w = -log((1.0 - y) * (1.0 + y));
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w; p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w; p = -0.00417768164 + p * w; p = 0.246640727 + p * w; p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w; p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w; p = 0.00943887047 + p * w; p = 1.00167406 + p * w; p = 2.83297682 + p * w;
  }
  var x = p * y;
  for (var k = 0; k < 2; k++) {
    x = x - (gerf(x) - y) / (1.1283791671 * gexp(-x * x));
  }
  return x;
}
fn gsinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  // exp(a) / 2 as (exp(a / 2) / 2) exp(a / 2): a - ln 2 would round a away (72 ulp at 87).
  if (a > 20.0) { let h = gexp(0.5 * a); r = (0.5 * h) * h; }
  else { let em = gexpm1(a); r = 0.5 * (em + em / (em + 1.0)); }
  return select(r, -r, x < 0.0);
}
fn gcosh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 20.0) { let h = gexp(0.5 * a); return (0.5 * h) * h; }
  let e = expCore(a);
  return 0.5 * (e + 1.0 / e);
}
fn gtanh(x: f32) -> f32 {
  let em = gexpm1(-2.0 * abs(x));
  let r = -em / (2.0 + em);
  return select(r, -r, x < 0.0);
}
fn gasinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 1e18) { r = log(a) + 0.6931472; }
  else { r = glog1p(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
  return select(r, -r, x < 0.0);
}
fn gacosh(x: f32) -> f32 {
  if (x < 1.0) { return nanF32(); }
  if (x > 1e18) { return glog(x) + 0.6931472; }
  let t = x - 1.0;
  return glog1p(t + sqrt(2.0 * t + t * t));
}
fn gatanh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 1.0) { return nanF32(); }
  var r: f32;
  if (a == 1.0) { r = infF32(); } else { r = 0.5 * glog1p(2.0 * a / (1.0 - a)); }
  return select(r, -r, x < 0.0);
}
fn gdiv(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return nanF32(); }
  if (b == 0.0) {
    if (a == 0.0) { return nanF32(); }
    return bitcast<f32>(((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u) | 0x7f800000u);
  }
  if (isInfF32(b)) {
    if (isInfF32(a)) { return nanF32(); }
    return bitcast<f32>((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u);
  }
  return a / b;
}
// C's pow: x^0 = 1 and 1^y = 1 even for NaN; a negative base needs an integer exponent (its parity
// gives the sign), else NaN; WGSL's pow is only defined for x >= 0.
fn gpow(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (isNan(a) || isNan(b)) { return nanF32(); }
  let m = abs(a);
  var r: f32;
  if (m == 0.0) { r = select(0.0, infF32(), b < 0.0); }
  else if (isInfF32(m)) { r = select(infF32(), 0.0, b < 0.0); }
  else if (isInfF32(b)) {
    if (m == 1.0) { return 1.0; }
    r = select(0.0, infF32(), (m > 1.0) == (b > 0.0));
    return r;
  }
  else { r = exp2(b * log2(m)); }
  if (a < 0.0 || (a == 0.0 && (bitcast<u32>(a) & 0x80000000u) != 0u)) {
    if (floor(b) != b) { return select(nanF32(), r, a == 0.0 || isInfF32(a)); }
    let odd = abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
    return select(r, -r, odd);
  }
  return r;
}
fn signBit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
fn copySign(v: f32, s: f32) -> f32 { return bitcast<f32>((bitcast<u32>(v) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u)); }
// C's atan2 on signed zeros and infinities, which WGSL leaves undefined.
fn gatan2(y: f32, x: f32) -> f32 {
  if (isNan(y) || isNan(x)) { return nanF32(); }
  if (y == 0.0) { return select(y, copySign(3.1415927, y), signBit(x)); }
  if (isInfF32(x)) {
    if (isInfF32(y)) { return copySign(select(0.7853982, 2.3561945, x < 0.0), y); }
    return copySign(select(0.0, 3.1415927, x < 0.0), y);
  }
  if (isInfF32(y) || x == 0.0) { return copySign(1.5707964, y); }
  return atan2(y, x);
}
// C's fmod, exact as fdlibm's e_fmodf: shift-and-subtract on the significands' bits (a - b * trunc(a / b)
// is not: fmod(0.5, 0.1f) came out 0 where a / b rounds up to 5). Subnormals by their bits.
fn gfmod(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b) || isInfF32(a) || (bitcast<u32>(b) & 0x7fffffffu) == 0u) { return nanF32(); }
  if (isInfF32(b)) { return a; }
  let sx = bitcast<u32>(a) & 0x80000000u;
  let hx = bitcast<u32>(a) & 0x7fffffffu;
  let hy = bitcast<u32>(b) & 0x7fffffffu;
  if (hx < hy) { return a; }
  if (hx == hy) { return bitcast<f32>(sx); }
  var ex = i32(hx >> 23u);
  var mx = hx & 0x7fffffu;
  if (ex == 0) { let s = countLeadingZeros(mx) - 8u; mx = mx << s; ex = 1 - i32(s); } else { mx = mx | 0x800000u; }
  var ey = i32(hy >> 23u);
  var my = hy & 0x7fffffu;
  if (ey == 0) { let s = countLeadingZeros(my) - 8u; my = my << s; ey = 1 - i32(s); } else { my = my | 0x800000u; }
  for (var n = ex - ey; n > 0; n--) {
    if (mx >= my) {
      mx = mx - my;
      if (mx == 0u) { return bitcast<f32>(sx); }
    }
    mx = mx << 1u;
  }
  if (mx >= my) {
    mx = mx - my;
    if (mx == 0u) { return bitcast<f32>(sx); }
  }
  while (mx < 0x800000u) {
    mx = mx << 1u;
    ey--;
  }
  if (ey >= 1) { return bitcast<f32>(sx | (u32(ey) << 23u) | (mx & 0x7fffffu)); }
  return bitcast<f32>(sx | (mx >> u32(1 - ey)));
}
// PyTorch's CPU floor division (div_floor_floating): built on fmod, so floorDivide(inf, 1) is NaN
// and floorDivide(1, -inf) is -1; a zero quotient keeps the sign of a / b.
fn gfloordiv(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return gdiv(a, b); }
  let m = gfmod(a, b);
  var d = (a - m) / b;
  if (isNan(m) || isNan(d)) { return nanF32(); }
  if (m != 0.0 && ((b < 0.0) != (m < 0.0))) { d = d - 1.0; }
  if (d == 0.0) {
    let q = gdiv(a, b);
    return select(0.0, bitcast<f32>(0x80000000u), q < 0.0 || signBit(q));
  }
  var f = floor(d);
  if (d - f > 0.5) { f = f + 1.0; }
  return f;
}
`;

/** Integer helpers (int32 and int64, both 32-bit words on the GPU). */
const INT_MATH = `
fn ipow(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(select(0, select(-1, 1, (b & 1) == 0), a == -1), 1, a == 1); }
  var r = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}
fn ifloordiv(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}
fn iremainder(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}
`;

const floatUnary: Record<UnaryOp, string> = {
  neg: '-x',
  abs: 'abs(x)',
  // (0 < x) - (x < 0): sign(NaN) = 0, as PyTorch (NaN tested by its bits: SwiftShader's comparisons may not be IEEE)
  sign: 'select(select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0), 0.0, isNan(x))', // not NaN-passing
  exp: 'gexp(x)',
  expm1: 'gexpm1(x)',
  log: 'glog(x)',
  log1p: 'glog1p(x)',
  log2: 'select(glog(x) * 1.442695, log2(x), x > 0.0 && !isInfF32(x))',
  log10: 'glog(x) * 0.4342945',
  sqrt: 'select(sqrt(x), nanF32(), x < 0.0)',
  rsqrt: 'select(select(select(1.0 / sqrt(x), 0.0, isInfF32(x)), gdiv(1.0, x), x == 0.0), nanF32(), x < 0.0)',
  sin: 'select(gsincos(x, false), nanF32(), isInfF32(x) || isNan(x))',
  cos: 'select(gsincos(x, true), nanF32(), isInfF32(x) || isNan(x))',
  tan: 'select(gsincos(x, false) / gsincos(x, true), nanF32(), isInfF32(x) || isNan(x))',
  // Through atan2, which SwiftShader computes accurately (its acos is 7e-5 off near 0), guarded for signed zeros.
  asin: 'select(gatan2(x, sqrt((1.0 - x) * (1.0 + x))), nanF32(), abs(x) > 1.0)',
  acos: 'select(gatan2(sqrt((1.0 - x) * (1.0 + x)), x), nanF32(), abs(x) > 1.0)',
  atan: 'atan(x)',
  sinh: 'gsinh(x)',
  cosh: 'gcosh(x)',
  tanh: 'gtanh(x)',
  asinh: 'gasinh(x)',
  acosh: 'gacosh(x)',
  atanh: 'gatanh(x)',
  sigmoid: 'select(gexp(x) / (1.0 + gexp(x)), 1.0 / (1.0 + gexp(-x)), x >= 0.0)',
  relu: 'select(0.0, x, x > 0.0)',
  erf: 'gerf(x)',
  erfc: 'gerfc(x)',
  erfinv: 'gerfinv(x)',
  floor: 'floor(x)',
  ceil: 'ceil(x)',
  round: 'round(x)',
  trunc: 'trunc(x)',
  reciprocal: 'gdiv(1.0, x)',
  logicalNot: 'select(0u, 1u, x == 0.0)',
  isnan: 'select(0u, 1u, isNan(x))',
  isinf: 'select(0u, 1u, isInfF32(x))',
  isfinite: 'select(1u, 0u, isNan(x) || isInfF32(x))',
  bitwiseNot: '',
};

/** Ops whose result is x itself for a NaN x (checked before the formula, which may not keep it). */
const nanPassing = new Set<UnaryOp>([
  'neg', 'abs', 'sqrt', 'rsqrt', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh',
  'acosh', 'atanh', 'sigmoid', 'relu', 'floor', 'ceil', 'round', 'trunc', 'log2', 'log10',
]);

const intUnary: Partial<Record<UnaryOp, string>> = {
  neg: '-x',
  abs: 'abs(x)',
  sign: 'select(select(0, -1, x < 0), 1, x > 0)',
  relu: 'max(x, 0)',
  floor: 'x',
  ceil: 'x',
  round: 'x',
  trunc: 'x',
  logicalNot: 'select(0u, 1u, x == 0)',
  isnan: '0u',
  isinf: '0u',
  isfinite: '1u',
  bitwiseNot: '~x',
};

/** Backend.unary: x (any strides) to a fresh contiguous array of `dtype`. */
export function unary(op: UnaryOp, x: ViewMeta, dtype: DType): GpuProgram {
  const T = storageType(x.dtype);
  const O = storageType(dtype);
  let expr: string;
  if (T === 'f32') {
    expr = floatUnary[op];
    if (!expr) throw new TypeError(`${op}: not implemented for '${x.dtype}'`);
    if (nanPassing.has(op)) expr = `select(${expr}, x, isNan(x))`;
  } else {
    // bool is read as i32 0/1; a float result of an integer input was cast before (ops decide).
    const e = op === 'bitwiseNot' && T === 'u32' ? '1 - x' : intUnary[op];
    if (e === undefined) throw new TypeError(`${op}: not implemented on webgpu for '${x.dtype}'`);
    expr = e;
  }
  const load = T === 'u32' ? 'i32(x_buf[x_at])' : 'x_buf[x_at]';
  // Predicates give u32 already; a bool result of an arithmetic op (abs of bool) is its truth.
  const predicate = /^select\([01]u, [01]u/.test(expr) || /^[01]u$/.test(expr);
  const result = !predicate && O === 'u32' ? `select(0u, 1u, (${expr}) != ${T === 'f32' ? '0.0' : '0'})` : expr;
  return elementwiseProgram(
    `unary|${op}|${T}|${O}`, x.shape, [{ name: 'x', view: x }], { name: 'out', type: O },
    `let x = ${load};\n  out[o] = ${result};`,
    `${FLOAT_MATH}${INT_MATH}`,
  );
}

const floatBinary: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'gdiv(a, b)',
  pow: 'gpow(a, b)',
  maximum: 'select(max(a, b), nanF32(), isNan(a) || isNan(b))',
  minimum: 'select(min(a, b), nanF32(), isNan(a) || isNan(b))',
  atan2: 'gatan2(a, b)',
  remainder: 'fremainder(a, b)',
  fmod: 'gfmod(a, b)',
  floorDivide: 'gfloordiv(a, b)',
  eq: 'select(0u, 1u, !isNan(a) && !isNan(b) && a == b)',
  ne: 'select(0u, 1u, isNan(a) || isNan(b) || a != b)',
  lt: 'select(0u, 1u, !isNan(a) && !isNan(b) && a < b)',
  le: 'select(0u, 1u, !isNan(a) && !isNan(b) && a <= b)',
  gt: 'select(0u, 1u, !isNan(a) && !isNan(b) && a > b)',
  ge: 'select(0u, 1u, !isNan(a) && !isNan(b) && a >= b)',
  logicalAnd: 'select(0u, 1u, (a != 0.0 || isNan(a)) && (b != 0.0 || isNan(b)))',
  logicalOr: 'select(0u, 1u, (a != 0.0 || isNan(a)) || (b != 0.0 || isNan(b)))',
  logicalXor: 'select(0u, 1u, (a != 0.0 || isNan(a)) != (b != 0.0 || isNan(b)))',
};

const intBinary: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'select(a / b, 0, b == 0)',
  pow: 'ipow(a, b)',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  atan2: 'i32(atan2(f32(a), f32(b)))',
  remainder: 'iremainder(a, b)',
  fmod: 'select(a % b, 0, b == 0)',
  floorDivide: 'ifloordiv(a, b)',
  eq: 'select(0u, 1u, a == b)',
  ne: 'select(0u, 1u, a != b)',
  lt: 'select(0u, 1u, a < b)',
  le: 'select(0u, 1u, a <= b)',
  gt: 'select(0u, 1u, a > b)',
  ge: 'select(0u, 1u, a >= b)',
  logicalAnd: 'select(0u, 1u, a != 0 && b != 0)',
  logicalOr: 'select(0u, 1u, a != 0 || b != 0)',
  logicalXor: 'select(0u, 1u, (a != 0) != (b != 0))',
};

const FLOAT_REMAINDER = `
fn fremainder(a: f32, b: f32) -> f32 {
  let r = gfmod(a, b);
  return select(r, r + b, r != 0.0 && !isNan(r) && ((r < 0.0) != (b < 0.0)));
}
`;

/** Backend.binary: a and b (strided to `shape`, one dtype) to a fresh contiguous array of `dtype`. */
export function binary(op: BinaryOp, a: ViewMeta, b: ViewMeta, shape: Shape, dtype: DType): GpuProgram {
  const T = storageType(a.dtype);
  const B = storageType(b.dtype);
  const O = storageType(dtype);
  const float = T === 'f32' || B === 'f32';
  const load = (name: string, S: WgslScalar) => (float ? (S === 'f32' ? `${name}_buf[${name}_at]` : `f32(${name}_buf[${name}_at])`) : S === 'u32' ? `i32(${name}_buf[${name}_at])` : `${name}_buf[${name}_at]`);
  const expr = (float ? floatBinary : intBinary)[op];
  const isPredicate = expr.startsWith('select(0u');
  let result: string;
  if (isPredicate) result = expr;
  else if (O === 'u32') result = `select(0u, 1u, (${expr}) != ${float ? '0.0' : '0'})`;
  else if (O === 'f32' && !float) result = `f32(${expr})`;
  else if (O === 'i32' && float) result = `i32(${expr})`;
  else result = expr;
  return elementwiseProgram(
    `binary|${op}|${T}${B}|${O}`, shape, [{ name: 'a', view: a }, { name: 'b', view: b }], { name: 'out', type: O },
    `let a = ${load('a', T)};\n  let b = ${load('b', B)};\n  out[o] = ${result};`,
    `${FLOAT_MATH}${INT_MATH}${FLOAT_REMAINDER}`,
  );
}

/** Backend.where: cond (bool), a and b (strided to `shape`) to a fresh contiguous array of `dtype`. */
export function where(cond: ViewMeta, a: ViewMeta, b: ViewMeta, shape: Shape, dtype: DType): GpuProgram {
  const O = storageType(dtype);
  const conv = (name: string, v: ViewMeta) => convert(`${name}_buf[${name}_at]`, storageType(v.dtype), O);
  return elementwiseProgram(
    `where|${storageType(cond.dtype)}${storageType(a.dtype)}${storageType(b.dtype)}|${O}`, shape,
    [{ name: 'c', view: cond }, { name: 'a', view: a }, { name: 'b', view: b }], { name: 'out', type: O },
    `out[o] = select(${conv('b', b)}, ${conv('a', a)}, c_buf[c_at] != ${storageType(cond.dtype) === 'f32' ? '0.0' : `${storageType(cond.dtype)}(0)`});`,
    '',
  );
}

/** A stored value of type S as type O, by PyTorch's casts: floats truncate to ints, non-zero (NaN too) is true. */
function convert(value: string, S: WgslScalar, O: WgslScalar): string {
  if (S === O) return value;
  if (O === 'u32') return S === 'f32' ? `select(0u, 1u, ${value} != 0.0 || isNan(${value}))` : `select(0u, 1u, ${value} != 0)`;
  if (O === 'i32') return S === 'f32' ? `select(i32(${value}), 0, isNan(${value}))` : `i32(${value})`;
  return `f32(${value})`;
}

/** Backend.copy: x (any strides) as a fresh contiguous array of `dtype`. */
export function copy(x: ViewMeta, dtype: DType): GpuProgram {
  const S = storageType(x.dtype);
  const O = storageType(dtype);
  return elementwiseProgram(`copy|${S}|${O}`, x.shape, [{ name: 'x', view: x }], { name: 'out', type: O }, `out[o] = ${convert('x_buf[x_at]', S, O)};`, '');
}

/** Backend.assign: src (strided to dst's shape) written into the strided window dst of output 0. */
export function assign(dst: ViewMeta, src: ViewMeta): GpuProgram {
  const S = storageType(src.dtype);
  const O = storageType(dst.dtype);
  return elementwiseProgram(`assign|${S}|${O}`, dst.shape, [{ name: 'x', view: src }], { name: 'out', type: O }, `out[o] = ${convert('x_buf[x_at]', S, O)};`, '', dst);
}

/** Backend.fill: `value` (already cast to dst's dtype) into the strided window dst of output 0. */
/**
 * The value is cast on the host as the CPU backends cast it (castScalar: int32 wraps, a fraction
 * truncates, NaN is a true bool); an int64 that int32 storage cannot hold is refused as on upload.
 */
export function fill(dst: ViewMeta, value: number): GpuProgram {
  const O = storageType(dst.dtype);
  const v = castScalar(value, dst.dtype);
  if (dst.dtype === 'int64' && v !== (v | 0)) {
    throw new RangeError(`int64 value ${v} does not fit webgpu's storage of int64 (int32: -2147483648 to 2147483647); keep such a tensor on the cpu`);
  }
  return elementwiseProgram(`fill|${O}`, dst.shape, [], { name: 'out', type: O }, 'out[o] = u.value;', '', dst, (u) => {
    if (O === 'f32') u.f32('value', v);
    else if (O === 'i32') u.i32('value', v);
    else u.u32('value', v);
  });
}
