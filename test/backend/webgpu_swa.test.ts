// AveragedModel on a GPU: the count of updates is kept beside the n_averaged buffer, so an update
// and numAveraged never read the device (item() on a GPU tensor throws); a count loaded from a
// GPU dict cannot be known without a read, and numAveraged then says how to read it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, Tensor } from '../../src/index.js';
import { AveragedModel } from '../../src/optim/swa_utils.js';

before(async () => {
  assert.ok(await torch.webgpu.isAvailable(), 'no WebGPU adapter: run through scripts/run-tests.mjs');
});
after(() => torch.webgpu.dispose());

test('AveragedModel on webgpu: updates and numAveraged without a read; a count loaded from the GPU must be read', async () => {
  const model = new nn.Linear(3, 2).to('webgpu');
  const averaged = new AveragedModel(model, { copy: () => new nn.Linear(3, 2).to('webgpu') }).to('webgpu');
  const weights: number[][][] = [];
  for (let k = 0; k < 2; k++) {
    torch.noGrad(() => model.weight.fill_(k + 1));
    weights.push((await model.weight.tolistAsync()) as number[][]);
    averaged.updateParameters(model);
    assert.equal(averaged.numAveraged, k + 1);
  }
  assert.deepEqual(await averaged.module.weight.tolistAsync(), [[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]);
  const sd = averaged.stateDict() as Record<string, Tensor>;
  assert.equal(sd.n_averaged.device.type, 'webgpu');

  const fromGpu = new AveragedModel(model, { copy: () => new nn.Linear(3, 2).to('webgpu') }).to('webgpu');
  fromGpu.loadStateDict(sd);
  assert.throws(() => fromGpu.numAveraged, { message: 'AveragedModel: n_averaged is on the GPU; read it with `await model.n_averaged.itemAsync()`' });
  assert.equal(await (fromGpu as unknown as { n_averaged: Tensor }).n_averaged.itemAsync(), 2);

  // A dict on the CPU gives its count: the next update goes on from it without a read.
  const cpuDict = Object.fromEntries(await Promise.all(Object.entries(sd).map(async ([k, v]) => [k, await v.cpuAsync()])));
  const fromCpu = new AveragedModel(model, { copy: () => new nn.Linear(3, 2).to('webgpu') }).to('webgpu');
  fromCpu.loadStateDict(cpuDict);
  assert.equal(fromCpu.numAveraged, 2);
  torch.noGrad(() => model.weight.fill_(6));
  fromCpu.updateParameters(model);
  assert.equal(fromCpu.numAveraged, 3);
  assert.deepEqual(await fromCpu.module.weight.tolistAsync(), [[3, 3, 3], [3, 3, 3]]);
});
