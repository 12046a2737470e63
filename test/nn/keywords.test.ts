// PyTorch arguments given by keyword: every nn.init function takes its parameters positionally
// or in the trailing options object (normal_(w, { std: 0.01 }) filled w with NaN), and modules
// whose PyTorch arguments may all be keywords can be built from one options object
// (new nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5 }) said "in_channels must be
// divisible by groups"). Both forms draw the same numbers from the same seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as dlab from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';

const { init } = nn;

/** The values two calls write into fresh [4, 6] tensors from the same seed. */
function same(a: (w: Tensor) => unknown, b: (w: Tensor) => unknown): void {
  const run = (f: (w: Tensor) => unknown) => {
    dlab.manualSeed(7);
    const w = dlab.empty([4, 6]);
    f(w);
    return w.tolist() as number[][];
  };
  const x = run(a);
  assert.ok(x.flat().every(Number.isFinite), 'finite values');
  assert.deepEqual(x, run(b));
}

test('every nn.init function takes its arguments positionally or by keyword', () => {
  same((w) => init.uniform_(w, -0.5, 0.5), (w) => init.uniform_(w, { a: -0.5, b: 0.5 }));
  same((w) => init.uniform_(w, -0.5, 0.5), (w) => init.uniform_(w, -0.5, { b: 0.5 }));
  same((w) => init.normal_(w, 0, 0.01), (w) => init.normal_(w, { std: 0.01 }));
  same((w) => init.normal_(w, 1, 2), (w) => init.normal_(w, { mean: 1, std: 2 }));
  same((w) => init.constant_(w, 0.3), (w) => init.constant_(w, { val: 0.3 }));
  same((w) => init.xavierUniform_(w, 2), (w) => init.xavierUniform_(w, { gain: 2 }));
  same((w) => init.xavierNormal_(w, 2), (w) => init.xavierNormal_(w, { gain: 2 }));
  same((w) => init.kaimingUniform_(w, Math.sqrt(5)), (w) => init.kaimingUniform_(w, { a: Math.sqrt(5) }));
  same((w) => init.kaimingNormal_(w, 0, 'fan_out', 'relu'), (w) => init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' }));
  same((w) => init.truncNormal_(w, 0, 0.02, -0.04, 0.04), (w) => init.truncNormal_(w, { std: 0.02, a: -0.04, b: 0.04 }));
  same((w) => init.orthogonal_(w, 1.5), (w) => init.orthogonal_(w, { gain: 1.5 }));
  same((w) => init.eye_(w), (w) => init.eye_(w));
  const conv = () => dlab.empty([4, 2, 3]);
  assert.deepEqual(init.dirac_(conv(), 2).tolist(), init.dirac_(conv(), { groups: 2 }).tolist());
  // The normal_ of the issue: N(0, 0.01^2), not NaN.
  dlab.manualSeed(0);
  const w = init.normal_(dlab.empty([100, 100]), { std: 0.01 });
  assert.ok(Math.abs(w.std().item() - 0.01) < 0.001, 'Math.abs(w.std().item() - 0.01) < 0.001');
});

test('an argument given twice, a missing one or too many are refused in Python\'s words', () => {
  const w = dlab.empty([2, 2]);
  assert.throws(() => init.normal_(w, 0, 0.1, { std: 0.2 } as never), /normal_\(\) got multiple values for argument 'std'/);
  assert.throws(() => init.constant_(w, {} as never), /constant_\(\) missing required argument: 'val'/);
  assert.throws(() => init.uniform_(w, 0, 1, 2 as never), /uniform_\(\) takes 2 positional arguments but 3 were given/);
  assert.throws(() => new nn.Conv2d({ inChannels: 1, kernelSize: 5 } as never), /Conv2d\(\) missing required argument: 'outChannels'/);
  assert.throws(() => new nn.Linear(2, 3, { inFeatures: 4 } as never), /Linear\(\) got multiple values for argument 'inFeatures'/);
});

/** Two modules built from the same seed: same parameters and the same repr. */
function sameModule(a: () => nn.Module, b: () => nn.Module): void {
  dlab.manualSeed(3);
  const m1 = a();
  dlab.manualSeed(3);
  const m2 = b();
  assert.equal(String(m2), String(m1));
  const p1 = [...m1.namedParameters()];
  const p2 = [...m2.namedParameters()];
  assert.deepEqual(p2.map(([k]) => k), p1.map(([k]) => k));
  p1.forEach(([k, p], i) => assert.deepEqual(p2[i][1].tolist(), p.tolist(), k));
}

test('modules can be built with every argument by keyword', () => {
  sameModule(() => new nn.Linear(4, 3, { bias: false }), () => new nn.Linear({ inFeatures: 4, outFeatures: 3, bias: false }));
  sameModule(() => new nn.Bilinear(2, 3, 4), () => new nn.Bilinear({ in1Features: 2, in2Features: 3, outFeatures: 4 }));
  sameModule(() => new nn.Conv1d(2, 4, 3, { padding: 1 }), () => new nn.Conv1d({ inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1 }));
  sameModule(() => new nn.Conv2d(1, 6, 5), () => new nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5 }));
  // A positional prefix with the rest by keyword binds as in Python (the types list the two plain forms).
  const Conv2d = nn.Conv2d as unknown as new (...args: unknown[]) => nn.Module;
  sameModule(() => new nn.Conv2d(1, 6, 5, { padding: 2 }), () => new Conv2d(1, 6, { kernelSize: 5, padding: 2 }));
  sameModule(() => new nn.ConvTranspose2d(4, 2, 3, { stride: 2 }), () => new nn.ConvTranspose2d({ inChannels: 4, outChannels: 2, kernelSize: 3, stride: 2 }));
  sameModule(() => new nn.BatchNorm2d(6, { momentum: 0.2 }), () => new nn.BatchNorm2d({ numFeatures: 6, momentum: 0.2 }));
  sameModule(() => new nn.LayerNorm([3, 4]), () => new nn.LayerNorm({ normalizedShape: [3, 4] }));
  sameModule(() => new nn.GroupNorm(2, 4), () => new nn.GroupNorm({ numGroups: 2, numChannels: 4 }));
  sameModule(() => new nn.Embedding(10, 3, { paddingIdx: 0 }), () => new nn.Embedding({ numEmbeddings: 10, embeddingDim: 3, paddingIdx: 0 }));
  sameModule(() => new nn.LSTM(5, 7, 2, { batchFirst: true }), () => new nn.LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, batchFirst: true }));
  sameModule(() => new nn.LSTM(5, 7, { numLayers: 2 }), () => new nn.LSTM(5, 7, 2));
  sameModule(() => new nn.GRU(5, 7), () => new nn.GRU({ inputSize: 5, hiddenSize: 7 }));
  sameModule(() => new nn.RNN(5, 7, { nonlinearity: 'relu' }), () => new nn.RNN({ inputSize: 5, hiddenSize: 7, nonlinearity: 'relu' }));
  sameModule(() => new nn.Dropout(0.2), () => new nn.Dropout({ p: 0.2 }));
  sameModule(() => new nn.Dropout2d(0.3, { inplace: true }), () => new nn.Dropout2d({ p: 0.3, inplace: true }));
  sameModule(() => new nn.MaxPool2d(2, { stride: 1 }), () => new nn.MaxPool2d({ kernelSize: 2, stride: 1 }));
  sameModule(() => new nn.AvgPool2d(3), () => new nn.AvgPool2d({ kernelSize: 3 }));
  sameModule(() => new nn.AvgPool1d(3), () => new nn.AvgPool1d({ kernelSize: 3 }));
  sameModule(() => new nn.MultiheadAttention(8, 2, { batchFirst: true }), () => new nn.MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true }));
  sameModule(() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), () => new nn.TransformerEncoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 16 }));
  sameModule(() => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }), () => new nn.TransformerDecoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 16 }));
});

test('modules whose settings were positional only take them by keyword too', () => {
  sameModule(() => new nn.ReLU(true), () => new nn.ReLU({ inplace: true }));
  sameModule(() => new nn.SiLU(true), () => new nn.SiLU({ inplace: true }));
  sameModule(() => new nn.Mish(true), () => new nn.Mish({ inplace: true }));
  sameModule(() => new nn.ReLU6(true), () => new nn.ReLU6({ inplace: true }));
  sameModule(() => new nn.LeakyReLU(0.2), () => new nn.LeakyReLU({ negativeSlope: 0.2 }));
  sameModule(() => new nn.LeakyReLU(0.2, true), () => new nn.LeakyReLU(0.2, { inplace: true }));
  sameModule(() => new nn.ELU(0.5, true), () => new nn.ELU({ alpha: 0.5, inplace: true }));
  sameModule(() => new nn.GELU('tanh'), () => new nn.GELU({ approximate: 'tanh' }));
  sameModule(() => new nn.Softplus(2, 10), () => new nn.Softplus({ beta: 2, threshold: 10 }));
  sameModule(() => new nn.Softplus(1, 10), () => new nn.Softplus({ threshold: 10 }));
  sameModule(() => new nn.Softmax(1), () => new nn.Softmax({ dim: 1 }));
  sameModule(() => new nn.LogSoftmax(-1), () => new nn.LogSoftmax({ dim: -1 }));
  sameModule(() => new nn.Hardtanh(-2, 2, true), () => new nn.Hardtanh({ minVal: -2, maxVal: 2, inplace: true }));
  sameModule(() => new nn.Hardtanh(-1, 0.5), () => new nn.Hardtanh({ maxVal: 0.5 }));
  sameModule(() => new nn.PReLU(3, 0.1), () => new nn.PReLU({ numParameters: 3, init: 0.1 }));
  sameModule(() => new nn.Flatten(0, 2), () => new nn.Flatten({ startDim: 0, endDim: 2 }));
  sameModule(() => new nn.Flatten(1, 2), () => new nn.Flatten({ endDim: 2 }));
  sameModule(() => new nn.Unflatten(1, [2, 3]), () => new nn.Unflatten({ dim: 1, unflattenedSize: [2, 3] }));
  sameModule(() => new nn.Unfold(3, { padding: 1 }), () => new nn.Unfold({ kernelSize: 3, padding: 1 }));
  sameModule(() => new nn.Fold([4, 5], 2, { stride: 2 }), () => new nn.Fold({ outputSize: [4, 5], kernelSize: 2, stride: 2 }));
  sameModule(() => new nn.AdaptiveAvgPool1d(3), () => new nn.AdaptiveAvgPool1d({ outputSize: 3 }));
  sameModule(() => new nn.AdaptiveAvgPool2d([2, null]), () => new nn.AdaptiveAvgPool2d({ outputSize: [2, null] }));
  sameModule(() => new nn.AdaptiveMaxPool1d(3, { returnIndices: true }), () => new nn.AdaptiveMaxPool1d({ outputSize: 3, returnIndices: true }));
  sameModule(() => new nn.AdaptiveMaxPool2d(2), () => new nn.AdaptiveMaxPool2d({ outputSize: 2 }));
  sameModule(() => new nn.RNNCell(3, 4, { nonlinearity: 'relu' }), () => new nn.RNNCell({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' }));
  sameModule(() => new nn.LSTMCell(3, 4, { bias: false }), () => new nn.LSTMCell({ inputSize: 3, hiddenSize: 4, bias: false }));
  sameModule(() => new nn.GRUCell(3, 4), () => new nn.GRUCell({ inputSize: 3, hiddenSize: 4 }));
  sameModule(() => new nn.LazyLinear(4, { bias: false }), () => new nn.LazyLinear({ outFeatures: 4, bias: false }));
  sameModule(() => new nn.LazyConv1d(4, 3, { padding: 1 }), () => new nn.LazyConv1d({ outChannels: 4, kernelSize: 3, padding: 1 }));
  sameModule(() => new nn.LazyConv2d(6, 5, { stride: 2 }), () => new nn.LazyConv2d({ outChannels: 6, kernelSize: 5, stride: 2 }));
  // The settings land where they act: PyTorch's positional forms, checked through what they compute.
  const x = dlab.tensor([[-2, -0.5, 0.5, 2]]);
  assert.deepEqual(new nn.LeakyReLU({ negativeSlope: 0.5 }).forward(x).tolist(), [[-1, -0.25, 0.5, 2]]);
  assert.deepEqual(new nn.Hardtanh({ minVal: -1, maxVal: 1 }).forward(x).tolist(), [[-1, -0.5, 0.5, 1]]);
  // PyTorch takes the settings after the sizes positionally as well: Unfold(3, 1, 1), RNNCell(3, 4, False).
  const Unfold = nn.Unfold as unknown as new (...args: unknown[]) => nn.Module;
  sameModule(() => new nn.Unfold(3, { dilation: 1, padding: 1 }), () => new Unfold(3, 1, 1));
  const LSTMCell = nn.LSTMCell as unknown as new (...args: unknown[]) => nn.Module;
  sameModule(() => new nn.LSTMCell(3, 4, { bias: false }), () => new LSTMCell(3, 4, false));
});

test('nn.init.calculateGain takes nonlinearity and param by keyword', () => {
  assert.equal(init.calculateGain('leaky_relu', { param: 0.2 }), init.calculateGain('leaky_relu', 0.2));
  assert.equal(init.calculateGain({ nonlinearity: 'leaky_relu', param: 0.2 }), Math.sqrt(2 / (1 + 0.2 ** 2)));
  assert.equal(init.calculateGain({ nonlinearity: 'tanh' }), 5 / 3);
  // A trailing null is a value (Python's None: the default slope), not a keywords object.
  assert.equal(init.calculateGain('leaky_relu', null), 1.4141428569978354); // PyTorch 1.13's calculate_gain('leaky_relu', None)
  assert.throws(() => init.calculateGain('relu', 1, { param: 2 } as never), /^TypeError: calculate_gain\(\) got multiple values for argument 'param'$/);
  assert.throws(() => init.calculateGain({ param: 2 } as never), /^TypeError: calculate_gain\(\) missing required argument: 'nonlinearity'$/);
});

test('a keyword a module does not take is refused in Python\'s words', () => {
  assert.throws(() => new nn.LeakyReLU({ negative_slope: 0.2 } as never), /^TypeError: LeakyReLU\(\) got an unexpected keyword argument 'negative_slope'$/);
  assert.throws(() => new nn.Softmax({ axis: 1 } as never), /^TypeError: Softmax\(\) got an unexpected keyword argument 'axis'$/);
  assert.throws(() => new nn.ReLU({ inPlace: true } as never), /^TypeError: ReLU\(\) got an unexpected keyword argument 'inPlace'$/);
  assert.throws(() => new nn.Flatten(1, { startDim: 0 } as never), /^TypeError: Flatten\(\) got multiple values for argument 'startDim'$/);
  assert.throws(() => new nn.Unflatten({ dim: 1 } as never), /^TypeError: Unflatten\(\) missing required argument: 'unflattenedSize'$/);
  assert.throws(() => new nn.GRUCell(3, 4, { hidden: 2 } as never), /^TypeError: GRUCell\(\) got an unexpected keyword argument 'hidden'$/);
  // PyTorch: TransformerEncoderLayer.__init__() missing 1 required positional argument: 'nhead'.
  assert.throws(() => new (nn.TransformerEncoderLayer as unknown as new (d: number) => nn.Module)(8), /^TypeError: TransformerEncoderLayer\(\) missing required argument: 'nhead'$/);
  assert.throws(() => new (nn.TransformerDecoderLayer as unknown as new (d: number) => nn.Module)(8), /^TypeError: TransformerDecoderLayer\(\) missing required argument: 'nhead'$/);
  assert.throws(() => new (nn.MultiheadAttention as unknown as new (d: number) => nn.Module)(8), /^TypeError: MultiheadAttention\(\) missing required argument: 'numHeads'$/);
  assert.throws(() => new nn.AdaptiveMaxPool2d({ outputSize: 2, indices: true } as never), /^TypeError: AdaptiveMaxPool2d\(\) got an unexpected keyword argument 'indices'$/);
  const Fold = nn.Fold as unknown as new (...args: unknown[]) => nn.Module;
  assert.throws(() => new Fold(4, 2, 1, 0, 1, 9), /^TypeError: Fold\(\) takes 5 positional arguments but 6 were given$/);
});
