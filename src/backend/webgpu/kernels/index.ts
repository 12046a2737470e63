// The WGSL kernels, one function per Backend method they implement. Each takes views' metadata
// (ViewMeta: dtype, shape, strides, offset in elements) and the op's parameters, and returns a
// GpuPlan: programs to dispatch in order, the caller's buffers each binds, and the temporaries
// the plan needs. Every kernel's doc comment says which buffers are its inputs and outputs.
//
// What the runtime must do with a plan:
//  - bind through explicit bind group layouts (inputs read-only-storage, outputs storage, the
//    uniform block last when non-empty), not layout 'auto': some programs declare a binding they
//    do not read (split-K's sum pass carries the operand bindings for the bias reader), which
//    'auto' would drop from the layout;
//  - allocate plan.temps (bytes, contents irrelevant) and bind BufferRef 'temp' i to temps[i];
//  - in-place kernels (scatter, indexAdd, indexAddSegmented, axpy) take the destination tensor's
//    own buffer as output 0: it must not also be bound as an input (copy a source that aliases it);
//  - an empty plan (no passes) means the outputs are empty; outputs are fully written otherwise
//    (no zero-fill needed), except the in-place ones, which keep what they do not touch;
//  - index values are not range-checked on the GPU (gather/indexSelect read 0, scatter/indexAdd
//    drop an out-of-range element): check them where PyTorch raises;
//  - maxPool2dBackward wants the forward's Window2d (Backend.maxPool2dBackward lacks it): without
//    it every input position scans its whole plane.

export { EMPTY_PLAN, foldGrid, GPU_ITEM_BYTES, MAX_WORKGROUPS_PER_DIM, storageType } from './builder.js';
export type { BufferRef, GpuPass, GpuPlan, WgslScalar } from './builder.js';
export { matmul } from './matmul.js';
export type { GemmAlgorithm, GemmOptions } from './gemm.js';
export { argReduce, reduce } from './reduce.js';
export type { ReduceOptions } from './reduce.js';
export { logSoftmax } from './softmax.js';
export { scan } from './scan.js';
export { sort } from './sort.js';
export type { SortOptions } from './sort.js';
export { gather, indexAdd, indexAddSegmented, indexSegments, indexSelect, scatter } from './indexing.js';
export { axpy, thresholdBackward } from './fused.js';
export { col2im, im2col } from './window.js';
export { maxPool2d, maxPool2dBackward } from './pool.js';
export { conv2d, conv2dInputGrad, conv2dWeightGrad } from './conv.js';
