// nn.functional (torch/nn/functional.py): activations, dropout, losses, normalization, embedding,
// interpolation and attention as compositions of tensor ops, so autograd differentiates them with
// no backward code of their own. One file per family; this face re-exports them all.

export * from './linear.js';
export * from './activation.js';
export * from './dropout.js';
export * from './loss.js';
export * from './margin_loss.js';
export * from './likelihood_loss.js';
export * from './normalization.js';
export * from './embedding.js';
export * from './interpolate.js';
export * from './attention.js';
export * from './vision.js';
export * from './grid_sample.js';
export * from './one_hot.js';
// Distances live in src/ops (torch.cdist, torch.pdist, ... are torch functions too).
export { pdist, cosineSimilarity, pairwiseDistance } from '../../ops/distance.js';

// Convolution and pooling live in src/ops (conv.ts, pool.ts): sliding-window primitives and their compositions.
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, unfold, fold, type ConvOptions, type ConvTransposeOptions } from '../../ops/conv.js';
export {
  maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool1d, adaptiveMaxPool2d,
  type MaxPoolOptions, type AvgPoolOptions,
} from '../../ops/pool.js';
export { maxPool3d, avgPool3d, adaptiveAvgPool3d } from '../../ops/pool3d.js';
