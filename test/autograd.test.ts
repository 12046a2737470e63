// Autograd semantics as PyTorch defines them: accumulation, retained graphs, grad modes,
// hooks, higher-order gradients, in-place rules; then graphs recorded with PyTorch 1.13
// (tools/fixtures/autograd.py) rebuilt with dlab.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as torch from '../src/index.js';
import { autograd, enableGrad, noGrad, setBackend, Tensor } from '../src/index.js';
import { backendsUnderTest } from './helpers.js';
import { storageCount } from '../src/tensor/storage.js';
import { record } from '../src/ops/function.js';

const f64 = (v: number[] | number[][], requiresGrad = true) => torch.tensor(v, { dtype: 'float64', requiresGrad });
const values = (t: Tensor | null) => {
  assert.ok(t, 'expected a tensor, got null');
  return t.tolist();
};

interface Case {
  name: string;
  inputs: Record<string, { values: number[]; shape: number[] }>;
  grad_fn: string;
  next: (string | null)[];
  grad_output: number[];
  grads: Record<string, number[] | null>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/autograd.json', import.meta.url), 'utf8')) as Case[];

type Inputs = Record<string, Tensor>;
const F = torch.nn.functional;
/** The gradient of f at x for output gradient g, kept as a graph (createGraph): its double backward. */
const gradOf = (f: (t: Tensor) => Tensor, x: Tensor, g: Tensor) => autograd.grad(f(x), [x], { gradOutputs: [g], createGraph: true })[0]!;

/** dlab's spelling of each fixture expression (same names as tools/fixtures/autograd.py). */
const expressions: Record<string, (i: Inputs) => Tensor> = {
  add: ({ x, y }) => x.add(y),
  sub: ({ x, y }) => x.sub(y),
  mul_broadcast: ({ x, y }) => x.mul(y),
  div: ({ x, y }) => x.div(y),
  used_twice: ({ x }) => x.mul(x).add(x),
  exp_log_tanh: ({ x }) => x.exp().add(1).log().tanh(),
  sigmoid: ({ x }) => x.sigmoid(),
  pow_scalar: ({ x }) => x.pow(3),
  pow_tensor: ({ x, y }) => x.pow(y),
  sum: ({ x }) => x.sum(),
  sum_dim: ({ x }) => x.sum(1),
  mean: ({ x }) => x.mean(),
  mm: ({ x, w }) => x.mm(w),
  matmul_batched: ({ x, w }) => x.matmul(w),
  view: ({ x }) => x.view(6),
  transpose: ({ x }) => x.transpose(0, 1),
  t: ({ x }) => x.t(),
  permute: ({ x }) => x.permute(2, 0, 1),
  expand: ({ x }) => x.expand(2, 3),
  select: ({ x }) => x.index(1),
  slice: ({ x }) => x.index(':', torch.slice(1)),
  unsqueeze: ({ x }) => x.unsqueeze(0),
  cat: ({ x, y }) => torch.cat([x, y], 0),
  stack: ({ x, y }) => torch.stack([x, y], 1),
  relu: ({ x }) => x.relu(),
  abs: ({ x }) => x.abs(),
  clamp: ({ x }) => x.clamp(0, 1),
  where: ({ x, y }) => torch.where(x.gt(0), x, y),
  gather: ({ x }) => x.gather(1, torch.tensor([[2, 0], [1, 1]])),
  index_select: ({ x }) => x.indexSelect(1, torch.tensor([2, 0, 2])),
  max_dim: ({ x }) => x.max(1).values,
  amax: ({ x }) => x.amax(1),
  softmax: ({ x }) => x.softmax(1),
  log_softmax: ({ x }) => x.logSoftmax(1),
  cumsum: ({ x }) => x.cumsum(1),
  prod: ({ x }) => x.prod(),
  var: ({ x }) => x.var(1),
  clone: ({ x }) => x.clone(),
  to_float32: ({ x }) => x.to('float32'),
  max_pool2d: ({ x }) => F.maxPool2d(x, 2),
  max_pool2d_overlapping: ({ x }) => F.maxPool2d(x, 2, { stride: 1 }),
  max_pool1d: ({ x }) => F.maxPool1d(x, 2),
  adaptive_max_pool2d: ({ x }) => F.adaptiveMaxPool2d(x, [2, 3]),
  max_pool2d_unbatched: ({ x }) => F.maxPool2d(x, 2, { stride: 1 }),
  max_pool1d_unbatched: ({ x }) => F.maxPool1d(x, 3, { stride: 1 }),
  adaptive_max_pool1d_unbatched: ({ x }) => F.adaptiveMaxPool1d(x, 4),
  adaptive_avg_pool2d_uneven: ({ x }) => F.adaptiveAvgPool2d(x, [3, 2]),
  adaptive_avg_pool2d_even_unbatched: ({ x }) => F.adaptiveAvgPool2d(x, 2),
  max_pool2d_double_backward: ({ x, g }) => gradOf((t) => F.maxPool2d(t, 2), x, g),
  relu_double_backward: ({ x, g }) => gradOf((t) => t.relu(), x, g),
  inplace_mul: ({ x }) => {
    const y = x.mul(2);
    y.mul_(3);
    return y;
  },
  inplace_view: ({ x }) => {
    const y = x.mul(1);
    y.index(0).mul_(10);
    return y;
  },
  inplace_slice_from_other: ({ x, v }) => {
    const y = x.mul(1);
    y.index(':', torch.slice(1)).copy_(v.mul(v));
    return y;
  },
  inplace_index_put: ({ x, v }) => {
    const y = x.mul(1);
    y.indexPut_([torch.tensor([0, 2])], v);
    return y;
  },
  inplace_log: ({ x }) => {
    const y = x.mul(1);
    y.log_();
    return y;
  },
};

/**
 * Where dlab's graph differs from PyTorch's in names only (the gradients still match): known gaps
 * (composites recorded as their parts, a plain view where PyTorch has an unsafe one, scalar operands kept as inputs), each
 * with the reason. Their name check still runs against PyTorch's names and is reported as a todo
 * until the op gets PyTorch's node; remove the entry then.
 */
const nameGaps: Record<string, string> = {
  slice: 'dlab makes x[:, 1:] one SliceBackward0 over the leaf; PyTorch slices dim 0 then dim 1',
  inplace_view: 'dlab keeps an edge to the viewed mul (next: MulBackward0, MulBackward0)',
  inplace_index_put: 'dlab records indexPut_ with a tensor index as a scatter (ViewBackward0 <- ScatterBackward0)',
};

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    test('add_/sub_ with alpha outside autograd (the fused pass) round as mul then add; version bumped', () => {
      const a = torch.tensor([1.5, -2.25, 3.1, 1e-8], { dtype: 'float32' });
      const b = torch.tensor([0.1, 0.7, -1.3, 3.3], { dtype: 'float32' });
      const alpha = -0.1;
      const expected = a.add(b.mul(alpha)).tolist();
      const version = a._storage.version;
      noGrad(() => a.add_(b, { alpha }));
      assert.deepEqual(a.tolist(), expected);
      assert.equal(a._storage.version, version + 1);
      const c = torch.tensor([1, 2, 3], { dtype: 'float64' });
      c.sub_(torch.tensor([0.5, 0.5, 0.5], { dtype: 'float64' }).expand(3), { alpha: 2 });
      assert.deepEqual(c.tolist(), [0, 1, 2]);
      // A leaf that requires grad still refuses in-place writes while autograd records.
      const w = torch.ones(2, { requiresGrad: true });
      assert.throws(() => w.add_(torch.ones(2), { alpha: 2 }), /leaf Variable that requires grad/);
    });

    describe('accumulation', () => {
      test('.grad accumulates across backward calls', () => {
        const x = f64([1, 2, 3]);
        x.mul(2).sum().backward();
        x.mul(3).sum().backward();
        assert.deepEqual(values(x.grad), [5, 5, 5]);
      });
      test('a tensor used twice gets both contributions', () => {
        const x = f64([3]);
        const y = x.mul(x).add(x); // dy/dx = 2x + 1
        y.sum().backward();
        assert.deepEqual(values(x.grad), [7]);
      });
      test('a shared subexpression adds up (diamond)', () => {
        const x = f64([2]);
        const a = x.mul(3);
        a.add(a.mul(a)).sum().backward(); // d/dx (3x + 9x^2) = 3 + 18x
        assert.deepEqual(values(x.grad), [39]);
      });
      test('zero_ on .grad resets it', () => {
        const x = f64([1, 2]);
        x.mul(4).sum().backward();
        x.grad!.zero_();
        x.sum().backward();
        assert.deepEqual(values(x.grad), [1, 1]);
      });
    });

    describe('backward', () => {
      test('a non-scalar output needs a gradient', () => {
        const x = f64([1, 2]);
        assert.throws(() => x.mul(2).backward(), { message: 'grad can be implicitly created only for scalar outputs' });
        x.mul(2).backward(f64([1, 10], false));
        assert.deepEqual(values(x.grad), [2, 20]);
      });
      test('a gradient of the wrong shape is rejected', () => {
        const x = f64([1, 2]);
        assert.throws(() => x.mul(2).backward(f64([1, 2, 3], false)), /Mismatch in shape/);
      });
      test('a tensor outside the graph says so', () => {
        const x = f64([1, 2], false);
        assert.throws(() => x.mul(2).backward(), { message: 'element 0 of tensors does not require grad and does not have a grad_fn' });
      });
      test('the graph is freed after backward unless retained', () => {
        const x = f64([1, 2]);
        const y = x.exp().sum();
        y.backward();
        assert.throws(() => y.backward(), /^Error: Trying to backward through the graph a second time/);
        const z = x.exp().sum();
        z.backward(null, { retainGraph: true });
        z.backward();
        assert.deepEqual(values(x.grad), values(x.detach().exp().mul(3)));
      });
      test('the second-backward and in-place errors say all of it: what to do, which tensor, which versions', () => {
        const y = f64([1, 2]).exp().sum();
        y.backward();
        assert.throws(() => y.backward(), {
          message:
            'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ' +
            'Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). ' +
            'Specify retainGraph: true if you need to backward through the graph a second time.',
        });
        const z = f64([[1, 2], [3, 4]]).exp();
        z.add_(1);
        assert.throws(() => z.sum().backward(), {
          message: 'one of the variables needed for gradient computation has been modified by an inplace operation: [float64 [2, 2]], is at version 1; expected version 0 instead.',
        });
      });
      test('grad_fn shows its name and the tensors it saved, until backward frees them', () => {
        const a = f64([1, 2]);
        const b = f64([3, 4]);
        const y = a.mul(b);
        const node = y.gradFn!;
        assert.equal(String(node), '<MulBackward0>');
        assert.equal(node.savedTensors.length, 2);
        assert.ok(node.savedTensors[0] === a && node.savedTensors[1] === b, 'mul saves both operands');
        y.sum().backward(null, { retainGraph: true });
        assert.equal(node.savedTensors.length, 2, 'retained');
        y.sum().backward();
        assert.deepEqual(node.savedTensors, [], 'freed');
        const leaf = node.nextFunctions[0]!;
        assert.equal(String(leaf), '<AccumulateGrad>');
        assert.deepEqual(leaf.savedTensors, []);
      });
      test('a second backward adds into .grad in place, but with createGraph makes a new .grad (PyTorch 1.13)', () => {
        const x = f64([1, 2]);
        x.mul(x).sum().backward();
        const first = x.grad!;
        x.mul(x).sum().backward();
        assert.equal(x.grad, first, 'the same tensor, accumulated in place');
        assert.deepEqual(values(first), [4, 8]);
        const y = f64([1, 2]);
        y.mul(y).sum().backward(null, { createGraph: true });
        const kept = y.grad!;
        assert.ok(kept.gradFn, 'with createGraph, .grad keeps its graph');
        y.mul(y).sum().backward(null, { createGraph: true });
        assert.notEqual(y.grad, kept);
        assert.deepEqual(values(kept), [2, 4], 'the earlier .grad is left as it was');
        assert.deepEqual(values(y.grad), [4, 8]);
      });
      test('autograd.backward from several roots: one that leads into another, and the same root twice (PyTorch 1.13)', () => {
        const x = f64([1, 2]);
        const y = x.mul(x).sum();
        autograd.backward([y, y.mul(2)]);
        assert.deepEqual(values(x.grad), [6, 12]);
        const z = f64([1, 2]);
        const w = z.mul(z).sum();
        autograd.backward([w, w]);
        assert.deepEqual(values(z.grad), [4, 8]);
        // The root that another root leads into listed last: it waits for that one's gradient.
        const u = f64([1, 2]);
        const v = u.mul(u).sum();
        autograd.backward([v.mul(2), v]);
        assert.deepEqual(values(u.grad), [6, 12]);
        // A root given twice runs once: a second run would count down m's edges early, so m
        // would run before r's gradient reached it.
        const q = f64([1, 2]);
        const m = q.mul(q);
        const s = m.sum();
        autograd.backward([m.mul(3).sum(), s, s]);
        assert.deepEqual(values(q.grad), [10, 20]);
      });
      test("a node's rule runs once, with every gradient it receives summed, though one path to it is longer", () => {
        // add's rule reaches y's node directly and through mul: y's rule must wait for both.
        let calls = 0;
        const counted = (t: Tensor) => record('CountedBackward', t.detach().mul(1), [t], [], (g) => (calls++, [g]));
        const x = f64([0, 1]);
        const y = counted(x.exp());
        y.mul(2).add(y).sum().backward(null, { retainGraph: true });
        assert.equal(calls, 1);
        assert.deepEqual(values(x.grad), values(x.detach().exp().mul(3)));
      });
      test('a rule that gives an input no gradient: the nodes behind it get none (PyTorch: a Function returning None)', () => {
        const w = f64([1, 2]);
        const v = f64([3, 4]);
        const stop = (t: Tensor, u: Tensor) => record('StopBackward', t.detach().add(u.detach()), [t, u], [], (g) => [null, g]);
        stop(w.mul(2), v).sum().backward();
        assert.equal(w.grad, null);
        assert.deepEqual(values(v.grad), [1, 1]);
      });
      test('backward inputs: only the named leaves accumulate', () => {
        const a = f64([1]);
        const b = f64([2]);
        a.mul(b).sum().backward(null, { inputs: [b] });
        assert.equal(a.grad, null);
        assert.deepEqual(values(b.grad), [1]);
      });
      test('a 10,000-op chain does not overflow the stack', () => {
        const x = f64([1]);
        let y = x;
        for (let i = 0; i < 10000; i++) y = y.mul(1.0001);
        y.sum().backward();
        assert.ok(Math.abs(x.grad!.item() - 1.0001 ** 10000) < 1e-9);
      });
    });

    describe('grad mode and leaves', () => {
      test('detach cuts the graph and shares storage', () => {
        const x = f64([1, 2]);
        const d = x.mul(2).detach();
        assert.equal(d.requiresGrad, false);
        assert.equal(d.gradFn, null);
        const y = x.mul(1);
        const e = y.detach();
        noGrad(() => e.add_(1));
        assert.deepEqual(values(y), [2, 3]);
      });
      test('noGrad / enableGrad nest', () => {
        const x = f64([1]);
        noGrad(() => {
          assert.equal(torch.isGradEnabled(), false);
          assert.equal(x.mul(2).requiresGrad, false);
          enableGrad(() => {
            assert.equal(x.mul(2).requiresGrad, true);
            noGrad(() => assert.equal(x.mul(2).gradFn, null));
            assert.equal(torch.isGradEnabled(), true);
          });
          assert.equal(torch.isGradEnabled(), false);
        });
        assert.equal(torch.isGradEnabled(), true);
      });
      test('grad mode is restored when the body throws', () => {
        assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
        assert.equal(torch.isGradEnabled(), true);
      });
      test('requiresGrad_, isLeaf and integer tensors', () => {
        const x = torch.tensor([1, 2], { dtype: 'float64' });
        assert.equal(x.requiresGrad, false);
        assert.equal(x.requiresGrad_(), x);
        assert.equal(x.requiresGrad, true);
        assert.equal(x.isLeaf, true);
        const y = x.mul(2);
        assert.equal(y.isLeaf, false);
        assert.equal(y.requiresGrad, true);
        assert.equal(x.detach().mul(2).isLeaf, true); // no history: a leaf, as in PyTorch
        assert.throws(() => y.requiresGrad_(false), /you can only change requires_grad flags of leaf variables/);
        assert.throws(() => torch.tensor([1, 2]).requiresGrad_(), { message: 'only Tensors of floating point dtype can require gradients' });
        // JS cannot write `1.`: integer literals with requiresGrad become the default float dtype.
        assert.equal(torch.tensor([1, 2], { requiresGrad: true }).dtype, 'float32');
        assert.throws(() => torch.tensor([1, 2], { dtype: 'int64', requiresGrad: true }), /floating point/);
      });
      test('gradFn names and nextFunctions', () => {
        const a = f64([1, 2]);
        const b = f64([3, 4]);
        const s = a.add(b);
        assert.equal(s.gradFn!.name, 'AddBackward0');
        assert.equal(a.mul(b).gradFn!.name, 'MulBackward0');
        assert.equal(s.sum().gradFn!.name, 'SumBackward0');
        assert.equal(s.sum(0).gradFn!.name, 'SumBackward1');
        assert.deepEqual(s.gradFn!.nextFunctions.map((n) => n?.name), ['AccumulateGrad', 'AccumulateGrad']);
        // A leaf's accumulator is one node, shared by every use.
        assert.equal(s.gradFn!.nextFunctions[0], a.mul(2).gradFn!.nextFunctions[0]);
        const partial = a.mul(f64([1, 1], false));
        assert.deepEqual(partial.gradFn!.nextFunctions.map((n) => n?.name ?? null), ['AccumulateGrad', null]);
      });
      test('data: get shares storage without history; set swaps the storage', () => {
        const x = f64([1, 2]);
        const d = x.data;
        assert.equal(d.requiresGrad, false);
        d.mul_(10); // allowed: .data is outside autograd
        assert.deepEqual(values(x), [10, 20]);
        x.data = torch.tensor([7, 8, 9], { dtype: 'float64' });
        assert.deepEqual(x.shape, [3]);
        assert.equal(x.requiresGrad, true);
        x.mul(2).sum().backward();
        assert.deepEqual(values(x.grad), [2, 2, 2]);
      });
    });

    describe('autograd.grad', () => {
      test('second derivative with createGraph: d2/dx2 x^3 = 6x', () => {
        const x = f64([2, -1]);
        const [dx] = autograd.grad(x.pow(3).sum(), x, { createGraph: true });
        assert.deepEqual(values(dx), [12, 3]);
        assert.equal(dx!.requiresGrad, true);
        const [ddx] = autograd.grad(dx!.sum(), x);
        assert.deepEqual(values(ddx), [12, -6]);
        assert.equal(x.grad, null, 'autograd.grad does not touch .grad');
      });
      test('allowUnused', () => {
        const a = f64([1]);
        const b = f64([2]);
        assert.throws(
          () => autograd.grad(a.mul(2).sum(), [a, b]),
          { message: 'One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.' },
        );
        const [ga, gb] = autograd.grad(a.mul(2).sum(), [a, b], { allowUnused: true });
        assert.deepEqual(values(ga), [2]);
        assert.equal(gb, null);
      });
      test('gradOutputs weights a non-scalar output; non-leaf inputs', () => {
        const x = f64([1, 2, 3]);
        const h = x.mul(2);
        const y = h.square();
        const [gx, gh] = autograd.grad(y, [x, h], { gradOutputs: f64([1, 0, -1], false) });
        assert.deepEqual(values(gh), [4, 0, -12]);
        assert.deepEqual(values(gx), [8, 0, -24]);
      });
      test('retainGraph keeps the graph for a second autograd.grad; without it the graph is freed (PyTorch 1.13)', () => {
        const x = f64([1, 2]);
        const z = x.exp().sum();
        const expected = values(x.detach().exp());
        assert.deepEqual(values(autograd.grad(z, x, { retainGraph: true })[0]), expected);
        assert.deepEqual(values(autograd.grad(z, x)[0]), expected);
        assert.throws(() => autograd.grad(z, x), /^Error: Trying to backward through the graph a second time/);
      });
      test('autograd.backward takes one gradient or a list with null for a scalar output, and the options (PyTorch 1.13)', () => {
        const x = f64([1, 2]);
        const y = x.mul(x);
        autograd.backward([y, y.sum()], [f64([1, 10], false), null]);
        assert.deepEqual(values(x.grad), [4, 44]);
        x.grad = null;
        autograd.backward(x.mul(3), f64([1, 2], false));
        assert.deepEqual(values(x.grad), [3, 6]);
        x.grad = null;
        const w = x.exp().sum();
        autograd.backward(w, undefined, { retainGraph: true });
        autograd.backward(w);
        assert.deepEqual(values(x.grad), values(x.detach().exp().mul(2)));
        assert.throws(() => autograd.backward(w), /^Error: Trying to backward through the graph a second time/);
        const a = f64([1]);
        const b = f64([2]);
        autograd.backward(a.mul(b).sum(), undefined, { inputs: [a] });
        assert.deepEqual(values(a.grad), [2]);
        assert.equal(b.grad, null);
        const c = f64([1]);
        autograd.backward(c.pow(3).sum(), undefined, { createGraph: true });
        assert.ok(c.grad!.gradFn, 'createGraph: .grad keeps its graph');
      });
      test('an input that does not require grad is rejected', () => {
        const x = f64([1]);
        assert.throws(() => autograd.grad(x.mul(2).sum(), f64([1], false)), /does not require grad/);
      });
    });

    describe('hooks and retainGrad', () => {
      test('a hook on a leaf can replace the gradient, and be removed', () => {
        const x = f64([1, 2]);
        const seen: number[][] = [];
        const handle = x.registerHook((g) => {
          seen.push(g.tolist() as number[]);
          return g.mul(10);
        });
        x.mul(3).sum().backward();
        assert.deepEqual(seen, [[3, 3]]);
        assert.deepEqual(values(x.grad), [30, 30]);
        handle.remove();
        x.grad = null;
        x.mul(3).sum().backward();
        assert.deepEqual(values(x.grad), [3, 3]);
      });
      test('a hook on a non-leaf changes what flows on', () => {
        const x = f64([1, 2]);
        const y = x.mul(2);
        y.registerHook((g) => g.add(1));
        y.mul(3).sum().backward(); // dL/dy = 3, hooked to 4; dL/dx = 8
        assert.deepEqual(values(x.grad), [8, 8]);
        assert.equal(y.grad, null, 'a non-leaf keeps no .grad without retainGrad');
      });
      test('a hook on a non-leaf also runs in autograd.grad and in a createGraph backward (PyTorch 1.13)', () => {
        const x = f64([1, 2]);
        const y = x.mul(2);
        y.registerHook((g) => g.add(1));
        assert.deepEqual(values(autograd.grad(y.mul(3).sum(), x)[0]), [8, 8]);
        const z = f64([1, 2]);
        const h = z.mul(2);
        h.registerHook((g) => g.add(1));
        h.mul(h).sum().backward(null, { createGraph: true }); // dL/dh = 2h, hooked to 2h + 1
        assert.deepEqual(values(z.grad), [10, 18]);
        assert.ok(z.grad!.gradFn);
      });
      test("autograd.grad returns a hooked tensor's gradient from before its hook; what flows on is hooked (PyTorch 1.13)", () => {
        const x = f64([1, 2]);
        x.registerHook((g) => g.mul(10));
        assert.deepEqual(values(autograd.grad(x.mul(3).sum(), x)[0]), [3, 3]);
        const w = f64([1, 2]);
        const y = w.mul(2);
        y.registerHook((g) => g.add(1));
        const [gy, gw] = autograd.grad(y.mul(3).sum(), [y, w]);
        assert.deepEqual(values(gy), [3, 3]);
        assert.deepEqual(values(gw), [8, 8]);
      });
      test('autograd.grad and backward({ inputs }) run only the nodes on a path to what is asked: hooks and retainGrad elsewhere do not run (PyTorch 1.13)', () => {
        // The values and logs below are PyTorch 1.13's for the same graph:
        //   x, z leaves hooked (g * 10); h = x * 2 hooked; y = (h * 3 + z * z).sum()
        const log: string[] = [];
        const hooked = (name: string) => (g: Tensor) => (log.push(name), g.mul(10));
        const x = f64([1, 2]);
        const z = f64([3, 4]);
        x.registerHook(hooked('x'));
        z.registerHook(hooked('z'));
        const h = x.mul(2);
        h.registerHook(hooked('h'));
        const y = h.mul(3).add(z.mul(z)).sum();
        const take = () => log.splice(0).join(',');
        assert.deepEqual(values(autograd.grad(y, x, { retainGraph: true })[0]), [60, 60]);
        assert.equal(take(), 'h', "x's own hook and z's are off the path (x is captured, not accumulated)");
        assert.deepEqual(values(autograd.grad(y, h, { retainGraph: true })[0]), [3, 3]);
        assert.equal(take(), '', "h is captured before its hook, and nothing below it runs");
        const [gz, gh] = autograd.grad(y, [z, h], { retainGraph: true });
        assert.deepEqual([values(gz), values(gh)], [[6, 8], [3, 3]]);
        assert.equal(take(), '');
        y.backward(null, { inputs: [x], retainGraph: true });
        assert.deepEqual([values(x.grad), z.grad], [[600, 600], null]);
        assert.equal(take(), 'h,x');
        y.backward(null, { inputs: [h], retainGraph: true });
        assert.deepEqual([values(h.grad), values(x.grad)], [[30, 30], [600, 600]], 'a non-leaf input keeps its hooked gradient; nothing below it runs');
        assert.equal(take(), 'h');
        y.backward(null, { retainGraph: true });
        assert.deepEqual([values(x.grad), values(z.grad)], [[1200, 1200], [60, 80]]);
        assert.equal(take(), 'z,h,x');
        // retainGrad is a node's hook too: only the one on the path keeps a gradient.
        const a = x.mul(1);
        a.retainGrad();
        const w = z.mul(1);
        w.retainGrad();
        const y2 = a.mul(w).sum();
        autograd.grad(y2, z, { retainGraph: true });
        assert.deepEqual([a.grad, values(w.grad)], [null, [1, 2]]);
      });
      test('retainGrad keeps (and accumulates) a non-leaf gradient', () => {
        const x = f64([1, 1, 1]);
        const y = x.mul(2);
        y.retainGrad();
        assert.equal(y.retainsGrad, true);
        const z = y.mul(y).sum();
        z.backward(null, { retainGraph: true });
        assert.deepEqual(values(y.grad), [4, 4, 4]);
        z.backward();
        assert.deepEqual(values(y.grad), [8, 8, 8]);
      });
      test('retainGrad owns its buffer (the gradient passed in is not aliased)', () => {
        const x = f64([1, 2]);
        const y = x.mul(1);
        y.retainGrad();
        const g = f64([1, 1], false);
        y.backward(g);
        noGrad(() => g.mul_(5));
        assert.deepEqual(values(y.grad), [1, 1]);
      });
    });

    describe('gradients that leave a backward pass keep their values through the next pass', () => {
      // The wasm backend keeps a pass's gradients in scratch memory that the next pass reuses;
      // whatever leaves a pass (.grad, a hook's argument or result, autograd.grad's result, a
      // retained gradient) must have memory of its own. Large enough for the wasm kernels.
      const net = () => {
        torch.manualSeed(3);
        return {
          w1: torch.randn([8, 3, 3, 3]).mul(0.3).requiresGrad_(true),
          w2: torch.randn([10, 8 * 8 * 8]).mul(0.05).requiresGrad_(true),
        };
      };
      const forward = (p: ReturnType<typeof net>, x: Tensor) => {
        const h = F.maxPool2d(F.conv2d(x, p.w1, null, { padding: 1 }).relu(), 2);
        return { h, out: F.linear(h.flatten(1), p.w2) };
      };
      const inputs = () => [torch.randn([16, 3, 16, 16]), torch.randn([16, 3, 16, 16])];
      test('.grad, hook arguments and results, retained and autograd.grad gradients', () => {
        const p = net();
        const [x1, x2] = inputs();
        const kept: Tensor[] = [];
        const first = forward(p, x1);
        first.h.retainGrad();
        first.h.registerHook((g) => {
          kept.push(g, g.mul(2)); // the argument, and a kernel's result computed in the hook
        });
        first.out.square().sum().backward();
        const snapshot = [p.w1.grad!, p.w2.grad!, first.h.grad!, ...kept].map((t) => t.tolist());
        const again = forward(p, x1);
        const [g1, g2] = autograd.grad(again.out.square().sum(), [p.w1, again.h]);
        const gradSnapshot = [g1!.tolist(), g2!.tolist()];
        // Passes that reuse the scratch memory with other values.
        for (let i = 0; i < 2; i++) {
          const other = forward(p, x2);
          other.out.sum().backward();
        }
        const after = [p.w1.grad!, p.w2.grad!].map((t) => t.tolist());
        assert.notDeepEqual(after[0], snapshot[0], 'later passes accumulated into .grad');
        assert.deepEqual([first.h.grad!, ...kept].map((t) => t.tolist()), snapshot.slice(2));
        assert.deepEqual([g1!.tolist(), g2!.tolist()], gradSnapshot);
        assert.deepEqual(snapshot[3], snapshot[2], 'the hook saw the gradient retained');
      });
      // On the js backend the reference would be compared with itself: the PyTorch fixture
      // suite below is what checks js; the other backends must agree with it.
      if (backend !== 'js') test('a pass computes the same gradients as the js reference', () => {
        const grads = (b: string) => {
          const prev = torch.getBackend().name;
          setBackend(b);
          try {
            const p = net();
            const [x1] = inputs();
            forward(p, x1).out.square().sum().backward();
            return [p.w1.grad!.tolist(), p.w2.grad!.tolist()] as number[][][];
          } finally {
            setBackend(prev);
          }
        };
        const [want, got] = [grads('js'), grads(backend)];
        for (let i = 0; i < 2; i++) {
          const w = want[i].flat(4) as number[];
          const g = got[i].flat(4) as number[];
          const scale = Math.max(...w.map(Math.abs));
          assert.ok(g.every((v, j) => Math.abs(v - w[j]) <= 1e-4 * scale), `gradient ${i} matches the js backend`);
        }
      });
    });

    describe('a leaf gradient is taken without a copy only where nothing else holds it', () => {
      // What the engine may take (a gradient made in the pass, on one edge) it takes; everywhere
      // else .grad is a private copy: writing into it must never change another tensor.
      const sameStorage = (a: Tensor | null, b: Tensor | null) => a !== null && b !== null && a._storage === b._storage;
      test("Linear's weight gradient (mm through weight.t()) is taken, and owns its storage", () => {
        const w = f64([[1, 2], [3, 4], [5, 6]]);
        const x = f64([[1, -1], [2, 0.5]], false);
        x.matmul(w.t()).sum().backward();
        assert.deepEqual(values(w.grad), [[3, -0.5], [3, -0.5], [3, -0.5]]);
        assert.equal(w.grad!._base, null);
        assert.equal(w.grad!._storage.data.length, 6);
        // A second pass adds into it, as into a copy.
        x.matmul(w.t()).sum().backward();
        assert.deepEqual(values(w.grad), [[6, -1], [6, -1], [6, -1]]);
      });
      // Taken or copied shows in how many storages a pass makes: a second pass adds into .grad in
      // place, so a first pass that took its gradient makes exactly as many as the second.
      const storagesMadeBy = (f: () => void) => {
        const before = storageCount.value;
        f();
        return storageCount.value - before;
      };
      test('a gradient made in the pass is taken, not copied: the first pass makes no more storages than the second', () => {
        for (const make of [
          (w: Tensor) => w.mul(f64([2, 3], false)).sum(), // MulBackward0's fresh product
          (w: Tensor) => w.exp().sum(), // through two nodes
          (w: Tensor) => w.add(f64([1, 1], false)).mul(f64([2, 3], false)).sum(), // passed on unchanged by add's rule
          (w: Tensor) => w.mul(f64([2, 3], false)).add(w.exp()).sum(), // two contributions summed in the buffer
        ]) {
          const w = f64([0.5, -1]);
          const first = storagesMadeBy(() => make(w).backward());
          const firstGrad = w.grad;
          const second = storagesMadeBy(() => make(w).backward());
          assert.equal(first, second, `${make}: first pass ${first} storages, second ${second}`);
          assert.equal(w.grad, firstGrad); // accumulated in place
        }
        // The implicit gradient of a scalar leaf, the first storage the pass makes, is taken too.
        const s = torch.tensor(2, { dtype: 'float64', requiresGrad: true });
        const first = storagesMadeBy(() => s.backward());
        assert.equal(first, storagesMadeBy(() => s.backward()));
        assert.equal(s.grad!.item(), 2);
      });
      test('a gradient summed away in another slot no longer counts there: the leaf that got it too takes it', () => {
        // One rule hands g to a's accumulator and to t's slot; e's rule then adds into t's slot,
        // so g leaves the buffer there before a's accumulator runs (pushed first: popped last).
        const three = (a: Tensor, t: Tensor, e: Tensor) =>
          record('ThreeBackward', a.detach().add(t.detach()).add(e.detach()), [a, t, e], [], (g) => [g, g, g.mul(1)]);
        const p = f64([1, 2]);
        const make = (w: Tensor) => {
          const t = p.mul(1);
          return three(w, t, t.mul(2)).mul(f64([2, 3], false)).sum();
        };
        const a = f64([0.5, -1]);
        const first = storagesMadeBy(() => make(a).backward());
        const second = storagesMadeBy(() => make(a).backward());
        assert.equal(first, second, `first pass ${first} storages, second ${second}`);
        assert.deepEqual(values(a.grad), [4, 6]);
        assert.deepEqual(values(p.grad), [12, 18]);
      });
      test("a taken gradient is never a view: cat's narrow gradients are copied, each owning its storage", () => {
        const a = f64([1, 2]);
        const b = f64([3, 4, 5]);
        torch.cat([a, b]).mul(f64([1, 2, 3, 4, 5], false)).sum().backward();
        assert.deepEqual(values(a.grad), [1, 2]);
        assert.deepEqual(values(b.grad), [3, 4, 5]);
        for (const g of [a.grad!, b.grad!]) {
          assert.equal(g.storageOffset(), 0);
          assert.equal(g._storage.data.length, g.numel());
          assert.equal(g._base, null);
        }
        // A transposed gradient (mm's, through w.t()) is copied contiguous.
        const w = f64([[1, 2], [3, 4], [5, 6]]);
        f64([[1, -1], [2, 0.5]], false).matmul(w.t()).mul(f64([[1, 2, 3], [4, 5, 6]], false)).sum().backward();
        assert.equal(w.grad!.isContiguous(), true);
        assert.deepEqual(values(w.grad), [[9, 1], [12, 0.5], [15, 0]]);
      });
      test('a gradient still waiting in the buffer for another node is not taken (that node\'s hook sees it later)', () => {
        // add's rule hands one fresh gradient to a's accumulator (run first: pushed last) and to
        // t's node, whose hook keeps it: a.grad must be a copy, or writing into it changes what the hook saw.
        const a = f64([1, 2]);
        const t = f64([3, 4]).add(f64([1, 1], false));
        const seen: Tensor[] = [];
        t.registerHook((h) => void seen.push(h));
        t.add(a).mul(f64([2, 3], false)).sum().backward();
        assert.deepEqual(values(a.grad), [2, 3]);
        noGrad(() => a.grad!.add_(10));
        assert.deepEqual(values(seen[0]), [2, 3]);
      });
      test('a rule that hands out a gradient it keeps (a cache) never shares it with a .grad that took it', () => {
        // B's rule runs first and makes the cache, which b takes; A's rule hands the same tensor
        // on: a copies it, and b's .grad must be made private at the end of the pass.
        let cache: Tensor | null = null;
        const cached = (x: Tensor) => record('CachedBackward', x.detach().mul(1), [x], [], (g) => [(cache ??= g.mul(1))]);
        const a = f64([1, 2]);
        const b = f64([3, 4]);
        cached(a).add(cached(b)).mul(f64([2, 3], false)).sum().backward();
        assert.deepEqual(values(a.grad), [2, 3]);
        assert.deepEqual(values(b.grad), [2, 3]);
        noGrad(() => b.grad!.add_(10));
        noGrad(() => a.grad!.add_(20));
        assert.deepEqual(values(cache), [2, 3]);
      });
      test('one gradient handed to two leaves gives each its own storage', () => {
        const a = f64([1, 2]);
        const b = f64([3, 4]);
        a.add(b).backward(f64([1, 1], false).mul(2)); // add's rule hands the same tensor to both
        assert.ok(!sameStorage(a.grad, b.grad));
        noGrad(() => a.grad!.add_(1));
        assert.deepEqual(values(b.grad), [2, 2]);
        const c = f64([1, 2]);
        const d = f64([5, 6]);
        c.mul(3).add(d.mul(1)).sum().backward(); // views of one storage on two edges
        noGrad(() => c.grad!.mul_(0));
        assert.deepEqual(values(d.grad), [1, 1]);
      });
      test("a user's gradient, a hook's view and a retained gradient are never aliased by .grad", () => {
        const w = f64([1, 2]);
        const g = f64([1, 1], false);
        w.backward(g);
        noGrad(() => w.grad!.add_(1));
        assert.deepEqual(values(g), [1, 1]);

        const x = f64([1, 2]);
        const seen: Tensor[] = [];
        x.registerHook((h) => void seen.push(h));
        x.mul(2).sum().backward();
        noGrad(() => x.grad!.add_(1));
        assert.deepEqual(values(seen[0]), [2, 2]);

        const p = f64([1, 2]);
        const y = p.mul(1);
        const kept: Tensor[] = [];
        y.registerHook((h) => void kept.push(h));
        y.mul(2).sum().backward(); // mul(1)'s rule passes the hooked gradient on
        noGrad(() => p.grad!.add_(1));
        assert.deepEqual(values(kept[0]), [2, 2]);
        assert.deepEqual(values(p.grad), [3, 3]);
      });
    });

    describe('in place', () => {
      test('on a leaf that requires grad: an error, except under noGrad', () => {
        const x = f64([1, 2]);
        assert.throws(() => x.add_(1), { message: 'a leaf Variable that requires grad is being used in an in-place operation.' });
        assert.throws(() => x.index(0).mul_(2), /a view of a leaf Variable that requires grad/);
        noGrad(() => x.add_(1));
        assert.deepEqual(values(x), [2, 3]);
        assert.equal(x.isLeaf, true);
      });
      test('modifying a tensor saved for backward is caught', () => {
        const x = f64([1, 2]);
        const y = x.exp(); // exp saves its output
        y.add_(1);
        assert.throws(() => y.sum().backward(), /one of the variables needed for gradient computation has been modified by an inplace operation/);
      });
      test('y.mul_(y) is caught too (mul saved the other operand, as in PyTorch)', () => {
        const x = f64([1, 2]);
        const y = x.add(1);
        y.mul_(y);
        assert.throws(() => y.sum().backward(), /modified by an inplace operation/);
      });
      test('in place on a non-leaf gives the right gradient', () => {
        const x = f64([1, 2]);
        const y = x.mul(2);
        y.mul_(3);
        assert.equal(y.gradFn!.name, 'MulBackward0');
        y.sum().backward();
        assert.deepEqual(values(x.grad), [6, 6]);
      });
      test('ops that read their input (mul_ by a tensor, div_, pow_, log_) see the old values', () => {
        const x = f64([1, 2]);
        const b = f64([3, 4]);
        const y = x.mul(2);
        y.mul_(b).pow_(2).log_(); // log((2xb)^2) = 2 log 2 + 2 log x + 2 log b
        y.sum().backward();
        assert.deepEqual(values(x.grad), [2, 1]);
        assert.deepEqual(values(b.grad), [2 / 3, 0.5]);
      });
      test('through a view of a non-leaf (CopySlices)', () => {
        const x = f64([[1, 2], [3, 4]]);
        const y = x.mul(1);
        y.index(0).mul_(10);
        assert.equal(y.gradFn!.name, 'CopySlices');
        assert.deepEqual(values(y), [[10, 20], [3, 4]]);
        y.sum().backward();
        assert.deepEqual(values(x.grad), [[10, 10], [1, 1]]);
      });
      test('a constant written into a view cuts that region', () => {
        const x = f64([1, 2, 3]);
        const y = x.mul(2);
        y.index(torch.slice(1)).fill_(0);
        y.sum().backward();
        assert.deepEqual(values(x.grad), [2, 0, 0]);
      });
      test('a leaf written from a tensor that requires grad joins the graph', () => {
        const w = f64([1, 2]);
        const buf = torch.zeros([2], { dtype: 'float64' });
        buf.copy_(w.mul(3));
        assert.equal(buf.isLeaf, false);
        buf.sum().backward();
        assert.deepEqual(values(w.grad), [3, 3]);
      });
      test('indexPut_ with a tensor index', () => {
        const x = f64([1, 2, 3]);
        const v = f64([5, 6]);
        const y = x.mul(1);
        y.indexPut_([torch.tensor([0, 2])], v);
        assert.deepEqual(values(y), [5, 2, 6]);
        y.mul(f64([1, 2, 3], false)).sum().backward();
        assert.deepEqual(values(x.grad), [0, 2, 0]);
        assert.deepEqual(values(v.grad), [1, 3]);
      });
      test('max pooling saves its input as PyTorch does: writing into it before backward is an error', () => {
        const x = f64([1, 5, 3, 2]).reshape(1, 1, 2, 2);
        const h = x.mul(1);
        const y = torch.nn.functional.maxPool2d(h, 2);
        h.mul_(2);
        assert.throws(() => y.sum().backward(), /modified by an inplace operation/);
      });
      test('the version counter counts writes', () => {
        const x = torch.zeros([2]);
        const v0 = x._version;
        x.add_(1);
        x.index(0).fill_(3);
        assert.equal(x._version, v0 + 2);
      });
    });

    describe('PyTorch fixture', () => {
      test('the fixture and the dlab expressions list the same cases', () => {
        assert.deepEqual(Object.keys(expressions).sort(), fixture.map((c) => c.name).sort());
      });
      const build = (c: Case) => {
        const inputs: Inputs = {};
        for (const [k, v] of Object.entries(c.inputs)) {
          inputs[k] = torch.tensor(v.values, { dtype: 'float64' }).reshape(v.shape).requiresGrad_();
        }
        return { inputs, out: expressions[c.name](inputs) };
      };
      for (const c of fixture) {
        const names = () => {
          const { gradFn } = build(c).out;
          assert.deepEqual({ grad_fn: gradFn!.name, next: gradFn!.nextFunctions.map((n) => n?.name ?? null) }, { grad_fn: c.grad_fn, next: c.next });
        };
        if (nameGaps[c.name]) test.todo(`${c.name}: grad_fn names as PyTorch's (known gap: ${nameGaps[c.name]})`, names);
        else test(`${c.name}: grad_fn names as PyTorch's`, names);
        test(`${c.name}: gradients`, () => {
          const { inputs, out } = build(c);
          out.backward(torch.tensor(c.grad_output, { dtype: out.dtype }).reshape([...out.shape]));
          for (const [k, expected] of Object.entries(c.grads)) {
            const got = inputs[k].grad;
            if (expected === null) {
              assert.equal(got, null, k);
              continue;
            }
            const flat = got!.reshape(-1).tolist() as number[];
            // float64 gradients of these small graphs agree with PyTorch to a few ulps.
            flat.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) <= 1e-14 + 1e-12 * Math.abs(expected[i]), `${k}[${i}]: ${g} vs ${expected[i]}`));
          }
        });
      }
    });
  });
}

test("an assigned .grad must match the tensor's dtype, device and size, as PyTorch 1.13 checks", () => {
  const p = torch.tensor([1.5, 2], { requiresGrad: true });
  assert.throws(() => (p.grad = torch.tensor([1, 1])), { message: 'assigned grad has data of a different type' });
  assert.throws(() => (p.grad = torch.tensor([1, 2], { dtype: 'float64' })), { message: 'assigned grad has data of a different type' });
  assert.throws(() => (p.grad = torch.tensor([1.5])), { message: 'assigned grad has data of a different size' });
  assert.throws(() => (p.grad = 5 as unknown as torch.Tensor), { message: 'assigned grad expected to be a Tensor or None but got grad of typeint' });
  p.grad = torch.tensor([0.5, 1.5]);
  assert.deepEqual(p.grad.tolist(), [0.5, 1.5]);
  p.grad = undefined as unknown as null;
  assert.equal(p.grad, null);
});
