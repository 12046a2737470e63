// The Fréchet distance and its Jacobi eigensolver: hand-made cases (identical sets give 0, a
// shift of the mean adds its squared length, known eigenvalues) and PyTorch/numpy's values on fixed
// feature rows (test/fixtures/ddpm.json, tools/fixtures/ddpm.py).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { featureFrechetDistance, frechetDistance, meanAndCovariance, sqrtPsd, symmetricEigen } from '../../src/utils/frechet.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/ddpm.json', import.meta.url), 'utf8')) as {
  frechet: { a: number[]; b: number[]; n1: number; n2: number; dim: number; distance: number }[];
};

test('symmetricEigen: eigenpairs of a symmetric matrix reconstruct it; known eigenvalues', () => {
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
  const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
  assert.deepEqual([...values].sort().map((v) => +v.toFixed(12)), [1, 3]);
  const n = 6;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = Math.sin(i * 7 + j * 3);
  const { values: l, vectors: v } = symmetricEigen(m, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += v[i * n + k] * l[k] * v[j * n + k];
      assert.ok(Math.abs(s - m[i * n + j]) < 1e-12, `V diag(l) V^T [${i}][${j}] = ${s}, want ${m[i * n + j]}`);
    }
  }
});

test('sqrtPsd: the root squared is the matrix', () => {
  const m = Float64Array.from([4, 2, 0, 2, 3, 1, 0, 1, 2]);
  const r = sqrtPsd(m, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += r[i * 3 + k] * r[k * 3 + j];
      assert.ok(Math.abs(s - m[i * 3 + j]) < 1e-12, `(R R)[${i}][${j}] = ${s}`);
    }
  }
});

test('meanAndCovariance divides by N - 1 as numpy.cov does', () => {
  const { mean, cov } = meanAndCovariance([1, 2, 3, 6], 2, 2);
  assert.deepEqual([...mean], [2, 4]);
  assert.deepEqual([...cov], [2, 4, 4, 8]);
});

test('identical feature sets are at distance ~0; a shifted copy at the squared shift', () => {
  const rows = Array.from({ length: 50 * 4 }, (_, i) => Math.sin(i * 1.7) + Math.cos(i * 0.3));
  assert.ok(Math.abs(featureFrechetDistance(rows, 50, rows, 50, 4)) < 1e-10);
  const shifted = rows.map((v, i) => v + (i % 4 === 1 ? 3 : 0));
  assert.ok(Math.abs(featureFrechetDistance(rows, 50, shifted, 50, 4) - 9) < 1e-10);
});

test('two Gaussians with known moments: ‖μ1-μ2‖² + tr(Σ1 + Σ2 - 2(Σ1Σ2)^½)', () => {
  // Diagonal: Σ1 = diag(1, 4), Σ2 = diag(9, 1) give 1 + 4 + 9 + 1 - 2(3 + 2) = 5; means differ by (1, 1).
  const d = frechetDistance(Float64Array.from([0, 0]), Float64Array.from([1, 0, 0, 4]), Float64Array.from([1, 1]), Float64Array.from([9, 0, 0, 1]));
  assert.ok(Math.abs(d - 7) < 1e-12, `${d}`);
});

for (const [i, c] of fixture.frechet.entries()) {
  test(`PyTorch/numpy's value on fixed features, case ${i} (${c.n1} and ${c.n2} rows of ${c.dim})`, () => {
    const d = featureFrechetDistance(c.a, c.n1, c.b, c.n2, c.dim);
    assert.ok(Math.abs(d - c.distance) < 1e-9 * Math.max(1, c.distance), `${d} against ${c.distance}`);
  });
}

test('sizes that do not fit are refused by name', () => {
  assert.throws(() => meanAndCovariance([1, 2, 3], 2, 2), /meanAndCovariance: expected 2 x 2 values, but got 3/);
  assert.throws(() => featureFrechetDistance([1, 2], 1, [1, 2], 1, 2), /need at least 2 rows, but got 1/);
});
