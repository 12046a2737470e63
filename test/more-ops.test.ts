// Ops dlab composes from its primitives, against PyTorch 1.13 (tools/fixtures/more_ops.py):
// closeness, the addmm family, arranging (roll, tile, rot90, stacks, meshgrid, diff), elementwise
// (logaddexp, hypot, xlogy, nan_to_num, logit, ...), NaN-aware and paired reductions, and the
// lookups (take_along_dim, bincount, unique, searchsorted, bucketize): values, dtypes, grad_fn
// names where dlab's node is PyTorch's, gradients for a fixed grad_output, and every refusal in
// PyTorch's words. Once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from './helpers.js';

type Args = (number | string | number[])[];
type Kwargs = Record<string, number | boolean | string | number[]>;
interface Operand {
  shape: number[];
  transpose?: [number, number];
  no_grad?: boolean;
  x: FixtureTensor;
}
interface Call {
  name: string;
  op: string;
  args: Args;
  kwargs: Kwargs;
  inputs: Operand[];
}
type Out = FixtureTensor | FixtureTensor[] | boolean;
interface Case extends Call {
  out: Out;
  grad_fn: string | null;
  grad_output?: FixtureTensor;
  grads?: (FixtureTensor | null)[];
}
interface Refusal extends Call {
  message: string;
}

/** What a node saves: its grad_fn's tensor-valued _saved_* attributes, as 'input i' or 'output' (sorted). */
interface Saves {
  name: string;
  op: string;
  args: Args;
  kwargs: Kwargs;
  n: number;
  grad_fn: string;
  saved: string[];
}
const SAVE_INPUTS = [[0.3, 0.5, 0.7, 0.2], [1.3, 2.5, 0.4, 1.1], [1.5, 0.6, 0.9, 0.1]];

const fixture = JSON.parse(readFileSync(new URL('./fixtures/more_ops.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[]; refusals: Refusal[]; saves: Saves[] };

/**
 * Where dlab's graph differs from PyTorch's by design: a composite op's top node (nanmean's
 * division is PyTorch's too), PyTorch's internal view names, and ops PyTorch cannot differentiate.
 */
const OWN_NODE: Record<string, string | null> = {
  ReshapeAliasBackward0: 'ViewBackward0', // PyTorch's reshape of a 0-D tensor; dlab's reshape is a view
  CopyBackwards: 'CloneBackward0', // diff with n = 0: a copy either way
  VarMeanBackward0: 'VarBackward0', // var_mean and std_mean: dlab's first output is var's or std's own node
  StdMeanBackward0: 'StdBackward0',
  NotImplemented: 'AminBackward0', // aminmax: PyTorch 1.13 has no derivative; dlab's is amin's
  FlipBackward0: 'FlipBackward0',
};

const num = (v: unknown) => v as number;
const kw = (k: Kwargs, name: string) => k[name] as never;

/** The dlab call of a fixture's torch.<op>(...), PyTorch's keyword names turned into dlab's options. */
function call(op: string, args: Args, k: Kwargs, xs: Tensor[]): Tensor | Tensor[] | boolean | { min: Tensor; max: Tensor } {
  const [a, b, c] = xs;
  const close = { rtol: kw(k, 'rtol'), atol: kw(k, 'atol'), equalNan: kw(k, 'equal_nan') };
  const scaled = { beta: kw(k, 'beta'), alpha: kw(k, 'alpha') };
  const search = { right: kw(k, 'right'), side: kw(k, 'side'), outInt32: kw(k, 'out_int32') };
  switch (op) {
    case 'isclose': return dlab.isclose(a, b, close);
    case 'allclose': return dlab.allclose(a, b, close);
    case 'equal': return dlab.equal(a, b);
    case 'addmm': return dlab.addmm(a, b, c, scaled);
    case 'addmv': return dlab.addmv(a, b, c, scaled);
    case 'baddbmm': return dlab.baddbmm(a, b, c, scaled);
    case 'roll': return dlab.roll(a, args[0] as number | number[], args[1] as number | number[] | undefined);
    case 'tile': return dlab.tile(a, args[0] as number[]);
    case 'ravel': return dlab.ravel(a);
    case 'fliplr': return dlab.fliplr(a);
    case 'flipud': return dlab.flipud(a);
    case 'rot90': return dlab.rot90(a, args[0] as number | undefined, args[1] as number[] | undefined);
    case 'atleast_1d': return dlab.atleast1d(a);
    case 'atleast_2d': return dlab.atleast2d(a);
    case 'atleast_3d': return dlab.atleast3d(a);
    case 'atleast_list': return [dlab.atleast1d, dlab.atleast2d, dlab.atleast3d][num(args[0]) - 1](xs);
    case 'stack': return dlab.stack(xs, args[0] as number | undefined);
    case 'repeat': return a.repeat(args[0] as number[]);
    case 'clamp': {
      // args: [min, max], each a number, null, or 'input' (the next tensor input)
      let next = 1;
      const [lo, hi] = (args as unknown as (number | null | 'input')[]).map((v) => (v === 'input' ? xs[next++] : v));
      return dlab.clamp(a, lo, hi);
    }
    case 'hstack': return dlab.hstack(xs);
    case 'vstack': return dlab.vstack(xs);
    case 'row_stack': return dlab.rowStack(xs);
    case 'dstack': return dlab.dstack(xs);
    case 'column_stack': return dlab.columnStack(xs);
    case 'broadcast_tensors': return dlab.broadcastTensors(...xs);
    case 'meshgrid': return dlab.meshgrid(xs, { indexing: kw(k, 'indexing') });
    case 'diff': return dlab.diff(a, ...(args as number[]));
    case 'diff_around': return dlab.diff(a, num(args[0]), num(args[1]), b, c ?? null);
    case 'diff_append': return dlab.diff(a, num(args[0]), num(args[1]), null, b);
    case 'logaddexp': return dlab.logaddexp(a, b);
    case 'hypot': return dlab.hypot(a, b);
    case 'xlogy': return dlab.xlogy(a, b);
    case 'nan_to_num': return dlab.nanToNum(a, { nan: kw(k, 'nan'), posinf: kw(k, 'posinf'), neginf: kw(k, 'neginf') });
    case 'logit': return dlab.logit(a, (args[0] as number | undefined) ?? null);
    case 'deg2rad': return dlab.deg2rad(a);
    case 'rad2deg': return dlab.rad2deg(a);
    case 'clamp_min': return dlab.clampMin(a, num(args[0]));
    case 'clamp_max': return dlab.clampMax(a, num(args[0]));
    case 'sum': return dlab.sum(a, args[0] as number[]);
    case 'max':
    case 'min': {
      // torch.max(x), torch.max(x, dim) (values, indices), torch.max(x, other) (maximum)
      const r = dlab[op](a, b ?? (args[0] as number | undefined));
      return r instanceof dlab.Tensor ? r : [r.values, r.indices];
    }
    case 'var': return dlab.var(a, args[0] as number, { unbiased: kw(k, 'unbiased') });
    case 'std': return dlab.std(a, args[0] as number, { unbiased: kw(k, 'unbiased') });
    case 'prod': return dlab.prod(a, args[0] as number | undefined, { dtype: kw(k, 'dtype') });
    case 'softmax': return dlab.softmax(a, num(args[0]));
    case 'nansum': return dlab.nansum(a, args[0] as number | undefined, { keepdim: kw(k, 'keepdim') });
    case 'nanmean': return dlab.nanmean(a, args[0] as number | undefined, { keepdim: kw(k, 'keepdim') });
    case 'count_nonzero': return dlab.countNonzero(a, kw(k, 'dim'));
    case 'aminmax': return dlab.aminmax(a, { dim: kw(k, 'dim'), keepdim: kw(k, 'keepdim') });
    case 'var_mean': return dlab.varMean(a, args[0] as number | undefined, { correction: kw(k, 'correction'), keepdim: kw(k, 'keepdim') });
    case 'std_mean': return dlab.stdMean(a, args[0] as number | number[] | undefined, { correction: kw(k, 'correction'), keepdim: kw(k, 'keepdim') });
    case 'take_along_dim': return dlab.takeAlongDim(a, b, args[0] as number | undefined);
    case 'bincount': return dlab.bincount(a, { weights: b, minlength: kw(k, 'minlength') });
    case 'unique': return dlab.unique(a, { returnInverse: kw(k, 'return_inverse'), returnCounts: kw(k, 'return_counts') });
    case 'searchsorted': return dlab.searchsorted(a, b, search);
    case 'bucketize': return dlab.bucketize(a, b, search);
    case 'scalar_first': return args[0] === 'xlogy' ? dlab.xlogy(num(args[1]), a) : dlab.bucketize(num(args[1]), a);
    case 'scalar_second': return args[0] === 'xlogy' ? dlab.xlogy(a, num(args[1])) : dlab.searchsorted(a, num(args[1]));
    default: throw new Error(`no dlab call for torch.${op}`);
  }
}

function operands(inputs: Operand[]): { leaves: Tensor[]; views: Tensor[] } {
  const leaves = inputs.map((i) => fromFixture(i.x, { requiresGrad: i.x.dtype.startsWith('float') && !i.no_grad }));
  const views = leaves.map((x, k) => (inputs[k].transpose ? x.transpose(...inputs[k].transpose!) : x));
  return { leaves, views };
}

/** The outputs as a list of tensors (aminmax's { min, max } in PyTorch's order), or a boolean. */
function outputs(r: ReturnType<typeof call>): Tensor[] | boolean {
  if (typeof r === 'boolean') return r;
  if (Array.isArray(r)) return r;
  if ('min' in r && 'max' in r && !(r instanceof dlab.Tensor)) return [r.min, r.max];
  return [r as Tensor];
}

for (const backend of backendsUnderTest()) {
  describe(`composite ops vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.cases) {
      test(c.name, () => {
        dlab.setBackend(backend);
        const { leaves, views } = operands(c.inputs);
        const got = outputs(call(c.op, c.args, c.kwargs, views));
        if (typeof c.out === 'boolean') {
          assert.equal(got, c.out);
          return;
        }
        const expected = Array.isArray(c.out) ? c.out : [c.out];
        const list = got as Tensor[];
        assert.equal(list.length, expected.length, `${c.name}: number of outputs`);
        expected.forEach((e, i) => assertTensor(list[i], e, `${c.name}: output ${i}`));
        const name = c.grad_fn === null ? null : (OWN_NODE[c.grad_fn] ?? c.grad_fn);
        assert.equal(list[0].gradFn?.name ?? null, name, `${c.name}: grad_fn`);
        if (c.grad_output) {
          list[0].backward(fromFixture(c.grad_output));
          c.grads!.forEach((g, k) => (g === null ? assert.equal(leaves[k].grad, null) : assertTensor(leaves[k].grad!, g, `${c.name}: grad of input ${k}`)));
        }
      });
    }
    for (const r of fixture.refusals) {
      test(`refused: ${r.name}`, () => {
        dlab.setBackend(backend);
        assert.equal(errorOf(() => call(r.op, r.args, r.kwargs, operands(r.inputs).views)), r.message);
      });
    }

    test('meshgrid refuses a 2-D tensor, naming its shape (PyTorch prints the tensor)', () => {
      dlab.setBackend(backend);
      // torch.meshgrid(torch.ones(2, 2), indexing='ij'): "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: " and the tensor.
      assert.match(errorOf(() => dlab.meshgrid([dlab.ones([2, 2])])), /^torch\.meshgrid: Expected 0D or 1D tensor in the tensor list but got: a tensor of shape \[2, 2\]$/);
    });

    for (const c of fixture.saves) {
      test(`${c.name} saves what PyTorch's ${c.grad_fn} saves`, () => {
        dlab.setBackend(backend);
        const xs = SAVE_INPUTS.slice(0, c.n).map((v) => dlab.tensor(v, { dtype: 'float64', requiresGrad: true }).reshape([2, 2]).mul(1));
        const out = outputs(call(c.op, c.args, c.kwargs, xs)) as Tensor[];
        const node = out[0].gradFn!;
        assert.equal(node.name, c.grad_fn);
        const roles = node.savedTensors.map((t) => (t === out[0] ? 'output' : xs.includes(t) ? `input ${xs.indexOf(t)}` : 'something else'));
        assert.deepEqual(roles.sort(), c.saved);
      });
    }

    test('roll and rot90 return a new tensor even when nothing moves, as PyTorch (not a view of x)', () => {
      dlab.setBackend(backend);
      // torch.roll(x, 3, 0) of 3 elements and torch.rot90(x, 4) have their own storage: writing them leaves x alone.
      const x = dlab.tensor([[1, 2, 3]]);
      for (const y of [x.roll(3, 1), x.roll([0, 3], [0, 1]), x.rot90(4), x.rot90(0)]) {
        y.mul_(0);
        assert.deepEqual(x.tolist(), [[1, 2, 3]]);
      }
    });

    test('the Tensor methods are the functions', () => {
      dlab.setBackend(backend);
      const x = dlab.tensor([[1, 5], [3, 3]]);
      assert.deepEqual(
        [x.roll(1, 0).tolist(), x.tile([1, 2]).shape, x.ravel().tolist(), x.fliplr().tolist(), x.flipud().tolist(), x.rot90().tolist(), x.diff().tolist()],
        [[[3, 3], [1, 5]], [2, 4], [1, 5, 3, 3], [[5, 1], [3, 3]], [[3, 3], [1, 5]], [[5, 3], [1, 3]], [[4], [0]]],
      );
      assert.deepEqual([x.countNonzero().item(), x.nansum().item(), x.bincount === undefined, x.flatten().bincount().tolist()], [4, 12, false, [0, 1, 0, 2, 0, 1]]);
      assert.deepEqual((x.unique() as Tensor).tolist(), [1, 3, 5]);
      assert.deepEqual(x.takeAlongDim(dlab.tensor([[1], [0]]), 1).tolist(), [[5], [3]]);
      const f = dlab.tensor([0.25, 0.5]);
      assert.ok(f.isclose(f.add(1e-9)).all().item() && f.allclose(f) && f.equal(f.clone()));
      assert.deepEqual([f.logaddexp(f).sub(f).tolist(), f.hypot(f.mul(0)).tolist(), f.xlogy(1).tolist()], [[Math.fround(Math.LN2), Math.fround(Math.LN2)], [0.25, 0.5], [0, 0]]);
      assert.deepEqual([f.nanToNum().tolist(), f.clampMin(0.3).tolist(), f.clampMax(0.3).tolist(), f.nanmean().item()], [[0.25, 0.5], [Math.fround(0.3), 0.5], [0.25, Math.fround(0.3)], 0.375]);
      assert.ok(f.deg2rad().rad2deg().sub(f).abs().lt(1e-6).all().item());
      assert.deepEqual(f.logit().tolist(), [Math.fround(Math.log(1 / 3)), 0]);
      const { min, max } = x.aminmax();
      assert.deepEqual([min.item(), max.item()], [1, 5]);
      const m = dlab.ones([2, 2]);
      assert.deepEqual(m.addmm(m, m).tolist(), [[3, 3], [3, 3]]);
      assert.deepEqual(dlab.ones([2]).addmv(m, dlab.ones([2])).tolist(), [3, 3]);
      assert.deepEqual(dlab.ones([1, 2, 2]).baddbmm(dlab.ones([1, 2, 2]), dlab.ones([1, 2, 2])).tolist(), [[[3, 3], [3, 3]]]);
    });

    test("the addmm family saves its product's operands (PyTorch's _saved_mat1/_saved_mat2, _saved_mat/_saved_vec, _saved_batch1/_saved_batch2)", () => {
      dlab.setBackend(backend);
      const leaf = (shape: number[]) => dlab.ones(shape, { dtype: 'float64', requiresGrad: true });
      const [i, a, b, v] = [leaf([2]), leaf([2, 2]), leaf([2, 2]), leaf([2])];
      const [a3, b3] = [leaf([1, 2, 2]), leaf([1, 2, 2])];
      const nodes = [dlab.addmm(i, a, b).gradFn!, dlab.addmv(i, a, v).gradFn!, dlab.baddbmm(i, a3, b3).gradFn!];
      const saved = [[a, b], [a, v], [a3, b3]];
      nodes.forEach((node, k) => assert.ok(node.savedTensors.length === 2 && node.savedTensors.every((t, j) => t === saved[k][j]), node.name));
      // So a product operand changed in place is caught at backward, as in PyTorch.
      const m = a.mul(1);
      const y = dlab.addmm(i, m, b);
      m.add_(1);
      assert.match(errorOf(() => y.sum().backward()), /^one of the variables needed for gradient computation has been modified by an inplace operation/);
    });
  });
}
