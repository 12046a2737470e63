// End to end: d2l's synthetic linear regression and a small MLP classifier, trained with a
// hand-written SGD step (optim belongs elsewhere).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';

function sgd(params: readonly nn.Parameter[], lr: number): void {
  torch.noGrad(() => {
    for (const p of params) if (p.grad) p.sub_(p.grad.mul(lr));
  });
}

test('linear regression recovers w = [2, -3.4], b = 4.2 (d2l 3.5)', () => {
  torch.manualSeed(0);
  const trueW = torch.tensor([2, -3.4]);
  const n = 1000;
  const X = torch.randn(n, 2);
  const y = X.matmul(trueW).add(4.2).add(torch.randn(n).mul(0.01)).reshape(-1, 1);
  const net = new nn.Sequential(new nn.Linear(2, 1));
  nn.init.normal_((net.at(0) as nn.Linear).weight, 0, 0.01);
  nn.init.zeros_((net.at(0) as nn.Linear).bias!);
  const loss = new nn.MSELoss();
  for (let epoch = 0; epoch < 3; epoch++) {
    const perm = torch.randperm(n);
    for (let i = 0; i < n; i += 10) {
      const idx = perm.narrow(0, i, 10);
      const l = loss.call(net.call(X.indexSelect(0, idx)), y.indexSelect(0, idx));
      net.zeroGrad();
      l.backward();
      sgd(net.parameters(), 0.03);
    }
  }
  const lin = net.at(0) as nn.Linear;
  const w = lin.weight.reshape(-1).tolist() as number[];
  assert.ok(Math.abs(w[0] - 2) < 0.01 && Math.abs(w[1] + 3.4) < 0.01, `w = ${w}`);
  assert.ok(Math.abs(lin.bias!.item() - 4.2) < 0.01, `b = ${lin.bias!.item()}`);
});

test('a 2-layer MLP reaches 100% accuracy on a separable set', () => {
  torch.manualSeed(0);
  // Two Gaussian blobs per class, four classes on the corners of a square.
  const centers = [[2, 2], [-2, 2], [-2, -2], [2, -2]];
  const per = 50;
  const X = torch.randn(4 * per, 2).mul(0.5).add(torch.tensor(centers.flatMap((c) => Array(per).fill(c))));
  const y = torch.tensor(centers.flatMap((_, k) => Array(per).fill(k)));
  const net = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 4));
  const loss = new nn.CrossEntropyLoss();
  let l: Tensor = torch.tensor(0);
  for (let step = 0; step < 200; step++) {
    l = loss.call(net.call(X), y);
    net.zeroGrad();
    l.backward();
    sgd(net.parameters(), 0.5);
  }
  const acc = net.call(X).argmax(1).eq(y).float().mean().item();
  assert.equal(acc, 1, `accuracy ${acc}, loss ${l.item()}`);
});
