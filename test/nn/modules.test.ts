// nn module classes run as modules against PyTorch 1.13 (tools/fixtures/modules.py): conv,
// pooling, fold, shape, linear, activation, upsampling and loss modules, each built here under
// the name of PyTorch's constructor call, loaded with PyTorch's state dict, then forward
// outputs and gradients of inputs and parameters compared in float64. The functional forms
// have their own suites; these catch a module that passes its options on wrongly.
// Runs once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { assertClose, assertTensor, backendsUnderTest, decodeAll, fromFixture, tolerance, type FixtureTensor } from '../helpers.js';

interface Case {
  name: string;
  state: Record<string, FixtureTensor>;
  inputs: (FixtureTensor & { requires_grad: boolean })[];
  outputs: FixtureTensor[];
  weights: (FixtureTensor | null)[];
  grads: { inputs: (FixtureTensor | null)[]; params: Record<string, FixtureTensor | null> };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/modules.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
};

const f64 = (v: number[]) => torch.tensor(v, { dtype: 'float64' });

const modules: Record<string, () => nn.Module> = {
  'Conv1d(3, 4, 3, stride=2, padding=1)': () => new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1 }),
  'Conv1d(4, 4, 3, padding=same, dilation=2, groups=2, padding_mode=reflect)': () =>
    new nn.Conv1d(4, 4, 3, { padding: 'same', dilation: 2, groups: 2, paddingMode: 'reflect' }),
  'ConvTranspose1d(3, 2, 3)': () => new nn.ConvTranspose1d(3, 2, 3),
  'ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)': () =>
    new nn.ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2 }),
  'ConvTranspose1d(2, 3, 4, bias=False)': () => new nn.ConvTranspose1d(2, 3, 4, { bias: false }),
  'Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0))': () => new nn.Conv2d(2, 3, [3, 2], { stride: [2, 1], padding: [1, 0] }),
  'ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)': () =>
    new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  'LazyConv1d(5, 3, padding=1)': () => new nn.LazyConv1d(5, 3, { padding: 1 }),
  'LazyConv2d(4, 2)': () => new nn.LazyConv2d(4, 2),
  'MaxPool1d(3, stride=2, padding=1)': () => new nn.MaxPool1d(3, { stride: 2, padding: 1 }),
  'MaxPool1d(2, dilation=2, ceil_mode=True)': () => new nn.MaxPool1d(2, { dilation: 2, ceilMode: true }),
  'MaxPool2d((2, 3), stride=(1, 2))': () => new nn.MaxPool2d([2, 3], { stride: [1, 2] }),
  'AvgPool1d(3, stride=2, padding=1, count_include_pad=False)': () => new nn.AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false }),
  'AvgPool1d(2, ceil_mode=True)': () => new nn.AvgPool1d(2, { ceilMode: true }),
  'AvgPool2d(3, stride=2, padding=1, divisor_override=4)': () => new nn.AvgPool2d(3, { stride: 2, padding: 1, divisorOverride: 4 }),
  'AdaptiveAvgPool1d(4)': () => new nn.AdaptiveAvgPool1d(4),
  'AdaptiveAvgPool2d((3, None))': () => new nn.AdaptiveAvgPool2d([3, null]),
  'AdaptiveMaxPool1d(4)': () => new nn.AdaptiveMaxPool1d(4),
  'AdaptiveMaxPool1d(3, return_indices=True)': () => new nn.AdaptiveMaxPool1d(3, { returnIndices: true }),
  'AdaptiveMaxPool2d((2, 3))': () => new nn.AdaptiveMaxPool2d([2, 3]),
  'Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=2)': () => new nn.Unfold([2, 3], { padding: 1, stride: 2 }),
  'Fold(output_size=(4, 5), kernel_size=2)': () => new nn.Fold([4, 5], 2),
  'Identity()': () => new nn.Identity(),
  'Flatten()': () => new nn.Flatten(),
  'Flatten(0, 1)': () => new nn.Flatten(0, 1),
  'Unflatten(1, (2, 3))': () => new nn.Unflatten(1, [2, 3]),
  'Linear(5, 3)': () => new nn.Linear(5, 3),
  'Linear(4, 2, bias=False)': () => new nn.Linear(4, 2, { bias: false }),
  'Bilinear(3, 4, 2)': () => new nn.Bilinear(3, 4, 2),
  'LazyLinear(3)': () => new nn.LazyLinear(3),
  'ReLU()': () => new nn.ReLU(),
  'LeakyReLU(0.2)': () => new nn.LeakyReLU(0.2),
  'PReLU()': () => new nn.PReLU(),
  'PReLU(5, init=0.1)': () => new nn.PReLU(5, 0.1),
  'ELU(alpha=0.7)': () => new nn.ELU(0.7),
  'GELU()': () => new nn.GELU(),
  'GELU(approximate=tanh)': () => new nn.GELU('tanh'),
  'SiLU()': () => new nn.SiLU(),
  'Mish()': () => new nn.Mish(),
  'Sigmoid()': () => new nn.Sigmoid(),
  'Tanh()': () => new nn.Tanh(),
  'Softplus(beta=2, threshold=1)': () => new nn.Softplus(2, 1),
  'Softmax(dim=0)': () => new nn.Softmax(0),
  'Softmax(dim=1)': () => new nn.Softmax(1),
  'LogSoftmax(dim=1)': () => new nn.LogSoftmax(1),
  'Hardtanh(-0.5, 0.8)': () => new nn.Hardtanh(-0.5, 0.8),
  'Upsample(scale_factor=2, mode=nearest)': () => new nn.Upsample({ scaleFactor: 2, mode: 'nearest' }),
  'Upsample(size=(5, 7), mode=bilinear, align_corners=False)': () => new nn.Upsample({ size: [5, 7], mode: 'bilinear', alignCorners: false }),
  'UpsamplingNearest2d(scale_factor=3)': () => new nn.UpsamplingNearest2d({ scaleFactor: 3 }),
  'UpsamplingBilinear2d(size=(4, 6))': () => new nn.UpsamplingBilinear2d({ size: [4, 6] }),
  'SmoothL1Loss(beta=0.5)': () => new nn.SmoothL1Loss({ beta: 0.5 }),
  'HuberLoss(delta=0.7)': () => new nn.HuberLoss({ delta: 0.7 }),
  'CrossEntropyLoss(label_smoothing=0.1, ignore_index=1)': () => new nn.CrossEntropyLoss({ labelSmoothing: 0.1, ignoreIndex: 1 }),
  'CrossEntropyLoss(weight=[1, 2, 0.5])': () => new nn.CrossEntropyLoss({ weight: f64([1, 2, 0.5]) }),
  'CrossEntropyLoss() with probabilities': () => new nn.CrossEntropyLoss(),
  'NLLLoss(ignore_index=0)': () => new nn.NLLLoss({ ignoreIndex: 0 }),
  'BCEWithLogitsLoss(pos_weight=[1, 2, 3])': () => new nn.BCEWithLogitsLoss({ posWeight: f64([1, 2, 3]) }),
  'KLDivLoss(reduction=batchmean)': () => new nn.KLDivLoss({ reduction: 'batchmean' }),
  'KLDivLoss(reduction=sum, log_target=True)': () => new nn.KLDivLoss({ reduction: 'sum', logTarget: true }),
};
for (const reduction of ['mean', 'sum', 'none'] as const) {
  modules[`MSELoss(reduction=${reduction})`] = () => new nn.MSELoss({ reduction });
  modules[`L1Loss(reduction=${reduction})`] = () => new nn.L1Loss({ reduction });
  modules[`CrossEntropyLoss(reduction=${reduction})`] = () => new nn.CrossEntropyLoss({ reduction });
  modules[`NLLLoss(reduction=${reduction})`] = () => new nn.NLLLoss({ reduction });
  modules[`BCELoss(reduction=${reduction})`] = () => new nn.BCELoss({ reduction });
  modules[`BCEWithLogitsLoss(reduction=${reduction})`] = () => new nn.BCEWithLogitsLoss({ reduction });
}

function closeGrad(actual: Tensor | null, want: FixtureTensor | null, what: string): void {
  if (want === null) {
    assert.equal(actual, null, `${what}: no gradient`);
    return;
  }
  assert.ok(actual, `${what}: a gradient`);
  assert.deepEqual([...actual.shape], want.shape, `${what}: shape`);
  const { rtol, atol } = tolerance(want.dtype);
  assertClose(Array.from(actual.toTypedArray()), decodeAll(want.values), rtol, atol, what);
}

function runCase(c: Case): void {
  const inputs = c.inputs.map((x) => fromFixture(x, { requiresGrad: x.requires_grad }));
  const module = modules[c.name]().double();
  // A lazy module takes its shapes from a first call, as in the fixture script.
  if (module.parameters().some((p) => p instanceof nn.UninitializedParameter)) torch.noGrad(() => module.call(...inputs));
  const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromFixture(v)]));
  module.loadStateDict(state);
  const out = module.call(...inputs) as Tensor | Tensor[];
  const outs = Array.isArray(out) ? out : [out];
  assert.equal(outs.length, c.outputs.length, 'number of outputs');
  outs.forEach((o, k) => assertTensor(o, c.outputs[k], `output ${k}`));
  let loss: Tensor | null = null;
  outs.forEach((o, k) => {
    const w = c.weights[k];
    if (w === null || !o.requiresGrad) return;
    const term = o.mul(fromFixture(w)).sum();
    loss = loss === null ? term : loss.add(term);
  });
  if (loss !== null) (loss as Tensor).backward();
  inputs.forEach((x, i) => closeGrad(x.grad, c.grads.inputs[i], `input ${i} grad`));
  const params = Object.fromEntries(module.namedParameters());
  assert.deepEqual(Object.keys(params).sort(), Object.keys(c.grads.params).sort(), 'parameter names');
  for (const [name, want] of Object.entries(c.grads.params)) closeGrad(params[name].grad, want, `${name} grad`);
}

for (const backend of backendsUnderTest()) {
  describe(`nn modules vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.cases) {
      test(c.name, () => {
        torch.setBackend(backend);
        runCase(c);
      });
    }
  });
}

test('the fixture and the module table list the same modules', () => {
  assert.deepEqual(Object.keys(modules).sort(), fixture.cases.map((c) => c.name).sort());
});
