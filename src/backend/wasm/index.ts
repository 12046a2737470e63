// The wasm backend: WebAssembly SIMD128 kernels (built from assembly/ with AssemblyScript) for
// the primitives where compute dominates, split across worker threads on shared memory; every
// other primitive is the js reference backend's. Tensors stay in ordinary typed arrays (the
// garbage collector frees them): a kernel copies its operands into linear memory and its
// result out, which pays wherever the work grows faster than the data (matmul: n^3 vs n^2).

import type { Backend, View } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { numel } from '../../tensor/shape.js';
import { wasmCol2im, wasmIm2col } from './conv.js';
import { wasmConv2d, wasmConv2dInputGrad, wasmConv2dWeightGrad } from './convolution.js';
import { wasmAxpy, wasmBinary, wasmRelu } from './elementwise.js';
import { wasmMatmul } from './matmul.js';
import { wasmMaxPool2d, wasmMaxPool2dBackward, wasmThresholdBackward } from './pool.js';
import { getRuntime, wasmSimdSupported } from './runtime.js';
import { threadStats } from './threads.js';

export { getNumThreads, setNumThreads } from './threads.js';
export { wasmSimdSupported };

/** Every given view holds float32 data (the kernels' only dtype). */
function allFloat32(...views: (View | null)[]): boolean {
  return views.every((v) => v === null || v.data instanceof Float32Array);
}

export const wasmBackend: Backend = {
  ...jsBackend,
  name: 'wasm',

  binary(op, a, b, shape, dtype) {
    if (dtype === 'float32' && a.data instanceof Float32Array && b.data instanceof Float32Array) {
      const rt = getRuntime();
      const out = rt && wasmBinary(rt, op, a, b, shape, numel(shape));
      if (out) return out;
    }
    return jsBackend.binary(op, a, b, shape, dtype);
  },

  unary(op, x, dtype) {
    if (op === 'relu' && dtype === 'float32' && x.data instanceof Float32Array) {
      const rt = getRuntime();
      const out = rt && wasmRelu(rt, x, numel(x.shape));
      if (out) return out;
    }
    return jsBackend.unary(op, x, dtype);
  },

  matmul(a, b, dtype) {
    if (dtype === 'float32' && a.dtype === 'float32' && b.dtype === 'float32') {
      const rt = getRuntime();
      const out = rt && wasmMatmul(rt, a, b);
      if (out) return out;
    }
    return jsBackend.matmul(a, b, dtype);
  },

  axpy(out, x, alpha) {
    if (out.dtype === 'float32' && out.data instanceof Float32Array && x.data instanceof Float32Array) {
      const rt = getRuntime();
      if (rt && wasmAxpy(rt, out, x, alpha)) return;
    }
    jsBackend.axpy(out, x, alpha);
  },

  conv2d(x, weight, bias, window, groups) {
    if (x.dtype === 'float32' && allFloat32(x, weight, bias)) {
      const rt = getRuntime();
      const out = rt && wasmConv2d(rt, x, weight, bias, window, groups);
      if (out) return out;
    }
    return jsBackend.conv2d(x, weight, bias, window, groups);
  },

  conv2dInputGrad(grad, weight, size, window, groups) {
    if (grad.dtype === 'float32' && allFloat32(grad, weight)) {
      const rt = getRuntime();
      const out = rt && wasmConv2dInputGrad(rt, grad, weight, size, window, groups);
      if (out) return out;
    }
    return jsBackend.conv2dInputGrad(grad, weight, size, window, groups);
  },

  conv2dWeightGrad(x, grad, window, groups, withBias) {
    if (x.dtype === 'float32' && allFloat32(x, grad)) {
      const rt = getRuntime();
      const out = rt && wasmConv2dWeightGrad(rt, x, grad, window, groups, withBias);
      if (out) return out;
    }
    return jsBackend.conv2dWeightGrad(x, grad, window, groups, withBias);
  },

  im2col(x, window) {
    if (x.dtype === 'float32' && x.data instanceof Float32Array) {
      const rt = getRuntime();
      const out = rt && wasmIm2col(rt, x, window);
      if (out) return out;
    }
    return jsBackend.im2col(x, window);
  },

  col2im(cols, size, window) {
    if (cols.dtype === 'float32' && cols.data instanceof Float32Array) {
      const rt = getRuntime();
      const out = rt && wasmCol2im(rt, cols, size, window);
      if (out) return out;
    }
    return jsBackend.col2im(cols, size, window);
  },

  maxPool2d(x, window) {
    if (x.dtype === 'float32' && x.data instanceof Float32Array) {
      const rt = getRuntime();
      const out = rt && wasmMaxPool2d(rt, x, window);
      if (out) return out;
    }
    return jsBackend.maxPool2d(x, window);
  },

  maxPool2dBackward(grad, indices, size) {
    if (grad.dtype === 'float32' && grad.data instanceof Float32Array) {
      const rt = getRuntime();
      const out = rt && wasmMaxPool2dBackward(rt, grad, indices, size);
      if (out) return out;
    }
    return jsBackend.maxPool2dBackward(grad, indices, size);
  },

  thresholdBackward(grad, self, threshold) {
    if (grad.dtype === 'float32' && grad.data instanceof Float32Array && self.data instanceof Float32Array) {
      const rt = getRuntime();
      const out = rt && wasmThresholdBackward(rt, grad, self, threshold);
      if (out) return out;
    }
    return jsBackend.thresholdBackward(grad, self, threshold);
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
