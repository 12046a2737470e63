// dlab: one torch-like namespace. `import * as torch from 'dlab'` reads like PyTorch.

export { Tensor } from './tensor/tensor.js';
export type { TensorOrScalar, Scalar, Dims, IndexItem } from './tensor/tensor.js';
export { type DType, dtypes, promoteTypes, getDefaultDtype, setDefaultDtype } from './tensor/dtype.js';
export { broadcastShapes } from './tensor/shape.js';
export { setPrintOptions, printOptions } from './tensor/format.js';
export { Device, device, type DeviceLike, type DeviceType } from './tensor/device.js';

export * from './ops/creation.js';
export {
  add, sub, mul, div, pow, neg, abs, sign, exp, expm1, log, log1p, log2, log10, sqrt, rsqrt, square,
  sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, sigmoid, relu, erf, erfc, erfinv,
  floor, ceil, round, trunc, frac, reciprocal, maximum, minimum, atan2, remainder, fmod, floorDivide,
  eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor, logicalNot, bitwiseNot, isnan, isinf, isfinite,
  where, clamp, clamp as clip, lerp, addcmul, addcdiv,
} from './ops/elementwise.js';
export {
  sum, mean, prod, amax, amin, max, min, argmax, argmin, variance as var, std, logsumexp, softmax, logSoftmax,
  cumsum, cumprod, norm, all, any, nansum, nanmean, countNonzero, aminmax, varMean, stdMean, type ValuesIndices,
} from './ops/reduce.js';
export {
  reshape, view, permute, transpose, transpose as swapaxes, transpose as swapdims, t, expand, expand as broadcastTo, squeeze, unsqueeze, flatten, unflatten, narrow, select,
  contiguous, clone, split, chunk, unbind, flip, cat, cat as concat, stack, repeat, pad, slice, type Slice,
  movedim, movedim as moveaxis,
} from './ops/movement.js';
export { diagonal, diag, diagEmbed, trace, trilIndices, triuIndices } from './ops/diagonal.js';
export {
  roll, tile, ravel, fliplr, flipud, rot90, atleast1d, atleast2d, atleast3d, hstack, vstack, vstack as rowStack, dstack,
  columnStack, broadcastTensors, meshgrid, diff,
} from './ops/arrangement.js';
export { logaddexp, hypot, xlogy, nanToNum, logit, deg2rad, rad2deg, clampMin, clampMax } from './ops/pointwise.js';
export { isclose, allclose, equal, type CloseOptions } from './ops/closeness.js';
export { cummax, cummin, logcumsumexp } from './ops/scans.js';
export { tensorSplit, hsplit, vsplit, dsplit, repeatInterleave, type SplitSpec } from './ops/splitting.js';
export { tensordot, inner, kron, cross } from './ops/products.js';
export { median, nanmedian, quantile, nanquantile, type QuantileOptions, type QuantileInterpolation } from './ops/quantiles.js';
export { cdist, pdist, cosineSimilarity, pairwiseDistance, type CdistComputeMode } from './ops/distance.js';
export { takeAlongDim, bincount, unique, searchsorted, bucketize, isin, type UniqueOptions, type SearchOptions } from './ops/searching.js';
export { sort, argsort, msort, topk, kthvalue, type SortOptions, type TopkOptions, type KthvalueOptions } from './ops/sort.js';
export { gather, scatter, scatterAdd, indexSelect, indexAdd, maskedFill, maskedSelect, nonzero, tril, triu } from './ops/indexing.js';
export { indexPut, type IndexPutOptions } from './ops/inplace.js';
export { multinomial, type MultinomialOptions } from './ops/multinomial.js';
export { matmul, mm, bmm, mv, dot, outer, einsum, addmm, addmv, baddbmm, type AddProductOptions } from './ops/linalg.js';
/** `torch.linalg`: vectorNorm, matrixNorm, norm, det, slogdet, inv, solve, cholesky, qr, eigh, svd, ... */
export * as linalg from './ops/linalg/index.js';
export { det, slogdet, inv as inverse, logdet, deprecatedLuSolve as luSolve } from './ops/linalg/lu.js';
export { choleskySolve, choleskyInverse } from './ops/linalg/cholesky.js';
export { matrixPower } from './ops/linalg/products.js';
export { pinverse } from './ops/linalg/pinv.js';
export { matrixExp } from './ops/linalg/matrix_exp.js';

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad_mode.js';
/** `torch.autograd`: `grad`, `backward`, grad mode, `gradcheck` and `gradgradcheck`, and the graph's `Node`s. */
export * as autograd from './autograd/index.js';

export { Generator, defaultGenerator, manualSeed, initialSeed } from './random/generator.js';
export { getBackend, setBackend, listBackends, registerBackend } from './backend/registry.js';
// torch.set_num_threads / get_num_threads: intra-op threads of the wasm and native kernels.
export { getNumThreads, setNumThreads } from './backend/threads.js';
export type { Backend, View } from './backend/backend.js';
/**
 * tfjs's `tidy` and `keep` (PyTorch has none): `torch.scope(fn)` gives back the memory of what fn made
 * and did not return, on a GPU and on the native CPU backend (its arrays are reused); also torch.webgpu.scope.
 */
export { scope, keep } from './backend/scope.js';
/** `torch.cuda`'s functions for the GPU through WebGPU: `await torch.webgpu.isAvailable()` acquires it. */
export * as webgpu from './backend/webgpu/api.js';

/** torch.utils.data; also reachable as `data` until the final namespace is settled. */
export * as data from './data/index.js';
import * as dataNamespace from './data/index.js';
import * as utilsNamespace from './utils/index.js';
import { Animator } from './lab/animator.js';
/**
 * torch.utils: data, plus checkpoint, summary, memory accounting (src/utils/index.ts), and d2l's
 * Animator (it draws with the lab's charts, so it lives in src/lab/animator.ts).
 */
export const utils = { data: dataNamespace, ...utilsNamespace, Animator } as const;
/** `torch.nn`: modules (layers, losses, containers), `Parameter`, `functional` and `init`. */
export * as nn from './nn/index.js';
/** `torch.optim`: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, LBFGS, gradient clipping, `EarlyStopping` and `lrScheduler`. */
export * as optim from './optim/index.js';
/** The built-in model zoo (MLPs, CNNs, the char transformer, the diffusion U-Net and its samplers): build, train and sample them from code. */
export * as models from './models/index.js';
/** safetensors bytes (browser-safe); files and atomic save/load are in the 'dlab/io' entry. */
export * as io from './io/index.js';
