// Every elementwise primitive (UnaryOp, BinaryOp) and the float casts of every CPU backend against
// PyTorch 1.13 on special values: +-0, +-inf, NaN, +-1, halves, odd and even integers, negative
// non-integers, the largest finite, the smallest normal, denormals (tools/fixtures/special_values.py).
// Each op runs on three layouts, so that every kernel a backend has is reached: the grid as is
// (the js loops), a strided or broadcast view (the general strided walk), and the grid tiled past
// 2048 elements (the wasm SIMD kernels and the native ones take only long contiguous float32
// operands; below that they hand the op to js).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import type { Backend, BinaryOp, UnaryOp, View } from '../../src/backend/backend.js';
import { getBackend, listBackends, setBackend } from '../../src/backend/registry.js';
import { allocateArray, type DType } from '../../src/tensor/dtype.js';
import { nonzero, tensor } from '../../src/index.js';
import { assertTensor, decode, decodeAll, type FixtureTensor, type FixtureValue } from '../helpers.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/special_values.json', import.meta.url), 'utf8')) as {
  torch: string;
  grids: Record<'float32' | 'float64', FixtureTensor>;
  int_grids: Record<'int32' | 'int64' | 'bool', FixtureTensor>;
  unary: { op: UnaryOp; dtype: DType; out: FixtureTensor; scalar: Record<string, FixtureValue> }[];
  binary: { op: BinaryOp; dtype: DType; out: FixtureTensor; scalar: Record<string, FixtureValue> }[];
  casts: { from: DType; to: DType; input: FixtureTensor; out: FixtureTensor }[];
  nonzero: Record<'float32' | 'float64', FixtureTensor>;
  nonzero_scalar: FixtureTensor;
};

/**
 * How far from PyTorch a float result may be, in units in the last place of its dtype (0: the same
 * bits, zero's sign included). Every NaN, infinity and exact zero of PyTorch's must be matched
 * exactly whatever the tolerance: the tolerances cover rounding, never a special case.
 * Ops not listed are exact (IEEE arithmetic and comparisons, rounding to integers, selections,
 * fmod, and sqrt, which both round correctly). Why an op is listed: dlab computes a float32
 * transcendental in float64 and rounds once (within 0.5 ulp plus float64's error, negligible);
 * PyTorch's float32 kernels call SLEEF's float32 functions (documented within 1 ulp, the "u10"
 * variants); in float64 dlab calls V8's libm (an fdlibm port) and PyTorch SLEEF's float64
 * functions, each within 1 ulp. The values are the largest differences measured on this grid.
 */
const ULPS: Partial<Record<UnaryOp | BinaryOp, { float32: number; float64: number }>> = {
  exp: { float32: 0, float64: 1 },
  expm1: { float32: 0, float64: 1 },
  log: { float32: 0, float64: 1 },
  log1p: { float32: 0, float64: 1 },
  rsqrt: { float32: 1, float64: 0 }, // PyTorch rounds sqrt, then 1 / it, in float32
  cos: { float32: 1, float64: 1 },
  tan: { float32: 1, float64: 1 },
  acos: { float32: 0, float64: 1 },
  atan: { float32: 1, float64: 1 },
  asinh: { float32: 1, float64: 0 },
  acosh: { float32: 1, float64: 1 },
  atanh: { float32: 1, float64: 0 },
  sigmoid: { float32: 1, float64: 1 }, // PyTorch: 1 / (1 + exp(-x)), three roundings
  erf: { float32: 1, float64: 1 },
  erfc: { float32: 1, float64: 1 },
  // PyTorch's erfinv is a rational approximation; near 1 erfinv is ill-conditioned (slope 198 at
  // 0.999, so 1 ulp of erf is 200 of erfinv): at 0.999 dlab is 15 ulp from the exact value
  // (mpmath), PyTorch 20, 6 apart.
  erfinv: { float32: 2, float64: 6 },
  pow: { float32: 1, float64: 1 },
  atan2: { float32: 1, float64: 1 },
};

/**
 * Where dlab keeps the correct value and PyTorch's does not, on every path of its kernel: SLEEF's
 * log1p (which PyTorch calls for every element, through its VML wrappers) is documented only up to
 * 1e38 (float32) / 1e307 (float64) and returns inf past that, and SLEEF's log1p and float64 tan
 * flush the smallest denormal to 0 (log1p(x) = tan(x) = x there). Matching these would mean
 * copying SLEEF's range limits; the test pins both values so that a change on either side shows.
 */
const KNOWN_DEVIATIONS: { op: UnaryOp; dtype: 'float32' | 'float64'; input: number; pytorch: number; dlab: number }[] = [
  { op: 'log1p', dtype: 'float32', input: 3.4028234663852886e38, pytorch: Infinity, dlab: 88.72283935546875 },
  { op: 'log1p', dtype: 'float32', input: 1.401298464324817e-45, pytorch: 0, dlab: 1.401298464324817e-45 },
  { op: 'log1p', dtype: 'float64', input: 1.7976931348623157e308, pytorch: Infinity, dlab: 709.782712893384 },
  { op: 'log1p', dtype: 'float64', input: 5e-324, pytorch: 0, dlab: 5e-324 },
  { op: 'tan', dtype: 'float64', input: 5e-324, pytorch: 0, dlab: 5e-324 },
];

/**
 * The webgpu backend's float32 results (its float64 calls run on js: WGSL has no f64), held to
 * WGSL's accuracy rules (https://www.w3.org/TR/WGSL/#floating-point-accuracy) instead of the
 * CPU's: an implementation may flush subnormal inputs and results to zero and ignore the sign of a
 * zero (so a subnormal input may act as a zero of either sign, and a zero result may have either
 * sign); `log`/`log2` within 3 ulp outside [0.5, 2] and 2^-21 absolute inside; `exp`, `expm1`,
 * `sin`, `cos` and `tan` are dlab's own (Cephes' reductions and polynomials, not WGSL's: its exp
 * is only 3 + 2|x| ulp, its sin/cos 2^-11 absolute on [-pi, pi]); the rest inherit from how WGSL
 * defines them (pow = exp2(y log2 x): the log's 2^-21 times |y| and |log2 result| in the
 * exponent). The ulps are the largest measured on SwiftShader over this grid, each inside its
 * WGSL bound; a result may meet either the ulps or the absolute bound. NaN and infinities must
 * still match exactly.
 */
type Accuracy = { ulps: number; abs?: (e: number, inputs: readonly number[]) => number };
const logAbs = () => 2 ** -21;
const WEBGPU_F32: Partial<Record<UnaryOp | BinaryOp, Accuracy>> = {
  exp: { ulps: 1 }, // dlab's own (Cephes' expf), not WGSL's 3 + 2|x| ulp
  expm1: { ulps: 2 },
  log: { ulps: 3, abs: logAbs },
  log1p: { ulps: 7, abs: logAbs },
  log2: { ulps: 3, abs: logAbs },
  log10: { ulps: 3, abs: logAbs },
  rsqrt: { ulps: 2 },
  sin: { ulps: 2 },
  cos: { ulps: 2 },
  tan: { ulps: 3 },
  asin: { ulps: 1 },
  acos: { ulps: 1 },
  atan: { ulps: 2 },
  sinh: { ulps: 3 }, // through exp
  cosh: { ulps: 3 },
  tanh: { ulps: 3 },
  asinh: { ulps: 7 }, // through log
  acosh: { ulps: 1 },
  atanh: { ulps: 2 },
  sigmoid: { ulps: 2 }, // through exp
  erf: { ulps: 2 },
  erfc: { ulps: 6 }, // Numerical Recipes' erfcc (1.2e-7 relative) through exp
  erfinv: { ulps: 2 },
  atan2: { ulps: 2 },
  pow: { ulps: 1, abs: (e, [, y]) => Math.abs(e) * Math.LN2 * 2 ** -21 * (Math.abs(y) + Math.abs(Math.log2(Math.abs(e))) + 8) },
};

/**
 * Where the webgpu kernels leave WGSL's bounds on this grid, pinned so that a change shows: sin,
 * cos and tan of |x| >= 1e30 (the shader's range reduction in f32 loses every bit of x mod 2pi
 * there: PyTorch's CUDA kernels reduce exactly), and pow at the top of the range (exp2(log2 x) of
 * the largest float overflows: log2 rounds up to 128).
 */
const WEBGPU_KNOWN: { op: UnaryOp | BinaryOp; inputs: number[]; webgpu: number }[] = [
  ...[1.0000000150474662e30, -1.0000000150474662e30, 3.4028234663852886e38, -3.4028234663852886e38].flatMap((x) =>
    (['sin', 'cos', 'tan'] as const).map((op) => ({ op, inputs: [x], webgpu: 1 }))),
  { op: 'pow', inputs: [3.4028234663852886e38, 1], webgpu: Infinity },
  { op: 'pow', inputs: [-3.4028234663852886e38, 1], webgpu: -Infinity },
];

const isSubnormal = (x: number) => x !== 0 && Math.abs(x) < 2 ** -126;

/**
 * For the webgpu backend: accept a result WGSL allows (see WEBGPU_F32): within the op's ulps or
 * absolute bound, a zero of either sign, or what PyTorch gives with the subnormal inputs flushed to
 * zero (`flushed` looks that up on the grid). Null on the other backends.
 */
function webgpuAccept(backend: Backend, op: UnaryOp | BinaryOp | 'cast', dtype: DType, inputs: (i: number) => number[], flushed: (xs: number[]) => number | undefined): ((i: number, a: number, e: number) => boolean) | null {
  if (backend.name !== 'webgpu' || dtype === 'float64') return null;
  const acc = op === 'cast' ? undefined : WEBGPU_F32[op];
  return (i, a, e) => {
    const xs = inputs(i);
    if (WEBGPU_KNOWN.some((k) => k.op === op && k.inputs.every((x, j) => Object.is(x, xs[j])) && Object.is(a, k.webgpu))) return true;
    const near = (want: number) => {
      if (Object.is(a, want)) return true;
      if ((a === 0 || isSubnormal(a)) && (want === 0 || isSubnormal(want))) return true;
      if (Number.isNaN(want) || !Number.isFinite(want) || !Number.isFinite(a)) return Object.is(a, want);
      if (!acc) return false;
      if (Math.abs(Number(ordinal(a, 'float32') - ordinal(want, 'float32'))) <= acc.ulps) return true;
      return acc.abs !== undefined && Math.abs(a - want) <= acc.abs(want, xs);
    };
    if (near(e)) return true;
    if (!xs.some(isSubnormal)) return false;
    // Each subnormal input as a zero of either sign.
    const choices = xs.map((x) => (isSubnormal(x) ? [0, -0] : [x]));
    const combos = choices.reduce<number[][]>((acc, c) => acc.flatMap((p) => c.map((v) => [...p, v])), [[]]);
    return combos.some((ys) => {
      const want = flushed(ys);
      return want !== undefined && near(want);
    });
  };
}

const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

/** A float's position on the number line in ulps of its dtype (+0 and -0 both at 0). */
function ordinal(x: number, dtype: 'float32' | 'float64'): bigint {
  if (dtype === 'float32') {
    const bits = new Int32Array(new Float32Array([x]).buffer)[0];
    return BigInt(bits < 0 ? -(bits & 0x7fffffff) : bits);
  }
  const bits = new BigInt64Array(new Float64Array([x]).buffer)[0];
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

/** Where actual differs from PyTorch's expected beyond `ulps`, a line per mismatch (at most 6). */
function close(a: number, e: number, dtype: DType, ulps: number): boolean {
  if (Number.isNaN(e) || !Number.isFinite(e) || e === 0 || ulps === 0 || (dtype !== 'float32' && dtype !== 'float64')) return Object.is(a, e);
  return Number.isFinite(a) && Math.abs(Number(ordinal(a, dtype) - ordinal(e, dtype))) <= ulps;
}

/**
 * Where actual differs from PyTorch's expected beyond `ulps` (and from `alternative[i]`, the
 * scalar loop's value where that differs), a line per mismatch (at most 6).
 */
function mismatches(actual: ArrayLike<number>, expected: readonly number[], dtype: DType, ulps: number, inputs: (i: number) => string, alternative: ReadonlyMap<number, number> = new Map(), accept?: (i: number, a: number, e: number) => boolean): string[] {
  const bad: string[] = [];
  for (let i = 0; i < expected.length && bad.length < 6; i++) {
    const a = Number(actual[i]);
    const e = expected[i];
    const alt = alternative.get(i);
    if (close(a, e, dtype, ulps) || (alt !== undefined && close(a, alt, dtype, ulps)) || accept?.(i, a, e) || (alt !== undefined && accept?.(i, a, alt))) continue;
    bad.push(`${inputs(i)} = ${show(a)}, PyTorch ${show(e)}${alt === undefined ? '' : ` (scalar loop ${show(alt)})`}`);
  }
  return bad;
}

/** The scalar loop's values where they differ from the vector loop's, by flat index. */
function scalarLoop(entries: Record<string, FixtureValue>, dtype: DType): Map<number, number> {
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  return new Map(Object.entries(entries).map(([i, v]) => [Number(i), round(decode(v))]));
}

/** The tiled copies' indices of an alternative map (index i of copy k is k * n + i). */
function tiledMap(alt: ReadonlyMap<number, number>, n: number, copies: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let k = 0; k < copies; k++) for (const [i, v] of alt) out.set(k * n + i, v);
  return out;
}


function flatView(data: ArrayLike<number>, dtype: DType): View {
  const array = allocateArray(dtype, data.length);
  array.set(data as ArrayLike<number>);
  return { data: array, dtype, shape: [data.length], strides: [1], offset: 0 };
}

/** values repeated until there are at least 2048 of them (whole copies). */
function tiled(values: readonly number[]): { values: number[]; copies: number } {
  const copies = Math.ceil(2048 / values.length) + 1;
  return { values: Array.from({ length: copies }, () => values).flat(), copies };
}

/** values laid out every other element from offset 1, as a strided view: the general walk. */
function stridedView(values: readonly number[], dtype: DType): View {
  const array = allocateArray(dtype, 2 * values.length + 1);
  values.forEach((v, i) => (array[1 + 2 * i] = v));
  return { data: array, dtype, shape: [values.length], strides: [2], offset: 1 };
}

function outDtype(expected: FixtureTensor): DType {
  return expected.dtype;
}

/** A fixture tensor's values as its dtype holds them (float32 ones are written as short decimals). */
function valuesOf(t: FixtureTensor): number[] {
  const values = decodeAll(t.values);
  return t.dtype === 'float32' ? values.map(Math.fround) : values;
}

function checkUnary(backend: Backend, op: UnaryOp, dtype: DType, grid: readonly number[], expected: FixtureTensor, scalar: Map<number, number>): void {
  const want = valuesOf(expected);
  for (const d of KNOWN_DEVIATIONS.filter((k) => k.op === op && k.dtype === dtype)) {
    const i = grid.indexOf(d.input);
    assert.ok(i >= 0 && Object.is(want[i], d.pytorch), `${op}(${d.input}) ${dtype}: the fixture no longer holds PyTorch's ${d.pytorch}; revisit KNOWN_DEVIATIONS`);
    want[i] = d.dlab;
  }
  const out = outDtype(expected);
  const ulps = ULPS[op]?.[dtype as 'float32'] ?? 0;
  const at = (i: number) => `${op}(${show(grid[i % grid.length])})`;
  const inputs = (i: number) => [grid[i % grid.length]];
  const flushed = ([x]: number[]) => {
    const j = grid.findIndex((g) => Object.is(g, x));
    return j < 0 ? undefined : want[j];
  };
  const accept = webgpuAccept(backend, op, dtype, inputs, flushed) ?? undefined;
  const bad = mismatches(backend.unary(op, flatView(grid, dtype), out), want, out, ulps, at, scalar, accept);
  const strided = backend.unary(op, stridedView(grid, dtype), out);
  bad.push(...mismatches(strided, want, out, ulps, (i) => `${at(i)} [strided]`, scalar, accept));
  const long = tiled(grid);
  const tiledWant = Array.from({ length: long.copies }, () => want).flat();
  const tiledAlt = tiledMap(scalar, grid.length, long.copies);
  bad.push(...mismatches(backend.unary(op, flatView(long.values, dtype), out), tiledWant, out, ulps, (i) => `${at(i)} [tiled]`, tiledAlt, accept));
  assert.deepEqual(bad, [], `${op} ${dtype} on ${backend.name}${ulps ? ` (within ${ulps} ulp)` : ''}`);
}

function checkBinary(backend: Backend, op: BinaryOp, dtype: DType, grid: readonly number[], expected: FixtureTensor, scalar: Map<number, number>): void {
  const n = grid.length;
  const want = valuesOf(expected);
  const out = outDtype(expected);
  const ulps = ULPS[op]?.[dtype as 'float32'] ?? 0;
  const at = (i: number) => `${op}(${show(grid[Math.floor(i / n) % n])}, ${show(grid[i % n])})`;
  const a = grid.flatMap((v) => new Array<number>(n).fill(v));
  const b = Array.from({ length: n }, () => grid).flat();
  const pairAt = (i: number) => [grid[Math.floor(i / n) % n], grid[i % n]];
  const flushed = ([x, y]: number[]) => {
    const [j, k] = [x, y].map((v) => grid.findIndex((g) => Object.is(g, v)));
    return j < 0 || k < 0 ? undefined : want[j * n + k];
  };
  const accept = webgpuAccept(backend, op, dtype, pairAt, flushed) ?? undefined;
  const bad = mismatches(backend.binary(op, flatView(a, dtype), flatView(b, dtype), [n * n], out), want, out, ulps, at, scalar, accept);
  // Broadcast: a as a column [n, 1] and b as a row [1, n], both expanded to [n, n].
  const column: View = { ...flatView(grid, dtype), shape: [n, n], strides: [1, 0] };
  const row: View = { ...flatView(grid, dtype), shape: [n, n], strides: [0, 1] };
  bad.push(...mismatches(backend.binary(op, column, row, [n, n], out), want, out, ulps, (i) => `${at(i)} [broadcast]`, scalar, accept));
  // Each grid value against the whole grid as a scalar operand (stride 0), the optimizer's layout.
  for (let j = 0; j < n; j++) {
    const operand: View = { ...flatView([grid[j]], dtype), shape: [n], strides: [0] };
    const got = backend.binary(op, flatView(grid, dtype), operand, [n], out);
    const alt = new Map([...scalar].filter(([k]) => k % n === j).map(([k, v]) => [Math.floor(k / n), v]));
    const acceptScalar = accept && ((i: number, x: number, e: number) => accept(i * n + j, x, e));
    bad.push(...mismatches(got, grid.map((_, i) => want[i * n + j]), out, ulps, (i) => `${op}(${show(grid[i])}, ${show(grid[j])}) [scalar operand]`, alt, acceptScalar));
  }
  const long = tiled(a);
  const longB = tiled(b);
  const tiledWant = Array.from({ length: long.copies }, () => want).flat();
  bad.push(...mismatches(backend.binary(op, flatView(long.values, dtype), flatView(longB.values, dtype), [long.values.length], out), tiledWant, out, ulps, (i) => `${at(i)} [tiled]`, tiledMap(scalar, n * n, long.copies), accept));
  assert.deepEqual(bad.slice(0, 12), [], `${op} ${dtype} on ${backend.name}${ulps ? ` (within ${ulps} ulp)` : ''}`);
}

test('the fixture covers every UnaryOp and BinaryOp of the backend interface', () => {
  const unaryOps = new Set(fixture.unary.map((c) => c.op));
  const binaryOps = new Set(fixture.binary.map((c) => c.op));
  // Kept in step with backend.ts by the type: a missing op fails to compile.
  const allUnary: Record<UnaryOp, true> = {
    neg: true, abs: true, sign: true, exp: true, expm1: true, log: true, log1p: true, log2: true, log10: true, sqrt: true, rsqrt: true,
    sin: true, cos: true, tan: true, asin: true, acos: true, atan: true, sinh: true, cosh: true, tanh: true, asinh: true, acosh: true, atanh: true,
    sigmoid: true, relu: true, erf: true, erfc: true, erfinv: true, floor: true, ceil: true, round: true, trunc: true, reciprocal: true,
    logicalNot: true, isnan: true, isinf: true, isfinite: true, bitwiseNot: true,
  };
  const allBinary: Record<BinaryOp, true> = {
    add: true, sub: true, mul: true, div: true, pow: true, maximum: true, minimum: true, atan2: true, remainder: true, fmod: true,
    floorDivide: true, eq: true, ne: true, lt: true, le: true, gt: true, ge: true, logicalAnd: true, logicalOr: true, logicalXor: true,
  };
  assert.deepEqual([...unaryOps].sort(), Object.keys(allUnary).sort());
  assert.deepEqual([...binaryOps].sort(), Object.keys(allBinary).sort());
  assert.match(fixture.torch, /^1\.13/);
});

test('nonzero counts NaN as nonzero, as PyTorch', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const grid = tensor(valuesOf(fixture.grids[dtype]), { dtype });
    assertTensor(nonzero(grid), fixture.nonzero[dtype], `nonzero ${dtype}`);
  }
  assertTensor(nonzero(tensor(NaN)), fixture.nonzero_scalar, 'nonzero of a 0-dim NaN');
});

for (const name of listBackends()) {
  describe(`special values on the ${name} backend`, () => {
    const previous = setBackend(name);
    const backend = getBackend();
    setBackend(previous);

    for (const c of fixture.unary) {
      const grids: Record<string, FixtureTensor> = { ...fixture.grids, ...fixture.int_grids };
      const grid = valuesOf(grids[c.dtype]);
      test(`${c.op} ${c.dtype}`, () => checkUnary(backend, c.op, c.dtype, grid, c.out, scalarLoop(c.scalar, c.out.dtype)));
    }
    for (const c of fixture.binary) {
      const grid = valuesOf(fixture.grids[c.dtype as 'float32']);
      test(`${c.op} ${c.dtype}`, () => checkBinary(backend, c.op, c.dtype, grid, c.out, scalarLoop(c.scalar, c.out.dtype)));
    }
    for (const c of fixture.casts) {
      test(`cast ${c.from} -> ${c.to}`, () => {
        const values = valuesOf(c.input);
        const want = valuesOf(c.out);
        const at = (i: number) => `${c.to}(${show(values[i])})`;
        const flushed = ([x]: number[]) => {
          const j = values.findIndex((v) => Object.is(v, x));
          return j < 0 ? undefined : want[j];
        };
        const accept = webgpuAccept(backend, 'cast', c.from, (i) => [values[i]], flushed) ?? undefined;
        const bad = mismatches(backend.copy(flatView(values, c.from), c.to), want, c.to, 0, at, undefined, accept);
        bad.push(...mismatches(backend.copy(stridedView(values, c.from), c.to), want, c.to, 0, (i) => `${at(i)} [strided]`, undefined, accept));
        // assign casts too (x[...] = y across dtypes), and fill (a scalar written into a tensor:
        // the scalar is cast on the host, so fill is exact on every backend).
        const dst = flatView(new Array<number>(values.length).fill(0), c.to);
        backend.assign(dst, stridedView(values, c.from));
        bad.push(...mismatches(dst.data, want, c.to, 0, (i) => `${at(i)} [assign]`, undefined, accept));
        for (let i = 0; i < values.length; i++) {
          const one = flatView([0], c.to);
          backend.fill(one, values[i]);
          bad.push(...mismatches(one.data, [want[i]], c.to, 0, () => `${at(i)} [fill]`));
        }
        assert.deepEqual(bad.slice(0, 12), [], `cast ${c.from} -> ${c.to} on ${backend.name}`);
      });
    }
  });
}
