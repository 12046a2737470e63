// optimizerByName: each name builds its torch.optim class with PyTorch's defaults for what is left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nn, optim } from '../../src/index.js';

const params = () => new nn.Linear(3, 2).parameters();

test('each name builds its optimizer; what is not given keeps the optimizer\'s own default', () => {
  const expected = {
    sgd: optim.SGD, momentum: optim.SGD, adam: optim.Adam, adamw: optim.AdamW, rmsprop: optim.RMSprop, adagrad: optim.Adagrad, adadelta: optim.Adadelta,
    adamax: optim.Adamax, nadam: optim.NAdam, radam: optim.RAdam, asgd: optim.ASGD, rprop: optim.Rprop,
  };
  for (const name of optim.optimizerNames) {
    const opt = optim.optimizerByName(name, params(), { lr: 0.5 });
    assert.ok(opt instanceof expected[name], name);
    assert.equal(opt.paramGroups[0].lr, 0.5, name);
  }
  // PyTorch 1.13's defaults: Adam 1e-3 with weight_decay 0, AdamW 1e-3 with weight_decay 1e-2, Adadelta 1.0.
  assert.equal(optim.optimizerByName('adam', params()).paramGroups[0].lr, 1e-3);
  assert.equal(optim.optimizerByName('adamw', params()).paramGroups[0].weightDecay, 1e-2);
  assert.equal(optim.optimizerByName('adadelta', params()).paramGroups[0].lr, 1.0);
  assert.equal(optim.optimizerByName('momentum', params(), { lr: 0.1 }).paramGroups[0].momentum, 0.9);
  assert.equal(optim.optimizerByName('sgd', params(), { lr: 0.1 }).paramGroups[0].momentum, 0);
  assert.equal(optim.optimizerByName('sgd', params(), { lr: 0.1, momentum: 0.5 }).paramGroups[0].momentum, 0.5);
  // PyTorch 1.13: Adamax and NAdam 2e-3, RAdam 1e-3, ASGD and Rprop 1e-2; Rprop has no weight decay.
  assert.deepEqual(['adamax', 'nadam', 'radam', 'asgd', 'rprop'].map((n) => optim.optimizerByName(n as optim.OptimizerName, params()).paramGroups[0].lr), [2e-3, 2e-3, 1e-3, 1e-2, 1e-2]);
  assert.equal(optim.optimizerByName('asgd', params(), { weightDecay: 0.1 }).paramGroups[0].weightDecay, 0.1);
  assert.throws(() => optim.optimizerByName('rprop', params(), { weightDecay: 0.1 }), /rprop takes no weight decay/);
});

test('an unknown name lists the known ones', () => {
  assert.throws(() => optim.optimizerByName('lbfgs' as never, params(), { lr: 1 }), /unknown optimizer 'lbfgs'; one of sgd, momentum, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, radam, asgd, rprop$/);
});
