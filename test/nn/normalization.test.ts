// The normalization cases of test/fixtures/layers.json (PyTorch 1.13) and their error messages,
// as a file of their own: layers.test.ts runs them too among every other layer, but takes 30 s,
// too long per mutant when mutation-testing src/nn/functional/normalization.ts.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { setBackend } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { F, fx, checkCase, normErrorThunks, type Case } from './layers-fixture.js';

const isNorm = (name: string) => /^(BatchNorm|LayerNorm|GroupNorm|F\.instance_norm)/.test(name);

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (fx.cases as Case[]).filter((k) => isNorm(k.name))) test(`${c.name} (${c.dtype})`, () => checkCase(c));

    // Values from /usr/bin/python3 (PyTorch 1.13), x = torch.arange(8., dtype=torch.float64).reshape(2, 2, 2):
    // F.batch_norm(x, torch.tensor([1., 2.]), torch.tensor([4., 0.25])) and F.batch_norm(x, None, None, training=True).
    test('F.batch_norm: eval by default, batch statistics in training, refusals in PyTorch 1.13 words', () => {
      const x = torch.arange(8, { dtype: 'float64' }).reshape([2, 2, 2]);
      const rm = torch.tensor([1, 2], { dtype: 'float64' });
      const rv = torch.tensor([4, 0.25], { dtype: 'float64' });
      const near = (t: torch.Tensor, want: number[]) =>
        (t.toTypedArray() as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12, `element ${i}: ${v} vs ${want[i]}`));
      near(F.batchNorm(x, rm, rv), [-0.49999937500117186, 0.0, 0.0, 1.9999600011999599, 1.4999981250035157, 1.9999975000046875, 7.9998400047998395, 9.999800005999798]);
      // [2, 2, 2] has 4 values per channel: trained on, not refused as one value per channel.
      near(F.batchNorm(x, null, null, { training: true }), [
        -1.2126766985040354, -0.7276060191024212, -1.2126766985040351, -0.7276060191024212, 0.7276060191024212, 1.2126766985040354, 0.7276060191024213,
        1.2126766985040354,
      ]);
      // One value per channel is refused only in training: F.batch_norm(torch.tensor([[1., 2., 3.]]), zeros(3), ones(3)).
      near(F.batchNorm(torch.tensor([[1, 2, 3]], { dtype: 'float64' }), torch.zeros(3, { dtype: 'float64' }), torch.ones(3, { dtype: 'float64' })), [
        0.9999950000374997, 1.9999900000749995, 2.999985000112499,
      ]);
      const msg = (fn: () => unknown, m: string) => assert.throws(fn, (err: Error) => err.message === m, m);
      msg(() => F.batchNorm(torch.randn(1, 3, 1, 1), null, null, { training: true }), 'Expected more than 1 value per channel when training, got input size torch.Size([1, 3, 1, 1])');
      msg(() => F.batchNorm(torch.randn(3), torch.zeros(3), torch.ones(3)), 'running_mean should contain 0 elements not 3');
      msg(() => F.batchNorm(torch.randn(3), null, null, { training: true, weight: torch.ones(3) }), 'weight should contain 0 elements not 3');
      msg(() => F.batchNorm(torch.randn(3), null, null, { training: true }), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)');
      const three = [torch.zeros(3), torch.ones(3), torch.ones(3), torch.zeros(3)];
      ['running_mean', 'running_var', 'weight', 'bias'].forEach((name, k) => {
        const [a, b, w, c] = three.map((t, j) => (j === k ? torch.ones(4) : t));
        msg(() => F.batchNorm(torch.randn(2, 3), a, b, { weight: w, bias: c }), `${name} should contain 3 elements not 4`);
      });
      msg(() => F.batchNorm(torch.randn(2, 3), null, null), 'running_mean must be defined in evaluation mode');
      msg(() => F.batchNorm(torch.randn(2, 3), null, torch.ones(3)), 'running_mean must be defined in evaluation mode');
      msg(() => F.batchNorm(torch.randn(2, 3), torch.zeros(3), null), 'running_var must be defined in evaluation mode');
      // F.instance_norm(torch.randn(2, 3)): the spatial check comes first.
      msg(() => F.instanceNorm(torch.randn(2, 3)), 'Expected more than 1 spatial element when training, got input size torch.Size([2, 3])');
      // F.instance_norm(x, zeros(3), ones(3), use_input_stats=False) takes a 2-D x: x / sqrt(1 + eps).
      near(F.instanceNorm(torch.tensor([[1, 2, 3]], { dtype: 'float64' }), { runningMean: torch.zeros(3, { dtype: 'float64' }), runningVar: torch.ones(3, { dtype: 'float64' }), useInputStats: false }), [
        0.9999950000374997, 1.9999900000749995, 2.999985000112499,
      ]);
      msg(() => F.instanceNorm(torch.randn(2, 3, 1)), 'Expected more than 1 spatial element when training, got input size torch.Size([2, 3, 1])');
    });

    // /usr/bin/python3 (PyTorch 1.13): x = torch.arange(12., dtype=torch.float64).reshape(2, 2, 3) ** 1.5,
    // rm = [0.5, -1.], rv = [2., 3.]; F.instance_norm(x, running_mean=rm, running_var=rv, momentum=0.2), then rm, rv;
    // and F.instance_norm(x) (no running stats, no weight, no bias).
    test('F.instance_norm: both running statistics move; no statistics, no affine', () => {
      const x = torch.arange(12, { dtype: 'float64' }).reshape([2, 2, 3]).pow(1.5);
      const rm = torch.tensor([0.5, -1], { dtype: 'float64' });
      const rv = torch.tensor([2, 3], { dtype: 'float64' });
      F.instanceNorm(x, { runningMean: rm, runningVar: rv, momentum: 0.2 });
      const near = (t: torch.Tensor, want: number[]) =>
        (t.toTypedArray() as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12, `element ${i}: ${v} vs ${want[i]}`));
      near(rm, [2.389101391895564, 3.1827380535266263]);
      near(rv, [3.3787027056739274, 5.545034911902042]);
      near(F.instanceNorm(x), [
        -1.0896972944909962, -0.23579782691533568, 1.325495121406332, -1.1982688761759854, -0.051335596100658076, 1.249604472276644, -1.2098745417105679,
        -0.029216704602687067, 1.2390912463132546, -1.2144008385016662, -0.020431600294841906, 1.234832438796506,
      ]);
    });

    // F.layer_norm(torch.arange(6., dtype=torch.float64).reshape(2, 3) ** 2, [2, 3]) in PyTorch 1.13: the whole input.
    test('F.layer_norm over every dim of the input', () => {
      const want = [-1.0304251198461347, -0.9180151067720109, -0.5807850675496395, -0.018735002179020577, 0.768135089339846, 1.7798252070069602];
      const got = F.layerNorm(torch.arange(6, { dtype: 'float64' }).reshape([2, 3]).pow(2), [2, 3]).toTypedArray() as Float64Array;
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12, `element ${i}: ${v} vs ${want[i]}`));
    });

    test('F.layer_norm refusals in PyTorch 1.13 words', () => {
      const msg = (fn: () => unknown, m: string) => assert.throws(fn, (err: Error) => err.message === m, m);
      msg(() => F.layerNorm(torch.randn(2, 3), [4]), 'Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3]');
      msg(
        () => F.layerNorm(torch.randn(2, 3), []),
        'Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []',
      );
      msg(() => F.layerNorm(torch.randn(2, 3, 5), [3, 4]), 'Given normalized_shape=[3, 4], expected input with shape [*, 3, 4], but got input of size[2, 3, 5]');
      msg(() => F.layerNorm(torch.randn(3), [3, 3]), 'Given normalized_shape=[3, 3], expected input with shape [*, 3, 3], but got input of size[3]');
      msg(
        () => F.layerNorm(torch.randn(3, 3), [3, 3], { weight: torch.ones(3) }),
        'Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and normalized_shape = [3, 3]',
      );
      msg(
        () => F.layerNorm(torch.randn(3, 3), [3, 3], { weight: torch.ones(3, 2) }),
        'Expected weight to be of same shape as normalized_shape, but got weight of shape [3, 2] and normalized_shape = [3, 3]',
      );
      msg(() => F.layerNorm(torch.randn(3), [2, 3]), 'Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but got input of size[3]');
      msg(
        () => F.layerNorm(torch.randn(2, 3), [3], { weight: torch.ones(2) }),
        'Expected weight to be of same shape as normalized_shape, but got weight of shape [2] and normalized_shape = [3]',
      );
      msg(
        () => F.layerNorm(torch.randn(2, 3), 3, { bias: torch.ones(3, 1) }),
        'Expected bias to be of same shape as normalized_shape, but got bias of shape [3, 1] and normalized_shape = [3]',
      );
    });

    // /usr/bin/python3 (PyTorch 1.13): F.group_norm(torch.randn(4), 2), F.group_norm(torch.randn(2, 4), 2, weight=torch.ones(3)), ...
    test('F.group_norm refusals in PyTorch 1.13 words and order', () => {
      const msg = (fn: () => unknown, m: string) => assert.throws(fn, (err: Error) => err.message === m, m);
      msg(() => F.groupNorm(torch.randn(4), 2), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)');
      msg(() => F.groupNorm(torch.randn(1, 4), 4), 'Expected more than 1 value per channel when training, got input size [1, 4]');
      msg(() => F.groupNorm(torch.randn(1, 4, 1), 4), 'Expected more than 1 value per channel when training, got input size [1, 4, 1]');
      // The batch size is verified before the channels' divisibility: [1 * 3 // 2, 2] has one value per group.
      msg(() => F.groupNorm(torch.randn(1, 3), 2), 'Expected more than 1 value per channel when training, got input size [1, 2]');
      const vec = (shape: string) =>
        `Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape ${shape} and input of shape [2, 4]`;
      msg(() => F.groupNorm(torch.randn(2, 4), 2, { weight: torch.ones(3) }), vec('[3]'));
      msg(() => F.groupNorm(torch.randn(2, 4), 2, { weight: torch.ones(4, 1) }), vec('[4, 1]'));
    });

    test('error messages match PyTorch', () => {
      const e = fx.errors as Record<string, string>;
      for (const [k, fn] of Object.entries(normErrorThunks())) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
    });
  });
}

// The module classes' dtype option and resetRunningStats (values and dtypes from PyTorch 1.13:
// BatchNorm1d(3, dtype=torch.float64).state_dict(), reset_running_stats() after a step).
test('norm modules: dtype reaches parameters and running statistics (num_batches_tracked stays int64); resetRunningStats', () => {
  const dtypes = (m: torch.nn.Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.dtype]));
  const f64 = { weight: 'float64', bias: 'float64', running_mean: 'float64', running_var: 'float64', num_batches_tracked: 'int64' };
  assert.deepEqual(dtypes(new torch.nn.BatchNorm1d(3, { dtype: 'float64' })), f64);
  assert.deepEqual(dtypes(new torch.nn.LayerNorm(3, { dtype: 'float64' })), { weight: 'float64', bias: 'float64' });
  assert.deepEqual(dtypes(new torch.nn.GroupNorm(1, 3, { dtype: 'float64' })), { weight: 'float64', bias: 'float64' });
  const bn = new torch.nn.BatchNorm1d(2);
  bn.call(torch.arange(8, { dtype: 'float32' }).reshape(4, 2));
  assert.equal(bn.num_batches_tracked!.item(), 1);
  bn.resetRunningStats();
  assert.deepEqual([bn.running_mean!.tolist(), bn.running_var!.tolist(), bn.num_batches_tracked!.item()], [[0, 0], [1, 1], 0]);
  new torch.nn.BatchNorm1d(2, { trackRunningStats: false }).resetRunningStats(); // nothing to reset
});

// /usr/bin/python3 (PyTorch 1.13): nn.BatchNorm3d(2)(torch.zeros(2, 2, 2, 2)) -> 'expected 5D input (got 4D input)';
// nn.LayerNorm(3, foo=1) and nn.GroupNorm(2, 4, foo=1) -> "LayerNorm.__init__() got an unexpected keyword argument 'foo'"
// (dlab names the class as for Linear: 'LayerNorm()').
test('BatchNorm3d refuses 4-D input; LayerNorm and GroupNorm refuse an unknown keyword', () => {
  assert.throws(() => new torch.nn.BatchNorm3d(2).call(torch.zeros(2, 2, 2, 2)), { message: 'expected 5D input (got 4D input)' });
  assert.throws(() => new torch.nn.LayerNorm(3, { foo: 1 } as never), { name: 'TypeError', message: "LayerNorm() got an unexpected keyword argument 'foo'" });
  assert.throws(() => new torch.nn.GroupNorm(2, 4, { foo: 1 } as never), { name: 'TypeError', message: "GroupNorm() got an unexpected keyword argument 'foo'" });
  // The options PyTorch has are taken by keyword.
  assert.equal(new torch.nn.LayerNorm(3, { eps: 1e-3, elementwiseAffine: false, dtype: 'float64' }).toString(), 'LayerNorm((3,), eps=0.001, elementwise_affine=False)');
  assert.equal(new torch.nn.GroupNorm(2, 4, { eps: 1e-3, affine: false, dtype: 'float64' }).toString(), 'GroupNorm(2, 4, eps=0.001, affine=False)');
});
