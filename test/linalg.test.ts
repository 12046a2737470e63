// Matrix products against PyTorch 1.13 beyond their values (test/ops.test.ts has those):
// every refusal in PyTorch's words (tools/fixtures/linalg.py), matmul's batched forms naming
// the mv/mm/bmm they fold into, and the operands each product's node saves. Once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../src/index.js';
import type { DType, Tensor } from '../src/index.js';
import { storageCount } from '../src/tensor/storage.js';
import { backendsUnderTest, errorOf } from './helpers.js';

interface Refusal {
  name: string;
  op: 'mm' | 'bmm' | 'mv' | 'dot' | 'matmul' | 'einsum';
  shapes: number[][];
  dtypes: DType[];
  equation?: string;
  message: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/linalg.json', import.meta.url), 'utf8')) as { torch: string; refusals: Refusal[] };

function call(r: Refusal): unknown {
  const [a, b] = r.shapes.map((s, i) => dlab.zeros(s, { dtype: r.dtypes[i] }));
  return r.op === 'einsum' ? dlab.einsum(r.equation!, a, b) : dlab[r.op](a, b);
}

for (const backend of backendsUnderTest()) {
  describe(`matrix products vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const r of fixture.refusals) {
      test(`refused: ${r.name}`, () => {
        dlab.setBackend(backend);
        assert.equal(errorOf(() => call(r)), r.message);
      });
    }

    test("MmBackward0 and BmmBackward0 save both operands (PyTorch's _saved_self and _saved_mat2)", () => {
      dlab.setBackend(backend);
      const a = dlab.ones([2, 2], { requiresGrad: true });
      const b = dlab.ones([2, 2], { requiresGrad: true });
      const mm = dlab.mm(a, b).gradFn!;
      assert.equal(mm.name, 'MmBackward0');
      assert.ok(mm.savedTensors.length === 2 && mm.savedTensors[0] === a && mm.savedTensors[1] === b);
      const a3 = dlab.ones([1, 2, 2], { requiresGrad: true });
      const b3 = dlab.ones([1, 2, 2], { requiresGrad: true });
      const bmm = dlab.bmm(a3, b3).gradFn!;
      assert.equal(bmm.name, 'BmmBackward0');
      assert.ok(bmm.savedTensors.length === 2 && bmm.savedTensors[0] === a3 && bmm.savedTensors[1] === b3);
    });

    test("matmul of two matrices is PyTorch's MmBackward0; a vector or a batch times a matrix goes through MmBackward0", () => {
      dlab.setBackend(backend);
      // torch.matmul(a, b).grad_fn.name(): MmBackward0; for a 1-D a, next_functions[0] is MmBackward0.
      const m = dlab.ones([2, 3], { requiresGrad: true });
      assert.equal(dlab.matmul(m, dlab.ones([3, 2])).gradFn!.name, 'MmBackward0');
      const v = dlab.ones([3], { requiresGrad: true });
      assert.equal(dlab.matmul(v, dlab.ones([3, 2])).gradFn!.nextFunctions[0]!.name, 'MmBackward0');
      // A batch times a matrix folds the batch into the rows of one mm: UnsafeViewBackward0 <- MmBackward0 in PyTorch.
      const batch = dlab.ones([2, 2, 3], { requiresGrad: true });
      // type(y.grad_fn).__name__: UnsafeViewBackward0, which saves no tensor (only _saved_self_sym_sizes).
      const folded = dlab.matmul(batch, dlab.ones([3, 2])).gradFn!;
      assert.equal(folded.name, 'UnsafeViewBackward0');
      assert.equal(folded.nextFunctions[0]!.name, 'MmBackward0');
      assert.deepEqual(folded.savedTensors, []);
    });

    test("matmul keeps a batched operand's size-1 rows and columns; einsum ignores spaces", () => {
      dlab.setBackend(backend);
      // torch.matmul(ones(2, 1, 3), ones(3, 4)).shape: [2, 1, 4]; ones(2, 3, 4) @ ones(4, 1): [2, 3, 1];
      // ones(2, 1, 3) @ ones(2, 3, 1): [2, 1, 1]; torch.einsum(' i j , j k -> i k ', ones(2, 3), ones(3, 4)).shape: [2, 4].
      assert.deepEqual(dlab.matmul(dlab.ones([2, 1, 3]), dlab.ones([3, 4])).shape, [2, 1, 4]);
      assert.deepEqual(dlab.matmul(dlab.ones([2, 3, 4]), dlab.ones([4, 1])).shape, [2, 3, 1]);
      assert.deepEqual(dlab.matmul(dlab.ones([2, 1, 3]), dlab.ones([2, 3, 1])).shape, [2, 1, 1]);
      const e = dlab.einsum(' i j , j k -> i k ', dlab.ones([2, 3]), dlab.ones([3, 4]));
      assert.deepEqual([e.shape, e.sum().item()], [[2, 4], 24]);
      // Without '->' the output is the labels seen once, sorted: torch.einsum('jk,ij', ones(3, 4), ones(2, 3)).shape is [2, 4] ('ik').
      assert.deepEqual(dlab.einsum('jk,ij', dlab.ones([3, 4]), dlab.ones([2, 3])).shape, [2, 4]);
    });

    test('einsum sums the labels one operand drops, and broadcasts a size-1 label (PyTorch 1.13 values)', () => {
      dlab.setBackend(backend);
      const a = dlab.arange(6).reshape([2, 3]);
      const b = dlab.arange(24).reshape([2, 3, 4]);
      // torch.einsum('ij->j', arange(6.).reshape(2, 3)); torch.einsum('ijk->ki', arange(24.).reshape(2, 3, 4))
      assert.deepEqual(dlab.einsum('ij->j', a).tolist(), [3, 5, 7]);
      assert.deepEqual(dlab.einsum('ijk->ki', b).tolist(), [[12, 48], [15, 51], [18, 54], [21, 57]]);
      // torch.einsum('ij,jk->ik', tensor([[1.], [2.]]), arange(12.).reshape(3, 4)): j of size 1 broadcasts to 3.
      assert.deepEqual(dlab.einsum('ij,jk->ik', dlab.tensor([[1], [2]]), dlab.arange(12).reshape([3, 4])).tolist(), [[12, 15, 18, 21], [24, 30, 36, 42]]);
      // A batch label of size 1 too: torch.einsum('bij,bjk->bik', ones(1, 2, 3), ones(4, 3, 1)) is 3s of shape [4, 2, 1].
      const batched = dlab.einsum('bij,bjk->bik', dlab.ones([1, 2, 3]), dlab.ones([4, 3, 1]));
      assert.deepEqual([batched.shape, batched.sum().item()], [[4, 2, 1], 24]);
      // A label of one operand that nothing later needs is summed before the product:
      // torch.einsum('ij,jk->k' / 'ij,jk->i' / 'ij,jk->jk', arange(6.).reshape(2, 3), arange(12.).reshape(3, 4)).
      const m = dlab.arange(12).reshape([3, 4]);
      assert.deepEqual(dlab.einsum('ij,jk->k', a, m).tolist(), [76, 91, 106, 121]);
      assert.deepEqual(dlab.einsum('ij,jk->i', a, m).tolist(), [98, 296]);
      assert.deepEqual(dlab.einsum('ij,jk->jk', a, m).tolist(), [[0, 3, 6, 9], [20, 25, 30, 35], [56, 63, 70, 77]]);
      const reversed = dlab.einsum('bij,bjk->bik', dlab.ones([4, 2, 3]), dlab.ones([1, 3, 1]));
      assert.deepEqual([reversed.shape, reversed.sum().item()], [[4, 2, 1], 24]);
    });

    // PyTorch's mm_mat1_backward/mm_mat2_backward give a column-major operand (strides [1, rows])
    // its gradient column-major: through weight.t() the weight's gradient arrives contiguous and
    // the leaf takes it, so the first pass makes as many storages as the second, which adds in place.
    test("a column-major operand's gradient is made column-major, so the leaf behind .t() takes it uncopied", () => {
      dlab.setBackend(backend);
      const storagesMadeBy = (f: () => void) => {
        const before = storageCount.value;
        f();
        return storageCount.value - before;
      };
      const x = dlab.tensor([[1, -1, 2], [2, 0.5, 1]]);
      for (const [what, make] of [
        ['mat2', (w: Tensor) => dlab.mm(x, w.t())],
        ['mat1', (w: Tensor) => dlab.mm(w.t(), x)],
      ] as const) {
        const w = dlab.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
        const first = storagesMadeBy(() => make(w).sum().backward());
        const second = storagesMadeBy(() => make(w).sum().backward());
        assert.equal(first, second, `${what}: first pass ${first} storages, second ${second}`);
        assert.deepEqual(w.grad!.stride(), [3, 1]);
      }
    });

    test("a row or a column (contiguous) is not column-major: its gradient has the leaf's strides, as PyTorch's", () => {
      dlab.setBackend(backend);
      // torch.mm(a, ones(...)).sum().backward(); a.grad.stride(): (3, 1) for a [1, 3] leaf, (1, 1) for [3, 1].
      for (const [shape, strides] of [[[1, 3], [3, 1]], [[3, 1], [1, 1]]] as const) {
        const a = dlab.ones([...shape], { requiresGrad: true });
        dlab.mm(a, dlab.ones([shape[1], 2])).sum().backward();
        assert.deepEqual(a.grad!.stride(), strides, `mat1 ${shape}`);
        const b = dlab.ones([...shape], { requiresGrad: true });
        dlab.mm(dlab.ones([2, shape[0]]), b).sum().backward();
        assert.deepEqual(b.grad!.stride(), strides, `mat2 ${shape}`);
      }
    });
  });
}
