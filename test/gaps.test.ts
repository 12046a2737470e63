// What dlab lacked or got wrong against PyTorch 1.13 (issue 15, section 1): sort/argsort/msort/
// topk/kthvalue, index_put with accumulate and index_add, hardtanh/relu6's gradient at the bounds,
// binary_cross_entropy's gradient at 0 and 1. Values and gradients from tools/fixtures/gaps.py,
// once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../src/index.js';
import { autograd, nn, Tensor } from '../src/index.js';
import {
  assertClose, assertTensor, backendsUnderTest, decodeAll, errorOf, fromFixture, inputFromFixture, tolerance,
  type FixtureInput, type FixtureTensor, type FixtureValue,
} from './helpers.js';

interface Args {
  dim?: number;
  descending?: boolean;
  stable?: boolean;
  k?: number;
  largest?: boolean;
  keepdim?: boolean;
  accumulate?: boolean;
  alpha?: number;
  minVal?: number;
  maxVal?: number;
  reduction?: 'none' | 'mean' | 'sum';
}

interface Case {
  name: string;
  op: string;
  inputs: FixtureInput[];
  args: Args;
  exact_indices: boolean;
  out: FixtureTensor[];
  weights: (FixtureValue[] | null)[];
  grads: (FixtureValue[] | null)[];
}

export const gapsFixture = JSON.parse(readFileSync(new URL('./fixtures/gaps.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
  errors: { name: string; what: string; message: string }[];
  warnings: { name: string; message: string }[];
};

type OpFn = (t: Tensor[], a: Args) => Tensor[];
const pair = (r: dlab.ValuesIndices) => [r.values, r.indices];

const ops: Record<string, OpFn> = {
  sort: (t, a) => pair(t[0].sort(a.dim, { descending: a.descending, stable: a.stable })),
  argsort: (t, a) => [dlab.argsort(t[0], { dim: a.dim, descending: a.descending })],
  msort: (t) => [dlab.msort(t[0])],
  topk: (t, a) => pair(t[0].topk(a.k!, a.dim, { largest: a.largest })),
  kthvalue: (t, a) => pair(dlab.kthvalue(t[0], a.k!, a.dim, { keepdim: a.keepdim })),
  indexPut: (t, a) => [t[0].indexPut(t.slice(2), t[1], { accumulate: a.accumulate })],
  indexAdd: (t, a) => [t[0].indexAdd(a.dim!, t[1], t[2], { alpha: a.alpha })],
  hardtanh: (t, a) => [nn.functional.hardtanh(t[0], a.minVal, a.maxVal)],
  relu6: (t) => [nn.functional.relu6(t[0])],
  binaryCrossEntropy: (t, a) => [nn.functional.binaryCrossEntropy(t[0], t[1], { weight: t[2], reduction: a.reduction })],
};

function runCase(c: Case): void {
  const built = c.inputs.map(inputFromFixture);
  // Targets and BCE weights that PyTorch differentiated not are plain tensors here too.
  built.forEach((b, i) => {
    if (c.grads[i] === null && b.base.requiresGrad) b.base.requiresGrad_(false);
  });
  const outs = ops[c.op](built.map((b) => b.view), c.args);
  assert.equal(outs.length, c.out.length, 'number of outputs');
  outs.forEach((o, k) => {
    if (k === 1 && !c.exact_indices) {
      // Ties: PyTorch's topk/kthvalue pick any of the equal positions; the index must hold the value.
      assert.equal(o.dtype, 'int64');
      assert.deepEqual([...o.shape], c.out[k].shape);
      const dim = c.args.dim ?? -1;
      const index = o.ndim < built[0].view.ndim ? o.unsqueeze(dim) : o;
      assertTensor(built[0].view.detach().gather(dim, index).reshape(c.out[0].shape), c.out[0], 'value at index');
      return;
    }
    assertTensor(o, c.out[k], `output ${k}`);
  });
  let loss: Tensor | null = null;
  outs.forEach((o, k) => {
    const w = c.weights[k];
    if (w === null || !o.requiresGrad) return;
    const term = o.mul(fromFixture({ values: w, shape: c.out[k].shape, dtype: c.out[k].dtype })).sum();
    loss = loss === null ? term : loss.add(term);
  });
  const wanted = c.grads.filter((g) => g !== null).length;
  if (loss === null) {
    assert.equal(wanted, 0, 'PyTorch has gradients: the outputs must require grad');
    return;
  }
  (loss as Tensor).backward();
  c.grads.forEach((g, i) => {
    // With ties PyTorch's gradient goes to the positions it picked, which may not be dlab's.
    if (g === null || !c.exact_indices) return;
    const { base } = built[i];
    assert.ok(base.grad, `input ${i}: expected a gradient`);
    const { rtol, atol } = tolerance(c.inputs[i].dtype);
    assertClose(Array.from(base.grad.toTypedArray()), decodeAll(g), rtol, atol, `input ${i} grad`);
  });
}

for (const backend of backendsUnderTest()) {
  describe(`gaps vs PyTorch ${gapsFixture.torch} [${backend}]`, () => {
    for (const c of gapsFixture.cases) {
      test(c.name, () => {
        dlab.setBackend(backend);
        runCase(c);
      });
    }

    test('sort, topk and kthvalue pass float64 gradcheck', () => {
      dlab.setBackend(backend);
      const x = dlab.tensor([[0.3, -1.2, 0.7, 2.1], [1.5, 0.1, -0.4, 0.9], [-2.2, 0.6, 1.1, -0.8]], { dtype: 'float64', requiresGrad: true });
      assert.ok(autograd.gradcheck((t: Tensor) => t.sort(0, { descending: true }).values, [x]));
      assert.ok(autograd.gradcheck((t: Tensor) => t.t().topk(2, 1).values, [x]));
      assert.ok(autograd.gradcheck((t: Tensor) => t.kthvalue(3, 1, { keepdim: true }).values, [x]));
      assert.ok(autograd.gradgradcheck((t: Tensor) => t.sort(1).values, [x]));
    });

    test('binary_cross_entropy passes float64 gradcheck in input and target', () => {
      dlab.setBackend(backend);
      const x = dlab.tensor([0.2, 0.45, 0.8], { dtype: 'float64', requiresGrad: true });
      const t = dlab.tensor([0.1, 0.9, 0.5], { dtype: 'float64', requiresGrad: true });
      const w = dlab.tensor([1.5, 0.5, 2], { dtype: 'float64' });
      for (const reduction of ['none', 'mean', 'sum'] as const) {
        assert.ok(autograd.gradcheck((a: Tensor, b: Tensor) => nn.functional.binaryCrossEntropy(a, b, { weight: w, reduction }), [x, t]));
      }
    });

    test('indexPut_ with accumulate adds duplicates in place; without it the write replaces', () => {
      dlab.setBackend(backend);
      const x = dlab.zeros([3]);
      x.indexPut_([dlab.tensor([0, 0, 2])], dlab.tensor([1, 2, 3], { dtype: 'float32' }), { accumulate: true });
      assert.deepEqual(x.tolist(), [3, 0, 3]);
      x.indexPut_([dlab.tensor([1])], 5);
      assert.deepEqual(x.tolist(), [3, 5, 3]);
      x.indexPut_([dlab.tensor([1])], 5, { accumulate: true });
      assert.deepEqual(x.tolist(), [3, 10, 3]);
    });
  });
}

test('sort and friends as methods and functions, with dim positional or by keyword', () => {
  const x = dlab.tensor([[3, 1, 2], [0, 5, 4]], { dtype: 'float32' });
  assert.deepEqual(dlab.sort(x, { dim: 0, descending: true }).values.tolist(), [[3, 5, 4], [0, 1, 2]]);
  assert.deepEqual(x.sort(0, { descending: true }).indices.tolist(), [[0, 1, 1], [1, 0, 0]]);
  assert.deepEqual(x.argsort().tolist(), [[1, 2, 0], [0, 2, 1]]);
  assert.deepEqual(x.msort().tolist(), [[0, 1, 2], [3, 5, 4]]);
  assert.deepEqual(dlab.topk(x, 1, { dim: 0, largest: false }).values.tolist(), [[0, 1, 2]]);
  const { values, indices } = x.kthvalue(1, 0);
  assert.deepEqual([values.tolist(), indices.tolist()], [[0, 1, 2], [1, 0, 0]]);
});

const pytorchError = (name: string) => gapsFixture.errors.find((e) => e.name === name)!.message;

test("topk's and kthvalue's k out of range are refused with PyTorch's words", () => {
  assert.match(errorOf(() => dlab.randn(3, 4).topk(5)), new RegExp(`^${pytorchError('topk k too large')}`));
  assert.match(errorOf(() => dlab.randn(3, 4).kthvalue(5)), new RegExp(`^${pytorchError('kthvalue k too large').replace(/[()]/g, '\\$&')}`));
});

test('topk: k may be the whole dim or 0-d, not negative or fractional (values from PyTorch 1.13)', () => {
  const x = dlab.tensor([3, 1, 2]);
  const all = x.topk(3);
  assert.deepEqual([Array.from(all.values._values()), Array.from(all.indices._values())], [[3, 2, 1], [0, 2, 1]]);
  const scalar = dlab.tensor(5).topk(1);
  assert.deepEqual([scalar.values.shape, scalar.values.item(), scalar.indices.shape, scalar.indices.item()], [[], 5, [], 0]);
  assert.match(errorOf(() => x.topk(-1)), /^selected index k out of range/);
  assert.match(errorOf(() => x.topk(1.5)), /^selected index k out of range/);
  assert.equal(errorOf(() => x.topk(1, 1)), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)');
});

test('kthvalue: the last dim by default, k up to the size, options as an object, 0-d (values from PyTorch 1.13)', () => {
  const x = dlab.tensor([[[3, 1, 2], [6, 5, 4]]], { requiresGrad: true });
  const flat = (r: { values: Tensor; indices: Tensor }) => [r.values.shape, Array.from(r.values.toTypedArray()), Array.from(r.indices.toTypedArray())];
  assert.deepEqual(flat(dlab.kthvalue(x, 2)), [[1, 2], [2, 5], [2, 1]]);
  assert.deepEqual(flat(dlab.kthvalue(x, 3)), [[1, 2], [3, 6], [0, 0]]);
  const kept = dlab.kthvalue(x, 1, { dim: 1, keepdim: true });
  assert.deepEqual(flat(kept), [[1, 1, 3], [3, 1, 2], [0, 0, 0]]);
  assert.equal(String(kept.values.gradFn), '<KthvalueBackward0>');
  const scalar = dlab.kthvalue(dlab.tensor(5), 1);
  assert.deepEqual([scalar.values.shape, scalar.values.item(), scalar.indices.shape, scalar.indices.item()], [[], 5, [], 0]);
  for (const k of [0, 4, 1.5]) assert.match(errorOf(() => dlab.kthvalue(x, k)), /^kthvalue\(\): selected number k out of range for dimension 2/);
  assert.equal(errorOf(() => dlab.kthvalue(x, 1, 3)), 'Dimension out of range (expected to be in range of [-3, 2], but got 3)');
});

test('nn.ReLU6 and nn.Hardtanh have zero gradient at the bounds', () => {
  const x = dlab.tensor([-1, 0, 3, 6, 7], { dtype: 'float32', requiresGrad: true });
  new nn.ReLU6().forward(x).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 0, 1, 0, 0]);
  assert.equal(String(new nn.ReLU6(true)), 'ReLU6(inplace=True)');
  const y = dlab.tensor([-1, 1, 0], { dtype: 'float32', requiresGrad: true });
  new nn.Hardtanh().forward(y).sum().backward();
  assert.deepEqual(y.grad!.tolist(), [0, 0, 1]);
});

test("to('cpu'), to(dtype), to({ dtype }), to(device, dtype), to(other) and cpu() on tensors and modules", () => {
  const x = dlab.tensor([1, 2], { dtype: 'float32' });
  assert.equal(x.to('cpu'), x);
  assert.equal(x.cpu(), x);
  assert.equal(x.to('cpu:0').dtype, 'float32');
  assert.equal(x.to('float64').dtype, 'float64');
  assert.equal(x.to({ dtype: 'float64' }).dtype, 'float64');
  assert.equal(x.to('cpu', 'int64').dtype, 'int64');
  assert.equal(x.to(dlab.zeros([1], { dtype: 'int32' })).dtype, 'int32');
  assert.notEqual(x.to('cpu', { copy: true }), x);
  const model = new nn.Linear(2, 3);
  assert.equal(model.to('cpu'), model);
  assert.equal(model.cpu(), model);
  assert.equal(model.to({ dtype: 'float64' }).weight.dtype, 'float64');
  assert.equal(model.to('cpu', 'float32').weight.dtype, 'float32');
  assert.equal(String(dlab.zeros([2], { device: 'cpu' }).device), 'cpu');
  assert.equal(dlab.zeros([2], { device: dlab.device('cpu') }).device.type, 'cpu');
});

test('a device dlab does not have is refused by name', () => {
  const x = dlab.tensor([1, 2]);
  for (const device of ['cuda', 'cuda:0', 'mps']) {
    assert.throws(() => x.to(device), new RegExp(`dlab has no device '${device}'; available: cpu, webgpu \\(dlab's GPU device is 'webgpu'`));
    assert.throws(() => x.to({ device }), /dlab has no device/);
    assert.throws(() => new nn.Linear(2, 2).to(device), /dlab has no device/);
    assert.throws(() => dlab.zeros([2], { device }), /dlab has no device/);
  }
});

test('a mistyped or missing dtype names itself and the valid ones', () => {
  const valid = /valid dtypes: float32, float64, int32, int64, bool/;
  assert.throws(() => dlab.zeros([2], { dtype: 'flaot32' as dlab.DType }), /dlab has no dtype 'flaot32'/);
  assert.throws(() => dlab.tensor([1], { dtype: 'float16' as dlab.DType }), valid);
  assert.throws(() => dlab.tensor([1]).to({ dtype: 'float16' as dlab.DType }), /dlab has no dtype 'float16'/);
  assert.throws(() => dlab.tensor([1]).to('flaot32'), /'flaot32' is neither a dtype \(float32, float64, int32, int64, bool\) nor a device \(cpu, webgpu\)/);
  assert.throws(() => new nn.Linear(2, 2).to('int64'), /nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int64/);
});

test('an integer that the dtype cannot hold is refused as PyTorch does, not wrapped', () => {
  const message = pytorchError('int32 overflow');
  assert.throws(() => dlab.tensor([2 ** 40], { dtype: 'int32' }), (e: Error) => e.message.startsWith(message));
  assert.throws(() => dlab.full([2], -(2 ** 31) - 1, { dtype: 'int32' }), /value cannot be converted to type int32 without overflow/);
  assert.deepEqual(dlab.tensor([2 ** 31 - 1, -(2 ** 31)], { dtype: 'int32' }).tolist(), [2 ** 31 - 1, -(2 ** 31)]);
});

test("pointwise losses warn once, in PyTorch's words, when the target's size differs from the input's", (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const losses = {
    mse_loss: nn.functional.mseLoss,
    l1_loss: nn.functional.l1Loss,
    smooth_l1_loss: nn.functional.smoothL1Loss,
    huber_loss: nn.functional.huberLoss,
  } as const;
  for (const w of gapsFixture.warnings) {
    const loss = losses[w.name as keyof typeof losses];
    const before = warn.mock.callCount();
    // Shapes only this test uses, so an earlier warning of the same text does not hide this one.
    loss(dlab.randn(4, 1), dlab.randn(4));
    loss(dlab.randn(4, 1), dlab.randn(4));
    loss(dlab.randn(4), dlab.randn(4));
    const calls = warn.mock.calls.slice(before);
    if (w.name === 'mse_loss') {
      assert.equal(calls.length, 1);
      assert.equal(calls[0].arguments[0], `UserWarning: ${w.message}`);
    } else {
      assert.equal(calls.length, 0, 'the same message is shown once');
    }
  }
  nn.functional.l1Loss(dlab.randn(3, 1), dlab.randn(3));
  assert.match(String(warn.mock.calls.at(-1)!.arguments[0]), /target size \(torch.Size\(\[3\]\)\) that is different to the input size \(torch.Size\(\[3, 1\]\)\)/);
  new nn.MSELoss().forward(dlab.randn(2, 1), dlab.randn(2));
  assert.match(String(warn.mock.calls.at(-1)!.arguments[0]), /torch.Size\(\[2\]\)/);
});

test('a zero kernel and a state dict that is not dict-like are refused as PyTorch does', () => {
  assert.equal(errorOf(() => new nn.Conv2d(3, 4, 0).forward(dlab.randn(1, 3, 5, 5))), pytorchError('conv2d kernel 0'));
  assert.match(errorOf(() => new nn.Conv1d(3, 4, 0).forward(dlab.randn(1, 3, 5))), /kernel size should be greater than zero, but got kernel_height: 1 kernel_width: 0/);
  // PyTorch prints the Python type (<class 'NoneType'>); dlab the JavaScript one.
  const expected = pytorchError('loadStateDict null').replace(/<class '.*'>/, 'null');
  assert.equal(errorOf(() => new nn.Linear(2, 2).loadStateDict(null as unknown as Map<string, Tensor>)), expected);
  assert.match(errorOf(() => new nn.Linear(2, 2).loadStateDict(dlab.zeros([2]) as unknown as Map<string, Tensor>)), /Expected state_dict to be dict-like, got Tensor\./);
});

test('sort and argsort: their grad_fn, a 0-d input, and the op named in a dim error', () => {
  const x = dlab.tensor([3, 1, 2], { requiresGrad: true });
  assert.equal(String(x.sort().values.gradFn), '<SortBackward0>');
  assert.equal(String(x.topk(2).values.gradFn), '<TopkBackward0>');
  // torch.argsort(torch.tensor(3.)) is tensor(0): a 0-d int64 index.
  const s = dlab.argsort(dlab.tensor(3));
  assert.deepEqual([s.shape, s.dtype, Array.from(s._values())], [[], 'int64', [0]]);
  assert.equal(errorOf(() => x.sort(1)), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)');
  assert.equal(errorOf(() => dlab.argsort(x, 1)), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)');
});

test("gather: the index's rank and sizes checked against the input's, in PyTorch 1.13's words; 0-d and 1-d mix", () => {
  const x = dlab.tensor([[1, 2], [3, 4]]);
  assert.throws(() => dlab.gather(x, 0, dlab.tensor([0, 1])), { message: 'Index tensor must have the same number of dimensions as input tensor' });
  assert.throws(() => dlab.gather(dlab.tensor([5, 6, 7]), 0, dlab.tensor([[2]])), { message: 'Index tensor must have the same number of dimensions as input tensor' });
  assert.throws(() => dlab.gather(x, 0, dlab.tensor([[0, 1, 0]])), {
    message: 'Size does not match at dimension 1 expected index [1, 3] to be smaller than self [2, 2] apart from dimension 0',
  });
  assert.throws(() => dlab.gather(x, 1, dlab.tensor([[0], [1], [0]])), {
    message: 'Size does not match at dimension 0 expected index [3, 1] to be smaller than self [2, 2] apart from dimension 1',
  });
  // Larger along the gathered dim is fine; a 0-d index into a 1-d input and back too.
  assert.deepEqual(dlab.gather(x, 0, dlab.tensor([[1], [0], [1]])).tolist(), [[3], [1], [3]]);
  assert.deepEqual(dlab.gather(dlab.tensor([5, 6, 7]), 0, dlab.tensor(2)).tolist(), 7);
  assert.deepEqual(dlab.gather(dlab.tensor(5), 0, dlab.tensor([0])).tolist(), [5]);
});

test('index_select, index_add, masked_fill and scatter: refusals in PyTorch 1.13\'s words, int32 and 0-d indices, grad_fn names', () => {
  const x = dlab.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
  assert.throws(() => dlab.gather(x, 0, dlab.tensor([[0, 1]], { dtype: 'int32' })), { message: 'gather(): Expected dtype int64 for index' });
  assert.throws(() => dlab.indexSelect(x, 0, dlab.tensor([[0]])), { message: 'index_select(): Index is supposed to be a vector' });
  assert.throws(() => dlab.indexSelect(x, 0, dlab.tensor([0.5])), { message: 'index_select(): Expected dtype int32 or int64 for index' });
  assert.deepEqual(dlab.indexSelect(x, 1, dlab.tensor([1, 1, 0], { dtype: 'int32' })).tolist(), [[2, 2, 1], [4, 4, 3]]);
  const s = dlab.indexSelect(dlab.tensor(5.5), 0, dlab.tensor([0, 0]));
  assert.deepEqual([s.shape, s.tolist()], [[], 5.5]);
  assert.deepEqual(dlab.indexSelect(dlab.tensor(5.5), 0, dlab.tensor(0)).tolist(), 5.5);
  assert.throws(() => x.indexAdd(0, dlab.tensor([0]), dlab.ones(2, 2)), {
    message: 'index_add_(): Number of indices (1) should be equal to source.size(dim): (2), for dim: 0',
  });
  assert.deepEqual(x.indexAdd(1, dlab.tensor([1, 1]), dlab.ones(2, 2), { alpha: 3 }).tolist(), [[1, 8], [3, 10]]);
  assert.throws(() => x.maskedFill(dlab.tensor([true, false]), dlab.tensor([2])), {
    message: 'masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).',
  });
  assert.deepEqual(dlab.tensor([1, 2]).maskedFill(dlab.tensor([true, false]), 2.7).tolist(), [2, 2]);
  // Out of place, x and the mask broadcast both ways (PyTorch 1.13: x [1, 2, 3], mask [2, 1, 3] -> [2, 2, 3]).
  const wide = dlab.tensor([[[1, 2, 3], [4, 5, 6]]]).maskedFill(dlab.tensor([[[true, false, false]], [[false, false, true]]]), -1);
  assert.deepEqual(wide.tolist(), [[[-1, 2, 3], [-1, 5, 6]], [[1, 2, -1], [4, 5, -1]]]);
  // In place, the result must keep x's shape.
  assert.throws(() => dlab.zeros(1, 5).maskedFill_(dlab.zeros([2, 5], { dtype: 'bool' }), 1), { message: "output with shape [1, 5] doesn't match the broadcast shape [2, 5]" });
  assert.deepEqual(x.scatter(0, dlab.tensor([[1, 0]]), 9).tolist(), [[1, 9], [9, 4]]);
  const xr = dlab.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const names = [
    xr.scatter(0, dlab.tensor([[1, 0]]), 9),
    xr.scatter(0, dlab.tensor([[1, 0]]), dlab.ones(1, 2)),
    xr.scatterAdd(0, dlab.tensor([[1, 0]]), dlab.ones(1, 2)),
  ].map((t) => t.gradFn?.name);
  assert.deepEqual(names, ['ScatterBackward1', 'ScatterBackward0', 'ScatterAddBackward0']);
});

test("gather, index_select, scatter, index_add: a dim out of range in PyTorch 1.13's words, with no op name before them", () => {
  const x = dlab.tensor([[1, 2], [3, 4]]);
  const range = (dim: number) => ({ message: `Dimension out of range (expected to be in range of [-2, 1], but got ${dim})` });
  assert.throws(() => dlab.gather(x, 2, dlab.tensor([[0]])), range(2));
  assert.throws(() => dlab.indexSelect(x, -3, dlab.tensor([0])), range(-3));
  assert.throws(() => x.scatter(5, dlab.tensor([[0]]), 1), range(5));
  assert.throws(() => x.scatterAdd(5, dlab.tensor([[0]]), dlab.ones(1, 1, { dtype: 'int64' })), range(5));
  assert.throws(() => x.indexAdd(2, dlab.tensor([0]), dlab.ones(2, 1)), range(2));
  assert.equal(dlab.gather(dlab.tensor(5), -1, dlab.tensor(0)).item(), 5); // a 0-d input takes dim 0 or -1
});

test("gather's gradient adds the output gradient back where it was picked; scatter's rank refusal says self (PyTorch 1.13)", () => {
  const x = dlab.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
  const y = dlab.gather(x, 1, dlab.tensor([[0, 0], [2, 1]]));
  assert.equal(y.gradFn?.name, 'GatherBackward0');
  y.mul(dlab.tensor([[1, 2], [3, 4]], { dtype: 'float64' })).sum().backward();
  assert.deepEqual(x.grad?.tolist(), [[3, 0, 0], [0, 4, 3]]);
  const self = { message: 'Index tensor must have the same number of dimensions as self tensor' };
  assert.throws(() => dlab.zeros(2, 3).scatter(0, dlab.tensor([0, 1]), 1), self);
  assert.throws(() => dlab.zeros(2, 3).scatter(0, dlab.tensor([[[0]]]), dlab.ones(1, 1, 1)), self);
  assert.throws(() => dlab.zeros(3).scatter(0, dlab.tensor([[0]]), 1), self);
  assert.throws(() => dlab.zeros(2, 3).scatter(0, dlab.zeros([1, 5, 1], { dtype: 'int64' }), 1), self); // larger than self too: the rank is named
  // Larger than self: a scalar src is not named, a tensor src is.
  const wide = dlab.zeros([1, 3], { dtype: 'int64' });
  assert.throws(() => dlab.zeros(2, 2).scatter(0, wide, 1), { message: 'Expected index [1, 3] to be smaller than self [2, 2] apart from dimension 0' });
  assert.throws(() => dlab.zeros(2, 2).scatter(0, wide, dlab.ones(1, 3)), {
    message: 'Expected index [1, 3] to be smaller than self [2, 2] apart from dimension 0 and to be smaller size than src [1, 3]',
  });
});

test("an operand that is neither a tensor nor a number is refused in PyTorch 1.13's words, not read as 0 or NaN", () => {
  const x = dlab.tensor([1.5, 2]);
  const none = null as unknown as number;
  // One signature: the argument named.
  assert.equal(errorOf(() => x.mul(none)), "mul(): argument 'other' (position 2) must be Tensor, not NoneType");
  assert.equal(errorOf(() => dlab.add(none, x)), "add(): argument 'input' (position 1) must be Tensor, not NoneType");
  assert.equal(errorOf(() => x.add(none, { alpha: 2 })), "add(): argument 'other' (position 2) must be Tensor, not NoneType");
  assert.equal(errorOf(() => x.sub('a' as unknown as number)), "sub(): argument 'other' (position 2) must be Tensor, not str");
  assert.equal(errorOf(() => x.add([1, 2] as unknown as number)), "add(): argument 'other' (position 2) must be Tensor, not list");
  assert.equal(errorOf(() => x.add({} as unknown as number)), "add(): argument 'other' (position 2) must be Tensor, not dict");
  assert.equal(errorOf(() => x.add(undefined as unknown as number)), "add(): argument 'other' (position 2) must be Tensor, not NoneType");
  assert.equal(errorOf(() => dlab.maximum(x, none as unknown as dlab.Tensor)), "maximum(): argument 'other' (position 2) must be Tensor, not NoneType");
  assert.equal(errorOf(() => dlab.logicalAnd(x, none)), "logical_and(): argument 'other' (position 2) must be Tensor, not NoneType");
  assert.equal(errorOf(() => dlab.addcmul(x, x, none as unknown as dlab.Tensor)), "addcmul(): argument 'tensor2' (position 3) must be Tensor, not NoneType");
  assert.equal(errorOf(() => dlab.addcdiv(x, none as unknown as dlab.Tensor, x)), "addcdiv(): argument 'tensor1' (position 2) must be Tensor, not NoneType");
  assert.equal(errorOf(() => dlab.full([2], none)), "full(): argument 'fill_value' (position 2) must be Number, not NoneType");
  // Overloads with a Number form: the combination and the overloads listed.
  const combination = (op: string, got: string, ...overloads: string[]) => `${op}() received an invalid combination of arguments - got (${got}), but expected one of:\n${overloads.map((o) => ` * ${o}\n`).join('')}`;
  const tensorOrNumber = ['(Tensor input, Tensor other, *, Tensor out)', '(Tensor input, Number other, *, Tensor out)'];
  assert.equal(errorOf(() => x.pow(none)), combination('pow', 'Tensor, NoneType', '(Tensor input, Tensor exponent, *, Tensor out)', '(Number self, Tensor exponent, *, Tensor out)', '(Tensor input, Number exponent, *, Tensor out)'));
  assert.equal(errorOf(() => x.eq(none)), combination('eq', 'Tensor, NoneType', ...tensorOrNumber));
  assert.equal(errorOf(() => x.lt('a' as unknown as number)), combination('lt', 'Tensor, str', ...tensorOrNumber));
  assert.equal(errorOf(() => dlab.fmod(x, none)), combination('fmod', 'Tensor, NoneType', ...tensorOrNumber));
  for (const op of ['ne', 'le', 'gt', 'ge'] as const) assert.equal(errorOf(() => dlab[op](x, none)), combination(op, 'Tensor, NoneType', ...tensorOrNumber));
  assert.equal(errorOf(() => dlab.floorDivide(x, none)), combination('floor_divide', 'Tensor, NoneType', '(Tensor input, Tensor other, *, Tensor out)', '(Tensor input, Number other)'));
  assert.match(errorOf(() => dlab.where(x.gt(1), x, none)), /^where\(\) received an invalid combination of arguments - got \(Tensor, Tensor, NoneType\), but expected one of:\n \* \(Tensor condition\)\n/);
  assert.equal(errorOf(() => dlab.clamp(x, 0, 'a' as unknown as number)), combination('clamp', 'Tensor, int, str', '(Tensor input, Tensor min, Tensor max, *, Tensor out)', '(Tensor input, Number min, Number max, *, Tensor out)'));
  assert.equal(errorOf(() => dlab.lerp(x, x, none)), combination('lerp', 'Tensor, Tensor, NoneType', '(Tensor input, Tensor end, Tensor weight, *, Tensor out)', '(Tensor input, Tensor end, Number weight, *, Tensor out)'));
  assert.match(errorOf(() => x.maskedFill(x.gt(1), none)), /^masked_fill\(\) received an invalid combination of arguments - got \(Tensor, NoneType\)/);
  assert.match(errorOf(() => x.clone().fill_(none)), /^fill_\(\) received an invalid combination of arguments - got \(NoneType\)/);
  // What stays allowed: numbers, booleans, and clamp's missing bound.
  assert.deepEqual(x.add(true).tolist(), [2.5, 3]);
  assert.deepEqual(dlab.clamp(x, null, 1.75).tolist(), [1.5, 1.75]);
  assert.deepEqual(dlab.clamp(x, undefined, 1.75).tolist(), [1.5, 1.75]);
});

test('expand returns a new view with its own node even at the same shape; broadcast_tensors and copy_ add none (PyTorch 1.13)', () => {
  const x = dlab.ones([2, 3], { requiresGrad: true });
  const same = x.expand([2, 3]);
  assert.ok(same !== x);
  assert.equal(same.gradFn?.name, 'ExpandBackward0');
  assert.equal(x.expandAs(x).gradFn?.name, 'ExpandBackward0');
  const [a, b] = dlab.broadcastTensors(x, dlab.ones([3], { requiresGrad: true }));
  assert.ok(a === x);
  assert.equal(b.gradFn?.name, 'ExpandBackward0');
  const y = x.mul(2);
  const target = dlab.zeros([2, 3]).requiresGrad_().mul(1);
  target.copy_(y);
  assert.equal(target.gradFn?.name, 'CopyBackwards');
  assert.deepEqual(target.gradFn?.nextFunctions.map((n) => n?.name), ['MulBackward0', 'MulBackward0']);
});
