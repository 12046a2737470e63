// torch.optim.swa_utils.AveragedModel against PyTorch 1.13 (test/fixtures/swa_utils.json, written
// by tools/fixtures/swa_utils.py): SWA's equal average and an EMA avg_fn over five updates, the
// n_averaged counter and the state_dict's keys; the copy leaves the generator where it was.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as torch from '../../src/index.js';
import { nn, optim } from '../../src/index.js';
import { AveragedModel, emaAvgFn } from '../../src/optim/swa_utils.js';
import { getRngState } from '../../src/random/generator.js';

interface Step {
  weight: number[][];
  bias: number[];
  n_averaged: number;
}
interface Run {
  steps: Step[];
  keys: string[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/swa_utils.json', import.meta.url), 'utf8')) as {
  inputs: { weight: number[][]; bias: number[] }[];
  swa: Run;
  'ema_0.9': Run;
};

const close = (a: number[], b: number[], what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6, `${what}[${i}]: ${v} vs ${b[i]}`));

for (const [name, avgFn] of [['swa', undefined], ['ema_0.9', emaAvgFn(0.9)]] as const) {
  test(`AveragedModel (${name}) matches PyTorch over five updates`, () => {
    const model = new nn.Linear(3, 2);
    const set = (k: number) =>
      torch.noGrad(() => {
        model.weight.copy_(torch.tensor(fixture.inputs[k].weight));
        model.bias!.copy_(torch.tensor(fixture.inputs[k].bias));
      });
    set(0);
    const before = getRngState();
    const averaged = new AveragedModel(model, { copy: () => new nn.Linear(3, 2), avgFn });
    assert.deepEqual(getRngState(), before, 'building the copy draws nothing');
    assert.deepEqual(Object.keys(averaged.stateDict()).sort(), fixture[name].keys);
    fixture[name].steps.forEach((want, i) => {
      set(i + 1);
      averaged.updateParameters(model);
      close((averaged.module.weight.tolist() as number[][]).flat(), want.weight.flat(), `weight after update ${i + 1}`);
      close(averaged.module.bias!.tolist() as number[], want.bias, `bias after update ${i + 1}`);
      assert.equal(averaged.numAveraged, want.n_averaged);
    });
    // It runs the averaged copy.
    const x = torch.randn([4, 3]);
    assert.deepEqual((averaged.call(x) as torch.Tensor).tolist(), (averaged.module.call(x) as torch.Tensor).tolist());
  });
}

test('emaAvgFn refuses a decay outside [0, 1]', () => {
  assert.throws(() => emaAvgFn(1.5), /emaAvgFn: decay must be in \[0, 1\], but got 1.5/);
});

interface BnInput {
  weight: number[][];
  bias: number[];
  bn_weight: number[];
  bn_bias: number[];
  running_mean: number[];
  running_var: number[];
  num_batches_tracked: number;
}
interface BnRun {
  steps: Record<string, unknown>[];
  n_averaged: number;
  n_averaged_dtype: string;
  keys: string[];
  loaded_n_averaged: number;
  after_load_update: Record<string, unknown>;
  after_load_n_averaged: number;
}
const bn = fixture as unknown as { bn_inputs: BnInput[]; bn_use_buffers_false: BnRun; bn_use_buffers_true: BnRun };

const bnModel = () => new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
function setBn(model: nn.Sequential, k: number): void {
  const v = bn.bn_inputs[k];
  const [linear, norm] = [...model.children()] as [nn.Linear, nn.BatchNorm1d];
  torch.noGrad(() => {
    linear.weight.copy_(torch.tensor(v.weight));
    linear.bias!.copy_(torch.tensor(v.bias));
    norm.weight!.copy_(torch.tensor(v.bn_weight));
    norm.bias!.copy_(torch.tensor(v.bn_bias));
    norm.running_mean!.copy_(torch.tensor(v.running_mean));
    norm.running_var!.copy_(torch.tensor(v.running_var));
    norm.num_batches_tracked!.fill_(v.num_batches_tracked);
  });
}
// Each entry of the copy's state dict against PyTorch's: floats within 1e-6, num_batches_tracked exactly (int64).
function sameState(module: nn.Module, want: Record<string, unknown>, what: string): void {
  const got = module.stateDict() as Record<string, torch.Tensor>;
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), what);
  for (const [key, w] of Object.entries(want)) {
    const t = got[key];
    if (key.endsWith('num_batches_tracked')) {
      assert.equal(t.dtype, 'int64', `${what} ${key}`);
      assert.equal(Number(t.item()), w, `${what} ${key}`);
    } else close([t.tolist()].flat(2) as number[], [w].flat(2) as number[], `${what} ${key}`);
  }
}

for (const useBuffers of [false, true]) {
  test(`AveragedModel with BatchNorm, useBuffers ${useBuffers}: PyTorch 1.13's parameters and buffers, n_averaged, a state dict round trip`, () => {
    const want = useBuffers ? bn.bn_use_buffers_true : bn.bn_use_buffers_false;
    const model = bnModel();
    setBn(model, 0);
    const averaged = new AveragedModel(model, { copy: bnModel, ...(useBuffers ? { useBuffers } : {}) });
    assert.equal(averaged.useBuffers, useBuffers);
    const counter = (averaged as unknown as { n_averaged: torch.Tensor }).n_averaged;
    assert.equal(`torch.${counter.dtype}`, want.n_averaged_dtype);
    assert.equal(averaged.numAveraged, 0);
    want.steps.forEach((step, i) => {
      setBn(model, i + 1);
      averaged.updateParameters(model);
      sameState(averaged.module, step, `update ${i + 1}`);
    });
    assert.equal(averaged.numAveraged, want.n_averaged);
    const sd = averaged.stateDict();
    assert.deepEqual(Object.keys(sd).sort(), want.keys);
    // A fresh AveragedModel (built from the model as it is now) loaded with the dict goes on from its count.
    const other = new AveragedModel(model, { copy: bnModel, useBuffers });
    other.loadStateDict(sd);
    assert.equal(other.numAveraged, want.loaded_n_averaged);
    setBn(model, 5);
    other.updateParameters(model);
    sameState(other.module, want.after_load_update, 'the update after loading');
    assert.equal(other.numAveraged, want.after_load_n_averaged);
  });
}

test('emaAvgFn: decay 0 keeps the current weights, decay 1 the average; outside [0, 1] or nan refused', () => {
  const avg = torch.tensor([1, 2]);
  const cur = torch.tensor([5, -6]);
  assert.deepEqual(emaAvgFn(0)(avg, cur, 3).tolist(), [5, -6]);
  assert.deepEqual(emaAvgFn(1)(avg, cur, 3).tolist(), [1, 2]);
  assert.deepEqual(emaAvgFn(0.75)(avg, cur, 3).tolist(), [2, 0]);
  // The default decay, 0.999.
  assert.ok(Math.abs((emaAvgFn()(torch.tensor([0]), torch.tensor([1000]), 1).item() as number) - 1) < 1e-4);
  for (const decay of [-0.1, 1.5, NaN]) {
    assert.throws(() => emaAvgFn(decay), { name: 'RangeError', message: `emaAvgFn: decay must be in [0, 1], but got ${decay}` });
  }
});

test('updateParameters refuses a model with another number of tensors to average', () => {
  const averaged = new AveragedModel(new nn.Linear(3, 2), { copy: () => new nn.Linear(3, 2) });
  assert.throws(() => averaged.updateParameters(new nn.Linear(3, 2, { bias: false })), {
    message: 'AveragedModel.updateParameters: the model has 1 tensors to average, the copy 2',
  });
  assert.equal(averaged.numAveraged, 0);
  // With useBuffers, BatchNorm's three buffers count too.
  const withBuffers = new AveragedModel(bnModel(), { copy: bnModel, useBuffers: true });
  assert.throws(() => withBuffers.updateParameters(new nn.Sequential(new nn.Linear(3, 2), new nn.LayerNorm(2)) as nn.Sequential), {
    message: 'AveragedModel.updateParameters: the model has 4 tensors to average, the copy 7',
  });
});

test('updateBn recomputes BatchNorm statistics as the plain average over one pass of the loader, restoring momenta and mode (PyTorch 1.13 update_bn)', () => {
  const want = (fixture as unknown as { update_bn: { batches: number[][][]; state: Record<string, number[] | number>; momenta: number[]; training: boolean } }).update_bn;
  const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2), new nn.ReLU(), new nn.Linear(2, 2), new nn.BatchNorm1d(2, { momentum: 0.3 }));
  const [w, b] = [fixture.inputs[1].weight, fixture.inputs[1].bias];
  const sd = model.stateDict();
  torch.noGrad(() => {
    sd['0.weight'].copy_(torch.tensor(w, { dtype: 'float32' }));
    sd['0.bias'].copy_(torch.tensor(b, { dtype: 'float32' }));
    sd['3.weight'].copy_(torch.tensor([[0.7, -0.4], [0.2, 0.9]]));
    sd['3.bias'].copy_(torch.tensor([0.05, -0.1]));
    for (const bn of ['1', '4']) {
      sd[`${bn}.running_mean`].fill_(5);
      sd[`${bn}.running_var`].fill_(7);
      sd[`${bn}.num_batches_tracked`].fill_(11);
    }
  });
  model.eval();
  const loader = want.batches.map((x) => [torch.tensor(x, { dtype: 'float32' }), torch.zeros(x.length)]);
  optim.updateBn(loader, model);
  const after = model.stateDict();
  for (const [key, value] of Object.entries(want.state)) {
    const got = after[key];
    if (typeof value === 'number') assert.equal(got.item(), value, key);
    else close(got.tolist() as number[], value, key);
  }
  assert.deepEqual([(model.at(1) as nn.BatchNorm1d).momentum, (model.at(4) as nn.BatchNorm1d).momentum], want.momenta);
  assert.equal(model.training, want.training);
  // Nothing to do without a BatchNorm; InstanceNorm (no _BatchNorm in PyTorch) is left alone.
  const plain = new nn.Sequential(new nn.Linear(3, 2), new nn.InstanceNorm1d(2, { trackRunningStats: true }));
  const before = plain.stateDict()['1.running_mean'].tolist();
  optim.updateBn([torch.ones([2, 2, 3])], plain);
  assert.deepEqual(plain.stateDict()['1.running_mean'].tolist(), before);
});

test("SWALR refuses PyTorch 1.13's bad arguments in its words and keeps swa_lr in each group", () => {
  const params = () => new nn.Linear(2, 1).parameters();
  const two = () => new optim.SGD([{ params: params() }, { params: params() }], { lr: 0.1 });
  assert.throws(() => new optim.SWALR(two(), [0.1]), { message: 'swa_lr must have the same length as optimizer.param_groups: swa_lr has 1, optimizer.param_groups has 2' });
  assert.throws(() => new optim.SWALR(two(), 0.1, { annealStrategy: 'exp' as 'cos' }), { message: "anneal_strategy must by one of 'cos' or 'linear', instead got exp" });
  assert.throws(() => new optim.SWALR(two(), 0.1, { annealEpochs: -1 }), { message: 'anneal_epochs must be equal or greater than 0, got -1' });
  assert.throws(() => new optim.SWALR(two(), 0.1, { annealEpochs: 1.5 }), { message: 'anneal_epochs must be equal or greater than 0, got 1.5' });
  const opt = two();
  const s = new optim.SWALR(opt, [0.01, 0.02], { annealEpochs: 3 });
  assert.deepEqual(opt.paramGroups.map((g) => g.swaLr), [0.01, 0.02]);
  assert.deepEqual(Object.keys(s.stateDict()).sort(), ['_last_lr', '_step_count', 'anneal_epochs', 'base_lrs', 'last_epoch']);
});
