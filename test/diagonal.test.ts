// torch.diagonal, diag, diag_embed, trace, movedim/moveaxis and einsum's ellipsis, repeated
// subscripts and list form against PyTorch 1.13 (tools/fixtures/diagonal.py): values, dtypes,
// grad_fn names (einsum's inner graph is its own), gradients for a fixed grad_output, and every
// refusal in PyTorch's words. Once per backend. One gradient departs from PyTorch on purpose:
// trace of a tall matrix, where PyTorch 1.13's is wrong (the fixture keeps both).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from './helpers.js';

interface Operand {
  shape: number[];
  dtype?: string;
  transpose?: [number, number];
  x: FixtureTensor;
}
interface Call {
  name: string;
  op: 'diagonal' | 'diag' | 'diag_embed' | 'trace' | 'movedim' | 'moveaxis' | 'einsum' | 'einsum_list';
  args: (number | string | number[])[];
  inputs: Operand[];
}
interface Case extends Call {
  out: FixtureTensor;
  grad_fn: string | null;
  grad_output?: FixtureTensor;
  grads?: (FixtureTensor | null)[];
  /** Where PyTorch's gradient is wrong (it fails its own gradcheck): the true one, which dlab gives. */
  correct_grads?: FixtureTensor[];
}
interface Refusal extends Call {
  message: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/diagonal.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[]; refusals: Refusal[] };

function call(op: Call['op'], args: Call['args'], xs: Tensor[]): Tensor {
  const n = args as number[];
  switch (op) {
    case 'diagonal':
      return dlab.diagonal(xs[0], ...n);
    case 'diag':
      return dlab.diag(xs[0], ...n);
    case 'diag_embed':
      return dlab.diagEmbed(xs[0], ...n);
    case 'trace':
      return dlab.trace(xs[0]);
    case 'movedim':
      return dlab.movedim(xs[0], args[0] as number | number[], args[1] as number | number[]);
    case 'moveaxis':
      return dlab.moveaxis(xs[0], args[0] as number | number[], args[1] as number | number[]);
    case 'einsum':
      return dlab.einsum(args[0] as string, ...xs);
    case 'einsum_list':
      return dlab.einsum(args[0] as string, xs);
    default:
      return op satisfies never;
  }
}

/** The leaves (float ones require grad) and the views the op receives. */
function operands(inputs: Operand[]): { leaves: Tensor[]; views: Tensor[] } {
  const leaves = inputs.map((i) => fromFixture(i.x, { requiresGrad: i.x.dtype.startsWith('float') }));
  const views = leaves.map((x, k) => (inputs[k].transpose ? x.transpose(...inputs[k].transpose!) : x));
  return { leaves, views };
}

for (const backend of backendsUnderTest()) {
  describe(`diagonals, movedim and einsum vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.cases) {
      test(c.name, () => {
        dlab.setBackend(backend);
        const { leaves, views } = operands(c.inputs);
        const out = call(c.op, c.args, views);
        assertTensor(out, c.out, `${c.name}: value`);
        if (!c.op.startsWith('einsum')) assert.equal(out.gradFn?.name ?? null, c.grad_fn, `${c.name}: grad_fn`);
        if (c.grad_output) {
          out.backward(fromFixture(c.grad_output).to(out.dtype));
          (c.correct_grads ?? c.grads!).forEach((g, k) => (g === null ? assert.equal(leaves[k].grad, null) : assertTensor(leaves[k].grad!, g, `${c.name}: grad of input ${k}`)));
        }
      });
    }
    for (const r of fixture.refusals) {
      test(`refused: ${r.name}`, () => {
        dlab.setBackend(backend);
        assert.equal(errorOf(() => call(r.op, r.args, operands(r.inputs).views)), r.message);
      });
    }

    test('diagonal is a view: writes through it reach the base, as PyTorch', () => {
      dlab.setBackend(backend);
      // x = torch.zeros(3, 4); x.diagonal(1).fill_(1); x.sum() == 3 and x[0, 1] == 1
      const x = dlab.zeros([3, 4]);
      x.diagonal(1).fill_(1);
      assert.deepEqual(x.tolist(), [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
      // The Tensor methods are the functions.
      const m = dlab.arange(9).reshape([3, 3]);
      assert.deepEqual([m.diag().tolist(), m.trace().item(), m.movedim(0, 1).tolist(), m.moveaxis([0], [1]).tolist()],
        [[0, 4, 8], 12, m.t().tolist(), m.t().tolist()]);
      assert.deepEqual(dlab.arange(2).diagEmbed().tolist(), [[0, 0], [0, 1]]);
    });

    test('einsum returns a new tensor even when nothing changes, as PyTorch', () => {
      dlab.setBackend(backend);
      const x = dlab.ones([2, 3], { requiresGrad: true });
      const y = dlab.einsum('ij', x);
      assert.notEqual(y, x);
      assert.equal(y.gradFn!.name, 'PermuteBackward0');
    });
  });
}
