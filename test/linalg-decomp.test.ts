// torch.linalg against PyTorch 1.13 (tools/fixtures/linalg_decomp.py): norms, det, slogdet, logdet,
// inv, solve, solve_triangular, lu, lu_factor, lu_solve, cholesky, cholesky_solve/_inverse, qr,
// eigh, svd, pinv, matrix_rank, matrix_exp, lstsq and the products, with the top-level aliases and the *_ex forms; values,
// dtypes, grad_fn names, gradients for fixed weights, and every refusal in PyTorch's words.
// QR, eigh and SVD factors are unique only up to the sign of a column (and its paired row), so
// the fixture holds their elementwise squares and gradients of losses in those squares, which
// every sign choice shares (as PyTorch's own tests compare these decompositions); S, the
// eigenvalues and everything else are compared as they are. Once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../src/index.js';
import { linalg, type Tensor } from '../src/index.js';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from './helpers.js';

type Kw = Record<string, number | string | boolean | number[]>;
type View = 'id' | 'sq' | 'skip';
interface Case {
  name: string;
  fn: string;
  kwargs: Kw;
  inputs: FixtureTensor[];
  views: View[];
  out: (FixtureTensor | null)[];
  grad_fn: string | null;
  weights?: (FixtureTensor | null)[];
  grads?: (FixtureTensor | null)[];
}
interface Refusal {
  name: string;
  fn: string;
  kwargs: Kw;
  inputs: FixtureTensor[];
  type: string;
  message: string;
}
interface BackwardRefusal {
  name: string;
  mode: 'r' | 'complete';
  input: FixtureTensor;
  message: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/linalg_decomp.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
  refusals: Refusal[];
  backward_refusals: BackwardRefusal[];
};

/** Where dlab's last node differs from PyTorch's by design: its composition ends in another op. */
const OWN_NODE: Record<string, string> = {
  'linalg.cross': 'SubBackward0', // torch.cross's rolls (as nn-more.test.ts)
};

const ord = (v: Kw[string] | undefined) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v) as number & ('fro' | 'nuc');

/** The dlab call of torch.<fn>(*xs, **kwargs), its outputs as a list in PyTorch's order. */
function call(fn: string, kw: Kw, xs: Tensor[]): Tensor[] {
  const [a, b] = xs;
  const dim = kw.dim as number & number[];
  const keepdim = { keepdim: kw.keepdim as boolean | undefined, dtype: kw.dtype as dlab.DType | undefined };
  const tolerances = { atol: kw.atol as number | undefined, rtol: kw.rtol as number | undefined, hermitian: kw.hermitian as boolean | undefined };
  switch (fn) {
    case 'linalg.vector_norm': return [linalg.vectorNorm(a, ord(kw.ord ?? 2), dim, keepdim)];
    case 'linalg.matrix_norm': return [linalg.matrixNorm(a, ord(kw.ord ?? 'fro'), dim, keepdim)];
    case 'linalg.norm': return [linalg.norm(a, ord(kw.ord), dim, keepdim)];
    case 'linalg.det': return [linalg.det(a)];
    case 'det': return [dlab.det(a)];
    case 'linalg.slogdet': { const r = linalg.slogdet(a); return [r.sign, r.logabsdet]; }
    case 'slogdet': { const r = a.slogdet(); return [r.sign, r.logabsdet]; }
    case 'logdet': return [dlab.logdet(a)];
    case 'linalg.inv': return [linalg.inv(a)];
    case 'inverse': return [a.inverse()];
    case 'linalg.inv_ex': { const r = linalg.invEx(a, { checkErrors: kw.check_errors as boolean | undefined }); return [r.inverse, r.info]; }
    case 'linalg.solve': return [linalg.solve(a, b, { left: kw.left as boolean | undefined })];
    case 'linalg.cholesky': return [linalg.cholesky(a, { upper: kw.upper as boolean | undefined })];
    case 'linalg.cholesky_ex': { const r = linalg.choleskyEx(a, { checkErrors: kw.check_errors as boolean | undefined }); return [r.L, r.info]; }
    case 'linalg.solve_ex': { const r = linalg.solveEx(a, b, { checkErrors: kw.check_errors as boolean | undefined }); return [r.result, r.info]; }
    case 'linalg.solve_triangular':
      return [linalg.solveTriangular(a, b, { upper: kw.upper as boolean, left: kw.left as boolean | undefined, unitriangular: kw.unitriangular as boolean | undefined })];
    case 'linalg.qr': { const r = linalg.qr(a, { mode: kw.mode as linalg.QrMode }); return [r.Q, r.R]; }
    case 'linalg.eigh': { const r = linalg.eigh(a, { UPLO: kw.UPLO as 'L' | 'U' }); return [r.eigenvalues, r.eigenvectors]; }
    case 'linalg.eigvalsh': return [linalg.eigvalsh(a)];
    case 'linalg.svd': { const r = linalg.svd(a, { fullMatrices: kw.full_matrices as boolean | undefined }); return [r.U, r.S, r.Vh]; }
    case 'linalg.svdvals': return [linalg.svdvals(a)];
    case 'linalg.lu_factor': { const r = linalg.luFactor(a, { pivot: kw.pivot as boolean | undefined }); return [r.LU, r.pivots]; }
    case 'linalg.lu_factor_ex': { const r = linalg.luFactorEx(a); return [r.LU, r.pivots, r.info]; }
    case 'cholesky_solve': return [dlab.choleskySolve(a, b, { upper: kw.upper as boolean | undefined })];
    case 'cholesky_inverse': return [a.choleskyInverse({ upper: kw.upper as boolean | undefined })];
    case 'linalg.lu': { const r = linalg.lu(a, { pivot: kw.pivot as boolean | undefined }); return [r.P, r.L, r.U]; }
    case 'linalg.pinv': return [linalg.pinv(a, tolerances)];
    case 'pinverse': return [a.pinverse()];
    case 'linalg.matrix_rank': return [linalg.matrixRank(a, tolerances)];
    case 'matrix_power': return [a.matrixPower(kw.n as number)];
    case 'linalg.matrix_power': return [linalg.matrixPower(a, kw.n as number)];
    case 'linalg.multi_dot': return [linalg.multiDot(xs)];
    case 'linalg.vecdot': return [linalg.vecdot(a, b)];
    case 'linalg.cross': return [linalg.cross(a, b)];
    case 'linalg.lu_solve': return [linalg.luSolve(a, b, xs[2], { left: kw.left as boolean | undefined, adjoint: kw.adjoint as boolean | undefined })];
    case 'lu_solve': return [a.luSolve(b, xs[2])];
    case 'linalg.matrix_exp': return [linalg.matrixExp(a)];
    case 'matrix_exp': return [dlab.matrixExp(a)];
    case 'linalg.lstsq': {
      const r = linalg.lstsq(a, b, kw.rcond as number | undefined, { driver: kw.driver as linalg.LstsqDriver | undefined });
      return [r.solution, r.residuals, r.rank, r.singularValues];
    }
    default: throw new Error(`no dlab call for torch.${fn}`);
  }
}

const shown = (t: Tensor, view: View) => (view === 'sq' ? t.detach().square() : t);

for (const backend of backendsUnderTest()) {
  describe(`torch.linalg vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.cases) {
      test(c.name, () => {
        dlab.setBackend(backend);
        const xs = c.inputs.map((x) => fromFixture(x, { requiresGrad: x.dtype.startsWith('float') && c.grads !== undefined }));
        const outs = call(c.fn, c.kwargs, xs);
        assert.equal(outs.length, c.views.length, `${c.name}: number of outputs`);
        c.out.forEach((e, i) => e !== null && assertTensor(shown(outs[i], c.views[i]), e, `${c.name}: output ${i}${c.views[i] === 'sq' ? ' squared' : ''}`));
        if (c.grads === undefined) return;
        const name = OWN_NODE[c.fn] ?? c.grad_fn;
        assert.equal(outs[0].gradFn?.name ?? null, name, `${c.name}: grad_fn`);
        let loss: Tensor | null = null;
        c.views.forEach((v, i) => {
          if (v === 'skip') return;
          const term = (v === 'sq' ? outs[i].square() : outs[i]).mul(fromFixture(c.weights![i]!)).sum();
          loss = loss === null ? term : loss.add(term);
        });
        (loss as unknown as Tensor).backward();
        c.grads.forEach((g, k) => (g === null ? assert.equal(xs[k].grad, null) : assertTensor(xs[k].grad!, g, `${c.name}: grad of input ${k}`)));
      });
    }
    for (const r of fixture.refusals) {
      test(`refused: ${r.name}`, () => {
        dlab.setBackend(backend);
        const xs = r.inputs.map((x) => fromFixture(x));
        let error: unknown = null;
        try {
          call(r.fn, r.kwargs, xs);
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof Error, `${r.name}: no error`);
        assert.equal(error.message, r.message);
        // PyTorch's _LinAlgError is torch.linalg.LinAlgError.
        assert.equal(error instanceof linalg.LinAlgError, r.type === '_LinAlgError', `${r.name}: LinAlgError`);
      });
    }
    for (const r of fixture.backward_refusals) {
      test(`backward refused: ${r.name}`, () => {
        dlab.setBackend(backend);
        const x = fromFixture(r.input, { requiresGrad: true });
        assert.equal(errorOf(() => linalg.qr(x, { mode: r.mode }).R.sum().backward()), r.message);
      });
    }

    test('matrix_exp and lstsq save their inputs: modifying one in place before backward is refused, as in PyTorch', () => {
      dlab.setBackend(backend);
      const modified = /^one of the variables needed for gradient computation has been modified by an inplace operation/;
      const a = dlab.eye(2, { dtype: 'float64', requiresGrad: true }).mul(1);
      const y = linalg.matrixExp(a);
      a.mul_(2);
      assert.match(errorOf(() => y.sum().backward()), modified);
      for (const which of [0, 1]) {
        const [A, B] = [dlab.ones([3, 2], { dtype: 'float64', requiresGrad: true }).mul(1), dlab.ones([3, 1], { dtype: 'float64', requiresGrad: true }).mul(1)];
        const x = linalg.lstsq(A, B).solution;
        [A, B][which].mul_(2);
        assert.match(errorOf(() => x.sum().backward()), modified, `lstsq with input ${which} modified`);
      }
    });

    test('det of a singular matrix: the gradient is the cofactor matrix (PyTorch 1.13 returns zeros)', () => {
      dlab.setBackend(backend);
      // Cofactors by hand: [[a, b], [c, d]] -> [[d, -c], [-b, a]]; the 3x3 one has rows 1 and 2 proportional,
      // so only the cofactors of the first two rows' complements survive.
      const cases: [number[][], number[][]][] = [
        [[[1, 2], [2, 4]], [[4, -2], [-2, 1]]],
        [[[1, 0], [0, 0]], [[0, 0], [0, 1]]],
        [[[0, 0], [0, 0]], [[0, 0], [0, 0]]],
        [[[1, 2, 3], [2, 4, 6], [1, 0, 1]], [[4, 4, -4], [-2, -2, 2], [0, 0, 0]]],
      ];
      for (const [m, cofactors] of cases) {
        const a = dlab.tensor(m, { dtype: 'float64' }).requiresGrad_(true);
        linalg.det(a).backward();
        const got = (a.grad!.tolist() as number[][]).flat();
        got.forEach((v, i) => assert.ok(Math.abs(v - cofactors.flat()[i]) < 1e-12, `${JSON.stringify(m)}: ${got} != ${cofactors.flat()}`));
      }
    });

    test("the results live on the input's backend, whatever the current one is", () => {
      dlab.setBackend(backend);
      const a = dlab.tensor([[2, 1], [1, 3]], { dtype: 'float64' });
      dlab.setBackend(dlab.listBackends().find((b) => b !== backend)!);
      try {
        const { U, S, Vh } = linalg.svd(a);
        for (const t of [linalg.inv(a), linalg.det(a), linalg.cholesky(a), linalg.qr(a).R, linalg.eigh(a).eigenvectors, U, S, Vh, linalg.luFactor(a).LU]) {
          assert.equal(t._storage.backend.name, backend);
        }
      } finally {
        dlab.setBackend(backend);
      }
    });

    test('gradients of gradients: det, inv, solve and cholesky are built from differentiable ops', () => {
      dlab.setBackend(backend);
      const a = dlab.tensor([[3, 1], [1, 2]], { dtype: 'float64' }).requiresGrad_(true);
      // d/dA det(A) = det(A) A^{-T} = adj(A)^T = [[2, -1], [-1, 3]]; its sum's gradient is d/dA (5 - ... ) = 0 for a 2x2
      // (adj of a 2x2 is linear in A, with entries a22, -a21, -a12, a11: each gradient entry sums to one term).
      const [g] = dlab.autograd.grad(linalg.det(a), [a], { createGraph: true });
      assert.deepEqual(g!.tolist().flat().map((v) => Math.round(v as number * 1e9) / 1e9), [2, -1, -1, 3]);
      const [gg] = dlab.autograd.grad(g!.mul(dlab.tensor([[1, 2], [3, 4]], { dtype: 'float64' })).sum(), [a]);
      // sum(W * [[a22, -a21], [-a12, a11]]): d/da11 = W22 = 4, d/da12 = -W21 = -3, d/da21 = -W12 = -2, d/da22 = W11 = 1.
      assert.deepEqual(gg!.tolist().flat().map((v) => Math.round(v as number * 1e9) / 1e9), [4, -3, -2, 1]);
    });
  });
}
