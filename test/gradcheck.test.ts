// Every differentiable primitive passes a float64 finite-difference gradcheck (and a
// representative subset gradgradcheck). The unary and binary tables are typed Record<UnaryOp>
// and Record<BinaryOp>, so a new elementwise op without a case does not compile; the other
// primitives are found by their grad_fn names in src/ops/*.ts, and a final test fails when a
// name never shows up in a checked graph.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

import * as torch from '../src/index.js';
import { autograd, setBackend, Tensor } from '../src/index.js';
import type { BinaryOp, UnaryOp } from '../src/backend/backend.js';
import { backendsUnderTest } from './helpers.js';

type Fn = (...xs: Tensor[]) => Tensor;

/** Deterministic, irregular values in [lo, hi) (golden-ratio steps: no ties, no kinks by accident). */
function values(n: number, lo: number, hi: number, phase = 0): number[] {
  return Array.from({ length: n }, (_, k) => lo + (hi - lo) * ((k * 0.6180339887 + phase + 0.05) % 1));
}

/** A float64 leaf that requires grad. */
function leaf(shape: readonly number[], lo = -1, hi = 1, phase = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return torch.tensor(values(n, lo, hi, phase), { dtype: 'float64' }).reshape([...shape]).requiresGrad_(true);
}

const long = (v: number[] | number[][]) => torch.tensor(v, { dtype: 'int64' });

/** Every grad_fn name reached from the outputs of the checked functions. */
const seen = new Set<string>();
function collectNames(out: Tensor | Tensor[]): void {
  const stack = (Array.isArray(out) ? out : [out]).map((t) => t.gradFn).filter((n) => n !== null);
  const visited = new Set(stack);
  while (stack.length > 0) {
    const node = stack.pop()!;
    seen.add(node.name);
    for (const next of node.nextFunctions) {
      if (next && !visited.has(next)) {
        visited.add(next);
        stack.push(next);
      }
    }
  }
}

/** While the coverage test collects names, check() only builds the graphs (no gradcheck). */
let namesOnly = false;

function check(fn: Fn, inputs: Tensor[], options: { gradgrad?: boolean } = {}): void {
  collectNames(fn(...inputs));
  if (!namesOnly) assert.equal(autograd.gradcheck(fn, inputs), true);
  if (options.gradgrad) {
    // The graph of the gradient itself holds the double-backward nodes' names.
    const out = fn(...inputs);
    const grads = autograd.grad(out, inputs, { gradOutputs: out.detach().add(1).requiresGrad_(), createGraph: true, allowUnused: true });
    collectNames(grads.filter((g): g is Tensor => g !== null));
    if (!namesOnly) assert.equal(autograd.gradgradcheck(fn, inputs), true);
  }
}

/** Every case body of the suites below, so that the coverage test can run them itself. */
const bodies: (() => void)[] = [];
const firstBackend = backendsUnderTest()[0];
/** Set while the first backend's suites are defined (describe bodies run as they are declared). */
let registering = false;

/** test() for a case of the suites: also registered (once, not per backend) for the coverage test. */
function caseTest(name: string, body: () => void): void {
  if (registering) bodies.push(body);
  test(name, body);
}

// ---------------------------------------------------------------------------- gradcheck itself

// PyTorch 1.13's torch/autograd/gradcheck.py: _check_inputs, _check_no_differentiable_outputs and
// the Jacobian mismatch of _slow_gradcheck (values and messages printed by PyTorch for the same
// functions).
describe('gradcheck can fail', () => {
  const x = () => torch.tensor([0.3, -1.2, 2.5], { dtype: 'float64', requiresGrad: true });
  test('a wrong backward (a hook that triples the gradient) is caught', () => {
    const wrong = (t: Tensor) => {
      const y = t.mul(2);
      y.registerHook((g) => g.mul(3));
      return y;
    };
    assert.throws(() => autograd.gradcheck(wrong, [x()]), /Jacobian mismatch for output 0 with respect to input 0, element \(0, 0\): numerical 1\.9999\d* vs analytical 6$/);
    assert.equal(autograd.gradcheck(wrong, [x()], { raiseException: false }), false);
  });
  test('an output cut off from the graph that depends on the input fails', () => {
    const cut = (t: Tensor) => t.detach().mul(2);
    assert.throws(() => autograd.gradcheck(cut, [x()]), { message: 'Numerical gradient for function expected to be zero' });
    assert.equal(autograd.gradcheck(cut, [x()], { raiseException: false }), false);
    // Every output is checked: a constant one beside it does not hide it.
    const beside = (t: Tensor) => [torch.ones([2], { dtype: 'float64' }), cut(t)];
    assert.throws(() => autograd.gradcheck(beside, [x()]), { message: 'Numerical gradient for function expected to be zero' });
  });
  test('an output that does not depend on the input passes, as in PyTorch', () => {
    assert.equal(autograd.gradcheck(() => torch.ones([2], { dtype: 'float64' }), [x()]), true);
  });
  // The agreement test is numpy's isclose, |numerical - analytical| <= atol + rtol * |numerical|:
  // a gradient 0.05% off passes at the default rtol 1e-3, 0.15% off fails (PyTorch: True, False).
  const scaled = (factor: number) => (t: Tensor) => {
    const y = t.mul(2);
    y.registerHook((g) => g.mul(factor));
    return y;
  };
  test('a relative error within rtol passes, beyond it fails; atol alone is absolute', () => {
    assert.equal(autograd.gradcheck(scaled(1.0005), [x()]), true);
    assert.equal(autograd.gradcheck(scaled(1.0015), [x()], { raiseException: false }), false);
    assert.equal(autograd.gradcheck(scaled(1.0005), [x()], { rtol: 0, raiseException: false }), false);
    assert.equal(autograd.gradcheck(scaled(1.0005), [x()], { rtol: 0, atol: 0.01 }), true);
    assert.equal(autograd.gradcheck(scaled(1.0015), [x()], { rtol: 0.002 }), true);
  });
  test('eps is the finite-difference step', () => {
    // x^3 at 2.5: the central difference is 3x^2 + eps^2, off by 1e-2 at eps 0.1 (beyond atol + rtol * 18.75).
    const cube = (t: Tensor) => t.pow(3);
    assert.equal(autograd.gradcheck(cube, [x()]), true);
    assert.equal(autograd.gradcheck(cube, [x()], { eps: 0.1, raiseException: false }), false);
  });
  test('several outputs: one that needs no grad is skipped, each other is checked at its own index', () => {
    const ones = () => torch.ones([2], { dtype: 'float64' });
    assert.equal(autograd.gradcheck((t: Tensor) => [ones(), t.mul(3)], [x()]), true);
    assert.equal(autograd.gradcheck((t: Tensor) => [ones(), t.mul(3), scaled(3)(t)], [x()], { raiseException: false }), false);
    assert.throws(() => autograd.gradcheck((t: Tensor) => [ones(), t.mul(3), scaled(3)(t)], [x()]), /^Error: Jacobian mismatch for output 1 with respect to input 0, element \(0, 0\)/);
  });
  test('an input the function does not use has a zero Jacobian on both sides', () => {
    const unused = torch.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    assert.equal(autograd.gradcheck((a: Tensor) => a.mul(2), [x(), unused]), true);
    assert.throws(() => autograd.gradcheck((a: Tensor, b: Tensor) => scaled(3)(a).add(b.sum()), [x(), unused]), /with respect to input 0, element \(0, 0\)/);
  });
  test('strided inputs (a transpose, a slice at an offset) are perturbed element by element', () => {
    // Every element weighted differently, so perturbing the wrong one shows in the Jacobian.
    const base = torch.arange(12, { dtype: 'float64' }).reshape([3, 4]);
    const transposed = base.t().detach().requiresGrad_(true);
    const w = torch.arange(1, 13, { dtype: 'float64' }).reshape([4, 3]);
    assert.equal(transposed.isContiguous(), false);
    assert.equal(autograd.gradcheck((t: Tensor) => t.mul(w), [transposed]), true);
    const sliced = base.narrow(0, 1, 2).narrow(1, 1, 2).detach().requiresGrad_(true);
    assert.equal(sliced.storageOffset(), 5);
    assert.equal(autograd.gradcheck((t: Tensor) => t.mul(w.narrow(0, 0, 2).narrow(1, 0, 2)), [sliced]), true);
    // A rule that mixes elements up is caught on a strided input too.
    const swapped = (t: Tensor) => {
      const y = t.mul(w);
      y.registerHook((g) => g.flip([0]));
      return y;
    };
    assert.equal(autograd.gradcheck(swapped, [transposed], { raiseException: false }), false);
  });
  test('a float32 input is warned about in PyTorch\'s words (and fails at eps 1e-6, as in PyTorch)', (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    const plain = torch.tensor([1], { dtype: 'float64' });
    const single = torch.tensor([0.5, 1], { requiresGrad: true });
    assert.equal(autograd.gradcheck((a: Tensor, b: Tensor) => b.mul(2).add(a), [plain, single], { raiseException: false }), false);
    assert.deepEqual(warn.mock.calls.map((c) => c.arguments), [[
      'Input #1 requires gradient and is not a double precision floating point or complex. This check will likely fail if all the inputs are not of double precision floating point or complex. ',
    ]]);
    autograd.gradcheck((a: Tensor) => a.mul(2), [x()]);
    assert.equal(warn.mock.callCount(), 1);
  });
  test('gradgradcheck differentiates with respect to the output gradients too', () => {
    // A backward whose result is cut from the graph: its derivative with respect to the output
    // gradient is 6, not the 0 the graph claims, so the check fails (PyTorch: "Numerical gradient
    // for function expected to be zero"); with given output gradients that need no grad, only x is
    // differentiated, and it passes (PyTorch: True).
    const cutBackward = (t: Tensor) => {
      const y = t.mul(2);
      y.registerHook((g) => g.detach().mul(3));
      return y;
    };
    assert.throws(() => autograd.gradgradcheck(cutBackward, [x()]), { message: 'Numerical gradient for function expected to be zero' });
    assert.equal(autograd.gradgradcheck(cutBackward, [x()], { raiseException: false }), false);
    assert.equal(autograd.gradgradcheck(cutBackward, [x()], { gradOutputs: [torch.ones([3], { dtype: 'float64' })] }), true);
  });
  test('gradgradcheck with an input that needs no grad, and with one the function does not use (PyTorch: True, True)', () => {
    const c = torch.tensor([1.5, 2, -0.5], { dtype: 'float64' });
    const unused = torch.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    assert.equal(autograd.gradgradcheck((a: Tensor, b: Tensor) => a.mul(b).mul(a), [x(), c]), true);
    assert.equal(autograd.gradgradcheck((a: Tensor) => a.mul(a), [x(), unused]), true);
  });
  test('no input that requires grad is an error, even with raiseException: false', () => {
    const message = 'gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.';
    const plain = torch.tensor([1, 2], { dtype: 'float64' });
    assert.throws(() => autograd.gradcheck((t) => t.mul(2), [plain]), { message });
    assert.throws(() => autograd.gradcheck((t) => t.mul(2), [plain], { raiseException: false }), { message });
  });
});

// ---------------------------------------------------------------------------- tables

/** Unary inputs inside each op's domain and away from kinks; 'none' for ops without a gradient. */
const unaryCases: Record<UnaryOp, { lo: number; hi: number; gradgrad?: boolean } | 'none'> = {
  neg: { lo: -2, hi: 2 },
  abs: { lo: 0.1, hi: 2 }, // kept off 0; the sign is exercised below with negative inputs
  sign: { lo: 0.1, hi: 2 },
  exp: { lo: -2, hi: 2, gradgrad: true },
  expm1: { lo: -2, hi: 2 },
  log: { lo: 0.2, hi: 3 },
  log1p: { lo: -0.5, hi: 2 },
  log2: { lo: 0.2, hi: 3 },
  log10: { lo: 0.2, hi: 3 },
  sqrt: { lo: 0.2, hi: 3 },
  rsqrt: { lo: 0.2, hi: 3 },
  sin: { lo: -3, hi: 3 },
  cos: { lo: -3, hi: 3 },
  tan: { lo: -1.2, hi: 1.2 },
  asin: { lo: -0.9, hi: 0.9 },
  acos: { lo: -0.9, hi: 0.9 },
  atan: { lo: -3, hi: 3 },
  sinh: { lo: -2, hi: 2 },
  cosh: { lo: -2, hi: 2 },
  tanh: { lo: -2, hi: 2, gradgrad: true },
  asinh: { lo: -3, hi: 3 },
  acosh: { lo: 1.2, hi: 3 },
  atanh: { lo: -0.9, hi: 0.9 },
  sigmoid: { lo: -3, hi: 3, gradgrad: true },
  relu: { lo: 0.1, hi: 2, gradgrad: true },
  erf: { lo: -2, hi: 2 },
  erfc: { lo: -2, hi: 2 },
  erfinv: { lo: -0.9, hi: 0.9 },
  floor: { lo: 0.1, hi: 0.9 },
  ceil: { lo: 0.1, hi: 0.9 },
  round: { lo: 0.1, hi: 0.4 },
  trunc: { lo: 0.1, hi: 0.9 },
  reciprocal: { lo: 0.3, hi: 2 },
  logicalNot: 'none',
  isnan: 'none',
  isinf: 'none',
  isfinite: 'none',
  bitwiseNot: 'none',
};

interface BinaryCase {
  a: [number, number];
  b: [number, number];
  gradgrad?: boolean;
}
/** Operand ranges per binary op (kept apart so maximum/minimum have no ties). */
const binaryCases: Record<BinaryOp, BinaryCase | 'none'> = {
  add: { a: [-2, 2], b: [-2, 2] },
  sub: { a: [-2, 2], b: [-2, 2] },
  mul: { a: [-2, 2], b: [-2, 2], gradgrad: true },
  div: { a: [-2, 2], b: [0.5, 2], gradgrad: true },
  pow: { a: [0.5, 2], b: [-1.5, 2], gradgrad: true },
  maximum: { a: [-2, 2], b: [-1.9, 2.1] },
  minimum: { a: [-2, 2], b: [-1.9, 2.1] },
  atan2: { a: [-2, 2], b: [0.5, 2] },
  remainder: { a: [0.1, 5], b: [1.1, 1.9] },
  fmod: { a: [-5, 5], b: [1.1, 1.9] },
  floorDivide: { a: [0.1, 5], b: [1.1, 1.9] },
  eq: 'none',
  ne: 'none',
  lt: 'none',
  le: 'none',
  gt: 'none',
  ge: 'none',
  logicalAnd: 'none',
  logicalOr: 'none',
  logicalXor: 'none',
};

/** Broadcasting pairs: equal shapes, a trailing row, an outer product, a 0-d operand. */
const binaryShapes: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[2, 1], [1, 3]],
  [[2, 3], []],
];

// ---------------------------------------------------------------------------- the suites

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    registering = backend === firstBackend;
    before(() => setBackend(backend));

    describe('unary', () => {
      for (const [op, spec] of Object.entries(unaryCases) as [UnaryOp, (typeof unaryCases)[UnaryOp]][]) {
        const apply = (torch as unknown as Record<UnaryOp, (x: Tensor) => Tensor>)[op];
        if (spec === 'none') {
          caseTest(`${op} records no gradient`, () => {
            const x = leaf([2, 3]);
            const input = op === 'bitwiseNot' ? x.detach().to('int64') : x;
            assert.equal(apply(input).requiresGrad, false);
          });
          continue;
        }
        caseTest(`${op}`, () => check(apply, [leaf([2, 3], spec.lo, spec.hi)], { gradgrad: spec.gradgrad }));
      }
      caseTest('abs and sign of negative values', () => {
        check((x) => x.abs(), [leaf([4], -2, -0.1)]);
        check((x) => x.sign(), [leaf([4], -2, -0.1)]);
      });
    });

    describe('binary', () => {
      for (const [op, spec] of Object.entries(binaryCases) as [BinaryOp, (typeof binaryCases)[BinaryOp]][]) {
        const apply = (torch as unknown as Record<BinaryOp, (a: Tensor | number, b: Tensor | number) => Tensor>)[op];
        if (spec === 'none') {
          caseTest(`${op} records no gradient`, () => {
            const out = apply(leaf([2, 3]), leaf([2, 3], -1, 1, 0.3));
            assert.equal(out.requiresGrad, false);
          });
          continue;
        }
        for (const [sa, sb] of binaryShapes) {
          caseTest(`${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, () => {
            const a = leaf(sa, ...spec.a);
            const b = leaf(sb, spec.b[0], spec.b[1], 0.37);
            check((x, y) => apply(x, y), [a, b], { gradgrad: spec.gradgrad && sb.length === 1 });
          });
        }
        caseTest(`${op} with a number`, () => {
          const b = (spec.b[0] + spec.b[1]) / 2 + 0.013;
          check((x) => apply(x, b), [leaf([2, 3], ...spec.a)]);
        });
      }
      caseTest('pow with a number base', () => check((x) => torch.pow(1.7, x), [leaf([3])]));
      caseTest('where (broadcast condition and operands)', () => {
        const cond = torch.tensor([[true, false, true], [false, false, true]]);
        check((x, y) => torch.where(cond, x, y), [leaf([2, 3]), leaf([3], -1, 1, 0.5)], { gradgrad: true });
        check((x) => torch.where(cond, x, 0.5), [leaf([1, 3])]);
      });
    });

    describe('reductions and scans', () => {
      for (const [name, fn] of [
        ['sum', (x: Tensor) => x.sum()],
        ['sum dim', (x: Tensor) => x.sum(1)],
        ['sum dims keepdim', (x: Tensor) => x.sum([0, 2], { keepdim: true })],
        ['mean', (x: Tensor) => x.mean()],
        ['mean dims', (x: Tensor) => x.mean([-1, 0])],
        ['mean keepdim', (x: Tensor) => x.mean(1, { keepdim: true })],
        ['prod', (x: Tensor) => x.prod()],
        ['prod dim', (x: Tensor) => x.prod(1)],
        ['prod keepdim', (x: Tensor) => x.prod(-1, { keepdim: true })],
        ['amax', (x: Tensor) => x.amax()],
        ['amax dims', (x: Tensor) => x.amax([0, 2])],
        ['amin keepdim', (x: Tensor) => x.amin(1, { keepdim: true })],
        ['cumsum', (x: Tensor) => x.cumsum(1)],
        ['cumsum last', (x: Tensor) => x.cumsum(-1)],
        ['cumprod', (x: Tensor) => x.cumprod(2)],
        ['cumprod first', (x: Tensor) => x.cumprod(0)],
      ] as const) {
        caseTest(name, () => check(fn, [leaf([2, 3, 4], 0.5, 1.5)], { gradgrad: name === 'sum dims keepdim' }));
      }
      caseTest('sum of a transposed view, sum gradgrad', () => check((x) => x.t().sum(0), [leaf([3, 2])], { gradgrad: true }));
    });

    describe('sorting and selection', () => {
      caseTest('sort', () => check((x) => x.sort(0, { descending: true }).values, [leaf([3, 4])], { gradgrad: true }));
      caseTest('sort of a transposed view', () => check((x) => x.t().sort().values, [leaf([3, 4])]));
      caseTest('topk', () => check((x) => x.topk(2, 1, { largest: false }).values, [leaf([3, 4])]));
      caseTest('kthvalue', () => check((x) => x.kthvalue(2, 0).values, [leaf([3, 4])]));
      caseTest('hardtanh inside and beyond the bounds', () => check((x) => torch.nn.functional.hardtanh(x, -0.5, 0.5), [leaf([2, 3])], { gradgrad: true }));
    });

    describe('linear algebra', () => {
      caseTest('matmul 2-D', () => check((a, b) => a.matmul(b), [leaf([2, 3]), leaf([3, 4], -1, 1, 0.2)], { gradgrad: true }));
      caseTest('matmul transposed inputs', () =>
        check((a, b) => a.t().matmul(b.t()), [leaf([3, 2]), leaf([4, 3], -1, 1, 0.2)], { gradgrad: true }));
      caseTest('matmul 1-D cases', () => {
        check((a, b) => a.matmul(b), [leaf([3]), leaf([3], -1, 1, 0.4)]);
        check((a, b) => a.matmul(b), [leaf([3]), leaf([3, 2], -1, 1, 0.4)]);
        check((a, b) => a.matmul(b), [leaf([2, 3]), leaf([3], -1, 1, 0.4)]);
      });
      caseTest('matmul batched and broadcast', () => {
        check((a, b) => a.matmul(b), [leaf([2, 2, 3]), leaf([3, 2], -1, 1, 0.4)]);
        check((a, b) => a.matmul(b), [leaf([2, 1, 2, 3]), leaf([3, 3, 2], -1, 1, 0.4)]);
      });
      caseTest('bmm with transposed operands', () =>
        check((a, b) => a.transpose(1, 2).bmm(b.transpose(1, 2)), [leaf([2, 3, 2]), leaf([2, 4, 3], -1, 1, 0.2)]));
      caseTest('mm, mv, dot, outer', () => {
        check((a, b) => a.mm(b), [leaf([2, 3]), leaf([3, 2], -1, 1, 0.1)]);
        check((a, b) => a.mv(b), [leaf([2, 3]), leaf([3], -1, 1, 0.1)]);
        check((a, b) => a.dot(b), [leaf([3]), leaf([3], -1, 1, 0.1)]);
        check((a, b) => a.outer(b), [leaf([3]), leaf([2], -1, 1, 0.1)]);
      });
      caseTest('einsum', () => {
        check((a, b) => torch.einsum('ij,jk->ik', a, b), [leaf([2, 3]), leaf([3, 2], -1, 1, 0.1)]);
        check((a, b) => torch.einsum('bij,bjk->bik', a, b), [leaf([2, 2, 3]), leaf([2, 3, 2], -1, 1, 0.1)]);
        check((a, b) => torch.einsum('ij,j', a, b), [leaf([2, 3]), leaf([3], -1, 1, 0.1)]);
        check((a) => torch.einsum('ij->ji', a), [leaf([2, 3])]);
        check((a, b, c) => torch.einsum('i,ij,j->', a, b, c), [leaf([2]), leaf([2, 3], -1, 1, 0.1), leaf([3], -1, 1, 0.7)]);
        check((a, b) => torch.einsum('...ii,...ij->...j', a, b), [leaf([2, 3, 3]), leaf([3, 2], -1, 1, 0.3)]);
      });
    });

    describe('torch.linalg', () => {
      const { linalg } = torch;
      // Well-conditioned inputs: the identity plus a small irregular part.
      const square = (n: number, phase = 0, batch: number[] = []) =>
        torch.eye(n, { dtype: 'float64' }).mul(2).add(torch.tensor(values(n * n * batch.reduce((p, s) => p * s, 1), -0.5, 0.5, phase), { dtype: 'float64' }).reshape([...batch, n, n])).detach().requiresGrad_(true);
      // Symmetric positive-definite from any x: the decompositions of symmetric input read one
      // triangle, so the check perturbs x and goes through x x^T + I (as PyTorch's own tests do).
      const spd = (x: Tensor) => x.matmul(x.mT).add(torch.eye(x.shape[x.ndim - 1], { dtype: 'float64' }));
      caseTest('vector_norm (LinalgVectorNormBackward0): each order', () => {
        check((x) => linalg.vectorNorm(x), [leaf([2, 3])], { gradgrad: true });
        for (const ord of [1, 3, 0.5, Infinity, -Infinity, -1]) check((x) => linalg.vectorNorm(x, ord, 1), [leaf([2, 3])]);
        check((x) => linalg.vectorNorm(x, 1.5, [0, 2], { keepdim: true }), [leaf([2, 2, 2])]);
      });
      caseTest('matrix_norm and norm (compositions)', () => {
        for (const ord of ['fro', 'nuc', 2, -2, 1, -Infinity] as const) check((x) => linalg.matrixNorm(x, ord), [leaf([3, 2])]);
        check((x) => linalg.norm(x, 2, [0, 2]), [leaf([2, 2, 3])]);
      });
      caseTest('det (LinalgDetBackward0), slogdet (LinalgSlogdetBackward0), logdet', () => {
        check((a) => linalg.det(a), [square(3)], { gradgrad: true });
        check((a) => linalg.det(a), [square(2, 0.3, [2])]);
        check((a) => linalg.slogdet(a).logabsdet, [square(3, 0.1)], { gradgrad: true });
        check((a) => linalg.slogdet(a).sign, [square(2, 0.1)]);
        check((a) => torch.logdet(spd(a)), [square(2, 0.2)]);
      });
      caseTest('det of a singular matrix: cofactors through the SVD', () => {
        check((a) => linalg.det(a), [torch.tensor([[1, 2], [2, 4]], { dtype: 'float64' }).requiresGrad_(true)]);
        check((a) => linalg.det(a), [torch.tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]], { dtype: 'float64' }).requiresGrad_(true)]);
      });
      caseTest('lu_factor (LinalgLuFactorExBackward0) and lu (LinalgLuBackward0): square, wide, tall', () => {
        check((a) => linalg.luFactor(a).LU, [leaf([2, 2])], { gradgrad: true });
        check((a) => linalg.lu(a).L, [leaf([3, 2], -1, 1, 0.5)]);
        check((a) => linalg.lu(a).U, [leaf([2, 3], -1, 1, 0.6)], { gradgrad: true });
        check((a) => linalg.luFactor(a).LU, [leaf([2, 3], -1, 1, 0.2)]);
        check((a) => linalg.luFactorEx(a).LU, [leaf([3, 2], -1, 1, 0.3)]);
      });
      caseTest('solve_triangular (LinalgSolveTriangularBackward0): upper, lower, left, right, unitriangular', () => {
        check((a, b) => linalg.solveTriangular(a, b, { upper: true }), [square(2), leaf([2, 1], -1, 1, 0.3)], { gradgrad: true });
        check((a, b) => linalg.solveTriangular(a, b, { upper: false, left: false }), [square(2, 0.2), leaf([2, 1, 2], -1, 1, 0.3)]);
        check((a, b) => linalg.solveTriangular(a, b, { upper: false, unitriangular: true }), [square(2, 0.4), leaf([2, 1], -1, 1, 0.5)]);
      });
      caseTest('cholesky_solve (CholeskySolveBackward0): lower, upper, broadcast', () => {
        // L's other triangle is never read (nor is it by PyTorch): the check varies the one that is.
        check((b, l) => torch.choleskySolve(b, l.tril()), [leaf([3, 2]), square(3, 0.3)], { gradgrad: true });
        check((b, l) => torch.choleskySolve(b, l.triu(), { upper: true }), [leaf([2, 3, 1]), square(3, 0.6)]);
      });
      caseTest('cholesky_inverse (CholeskyInverseBackward0): lower, upper', () => {
        check((l) => torch.choleskyInverse(l.tril()), [square(3)], { gradgrad: true });
        check((l) => torch.choleskyInverse(l.triu(), { upper: true }), [square(2, 0.3, [2])]);
      });
      caseTest('pinv (LinalgPinvBackward0): tall, wide, hermitian', () => {
        check((a) => linalg.pinv(a), [leaf([3, 2])], { gradgrad: true });
        check((a) => linalg.pinv(a), [leaf([2, 2, 3], -1, 1, 0.2)]);
        check((x) => linalg.pinv(spd(x), { hermitian: true }), [leaf([3, 3], -1, 1, 0.4)]);
      });
      caseTest('inv (LinalgInvExBackward0)', () => {
        check((a) => linalg.inv(a), [square(3)], { gradgrad: true });
        check((a) => linalg.invEx(a).inverse, [square(2, 0.4, [2])]);
      });
      caseTest('solve (LinalgSolveExBackward0): matrix, vector, broadcast, left=false', () => {
        check((a, b) => linalg.solve(a, b), [square(3), leaf([3, 2], -1, 1, 0.3)], { gradgrad: true });
        check((a, b) => linalg.solve(a, b), [square(3, 0.1, [2]), leaf([3], -1, 1, 0.3)]);
        check((a, b) => linalg.solve(a, b), [square(2, 0.2, [2, 1]), leaf([3, 2, 1], -1, 1, 0.3)]);
        check((a, b) => linalg.solve(a, b, { left: false }), [square(2, 0.5), leaf([3, 2], -1, 1, 0.3)]);
      });
      caseTest('cholesky (LinalgCholeskyExBackward0), lower and upper', () => {
        check((x) => linalg.cholesky(spd(x)), [leaf([2, 2])], { gradgrad: true });
        check((x) => linalg.cholesky(spd(x), { upper: true }), [leaf([3, 3], -1, 1, 0.3)]);
      });
      // QR, eigh and SVD: outputs whose sign is fixed (R's diagonal sign follows A's column, which
      // a finite step does not flip) or squared (eigenvectors, singular vectors: any sign).
      caseTest('qr (LinalgQrBackward0): tall, wide, complete', () => {
        check((x) => linalg.qr(x).Q, [leaf([3, 2])], { gradgrad: true });
        check((x) => linalg.qr(x).R, [leaf([3, 2], -1, 1, 0.2)]);
        check((x) => linalg.qr(x).R, [leaf([2, 3], -1, 1, 0.3)]);
        check((x) => linalg.qr(x).Q, [leaf([2, 3], -1, 1, 0.3)]);
        check((x) => linalg.qr(x, { mode: 'complete' }).Q, [leaf([2, 2], -1, 1, 0.4)]);
      });
      caseTest('eigh and eigvalsh (LinalgEighBackward0)', () => {
        check((x) => linalg.eigh(spd(x)).eigenvalues, [leaf([3, 3])]);
        check((x) => linalg.eigh(spd(x)).eigenvectors.square(), [leaf([2, 2], -1, 1, 0.1)], { gradgrad: true });
        check((x) => linalg.eigh(spd(x), { UPLO: 'U' }).eigenvectors.square(), [leaf([3, 3], -1, 1, 0.2)]);
        check((x) => linalg.eigvalsh(spd(x)), [leaf([2, 2, 2], -1, 1, 0.5)]);
      });
      caseTest('svd and svdvals (LinalgSvdBackward0): tall, wide, full', () => {
        check((x) => linalg.svdvals(x), [leaf([3, 2])], { gradgrad: true });
        check((x) => linalg.svd(x, { fullMatrices: false }).U.square(), [leaf([2, 2], -1, 1, 0.6)], { gradgrad: true });
        check((x) => linalg.svd(x, { fullMatrices: false }).U.square(), [leaf([3, 2], -1, 1, 0.1)]);
        check((x) => linalg.svd(x, { fullMatrices: false }).Vh.square(), [leaf([2, 3], -1, 1, 0.2)]);
        check((x) => linalg.svd(x).S, [leaf([2, 3], -1, 1, 0.3)]);
        check((x) => linalg.svd(x, { fullMatrices: false }).U.square(), [leaf([2, 3], -1, 1, 0.4)]);
        check((x) => linalg.svd(x, { fullMatrices: false }).Vh.square(), [leaf([3, 2], -1, 1, 0.5)]);
      });
      caseTest('matrix_power, multi_dot (compositions)', () => {
        check((a) => linalg.matrixPower(a, -2), [square(2)]);
        check((a, b, c) => linalg.multiDot([a, b, c]), [leaf([3]), leaf([3, 2], -1, 1, 0.1), leaf([2, 2], -1, 1, 0.2)]);
      });
      caseTest('matrix_exp (LinalgMatrixExpBackward0): Padé without and with squaring, batched', () => {
        check((a) => linalg.matrixExp(a), [leaf([3, 3])], { gradgrad: true });
        check((a) => linalg.matrixExp(a), [leaf([2, 2, 2], -3, 3, 0.2)]);
      });
      caseTest('lu_solve (LinalgLuSolveBackward0): LU and B, left and right, adjoint, broadcast', () => {
        const factors = (a: Tensor) => linalg.luFactor(a.detach());
        const { LU, pivots } = factors(square(3));
        const lu = () => LU.detach().requiresGrad_(true);
        check((f, b) => linalg.luSolve(f, pivots, b), [lu(), leaf([3, 2], -1, 1, 0.3)], { gradgrad: true });
        check((f, b) => linalg.luSolve(f, pivots, b, { adjoint: true }), [lu(), leaf([3, 2], -1, 1, 0.4)], { gradgrad: true });
        check((f, b) => linalg.luSolve(f, pivots, b, { left: false }), [lu(), leaf([2, 3], -1, 1, 0.5)]);
        check((f, b) => linalg.luSolve(f, pivots, b, { left: false, adjoint: true }), [lu(), leaf([2, 1, 2, 3], -1, 1, 0.6)]);
        const batch = factors(square(2, 0.3, [2]));
        check((f, b) => torch.luSolve(b, f, batch.pivots), [batch.LU.detach().requiresGrad_(true), leaf([3, 1, 2, 1], -1, 1, 0.7)]);
      });
      caseTest('lstsq (LinalgLstsqBackward0): tall, wide, broadcast, a vector b, one operand constant', () => {
        check((a, b) => linalg.lstsq(a, b).solution, [leaf([4, 2]), leaf([4, 3], -1, 1, 0.3)], { gradgrad: true });
        check((a, b) => linalg.lstsq(a, b, null, { driver: 'gelsd' }).solution, [leaf([2, 3], -1, 1, 0.1), leaf([2, 2], -1, 1, 0.4)]);
        check((a, b) => linalg.lstsq(a, b).solution, [leaf([1, 3, 2], -1, 1, 0.2), leaf([2, 3, 1], -1, 1, 0.5)]);
        check((a, b) => linalg.lstsq(a, b).solution, [leaf([3, 2], -1, 1, 0.6), leaf([3], -1, 1, 0.7)]);
        // One operand without a gradient: only the other's rule runs.
        check((a) => linalg.lstsq(a, leaf([4, 3], -1, 1, 0.3).detach()).solution, [leaf([4, 2])]);
        check((b) => linalg.lstsq(leaf([4, 2]).detach(), b).solution, [leaf([4, 3], -1, 1, 0.3)]);
      });
    });

    describe('movement', () => {
      const cases: [string, Fn, number[]][] = [
        ['view', (x) => x.view(3, 4), [2, 6]],
        ['view -1', (x) => x.view(-1), [2, 3]],
        ['reshape (copy of a transposed view)', (x) => x.t().reshape(-1), [2, 3]],
        ['permute', (x) => x.permute(2, 0, 1), [2, 3, 4]],
        ['transpose', (x) => x.transpose(0, 2), [2, 3, 4]],
        ['expand', (x) => x.expand(2, 3, 4), [3, 1]],
        ['squeeze all', (x) => x.squeeze(), [2, 1, 3, 1]],
        ['squeeze dim', (x) => x.squeeze(1), [2, 1, 3]],
        ['unsqueeze', (x) => x.unsqueeze(-1), [2, 3]],
        ['flatten / unflatten', (x) => x.flatten(1).unflatten(1, [4, 3]), [2, 3, 4]],
        ['narrow', (x) => x.narrow(1, 1, 2), [2, 4]],
        ['select', (x) => x.select(1, -1), [2, 3]],
        ['index with slices', (x) => x.index(torch.slice(1), '...', torch.slice(null, null, 2)), [3, 2, 5]],
        ['index with a negative slice and null', (x) => x.index(null, torch.slice(-2), 0), [3, 4]],
        ['index with a tensor', (x) => x.index(':', long([2, 0, 2])), [2, 3]],
        ['index with two tensors', (x) => x.index(long([1, 0]), ':', long([0, 2])), [2, 3, 4]],
        ['index with a mask', (x) => x.index(torch.tensor([true, false, true])), [3, 2]],
        ['flip', (x) => x.flip([0, 2]), [2, 3, 2]],
        ['pad', (x) => torch.pad(x, [1, 2, 0, 1], 0.5), [2, 3]],
        ['pad negative (crop)', (x) => torch.pad(x, [-1, 1]), [2, 3]],
        ['repeat', (x) => x.repeat(2, 1, 3), [2, 2]],
        ['split / chunk / unbind', (x) => torch.cat(x.split(1, 1).reverse(), 1).add(torch.cat(x.chunk(2, 0), 0)).add(torch.stack(x.unbind(0))), [2, 3]],
        ['clone', (x) => x.clone(), [2, 3]],
        ['contiguous', (x) => x.t().contiguous(), [2, 3]],
        ['cast float64 -> float64 (copy)', (x) => x.to('float64', { copy: true }), [2, 3]],
        ['tril / triu', (x) => x.tril().add(x.triu(1).mul(2)), [3, 3]],
        ['movedim', (x) => x.movedim([0, 2], [1, 0]), [2, 3, 4]],
      ];
      for (const [name, fn, shape] of cases) caseTest(name, () => check(fn, [leaf(shape)]));
      caseTest('slice gradgrad', () => check((x) => x.index(':', torch.slice(1, null, 2)), [leaf([2, 5])], { gradgrad: true }));
      caseTest('diagonal, diag, diag_embed and trace (gradgrad)', () => {
        check((x) => x.diagonal(1, -1, 0), [leaf([3, 2, 4])], { gradgrad: true });
        check((x) => torch.diag(x, -1), [leaf([3])], { gradgrad: true });
        check((x) => torch.diag(x, 1), [leaf([3, 3])], { gradgrad: true });
        check((x) => torch.diag(x, 1), [leaf([4, 3])], { gradgrad: true });
        check((x) => torch.diagEmbed(x, 1, 0, 2), [leaf([2, 3])], { gradgrad: true });
        // A tall matrix too: PyTorch 1.13's trace gradient is wrong there (test/diagonal.test.ts).
        check((x) => torch.trace(x), [leaf([3, 3])], { gradgrad: true });
        check((x) => torch.trace(x), [leaf([4, 2])]);
      });
      caseTest('cat and stack', () => {
        check((a, b, c) => torch.cat([a, b, c], 1), [leaf([2, 1]), leaf([2, 3], -1, 1, 0.2), leaf([2, 2], -1, 1, 0.4)]);
        check((a, b) => torch.stack([a, b], -1), [leaf([2, 3]), leaf([2, 3], -1, 1, 0.2)]);
      });
    });

    describe('indexing', () => {
      const idx = long([[2, 0, 1], [1, 1, 0]]);
      caseTest('gather', () => check((x) => x.gather(1, idx), [leaf([2, 4])], { gradgrad: true }));
      caseTest('scatter (tensor src: both gradients)', () => {
        const unique = long([[1, 0, 2], [0, 2, 1]]); // no index repeats within a column: deterministic
        check((x, s) => x.scatter(0, unique.index(torch.slice(0, 1)), s), [leaf([3, 3]), leaf([1, 3], -1, 1, 0.3)]);
        check((x, s) => x.scatter(1, unique, s), [leaf([2, 4]), leaf([2, 3], -1, 1, 0.3)]);
      });
      caseTest('scatter (number src)', () => check((x) => x.scatter(1, idx, 0.5), [leaf([2, 4])]));
      caseTest('scatterAdd', () => check((x, s) => x.scatterAdd(1, idx, s), [leaf([2, 4]), leaf([2, 3], -1, 1, 0.3)]));
      caseTest('indexSelect', () => check((x) => x.indexSelect(0, long([2, 0, 2])), [leaf([3, 2])]));
      caseTest('indexAdd', () =>
        check((x, s) => x.indexAdd(1, long([2, 0, 2]), s, { alpha: 0.5 }), [leaf([2, 3]), leaf([2, 3], -1, 1, 0.3)]));
      caseTest('maskedFill', () => check((x) => x.maskedFill(torch.tensor([true, false, true]), -2), [leaf([2, 3])]));
      caseTest('maskedSelect', () => check((x) => x.maskedSelect(torch.tensor([[true, false], [false, true]])), [leaf([2, 2])]));
    });

    describe('composites', () => {
      caseTest('softmax', () => check((x) => x.softmax(1), [leaf([2, 4])], { gradgrad: true }));
      caseTest('logSoftmax (LogSoftmaxBackward0)', () => {
        check((x) => x.logSoftmax(0), [leaf([3, 2])], { gradgrad: true });
        check((x) => x.logSoftmax(1), [leaf([2, 3, 2])]);
      });
      caseTest('nll_loss of [N, C] (NllLossBackward0): each reduction, weight, ignore_index', () => {
        const nll = torch.nn.functional.nllLoss;
        const target = long([2, 0, 3, 1, 0]);
        const weight = torch.tensor([0.5, 2, 1, 1.5], { dtype: 'float64' });
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          check((x) => nll(x, target, { reduction }), [leaf([5, 4])], { gradgrad: true });
          check((x) => nll(x, target, { reduction, weight, ignoreIndex: 0 }), [leaf([5, 4])]);
        }
      });
      caseTest('binary_cross_entropy (BinaryCrossEntropyBackward0): each reduction, weight', () => {
        const bce = torch.nn.functional.binaryCrossEntropy;
        const target = torch.tensor([[0, 1, 0.25], [1, 0.5, 0]], { dtype: 'float64' });
        const weight = torch.tensor([0.5, 2, 1], { dtype: 'float64' });
        for (const reduction of ['mean', 'sum', 'none'] as const) check((p) => bce(p, target, { reduction }), [leaf([2, 3], 0.1, 0.9)], { gradgrad: true });
        check((p) => bce(p, target, { weight }), [leaf([2, 3], 0.1, 0.9)]);
      });
      caseTest('poisson_nll_loss and gaussian_nll_loss: input, target and var, full', () => {
        const F = torch.nn.functional;
        // Targets above 1 take the Stirling term, whose gradient then reaches the target too.
        check((x, t) => F.poissonNllLoss(x, t, { full: true }), [leaf([2, 3]), leaf([2, 3], 1.5, 4)]);
        check((x, t) => F.poissonNllLoss(x, t, { logInput: false, reduction: 'none' }), [leaf([2, 3], 0.2, 2), leaf([2, 3], 0, 3)]);
        check((x, t, v) => F.gaussianNllLoss(x, t, v, { full: true }), [leaf([2, 3]), leaf([2, 3], -1, 1, 0.3), leaf([2, 3], 0.1, 2)]);
        check((x, t, v) => F.gaussianNllLoss(x, t, v, { reduction: 'sum' }), [leaf([2, 3]), leaf([2, 3], -1, 1, 0.3), leaf([2], 0.1, 2)]);
      });
      caseTest('grid_sample (each mode and padding, both corner conventions) and affine_grid: input, grid and theta', () => {
        const F = torch.nn.functional;
        const cases = [
          ...(['zeros', 'border', 'reflection'] as const).flatMap((paddingMode) => [false, true].map((alignCorners) => ({ mode: 'bilinear' as const, paddingMode, alignCorners }))),
          { mode: 'bicubic' as const, paddingMode: 'zeros' as const, alignCorners: false },
          { mode: 'bicubic' as const, paddingMode: 'reflection' as const, alignCorners: true },
          { mode: 'nearest' as const, paddingMode: 'border' as const, alignCorners: false },
        ];
        for (const options of cases) check((x, g) => F.gridSample(x, g, options), [leaf([1, 1, 3, 3]), leaf([1, 2, 2, 2], -1.3, 1.3, 0.2)]);
        check((t) => F.affineGrid(t, [2, 1, 3, 2], { alignCorners: false }), [leaf([2, 2, 3])]);
        check((t) => F.affineGrid(t, [1, 1, 2, 2, 3], { alignCorners: true }), [leaf([1, 3, 4])]);
      });
      caseTest('embedding_bag: each mode, per_sample_weights, padding_idx', () => {
        const F = torch.nn.functional;
        const ids = long([1, 2, 4, 3, 4, 0]);
        const offsets = long([0, 2, 2]);
        for (const mode of ['sum', 'mean', 'max'] as const) check((w) => F.embeddingBag(ids, w, offsets, { mode, paddingIdx: 3 }), [leaf([5, 2])]);
        check((w, p) => F.embeddingBag(ids, w, offsets, { mode: 'sum', perSampleWeights: p }), [leaf([5, 2]), leaf([6], -1, 1, 0.4)]);
      });
      caseTest('logsumexp', () => check((x) => x.logsumexp([0, 1], { keepdim: true }), [leaf([2, 3])]));
      caseTest('var and std', () => {
        check((x) => x.var(), [leaf([2, 3])]);
        check((x) => x.var(1, { correction: 0, keepdim: true }), [leaf([2, 3])]);
        check((x) => x.std(0), [leaf([3, 2])]);
      });
      caseTest('norm', () => {
        check((x) => x.norm(), [leaf([2, 3])]);
        check((x) => x.norm(1, 1), [leaf([2, 3], 0.1, 1)]);
        check((x) => x.norm(3, 0, { keepdim: true }), [leaf([2, 3], 0.1, 1)]);
        check((x) => x.norm(Infinity), [leaf([2, 3])]);
        check((x) => x.norm(0, 1), [leaf([2, 3], 0.1, 1)]);
      });
      caseTest('clamp', () => {
        check((x) => x.clamp(-0.5, 0.5), [leaf([3, 4])]);
        check((x) => x.clamp(null, 0.3), [leaf([3, 4])]);
        check((x, lo) => x.clamp(lo), [leaf([3, 4]), leaf([4], -0.6, 0.6, 0.3)]);
      });
      caseTest('max and min along a dim', () => {
        check((x) => x.max(1).values, [leaf([2, 4])]);
        check((x) => x.min(0, { keepdim: true }).values, [leaf([3, 2])]);
        check((x) => x.max(), [leaf([2, 3])]);
        check((x) => x.min(), [leaf([3, 2])]);
      });
      caseTest('lerp, addcmul, addcdiv, square, frac', () => {
        check((a, b) => a.lerp(b, 0.3), [leaf([3]), leaf([3], -1, 1, 0.5)]);
        check((a, b, c) => a.addcmul(b, c, { value: 2 }), [leaf([3]), leaf([3], -1, 1, 0.5), leaf([3], -1, 1, 0.2)]);
        check((a, b, c) => a.addcdiv(b, c, { value: 0.5 }), [leaf([3]), leaf([3], -1, 1, 0.5), leaf([3], 0.5, 1, 0.2)]);
        check((x) => torch.square(x), [leaf([3])]);
        check((x) => torch.frac(x), [leaf([3], 0.1, 0.9)]);
        // Rounded division (PyTorch's DivBackward2): zero gradient away from the steps.
        check((a, b) => torch.div(a, b, { roundingMode: 'floor' }), [leaf([3], 0.1, 5), leaf([3], 1.1, 1.9)]);
      });
      caseTest('addmm, addmv, baddbmm (gradgrad)', () => {
        check((i, a, b) => torch.addmm(i, a, b, { beta: 0.5, alpha: -2 }), [leaf([3]), leaf([2, 4], -1, 1, 0.1), leaf([4, 3], -1, 1, 0.6)], { gradgrad: true });
        check((i, m, v) => torch.addmv(i, m, v, { beta: 2 }), [leaf([2]), leaf([2, 3], -1, 1, 0.1), leaf([3], -1, 1, 0.6)], { gradgrad: true });
        check((i, a, b) => torch.baddbmm(i, a, b, { alpha: 0.5 }), [leaf([2, 1, 3]), leaf([2, 2, 4], -1, 1, 0.1), leaf([2, 4, 3], -1, 1, 0.6)], { gradgrad: true });
      });
      caseTest('roll, rot90, repeat (gradgrad)', () => {
        check((x) => x.roll([1, -4], [0, 1]), [leaf([2, 3])], { gradgrad: true });
        check((x) => x.roll(2), [leaf([2, 3])]);
        check((x) => x.rot90(1, [2, 0]), [leaf([2, 3, 2])], { gradgrad: true });
        check((x) => x.rot90(2), [leaf([2, 3])]);
        check((x) => x.repeat(2, 1, 3), [leaf([2, 2])], { gradgrad: true });
      });
      caseTest('logaddexp, hypot, xlogy, logit (gradgrad)', () => {
        check((a, b) => torch.logaddexp(a, b), [leaf([2, 3]), leaf([3], -1, 1, 0.4)], { gradgrad: true });
        check((a, b) => torch.hypot(a, b), [leaf([2, 3], 0.1, 1), leaf([3], 0.2, 1, 0.4)], { gradgrad: true });
        check((a, b) => torch.xlogy(a, b), [leaf([2, 3]), leaf([3], 0.2, 2, 0.4)], { gradgrad: true });
        check((b) => torch.xlogy(2, b), [leaf([3], 0.2, 2)]);
        check((a) => torch.xlogy(a, 3), [leaf([3])]);
        check((x) => torch.logit(x), [leaf([4], 0.1, 0.9)], { gradgrad: true });
        check((x) => torch.logit(x, 0.2), [leaf([4], 0.05, 0.95)]);
      });
      caseTest('nan_to_num, deg2rad, rad2deg, clamp_min, clamp_max, nansum', () => {
        check((x) => torch.nanToNum(x), [leaf([3])]);
        check((x) => torch.deg2rad(x), [leaf([3])]);
        check((x) => torch.rad2deg(x), [leaf([3])]);
        check((x) => torch.clampMin(x, 0.1), [leaf([4])]);
        check((x) => torch.clampMax(x, 0.1), [leaf([4])]);
        check((x) => torch.nansum(x, 1), [leaf([2, 3])]);
      });
    });

    describe('convolution and pooling', () => {
      caseTest('conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_avg_pool3d (composed from the 2-D ops)', () => {
        const F = torch.nn.functional;
        check((x, w, b) => F.conv3d(x, w, b, { stride: [2, 1, 1], padding: [1, 0, 1], dilation: [1, 1, 2] }), [leaf([1, 2, 3, 3, 4]), leaf([2, 2, 2, 2, 2], -1, 1, 0.3), leaf([2], -1, 1, 0.6)]);
        check((x, w) => F.conv3d(x, w, null, { groups: 2 }), [leaf([1, 2, 2, 2, 2]), leaf([2, 1, 2, 1, 2], -1, 1, 0.3)]);
        check((x, w, b) => F.convTranspose3d(x, w, b, { stride: [2, 1, 2], padding: [1, 0, 0], outputPadding: [1, 0, 1], groups: 2 }), [leaf([1, 2, 2, 2, 2]), leaf([2, 1, 2, 2, 2], -1, 1, 0.3), leaf([2], -1, 1, 0.6)]);
        check((x) => F.maxPool3d(x, 2, { stride: 1, padding: 1 }), [leaf([1, 1, 2, 3, 3])]);
        check((x) => F.avgPool3d(x, [2, 2, 3], { stride: 1, padding: [1, 0, 1], countIncludePad: false }), [leaf([1, 1, 2, 3, 3])]);
        check((x) => F.adaptiveAvgPool3d(x, [2, 2, 3]), [leaf([1, 1, 3, 3, 4])]);
      });
      const F = torch.nn.functional;
      caseTest('unfold (im2col) and fold (col2im), each with its gradgrad', () => {
        check((x) => F.unfold(x, [2, 3], { padding: 1, stride: [1, 2], dilation: [2, 1] }), [leaf([1, 2, 4, 5])], { gradgrad: true });
        check((c) => F.fold(c, [4, 5], 2, { padding: 1, stride: [2, 1] }), [leaf([2, 8, 18])], { gradgrad: true });
      });
      caseTest('conv2d with groups, stride, padding and bias (gradgrad)', () =>
        check((x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }), [leaf([2, 4, 5, 5]), leaf([4, 2, 3, 3], -1, 1, 0.3), leaf([4], -1, 1, 0.6)], {
          gradgrad: true,
        }));
      caseTest("conv2d padding 'same' with an even kernel and dilation", () =>
        check((x, w) => F.conv2d(x, w, { padding: 'same', dilation: [1, 2] }), [leaf([1, 2, 4, 5]), leaf([2, 2, 2, 2], -1, 1, 0.3)]));
      caseTest('conv1d and convTranspose1d', () => {
        check((x, w, b) => F.conv1d(x, w, b, { dilation: 2, padding: 1 }), [leaf([2, 2, 7]), leaf([3, 2, 3], -1, 1, 0.3), leaf([3], -1, 1, 0.6)]);
        check((x, w) => F.convTranspose1d(x, w, { stride: 2, outputPadding: 1 }), [leaf([1, 2, 4]), leaf([2, 3, 3], -1, 1, 0.3)]);
      });
      caseTest('cummax, cummin (one node each), logcumsumexp, and the products and splits', () => {
        check((x) => torch.cummax(x, 1).values, [leaf([2, 5])]);
        check((x) => torch.cummin(x, 0).values, [leaf([4, 2])]);
        check((x) => torch.logcumsumexp(x, 1), [leaf([2, 5], -3, 3)], { gradgrad: true });
        check((a, b) => torch.tensordot(a, b, [[0, 2], [1, 0]]), [leaf([2, 3, 4]), leaf([4, 2, 2], -1, 1, 0.4)]);
        check((a, b) => torch.kron(a, b), [leaf([2, 2]), leaf([3, 1], -1, 1, 0.4)]);
        check((a, b) => torch.cross(a, b, 1), [leaf([2, 3]), leaf([2, 3], -1, 1, 0.4)]);
        check((a) => torch.repeatInterleave(a, torch.tensor([2, 0, 1]), 1), [leaf([2, 3])]);
        check((a) => torch.tensorSplit(a, [1, 3], 1)[1], [leaf([2, 4])]);
      });
      caseTest('the margin and embedding losses', () => {
        const signs = torch.tensor([1, -1, 1], { dtype: 'float64' });
        check((a, b) => F.marginRankingLoss(a, b, signs, { margin: 0.3 }), [leaf([3]), leaf([3], -1, 1, 0.4)]);
        check((a, b) => F.cosineEmbeddingLoss(a, b, signs, { margin: -0.2 }), [leaf([3, 4]), leaf([3, 4], -1, 1, 0.4)]);
        check((a, p, n) => F.tripletMarginLoss(a, p, n, { swap: true }), [leaf([3, 4]), leaf([3, 4], -1, 1, 0.4), leaf([3, 4], -1, 1, 0.7)]);
        check((x) => F.softMarginLoss(x, signs), [leaf([3])]);
        check((x) => F.multilabelSoftMarginLoss(x, torch.tensor([[1, 0, 1], [0, 1, 0]], { dtype: 'float64' })), [leaf([2, 3])]);
        check((x) => F.multiMarginLoss(x, torch.tensor([0, 2]), { p: 2, margin: 0.5 }), [leaf([2, 3])]);
      });
      caseTest('median, nanmedian (one node each), quantile', () => {
        check((x) => torch.median(x), [leaf([3, 3])]);
        check((x) => torch.median(x, 1).values, [leaf([2, 5])]);
        check((x) => torch.median(x, 0, { keepdim: true }).values, [leaf([4, 2])]);
        check((x) => torch.nanmedian(x), [leaf([5])]);
        check((x) => torch.nanmedian(x, 1).values, [leaf([2, 3])]);
        check((x) => torch.quantile(x, 0.3, 1), [leaf([2, 5])]);
        check((x) => torch.nanquantile(x, torch.tensor([0.1, 0.8], { dtype: 'float64' })), [leaf([6])]);
      });
      caseTest('the activations, distances, shuffles and LRN of nn_more (hardsigmoid is one node; gradgrad)', () => {
        const x = () => leaf([2, 4], -4, 4);
        check((t) => F.hardsigmoid(t), [x()], { gradgrad: true });
        check((t) => F.logsigmoid(t), [x()], { gradgrad: true });
        for (const f of [F.selu, (t: Tensor) => F.celu(t, 0.5), F.hardswish, F.softsign, F.tanhshrink, (t: Tensor) => F.softshrink(t, 1), (t: Tensor) => F.glu(t, 1), (t: Tensor) => F.softmin(t, 1)]) check(f, [x()]);
        check((a, b) => torch.cdist(a, b), [leaf([3, 2]), leaf([2, 2], -1, 1, 0.4)], { gradgrad: true });
        check((a, b) => torch.cdist(a, b, 3), [leaf([2, 3, 2]), leaf([2, 2], -1, 1, 0.4)]);
        check((a, b) => torch.cdist(a, b, 2, 'use_mm_for_euclid_dist'), [leaf([3, 2]), leaf([2, 2], -1, 1, 0.4)]);
        check((a) => F.pdist(a), [leaf([4, 3])]);
        check((a, b) => F.cosineSimilarity(a, b), [leaf([3, 4]), leaf([3, 4], -1, 1, 0.4)], { gradgrad: true });
        check((a, b) => F.pairwiseDistance(a, b), [leaf([3, 4]), leaf([4], -1, 1, 0.4)]);
        check((a) => F.normalize(a, 2, 0), [leaf([3, 4])]);
        check((a) => F.pixelShuffle(F.pixelUnshuffle(a, 2), 2).mul(a), [leaf([1, 1, 4, 2])]);
        check((a) => F.localResponseNorm(a, 3, 0.1, 0.75, 1), [leaf([1, 4, 2, 3])], { gradgrad: true });
        check((a) => F.pad(a, [1, 2, 2, 0], 'reflect'), [leaf([1, 1, 3, 4])]);
      });
      caseTest('convTranspose2d with groups and output padding', () =>
        check((x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), [
          leaf([1, 4, 3, 3]), leaf([4, 1, 3, 3], -1, 1, 0.3), leaf([2], -1, 1, 0.6),
        ]));
      caseTest('max pooling and its backward primitive (gradgrad)', () => {
        check((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [leaf([1, 2, 6, 7])], { gradgrad: true });
        check((x) => F.maxPool2d(x, 2), [leaf([2, 3, 4, 6])], { gradgrad: true });
        // Overlapping windows: a maximum shared by several windows gets their gradients added.
        check((x) => F.maxPool2d(x, [3, 2], { stride: 1, dilation: [1, 2] }), [leaf([1, 2, 5, 6])], { gradgrad: true });
        check((x) => F.maxPool1d(x, 2, { dilation: 2 }), [leaf([2, 2, 7])], { gradgrad: true });
        check((x) => F.maxPool2d(x, 2, { stride: 1 }), [leaf([2, 4, 5])], { gradgrad: true }); // unbatched
        check((x) => F.adaptiveMaxPool1d(x, 3), [leaf([2, 7])], { gradgrad: true });
        check((x) => F.adaptiveMaxPool2d(x, [2, 3]), [leaf([1, 2, 5, 7])], { gradgrad: true });
      });
      caseTest("relu's threshold backward on both signs (gradgrad)", () => {
        check((x) => x.relu(), [leaf([3, 5], -1, 1, 0.3)], { gradgrad: true });
        check((x) => torch.nn.functional.relu(x.mul(2)).square(), [leaf([4, 3], -1, 1, 0.1)], { gradgrad: true });
      });
      caseTest('average pooling', () => {
        check((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [leaf([1, 2, 6, 7])]);
        check((x) => F.avgPool1d(x, 3, { stride: 2, padding: 1 }), [leaf([2, 2, 7])]);
        check((x) => F.adaptiveAvgPool2d(x, [3, 2]), [leaf([1, 2, 7, 5])]);
      });
      caseTest('padding modes of Conv2d', () => {
        for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
          const conv = new torch.nn.Conv2d(1, 1, 3, { padding: [1, 2], paddingMode, bias: false, dtype: 'float64' });
          check((x) => conv.call(x), [leaf([1, 1, 4, 5])]);
        }
      });
    });

    describe('in place (CopySlices and friends)', () => {
      caseTest('write into a view of a non-leaf', () =>
        check(
          (x, v) => {
            const y = x.mul(1);
            y.index(torch.slice(1), 0).copy_(v);
            return y;
          },
          [leaf([3, 2]), leaf([2], -1, 1, 0.3)],
          { gradgrad: true },
        ));
      caseTest('copy_ from a leaf (CopyBackwards), broadcast and cast', () =>
        check(
          (x, v) => {
            const y = x.mul(1);
            y.copy_(v);
            return y.mul(x);
          },
          [leaf([3, 2]), leaf([2], -1, 1, 0.3)],
          { gradgrad: true },
        ));
      caseTest('a view read after its base was written', () =>
        check(
          (x) => {
            const y = x.mul(1);
            const row = y.index(0);
            row.mul_(3);
            return row.add(y.sum(0));
          },
          [leaf([2, 3])],
        ));
      caseTest('in-place ops that read their input', () =>
        check(
          (x, b) => {
            const y = x.add(1);
            y.mul_(b).div_(b.add(2)).pow_(2).abs_();
            return y.log_();
          },
          [leaf([4], 0.2, 1), leaf([4], 0.5, 1, 0.4)],
        ));
      // Samples from a fresh generator each call: the same values in every evaluation.
      const constantWrites: [string, (y: Tensor) => Tensor][] = [
        ['fill_', (y) => y.fill_(0.5)],
        ['fill_ with a 0-d tensor', (y) => y.fill_(torch.tensor(0.5))],
        ['zero_', (y) => y.zero_()],
        ['uniform_', (y) => y.uniform_(0, 1, { generator: new torch.Generator(1) })],
        ['normal_', (y) => y.normal_(0, 1, { generator: new torch.Generator(2) })],
        ['bernoulli_', (y) => y.bernoulli_(0.5, { generator: new torch.Generator(3) })],
      ];
      for (const [name, write] of constantWrites) {
        caseTest(`overwritten by a constant: ${name}`, () =>
          check(
            (x) => {
              const y = x.mul(2);
              write(y);
              return y.add(x);
            },
            [leaf([3])],
          ));
      }
      caseTest('indexPut_ with a tensor index', () =>
        check(
          (x, v) => {
            const y = x.mul(1);
            y.indexPut_([long([0, 2])], v);
            return y;
          },
          [leaf([3, 2]), leaf([2, 2], -1, 1, 0.3)],
        ));
    });
  });
}

// ---------------------------------------------------------------------------- coverage

/** grad_fn names spelled out in src/ops and src/nn/functional (the unary/binary ones come from the typed tables). */
function namesInSource(): string[] {
  const names = new Set<string>();
  // nn.functional's one-node ops (hardsigmoid, the losses with PyTorch's nodes) too.
  for (const folder of ['../src/ops/', '../src/nn/functional/']) {
    const dir = new URL(folder, import.meta.url);
    // Subfolders too (src/ops/linalg/).
    for (const file of readdirSync(dir, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const m of text.matchAll(/'([A-Z]\w*Backward\w*|CopySlices)'/g)) names.add(m[1]);
    }
  }
  return [...names].sort();
}

describe('coverage', () => {
  // Self-contained: it runs every case body itself (graphs only), whatever else ran before it.
  test('every grad_fn named in src/ops appears in a checked graph', () => {
    seen.clear();
    namesOnly = true;
    try {
      setBackend(firstBackend);
      for (const body of bodies) body();
    } finally {
      namesOnly = false;
    }
    assert.ok(bodies.length > 50, `${bodies.length} case bodies registered`);
    const missing = namesInSource().filter((n) => !seen.has(n));
    assert.deepEqual(missing, [], `primitives without a gradcheck: ${missing.join(', ')}`);
  });
});
