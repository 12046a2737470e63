// The native backend's kernels (native/*.cc through Node-API) against the js reference: matmul
// on odd and block-crossing shapes, every layout of either operand (transposed, sliced, offset,
// flipped, batch-broadcast), M/N/K = 1 and empty; and bit-identity where the design promises it:
// the same bits on 1 and 2 threads (gemm splits only its outputs; reductions sum fixed chunks in
// order), and on every ISA path this CPU can run (AVX-512, AVX2, portable: each output is one
// fused multiply-add chain in k order).

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { Backend, View } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { nativeBackend, nativeInfo, nativeUnavailableReason, setNativeIsa } from '../../src/backend/native/index.js';
import * as torch from '../../src/index.js';
import { assertClose } from '../helpers.js';

/** Deterministic pseudo-random floats in [-1, 1) (xorshift), so a failure reproduces. */
function randomArray(n: number, seed: number, Type: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array) {
  const out = new Type(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

type Layout = 'rowmajor' | 'transposed' | 'sliced' | 'flipped' | 'broadcast';

/** A [B, R, C] operand viewed in the given layout over a fresh random array. */
function operand(B: number, R: number, C: number, layout: Layout, seed: number, dtype: 'float32' | 'float64' = 'float32'): View {
  const Type = dtype === 'float32' ? Float32Array : Float64Array;
  switch (layout) {
    case 'rowmajor':
      return { data: randomArray(B * R * C + 3, seed, Type), dtype, shape: [B, R, C], strides: [R * C, C, 1], offset: 3 };
    case 'transposed':
      return { data: randomArray(B * R * C, seed, Type), dtype, shape: [B, R, C], strides: [R * C, 1, R], offset: 0 };
    case 'sliced':
      return { data: randomArray(B * R * C * 3, seed, Type), dtype, shape: [B, R, C], strides: [R * C * 3, C * 3, 3], offset: 0 };
    case 'flipped':
      return { data: randomArray(B * R * C, seed, Type), dtype, shape: [B, R, C], strides: [R * C, -C, 1], offset: (R - 1) * C };
    case 'broadcast':
      return { data: randomArray(R * C, seed, Type), dtype, shape: [B, R, C], strides: [0, C, 1], offset: 0 };
  }
}

const ISAS = ['avx512', 'avx2', 'portable'] as const;

/** Run f on every ISA path this CPU has (restoring the best one after). */
function onEveryIsa(f: (isa: string) => void): number {
  const best = nativeInfo()!.detected;
  let ran = 0;
  try {
    for (const isa of ISAS) {
      if (setNativeIsa(isa) !== isa) continue;
      f(isa);
      ran++;
    }
  } finally {
    setNativeIsa(best);
  }
  return ran;
}

/** f's result on 1 thread and on 2. */
function onThreads<T>(f: () => T): [T, T] {
  const before = torch.getNumThreads();
  try {
    torch.setNumThreads(1);
    const one = f();
    torch.setNumThreads(2);
    return [one, f()];
  } finally {
    torch.setNumThreads(before);
  }
}

function assertSameBits(a: ArrayLike<number>, b: ArrayLike<number>, msg: string): void {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${msg}: [${i}] ${a[i]} !== ${b[i]}`);
  }
}

describe('native backend', { skip: nativeBackend === null ? `addon not available: ${nativeUnavailableReason}` : false }, () => {
  const native = nativeBackend as Backend;
  const threadsBefore = torch.getNumThreads();
  after(() => torch.setNumThreads(threadsBefore));

  function checkMatmul(a: View, b: View, msg: string): Float32Array {
    const expected = jsBackend.matmul(a, b, 'float32');
    const actual = native.matmul(a, b, 'float32');
    assert.ok(actual instanceof Float32Array, msg);
    const K = a.shape[2];
    assertClose(actual, expected, 1e-4, 2e-6 * Math.sqrt(K + 1), msg);
    return actual as Float32Array;
  }

  test('is registered, the default backend, and names the ISA it runs', () => {
    assert.ok(torch.listBackends().includes('native'));
    assert.equal(torch.getBackend().name, 'native');
    const info = nativeInfo()!;
    assert.ok(ISAS.includes(info.isa as (typeof ISAS)[number]), info.isa);
    assert.equal(info.threads, torch.getNumThreads());
  });

  test('setNumThreads sets the native pool too', () => {
    onThreads(() => assert.equal(nativeInfo()!.threads, torch.getNumThreads()));
  });

  test('matmul matches the js reference on odd, tile-crossing and degenerate shapes, on every ISA', () => {
    const sizes: [number, number, number, number][] = [
      [1, 1, 1, 1], [1, 1, 7, 1], [1, 1, 300, 40], [1, 40, 300, 1], [1, 3, 5, 2], [2, 5, 3, 9], [3, 7, 13, 17],
      [1, 97, 33, 10], [1, 13, 257, 9], [1, 6, 300, 1030], [1, 7, 20, 1045], [2, 100, 64, 129], [1, 33, 513, 65],
    ];
    const ran = onEveryIsa((isa) => {
      let seed = 1;
      for (const [B, M, K, N] of sizes) {
        checkMatmul(operand(B, M, K, 'rowmajor', seed++), operand(B, K, N, 'rowmajor', seed++), `${isa} [${B},${M},${K}]x[${B},${K},${N}]`);
      }
    });
    assert.ok(ran >= 1);
  });

  test('matmul with an empty dimension: K = 0 gives zeros, M or N = 0 an empty result', () => {
    const zeroK = native.matmul(operand(2, 3, 0, 'rowmajor', 1), operand(2, 0, 4, 'rowmajor', 2), 'float32');
    assertSameBits(zeroK, new Float32Array(24), 'K = 0');
    assert.equal(native.matmul(operand(1, 0, 5, 'rowmajor', 1), operand(1, 5, 4, 'rowmajor', 2), 'float32').length, 0);
    assert.equal(native.matmul(operand(1, 3, 5, 'rowmajor', 1), operand(1, 5, 0, 'rowmajor', 2), 'float32').length, 0);
    assert.equal(native.matmul(operand(0, 3, 5, 'rowmajor', 1), operand(0, 5, 4, 'rowmajor', 2), 'float32').length, 0);
  });

  test('matmul reads every layout of either operand', () => {
    const layouts: Layout[] = ['rowmajor', 'transposed', 'sliced', 'flipped', 'broadcast'];
    let seed = 100;
    for (const la of layouts) {
      for (const lb of layouts) check2(la, lb, seed++);
    }
    function check2(la: Layout, lb: Layout, s: number) {
      checkMatmul(operand(2, 11, 19, la, s), operand(2, 19, 23, lb, s + 1000), `a ${la}, b ${lb}`);
      checkMatmul(operand(3, 40, 300, la, s), operand(3, 300, 70, lb, s + 2000), `a ${la}, b ${lb} (two K blocks)`);
    }
  });

  test('matmul takes float64 and other dtypes through the fallback', () => {
    const a = operand(1, 5, 7, 'rowmajor', 3, 'float64');
    const b = operand(1, 7, 4, 'transposed', 4, 'float64');
    const got = native.matmul(a, b, 'float64');
    assert.ok(got instanceof Float64Array);
    assertClose(got, jsBackend.matmul(a, b, 'float64'), 1e-12, 1e-12, 'float64');
  });

  test('matmul gives the same bits on 1 and 2 threads and on every ISA', () => {
    // Large enough to split (rows and column panels), K crossing the 256 block, tails everywhere.
    const shapes: [number, number, number, number, Layout, Layout][] = [
      [1, 64, 784, 128, 'rowmajor', 'transposed'], [1, 128, 64, 784, 'transposed', 'rowmajor'],
      [1, 301, 517, 259, 'rowmajor', 'rowmajor'], [4, 70, 300, 90, 'rowmajor', 'broadcast'], [32, 20, 64, 48, 'rowmajor', 'rowmajor'],
    ];
    let seed = 7;
    for (const [B, M, K, N, la, lb] of shapes) {
      const a = operand(B, M, K, la, seed++);
      const b = operand(B, K, N, lb, seed++);
      const [one, two] = onThreads(() => native.matmul(a, b, 'float32'));
      assertSameBits(one, two, `threads ${B}x${M}x${K}x${N}`);
      const results: Float32Array[] = [];
      onEveryIsa(() => void results.push(native.matmul(a, b, 'float32') as Float32Array));
      for (const r of results) assertSameBits(r, results[0], `ISA ${B}x${M}x${K}x${N}`);
    }
  });

  test('matmul throws on a view outside its array instead of reading past it', () => {
    const a: View = { data: new Float32Array(10), dtype: 'float32', shape: [1, 4, 4], strides: [16, 4, 1], offset: 0 };
    assert.throws(() => native.matmul(a, operand(1, 4, 4, 'rowmajor', 1), 'float32'), /outside its array/);
  });
});
