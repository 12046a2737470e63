// The wasm backend's kernels against the js reference: matmul on random shapes (odd sizes,
// sizes that cross the kernel's register and cache blocks), every transpose form, sliced,
// offset, flipped and batch-broadcast views, float64 and integer fallbacks; threads 1 and 2
// agree bit for bit (each output element is summed in the same order whatever the split: gemm
// splits only its outputs, the convolution's weight gradient sums fixed chunks of images in order);
// the elementwise kernels equal the reference exactly, NaN, infinities and -0 included.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { View } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { wasmBinaries } from '../../src/backend/wasm/binary.js';
import { getNumThreads, setConvAlgorithm, setNumThreads, wasmBackend, wasmInfo, wasmWorkersReady } from '../../src/backend/wasm/index.js';
import { CTL, JOB_PTR, SCRATCH_BASE } from '../../src/backend/wasm/runtime.js';
import { POOL_MIN } from '../../src/backend/wasm/pool.js';
import {
  JOB_CONV_DIRECT_FORWARD, JOB_CONV_DIRECT_WEIGHT_GRAD, JOB_CONV_FORWARD, JOB_CONV_INPUT_GRAD, JOB_CONV_WEIGHT_GRAD,
} from '../../src/backend/wasm/convolution.js';
import { poolingOutputSize } from '../../src/ops/pool.js';
import * as torch from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { operand, randomArray, type Layout } from './operands.js';


function check(a: View, b: View, msg: string): void {
  const expected = jsBackend.matmul(a, b, a.dtype);
  const actual = wasmBackend.matmul(a, b, a.dtype);
  assert.equal(actual.constructor, expected.constructor, msg);
  const K = a.shape[2];
  // float32 sums of K products of values in [-1, 1): rounding grows like sqrt(K).
  assertClose(actual, expected, 1e-4, 2e-6 * Math.sqrt(K + 1), msg);
}

describe('wasm backend', () => {
  const threadsBefore = getNumThreads();
  after(() => setNumThreads(threadsBefore));

  test('is registered and runs the SIMD build', () => {
    assert.ok(torch.listBackends().includes('wasm'));
    const info = wasmInfo();
    assert.ok(info, 'wasm runtime available');
    assert.match(info.variant, /^(simd|relaxed)(-shared)?$/);
  });

  test('matmul matches the js reference on odd and block-crossing shapes', () => {
    setNumThreads(1);
    const sizes: [number, number, number, number][] = [
      [1, 1, 1, 1], [1, 1, 7, 1], [1, 3, 5, 2], [2, 5, 3, 9], [1, 4, 8, 8], [3, 7, 13, 17],
      [1, 97, 33, 10], [1, 13, 257, 9], [1, 6, 300, 1030], [1, 7, 20, 1045], [2, 100, 64, 129],
    ];
    let seed = 1;
    for (const [B, M, K, N] of sizes) {
      check(operand(B, M, K, 'rowmajor', seed++), operand(B, K, N, 'rowmajor', seed++), `[${B},${M},${K}]x[${B},${K},${N}]`);
    }
  });

  test('matmul reads every layout of either operand', () => {
    setNumThreads(1);
    const layouts: Layout[] = ['rowmajor', 'transposed', 'sliced', 'flipped', 'broadcast'];
    let seed = 100;
    for (const la of layouts) {
      for (const lb of layouts) {
        const [B, M, K, N] = [2, 11, 19, 23];
        check(operand(B, M, K, la, seed++), operand(B, K, N, lb, seed++), `a ${la}, b ${lb}`);
      }
    }
  });

  test("matmul on the MNIST MLP's shapes: x W^T (A read in place, three K blocks, a partial row strip) and the weight gradient", () => {
    setNumThreads(1);
    check(operand(1, 64, 784, 'rowmajor', 700), operand(1, 784, 128, 'transposed', 701), 'x W^T');
    check(operand(1, 128, 64, 'transposed', 702), operand(1, 64, 784, 'rowmajor', 703), 'gy^T x');
    check(operand(1, 64, 128, 'rowmajor', 704), operand(1, 128, 10, 'transposed', 705), 'h W2^T');
  });

  test('matmul agrees on odd sizes in every transpose form', () => {
    // Sizes off every multiple of the micro-tile (3 x 12 now, 4 x 8 before) and cache block.
    setNumThreads(1);
    const odd = [1, 3, 5, 7, 13, 100, 257];
    let seed = 500;
    for (const la of ['rowmajor', 'transposed'] as const) {
      for (const lb of ['rowmajor', 'transposed'] as const) {
        for (const n of odd) check(operand(1, n, n, la, seed++), operand(1, n, n, lb, seed++), `${n}^3 a ${la}, b ${lb}`);
        for (const [M, K, N] of [[5, 257, 13], [100, 7, 3], [13, 100, 257], [257, 3, 100]]) {
          check(operand(1, M, K, la, seed++), operand(1, K, N, lb, seed++), `${M}x${K}x${N} a ${la}, b ${lb}`);
        }
      }
    }
  });

  test('every kernel build (its own micro-tile and packing) agrees with the reference', () => {
    // Node runs one build; the others (plain SIMD128 for engines without relaxed SIMD, with a
    // different micro-tile) are instantiated here directly and given gemm jobs by hand.
    assert.ok(wasmInfo()); // the runtime has enabled relaxed SIMD where Node needs a flag
    const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [13, 257, 5], [100, 13, 257], [7, 300, 1045]];
    let tested = 0;
    for (const [variant, base64] of Object.entries(wasmBinaries)) {
      const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
      if (!WebAssembly.validate(bytes)) continue;
      const shared = variant.endsWith('-shared');
      const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, ...(shared ? { shared: true } : {}) });
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as {
        runJob(job: number, counter: number, scratch: number): void;
        threadScratchBytes(): number;
      };
      let seed = 900;
      for (const [M, K, N] of shapes) {
        for (const la of ['rowmajor', 'transposed'] as const) {
          for (const lb of ['rowmajor', 'transposed'] as const) {
            const a = operand(1, M, K, la, seed++);
            const b = operand(1, K, N, lb, seed++);
            const aAt = SCRATCH_BASE + exports.threadScratchBytes();
            const bAt = aAt + M * K * 4 + 64;
            const cAt = bAt + K * N * 4 + 64;
            const need = cAt + M * N * 4 - memory.buffer.byteLength;
            if (need > 0) memory.grow(Math.ceil(need / 65536));
            const f32 = new Float32Array(memory.buffer);
            const i32 = new Int32Array(memory.buffer);
            f32.set((a.data as Float32Array).subarray(a.offset, a.offset + M * K), aAt / 4);
            f32.set((b.data as Float32Array).subarray(b.offset, b.offset + K * N), bAt / 4);
            const [, sam, sak] = a.strides;
            const [, sbk, sbn] = b.strides;
            i32.set([1, 1, M, N, K, aAt, 0, sam, sak, bAt, 0, sbk, sbn, cAt, 1], JOB_PTR / 4);
            i32[CTL.next] = 0;
            exports.runJob(JOB_PTR, CTL.next * 4, SCRATCH_BASE);
            const got = f32.slice(cAt / 4, cAt / 4 + M * N);
            assertClose(got, jsBackend.matmul(a, b, 'float32'), 1e-4, 2e-6 * Math.sqrt(K + 1), `${variant} ${M}x${K}x${N} ${la} ${lb}`);
          }
        }
      }
      tested++;
    }
    assert.ok(tested >= 2, 'the plain and one relaxed build at least');
  });

  test('every kernel build runs the convolution jobs of both algorithms as the reference computes', () => {
    // The plain-SIMD builds multiply and add separately and tile gemm 4 x 8; Node runs only a
    // relaxed build, so each build gets these jobs by hand. Stride 1 with padding, so the
    // flipped input gradient runs too; groups 2; a bias, so gemm accumulates onto it.
    const [N, C, H, W, O, G] = [2, 4, 9, 11, 6, 2];
    const window = { kernel: [3, 2] as [number, number], stride: [1, 1] as [number, number], padding: [2, 1] as [number, number], dilation: [2, 1] as [number, number], output: [9, 12] as [number, number] };
    const flipped = { ...window, padding: [2, 0] as [number, number], output: [H, W] as [number, number] };
    const dense = (shape: number[], seed: number): View => ({
      data: randomArray(shape.reduce((a, b) => a * b, 1), seed), dtype: 'float32', shape,
      strides: shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1)), offset: 0,
    });
    const x = dense([N, C, H, W], 1);
    const w = dense([O, C / G, ...window.kernel], 2);
    const bias = dense([O], 3);
    const gy = dense([N, O, ...window.output], 4);
    const want = {
      y: jsBackend.conv2d(x, w, bias, window, G),
      gx: jsBackend.conv2dInputGrad(gy, w, [H, W], window, G),
      gw: jsBackend.conv2dWeightGrad(x, gy, window, G, true),
    };
    let tested = 0;
    for (const [variant, base64] of Object.entries(wasmBinaries)) {
      const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
      if (!WebAssembly.validate(bytes)) continue;
      const memory = new WebAssembly.Memory({ initial: 160, maximum: 16384, ...(variant.endsWith('-shared') ? { shared: true } : {}) });
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as {
        runJob(job: number, counter: number, scratch: number): void;
        threadScratchBytes(): number;
      };
      const f32 = new Float32Array(memory.buffer);
      const i32 = new Int32Array(memory.buffer);
      // Operands one after another past the scratch, each at a 64-byte boundary.
      let next = SCRATCH_BASE + exports.threadScratchBytes();
      const place = (values: ArrayLike<number> | number) => {
        const at = next;
        const n = typeof values === 'number' ? values : values.length;
        if (typeof values === 'number') f32.fill(0, at / 4, at / 4 + n);
        else f32.set(values, at / 4);
        next += Math.ceil((n * 4) / 64) * 64;
        return at;
      };
      const [xAt, wAt, bAt, gyAt] = [x, w, bias, gy].map((v) => place(v.data as Float32Array));
      const run = (kind: number, geometry: number[], win: typeof window, addresses: number[]) => {
        i32.set([kind, ...geometry, ...win.kernel, ...win.stride, ...win.padding, ...win.dilation, ...win.output, ...addresses], JOB_PTR / 4);
        i32[CTL.next] = 0;
        exports.runJob(JOB_PTR, CTL.next * 4, SCRATCH_BASE);
      };
      for (const kind of [JOB_CONV_FORWARD, JOB_CONV_DIRECT_FORWARD]) {
        const yAt = place(want.y.length);
        run(kind, [N, C, H, W, O, G], window, [xAt, wAt, bAt, yAt, 0]);
        assertClose(f32.slice(yAt / 4, yAt / 4 + want.y.length), want.y, 1e-4, 1e-4, `${variant} forward, job ${kind}`);
      }
      for (const direct of [false, true]) {
        const gxAt = place(want.gx.length);
        if (direct) run(JOB_CONV_DIRECT_FORWARD, [N, O, ...window.output, C, G], flipped, [gyAt, wAt, 0, gxAt, 1]);
        else run(JOB_CONV_INPUT_GRAD, [N, C, H, W, O, G], window, [gyAt, wAt, gxAt]);
        assertClose(f32.slice(gxAt / 4, gxAt / 4 + want.gx.length), want.gx, 1e-4, 1e-4, `${variant} input grad, ${direct ? 'direct' : 'im2col'}`);
      }
      for (const kind of [JOB_CONV_WEIGHT_GRAD, JOB_CONV_DIRECT_WEIGHT_GRAD]) {
        // One chunk per image, each into its slot (the kernel zeroes it), added up here.
        const slot = want.gw.weight.length + O;
        const partialsAt = place(N * slot);
        f32.fill(NaN, partialsAt / 4, partialsAt / 4 + N * slot);
        run(kind, [N, C, H, W, O, G], window, [xAt, gyAt, partialsAt, N, 1]);
        const sums = f32.slice(partialsAt / 4, partialsAt / 4 + slot);
        for (let i = 0; i < slot; i++) sums[i] += f32[partialsAt / 4 + slot + i];
        assertClose(sums.subarray(0, want.gw.weight.length), want.gw.weight, 1e-4, 1e-4, `${variant} weight grad, job ${kind}`);
        assertClose(sums.subarray(want.gw.weight.length), want.gw.bias!, 1e-4, 1e-4, `${variant} bias grad, job ${kind}`);
      }
      tested++;
    }
    assert.ok(tested >= 2, 'the plain and one relaxed build at least');
  });

  test('empty dims: K = 0 gives zeros, M = 0 an empty result', () => {
    const z = wasmBackend.matmul(operand(1, 3, 0, 'rowmajor', 1), operand(1, 0, 4, 'rowmajor', 2), 'float32');
    assert.deepEqual(Array.from(z), new Array(12).fill(0));
    assert.equal(wasmBackend.matmul(operand(2, 0, 5, 'rowmajor', 1), operand(2, 5, 4, 'rowmajor', 2), 'float32').length, 0);
  });

  test('float64 and integer products fall back to the reference exactly', () => {
    const a = operand(2, 9, 14, 'transposed', 5, 'float64');
    const b = operand(2, 14, 6, 'rowmajor', 6, 'float64');
    assert.deepEqual(Array.from(wasmBackend.matmul(a, b, 'float64')), Array.from(jsBackend.matmul(a, b, 'float64')));
    const ia: View = { data: new Int32Array([1, 2, 3, 4, 5, 6]), dtype: 'int32', shape: [1, 2, 3], strides: [6, 3, 1], offset: 0 };
    const ib: View = { data: new Int32Array([1, 0, 2, 1, 0, 3]), dtype: 'int32', shape: [1, 3, 2], strides: [6, 2, 1], offset: 0 };
    assert.deepEqual(Array.from(wasmBackend.matmul(ia, ib, 'int32')), [5, 11, 14, 23]);
  });

  test('1 and 2 threads agree bit for bit, with the worker taking part', async () => {
    const info = wasmInfo();
    // Node always has SharedArrayBuffer, so the shared-memory build must be the one running here.
    assert.ok(info, 'the wasm backend is loaded');
    assert.equal(info.shared, true, `shared memory in Node (variant ${info.variant})`);
    const a = operand(1, 256, 200, 'rowmajor', 7);
    const b = operand(1, 200, 96, 'transposed', 8);
    const batched = [operand(4, 40, 130, 'rowmajor', 9), operand(4, 130, 72, 'rowmajor', 10)] as const;
    setNumThreads(1);
    const one = wasmBackend.matmul(a, b, 'float32');
    const oneBatched = wasmBackend.matmul(batched[0], batched[1], 'float32');
    setNumThreads(2);
    // The first large product starts the worker (the main thread runs it alone meanwhile).
    assert.deepEqual(wasmBackend.matmul(a, b, 'float32'), one);
    await wasmWorkersReady();
    assert.ok(wasmInfo()!.readyWorkers >= 1, `ready workers: ${wasmInfo()!.readyWorkers}`);
    // A ready worker joins a job only if the OS runs it before the main thread has claimed
    // every chunk, so repeat (a bounded number of times) until one has.
    const joinedBefore = wasmInfo()!.workerJoins;
    for (let run = 0; wasmInfo()!.workerJoins === joinedBefore; run++) {
      assert.ok(run < 2000, `no worker joined any of ${run} jobs`);
      assert.deepEqual(wasmBackend.matmul(a, b, 'float32'), one);
      assert.deepEqual(wasmBackend.matmul(batched[0], batched[1], 'float32'), oneBatched);
    }
    for (let i = 0; i < 5; i++) assert.deepEqual(wasmBackend.matmul(a, b, 'float32'), one);

    // More workers than the current count: the extra one must stay out (its scratch area
    // would overlap the operands laid out for fewer threads).
    setNumThreads(3);
    assert.deepEqual(wasmBackend.matmul(a, b, 'float32'), one);
    await wasmWorkersReady();
    assert.ok(wasmInfo()!.readyWorkers >= 2, `ready workers: ${wasmInfo()!.readyWorkers}`);
    setNumThreads(2);
    for (let i = 0; i < 20; i++) assert.deepEqual(wasmBackend.matmul(batched[0], batched[1], 'float32'), oneBatched);
  });

  test('gradients are the same bits on 1 thread and on 2, whichever thread ran which part', async () => {
    assert.ok(wasmInfo()?.shared, 'Node has shared memory, so the kernels run on worker threads');
    const dense = (shape: number[], seed: number): View => ({
      data: randomArray(shape.reduce((a, b) => a * b, 1), seed), dtype: 'float32', shape,
      strides: shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1)), offset: 0,
    });
    const square = (kernel: number, padding: number, size: number) => {
      const out = size + 2 * padding - kernel + 1;
      return { kernel: [kernel, kernel], stride: [1, 1], padding: [padding, padding], dilation: [1, 1], output: [out, out] } as const;
    };
    // LeNet's two layers at batch 32 (3.8M and 7.7M multiply-adds, past PARALLEL_MIN_MACS, so
    // the weight gradient's sum over images is split across threads), and the products of the
    // gradients of its first Linear layer (x W^T with x [32, 400], W [120, 400]): W's is gy^T x,
    // x's is gy W (past PARALLEL_MIN_FLOPS, split by rows or columns of the result).
    const conv1 = { x: dense([32, 1, 28, 28], 1), gy: dense([32, 6, 28, 28], 2), window: square(5, 2, 28) };
    const conv2 = { x: dense([32, 6, 14, 14], 3), gy: dense([32, 16, 10, 10], 4), window: square(5, 0, 14) };
    const gyT = operand(1, 120, 32, 'transposed', 5);
    const [x, w] = [operand(1, 32, 400, 'rowmajor', 6), operand(1, 120, 400, 'rowmajor', 7)];
    const gy = operand(1, 32, 120, 'rowmajor', 8);
    const gradients = (): Float32Array[] => {
      const out: Float32Array[] = [];
      for (const algorithm of ['im2col', 'direct'] as const) {
        setConvAlgorithm(algorithm);
        for (const c of [conv1, conv2]) {
          const g = wasmBackend.conv2dWeightGrad(c.x, c.gy, c.window, 1, true);
          out.push(g.weight as Float32Array, g.bias as Float32Array);
        }
      }
      setConvAlgorithm('auto');
      out.push(wasmBackend.matmul(gyT, x, 'float32') as Float32Array, wasmBackend.matmul(gy, w, 'float32') as Float32Array);
      return out;
    };
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const threadsBefore = getNumThreads();
    try {
      setNumThreads(1);
      const one = gradients();
      setNumThreads(2);
      // Workers start on the first job big enough to split and join once the OS runs them:
      // repeat until a worker has taken part in five repetitions (timing decides which images
      // and rows it takes, so each of these splits the work differently).
      let joined = 0;
      for (let run = 0; joined < 5; run++) {
        assert.ok(run < 2000, `a worker joined only ${joined} of ${run} repetitions`);
        const before = wasmInfo()!.workerJoins;
        const two = gradients();
        if (wasmInfo()!.workerJoins > before) joined++;
        for (const [i, g] of two.entries()) {
          const diff = g.reduce((m, v, j) => Math.max(m, Math.abs(v - one[i][j])), 0);
          assert.ok(bytes(g).equals(bytes(one[i])), `gradient ${i}, repetition ${run}: differs from 1 thread's by up to ${diff}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      setNumThreads(threadsBefore);
      setConvAlgorithm('auto');
    }
  });

  test('large float32 add/sub/mul/div and relu equal the reference bit for bit', () => {
    const n = 3 * 1031; // above the size where the wasm path starts, not a multiple of 4
    const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3.5];
    const data = randomArray(n, 21);
    special.forEach((v, i) => (data[i * 97] = v));
    const x: View = { data, dtype: 'float32', shape: [3, 1031], strides: [1031, 1], offset: 0 };
    const operands: [string, View][] = [
      ['same shape', { data: randomArray(n + 1, 22), dtype: 'float32', shape: [3, 1031], strides: [1031, 1], offset: 1 }],
      ['scalar', { data: new Float32Array([0.3]), dtype: 'float32', shape: [3, 1031], strides: [0, 0], offset: 0 }],
      ['row', { data: randomArray(1031, 23), dtype: 'float32', shape: [3, 1031], strides: [0, 1], offset: 0 }],
      ['zero scalar', { data: new Float32Array([0]), dtype: 'float32', shape: [3, 1031], strides: [0, 0], offset: 0 }],
    ];
    const same = (p: ArrayLike<number>, q: ArrayLike<number>) => Array.from(p).every((v, i) => Object.is(v, q[i]));
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      for (const [name, y] of operands) {
        for (const [lhs, rhs] of [[x, y], [y, x]]) {
          const got = wasmBackend.binary(op, lhs, rhs, [3, 1031], 'float32');
          const want = jsBackend.binary(op, lhs, rhs, [3, 1031], 'float32');
          assert.ok(same(got, want), `${op} ${name} (${lhs === x ? 'x op y' : 'y op x'})`);
        }
      }
    }
    assert.ok(same(wasmBackend.unary('relu', x, 'float32'), jsBackend.unary('relu', x, 'float32')), 'relu');
  });

  test('im2col and col2im equal the reference bit for bit (padding, stride, dilation, strided input)', () => {
    const cases: { shape: [number, number, number, number]; kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number] }[] = [
      { shape: [8, 1, 28, 28], kernel: [5, 5], stride: [1, 1], padding: [2, 2], dilation: [1, 1] },
      { shape: [8, 6, 14, 14], kernel: [5, 5], stride: [1, 1], padding: [0, 0], dilation: [1, 1] },
      { shape: [3, 4, 17, 13], kernel: [3, 2], stride: [2, 3], padding: [1, 2], dilation: [2, 1] },
      { shape: [2, 5, 9, 30], kernel: [4, 3], stride: [1, 2], padding: [3, 0], dilation: [1, 3] },
    ];
    for (const [i, c] of cases.entries()) {
      const [N, C, H, W] = c.shape;
      const outSize = (size: number, d: number) => Math.floor((size + 2 * c.padding[d] - c.dilation[d] * (c.kernel[d] - 1) - 1) / c.stride[d]) + 1;
      // Also a transposed (H <-> W) view, so the staging path gathers it first.
      const data = randomArray(N * C * H * W, 50 + i);
      const x: View = { data, dtype: 'float32', shape: [N, C, H, W], strides: [C * H * W, H * W, W, 1], offset: 0 };
      const xt: View = { data, dtype: 'float32', shape: [N, C, W, H], strides: [C * H * W, H * W, 1, W], offset: 0 };
      for (const v of [x, xt]) {
        const output: [number, number] = [outSize(v.shape[2], 0), outSize(v.shape[3], 1)];
        if (output[0] < 1 || output[1] < 1) continue;
        const wv = { kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, output };
        const cols = wasmBackend.im2col(v, wv);
        assert.deepEqual(cols, jsBackend.im2col(v, wv), `im2col case ${i}`);
        const L = wv.output[0] * wv.output[1];
        const colsView: View = { data: cols, dtype: 'float32', shape: [N, C * c.kernel[0] * c.kernel[1], L], strides: [C * c.kernel[0] * c.kernel[1] * L, L, 1], offset: 0 };
        const size: [number, number] = [v.shape[2], v.shape[3]];
        assert.deepEqual(wasmBackend.col2im(colsView, size, wv), jsBackend.col2im(colsView, size, wv), `col2im case ${i}`);
      }
    }
  });

  test('fused convolution and its two gradients agree with the reference (groups, tiles, threads, both algorithms)', () => {
    type Case = { x: [number, number, number, number]; O: number; groups: number; kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number] };
    const cases: Case[] = [
      { x: [5, 1, 28, 28], O: 6, groups: 1, kernel: [5, 5], stride: [1, 1], padding: [2, 2], dilation: [1, 1] }, // LeNet
      { x: [4, 6, 14, 14], O: 16, groups: 1, kernel: [5, 5], stride: [1, 1], padding: [0, 0], dilation: [1, 1] },
      { x: [3, 4, 17, 13], O: 6, groups: 2, kernel: [3, 2], stride: [2, 3], padding: [1, 2], dilation: [2, 1] },
      { x: [2, 6, 9, 30], O: 3, groups: 3, kernel: [4, 3], stride: [1, 2], padding: [3, 0], dilation: [1, 3] },
      // Stride 1 with at least half the window's reach as padding: the input gradient is a direct convolution of gy.
      { x: [2, 4, 9, 11], O: 6, groups: 2, kernel: [3, 2], stride: [1, 1], padding: [2, 1], dilation: [2, 1] },
      { x: [3, 2, 7, 7], O: 10, groups: 1, kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
      // Padding wider than the window: whole windows (the output's border) read only padding.
      { x: [2, 3, 5, 6], O: 8, groups: 1, kernel: [1, 2], stride: [1, 2], padding: [1, 2], dilation: [1, 1] },
      // K * outW = 576 * 64: the column tile holds 7 of the 64 output rows, so 10 tiles per image.
      { x: [3, 64, 64, 64], O: 5, groups: 1, kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
    ];
    const threadsBefore = getNumThreads();
    try {
      for (const [i, c] of cases.entries()) {
        const [N, C, H, W] = c.x;
        const [kH, kW] = c.kernel;
        const outSize = (size: number, d: number) => Math.floor((size + 2 * c.padding[d] - c.dilation[d] * (c.kernel[d] - 1) - 1) / c.stride[d]) + 1;
        const output: [number, number] = [outSize(H, 0), outSize(W, 1)];
        const window = { kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, output };
        const dense = (shape: number[], seed: number): View => {
          const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
          return { data: randomArray(shape.reduce((a, b) => a * b, 1), seed), dtype: 'float32', shape, strides, offset: 0 };
        };
        // x as a transposed (W <-> H) view of its data, so staging gathers it first.
        const xd = dense([N, C, W, H], 90 + i);
        const x: View = { ...xd, shape: [N, C, H, W], strides: [C * H * W, H * W, 1, H] };
        const w = dense([c.O, C / c.groups, kH, kW], 100 + i);
        const bias = dense([c.O], 110 + i);
        const gy = dense([N, c.O, ...output], 120 + i);
        const want = {
          y: jsBackend.conv2d(x, w, bias, window, c.groups),
          gx: jsBackend.conv2dInputGrad(gy, w, [H, W], window, c.groups),
          gw: jsBackend.conv2dWeightGrad(x, gy, window, c.groups, true),
        };
        for (const [threads, algorithm] of [[1, 'im2col'], [2, 'im2col'], [1, 'direct'], [2, 'direct']] as const) {
          setNumThreads(threads);
          setConvAlgorithm(algorithm);
          const label = `case ${i}, ${algorithm}, ${threads} thread(s)`;
          assertClose(wasmBackend.conv2d(x, w, bias, window, c.groups), want.y, 1e-4, 1e-3, `forward ${label}`);
          assertClose(wasmBackend.conv2d(x, w, null, window, c.groups), jsBackend.conv2d(x, w, null, window, c.groups), 1e-4, 1e-3, `forward without bias ${label}`);
          assertClose(wasmBackend.conv2dInputGrad(gy, w, [H, W], window, c.groups), want.gx, 1e-4, 1e-3, `input grad ${label}`);
          const gw = wasmBackend.conv2dWeightGrad(x, gy, window, c.groups, true);
          assertClose(gw.weight, want.gw.weight, 1e-4, 1e-3, `weight grad ${label}`);
          assertClose(gw.bias!, want.gw.bias!, 1e-4, 1e-3, `bias grad ${label}`);
          assert.equal(wasmBackend.conv2dWeightGrad(x, gy, window, c.groups, false).bias, null);
        }
      }
    } finally {
      setNumThreads(threadsBefore);
      setConvAlgorithm('auto');
    }
  });

  test('max pooling, its backward and threshold_backward equal the reference bit for bit (random geometries)', () => {
    // xorshift stream for geometries and values: ReLU-like data (many zeros, ties), NaN, -Infinity.
    let s = 12345;
    const next = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 2 ** 32;
    };
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const same = (p: ArrayLike<number>, q: ArrayLike<number>) => p.length === q.length && Array.from(p).every((v, i) => Object.is(v, q[i]));
    let checked = 0;
    for (let t = 0; checked < 60; t++) {
      const pairs = t % 3 === 0; // MaxPool2d(2), the kernel's fast path
      const kernel: [number, number] = pairs ? [2, 2] : [int(1, 4), int(1, 4)];
      const stride: [number, number] = pairs ? [2, 2] : [int(1, 3), int(1, 3)];
      const dilation: [number, number] = pairs ? [1, 1] : [int(1, 2), int(1, 2)];
      const padding: [number, number] = pairs ? [0, 0] : [int(0, kernel[0] >> 1), int(0, kernel[1] >> 1)];
      const ceilMode = next() < 0.5;
      const [H, W] = [int(3, 31), int(3, 31)];
      const output: [number, number] = [
        poolingOutputSize(H, kernel[0], padding[0], stride[0], dilation[0], ceilMode),
        poolingOutputSize(W, kernel[1], padding[1], stride[1], dilation[1], ceilMode),
      ];
      if (output[0] < 1 || output[1] < 1) continue;
      // Enough planes for the wasm path (POOL_MIN / 4 windows at least).
      const planes = Math.ceil(POOL_MIN / 4 / (output[0] * output[1])) + int(0, 3);
      const N = int(1, 3);
      const channels = Math.ceil(planes / N);
      const n = N * channels * H * W;
      const data = new Float32Array(n + 7);
      for (let i = 0; i < data.length; i++) {
        const r = next();
        data[i] = r < 0.03 ? NaN : r < 0.06 ? -Infinity : r < 0.4 ? 0 : Math.round((next() * 2 - 1) * 8) / 4;
      }
      // Contiguous at an offset, or a transposed (W-major) view, which the kernel gets as a copy.
      const transposed = t % 4 === 1;
      const x: View = transposed
        ? { data, dtype: 'float32', shape: [N, channels, H, W], strides: [channels * H * W, H * W, 1, H], offset: 0 }
        : { data, dtype: 'float32', shape: [N, channels, H, W], strides: [channels * H * W, H * W, W, 1], offset: 7 };
      const w = { kernel, stride, padding, dilation, output };
      const got = wasmBackend.maxPool2d(x, w);
      const want = jsBackend.maxPool2d(x, w);
      const what = `${JSON.stringify(w)} on [${N}, ${channels}, ${H}, ${W}]${transposed ? ' transposed' : ''}`;
      assert.ok(same(got.values, want.values), `values ${what}`);
      assert.ok(same(got.indices, want.indices), `indices ${what}`);
      const L = output[0] * output[1];
      const shape = [N, channels, ...output];
      const strides = [channels * L, L, output[1], 1];
      const grad: View = { data: randomArray(N * channels * L, 90 + t), dtype: 'float32', shape, strides, offset: 0 };
      const indices: View = { data: want.indices, dtype: 'int64', shape, strides, offset: 0 };
      assert.ok(N * channels * L >= POOL_MIN / 4);
      const size: [number, number] = [H, W];
      assert.ok(same(wasmBackend.maxPool2dBackward(grad, indices, size), jsBackend.maxPool2dBackward(grad, indices, size)), `backward ${what}`);
      checked++;
    }
    for (const n of [POOL_MIN, 3 * 1031, 100_003]) {
      const self = randomArray(n, 100 + n) as Float32Array;
      const grad = randomArray(n, 110 + n) as Float32Array;
      [NaN, 0, -0, Infinity, -Infinity, 1e-40, -1e-40].forEach((v, i) => {
        self[i * 13] = v;
        grad[i * 17 + 1] = v;
      });
      const view = (data: Float32Array): View => ({ data, dtype: 'float32', shape: [n], strides: [1], offset: 0 });
      // The same values through reversed (stride -1) views: the reference's plain strided loop.
      const flipped = (data: Float32Array): View => ({ data: data.slice().reverse(), dtype: 'float32', shape: [n], strides: [-1], offset: n - 1 });
      const want = jsBackend.thresholdBackward(flipped(grad), flipped(self), 0);
      assert.ok(same(jsBackend.thresholdBackward(view(grad), view(self), 0), want), `threshold_backward js n = ${n}`);
      assert.ok(same(wasmBackend.thresholdBackward(view(grad), view(self), 0), want), `threshold_backward n = ${n}`);
    }
  });

  test('axpy (the fused optimizer update) equals the reference bit for bit', () => {
    for (const n of [2048, 5003, 100_000]) {
      const out = randomArray(n, 70 + n) as Float32Array;
      const same = Float32Array.from(out);
      const x = randomArray(n, 80 + n) as Float32Array;
      const view = (data: Float32Array): View => ({ data, dtype: 'float32', shape: [n], strides: [1], offset: 0 });
      wasmBackend.axpy(view(out), view(x), -0.1);
      jsBackend.axpy(view(same), view(x), -0.1);
      assert.deepEqual(out, same, `n = ${n}`);
    }
  });

  test('setNumThreads takes a positive integer', () => {
    assert.throws(() => setNumThreads(0), /positive integer/);
    assert.throws(() => setNumThreads(1.5), /positive integer/);
    setNumThreads(3);
    assert.equal(getNumThreads(), 3);
    assert.equal(torch.getNumThreads(), 3);
    torch.setNumThreads(2);
    assert.equal(getNumThreads(), 2, 'torch.setNumThreads sets the wasm threads (and the native pool)');
  });

  test('tensors on the wasm backend train like the js ones', () => {
    const run = (backend: string) => {
      const prev = torch.setBackend(backend);
      try {
        torch.manualSeed(0);
        const lin = new torch.nn.Linear(20, 7);
        const x = torch.randn([33, 20]);
        const loss = lin.call(x).relu().sum();
        loss.backward();
        return [loss.item(), ...lin.weight.grad!.toTypedArray()];
      } finally {
        torch.setBackend(prev);
      }
    };
    assertClose(run('wasm'), run('js'), 1e-5, 1e-5, 'loss and weight gradient');
  });
});
