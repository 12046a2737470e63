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

import type { View } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import type { GpuPlan } from '../../src/backend/webgpu/kernels/builder.js';
import { matmul } from '../../src/backend/webgpu/kernels/matmul.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import { assertClose } from '../helpers.js';
import { GpuHarness } from './webgpu-harness.js';

/** Deterministic pseudo-random floats in [-1, 1) (xorshift), so a failure reproduces. */
function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

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
  after(() => gpu?.destroy());

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
    });

    test('reduce and splitK paths agree with the reference', async () => {
      await check(operand(2, 3, 300, 'aligned', 7), operand(2, 300, 4, 'aligned', 8), 'reduce aligned', 'reduce');
      await check(operand(1, 5, 257, 'transposed', 9), operand(1, 257, 3, 'flipped', 10), 'reduce strided', 'reduce');
      await check(operand(1, 20, 1100, 'rowmajor', 11), operand(1, 1100, 12, 'aligned', 12), 'splitK', 'splitK');
      await check(operand(2, 7, 100, 'sliced', 13), operand(2, 100, 9, 'transposed', 14), 'splitK short K', 'splitK');
    });

    test('empty K gives zeros, empty M gives an empty plan', async () => {
      await check(operand(1, 3, 0, 'rowmajor', 1), operand(1, 0, 5, 'rowmajor', 2), 'K = 0');
      assert.equal(matmul(operand(1, 0, 3, 'rowmajor', 1), operand(1, 3, 4, 'rowmajor', 2), 'float32').passes.length, 0);
    });

    test('integers multiply exactly; NaN and infinity propagate', async () => {
      const a: View = { data: new Int32Array([1, -2, 3, 4, 5, -6]), dtype: 'int32', shape: [1, 2, 3], strides: [6, 3, 1], offset: 0 };
      const b: View = { data: new Int32Array([7, 8, 9, 10, 11, 12]), dtype: 'int32', shape: [1, 3, 2], strides: [6, 2, 1], offset: 0 };
      const [ints] = await run(matmul(a, b, 'int32'), [a, b], [{ dtype: 'int32', size: 4 }]);
      assert.deepEqual(Array.from(ints), Array.from(jsBackend.matmul(a, b, 'int32')));
      const x = operand(1, 3, 4, 'aligned', 3);
      (x.data as Float32Array)[4] = NaN;
      (x.data as Float32Array)[4 + 5] = Infinity;
      const y = operand(1, 4, 2, 'rowmajor', 4);
      await check(x, y, 'NaN row');
    });
  });
});
