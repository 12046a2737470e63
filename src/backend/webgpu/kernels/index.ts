// The WGSL kernels, one function per Backend method they implement. Each takes views' metadata
// (ViewMeta: dtype, shape, strides, offset in elements) and the op's parameters, and returns a
// GpuPlan: programs to dispatch in order, the caller's buffers each binds, and the temporaries
// the plan needs. Every kernel's doc comment says which buffers are its inputs and outputs.

export { EMPTY_PLAN, foldGrid, GPU_ITEM_BYTES, MAX_WORKGROUPS_PER_DIM, storageType } from './builder.js';
export type { BufferRef, GpuPass, GpuPlan, WgslScalar } from './builder.js';
export { matmul } from './matmul.js';
export type { GemmAlgorithm, GemmOptions } from './gemm.js';
export { argReduce, reduce } from './reduce.js';
export type { ReduceOptions } from './reduce.js';
export { logSoftmax } from './softmax.js';
export { scan } from './scan.js';
export { gather, indexAdd, indexAddSegmented, indexSegments, indexSelect, scatter } from './indexing.js';
export { axpy, thresholdBackward } from './fused.js';
export { col2im, im2col } from './window.js';
export { maxPool2d, maxPool2dBackward } from './pool.js';
export { conv2d, conv2dInputGrad, conv2dWeightGrad } from './conv.js';
