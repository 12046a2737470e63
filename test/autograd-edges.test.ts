// Gradients that change dtype on the way, against PyTorch 1.13 (tools/fixtures/autograd_edges.py):
// the engine casts every gradient a node produces to the dtype of the input it flows to, as
// PyTorch's validate_outputs does on every edge, so a float64 gradient entering a float32
// non-leaf is float32 for its hooks, its retained .grad, autograd.grad and every node below it.
// Once per backend.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as torch from '../src/index.js';
import { autograd, setBackend, type Tensor } from '../src/index.js';
import { assertTensor, backendsUnderTest, decodeAll, type FixtureTensor } from './helpers.js';

interface Case {
  hooks: Record<string, string[]>;
  grads: Record<string, FixtureTensor>;
  grad_fn?: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/autograd_edges.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

const leaves = () => [torch.tensor([0.1, 0.7, -1.3], { requiresGrad: true }), torch.tensor([1.1, 0.3, 2.7], { requiresGrad: true })];

/** The dtypes a hook on t sees, in order. */
function watch(t: Tensor): string[] {
  const seen: string[] = [];
  t.registerHook((g) => void seen.push(g.dtype));
  return seen;
}

/** dlab's spelling of each fixture graph (same names as the fixture script). */
const graphs: Record<string, () => { hooks: Record<string, string[]>; grads: Record<string, Tensor | null>; gradFn?: string }> = {
  mean_float64() {
    const [x, w] = leaves();
    const h = x.mul(w);
    const k = h.sin();
    h.retainGrad();
    k.retainGrad();
    const hooks = { h: watch(h), k: watch(k) };
    k.mean(null, { dtype: 'float64' }).backward(torch.tensor(1 / 3, { dtype: 'float64' }));
    return { hooks, grads: { x: x.grad, w: w.grad, h: h.grad, k: k.grad } };
  },
  root_float64() {
    const [x, w] = leaves();
    const y = x.mul(w);
    const hooks = { y: watch(y) };
    y.backward(torch.tensor([1 / 3, 2 / 3, 1 / 7], { dtype: 'float64' }));
    return { hooks, grads: { x: x.grad, w: w.grad } };
  },
  grad_of_nonleaf() {
    const [x, w] = leaves();
    const h = x.mul(w);
    const [gh, gx] = autograd.grad(h.exp().mean(null, { dtype: 'float64' }), [h, x]);
    return { hooks: {}, grads: { h: gh, x: gx } };
  },
  create_graph() {
    const [x] = leaves();
    const h = x.mul(x);
    const [gx] = autograd.grad(h.mean(null, { dtype: 'float64' }), [x], { createGraph: true });
    const gradFn = gx!.gradFn?.name;
    gx!.pow(2).sum().backward();
    return { hooks: {}, grads: { gx, x: x.grad }, gradFn };
  },
};

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}: gradients take the dtype of the input they flow to`, () => {
    before(() => setBackend(backend));

    test('the fixture and the dlab graphs list the same cases', () => {
      assert.deepEqual(Object.keys(graphs).sort(), Object.keys(fixture.cases).sort());
    });

    for (const [name, expected] of Object.entries(fixture.cases)) {
      test(name, () => {
        const got = graphs[name]();
        assert.deepEqual(got.hooks, expected.hooks, 'dtypes the hooks saw');
        for (const [t, g] of Object.entries(expected.grads)) assertTensor(got.grads[t]!, g, `${name}: gradient of ${t}`);
        if (expected.grad_fn) assert.equal(got.gradFn, expected.grad_fn);
      });
    }

    test('a float32 chain fed a float64 gradient rounds it once, where it enters (products bit-identical to PyTorch)', () => {
      // x.grad = float32(g) * w in float32, not float32(g * w) computed in float64.
      const expected = fixture.cases.root_float64.grads;
      const got = graphs.root_float64().grads;
      assert.deepEqual(Array.from(got.x!.toTypedArray()), decodeAll(expected.x.values).map(Math.fround));
      assert.deepEqual(Array.from(got.w!.toTypedArray()), decodeAll(expected.w.values).map(Math.fround));
    });
  });
}
