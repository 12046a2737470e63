// nn.functional's activations and the activation modules against PyTorch 1.13
// (test/fixtures/activation.json, tools/fixtures/activation.py): the kinks and thresholds, the
// options and defaults, PyTorch's implicit softmax dim, PReLU's weight shapes, the in-place
// forms, reprs and refusals. Quick, as it runs once per mutant in mutation runs of the activation files.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, setBackend, type Tensor } from '../../src/index.js';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from '../helpers.js';

const F = nn.functional;

interface ActivationCase {
  name: string;
  input: FixtureTensor;
  out: FixtureTensor;
  grad: FixtureTensor;
  weight_grad?: FixtureTensor;
}

const fx: { cases: ActivationCase[]; reprs: Record<string, string>; errors: Record<string, string> } = JSON.parse(
  readFileSync(new URL('../fixtures/activation.json', import.meta.url), 'utf8'),
);

/** A case's call, given a fresh weight leaf where it has one (PReLU). */
type Call = (x: Tensor) => { out: Tensor; weight?: Tensor };
const plain = (fn: (x: Tensor) => Tensor): Call => (x) => ({ out: fn(x) });
const weighted = (w: number[], fn: (x: Tensor, w: Tensor) => Tensor): Call => (x) => {
  const weight = torch.tensor(w).requiresGrad_();
  return { out: fn(x, weight), weight };
};
// A fresh module per call: a suite runs once per backend, and a weight's gradient accumulates.
const withModule = (make: () => nn.Module): Call => (x) => ({ out: make().call(x) as Tensor });
const withWeight = (make: () => nn.PReLU): Call => (x) => {
  const m = make();
  return { out: m.call(x), weight: m.weight };
};

const calls: Record<string, Call> = {
  'F.relu': plain(F.relu),
  'F.sigmoid': plain(F.sigmoid),
  'F.tanh': plain(F.tanh),
  'F.leaky_relu default slope': plain((x) => F.leakyRelu(x)),
  'F.leaky_relu(0.3)': plain((x) => F.leakyRelu(x, 0.3)),
  'F.elu default alpha': plain((x) => F.elu(x)),
  'F.elu(0.4) float64': plain((x) => F.elu(x, 0.4)),
  'F.gelu': plain((x) => F.gelu(x)),
  'F.gelu tanh float64': plain((x) => F.gelu(x, { approximate: 'tanh' })),
  'F.silu': plain(F.silu),
  'F.mish': plain(F.mish),
  'F.softplus default': plain((x) => F.softplus(x)),
  'F.softplus(2, 1)': plain((x) => F.softplus(x, 2, 1)),
  'F.softplus(0.5, 3) float64': plain((x) => F.softplus(x, 0.5, 3)),
  'F.hardtanh default': plain((x) => F.hardtanh(x)),
  'F.hardtanh(-0.5, 2)': plain((x) => F.hardtanh(x, -0.5, 2)),
  'F.hardtanh(0.25, 0.25)': plain((x) => F.hardtanh(x, 0.25, 0.25)),
  'F.hardtanh(1, 0.5): min above max gives max': plain((x) => F.hardtanh(x, 1, 0.5)),
  'F.relu6': plain(F.relu6),
  'F.softmax(-1)': plain((x) => F.softmax(x, -1)),
  'F.prelu one weight 4-D': weighted([0.3], F.prelu),
  'F.prelu per channel 4-D': weighted([0.1, -0.4, 2], F.prelu),
  'F.prelu per channel 3-D': weighted([0.1, -0.4, 2], F.prelu),
  'F.prelu per channel 2-D': weighted([0.1, -0.4, 2], F.prelu),
  'F.prelu 1-D input of one channel, one weight': weighted([0.3], F.prelu),
  'ReLU(inplace=True) in place': withModule(() => new nn.ReLU(true)),
  'LeakyReLU() default': withModule(() => new nn.LeakyReLU()),
  'LeakyReLU(0.2, inplace=True) in place': withModule(() => new nn.LeakyReLU(0.2, true)),
  'ELU() default': withModule(() => new nn.ELU()),
  'ELU(0.5, inplace=True) in place': withModule(() => new nn.ELU(0.5, true)),
  'SiLU(inplace=True) in place': withModule(() => new nn.SiLU(true)),
  'Mish(inplace=True) in place': withModule(() => new nn.Mish({ inplace: true })),
  'Hardtanh(-2, 3, inplace=True) in place': withModule(() => new nn.Hardtanh(-2, 3, true)),
  'ReLU6()': withModule(() => new nn.ReLU6()),
  'ReLU6(inplace=True) in place': withModule(() => new nn.ReLU6(true)),
  'Softplus() default': withModule(() => new nn.Softplus()),
  'Softplus(beta=0.5)': withModule(() => new nn.Softplus({ beta: 0.5 })),
  'GELU() default': withModule(() => new nn.GELU()),
  'Softmax() implicit dim': withModule(() => new nn.Softmax()),
  'LogSoftmax() implicit dim': withModule(() => new nn.LogSoftmax()),
  'Sigmoid()': withModule(() => new nn.Sigmoid()),
  'Tanh()': withModule(() => new nn.Tanh()),
  'PReLU(3, 0.2)': withWeight(() => new nn.PReLU(3, 0.2)),
  'PReLU() default': withWeight(() => new nn.PReLU()),
};
for (let d = 0; d <= 4; d++) {
  calls[`F.softmax implicit dim ${d}-D`] = plain((x) => F.softmax(x));
  calls[`F.log_softmax implicit dim ${d}-D`] = plain((x) => F.logSoftmax(x, null));
}

function checkCase(c: ActivationCase): void {
  const leaf = fromFixture(c.input, { requiresGrad: true });
  const inPlace = c.name.endsWith('in place');
  const x = inPlace ? leaf.mul(1) : leaf;
  const { out, weight } = calls[c.name](x);
  assertTensor(out, c.out, 'out');
  // In place: the result is the input tensor itself, rewritten.
  if (inPlace) assert.equal(out, x, 'in place: the input tensor is returned');
  const n = Math.max(out.numel(), 1);
  out.backward(torch.linspace(0.5, 1.5, n, { dtype: out.dtype }).reshape(out.shape));
  assertTensor(leaf.grad!, c.grad, 'input grad');
  if (c.weight_grad) assertTensor(weight!.grad!, c.weight_grad, 'weight grad');
}

const x1 = torch.linspace(-2, 2, 5);
const x3 = torch.zeros(2, 3, 4);
const errorThunks: Record<string, () => unknown> = {
  "F.gelu approximate 'fast'": () => F.gelu(x1, { approximate: 'fast' as 'tanh' }),
  'F.prelu 2 weights for 3 channels': () => F.prelu(x3, torch.ones(2)),
  'F.prelu 3 weights for a 1-D input': () => F.prelu(x1, torch.ones(3)),
};

const modules: Record<string, () => nn.Module> = {
  'ReLU()': () => new nn.ReLU(),
  'ReLU(inplace=True)': () => new nn.ReLU({ inplace: true }),
  'LeakyReLU()': () => new nn.LeakyReLU(),
  'LeakyReLU(0.2, inplace=True)': () => new nn.LeakyReLU({ negativeSlope: 0.2, inplace: true }),
  'PReLU()': () => new nn.PReLU(),
  'PReLU(3, 0.2)': () => new nn.PReLU(3, 0.2),
  'ELU()': () => new nn.ELU(),
  'ELU(0.5, inplace=True)': () => new nn.ELU({ alpha: 0.5, inplace: true }),
  'GELU()': () => new nn.GELU(),
  "GELU(approximate='tanh')": () => new nn.GELU({ approximate: 'tanh' }),
  'SiLU()': () => new nn.SiLU(),
  'SiLU(inplace=True)': () => new nn.SiLU(true),
  'Mish()': () => new nn.Mish(),
  'Mish(inplace=True)': () => new nn.Mish(true),
  'Sigmoid()': () => new nn.Sigmoid(),
  'Tanh()': () => new nn.Tanh(),
  'Softplus()': () => new nn.Softplus(),
  'Softplus(2, 1)': () => new nn.Softplus(2, 1),
  'Softmax()': () => new nn.Softmax(),
  'Softmax(1)': () => new nn.Softmax(1),
  'LogSoftmax()': () => new nn.LogSoftmax(),
  'LogSoftmax(-1)': () => new nn.LogSoftmax(-1),
  'Hardtanh()': () => new nn.Hardtanh(),
  'Hardtanh(-2, 3, inplace=True)': () => new nn.Hardtanh(-2, 3, true),
  'ReLU6()': () => new nn.ReLU6(),
  'ReLU6(inplace=True)': () => new nn.ReLU6(true),
};

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    test('every fixture case has its call here', () => assert.deepEqual(Object.keys(calls).sort(), fx.cases.map((c) => c.name).sort()));
    for (const c of fx.cases) test(c.name, () => checkCase(c));

    test("keyword arguments: each module's own names, and its name in the binding errors", () => {
      const same: [nn.Module, nn.Module][] = [
        [new nn.ReLU({ inplace: true }), new nn.ReLU(true)],
        [new nn.SiLU({ inplace: true }), new nn.SiLU(true)],
        [new nn.Mish({ inplace: true }), new nn.Mish(true)],
        [new nn.ReLU6({ inplace: true }), new nn.ReLU6(true)],
        [new nn.Softplus({ beta: 2, threshold: 1 }), new nn.Softplus(2, 1)],
        [new nn.Softmax({ dim: 1 }), new nn.Softmax(1)],
        [new nn.LogSoftmax({ dim: 1 }), new nn.LogSoftmax(1)],
        [new nn.Hardtanh({ minVal: -2, maxVal: 3, inplace: true }), new nn.Hardtanh(-2, 3, true)],
        [new nn.PReLU({ numParameters: 3, init: 0.1 }), new nn.PReLU(3, 0.1)],
      ];
      for (const [a, b] of same) assert.equal(a.toString(), b.toString());
      const twice: [() => unknown, string, string][] = [
        [() => new nn.ReLU(true, { inplace: true } as never), 'ReLU', 'inplace'],
        [() => new nn.SiLU(true, { inplace: true } as never), 'SiLU', 'inplace'],
        [() => new nn.Mish(true, { inplace: true } as never), 'Mish', 'inplace'],
        [() => new nn.ReLU6(true, { inplace: true } as never), 'ReLU6', 'inplace'],
        [() => new nn.LeakyReLU(0.1, { negativeSlope: 0.2 } as never), 'LeakyReLU', 'negativeSlope'],
        [() => new nn.Softplus(2, { beta: 1 } as never), 'Softplus', 'beta'],
        [() => new nn.Softmax(1, { dim: 0 } as never), 'Softmax', 'dim'],
        [() => new nn.LogSoftmax(1, { dim: 0 } as never), 'LogSoftmax', 'dim'],
        [() => new nn.Hardtanh(-2, { minVal: 0 } as never), 'Hardtanh', 'minVal'],
      ];
      for (const [make, name, arg] of twice) assert.equal(errorOf(make), `${name}() got multiple values for argument '${arg}'`, name);
    });

    test('PReLU takes a dtype, as PyTorch\'s factory keyword', () => {
      const m = new nn.PReLU({ numParameters: 2, dtype: 'float64' });
      assert.equal(m.weight.dtype, 'float64');
      assert.deepEqual(m.weight.tolist(), [0.25, 0.25]);
    });

    test('reprs as PyTorch prints them', () => {
      assert.deepEqual(Object.keys(modules).sort(), Object.keys(fx.reprs).sort());
      for (const [name, make] of Object.entries(modules)) assert.equal(make().toString(), fx.reprs[name], name);
    });

    test('refusals in PyTorch 1.13 words', () => {
      assert.deepEqual(Object.keys(errorThunks).sort(), Object.keys(fx.errors).sort());
      for (const [name, message] of Object.entries(fx.errors)) assert.equal(errorOf(errorThunks[name]), message, name);
      // dlab's keyword arguments, named as keywords.test.ts checks for the other modules.
      assert.equal(errorOf(() => new nn.PReLU(3, { numParameters: 2 } as never)), "PReLU() got multiple values for argument 'numParameters'");
      assert.equal(errorOf(() => new nn.GELU('tanh', { approximate: 'none' } as never)), "GELU() got multiple values for argument 'approximate'");
      assert.equal(errorOf(() => new nn.ELU(0.5, { alpha: 1 } as never)), "ELU() got multiple values for argument 'alpha'");
      // PyTorch 1.13 asserts max_val > min_val, with no message of its own.
      assert.equal(errorOf(() => new nn.Hardtanh(1, 0.5)), 'Hardtanh: max_val (0.5) must be greater than min_val (1)');
      assert.equal(errorOf(() => new nn.Hardtanh(0.25, 0.25)), 'Hardtanh: max_val (0.25) must be greater than min_val (0.25)');
    });
  });
}
