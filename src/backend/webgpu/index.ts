// The webgpu backend: the Backend interface over one device's runtime. Each primitive builds a
// GpuProgram or GpuPlan from the views' metadata (kernels/), binds the views' whole buffers
// (offsets and strides travel in uniforms) and records it; nothing waits for the GPU except
// `read`. A CPU view among the inputs (a zero-dim scalar joining a GPU op, values drawn from
// the CPU generator, a copy_ from the CPU) is uploaded into a fresh buffer first.

import type { Backend, DeviceData, View } from '../backend.js';
import { type DType, type TypedArray } from '../../tensor/dtype.js';
import { isContiguous, numel } from '../../tensor/shape.js';
import { float64Refused, GpuData, WebGPURuntime } from './runtime.js';
import type { GpuProgram, ViewMeta } from './program.js';
import { type GpuPlan, singlePass } from './kernels/builder.js';
import * as ew from './kernels/elementwise.js';
import { matmul } from './kernels/matmul.js';
import { argReduce, reduce } from './kernels/reduce.js';
import { logSoftmax } from './kernels/softmax.js';
import { scan } from './kernels/scan.js';
import { sort } from './kernels/sort.js';
import { axpy, thresholdBackward } from './kernels/fused.js';
import { gather, indexAdd, indexSelect, scatter } from './kernels/indexing.js';
import { col2im, im2col } from './kernels/window.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './kernels/conv.js';
import { maxPool2d, maxPool2dBackward } from './kernels/pool.js';

type AnyView = View<DeviceData>;

const meta = (v: AnyView): ViewMeta => ({ dtype: v.dtype, shape: v.shape, strides: v.strides, offset: v.offset });

/** The memory of a tensor, refusing one whose buffer was given back early. */
function live(data: GpuData): GpuData {
  if (data.released) {
    throw new Error(
      'this webgpu tensor\'s memory was freed: torch.webgpu.scope(fn) frees what fn made and did not return ' +
        '(return it from fn, or call torch.webgpu.keep(t) inside fn)',
    );
  }
  return data;
}

export function createWebGPUBackend(rt: WebGPURuntime, device: string): Backend<GpuData> {
  /** Fresh output memory for `n` elements of dtype. */
  const out = (dtype: DType, n: number): GpuData => {
    if (dtype === 'float64') throw float64Refused();
    return rt.alloc(n, dtype);
  };
  /** The GPU memory behind an input view (a CPU view is uploaded whole, so its offset and strides still hold). */
  const gpu = (v: AnyView): GpuData => {
    if (v.data instanceof GpuData) return live(v.data);
    if (v.dtype === 'float64') throw float64Refused();
    return rt.transient(rt.upload(v.data as TypedArray, v.dtype));
  };
  /** An input that a dispatch also writes (x.add_(x)) is read from a copy: WebGPU forbids the aliasing. */
  const unaliased = (input: GpuData, written: GpuData): GpuData => {
    if (input.buffer !== written.buffer) return input;
    const copy = rt.transient(rt.alloc(input.length, input.dtype));
    rt.copyBuffer(input.buffer, 0, copy.buffer, 0, input.length);
    return copy;
  };
  const one = (program: GpuProgram, inputs: GpuData[], output: GpuData): GpuData => {
    rt.run(singlePass(program), inputs, [output]);
    return output;
  };
  const plan = (p: GpuPlan, inputs: GpuData[], output: GpuData): GpuData => {
    rt.run(p, inputs, [output]);
    return output;
  };
  const checkFloat = (op: string, dtype: DType) => {
    if (dtype === 'float64') throw float64Refused();
    if (dtype !== 'float32') throw new TypeError(`${op} on webgpu: expected float32, got ${dtype}`);
  };

  return {
    name: 'webgpu',
    device,

    upload: (values, dtype) => rt.upload(values, dtype),

    release: (data) => rt.freeData(data),

    async read(x) {
      const n = numel(x.shape);
      const data = gpu(x);
      if (isContiguous(x.shape, x.strides)) return rt.read(data, x.offset, n, x.dtype);
      const flat = one(ew.copy(meta(x), x.dtype), [data], out(x.dtype, n));
      return rt.read(flat, 0, n, x.dtype);
    },

    allocate(dtype, size) {
      if (dtype === 'float64') throw float64Refused();
      return rt.alloc(size, dtype, true);
    },

    copy: (x, dtype) => one(ew.copy(meta(x), dtype), [gpu(x)], out(dtype, numel(x.shape))),

    assign(dst, src) {
      const target = live(dst.data as GpuData);
      rt.run(singlePass(ew.assign(meta(dst), meta(src))), [unaliased(gpu(src), target)], [target]);
    },

    fill(dst, value) {
      rt.run(singlePass(ew.fill(meta(dst), value)), [], [live(dst.data as GpuData)]);
    },

    unary: (op, x, dtype) => one(ew.unary(op, meta(x), dtype), [gpu(x)], out(dtype, numel(x.shape))),

    binary: (op, a, b, shape, dtype) => one(ew.binary(op, meta(a), meta(b), shape, dtype), [gpu(a), gpu(b)], out(dtype, numel(shape))),

    where: (cond, a, b, shape, dtype) => one(ew.where(meta(cond), meta(a), meta(b), shape, dtype), [gpu(cond), gpu(a), gpu(b)], out(dtype, numel(shape))),

    reduce(op, x, dims, dtype) {
      const n = numel(x.shape.filter((_, d) => !dims.includes(d)));
      return plan(reduce(op, meta(x), dims, dtype), [gpu(x)], out(dtype, n));
    },

    argReduce(op, x, dim) {
      const n = numel(x.shape.filter((_, d) => d !== dim));
      return plan(argReduce(op, meta(x), dim), [gpu(x)], out('int64', n));
    },

    scan: (op, x, dim, dtype) => plan(scan(op, meta(x), dim, dtype), [gpu(x)], out(dtype, numel(x.shape))),

    logSoftmax(x, dim) {
      checkFloat('logSoftmax', x.dtype);
      return plan(logSoftmax(meta(x), dim), [gpu(x)], out(x.dtype, numel(x.shape)));
    },

    matmul(a, b, dtype) {
      checkFloat('matmul', dtype);
      const [B, M] = a.shape;
      const N = b.shape[2];
      return plan(matmul(meta(a), meta(b), dtype), [gpu(a), gpu(b)], out(dtype, B * M * N));
    },

    thresholdBackward: (grad, self, threshold) => plan(thresholdBackward(meta(grad), meta(self), threshold), [gpu(grad), gpu(self)], out(grad.dtype, numel(grad.shape))),

    axpy(o, x, alpha) {
      checkFloat('axpy', o.dtype);
      const target = live(o.data as GpuData);
      rt.run(axpy(meta(o), meta(x), alpha), [unaliased(gpu(x), target)], [target]);
    },

    gather: (x, dim, index) => plan(gather(meta(x), dim, meta(index)), [gpu(x), gpu(index)], out(x.dtype, numel(index.shape))),

    scatter(o, dim, index, src, accumulate) {
      const target = live(o.data as GpuData);
      rt.run(scatter(meta(o), dim, meta(index), meta(src), accumulate), [unaliased(gpu(index), target), unaliased(gpu(src), target)], [target]);
    },

    indexSelect(x, dim, index) {
      const n = numel(x.shape.map((s, d) => (d === dim ? numel(index.shape) : s)));
      return plan(indexSelect(meta(x), dim, meta(index)), [gpu(x), gpu(index)], out(x.dtype, n));
    },

    indexAdd(o, dim, index, src) {
      const target = live(o.data as GpuData);
      rt.run(indexAdd(meta(o), dim, meta(index), meta(src)), [unaliased(gpu(index), target), unaliased(gpu(src), target)], [target]);
    },

    im2col(x, window) {
      const [N, C] = x.shape;
      const [kH, kW] = window.kernel;
      return plan(im2col(meta(x), window), [gpu(x)], out(x.dtype, N * C * kH * kW * window.output[0] * window.output[1]));
    },

    col2im(cols, size, window) {
      const [N, CK] = cols.shape;
      const C = CK / (window.kernel[0] * window.kernel[1]);
      return plan(col2im(meta(cols), size, window), [gpu(cols)], out(cols.dtype, N * C * size[0] * size[1]));
    },

    conv2d(x, weight, bias, window, groups) {
      const n = x.shape[0] * weight.shape[0] * window.output[0] * window.output[1];
      const inputs = bias ? [gpu(x), gpu(weight), gpu(bias)] : [gpu(x), gpu(weight)];
      return plan(conv2d(meta(x), meta(weight), bias ? meta(bias) : null, window, groups), inputs, out(x.dtype, n));
    },

    conv2dInputGrad(grad, weight, size, window, groups) {
      const n = grad.shape[0] * weight.shape[1] * groups * size[0] * size[1];
      return plan(conv2dInputGrad(meta(grad), meta(weight), size, window, groups), [gpu(grad), gpu(weight)], out(grad.dtype, n));
    },

    conv2dWeightGrad(x, grad, window, groups, withBias) {
      const O = grad.shape[1];
      const weight = out(x.dtype, O * (x.shape[1] / groups) * window.kernel[0] * window.kernel[1]);
      const bias = withBias ? out(x.dtype, O) : null;
      rt.run(conv2dWeightGrad(meta(x), meta(grad), window, groups, withBias), [gpu(x), gpu(grad)], bias ? [weight, bias] : [weight]);
      return { weight, bias };
    },

    maxPool2d(x, window) {
      const n = x.shape[0] * x.shape[1] * window.output[0] * window.output[1];
      const values = out(x.dtype, n);
      const indices = out('int64', n);
      rt.run(maxPool2d(meta(x), window), [gpu(x)], [values, indices]);
      return { values, indices };
    },

    maxPool2dBackward(grad, indices, size) {
      const n = grad.shape[0] * grad.shape[1] * size[0] * size[1];
      return plan(maxPool2dBackward(meta(grad), meta(indices), size), [gpu(grad), gpu(indices)], out(grad.dtype, n));
    },

    sort: (x, dim, descending) => plan(sort(meta(x), dim, descending), [gpu(x)], out('int64', numel(x.shape))),
  };
}
