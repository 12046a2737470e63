// The nn namespace: `import { nn } from 'dlab'`, then nn.Linear, nn.functional.relu, nn.init.zeros_.

export { Module, RemovableHandle, type StateDict, type IncompatibleKeys, type ForwardHook, type ForwardPreHook } from './module.js';
export { Parameter, UninitializedParameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict } from './modules/container.js';
export { Identity, Linear, Bilinear, LazyLinear, type LinearOptions } from './modules/linear.js';
export { Flatten, Unflatten } from './modules/flatten.js';
export {
  ReLU, LeakyReLU, PReLU, ELU, GELU, SiLU, Mish, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax, Hardtanh, ReLU6,
  LogSigmoid, SELU, CELU, Hardsigmoid, Hardswish, Softsign, Tanhshrink, Softshrink, Hardshrink, Threshold, GLU, Softmin, Softmax2d,
} from './modules/activation.js';
export { Dropout, Dropout1d, Dropout2d, Dropout3d } from './modules/dropout.js';
export { BatchNormBase, BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm, LocalResponseNorm, type BatchNormOptions } from './modules/normalization.js';
export { InstanceNorm1d, InstanceNorm2d, InstanceNorm3d } from './modules/instancenorm.js';
export {
  ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad2d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
} from './modules/padding.js';
export { PixelShuffle, PixelUnshuffle, ChannelShuffle } from './modules/shuffle.js';
export { CosineSimilarity, PairwiseDistance } from './modules/distance.js';
export { Embedding, EmbeddingBag, type EmbeddingOptions, type EmbeddingBagModuleOptions } from './modules/sparse.js';
export { RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell, type RNNOptions, type RNNLayerOptions, type LSTMOptions } from './modules/rnn.js';
export { MultiheadAttention, NonDynamicallyQuantizableLinear, type MultiheadAttentionOptions, type MultiheadAttentionCallOptions } from './modules/attention.js';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, type UpsampleOptions } from './modules/upsample.js';
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, LazyConv1d, LazyConv2d, type ConvModuleOptions, type ConvTransposeModuleOptions } from './modules/conv.js';
export { MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d } from './modules/pooling.js';
export { Unfold, Fold } from './modules/fold.js';
export { MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss } from './modules/loss.js';
export {
  MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss, TripletMarginLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
} from './modules/margin_loss.js';
/** `torch.nn.functional`: the layers as functions (conv2d, maxPool2d, crossEntropy, dropout, interpolate, ...). */
export * as functional from './functional/index.js';
/** `torch.nn.init`: in-place initializers (trailing underscore), run under no_grad; they take `{ generator }`. */
export * as init from './init.js';
export {
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerDecoder,
  generateSquareSubsequentMask,
  type TransformerLayerOptions,
  type TransformerActivation,
  type DecoderMasks,
} from './modules/transformer.js';
