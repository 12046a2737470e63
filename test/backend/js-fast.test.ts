// The js backend's fast paths against the definitions they shortcut: a per-row value
// broadcast along rows (x - x.amax(1, keepdim) in log-softmax), on either side of a
// non-commutative op, over one or several trailing dims, and layouts that look alike but are
// not (rows not contiguous) and must take the general walk; a sum over the batch (a bias
// gradient), one float64 running sum per column down the rows, rounded once.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { BinaryOp, View } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { rowRepeat } from '../../src/backend/js/fast.js';

const fns: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

function view(data: Float32Array | Float64Array, shape: number[], strides: number[], offset = 0): View {
  return { data, dtype: data instanceof Float32Array ? 'float32' : 'float64', shape, strides, offset };
}

/** Element i (row-major over shape) of v, by its strides. */
function at(v: View, shape: number[], i: number): number {
  let off = v.offset;
  for (let d = shape.length - 1; d >= 0; d--) {
    off += (i % shape[d]) * v.strides[d];
    i = Math.floor(i / shape[d]);
  }
  return v.data[off] as number;
}

describe('js fast paths: one value per row, broadcast along the row', () => {
  test('rowRepeat finds the row length, and only for contiguous rows', () => {
    assert.equal(rowRepeat([64, 10], [1, 0]), 10);
    assert.equal(rowRepeat([2, 3, 4], [3, 1, 0]), 4);
    assert.equal(rowRepeat([2, 3, 4], [1, 0, 0]), 12);
    assert.equal(rowRepeat([5, 1, 4], [1, 1, 0]), 4);
    assert.equal(rowRepeat([64, 10], [2, 0]), 0, 'rows not contiguous');
    assert.equal(rowRepeat([64, 10], [10, 1]), 0, 'contiguous, not repeated');
    assert.equal(rowRepeat([64, 10], [0, 0]), 0, 'a scalar');
    assert.equal(rowRepeat([2, 3, 4], [0, 1, 0]), 0, 'a repeat outside the rows');
  });

  for (const Type of [Float32Array, Float64Array]) {
    for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
      test(`${op} ${Type.name}: matches the elementwise definition on either side`, () => {
        const cases: { shape: number[]; rowStrides: number[]; rows: number; offset: number }[] = [
          { shape: [6, 5], rowStrides: [1, 0], rows: 6, offset: 0 },
          { shape: [2, 3, 4], rowStrides: [3, 1, 0], rows: 6, offset: 2 },
          { shape: [3, 2, 5], rowStrides: [1, 0, 0], rows: 3, offset: 1 },
          { shape: [4, 3], rowStrides: [2, 0], rows: 7, offset: 0 }, // rows every other element: general walk
        ];
        for (const { shape, rowStrides, rows, offset } of cases) {
          const n = shape.reduce((m, d) => m * d, 1);
          const xs = new Type(n + 3).map((_, i) => Math.sin(i * 1.7) * 3 + (i % 2 ? 0.5 : -0.25));
          const ys = new Type(rows + offset).map((_, i) => Math.cos(i * 2.3) + 2);
          const contiguous = shape.map((_, d) => shape.slice(d + 1).reduce((m, s) => m * s, 1));
          const x = view(xs, shape, contiguous, 3);
          const y = view(ys, shape, rowStrides, offset);
          for (const [a, b] of [[x, y], [y, x]]) {
            const out = jsBackend.binary(op, a, b, shape, a.dtype);
            const want = new Type(n).map((_, i) => fns[op](at(a, shape, i), at(b, shape, i)));
            assert.deepEqual([...out], [...want], `${op} ${JSON.stringify(shape)} ${JSON.stringify(rowStrides)} ${a === x ? 'x op rows' : 'rows op x'}`);
          }
        }
      });
    }
  }
});

describe('js fast paths: a sum over the leading dims', () => {
  for (const Type of [Float32Array, Float64Array]) {
    test(`${Type.name}: each column summed down the rows in float64, as the reference`, () => {
      for (const [rows, cols] of [[64, 128], [7, 10], [5, 3], [1, 1], [3, 0], [0, 5]]) {
        const n = rows * cols;
        // Magnitudes far apart, so that a different order or float32 partial sums would show.
        const xs = new Type(n + 2).map((_, i) => (i % 3 === 0 ? 1e7 : 1) * Math.sin(i * 0.37) + (i % 7 === 0 ? -0 : 0.1));
        const x = view(xs, [rows, cols], [cols, 1], 2);
        const got = jsBackend.reduce('sum', x, [0], x.dtype);
        const want = new Type(cols);
        for (let c = 0; c < cols; c++) {
          let s = 0;
          for (let r = 0; r < rows; r++) s += xs[2 + r * cols + c];
          want[c] = s;
        }
        assert.deepEqual([...got], [...want], `[${rows}, ${cols}]`);
        const x3 = view(xs, [rows, 1, cols], [cols, cols, 1], 2);
        assert.deepEqual([...jsBackend.reduce('sum', x3, [0, 1], x.dtype)], [...want], `[${rows}, 1, ${cols}]`);
      }
    });
  }
});
