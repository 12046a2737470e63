// What the native backend needs from its host: the compiled addon (build/Release/dlab_native.node,
// built by `npm install`) where this is Node and the build succeeded, else null. The core reaches
// it through the '#native-platform' import (package.json "imports"): platform.node.ts under the
// "node" condition, platform.browser.ts (always null) elsewhere.

/** The C++ kernels (native/addon.cc); arrays are the tensors' own, offsets and strides in elements. */
export interface NativeAddon {
  info(): { isa: string; detected: string; threads: number };
  setNumThreads(n: number): void;
  /** For tests: run on a lower ISA ('portable' | 'avx2' | 'avx512'); returns the one in effect. */
  setIsa(isa: string): string;
  /** For measurements and tests: force the 'direct' or the 'gemm' convolution where both apply, or 'winograd' where it applies ('auto' picks). */
  setConvAlgorithm(algorithm: 'auto' | 'direct' | 'gemm' | 'winograd'): void;
  matmul(
    a: Float32Array, aOffset: number, as0: number, as1: number, as2: number,
    b: Float32Array, bOffset: number, bs0: number, bs1: number, bs2: number,
    B: number, M: number, N: number, K: number, out: Float32Array,
    bias?: Float32Array | null, biasOffset?: number,
  ): void;
  /** Convolution kernels on contiguous operands; `geometry` is N, C, H, W, O, groups, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW. */
  conv2d(x: Float32Array, xo: number, w: Float32Array, wo: number, bias: Float32Array | null, bo: number, y: Float32Array, yo: number, ...geometry: number[]): void;
  conv2dInputGrad(gy: Float32Array, gyo: number, w: Float32Array, wo: number, dx: Float32Array, dxo: number, ...geometry: number[]): void;
  conv2dWeightGrad(x: Float32Array, xo: number, gy: Float32Array, gyo: number, dw: Float32Array, dwo: number, db: Float32Array | null, dbo: number, ...geometry: number[]): void;
  /** Max pooling of contiguous x (geometry with O = C, groups = 1); indices as dlab's int64 (float64). */
  maxPool2d(x: Float32Array, xo: number, values: Float32Array, indices: Float64Array, ...geometry: number[]): void;
  maxPool2dBackward(grad: Float32Array, go: number, indices: Float64Array, io: number, planes: number, L: number, plane: number, out: Float32Array): void;
  /** out[i] = a[i] op b[(i / q) % p] (op 0..3 = add, sub, mul, div); with bFirst, b op a. */
  binary(op: number, a: Float32Array, ao: number, b: Float32Array, bo: number, p: number, q: number, bFirst: boolean, out: Float32Array, n: number): void;
  /** out (contiguous) = a op b over `shape`, each operand strided, its last dim's stride 0 or 1. */
  binaryStrided(op: number, a: Float32Array, ao: number, aStrides: number[], b: Float32Array, bo: number, bStrides: number[], shape: number[], out: Float32Array): void;
  /** op 0..8 = relu, neg, exp, log, tanh, sqrt, sigmoid, abs, erf. */
  unary(op: number, x: Float32Array, xo: number, out: Float32Array, n: number): void;
  thresholdBackward(grad: Float32Array, go: number, self: Float32Array, so: number, threshold: number, out: Float32Array, n: number): void;
  axpy(out: Float32Array, oo: number, x: Float32Array, xo: number, alpha: number, n: number): void;
  logSoftmax(x: Float32Array, xo: number, out: Float32Array, outer: number, size: number, inner: number): void;
  /** dx = g - exp(out) * sum(g) over each slice of `size` (stride `inner`), all contiguous. */
  logSoftmaxBackward(g: Float32Array, go: number, out: Float32Array, oo: number, dx: Float32Array, outer: number, size: number, inner: number): void;
  /** out[m] = the sum over r < rows, i < inner of x[(r * mid + m) * inner + i]. */
  sum(x: Float32Array, xo: number, out: Float32Array, rows: number, mid: number, inner: number): void;
  /** out [outer][rows.length][inner] = x [outer][size][inner] at rows (each in [0, size)) along the middle dim; out of x's type. */
  indexSelect<T extends Float32Array | Float64Array>(x: T, xo: number, outer: number, size: number, inner: number, rows: Int32Array, out: T): void;
  /** out[m] = the max (isMax) or min over the elements sum would add; rows and inner at least 1. */
  minmax(isMax: boolean, x: Float32Array, xo: number, out: Float32Array, rows: number, mid: number, inner: number): void;
}

export interface NativePlatform {
  /** The addon, or null where it is not built (or this is not Node). */
  readonly addon: NativeAddon | null;
  /** Why the addon is null, for `dlab` to say once. */
  readonly reason: string | null;
  /** A float32 array of n elements whose contents the caller overwrites entirely (no zero-fill). */
  allocFloat32(n: number): Float32Array;
  /** The same for float64 (dlab's int64: pooling indices). */
  allocFloat64(n: number): Float64Array;
}
