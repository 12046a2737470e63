// The wasm backend: WebAssembly SIMD128 kernels (built from assembly/ with AssemblyScript) for
// the primitives where compute dominates, split across worker threads on shared memory; every
// other primitive is the js reference backend's. Tensors stay in ordinary typed arrays (the
// garbage collector frees them): a kernel copies its operands into linear memory and its
// result out, which pays wherever the work grows faster than the data (matmul: n^3 vs n^2).
// Inside a backward pass results stay in linear memory as views until the pass ends
// (`scratch`, operands.ts): autograd copies out what leaves it.

import type { Backend, View } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { numel } from '../../tensor/shape.js';
import { wasmCol2im, wasmIm2col } from './im2col.js';
import { wasmConv2d, wasmConv2dInputGrad, wasmConv2dWeightGrad } from './convolution.js';
import { wasmAxpy, wasmBinary, wasmRelu } from './elementwise.js';
import { wasmMatmul } from './matmul.js';
import { wasmMaxPool2d, wasmMaxPool2dBackward, wasmThresholdBackward } from './pool.js';
import { beginScratch, endScratch, isScratch, pauseScratch, resumeScratch } from './operands.js';
import { getRuntime, wasmSimdSupported, type Runtime } from './runtime.js';
import { threadStats, workersReady } from './threads.js';

export { getNumThreads, setNumThreads } from './threads.js';
export { setConvAlgorithm } from './convolution.js';
export { wasmSimdSupported };

/** Every given view holds float32 data (the kernels' only dtype). */
function allFloat32(...views: (View | null)[]): boolean {
  return views.every((v) => v === null || v.data instanceof Float32Array);
}

/**
 * The wasm kernel's result where the operands are float32 and the kernel takes the case (it
 * returns null when the work is too small to pay for the copies, or memory is short), else
 * the js reference's.
 */
function viaWasm<T>(float32: boolean, kernel: (rt: Runtime) => T | null, reference: () => T): T {
  const rt = float32 ? getRuntime() : null;
  return (rt && kernel(rt)) || reference();
}

export const wasmBackend: Backend = {
  ...jsBackend,
  name: 'wasm',
  device: 'cpu',

  scratch: {
    begin: () => void (getRuntime() && beginScratch(getRuntime()!)),
    end: () => void (getRuntime() && endScratch(getRuntime()!)),
    pause: pauseScratch,
    resume: resumeScratch,
    isScratch,
  },

  binary(op, a, b, shape, dtype) {
    return viaWasm(dtype === 'float32' && allFloat32(a, b), (rt) => wasmBinary(rt, op, a, b, shape, numel(shape)), () => jsBackend.binary(op, a, b, shape, dtype));
  },

  unary(op, x, dtype) {
    return viaWasm(op === 'relu' && dtype === 'float32' && allFloat32(x), (rt) => wasmRelu(rt, x, numel(x.shape)), () => jsBackend.unary(op, x, dtype));
  },

  matmul(a, b, dtype) {
    return viaWasm(dtype === 'float32' && a.dtype === 'float32' && b.dtype === 'float32', (rt) => wasmMatmul(rt, a, b), () => jsBackend.matmul(a, b, dtype));
  },

  axpy(out, x, alpha) {
    const rt = out.dtype === 'float32' && allFloat32(out, x) ? getRuntime() : null;
    if (!rt || !wasmAxpy(rt, out, x, alpha)) jsBackend.axpy(out, x, alpha);
  },

  conv2d(x, weight, bias, window, groups) {
    return viaWasm(x.dtype === 'float32' && allFloat32(x, weight, bias), (rt) => wasmConv2d(rt, x, weight, bias, window, groups), () => jsBackend.conv2d(x, weight, bias, window, groups));
  },

  conv2dInputGrad(grad, weight, size, window, groups) {
    return viaWasm(grad.dtype === 'float32' && allFloat32(grad, weight), (rt) => wasmConv2dInputGrad(rt, grad, weight, size, window, groups), () =>
      jsBackend.conv2dInputGrad(grad, weight, size, window, groups),
    );
  },

  conv2dWeightGrad(x, grad, window, groups, withBias) {
    return viaWasm(x.dtype === 'float32' && allFloat32(x, grad), (rt) => wasmConv2dWeightGrad(rt, x, grad, window, groups, withBias), () =>
      jsBackend.conv2dWeightGrad(x, grad, window, groups, withBias),
    );
  },

  im2col(x, window) {
    return viaWasm(x.dtype === 'float32' && allFloat32(x), (rt) => wasmIm2col(rt, x, window), () => jsBackend.im2col(x, window));
  },

  col2im(cols, size, window) {
    return viaWasm(cols.dtype === 'float32' && allFloat32(cols), (rt) => wasmCol2im(rt, cols, size, window), () => jsBackend.col2im(cols, size, window));
  },

  maxPool2d(x, window) {
    return viaWasm(x.dtype === 'float32' && allFloat32(x), (rt) => wasmMaxPool2d(rt, x, window), () => jsBackend.maxPool2d(x, window));
  },

  maxPool2dBackward(grad, indices, size) {
    return viaWasm(grad.dtype === 'float32' && allFloat32(grad), (rt) => wasmMaxPool2dBackward(rt, grad, indices, size), () => jsBackend.maxPool2dBackward(grad, indices, size));
  },

  thresholdBackward(grad, self, threshold) {
    return viaWasm(grad.dtype === 'float32' && allFloat32(grad, self), (rt) => wasmThresholdBackward(rt, grad, self, threshold), () =>
      jsBackend.thresholdBackward(grad, self, threshold),
    );
  },
};

/**
 * Which kernel build runs here (relaxed SIMD or not, shared memory or not) and the worker
 * threads so far (started and ready; how many times one joined a job), for reports and tests.
 */
export function wasmInfo(): { variant: string; shared: boolean; readyWorkers: number; workerJoins: number } | null {
  const rt = getRuntime();
  if (!rt) return null;
  const stats = threadStats(rt);
  return { variant: rt.variant, shared: rt.shared, readyWorkers: stats.ready, workerJoins: stats.joined };
}

/** Resolves once the worker threads started so far are ready to join jobs (see wasmInfo). */
export async function wasmWorkersReady(): Promise<void> {
  const rt = getRuntime();
  if (rt) await workersReady(rt);
}
