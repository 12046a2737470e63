// The training loop's per-step accuracy: correctPredictions counts in plain JavaScript what
// output.argmax(1).eq(y).sum() counts, ties, NaN and infinities included, on every backend.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/index.js';
import { correctPredictions } from '../../src/lab/training.js';
import { backendsUnderTest } from '../helpers.js';

const byOps = (output: torch.Tensor, y: torch.Tensor) => torch.noGrad(() => output.argmax(1).eq(y).sum().item());

for (const backend of backendsUnderTest()) {
  test(`correctPredictions equals argmax(1).eq(y).sum() (${backend})`, () => {
    const previous = torch.setBackend(backend);
    try {
      torch.manualSeed(3);
      const scores = torch.randn([64, 10]);
      const labels = torch.randint(0, 10, [64]);
      // A label equal to each row's argmax for half the rows, so the count is far from 0 and 64.
      const top = scores.argmax(1);
      const y = torch.where(torch.arange(64).remainder(2).eq(0), top, labels);
      assert.equal(correctPredictions(scores, y), byOps(scores, y));
      assert.ok(correctPredictions(scores, y) >= 32);

      // Ties go to the first maximum; a NaN wins wherever it is; -Infinity rows pick index 0.
      const N = NaN;
      const tricky = torch.tensor([
        [1, 3, 3, 0],
        [2, N, 5, N],
        [-Infinity, -Infinity, -Infinity, -Infinity],
        [N, 9, 9, 9],
        [0, 0, Infinity, Infinity],
        [-1, -2, -3, -0.5],
      ]);
      for (const labelRow of [[1, 1, 0, 0, 2, 3], [2, 2, 1, 1, 3, 0]]) {
        const t = torch.tensor(labelRow).to('int64');
        assert.equal(correctPredictions(tricky, t), byOps(tricky, t), `labels ${labelRow}`);
      }
      assert.equal(correctPredictions(tricky, torch.tensor([1, 1, 0, 0, 2, 3]).to('int64')), 6);

      // Float labels and int32 labels compare by value, as eq does.
      assert.equal(correctPredictions(tricky, torch.tensor([1, 1, 0, 0, 2, 3])), 6);
      assert.equal(correctPredictions(tricky, torch.tensor([1, 1, 0, 0, 2, 2]).to('int32')), 5);

      // A view into a larger storage (an offset, and transposed: not contiguous) counts its own rows.
      const wide = torch.randn([8, 12]);
      const part = wide.narrow(0, 3, 4);
      const yPart = part.argmax(1);
      assert.equal(part.storageOffset(), 36);
      assert.equal(correctPredictions(part, yPart), 4);
      const tall = wide.t(); // 12 x 8, not contiguous
      const yTall = torch.where(torch.arange(12).remainder(3).eq(0), tall.argmax(1), torch.randint(0, 8, [12]));
      assert.ok(!tall.isContiguous());
      assert.equal(correctPredictions(tall, yTall), byOps(tall, yTall));
      assert.ok(correctPredictions(tall, yTall) >= 4);

      // Labels that are a view at an offset (a slice of a longer label tensor).
      const allLabels = torch.cat([torch.randint(0, 10, [5]), y]);
      const ySlice = allLabels.narrow(0, 5, 64);
      assert.equal(ySlice.storageOffset(), 5);
      assert.equal(correctPredictions(scores, ySlice), byOps(scores, y));

      // Other shapes (per-position scores of a sequence model) fall back to the tensor ops.
      const seq = torch.randn([4, 5, 3]);
      const ySeq = torch.randint(0, 5, [4, 3]);
      assert.equal(correctPredictions(seq, ySeq), byOps(seq, ySeq));
    } finally {
      torch.setBackend(previous);
    }
  });
}
