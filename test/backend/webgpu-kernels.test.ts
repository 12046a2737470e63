// The WGSL kernels (src/backend/webgpu/kernels/) against the js reference backend, on a real
// Dawn device (SwiftShader in CI: see webgpu-harness.ts for the variables it needs). Random
// inputs in every layout a tensor can have (offset, transposed, sliced, flipped, broadcast),
// sizes that are not multiples of the tiles, empty tensors and NaN. Tolerances, per op:
//  - exact (bit for bit): everything that only moves or selects values, and the sums whose
//    order matches the reference's (col2im, scatter/indexAdd accumulate, maxPool2dBackward);
//  - float32 sums in another order (matmul, convolutions, reduce sum, cumsum): |d| <= atol + rtol|e|
//    with rtol 1e-5 and atol 2e-6 * sqrt(terms) (the reference sums in float64);
//  - exp/log (logSoftmax): rtol 1e-5, atol 1e-5 (SwiftShader's exp is within a few ULP);
//  - prod / cumprod: rtol 1e-5 (one rounding per factor).
// Every plan also runs twice and must give the same bits (no atomics, fixed orders).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { View, Window2d } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { foldGrid, type GpuPlan } from '../../src/backend/webgpu/kernels/builder.js';
import { matmul } from '../../src/backend/webgpu/kernels/matmul.js';
import { argReduce, reduce } from '../../src/backend/webgpu/kernels/reduce.js';
import { logSoftmax } from '../../src/backend/webgpu/kernels/softmax.js';
import { scan } from '../../src/backend/webgpu/kernels/scan.js';
import { sort } from '../../src/backend/webgpu/kernels/sort.js';
import { gather, indexAdd, indexAddSegmented, indexSegments, indexSelect, scatter } from '../../src/backend/webgpu/kernels/indexing.js';
import { axpy, thresholdBackward } from '../../src/backend/webgpu/kernels/fused.js';
import { col2im, im2col } from '../../src/backend/webgpu/kernels/window.js';
import { maxPool2d, maxPool2dBackward } from '../../src/backend/webgpu/kernels/pool.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from '../../src/backend/webgpu/kernels/conv.js';
import { allocateArray } from '../../src/tensor/dtype.js';
import { contiguousStrides, numel } from '../../src/tensor/shape.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import { assertClose } from '../helpers.js';
import { GpuHarness } from './webgpu-harness.js';
import { randomArray } from './operands.js';


type Layout = 'rowmajor' | 'aligned' | 'transposed' | 'sliced' | 'flipped' | 'broadcast';

/** A [B, R, C] float32 operand in the given layout over a fresh random array. */
function operand(B: number, R: number, C: number, layout: Layout, seed: number): View {
  const dtype = 'float32' as const;
  switch (layout) {
    case 'rowmajor':
      return { data: randomArray(B * R * C + 3, seed), dtype, shape: [B, R, C], strides: [R * C, C, 1], offset: 3 };
    case 'aligned':
      return { data: randomArray(B * R * C + 4, seed), dtype, shape: [B, R, C], strides: [R * C, C, 1], offset: 4 };
    case 'transposed':
      return { data: randomArray(B * R * C, seed), dtype, shape: [B, R, C], strides: [R * C, 1, R], offset: 0 };
    case 'sliced':
      return { data: randomArray(B * R * C * 3, seed), dtype, shape: [B, R, C], strides: [R * C * 3, C * 3, 3], offset: 0 };
    case 'flipped':
      return { data: randomArray(B * R * C, seed), dtype, shape: [B, R, C], strides: [R * C, -C, 1], offset: (R - 1) * C };
    case 'broadcast':
      return { data: randomArray(R * C, seed), dtype, shape: [B, R, C], strides: [0, C, 1], offset: 0 };
  }
}

type Kind = 'contiguous' | 'permuted' | 'sliced' | 'broadcast';

/**
 * A view of `shape` laid out as `kind` over a fresh array: contiguous at offset 2, every dim
 * reversed in memory (a full permute), every other element of the last dim, or dim 0 broadcast.
 * Values come from `values(i)` (random floats in [-1, 1) by default).
 */
function strided(shape: number[], kind: Kind, seed: number, dtype: DType = 'float32', values?: (r: number, i: number) => number): View {
  let base = shape.slice();
  if (kind === 'sliced') base[base.length - 1] = 2 * (base[base.length - 1] ?? 1);
  if (kind === 'broadcast') base = base.slice(1);
  if (kind === 'permuted') base = base.reverse();
  const offset = kind === 'contiguous' ? 2 : 0;
  const n = numel(base) + offset;
  const r = randomArray(n, seed);
  const data = allocateArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = values ? values(r[i], i) : dtype === 'float32' ? r[i] : Math.floor(r[i] * 5);
  const cs = contiguousStrides(base);
  let strides: number[];
  if (kind === 'permuted') strides = cs.slice().reverse();
  else if (kind === 'sliced') strides = cs.map((s, d) => (d === cs.length - 1 ? 2 : s));
  else if (kind === 'broadcast') strides = [0, ...cs];
  else strides = cs;
  return { data, dtype, shape, strides, offset };
}

const kinds: Kind[] = ['contiguous', 'permuted', 'sliced', 'broadcast'];

/** Random integers in [0, n) as an int64 view of `shape`, laid out as `kind`. */
const indices = (shape: number[], n: number, kind: Kind, seed: number): View => strided(shape, kind, seed, 'int64', (r) => Math.min(n - 1, Math.floor(((r + 1) / 2) * n)));

/** A contiguous copy of a view's whole backing array (for in-place kernels' expected results). */
const clone = (v: View): View => ({ ...v, data: v.data.slice() });

/** The Window2d of a k x k window with stride s, padding p, dilation d over H x W (ceil mode optional). */
function win(k: [number, number], s: [number, number], p: [number, number], d: [number, number], H: number, W: number, ceil = false): Window2d {
  const out = (n: number, i: 0 | 1) => {
    const span = n + 2 * p[i] - d[i] * (k[i] - 1) - 1;
    let o = (ceil ? Math.ceil(span / s[i]) : Math.floor(span / s[i])) + 1;
    if (ceil && (o - 1) * s[i] >= n + p[i]) o--; // PyTorch: the last window must start inside the input or left padding
    return o;
  };
  return { kernel: k, stride: s, padding: p, dilation: d, output: [out(H, 0), out(W, 1)] };
}

const exact = (actual: ArrayLike<number>, expected: ArrayLike<number>, msg: string) => assertClose(actual, expected, 0, 0, msg);

let gpu: GpuHarness;

/** Run a plan on views and read back its outputs; runs it twice and checks the bits agree. */
async function run(plan: GpuPlan, inputs: readonly View[], outputs: readonly { dtype: DType; size: number }[], inPlace: readonly View[] = []): Promise<TypedArray[]> {
  const results: TypedArray[][] = [];
  for (let rep = 0; rep < 2; rep++) {
    const ins = inputs.map((v) => gpu.upload(v));
    const outs = [...inPlace.map((v) => gpu.upload(v)), ...outputs.map((o) => gpu.output(o.size))];
    await gpu.run(plan, ins, outs);
    const all = [...inPlace.map((v) => ({ dtype: v.dtype, size: v.data.length })), ...outputs];
    results.push(await Promise.all(all.map((o, i) => gpu.read(outs[i], o.dtype, o.size))));
    gpu.release();
  }
  for (let i = 0; i < results[0].length; i++) {
    const a = new Uint8Array(results[0][i].buffer, results[0][i].byteOffset, results[0][i].byteLength);
    const b = new Uint8Array(results[1][i].buffer, results[1][i].byteOffset, results[1][i].byteLength);
    assert.ok(a.length === b.length && a.every((x, j) => x === b[j]), `${plan.passes[0]?.program.key}: two runs differ`);
  }
  return results[0];
}

const sumTol = (terms: number) => ({ rtol: 1e-5, atol: 2e-6 * Math.sqrt(terms + 1) });

describe('webgpu kernels', () => {
  before(async () => {
    gpu = await GpuHarness.create();
  });
  after(() => {
    if (gpu) console.log(`# ${gpu.compiles} pipelines compiled on ${gpu.adapterName}`);
    gpu?.destroy();
  });

  describe('matmul', () => {
    const check = async (a: View, b: View, msg: string, algorithm?: 'packed' | 'reduce' | 'splitK') => {
      const [B, M, K] = a.shape;
      const N = b.shape[2];
      const expected = jsBackend.matmul(a, b, 'float32');
      const [actual] = await run(matmul(a, b, 'float32', { algorithm }), [a, b], [{ dtype: 'float32', size: B * M * N }]);
      const { rtol, atol } = sumTol(K);
      assertClose(actual, expected, rtol, atol, msg);
    };

    test('packed: odd sizes in every layout, vec4 where aligned', async () => {
      const sizes: [number, number, number, number][] = [[1, 1, 1, 1], [2, 5, 3, 9], [1, 33, 31, 35], [2, 8, 12, 16], [1, 40, 64, 36]];
      const layouts: Layout[] = ['rowmajor', 'aligned', 'transposed', 'sliced', 'flipped', 'broadcast'];
      let seed = 1;
      for (const [B, M, K, N] of sizes) {
        for (const la of layouts) {
          const lb = layouts[(seed * 5) % layouts.length];
          await check(operand(B, M, K, la, seed++), operand(B, K, N, lb, seed++), `[${B},${M},${K}]x[${B},${K},${N}] ${la}/${lb}`, 'packed');
        }
      }
      await check(operand(2, 36, 40, 'aligned', 90), operand(2, 40, 44, 'aligned', 91), 'vec4 both sides', 'packed');
    });

    test('reduce and splitK paths agree with the reference', async () => {
      await check(operand(2, 3, 300, 'aligned', 7), operand(2, 300, 4, 'aligned', 8), 'reduce aligned', 'reduce');
      await check(operand(1, 5, 257, 'transposed', 9), operand(1, 257, 3, 'flipped', 10), 'reduce strided', 'reduce');
      await check(operand(1, 20, 1100, 'rowmajor', 11), operand(1, 1100, 12, 'aligned', 12), 'splitK', 'splitK');
      await check(operand(2, 7, 100, 'sliced', 13), operand(2, 100, 9, 'transposed', 14), 'splitK short K', 'splitK');
    });

    test('vec4 loads exactly where the layout allows them', () => {
      const key = (a: View, b: View) => matmul(a, b, 'float32', { algorithm: 'packed' }).passes[0].program.key;
      assert.match(key(operand(1, 8, 12, 'aligned', 1), operand(1, 12, 16, 'aligned', 2)), /\|a4b4\|/);
      assert.match(key(operand(2, 8, 12, 'broadcast', 1), operand(1, 12, 16, 'transposed', 2)), /\|a4b1\|/);
      assert.match(key(operand(1, 8, 12, 'rowmajor', 1), operand(1, 12, 16, 'aligned', 2)), /\|a1b4\|/); // offset 3
      assert.match(key(operand(1, 8, 10, 'aligned', 1), operand(1, 10, 6, 'aligned', 2)), /\|a1b1\|/); // K, N not multiples of 4
    });

    test('empty K gives zeros, empty M gives an empty plan', async () => {
      await check(operand(1, 3, 0, 'rowmajor', 1), operand(1, 0, 5, 'rowmajor', 2), 'K = 0');
      assert.equal(matmul(operand(1, 0, 3, 'rowmajor', 1), operand(1, 3, 4, 'rowmajor', 2), 'float32').passes.length, 0);
    });

    test('integers multiply exactly; NaN and infinity propagate', async () => {
      const a: View = { data: new Int32Array([1, -2, 3, 4, 5, -6]), dtype: 'int32', shape: [1, 2, 3], strides: [6, 3, 1], offset: 0 };
      const b: View = { data: new Int32Array([7, 8, 9, 10, 11, 12]), dtype: 'int32', shape: [1, 3, 2], strides: [6, 2, 1], offset: 0 };
      for (const algorithm of ['packed', 'reduce'] as const) {
        const [ints] = await run(matmul(a, b, 'int32', { algorithm }), [a, b], [{ dtype: 'int32', size: 4 }]);
        assert.deepEqual(Array.from(ints), Array.from(jsBackend.matmul(a, b, 'int32')), algorithm);
      }
      const x = operand(1, 3, 4, 'aligned', 3);
      (x.data as Float32Array)[4] = NaN;
      (x.data as Float32Array)[4 + 5] = Infinity;
      const y = operand(1, 4, 2, 'rowmajor', 4);
      await check(x, y, 'NaN row');
    });
  });

  describe('reductions', () => {
    const checkReduce = async (op: 'sum' | 'prod' | 'amax' | 'amin', x: View, dims: number[], dtype: DType, msg: string, twoStage?: boolean) => {
      const expected = jsBackend.reduce(op, x, dims, dtype);
      const [actual] = await run(reduce(op, x, dims, dtype, { twoStage }), [x], [{ dtype, size: expected.length }]);
      const size = dims.reduce((n, d) => n * x.shape[d], 1);
      if (dtype !== 'float32' || op === 'amax' || op === 'amin') assert.deepEqual(Array.from(actual, (v) => v + 0), Array.from(expected, (v) => v + 0), msg); // integers have no -0
      else if (op === 'prod') assertClose(actual, expected, 2e-6 * Math.sqrt(size + 1) + 1e-6, 1e-30, msg);
      else assertClose(actual, expected, sumTol(size).rtol, sumTol(size).atol, msg);
    };

    test('sum/prod/amax/amin over every dim set and layout (thread and workgroup forms)', async () => {
      let seed = 20;
      const near1 = (r: number) => 1 + r / 8;
      for (const shape of [[3, 5, 7], [2, 70, 3]]) {
        for (const dims of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
          for (const op of ['sum', 'prod', 'amax', 'amin'] as const) {
            const kind = kinds[seed % kinds.length];
            const x = strided(shape, kind, seed++, 'float32', op === 'prod' ? near1 : undefined);
            await checkReduce(op, x, dims, 'float32', `${op} ${shape} dims ${dims} ${kind}`);
          }
        }
      }
    });

    test('long reductions: 256-thread trees and the two-pass form', async () => {
      await checkReduce('sum', strided([5000], 'contiguous', 1), [0], 'float32', 'sum 5000 (two-pass off)', false);
      await checkReduce('sum', strided([40000], 'sliced', 2), [0], 'float32', 'sum 40000 (two-pass, auto)');
      await checkReduce('amax', strided([3, 20000], 'permuted', 3), [1], 'float32', 'amax two-pass');
      await checkReduce('sum', strided([4, 6, 30], 'broadcast', 4), [0, 2], 'float32', 'forced two-pass', true);
      assert.equal(reduce('sum', strided([40000], 'contiguous', 2), [0], 'float32').passes.length, 2);
    });

    test('integers and bools reduce exactly; NaN propagates through max/min; empty reductions', async () => {
      await checkReduce('sum', strided([4, 9], 'permuted', 5, 'int32'), [1], 'int64', 'int32 sum -> int64');
      await checkReduce('prod', strided([4, 5], 'contiguous', 6, 'int64', (r) => Math.floor(r * 3)), [0], 'int64', 'int64 prod');
      await checkReduce('amax', strided([3, 100], 'sliced', 7, 'int32'), [1], 'int32', 'int32 amax (workgroup)');
      await checkReduce('sum', strided([6, 5], 'contiguous', 8, 'bool', (r) => (r > 0 ? 1 : 0)), [0], 'int64', 'bool sum');
      await checkReduce('amax', strided([6, 5], 'contiguous', 9, 'bool', (r) => (r > 0.5 ? 1 : 0)), [1], 'bool', 'bool amax');
      const nan = strided([4, 80], 'contiguous', 10, 'float32', (r, i) => (i === 2 + 85 || i === 2 + 7 ? NaN : r));
      for (const op of ['amax', 'amin', 'sum'] as const) {
        await checkReduce(op, nan, [1], 'float32', `${op} with NaN (workgroup)`);
        await checkReduce(op, nan, [0], 'float32', `${op} with NaN (thread)`);
      }
      await checkReduce('sum', strided([3, 0], 'contiguous', 11), [1], 'float32', 'sum over an empty dim');
      await checkReduce('prod', strided([3, 0], 'contiguous', 11), [1], 'float32', 'prod over an empty dim');
      assert.throws(() => reduce('amax', strided([3, 0], 'contiguous', 11), [1], 'float32'), /Expected reduction dim to have non-zero size/);
      assert.equal(reduce('sum', strided([0, 4], 'contiguous', 11), [1], 'float32').passes.length, 0);
    });

    test('argmax/argmin: first extreme, first NaN, ties to the lower index', async () => {
      const cases: [View, number, string][] = [
        [strided([6, 9], 'permuted', 12), 0, 'thread form'],
        [strided([4, 300], 'sliced', 13), 1, 'workgroup form'],
        [strided([2, 5000], 'contiguous', 14), 1, '256 threads'],
        [strided([5, 90], 'contiguous', 15, 'int32', (r) => Math.floor(r * 2)), 1, 'int ties'],
        [strided([3, 100], 'contiguous', 16, 'float32', (r, i) => (i % 37 === 5 ? NaN : Math.round(r * 2))), 1, 'NaN and ties'],
        [strided([3, 10], 'broadcast', 17, 'float32', (r, i) => (i % 4 === 1 ? NaN : r)), 0, 'NaN thread form'],
      ];
      for (const [x, dim, msg] of cases) {
        for (const op of ['argmax', 'argmin'] as const) {
          const expected = jsBackend.argReduce(op, x, dim);
          const [actual] = await run(argReduce(op, x, dim), [x], [{ dtype: 'int64', size: expected.length }]);
          assert.deepEqual(Array.from(actual), Array.from(expected), `${op} ${msg}`);
        }
      }
      assert.throws(() => argReduce('argmax', strided([2, 0], 'contiguous', 1), 1), /Expected reduction dim 1 to have non-zero size/);
    });

    test('logSoftmax along each dim; NaN and +inf poison their slice, -inf entries give -inf', async () => {
      const cases: [View, number][] = [
        [strided([3, 10], 'permuted', 20), 1],
        [strided([3, 10], 'contiguous', 21), 0],
        [strided([2, 100, 3], 'sliced', 22), 1],
        [strided([4, 5000], 'broadcast', 23), 1],
        [strided([4, 70], 'contiguous', 24, 'float32', (r, i) => (i === 2 + 3 ? NaN : i === 2 + 75 ? Infinity : i % 9 === 0 ? -Infinity : r * 10)), 1],
        [strided([70, 4], 'contiguous', 25, 'float32', (r, i) => (i === 2 + 5 ? NaN : i % 7 === 0 ? -Infinity : r * 10)), 1],
      ];
      for (const [x, dim] of cases) {
        const expected = jsBackend.logSoftmax(x, dim);
        const [actual] = await run(logSoftmax(x, dim), [x], [{ dtype: 'float32', size: expected.length }]);
        assertClose(actual, expected, 1e-5, 1e-5, `logSoftmax ${x.shape} dim ${dim}`);
      }
    });

    test('cumsum/cumprod: thread and blocked forms, integers exact', async () => {
      const near1 = (r: number) => 1 + r / 64;
      const cases: [ 'cumsum' | 'cumprod', View, number, DType, boolean | undefined][] = [
        ['cumsum', strided([4, 9], 'permuted', 30), 1, 'float32', undefined],
        ['cumsum', strided([4, 9], 'sliced', 31), 0, 'float32', true],
        ['cumsum', strided([3, 600], 'contiguous', 32), 1, 'float32', undefined],
        ['cumprod', strided([2, 700], 'broadcast', 33, 'float32', near1), 1, 'float32', undefined],
        ['cumprod', strided([5, 6], 'contiguous', 34, 'float32', near1), 0, 'float32', undefined],
        ['cumsum', strided([3, 300], 'sliced', 35, 'int32'), 1, 'int64', undefined],
        ['cumsum', strided([3, 7], 'contiguous', 36, 'bool', (r) => (r > 0 ? 1 : 0)), 1, 'int64', true],
        ['cumsum', strided([2, 300], 'contiguous', 37, 'float32', (r, i) => (i === 50 ? NaN : r)), 1, 'float32', undefined],
      ];
      for (const [op, x, dim, dtype, blocked] of cases) {
        const expected = jsBackend.scan(op, x, dim, dtype);
        const [actual] = await run(scan(op, x, dim, dtype, { blocked }), [x], [{ dtype, size: expected.length }]);
        const n = x.shape[dim];
        if (dtype !== 'float32') assert.deepEqual(Array.from(actual), Array.from(expected), `${op} ${x.shape}`);
        else assertClose(actual, expected, 2e-6 * Math.sqrt(n + 1) + 1e-6, 2e-6 * Math.sqrt(n + 1), `${op} ${x.shape} dim ${dim}`);
      }
    });
  });

  describe('sort', () => {
    // Few distinct values (ties everywhere), NaN, -0 beside +0 and both infinities: the positions
    // must be exactly the reference's stable order, ascending and descending, in both forms.
    const special = [NaN, -0, 0, Infinity, -Infinity];
    const tied = (r: number, i: number) => (i % 11 === 3 ? special[i % special.length] : Math.round(r * 3) / 2);
    const check = async (x: View, dim: number, global: boolean | undefined, msg: string) => {
      for (const descending of [false, true]) {
        const expected = jsBackend.sort(x, dim, descending);
        const [actual] = await run(sort(x, dim, descending, { global }), [x], [{ dtype: 'int64', size: expected.length }]);
        exact(actual, expected, `${msg} dim ${dim}${descending ? ' descending' : ''}${global ? ' (global form)' : ''}`);
      }
    };

    test('stable order with ties, NaN, signed zeros and infinities, in every layout and both forms', async () => {
      let seed = 60;
      for (const kind of kinds) {
        for (const global of [undefined, true]) {
          await check(strided([3, 13], kind, seed++, 'float32', tied), 1, global, `[3, 13] ${kind}`);
          await check(strided([6, 5, 4], kind, seed++, 'float32', tied), 0, global, `[6, 5, 4] ${kind}`);
        }
      }
    });

    test('slices longer than one workgroup take the global form; one-element and odd slices', async () => {
      assert.match(sort(strided([2, 513], 'contiguous', 1), 1, false).passes[0].program.key, /^sort\|init/);
      assert.match(sort(strided([2, 512], 'contiguous', 1), 1, false).passes[0].program.key, /^sort\|shared/);
      await check(strided([2, 700], 'sliced', 70, 'float32', tied), 1, undefined, '[2, 700]');
      await check(strided([3, 1], 'contiguous', 71), 1, undefined, '[3, 1]');
      await check(strided([1, 512], 'permuted', 72, 'float32', tied), 1, undefined, '[1, 512]');
    });

    test('integers (int32, int64 with negatives) and bools sort exactly', async () => {
      const ints = (r: number) => Math.round(r * 2e6) - 7;
      await check(strided([4, 37], 'permuted', 80, 'int32', ints), 1, undefined, 'int32');
      await check(strided([4, 37], 'contiguous', 81, 'int64', (r) => Math.round(r * 4)), 1, true, 'int64');
      await check(strided([5, 9], 'sliced', 82, 'bool', (r) => (r > 0 ? 1 : 0)), 1, undefined, 'bool');
    });

    test('an empty slice or no slices give an empty plan', () => {
      assert.equal(sort(strided([0, 4], 'contiguous', 1), 1, false).passes.length, 0);
      assert.equal(sort(strided([3, 0], 'contiguous', 1), 1, false).passes.length, 0);
    });
  });

  describe('indexing', () => {
    test('grids fold under 65535 per dimension; shaders recover the flat workgroup index', async () => {
      assert.deepEqual(foldGrid(65535), [65535, 1, 1]);
      assert.deepEqual(foldGrid(66000), [33000, 2, 1]);
      const [x, y, z] = foldGrid(2 ** 33);
      assert.ok(x <= 65535 && y <= 65535 && z <= 65535 && x * y * z >= 2 ** 33);
      // A real fold needs 65536 workgroups (half a minute on SwiftShader): the same flat-index
      // arithmetic is checked on small 2-D and 3-D grids that overshoot, as folded grids do.
      const src = strided([10, 64], 'permuted', 5);
      const index = indices([10, 64], 10, 'contiguous', 6);
      const expected = jsBackend.gather(src, 0, index);
      const plan = gather(src, 0, index);
      assert.deepEqual(plan.passes[0].program.grid, [10, 1, 1]);
      for (const grid of [[3, 2, 2], [2, 1, 5], [1, 11, 1]] as const) {
        const folded = { ...plan, passes: [{ ...plan.passes[0], program: { ...plan.passes[0].program, grid } }] };
        const [actual] = await run(folded, [src, index], [{ dtype: 'float32', size: 640 }]);
        exact(actual, expected, `grid ${grid}`);
      }
    });

    test('gather along each dim, index smaller than x, out-of-layout views', async () => {
      const cases: [View, number, View][] = [
        [strided([4, 5, 6], 'permuted', 40), 1, indices([4, 3, 6], 5, 'contiguous', 41)],
        [strided([4, 5, 6], 'sliced', 42), 0, indices([7, 2, 6], 4, 'permuted', 43)],
        [strided([4, 5, 6], 'broadcast', 44), 2, indices([3, 5, 9], 6, 'sliced', 45)],
        [strided([3, 8], 'contiguous', 46, 'int32'), 1, indices([3, 2], 8, 'contiguous', 47)],
      ];
      for (const [x, dim, index] of cases) {
        const expected = jsBackend.gather(x, dim, index);
        const [actual] = await run(gather(x, dim, index), [x, index], [{ dtype: x.dtype, size: expected.length }]);
        exact(actual, expected, `gather ${x.shape} dim ${dim} index ${index.shape}`);
      }
      assert.equal(gather(strided([3, 4], 'contiguous', 1), 1, indices([3, 0], 4, 'contiguous', 2)).passes.length, 0);
    });

    test('scatter and scatter-add: duplicates resolve in index order, bit for bit', async () => {
      const cases: [View, number, View, View][] = [
        [strided([4, 5, 3], 'contiguous', 50), 1, indices([4, 7, 3], 5, 'permuted', 51), strided([4, 7, 3], 'permuted', 52)],
        [strided([4, 5, 3], 'contiguous', 53), 1, indices([3, 7, 2], 5, 'contiguous', 54), strided([4, 8, 3], 'sliced', 55)],
        [strided([6, 4], 'contiguous', 56), 0, indices([10, 4], 6, 'sliced', 57), strided([10, 4], 'broadcast', 58)],
        [strided([5, 6], 'contiguous', 59, 'int32'), 1, indices([5, 9], 6, 'contiguous', 60), strided([5, 9], 'contiguous', 61, 'int32')],
      ];
      for (const [out, dim, index, src] of cases) {
        for (const accumulate of [false, true]) {
          const expected = clone(out);
          jsBackend.scatter(expected, dim, index, src, accumulate);
          const [actual] = await run(scatter(out, dim, index, src, accumulate), [index, src], [], [out]);
          exact(actual, expected.data, `scatter${accumulate ? '-add' : ''} ${out.shape} dim ${dim} index ${index.shape}`);
        }
      }
    });

    test('indexSelect with repeats, strided and 0-d indices', async () => {
      const strideIndex: View = { data: new Float64Array([2, 9, 0, 9, 2, 9, 4, 9]), dtype: 'int64', shape: [4], strides: [2], offset: 0 };
      const scalarIndex: View = { data: new Float64Array([7, 1]), dtype: 'int64', shape: [], strides: [], offset: 1 };
      const cases: [View, number, View][] = [
        [strided([5, 4, 3], 'permuted', 70), 0, indices([7], 5, 'contiguous', 71)],
        [strided([5, 4, 3], 'sliced', 72), 2, strideIndex.data.length ? { ...strideIndex, data: new Float64Array([2, 9, 0, 9, 1, 9, 2, 9]) } : strideIndex],
        [strided([5, 6, 3], 'broadcast', 73), 1, strideIndex],
        [strided([5, 4], 'contiguous', 74, 'int32'), 1, scalarIndex],
      ];
      for (const [x, dim, index] of cases) {
        const expected = jsBackend.indexSelect(x, dim, index);
        const [actual] = await run(indexSelect(x, dim, index), [x, index], [{ dtype: x.dtype, size: expected.length }]);
        exact(actual, expected, `indexSelect ${x.shape} dim ${dim}`);
      }
    });

    test('indexAdd: duplicate indices add in order, bit for bit', async () => {
      const cases: [View, number, View, View][] = [
        [strided([6, 4], 'contiguous', 80), 0, indices([9], 6, 'contiguous', 81), strided([9, 4], 'permuted', 82)],
        [strided([3, 5, 2], 'contiguous', 83), 1, indices([8], 5, 'sliced', 84), strided([3, 8, 2], 'sliced', 85)],
        [strided([4, 3], 'contiguous', 86, 'int32'), 1, indices([5], 3, 'contiguous', 87), strided([4, 5], 'contiguous', 88, 'int32')],
      ];
      for (const [out, dim, index, src] of cases) {
        const expected = clone(out);
        jsBackend.indexAdd(expected, dim, index, src);
        const [actual] = await run(indexAdd(out, dim, index, src), [index, src], [], [out]);
        exact(actual, expected.data, `indexAdd ${out.shape} dim ${dim}`);
        // The segmented form, from the index values on the CPU: the same bits.
        const values = Array.from({ length: index.shape[0] }, (_, i) => index.data[index.offset + i * index.strides[0]]);
        const { order, starts } = indexSegments(values, out.shape[dim]);
        const segs = (a: Int32Array): View => ({ data: a, dtype: 'int32', shape: [a.length], strides: [1], offset: 0 });
        const [segmented] = await run(indexAddSegmented(out, dim, src), [segs(order), segs(starts), src], [], [out]);
        exact(segmented, expected.data, `indexAddSegmented ${out.shape} dim ${dim}`);
      }
      assert.deepEqual(indexSegments([2, 0, 2, 5, 1, 0], 3), { order: Int32Array.from([1, 5, 4, 0, 2]), starts: Int32Array.from([0, 2, 3, 5]) });
    });
  });

  describe('fused updates', () => {
    test('thresholdBackward selects, NaN in self passes, NaN grad at a cut gives 0', async () => {
      for (const [i, kind] of kinds.entries()) {
        const grad = strided([5, 7], kind, 90 + i, 'float32', (r, j) => (j % 11 === 3 ? NaN : r));
        const self = strided([5, 7], kinds[(i + 1) % 4], 95 + i, 'float32', (r, j) => (j % 13 === 4 ? NaN : j % 5 === 0 ? 0.3 : r));
        for (const threshold of [0, 0.3]) {
          const expected = jsBackend.thresholdBackward(grad, self, threshold);
          const [actual] = await run(thresholdBackward(grad, self, threshold), [grad, self], [{ dtype: 'float32', size: 35 }]);
          exact(actual, expected, `thresholdBackward ${kind} ${threshold}`);
        }
      }
    });

    test('axpy rounds the product before the add, as the reference', async () => {
      const out: View = { data: randomArray(45, 100), dtype: 'float32', shape: [6, 7], strides: [7, 1], offset: 3 };
      for (const kind of kinds) {
        const x = strided([6, 7], kind, 101, 'float32', (r) => r * 1000);
        const expected = clone(out);
        jsBackend.axpy(expected, x, -0.0137);
        const [actual] = await run(axpy(out, x, -0.0137), [x], [], [out]);
        exact(actual, expected.data, `axpy ${kind}`);
      }
    });
  });

  describe('windows, pooling and convolution', () => {
    const windows = (H: number, W: number): Window2d[] => [
      win([3, 3], [1, 1], [1, 1], [1, 1], H, W),
      win([2, 3], [2, 1], [0, 1], [1, 2], H, W),
      win([3, 2], [2, 3], [1, 0], [2, 1], H, W, true),
      win([1, 1], [1, 1], [0, 0], [1, 1], H, W),
    ];

    test('im2col and col2im in every layout (col2im gathers in the reference order: exact)', async () => {
      let seed = 110;
      for (const w of windows(7, 6)) {
        for (const kind of kinds) {
          const x = strided([2, 3, 7, 6], kind, seed++);
          const expected = jsBackend.im2col(x, w);
          const [actual] = await run(im2col(x, w), [x], [{ dtype: 'float32', size: expected.length }]);
          exact(actual, expected, `im2col ${kind} ${JSON.stringify(w)}`);
          const L = w.output[0] * w.output[1];
          const cols = strided([2, 3 * w.kernel[0] * w.kernel[1], L], kind, seed++);
          const folded = jsBackend.col2im(cols, [7, 6], w);
          const [back] = await run(col2im(cols, [7, 6], w), [cols], [{ dtype: 'float32', size: folded.length }]);
          exact(back, folded, `col2im ${kind} ${JSON.stringify(w)}`);
        }
      }
    });

    test('maxPool2d: values and indices with NaN, ties, padding, dilation, ceil mode', async () => {
      let seed = 130;
      const pools = [
        win([2, 2], [2, 2], [0, 0], [1, 1], 7, 9),
        win([3, 3], [2, 2], [1, 1], [1, 1], 7, 9, true),
        win([3, 2], [1, 2], [1, 0], [2, 1], 7, 9),
        win([3, 3], [1, 1], [1, 1], [1, 1], 7, 9),
      ];
      for (const w of pools) {
        for (const kind of kinds) {
          // Few distinct values (ties), some NaN, some -inf.
          const x = strided([2, 3, 7, 9], kind, seed++, 'float32', (r, i) => (i % 17 === 5 ? NaN : i % 19 === 2 ? -Infinity : Math.round(r * 3)));
          const expected = jsBackend.maxPool2d(x, w);
          const n = expected.values.length;
          const [values, idx] = await run(maxPool2d(x, w), [x], [{ dtype: 'float32', size: n }, { dtype: 'int64', size: n }]);
          exact(values, expected.values, `maxPool2d values ${kind} ${JSON.stringify(w)}`);
          exact(idx, expected.indices, `maxPool2d indices ${kind} ${JSON.stringify(w)}`);
          // Backward from those indices, overlapping windows adding up: with and without the window.
          const grad = strided([2, 3, ...w.output], kinds[(seed + 1) % 4], seed++);
          const ind: View = { data: expected.indices, dtype: 'int64', shape: [2, 3, ...w.output], strides: [3 * n / 6, n / 6, w.output[1], 1], offset: 0 };
          const want = jsBackend.maxPool2dBackward(grad, ind, [7, 9]);
          for (const known of [w, undefined]) {
            const [got] = await run(maxPool2dBackward(grad, ind, [7, 9], known), [grad, ind], [{ dtype: 'float32', size: want.length }]);
            exact(got, want, `maxPool2dBackward ${known ? 'windowed' : 'plane'} ${kind} ${JSON.stringify(w)}`);
          }
        }
      }
    });

    const convCases: { x: number[]; O: number; k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; groups: number }[] = [
      { x: [2, 3, 7, 6], O: 4, k: [3, 3], s: [1, 1], p: [1, 1], d: [1, 1], groups: 1 },
      { x: [1, 4, 9, 8], O: 6, k: [3, 2], s: [2, 1], p: [1, 0], d: [2, 1], groups: 2 },
      { x: [2, 5, 4, 5], O: 3, k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1], groups: 1 },
      { x: [1, 2, 11, 10], O: 35, k: [5, 5], s: [2, 2], p: [2, 2], d: [1, 1], groups: 1 },
    ];

    test('conv2d (implicit GEMM, pointwise, every algorithm) with and without bias', async () => {
      let seed = 150;
      for (const c of convCases) {
        const [N, C, H, W] = c.x;
        const w = win(c.k, c.s, c.p, c.d, H, W);
        for (const algorithm of [undefined, 'reduce', 'splitK'] as const) {
          const kind = kinds[seed % 4];
          const x = strided(c.x, kind, seed++);
          const weight = strided([c.O, C / c.groups, ...c.k], kinds[(seed + 1) % 4], seed++);
          const bias = algorithm === 'reduce' ? null : strided([c.O], 'sliced', seed++);
          const expected = jsBackend.conv2d(x, weight, bias, w, c.groups);
          const plan = conv2d(x, weight, bias, w, c.groups, { algorithm, splits: 2 });
          const [actual] = await run(plan, bias ? [x, weight, bias] : [x, weight], [{ dtype: 'float32', size: expected.length }]);
          const { rtol, atol } = sumTol((C / c.groups) * c.k[0] * c.k[1]);
          assertClose(actual, expected, rtol, atol, `conv2d ${JSON.stringify(c)} ${kind} ${algorithm ?? 'auto'}`);
          assert.equal(expected.length, N * c.O * w.output[0] * w.output[1]);
        }
      }
    });

    test('conv2dInputGrad and conv2dWeightGrad (+ bias) against the reference', async () => {
      let seed = 170;
      for (const c of convCases) {
        const [N, C, H, W] = c.x;
        const w = win(c.k, c.s, c.p, c.d, H, W);
        for (const algorithm of [undefined, 'splitK'] as const) {
          const kind = kinds[seed % 4];
          const grad = strided([N, c.O, ...w.output], kind, seed++);
          const weight = strided([c.O, C / c.groups, ...c.k], kinds[(seed + 1) % 4], seed++);
          const dx = jsBackend.conv2dInputGrad(grad, weight, [H, W], w, c.groups);
          const [gotDx] = await run(conv2dInputGrad(grad, weight, [H, W], w, c.groups, { algorithm, splits: 3 }), [grad, weight], [{ dtype: 'float32', size: dx.length }]);
          const inTol = sumTol((c.O / c.groups) * c.k[0] * c.k[1]);
          assertClose(gotDx, dx, inTol.rtol, inTol.atol, `conv2dInputGrad ${JSON.stringify(c)} ${kind} ${algorithm ?? 'auto'}`);

          const x = strided(c.x, kinds[(seed + 2) % 4], seed++);
          const withBias = algorithm === undefined;
          const dw = jsBackend.conv2dWeightGrad(x, grad, w, c.groups, withBias);
          const outs = [{ dtype: 'float32' as const, size: dw.weight.length }, ...(withBias ? [{ dtype: 'float32' as const, size: c.O }] : [])];
          const [gotW, gotB] = await run(conv2dWeightGrad(x, grad, w, c.groups, withBias, { algorithm, splits: 3 }), [x, grad], outs);
          const wTol = sumTol(N * w.output[0] * w.output[1]);
          assertClose(gotW, dw.weight, wTol.rtol, wTol.atol, `conv2dWeightGrad ${JSON.stringify(c)} ${kind} ${algorithm ?? 'auto'}`);
          if (withBias) assertClose(gotB, dw.bias!, wTol.rtol, wTol.atol, `conv2dWeightGrad bias ${JSON.stringify(c)}`);
        }
      }
    });
  });
});
