// torch.optim.swa_utils.AveragedModel against PyTorch 1.13 (test/fixtures/swa_utils.json, written
// by tools/fixtures/swa_utils.py): SWA's equal average and an EMA avg_fn over five updates, the
// n_averaged counter and the state_dict's keys; the copy leaves the generator where it was.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as torch from '../../src/index.js';
import { nn } from '../../src/index.js';
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
