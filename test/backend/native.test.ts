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
import { nativeBackend, nativeInfo, nativeUnavailableReason, setNativeConvAlgorithm, setNativeIsa } from '../../src/backend/native/index.js';
import * as torch from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { operand, randomArray, type Layout } from './operands.js';


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
    // Large enough to split (rows and column panels), K crossing the 512 block (twice, and with a
    // tail past the last 8 columns the register transpose packs), tails everywhere.
    const shapes: [number, number, number, number, Layout, Layout][] = [
      [1, 24, 1037, 40, 'rowmajor', 'rowmajor'],
      // An MLP's products: x W^T run as C^T = W x^T (batch 64 against fewer rows, and against
      // fewer than a tile's width); gy^T x with A packed whole first.
      [1, 64, 784, 128, 'rowmajor', 'transposed'], [1, 64, 128, 10, 'rowmajor', 'transposed'], [3, 33, 70, 40, 'rowmajor', 'transposed'],
      [1, 128, 64, 784, 'transposed', 'rowmajor'], [1, 10, 64, 300, 'transposed', 'rowmajor'],
      [1, 301, 517, 259, 'rowmajor', 'rowmajor'], [4, 70, 300, 90, 'rowmajor', 'broadcast'], [32, 20, 64, 48, 'rowmajor', 'rowmajor'],
    ];
    let seed = 7;
    for (const [B, M, K, N, la, lb] of shapes) {
      const a = operand(B, M, K, la, seed++);
      const b = operand(B, K, N, lb, seed++);
      const [one, two] = onThreads(() => checkMatmul(a, b, `${B}x${M}x${K}x${N}`));
      assertSameBits(one, two, `threads ${B}x${M}x${K}x${N}`);
      const results: Float32Array[] = [];
      onEveryIsa(() => void results.push(native.matmul(a, b, 'float32') as Float32Array));
      for (const r of results) assertSameBits(r, results[0], `ISA ${B}x${M}x${K}x${N}`);
    }
  });

  test('matmul reading A in place (narrow N) gives the bits of the packed path', () => {
    // The AVX-512 kernel reads whole row panels of a row-major A in place when N <= 256 and packs
    // them otherwise: the first 200 columns of a product with N = 300 (packed) must equal the
    // product with those 200 columns alone (in place), across two K blocks and a row tail.
    const [M, K, N, n] = [37, 600, 300, 200];
    const a = operand(1, M, K, 'rowmajor', 41);
    const b = operand(1, K, N, 'rowmajor', 42);
    const narrow: View = { ...b, shape: [1, K, n] };
    onEveryIsa((isa) => {
      const packed = native.matmul(a, b, 'float32') as Float32Array;
      const inPlace = checkMatmul(a, narrow, `${isa} in place`);
      for (let i = 0; i < M; i++) assertSameBits(inPlace.subarray(i * n, (i + 1) * n), packed.subarray(i * N, i * N + n), `${isa} row ${i}`);
    });
  });

  test('rows against a large transposed B (C^T = B^T A^T) give the bits of the direct product', () => {
    // x W^T with W [601, 1800] row-major: on AVX-512 the kernel reads W in place for C^T. 13 rows:
    // one column panel, K whole (past the 512 block), a one-row tail packed at that K; 77 rows:
    // three column panels (the last 13 wide), K in 512 blocks. The other ISAs multiply directly:
    // the bits must agree, on 1 and 2 threads, and match the reference.
    for (const M of [13, 77]) {
      const [K, N] = [1800, 601];
      const a = operand(1, M, K, 'rowmajor', 51);
      const b = operand(1, K, N, 'transposed', 52);
      const results: Float32Array[] = [];
      onEveryIsa((isa) => {
        const [one, two] = onThreads(() => checkMatmul(a, b, `${isa} x W^T, ${M} rows`));
        assertSameBits(one, two, `${isa} threads, ${M} rows`);
        results.push(one);
      });
      for (const r of results) assertSameBits(r, results[0], `ISA, ${M} rows`);
    }
  });

  test('matmulBias gives the bits of matmul followed by add, on every ISA and on 1 and 2 threads', () => {
    // A Linear layer's forward: x W^T (run as C^T = W x^T for a small batch on AVX-512, directly
    // otherwise, the bias added in the transposing copy or after), a batch past 64 rows, a
    // product large enough to split, and a bias read from an offset in a longer array.
    const shapes: [number, number, number, number, Layout, Layout][] = [
      [1, 64, 784, 128, 'rowmajor', 'transposed'], [1, 64, 128, 10, 'rowmajor', 'transposed'], [1, 100, 70, 33, 'rowmajor', 'transposed'],
      [1, 300, 400, 260, 'rowmajor', 'transposed'], [2, 9, 20, 17, 'rowmajor', 'rowmajor'],
    ];
    let seed = 300;
    for (const [B, M, K, N, la, lb] of shapes) {
      const a = operand(B, M, K, la, seed++);
      const b = operand(B, K, N, lb, seed++);
      const bias: View = { data: randomArray(N + 5, seed++) as Float32Array, dtype: 'float32', shape: [N], strides: [1], offset: 5 };
      const product: View = { data: jsBackend.matmul(a, b, 'float32'), dtype: 'float32', shape: [B, M, N], strides: [M * N, N, 1], offset: 0 };
      const rowOfBias: View = { ...bias, shape: [B, M, N], strides: [0, 0, 1] };
      const expected = jsBackend.binary('add', product, rowOfBias, [B, M, N], 'float32') as Float32Array;
      const results: Float32Array[] = [];
      onEveryIsa((isa) => {
        const [one, two] = onThreads(() => native.matmulBias!(a, b, bias) as Float32Array);
        assertSameBits(one, two, `${isa} threads ${B}x${M}x${K}x${N}`);
        assertClose(one, expected, 1e-4, 2e-6 * Math.sqrt(K + 1), `${isa} ${B}x${M}x${K}x${N}`);
        const separate = native.binary('add', { ...product, data: native.matmul(a, b, 'float32') }, rowOfBias, [B, M, N], 'float32') as Float32Array;
        assertSameBits(one, separate, `${isa} fused against separate ${B}x${M}x${K}x${N}`);
        results.push(one);
      });
      for (const r of results) assertSameBits(r, results[0], `ISA ${B}x${M}x${K}x${N}`);
    }
  });

  test('matmul throws on a view outside its array instead of reading past it', () => {
    const a: View = { data: new Float32Array(10), dtype: 'float32', shape: [1, 4, 4], strides: [16, 4, 1], offset: 0 };
    assert.throws(() => native.matmul(a, operand(1, 4, 4, 'rowmajor', 1), 'float32'), /outside its array/);
  });

  // ---- convolution, pooling, elementwise

  const dense = (shape: number[], seed: number): View & { data: Float32Array } => ({
    data: randomArray(shape.reduce((a, b) => a * b, 1), seed) as Float32Array, dtype: 'float32', shape,
    strides: shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1)), offset: 0,
  });
  const window2d = (kernel: [number, number], stride: [number, number], padding: [number, number], dilation: [number, number], H: number, W: number) => ({
    kernel, stride, padding, dilation,
    output: [0, 1].map((d) => Math.floor(([H, W][d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1) / stride[d]) + 1) as [number, number],
  });

  // [N, C, H, W, O, groups, kernel, stride, padding, dilation]
  const convCases: [number, number, number, number, number, number, [number, number], [number, number], [number, number], [number, number]][] = [
    [3, 1, 28, 28, 6, 1, [5, 5], [1, 1], [2, 2], [1, 1]], // LeNet conv1
    [3, 6, 14, 14, 16, 1, [5, 5], [1, 1], [0, 0], [1, 1]], // LeNet conv2
    [2, 4, 9, 11, 6, 2, [3, 2], [1, 1], [2, 1], [2, 1]], // groups, dilation, asymmetric
    [2, 3, 13, 10, 5, 1, [3, 3], [2, 3], [1, 0], [1, 1]], // strides
    [1, 2, 5, 5, 40, 1, [1, 1], [1, 1], [0, 0], [1, 1]], // 1x1, many channels (row tiles with a tail)
    [17, 2, 6, 7, 3, 1, [2, 2], [1, 1], [1, 1], [1, 1]], // more images than the 16 weight-gradient chunks
    [1, 16, 20, 20, 40, 1, [3, 3], [1, 1], [1, 1], [1, 1]], // one image: the forward splits its output channels over tasks
    [2, 8, 12, 12, 30, 2, [3, 3], [1, 1], [2, 2], [2, 2]], // few images, groups and dilation: the same split
    [1, 3, 6, 70, 20, 1, [3, 3], [1, 1], [1, 1], [1, 1]], // rows wider than two column panels: packed as runs of a row
    // Channels in the lanes (AVX-512, 32 or more output channels): rows of 3 tiles (31 = 11 + 10 + 10), a block of 8 past 32
    // channels forward (40) and of 1 in the input gradient (33), enough images for image tasks; then groups and dilation.
    [9, 33, 5, 31, 40, 1, [3, 3], [1, 1], [1, 1], [1, 1]],
    [8, 64, 6, 6, 64, 2, [3, 3], [1, 1], [2, 2], [2, 2]],
    // Weight gradients as one chain per output (outputs of 16 or more 8 x 32 tiles; AVX-512 with the channels in the
    // lanes): too large for the direct kernel's partials, 70 channels (a last panel of 6), 576 taps (tiles of 12 and
    // a tail), 49 positions; AlexNet's first layer in small (11x11 stride 4, 1 channel, 100 positions); groups
    // with stride and dilation.
    [3, 64, 7, 7, 70, 1, [3, 3], [1, 1], [1, 1], [1, 1]],
    [2, 1, 45, 45, 40, 1, [11, 11], [4, 4], [1, 1], [1, 1]],
    [2, 8, 13, 11, 128, 2, [3, 3], [2, 1], [1, 2], [2, 1]],
    // 6 output channels: the direct weight gradient's partials at the edge of its size limit, where each ISA's
    // channel padding (8 or 6) must not send them down different paths.
    [2, 96, 8, 8, 6, 1, [5, 5], [1, 1], [2, 2], [1, 1]],
    // Winograd F(2x2, 3x3) (3x3, stride 1): odd sizes (a last tile cut to one row or column) at padding 0, 1, 2 and
    // 3 (the input gradient's padding 2 - p then crops); tile rows wider than 16 tiles (runs of 16 and a tail);
    // more tiles than a block of 64 with a part block last and runs that cross a kernel panel; channels not a
    // multiple of 16, more output channels than a pass of 64, an output channel tail in the last panel; more
    // input channels than one 512-deep kernel call; one 1x1 output. The weight gradient's sums: chunks of 128
    // tiles with a part chunk last (600 and 189 tiles), channels past a 16-lane group and a kernel panel (19,
    // 33, 40, 70).
    [1, 3, 5, 5, 4, 1, [3, 3], [1, 1], [0, 0], [1, 1]],
    [2, 17, 9, 11, 19, 1, [3, 3], [1, 1], [1, 1], [1, 1]],
    [1, 5, 4, 7, 3, 1, [3, 3], [1, 1], [2, 2], [1, 1]],
    [2, 3, 6, 5, 5, 1, [3, 3], [1, 1], [3, 3], [1, 1]],
    [1, 2, 5, 37, 3, 1, [3, 3], [1, 1], [1, 0], [1, 1]],
    [3, 20, 13, 7, 70, 1, [3, 3], [1, 1], [1, 1], [1, 1]],
    [1, 520, 3, 3, 9, 1, [3, 3], [1, 1], [0, 0], [1, 1]],
    [5, 8, 16, 30, 12, 1, [3, 3], [1, 1], [1, 1], [1, 1]], // 600 tiles: enough blocks that none is split by channels
    [3, 33, 14, 18, 40, 1, [3, 3], [1, 1], [1, 1], [1, 1]],
    // Winograd for 5x5 (stride 1): the kernel split into four 3x3 blocks over 4 Cin virtual channels, each read
    // shifted by 0 or 3 rows and columns. Padding 0 to 4 (the input gradient's 4 - p crops at 0 to 3, pads at
    // 4), odd sizes, a part block last, channels not a multiple of a kernel panel (so the weight gradient's
    // parts pad differently per ISA), more output channels than a pass of 64, 4 x 130 virtual channels past one
    // 512-deep kernel call, weight-gradient chunks of 128 tiles with a part chunk last (600 and 189 tiles).
    [1, 3, 7, 9, 4, 1, [5, 5], [1, 1], [0, 0], [1, 1]],
    [2, 17, 9, 11, 19, 1, [5, 5], [1, 1], [1, 1], [1, 1]],
    [1, 5, 6, 7, 3, 1, [5, 5], [1, 1], [3, 3], [1, 1]],
    [2, 3, 6, 5, 5, 1, [5, 5], [1, 1], [4, 4], [1, 1]],
    [1, 2, 5, 37, 3, 1, [5, 5], [1, 1], [2, 1], [1, 1]],
    [3, 20, 13, 7, 70, 1, [5, 5], [1, 1], [2, 2], [1, 1]],
    [1, 130, 5, 5, 9, 1, [5, 5], [1, 1], [2, 2], [1, 1]],
    [5, 8, 16, 30, 12, 1, [5, 5], [1, 1], [2, 2], [1, 1]],
    [3, 33, 14, 18, 40, 1, [5, 5], [1, 1], [2, 2], [1, 1]],
  ];

  /**
   * Run f with each convolution algorithm forced (direct where it applies, else the implicit GEMM; the GEMM;
   * Winograd F(2x2, 3x3) for the forward, input gradient and weight gradient of 3x3 and 5x5 stride-1 layers, else
   * as 'auto').
   */
  function onEveryAlgorithm(f: (algorithm: string) => void): void {
    try {
      for (const algorithm of ['direct', 'gemm', 'winograd'] as const) {
        setNativeConvAlgorithm(algorithm);
        f(algorithm);
      }
    } finally {
      setNativeConvAlgorithm('auto');
    }
  }

  test('conv2d, its input gradient and its weight gradient match the js reference, on every ISA and algorithm', () => {
    const ran = onEveryIsa((isaName) => onEveryAlgorithm((algorithm) => {
      const isa = `${isaName} ${algorithm}`;
      let seed = 40;
      for (const [N, C, H, W, O, G, k, s, p, d] of convCases) {
        const win = window2d(k, s, p, d, H, W);
        const x = dense([N, C, H, W], seed++);
        const w = dense([O, C / G, ...k], seed++);
        const bias = dense([O], seed++);
        const gy = dense([N, O, ...win.output], seed++);
        const msg = `${isa} ${JSON.stringify([N, C, H, W, O, G, k, s, p, d])}`;
        const tol = 2e-6 * Math.sqrt((C / G) * k[0] * k[1] * N * win.output[0] * win.output[1] + 1);
        assertClose(native.conv2d(x, w, bias, win, G), jsBackend.conv2d(x, w, bias, win, G), 1e-4, tol, `${msg} forward`);
        assertClose(native.conv2d(x, w, null, win, G), jsBackend.conv2d(x, w, null, win, G), 1e-4, tol, `${msg} forward without bias`);
        assertClose(native.conv2dInputGrad(gy, w, [H, W], win, G), jsBackend.conv2dInputGrad(gy, w, [H, W], win, G), 1e-4, tol, `${msg} input grad`);
        const got = native.conv2dWeightGrad(x, gy, win, G, true);
        const want = jsBackend.conv2dWeightGrad(x, gy, win, G, true);
        assertClose(got.weight, want.weight, 1e-4, tol, `${msg} weight grad`);
        assertClose(got.bias!, want.bias!, 1e-4, tol, `${msg} bias grad`);
        assert.equal(native.conv2dWeightGrad(x, gy, win, G, false).bias, null);
      }
    }));
    assert.ok(ran >= 1);
  });

  test('convolution reads strided (non-contiguous) operands', () => onEveryAlgorithm((algorithm) => {
    // x as a channel slice of a wider tensor, the weight transposed in its spatial dims.
    const [N, C, H, W, O] = [2, 3, 8, 7, 4];
    const wide = dense([N, C + 2, H, W], 1);
    const x: View = { ...wide, shape: [N, C, H, W], offset: H * W };
    const wT = dense([O, C, 3, 3], 2);
    const w: View = { ...wT, strides: [27, 9, 1, 3] };
    const win = window2d([3, 3], [1, 1], [1, 1], [1, 1], H, W);
    assertClose(native.conv2d(x, w, null, win, 1), jsBackend.conv2d(x, w, null, win, 1), 1e-4, 1e-5, 'forward');
    const gy = dense([N, O, ...win.output], 3);
    assertClose(native.conv2dWeightGrad(x, gy, win, 1, true).weight, jsBackend.conv2dWeightGrad(x, gy, win, 1, true).weight, 1e-4, 1e-4, `${algorithm} weight grad`);
  }));

  test('convolution gives the same bits on 1 and 2 threads and on every ISA, with either algorithm', () => onEveryAlgorithm((algorithm) => {
    for (const [N, C, H, W, O, G, k, s, p, d] of [...convCases.slice(0, 2), ...convCases.slice(5), [64, 6, 14, 14, 16, 1, [5, 5], [1, 1], [0, 0], [1, 1]] as const]) {
      const win = window2d([...k], [...s], [...p], [...d], H, W);
      const x = dense([N, C, H, W], 5);
      const w = dense([O, C / G, ...k], 6);
      const gy = dense([N, O, ...win.output], 7);
      const all = () => {
        const wg = native.conv2dWeightGrad(x, gy, win, G, true);
        return [native.conv2d(x, w, null, win, G), native.conv2dInputGrad(gy, w, [H, W], win, G), wg.weight, wg.bias!];
      };
      const [one, two] = onThreads(all);
      one.forEach((r, i) => assertSameBits(r, two[i], `${algorithm} threads, result ${i}, N ${N}`));
      const results: ReturnType<typeof all>[] = [];
      onEveryIsa(() => void results.push(all()));
      for (const r of results) r.forEach((v, i) => assertSameBits(v, results[0][i], `${algorithm} ISA, result ${i}, N ${N}`));
    }
  }));

  test('the weight gradient with an infinite input has NaN and infinity exactly where the reference has them', () => onEveryAlgorithm((algorithm) => {
    // LeNet conv2's shape: the direct kernel's dropped positions read the input's last columns.
    const win = window2d([5, 5], [1, 1], [0, 0], [1, 1], 14, 14);
    const x = dense([2, 6, 14, 14], 1);
    x.data[13] = Infinity; // row 0, last column: read by valid outputs through the last taps only
    const gy = dense([2, 16, 10, 10], 2);
    const got = native.conv2dWeightGrad(x, gy, win, 1, false).weight;
    const want = jsBackend.conv2dWeightGrad(x, gy, win, 1, false).weight;
    for (let i = 0; i < want.length; i++) {
      assert.equal(Number.isNaN(got[i]), Number.isNaN(want[i]), `${algorithm} [${i}] ${got[i]} vs ${want[i]}`);
      assert.equal(Number.isFinite(got[i]), Number.isFinite(want[i]), `${algorithm} [${i}] ${got[i]} vs ${want[i]}`);
    }
  }));

  test('Winograd: auto runs it where it pays (64 channels, 128 tiles of 16x16 maps), bit for bit as forced', () => {
    const win = window2d([3, 3], [1, 1], [1, 1], [1, 1], 16, 16);
    const x = dense([2, 64, 16, 16], 1);
    const w = dense([64, 64, 3, 3], 2);
    const gy = dense([2, 64, 16, 16], 3);
    const run = (algorithm: 'auto' | 'direct' | 'winograd') => {
      setNativeConvAlgorithm(algorithm);
      try {
        return [native.conv2d(x, w, null, win, 1), native.conv2dInputGrad(gy, w, [16, 16], win, 1)];
      } finally {
        setNativeConvAlgorithm('auto');
      }
    };
    const [auto, winograd, direct] = [run('auto'), run('winograd'), run('direct')];
    auto.forEach((r, i) => assertSameBits(r, winograd[i], `result ${i}`));
    auto.forEach((r, i) => assert.ok(r.some((v, j) => v !== direct[i][j]), `result ${i} should not be the direct kernel's bits`));
  });

  test('Winograd weight gradient: auto runs it where it pays (32 channels, 144 tiles), bit for bit as forced, not on 36 tiles', () => {
    const win = window2d([3, 3], [1, 1], [1, 1], [1, 1], 12, 12);
    for (const [N, pays] of [[4, true], [1, false]] as const) {
      const x = dense([N, 32, 12, 12], 1);
      const gy = dense([N, 32, 12, 12], 3);
      const run = (algorithm: 'auto' | 'direct' | 'winograd') => {
        setNativeConvAlgorithm(algorithm);
        try {
          return native.conv2dWeightGrad(x, gy, win, 1, false).weight;
        } finally {
          setNativeConvAlgorithm('auto');
        }
      };
      const [auto, winograd, direct] = [run('auto'), run('winograd'), run('direct')];
      assertSameBits(auto, pays ? winograd : direct, `N ${N}`);
      assert.ok(winograd.some((v, j) => v !== direct[j]), `N ${N}: Winograd's weight gradient should not be the direct kernel's bits`);
    }
  });

  test('Winograd 5x5: auto runs the weight gradient from 96 channels and 1024 tiles, not below, nor the forward or input gradient', () => {
    const win = window2d([5, 5], [1, 1], [2, 2], [1, 1], 16, 16);
    for (const [N, pays] of [[16, true], [15, false]] as const) {
      const x = dense([N, 96, 16, 16], 1);
      const w = dense([96, 96, 5, 5], 2);
      const gy = dense([N, 96, 16, 16], 3);
      const run = (algorithm: 'auto' | 'direct' | 'winograd') => {
        setNativeConvAlgorithm(algorithm);
        try {
          return [native.conv2d(x, w, null, win, 1), native.conv2dWeightGrad(x, gy, win, 1, false).weight, native.conv2dInputGrad(gy, w, [16, 16], win, 1)];
        } finally {
          setNativeConvAlgorithm('auto');
        }
      };
      const [auto, winograd, direct] = [run('auto'), run('winograd'), run('direct')];
      auto.forEach((r, i) => assertSameBits(r, pays && i === 1 ? winograd[i] : direct[i], `N ${N}, result ${i}`));
      winograd.forEach((r, i) => assert.ok(r.some((v, j) => v !== direct[i][j]), `N ${N}, result ${i}: Winograd's should not be the direct kernel's bits`));
    }
  });

  test('Winograd: a NaN or infinity in the input or weights gives the direct kernel\'s result exactly', () => {
    for (const k of [3, 5]) {
    const win = window2d([k, k], [1, 1], [(k - 1) / 2, (k - 1) / 2], [1, 1], 9, 10);
    for (const [where, at] of [['x', 17], ['x', 95], ['w', 4]] as const) {
      for (const bad of [Infinity, NaN]) {
        const x = dense([2, 5, 9, 10], 1);
        const w = dense([6, 5, k, k], 2);
        const gy = dense([2, 6, 9, 10], 3);
        (where === 'x' ? x : w).data[at] = bad;
        gy.data[at] = bad;
        const run = (algorithm: 'direct' | 'winograd') => {
          setNativeConvAlgorithm(algorithm);
          try {
            const g = native.conv2dWeightGrad(x, gy, win, 1, true);
            return [native.conv2d(x, w, null, win, 1), native.conv2dInputGrad(gy, w, [9, 10], win, 1), g.weight, g.bias!];
          } finally {
            setNativeConvAlgorithm('auto');
          }
        };
        const [winograd, direct] = [run('winograd'), run('direct')];
        assert.ok(direct[2].some((v) => !Number.isFinite(v)), `${k}x${k}, ${bad} in ${where}[${at}]: the weight gradient should not be finite`);
        winograd.forEach((r, i) => assertSameBits(r, direct[i], `${k}x${k}, ${bad} in ${where}[${at}], result ${i}`));
      }
    }
    }
  });

  test('convolution with no images gives an empty output and zero weight gradients', () => onEveryAlgorithm(() => {
    const win = window2d([3, 3], [1, 1], [1, 1], [1, 1], 5, 5);
    const x = dense([0, 2, 5, 5], 1);
    const gy = dense([0, 3, 5, 5], 2);
    assert.equal(native.conv2d(x, dense([3, 2, 3, 3], 3), null, win, 1).length, 0);
    const g = native.conv2dWeightGrad(x, gy, win, 1, true);
    assertSameBits(g.weight, new Float32Array(54), 'weight');
    assertSameBits(g.bias!, new Float32Array(3), 'bias');
  }));

  test('maxPool2d and its backward equal the reference exactly, NaN, -inf, ties and padding included', () => {
    const x = dense([2, 3, 9, 10], 11);
    x.data[5] = NaN;
    x.data[30] = NaN;
    x.data[31] = NaN;
    x.data[100] = -Infinity;
    x.data[101] = -Infinity;
    x.data[110] = -Infinity;
    x.data[111] = -Infinity;
    x.data[200] = x.data[201];
    // AlexNet's 3x3 stride 2 and a 2x3 stride (1, 3) window take the vector path for windows inside the input.
    for (const [k, s, p, d] of [[[2, 2], [2, 2], [0, 0], [1, 1]], [[3, 3], [2, 2], [1, 1], [1, 1]], [[3, 2], [1, 2], [1, 0], [2, 1]], [[2, 2], [1, 1], [0, 0], [1, 1]], [[3, 3], [2, 2], [0, 0], [1, 1]], [[2, 3], [1, 3], [0, 0], [1, 1]]] as [number, number][][]) {
      const win = window2d(k as [number, number], s as [number, number], p as [number, number], d as [number, number], 9, 10);
      const got = native.maxPool2d(x, win);
      const want = jsBackend.maxPool2d(x, win);
      assertSameBits(got.values, want.values, `values ${JSON.stringify(win)}`);
      assertSameBits(got.indices, want.indices, `indices ${JSON.stringify(win)}`);
      const gy = dense([2, 3, ...win.output], 12);
      const idx: View = { data: want.indices, dtype: 'int64', shape: gy.shape, strides: gy.strides, offset: 0 };
      assertSameBits(native.maxPool2dBackward(gy, idx, [9, 10]), jsBackend.maxPool2dBackward(gy, idx, [9, 10]), `backward ${JSON.stringify(win)}`);
    }
  });

  test('maxPool2d over rows wider than one vector (a whole 16 and a tail) equals the reference exactly', () => {
    const x = dense([2, 3, 11, 41], 13);
    for (const i of [0, 2, 45, 46, 300, 301, 302, 777]) x.data[i] = NaN;
    for (const i of [90, 91, 92, 131, 132, 600]) x.data[i] = -Infinity;
    for (let i = 1000; i < 1100; i += 2) x.data[i + 1] = x.data[i];
    for (const [k, s] of [[[3, 3], [2, 2]], [[3, 3], [1, 1]], [[2, 4], [3, 1]]] as [number, number][][]) {
      const win = window2d(k, s, [0, 0], [1, 1], 11, 41);
      const got = native.maxPool2d(x, win);
      const want = jsBackend.maxPool2d(x, win);
      assertSameBits(got.values, want.values, `values ${JSON.stringify(win)}`);
      assertSameBits(got.indices, want.indices, `indices ${JSON.stringify(win)}`);
    }
  });

  test('maxPool2dBackward throws on an index outside the plane instead of writing past it', () => {
    const gy = dense([1, 1, 8, 8], 1);
    const idx: View = { data: new Float64Array(64).fill(100), dtype: 'int64', shape: [1, 1, 8, 8], strides: [64, 64, 8, 1], offset: 0 };
    assert.throws(() => native.maxPool2dBackward(gy, idx, [9, 9]), /out of range/);
    // One bad index (NaN, negative, one past the plane) among good ones, in a later plane than the first.
    const many = dense([1, 3, 4, 4], 2);
    for (const badValue of [NaN, -1, 64]) {
      const good = new Float64Array(48).map((_, i) => (i * 7) % 64);
      good[37] = badValue;
      const view: View = { data: good, dtype: 'int64', shape: [1, 3, 4, 4], strides: [48, 16, 4, 1], offset: 0 };
      assert.throws(() => native.maxPool2dBackward(many, view, [8, 8]), /out of range/, String(badValue));
    }
  });

  test('binary ops equal the reference exactly for every broadcast layout the kernel takes', () => {
    const shape = [6, 5, 40];
    const n = 1200;
    const a = dense(shape, 21);
    a.data[3] = NaN;
    a.data[4] = -0;
    const layouts: [string, View][] = [
      ['contiguous', dense(shape, 22)],
      ['bias row', { ...dense([40], 23), shape, strides: [0, 0, 1] }],
      ['scalar', { ...dense([1], 24), shape, strides: [0, 0, 0] }],
      ['per row', { ...dense([6, 5], 25), shape, strides: [5, 1, 0] }],
      ['transposed (fallback)', { ...dense([40, 5, 6], 26), shape, strides: [1, 6, 30] }],
      ['a chunk() half (strided rows)', { ...dense([6, 5, 80], 27), shape, strides: [400, 80, 1], offset: 40 }],
      ['a row over strided planes', { ...dense([6, 2, 40], 28), shape, strides: [80, 0, 1], offset: 40 }],
      ['strided rows, broadcast along them', { ...dense([6, 10], 29), shape, strides: [10, 2, 0], offset: 1 }],
    ];
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum'] as const) {
      for (const [name, b] of layouts) {
        assertSameBits(native.binary(op, a, b, shape, 'float32'), jsBackend.binary(op, a, b, shape, 'float32'), `${op} a, ${name}`);
        assertSameBits(native.binary(op, b, a, shape, 'float32'), jsBackend.binary(op, b, a, shape, 'float32'), `${op} ${name}, a`);
      }
    }
    assert.equal(n, numelOf(shape));
  });

  test('unary ops, thresholdBackward and axpy agree with the reference (exactly where the reference is exact)', () => {
    const x = dense([3, 700], 31);
    x.data[0] = NaN;
    x.data[1] = -0;
    x.data[2] = Infinity;
    x.data[3] = -Infinity;
    for (const op of ['relu', 'neg', 'abs', 'sqrt'] as const) assertSameBits(native.unary(op, x, 'float32'), jsBackend.unary(op, x, 'float32'), op);
    for (const op of ['exp', 'log', 'tanh', 'sigmoid', 'erf'] as const) assertClose(native.unary(op, x, 'float32'), jsBackend.unary(op, x, 'float32'), 1e-6, 1e-30, op);
    // Every branch of erf (|x| < 0.5, < 4, < 6, beyond) and of sigmoid (exp(-x) past float32 below -88.7).
    const wide = { ...x, data: x.data.map((v, i) => (i < 4 ? v : v * 12)) };
    wide.data[5] = -90;
    wide.data[6] = -88.5;
    for (const op of ['erf', 'sigmoid'] as const) assertClose(native.unary(op, wide, 'float32'), jsBackend.unary(op, wide, 'float32'), 1e-6, 1e-30, `${op} wide`);
    const g = dense([3, 700], 32);
    assertSameBits(native.thresholdBackward(g, x, 0), jsBackend.thresholdBackward(g, x, 0), 'thresholdBackward');
    const out1 = dense([3, 700], 33);
    const out2 = { ...out1, data: out1.data.slice() };
    native.axpy(out1, g, -0.1);
    jsBackend.axpy(out2, g, -0.1);
    assertSameBits(out1.data, out2.data, 'axpy');
  });

  test('logSoftmax and sums agree with the reference, on every dim', () => {
    const x = dense([4, 5, 70], 41);
    for (const dim of [0, 1, 2]) assertClose(native.logSoftmax(x, dim), jsBackend.logSoftmax(x, dim), 1e-6, 1e-6, `logSoftmax dim ${dim}`);
    const nan = dense([2, 40], 42);
    nan.data[7] = NaN;
    assertSameBits(native.logSoftmax(nan, 1), jsBackend.logSoftmax(nan, 1), 'a NaN makes its slice NaN');
    for (const dims of [[0], [2], [0, 2], [1, 2], [0, 1, 2], [0, 1]]) {
      assertClose(native.reduce('sum', x, dims, 'float32'), jsBackend.reduce('sum', x, dims, 'float32'), 1e-6, 1e-6, `sum over ${dims}`);
    }
    const big = dense([300, 1000], 43);
    const [one, two] = onThreads(() => [native.reduce('sum', big, [0], 'float32'), native.reduce('sum', big, [1], 'float32'), native.reduce('sum', big, [0, 1], 'float32')]);
    one.forEach((r, i) => assertSameBits(r, two[i], `sum ${i} threads`));
  });

  test('log_softmax\'s fused gradient gives the bits of the ops it replaces, on every dim and on 1 and 2 threads', () => {
    // The backward of log_softmax on native is one call; under createGraph (or on a backend
    // without it) the same gradient is composed from exp, sum, mul and sub. A transposed grad
    // (read through a copy), a slice past the parallel threshold, and a NaN in one slice.
    const x = torch.randn([6, 7, 70]);
    for (const dim of [0, 1, 2]) {
      const g = torch.randn([6, 7, 70]);
      g.view(-1).index([5]).fill_(NaN);
      const grads = onThreads(() => {
        const leaf = x.clone().requiresGrad_();
        leaf.logSoftmax(dim).backward(g);
        return leaf.grad!.toTypedArray();
      });
      assertSameBits(grads[0], grads[1], `threads dim ${dim}`);
      const out = x.logSoftmax(dim);
      const composed = g.sub(out.exp().mul(g.sum(dim, { keepdim: true }))).toTypedArray();
      assertSameBits(grads[0], composed, `fused against composed, dim ${dim}`);
    }
    const wide = torch.randn([64, 700]);
    const gt = torch.randn([700, 64]).t();
    const leaf = wide.clone().requiresGrad_();
    leaf.logSoftmax(1).backward(gt);
    const out = wide.logSoftmax(1);
    assertSameBits(leaf.grad!.toTypedArray(), gt.sub(out.exp().mul(gt.sum(1, { keepdim: true }))).toTypedArray(), 'a transposed gradient, 64 x 700');
  });

  test('exp and sigmoid give the same bits on every ISA (the AVX-512 lanes settle to the scalar rounding or defer to it)', () => {
    const n = 200_000;
    const x = dense([n], 49);
    for (let i = 0; i < n; i++) x.data[i] *= i % 3 === 0 ? 200 : i % 3 === 1 ? 20 : 1;
    [NaN, Infinity, -Infinity, -0, 0, 80, -80, 80.5, -80.5, 88.7, -88.7, -89, -104, 100].forEach((v, i) => (x.data[i * 7] = v));
    for (const op of ['exp', 'sigmoid'] as const) {
      const results: (ArrayLike<number>)[] = [];
      const ran = onEveryIsa(() => void results.push(native.unary(op, x, 'float32')));
      for (const r of results) assertSameBits(r, results[0], `${op} ISA`);
      assertClose(results[0], jsBackend.unary(op, x, 'float32'), 1e-6, 1e-30, op);
      assert.ok(ran >= 1);
    }
  });

  test('indexSelect equals the reference on every dim, repeated and reordered indices included, and reports a bad index as it does', () => {
    const x = dense([3, 4, 50], 47);
    const index = (values: number[]): View => ({ data: Float64Array.from(values), dtype: 'int64', shape: [values.length], strides: [1], offset: 0 });
    for (const [dim, rows] of [[0, [2, 0, 0, 1]], [1, [0, 0, 1, 1, 2, 2, 3, 3]], [2, [49, 0, 7, 7, 25]]] as const) {
      assertSameBits(native.indexSelect(x, dim, index([...rows])), jsBackend.indexSelect(x, dim, index([...rows])), `dim ${dim}`);
    }
    const wide = dense([64, 2, 600], 48); // large enough for the pool
    const [one, two] = onThreads(() => native.indexSelect(wide, 1, index([1, 0, 1])));
    assertSameBits(one, two, 'threads');
    assertSameBits(one, jsBackend.indexSelect(wide, 1, index([1, 0, 1])), 'wide');
    assert.throws(() => native.indexSelect(x, 1, index([0, 4])), /index out of range in self/);
    assert.throws(() => native.indexSelect(x, 1, index([-1])), /index out of range in self/);
  });

  test('indexSelect of int64 values (a batch of labels, whole rows of them) copies them exactly, off-offset views included', () => {
    const values = Float64Array.from({ length: 600 }, (_, i) => (i * 7919) % 1000 - 500 + (i === 3 ? 2 ** 52 + 1 : 0));
    const labels: View = { data: values, dtype: 'int64', shape: [600], strides: [1], offset: 0 };
    const rows: View = { data: Float64Array.from([5, 3, 599, 0, 3]), dtype: 'int64', shape: [3], strides: [1], offset: 1 }; // [3, 599, 0]
    const out = native.indexSelect(labels, 0, rows);
    assert.ok(out instanceof Float64Array, 'int64 stays float64');
    assertSameBits(out, [values[3], values[599], values[0]], 'labels');
    const table: View = { data: values, dtype: 'int64', shape: [5, 100], strides: [100, 1], offset: 50 };
    const tableRows: View = { data: Float64Array.from([4, 0, 4, 2]), dtype: 'int64', shape: [4], strides: [1], offset: 0 };
    const got = native.indexSelect(table, 0, tableRows);
    assertSameBits(got, jsBackend.indexSelect(table, 0, tableRows), 'rows of a 2-d table');
    assertSameBits(got.subarray(0, 100), values.subarray(450, 550), 'the last row');
    assert.throws(() => native.indexSelect(labels, 0, { ...rows, data: Float64Array.from([600]), shape: [1], offset: 0 }), /index out of range in self/);
  });

  test('amax and amin equal the reference exactly, on every dim: NaN, infinities and which zero wins', () => {
    const x = dense([4, 5, 70], 44);
    x.data[17] = NaN; // one slice of each reduction holds a NaN
    x.data[90] = Infinity;
    x.data[200] = -Infinity;
    // A row of zeros of both signs (and negatives), so the max is a zero whose sign depends on the scan order.
    for (let i = 0; i < 70; i++) x.data[700 + i] = i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : -1 - i;
    for (let i = 0; i < 70; i++) x.data[1050 + i] = i % 2 === 0 ? 0 : -0;
    const big = dense([64, 3000], 45);
    big.data[5000] = NaN;
    for (const op of ['amax', 'amin'] as const) {
      for (const dims of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2], [0, 1]]) {
        assertSameBits(native.reduce(op, x, dims, 'float32'), jsBackend.reduce(op, x, dims, 'float32'), `${op} over ${dims}`);
      }
      const [one, two] = onThreads(() => [native.reduce(op, big, [1], 'float32'), native.reduce(op, big, [0], 'float32')]);
      one.forEach((r, i) => assertSameBits(r, two[i], `${op} ${i} threads`));
      assertSameBits(one[0], jsBackend.reduce(op, big, [1], 'float32'), `${op} rows of 3000`);
      assertSameBits(one[1], jsBackend.reduce(op, big, [0], 'float32'), `${op} columns of 64`);
      assert.throws(() => native.reduce(op, dense([3, 0], 46), [1], 'float32'), /non-zero size/);
    }
  });
});

function numelOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
