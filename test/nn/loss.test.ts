// nn.functional's losses against PyTorch 1.13 (test/fixtures/loss.json, tools/fixtures/loss.py):
// the options, ranks and dtypes that test/nn/fixtures.test.ts's one input per loss leaves out,
// gradients under a non-uniform output gradient, and every refusal in PyTorch's order and words.
// A file of its own and quick, as it runs once per mutant in mutation runs of the loss files.

import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, setBackend } from '../../src/index.js';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from '../helpers.js';
import { lossFns } from './helpers.js';

const F = nn.functional;

interface LossCase {
  name: string;
  fn: string;
  kwargs: Record<string, number | string | boolean | FixtureTensor>;
  input: FixtureTensor;
  target: FixtureTensor;
  out: FixtureTensor;
  grad: FixtureTensor;
  target_grad?: FixtureTensor;
  grad_fn: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fx: { cases: LossCase[]; errors: Record<string, string>; state_dict_keys: Record<string, string[]>; kl_div_mean_warning: string } = JSON.parse(readFileSync(new URL('../fixtures/loss.json', import.meta.url), 'utf8'));


/** Each loss's module (nn/modules/loss.ts): built with the case's options, it must give the same loss and gradient. */
const lossModules: Record<string, new (o: Record<string, unknown>) => nn.Module> = {
  mse_loss: nn.MSELoss,
  l1_loss: nn.L1Loss,
  smooth_l1_loss: nn.SmoothL1Loss,
  huber_loss: nn.HuberLoss,
  cross_entropy: nn.CrossEntropyLoss,
  nll_loss: nn.NLLLoss,
  binary_cross_entropy: nn.BCELoss,
  binary_cross_entropy_with_logits: nn.BCEWithLogitsLoss,
  kl_div: nn.KLDivLoss,
};

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const isTensor = (v: unknown): v is FixtureTensor => typeof v === 'object' && v !== null && 'values' in v;

function checkCase(c: LossCase, viaModule: boolean): void {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.kwargs)) options[camel(k)] = isTensor(v) ? fromFixture(v) : v;
  const x = fromFixture(c.input, { requiresGrad: true });
  const t = fromFixture(c.target, { requiresGrad: c.target_grad !== undefined });
  const out = viaModule ? new lossModules[c.fn](options).call(x, t) : lossFns[c.fn](x, t, options);
  assertTensor(out, c.out, 'loss');
  // The losses that are one node in dlab, as in PyTorch, have its name; the others are composites.
  if ((c.fn === 'nll_loss' && c.input.shape.length === 2) || c.fn === 'binary_cross_entropy') assert.equal(out.gradFn?.name, c.grad_fn, 'grad_fn');
  const n = Math.max(out.numel(), 1);
  const g = torch.linspace(0.5, 1.5, n, { dtype: out.dtype }).reshape(out.shape);
  out.backward(g);
  assertTensor(x.grad!, c.grad, 'input grad');
  if (c.target_grad) assertTensor(t.grad!, c.target_grad, 'target grad');
}

const L = (v: number | number[] | number[][]) => torch.tensor(v as number[], { dtype: 'int64' });
const z = (...shape: number[]) => torch.zeros(shape, { dtype: 'int64' });
const zf = (...shape: number[]) => torch.zeros(shape);
const f32 = (v: number[]) => torch.tensor(v, { dtype: 'float32' });
/** The same calls as tools/fixtures/loss.py's errors, under the same names. */
const errorThunks: Record<string, () => unknown> = {
  'huber_loss delta=0': () => F.huberLoss(zf(2), zf(2), { delta: 0 }),
  'huber_loss delta=-1': () => F.huberLoss(zf(2), zf(2), { delta: -1 }),
  'nll_loss 0-D input': () => F.nllLoss(torch.tensor(1), L(0)),
  'nll_loss 2-D input, batch 3 target': () => F.nllLoss(zf(2, 3), z(3)),
  'nll_loss 2-D input, [1, 2] target': () => F.nllLoss(zf(2, 3), z(1, 2)),
  'nll_loss 2-D input, 0-D target': () => F.nllLoss(zf(2, 3), L(1)),
  'nll_loss 2-D input, [2, 2] target': () => F.nllLoss(zf(2, 3), z(2, 2)),
  'nll_loss 1-D input, [2] target': () => F.nllLoss(zf(3), z(2)),
  'nll_loss 1-D input, [1, 1] target': () => F.nllLoss(zf(3), z(1, 1)),
  'nll_loss 3-D input, [2] target': () => F.nllLoss(zf(2, 3, 4), z(2)),
  'nll_loss 3-D input, [2, 5] target': () => F.nllLoss(zf(2, 3, 4), z(2, 5)),
  'nll_loss 3-D input, [2, 4, 1] target': () => F.nllLoss(zf(2, 3, 4), z(2, 4, 1)),
  'nll_loss 3-D input, [3, 4] target': () => F.nllLoss(zf(2, 3, 4), z(3, 4)),
  'nll_loss 4-D input, [1, 2] target': () => F.nllLoss(zf(2, 3, 4, 5), z(1, 2)),
  'nll_loss 4-D input, [2, 4] target': () => F.nllLoss(zf(2, 3, 4, 5), z(2, 4)),
  'nll_loss 4-D input, [2, 4, 6] target': () => F.nllLoss(zf(2, 3, 4, 5), z(2, 4, 6)),
  'nll_loss 4-D input, [2, 6, 5] target': () => F.nllLoss(zf(2, 3, 4, 5), z(2, 6, 5)),
  'nll_loss 5-D input, [2, 4, 5, 7] target': () => F.nllLoss(zf(2, 3, 4, 5, 6), z(2, 4, 5, 7)),
  'nll_loss float target': () => F.nllLoss(zf(2, 3), zf(2)),
  'nll_loss float64 target': () => F.nllLoss(zf(2, 3), torch.zeros([2], { dtype: 'float64' })),
  'nll_loss bool target': () => F.nllLoss(zf(2, 3), torch.zeros([2], { dtype: 'bool' })),
  'nll_loss 3-D input, float target': () => F.nllLoss(zf(2, 3, 4), zf(2, 4)),
  'nll_loss weight of 4 for 3 classes': () => F.nllLoss(zf(2, 3), z(2), { weight: torch.ones(4) }),
  'nll_loss weight [1, 3]': () => F.nllLoss(zf(2, 3), z(2), { weight: torch.ones(1, 3) }),
  'nll_loss 1-D input, weight of 4': () => F.nllLoss(zf(3), L(1), { weight: torch.ones(4) }),
  "nll_loss weight checked before the target's dtype": () => F.nllLoss(zf(2, 3), zf(2), { weight: torch.ones(4) }),
  'nll_loss 3-D input, weight of 4': () => F.nllLoss(zf(2, 3, 4), z(2, 4), { weight: torch.ones(4) }),
  'nll_loss 4-D input, weight of 4': () => F.nllLoss(zf(2, 3, 4, 5), z(2, 4, 5), { weight: torch.ones(4) }),
  'nll_loss target 3 of 3 classes': () => F.nllLoss(zf(2, 3), L([0, 3])),
  'nll_loss target -1': () => F.nllLoss(zf(2, 3), L([0, -1])),
  'nll_loss 1-D input, target 3': () => F.nllLoss(zf(3), L(3)),
  'nll_loss 3-D input, target 3': () => F.nllLoss(zf(2, 3, 2), L([[0, 3], [1, 1]])),
  'nll_loss 3-D input, target -1': () => F.nllLoss(zf(2, 3, 2), L([[0, 1], [-1, 1]])),
  'cross_entropy label_smoothing=1.5': () => F.crossEntropy(zf(2, 3), z(2), { labelSmoothing: 1.5 }),
  'cross_entropy probabilities label_smoothing=1.5': () => F.crossEntropy(zf(2, 3), zf(2, 3), { labelSmoothing: 1.5 }),
  'cross_entropy label_smoothing checked before the target': () => F.crossEntropy(zf(2, 3), z(3), { labelSmoothing: 1.5 }),
  'cross_entropy probabilities of int64': () => F.crossEntropy(zf(2, 3), z(2, 3)),
  'cross_entropy probabilities of bool': () => F.crossEntropy(zf(2, 3), torch.zeros([2, 3], { dtype: 'bool' })),
  'cross_entropy probabilities ignore_index=0': () => F.crossEntropy(zf(2, 3), zf(2, 3), { ignoreIndex: 0 }),
  'cross_entropy probabilities weight of 4': () => F.crossEntropy(zf(2, 3), zf(2, 3), { weight: torch.ones(4) }),
  'cross_entropy probabilities weight [1, 3]': () => F.crossEntropy(zf(2, 3), zf(2, 3), { weight: torch.ones(1, 3) }),
  'cross_entropy probabilities: the weight before label_smoothing': () => F.crossEntropy(zf(2, 3), zf(2, 3), { weight: torch.ones(4), labelSmoothing: 2 }),
  'cross_entropy probabilities: the dtype before ignore_index': () => F.crossEntropy(zf(2, 3), z(2, 3), { ignoreIndex: 1 }),
  'cross_entropy 3-D input, [2] target': () => F.crossEntropy(zf(2, 3, 4), z(2)),
  'binary_cross_entropy target [3] for input [2, 3]': () => F.binaryCrossEntropy(torch.full([2, 3], 0.5), zf(3)),
  'binary_cross_entropy target [2, 3] for input [3]': () => F.binaryCrossEntropy(torch.full([3], 0.5), zf(2, 3)),
  'binary_cross_entropy target [2, 4] for input [2, 3]': () => F.binaryCrossEntropy(torch.full([2, 3], 0.5), zf(2, 4)),
  'binary_cross_entropy input 1.5': () => F.binaryCrossEntropy(torch.tensor([0.5, 1.5]), f32([0, 1])),
  'binary_cross_entropy input -0.5': () => F.binaryCrossEntropy(torch.tensor([-0.5, 0.5]), f32([0, 1])),
  'binary_cross_entropy_with_logits target [3] for input [2, 3]': () => F.binaryCrossEntropyWithLogits(zf(2, 3), zf(3)),
  'binary_cross_entropy_with_logits target [2, 3] for input [3]': () => F.binaryCrossEntropyWithLogits(zf(3), zf(2, 3)),
  'binary_cross_entropy_with_logits target [2, 4] for input [2, 3]': () => F.binaryCrossEntropyWithLogits(zf(2, 3), zf(2, 4)),
  'binary_cross_entropy target [2, 3] for input [2]': () => F.binaryCrossEntropy(torch.full([2], 0.5), zf(2, 3)),
  'binary_cross_entropy target [2, 3, 1] for input [2, 3]': () => F.binaryCrossEntropy(torch.full([2, 3], 0.5), zf(2, 3, 1)),
  'binary_cross_entropy input nan': () => F.binaryCrossEntropy(torch.tensor([0.5, NaN]), f32([0, 1])),
  'binary_cross_entropy input 1.0000001': () => F.binaryCrossEntropy(torch.tensor([0, 1, 1.0000001]), f32([0, 1, 1])),
  'binary_cross_entropy float64 input, float32 target': () => F.binaryCrossEntropy(torch.tensor([0.5, 0.2], { dtype: 'float64' }), zf(2)),
  'binary_cross_entropy float32 input, float64 target': () => F.binaryCrossEntropy(torch.tensor([0.5, 0.2]), torch.zeros([2], { dtype: 'float64' })),
  'binary_cross_entropy the dtype before the range': () => F.binaryCrossEntropy(torch.tensor([1.5, 0.2], { dtype: 'float64' }), zf(2)),
  'binary_cross_entropy int64 input': () => F.binaryCrossEntropy(L([0, 1]), L([0, 1])),
  'binary_cross_entropy bool input': () => F.binaryCrossEntropy(torch.tensor([true, false]), torch.tensor([true, false])),
  'binary_cross_entropy_with_logits target [2, 3] for input [2]': () => F.binaryCrossEntropyWithLogits(zf(2), zf(2, 3)),
  'binary_cross_entropy_with_logits target [2, 3, 1] for input [2, 3]': () => F.binaryCrossEntropyWithLogits(zf(2, 3), zf(2, 3, 1)),
  'kl_div reduction batchsum': () => F.klDiv(zf(2), zf(2), { reduction: 'batchsum' as 'sum' }),
};

// The warnings of the file: kl_div's is shown once per process, so its test comes before any case.
const warn = mock.method(console, 'warn', () => {});
after(() => warn.mock.restore());

test("kl_div warns once, with PyTorch 1.13's words, for reduction='mean' (the default) only", () => {
  const klWarnings = () => warn.mock.calls.map((c) => String(c.arguments[0])).filter((m) => m.includes('KL div'));
  for (const reduction of ['none', 'sum', 'batchmean'] as const) F.klDiv(zf(2), zf(2), { reduction });
  assert.deepEqual(klWarnings(), [], "no warning but for 'mean'");
  F.klDiv(zf(2), zf(2));
  F.klDiv(zf(2), zf(2), { reduction: 'mean' });
  assert.deepEqual(klWarnings(), [`UserWarning: ${fx.kl_div_mean_warning}`]);
});

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of fx.cases) test(c.name, () => checkCase(c, false));
    test('each case through its loss module', () => {
      for (const c of fx.cases) checkCase(c, true);
    });

    test("the loss modules' buffers: class weights and pos_weight under PyTorch's names", () => {
      const w = torch.ones(3);
      const modules: Record<string, nn.Module> = {
        'NLLLoss(weight)': new nn.NLLLoss({ weight: w }),
        'CrossEntropyLoss(weight)': new nn.CrossEntropyLoss({ weight: w }),
        'BCELoss(weight)': new nn.BCELoss({ weight: w }),
        'BCEWithLogitsLoss(weight, pos_weight)': new nn.BCEWithLogitsLoss({ weight: w, posWeight: w.mul(2) }),
        'BCEWithLogitsLoss(pos_weight)': new nn.BCEWithLogitsLoss({ posWeight: w }),
        'NLLLoss()': new nn.NLLLoss(),
      };
      assert.deepEqual(Object.keys(modules).sort(), Object.keys(fx.state_dict_keys).sort());
      for (const [name, m] of Object.entries(modules)) assert.deepEqual(Object.keys(m.stateDict()), fx.state_dict_keys[name], name);
    });

    test('binary_cross_entropy saves its input, target and weight as PyTorch does: writing into one before backward is an error', () => {
      for (const which of ['input', 'target', 'weight'] as const) {
        const x = torch.tensor([0.3, 0.6], { requiresGrad: true });
        const h = x.mul(1);
        const operands = { input: h, target: f32([0, 1]), weight: f32([1, 2]) };
        const loss = F.binaryCrossEntropy(h, operands.target, { weight: operands.weight });
        operands[which].mul_(1);
        assert.throws(() => loss.backward(), /^Error: one of the variables needed for gradient computation has been modified by an inplace operation/, which);
      }
    });

    test('refusals in PyTorch 1.13 words', () => {
      assert.deepEqual(Object.keys(errorThunks).sort(), Object.keys(fx.errors).sort(), 'the same calls as the fixture');
      for (const [name, message] of Object.entries(fx.errors)) assert.equal(errorOf(errorThunks[name]), message, name);
      // PyTorch 1.13 takes a 1-D target as long as a 1-D input and reads only its first value (a
      // quirk of its kernel); dlab refuses it as the multi-target it is.
      assert.equal(errorOf(() => F.nllLoss(zf(3), z(3))), '0D or 1D target tensor expected, multi-target not supported');
    });
  });
}
