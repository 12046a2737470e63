// Every in-place Tensor method (the trailing-underscore ones) and the *As view methods against
// PyTorch 1.13, from tools/fixtures/inplace.py: the values written, that the call returns the
// tensor itself, how far the version counter moves, and the gradients through the in-place op.
// Runs once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../src/index.js';
import { Tensor } from '../src/index.js';
import {
  assertClose, assertTensor, backendsUnderTest, decode, decodeAll, fromFixture, tolerance, type FixtureTensor, type FixtureValue,
} from './helpers.js';

type Arg = FixtureValue | null | { input: number } | Arg[];
interface Options { alpha?: number; value?: number; roundingMode?: 'floor' | 'trunc'; generator?: number }

interface Case {
  name: string;
  method: string;
  self: FixtureTensor;
  others: FixtureTensor[];
  args: Arg[];
  options: Options;
  out: FixtureTensor;
  same_object: boolean;
  shares_storage: boolean;
  version: number;
  weights?: FixtureTensor;
  grads: (FixtureTensor | null)[] | null;
}

interface ErrorCase extends Omit<Case, 'out' | 'same_object' | 'shares_storage' | 'version' | 'grads'> {
  message: string;
  match: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/inplace.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
  errors: ErrorCase[];
};

function resolve(a: Arg, others: Tensor[]): unknown {
  if (a === null || typeof a === 'boolean' || typeof a === 'number') return a;
  if (typeof a === 'string') return decode(a);
  if (Array.isArray(a)) return a.map((v) => resolve(v, others));
  return others[a.input];
}

/** self.method(...args, options): the options object only when the fixture has one. */
function call(self: Tensor, c: Pick<Case, 'method' | 'args' | 'options'>, others: Tensor[]): Tensor {
  const args = c.args.map((a) => resolve(a, others));
  const { generator, ...rest } = c.options;
  const options = generator === undefined ? rest : { ...rest, generator: new dlab.Generator(generator) };
  if (Object.keys(options).length > 0) args.push(options);
  const method = (self as unknown as Record<string, (...a: unknown[]) => Tensor>)[c.method];
  assert.equal(typeof method, 'function', `Tensor.${c.method}`);
  return method.apply(self, args);
}

function runCase(c: Case): void {
  const self = fromFixture(c.self);
  const others = c.others.map((o) => fromFixture(o));
  const before = self._version;
  const result = call(self, c, others);
  assert.equal(result === self, c.same_object, c.same_object ? 'returns the tensor itself' : 'returns a new tensor');
  assert.equal(result._storage === self._storage, c.shares_storage, c.shares_storage ? 'a view of self' : 'new memory');
  assert.equal(self._version - before, c.version, 'version counter');
  assertTensor(result, c.out, 'values');
  if (c.method === 'requiresGrad_') assert.equal(result.requiresGrad, c.args[0] ?? true);
  if (c.grads === null) return;

  // The same call on a clone of a leaf that requires grad: gradients flow through the write.
  const leaf = fromFixture(c.self, { requiresGrad: true });
  const leaves = c.others.map((o) => fromFixture(o, { requiresGrad: o.dtype === 'float64' }));
  const out = call(leaf.clone(), c, leaves);
  out.mul(fromFixture(c.weights!)).sum().backward();
  [leaf, ...leaves].forEach((t, i) => {
    const want = c.grads![i];
    if (want === null) {
      assert.equal(t.grad, null, `input ${i}: no gradient`);
      return;
    }
    assert.ok(t.grad, `input ${i}: a gradient`);
    assert.deepEqual([...t.grad.shape], want.shape, `input ${i} grad shape`);
    const { rtol, atol } = tolerance(want.dtype);
    assertClose(Array.from(t.grad.toTypedArray()), decodeAll(want.values), rtol, atol, `input ${i} grad`);
  });
}

for (const backend of backendsUnderTest()) {
  describe(`in-place methods vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.cases) {
      test(c.name, () => {
        dlab.setBackend(backend);
        runCase(c);
      });
    }
    describe('errors', () => {
      for (const c of fixture.errors) {
        test(c.name, () => {
          dlab.setBackend(backend);
          const self = fromFixture(c.self, { requiresGrad: c.name === 'leaf_requires_grad' });
          assert.throws(() => call(self, c, c.others.map((o) => fromFixture(o))), (e: Error) => {
            assert.ok(e.message.includes(c.match), `error message\n  got:      ${e.message}\n  PyTorch:  ${c.message}`);
            return true;
          });
        });
      }
    });
  });
}

test('the fixture covers every in-place method of Tensor', () => {
  const names = Object.getOwnPropertyNames(Tensor.prototype).filter((n) => n.endsWith('_') && !n.startsWith('_'));
  const used = new Set(fixture.cases.map((c) => c.method));
  // detach_ is covered by test/autograd.test.ts (it changes the graph, not values).
  assert.deepEqual(names.filter((n) => !used.has(n) && n !== 'detach_'), []);
});

// Writes PyTorch 1.13 refuses or allows that the fixture's error cases do not reach (the
// results and messages are PyTorch's, checked by hand with /usr/bin/python3).
for (const backend of backendsUnderTest()) {
  describe(`in-place writes PyTorch refuses or allows [${backend}]`, () => {
    test('an expanded tensor is refused where it repeats elements, not where a size-1 dim has stride 0', () => {
      dlab.setBackend(backend);
      assert.throws(() => dlab.zeros(3).expand(2, 3).add_(1), {
        message: 'unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.',
      });
      assert.deepEqual(dlab.zeros(1, 3).expand(1, 3).add_(1).tolist(), [[1, 1, 1]]);
      assert.deepEqual(dlab.zeros(3).expand(1, 3).add_(1).tolist(), [[1, 1, 1]]); // a new size-1 dim (dlab: stride 0)
      assert.deepEqual(dlab.zeros(3, 1).expand(3, 1).add_(1).tolist(), [[1], [1], [1]]);
      assert.deepEqual(dlab.zeros(2, 3).t().add_(dlab.ones(3, 2)).tolist(), [[1, 1], [1, 1], [1, 1]]);
    });
    test('dtype: an int result cannot go into bool, a bool one can go into int; copy_ and fill_ convert anything', () => {
      dlab.setBackend(backend);
      assert.throws(() => dlab.tensor([true, false]).add_(1), { message: "result type Long can't be cast to the desired output type Bool" });
      assert.deepEqual(dlab.tensor([true, false]).add_(dlab.tensor([true, true])).tolist(), [true, true]);
      assert.deepEqual(dlab.tensor([1, 2]).mul_(dlab.tensor([true, false])).tolist(), [1, 0]);
      assert.deepEqual(dlab.tensor([1, 2]).copy_(dlab.tensor([1.5, 2.5])).tolist(), [1, 2]);
      assert.deepEqual(dlab.tensor([true, false]).copy_(dlab.tensor([1.5, 0])).tolist(), [true, false]);
      // Into bool, any nonzero value is true (not truncated towards zero).
      assert.deepEqual(dlab.tensor([true, false, false]).copy_(dlab.tensor([0.5, 0, -0.25])).tolist(), [true, false, true]);
      assert.deepEqual(dlab.tensor([true, false]).fill_(0.5).tolist(), [true, true]);
      assert.deepEqual(dlab.tensor([1, 2]).fill_(2.7).tolist(), [2, 2]);
      assert.deepEqual(dlab.tensor([1, 2]).fill_(dlab.tensor(2.7)).tolist(), [2, 2]);
      assert.throws(() => dlab.zeros(3).fill_(dlab.tensor([1, 2])), {
        message: 'fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.',
      });
    });
    test('a view of a leaf that requires grad is refused, except under noGrad', () => {
      dlab.setBackend(backend);
      const x = dlab.zeros(3, { requiresGrad: true });
      assert.throws(() => x.index(dlab.slice(0, 2)).mul_(2), {
        message: 'a view of a leaf Variable that requires grad is being used in an in-place operation.',
      });
      assert.deepEqual(dlab.noGrad(() => x.add_(1)).tolist(), [1, 1, 1]);
      assert.equal(x.requiresGrad, true);
    });
  });
}

test("a non-leaf overwritten by a constant: PyTorch 1.13's node name per op, and zeros for the old history", () => {
  const writes: [string, (y: Tensor) => Tensor][] = [
    ['FillBackward2', (y) => y.fill_(2)],
    ['FillBackward3', (y) => y.fill_(dlab.tensor(2))],
    ['ZeroBackward0', (y) => y.zero_()],
    ['CopyBackwards', (y) => y.copy_(dlab.tensor([1, 2]))],
    ['UniformBackward0', (y) => y.uniform_()],
    ['NormalBackward0', (y) => y.normal_()],
    ['BernoulliBackward2', (y) => y.bernoulli_(0.5)],
  ];
  for (const [name, write] of writes) {
    const x = dlab.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    write(y);
    assert.equal(y.gradFn?.name, name);
    assert.deepEqual(y.gradFn!.nextFunctions.map((n) => n?.name), ['MulBackward0']);
    y.sum().backward();
    assert.deepEqual(x.grad?.tolist(), [0, 0], `${name}: the old history gets zeros`);
  }
});

test('the view written in place: AsStridedBackward0 over its base, gradients through the write (PyTorch 1.13)', () => {
  const x = dlab.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(1);
  const v = y.index(0);
  v.mul_(2);
  assert.equal(v.gradFn?.name, 'AsStridedBackward0');
  assert.equal(y.gradFn?.name, 'CopySlices');
  assert.equal(v.gradFn!.nextFunctions[0], y.gradFn);
  v.sum().backward();
  assert.deepEqual(x.grad?.tolist(), [[2, 2], [0, 0]]);
});

test('copy_ between tensors without history records nothing', () => {
  const t = dlab.zeros(2);
  t.copy_(dlab.ones(2));
  assert.equal(t.gradFn, null);
  assert.equal(t.requiresGrad, false);
});

test('copy_ from a tensor that requires grad: CopyBackwards to the old history (zeros) and to src, summed to its shape (PyTorch 1.13)', () => {
  const x = dlab.tensor([1, 2], { requiresGrad: true });
  const s = dlab.tensor([5], { requiresGrad: true });
  const y = x.mul(2);
  y.copy_(s);
  assert.equal(y.gradFn?.name, 'CopyBackwards');
  assert.deepEqual(y.gradFn!.nextFunctions.map((n) => n?.name), ['MulBackward0', 'AccumulateGrad']);
  y.mul(dlab.tensor([1, 3])).sum().backward();
  assert.deepEqual(x.grad?.tolist(), [0, 0]);
  assert.deepEqual(s.grad?.tolist(), [4]);
});

test('bernoulli_ writes 0/1 into any dtype (PyTorch 1.13)', () => {
  assert.deepEqual(dlab.tensor([5, 6, 7]).bernoulli_(0.5, { generator: new dlab.Generator(0) }).tolist(), [0, 0, 1]);
  assert.deepEqual(dlab.tensor([true, false, true]).bernoulli_(1).tolist(), [true, true, true]);
  assert.deepEqual(dlab.tensor([5, 6]).bernoulli_(0).tolist(), [0, 0]);
});

test('uniform_ and normal_ refuse an integer tensor (PyTorch 1.13)', () => {
  assert.throws(() => dlab.tensor([1, 2]).uniform_(), { message: `"check_uniform_bounds" not implemented for 'Long'` });
  assert.throws(() => dlab.tensor([1, 2]).normal_(), { message: `"normal_kernel_cpu" not implemented for 'Long'` });
});

test('indexPut_ with a slice beside a tensor index writes through (advanced indexing, PyTorch 1.13)', () => {
  const x = dlab.zeros(2, 3);
  x.indexPut_([dlab.slice(), dlab.tensor([0, 2])], dlab.tensor([1, 2]));
  assert.deepEqual(x.tolist(), [[1, 0, 2], [1, 0, 2]]);
  const y = dlab.zeros(2, 3);
  y.indexPut_([dlab.tensor([1])], dlab.tensor(5));
  assert.deepEqual(y.tolist(), [[0, 0, 0], [5, 5, 5]]);
});

test('second derivatives through a write into a view (CopySlices and its region both differentiable, PyTorch 1.13)', () => {
  const x = dlab.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const s = dlab.tensor([4], { dtype: 'float64', requiresGrad: true });
  const y = x.mul(x);
  y.index(dlab.slice(0, 1)).copy_(s.mul(s));
  const [gx, gs] = dlab.autograd.grad(y.mul(y).sum(), [x, s], { createGraph: true });
  assert.deepEqual(gx!.tolist(), [0, 32, 108]);
  assert.deepEqual(gs!.tolist(), [256]);
  const [ggx, ggs] = dlab.autograd.grad(gx!.sum().add(gs!.sum()), [x, s]);
  assert.deepEqual(ggx!.tolist(), [0, 48, 108]);
  assert.deepEqual(ggs!.tolist(), [192]);
});

test('a view of a tensor without history written under grad mode records nothing', () => {
  const b = dlab.zeros(2, 3);
  b.index(0).fill_(1);
  assert.equal(b.gradFn, null);
  assert.equal(b.requiresGrad, false);
  assert.deepEqual(b.tolist(), [[1, 1, 1], [0, 0, 0]]);
});
