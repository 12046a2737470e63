// src/ops/elementwise.ts beyond its value tables (which test/ops.test.ts checks against fixtures):
// what each node saves for backward, as PyTorch's grad_fn does (_saved_self / _saved_result), and
// so which in-place change breaks its backward; threshold_backward's gradient dtype. Expected
// values from PyTorch 1.13, with the line that printed them.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import * as dlab from '../src/index.js';
import { Tensor } from '../src/index.js';
import { assertClose, backendsUnderTest } from './helpers.js';

const f64 = (values: number[]) => dlab.tensor(values, { dtype: 'float64', requiresGrad: true });

// for o in ops: print(o, [a for a in dir(getattr(torch, o)(x).grad_fn) if a.startswith('_saved')])
// (x = torch.tensor([0.3, 0.5], dtype=torch.float64, requires_grad=True); x + 1 for acosh)
const SAVES_SELF = 'abs log log1p log2 log10 sin cos asin acos atan sinh cosh asinh acosh atanh erf erfc erfinv'.split(' ');
const SAVES_RESULT = 'exp expm1 sqrt rsqrt tan tanh sigmoid relu reciprocal'.split(' ');
const SAVES_NOTHING = 'neg sign floor ceil round trunc'.split(' ');

type Unary = (x: Tensor) => Tensor;
const unaryOp = (name: string) => (dlab as unknown as Record<string, Unary>)[name];

test('where saves its condition (PyTorch 1.13: WhereBackward0 has _saved_condition)', () => {
  const condition = dlab.tensor([true, false]);
  const y = dlab.where(condition, f64([1, 2]), f64([3, 4]));
  assert.ok(y.gradFn!.savedTensors.length === 1 && y.gradFn!.savedTensors[0] === condition);
});

test('F.hardtanh is one HardtanhBackward0 node that saves its input (PyTorch 1.13: _saved_self)', () => {
  const x = f64([-2, 0.5]);
  const node = dlab.nn.functional.hardtanh(x).gradFn!;
  assert.equal(node.name, 'HardtanhBackward0');
  assert.ok(node.savedTensors.length === 1 && node.savedTensors[0] === x);
});

test('each unary node saves its input or its output as PyTorch 1.13\'s does, or nothing', () => {
  for (const name of [...SAVES_SELF, ...SAVES_RESULT, ...SAVES_NOTHING]) {
    const x = f64(name === 'acosh' ? [1.3, 1.5] : [0.3, 0.5]);
    const y = unaryOp(name)(x);
    const expected = SAVES_SELF.includes(name) ? [x] : SAVES_RESULT.includes(name) ? [y] : [];
    const saved = y.gradFn!.savedTensors;
    assert.equal(saved.length, expected.length, `${name} saves ${expected.length} tensor(s)`);
    expected.forEach((t, i) => assert.ok(saved[i] === t, `${name} saves its ${t === x ? 'input' : 'output'}`));
  }
});

// What a binary node saves depends on which operands need a gradient (PyTorch's generated nodes
// save self for other's gradient only when other requires grad). Each row: op, then a's kind (a: needs
// a gradient, -: does not) and b's (s: a number, t: a tensor that needs none, b: one that needs one),
// then whether changing a, b or the output in place (add_(1)) after the op lets backward run (.),
// breaks it (x) or is not tried (-). Printed by tools/fixtures/binary_saves.py (PyTorch 1.13):
//   a = a0 * 1 (or a0.clone()); b likewise, or 2.0; y = getattr(torch, op)(a, b); {a, b, y}[which].add_(1); y.sum().backward()
const BINARY_SAVES = `add as .-. / add at ... / add ab ... / add -b ... / sub as .-. / sub at ... / sub ab ... / sub -b ... /
  mul as .-. / mul at .x. / mul ab xx. / mul -b x.. / div as .-. / div at .x. / div ab xx. / div -b xx. / pow as x-. /
  pow at xxx / pow ab xxx / pow -b xxx / atan2 at xx. / atan2 ab xx. / atan2 -b xx. / maximum at xx. / maximum ab xx. /
  maximum -b xx. / minimum at xx. / minimum ab xx. / minimum -b xx. / remainder as .-. / remainder at ... / remainder ab xx. /
  remainder -b xx. / fmod as .-. / fmod at ... / fmod ab xx. / fmod -b xx.`;

type Binary = (a: Tensor, b: Tensor | number) => Tensor;

test('a binary node saves only what the gradients asked for read, so the rest may change in place (PyTorch 1.13)', () => {
  for (const row of BINARY_SAVES.split('/').map((r) => r.trim())) {
    const [op, kinds, outcomes] = row.split(' ');
    [...'aby'].forEach((which, k) => {
      if (outcomes[k] === '-') return;
      const a0 = dlab.tensor([0.3, 0.5], { dtype: 'float64', requiresGrad: kinds[0] === 'a' });
      const b0 = dlab.tensor([1.3, 2.5], { dtype: 'float64', requiresGrad: kinds[1] === 'b' });
      const a = a0.mul(1);
      const b = kinds[1] === 's' ? 2 : b0.mul(1);
      const y = (dlab as unknown as Record<string, Binary>)[op](a, b);
      ({ a, b, y } as Record<string, Tensor>)[which].add_(1);
      const run = () => y.sum().backward();
      if (outcomes[k] === 'x') assert.throws(run, { message: /modified by an inplace operation/ }, `${row}: changing ${which}`);
      else assert.doesNotThrow(run, `${row}: changing ${which}`);
    });
  }
});

test('add and sub with alpha 1 link both operands straight to their leaves; a bool tensor on either side of sub is refused (PyTorch 1.13)', () => {
  // [type(n).__name__ for n, _ in torch.add(a, b).grad_fn.next_functions] -> ['AccumulateGrad', 'AccumulateGrad'] (sub too)
  const a = dlab.tensor([1, 2], { requiresGrad: true });
  const b = dlab.tensor([3, 4], { requiresGrad: true });
  for (const y of [a.add(b), a.sub(b)]) assert.deepEqual(y.gradFn!.nextFunctions.map((n) => n?.name), ['AccumulateGrad', 'AccumulateGrad']);
  // torch.sub(a, torch.tensor([True, False])): RuntimeError: Subtraction, the `-` operator, with a bool tensor is not supported. ...
  const mask = dlab.tensor([true, false]);
  for (const [x, y] of [[a, mask], [mask, a]]) {
    assert.throws(() => dlab.sub(x, y), { message: 'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.' });
  }
});

test('pow refuses only an integer tensor to a negative integer number; a float base, a fractional or tensor exponent pass (PyTorch 1.13)', () => {
  // torch.pow(torch.tensor([2., 4.]), -2) -> [0.25, 0.0625]; torch.pow(torch.tensor([2, 4]), -2.5) -> [0.1768, 0.0312] float32;
  // torch.pow(2, torch.tensor([-1, 2])) -> [0, 4]; torch.pow(torch.tensor([2, 4]), torch.tensor([-1, 2])) -> [0, 16];
  // torch.pow(torch.tensor([2, 4]), -2): RuntimeError: Integers to negative integer powers are not allowed.
  assert.deepEqual(dlab.pow(dlab.tensor([2, 4], { dtype: 'float32' }), -2).tolist(), [0.25, 0.0625]);
  const fractional = dlab.pow(dlab.tensor([2, 4]), -2.5);
  assert.equal(fractional.dtype, 'float32');
  assertClose(Array.from(fractional.toTypedArray()), [2 ** -2.5, 4 ** -2.5], 1e-6, 0, "pow(int, -2.5)");
  assert.deepEqual(dlab.pow(2, dlab.tensor([-1, 2])).tolist(), [0, 4]);
  assert.deepEqual(dlab.pow(dlab.tensor([2, 4]), dlab.tensor([-1, 2])).tolist(), [0, 16]);
  assert.throws(() => dlab.pow(dlab.tensor([2, 4]), -2), { name: 'RangeError', message: 'Integers to negative integer powers are not allowed.' });
  // torch.pow(torch.tensor([2, 4]), 0) -> [1, 1]
  assert.deepEqual(dlab.pow(dlab.tensor([2, 4]), 0).tolist(), [1, 1]);
});

for (const backend of backendsUnderTest()) {
  describe(`elementwise nodes [${backend}]`, () => {
    test('changing what a node saved in place breaks its backward; changing what it did not save does not (PyTorch 1.13)', () => {
      dlab.setBackend(backend);
      const inplaceError = { message: /^one of the variables needed for gradient computation has been modified by an inplace operation/ };
      // sin saves its input: x.add_(1) (under no_grad, x being a leaf) makes its backward fail;
      // its output may change. exp is the other way round.
      const x = f64([0.3, 0.5]);
      const s = x.sin();
      dlab.noGrad(() => x.add_(1));
      assert.throws(() => s.sum().backward(), inplaceError);
      const x2 = f64([0.3, 0.5]);
      const s2 = x2.sin();
      s2.add_(1);
      s2.sum().backward();
      // x2.sin().add_(1).sum().backward(); x2.grad: cos(0.3), cos(0.5)
      assert.deepEqual(x2.grad!.tolist(), [Math.cos(0.3), Math.cos(0.5)]);
      const x3 = f64([0.3, 0.5]);
      const e = x3.exp();
      e.mul_(2);
      assert.throws(() => e.sum().backward(), inplaceError);
      const x4 = f64([0.3, 0.5]);
      const e4 = x4.exp();
      dlab.noGrad(() => x4.add_(1));
      e4.sum().backward();
      assert.deepEqual(x4.grad!.tolist(), [Math.exp(0.3), Math.exp(0.5)]);
    });

    test("relu's backward takes a gradient of another float dtype and gives the input's (PyTorch 1.13)", () => {
      dlab.setBackend(backend);
      // x = torch.tensor([-1., 2, 3], requires_grad=True); torch.relu(x).backward(torch.tensor([1.5, 2.5, 3.5], dtype=torch.float64))
      // x.grad: tensor([0.0000, 2.5000, 3.5000]) (float32)
      const x = dlab.tensor([-1, 2, 3], { dtype: 'float32', requiresGrad: true });
      dlab.relu(x).backward(dlab.tensor([1.5, 2.5, 3.5], { dtype: 'float64' }));
      assert.equal(x.grad!.dtype, 'float32');
      assert.deepEqual(x.grad!.tolist(), [0, 2.5, 3.5]);
    });

    test("relu's gradient is a ThresholdBackwardBackward0 node: linear in the output gradient, zero for the input (PyTorch 1.13)", () => {
      dlab.setBackend(backend);
      // y = torch.relu(x); g, = torch.autograd.grad([y], [x], [v], create_graph=True)
      // g: [0, 2.5, 3.5], grad_fn ThresholdBackwardBackward0, next_functions AccumulateGrad (v), ReluBackward0 (y),
      // _saved_self equal to y; torch.autograd.grad([g], [v, x], [w]): ([0, -1, 2], [0, 0, 0])
      const x = f64([-1, 2, 3]);
      const v = f64([1.5, 2.5, 3.5]);
      const y = dlab.relu(x);
      const [g] = dlab.autograd.grad(y, x, { gradOutputs: v, createGraph: true });
      assert.deepEqual(g!.tolist(), [0, 2.5, 3.5]);
      const node = g!.gradFn!;
      assert.equal(node.name, 'ThresholdBackwardBackward0');
      assert.deepEqual(node.nextFunctions.map((n) => n?.name ?? null), ['AccumulateGrad', 'ReluBackward0']);
      assert.ok(node.savedTensors.length === 1 && node.savedTensors[0] === y, 'saves the relu output only');
      const [gv, gx] = dlab.autograd.grad(g!, [v, x], { gradOutputs: dlab.tensor([0.5, -1, 2], { dtype: 'float64' }) });
      assert.deepEqual(gv!.tolist(), [0, -1, 2]);
      assert.deepEqual(gx!.tolist(), [0, 0, 0]);
    });

    test('a gradient through a promoted operand comes back in the operand\'s dtype (PyTorch 1.13)', () => {
      dlab.setBackend(backend);
      // a = torch.tensor([1.5, 2.], requires_grad=True); b = torch.tensor([3., 4.], dtype=torch.float64, requires_grad=True)
      // (a * b).sum().backward(): a.grad tensor([3., 4.]) (float32), b.grad tensor([1.5, 2.]) (float64)
      const a = dlab.tensor([1.5, 2], { dtype: 'float32', requiresGrad: true });
      const b = dlab.tensor([3, 4], { dtype: 'float64', requiresGrad: true });
      const y = a.mul(b);
      assert.equal(y.dtype, 'float64');
      y.sum().backward();
      assert.deepEqual([a.grad!.dtype, a.grad!.tolist()], ['float32', [3, 4]]);
      assert.deepEqual([b.grad!.dtype, b.grad!.tolist()], ['float64', [1.5, 2]]);
    });

    test("floor division's gradient is zeros of each operand's dtype (PyTorch 1.13's DivBackward2)", () => {
      dlab.setBackend(backend);
      // a = torch.tensor([5., 7.], dtype=torch.float64, requires_grad=True); b likewise [2., 3.]
      // torch.div(a, b, rounding_mode='floor').sum().backward(): a.grad, b.grad tensor([0., 0.], dtype=torch.float64)
      const a = f64([5, 7]);
      const b = f64([2, 3]);
      dlab.div(a, b, { roundingMode: 'floor' }).sum().backward();
      assert.deepEqual([a.grad!.dtype, a.grad!.tolist()], ['float64', [0, 0]]);
      assert.deepEqual([b.grad!.dtype, b.grad!.tolist()], ['float64', [0, 0]]);
    });
  });
}
