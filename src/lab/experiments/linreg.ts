// d2l 3.2 and 3.3: linear regression on synthetic data (w = [2, -3.4], b = 4.2, noise 0.01),
// first from scratch (our own data_iter, squared_loss and sgd on raw tensors), then concisely
// (TensorDataset + DataLoader, nn.Linear, nn.MSELoss, optim.SGD). Both should recover w and b.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { DataLoader, TensorDataset } from '../../data/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, useDevice } from '../device.js';
import { defineExperiment, finiteLoss } from '../experiment.js';
import { StepValues } from '../step-values.js';

const TRUE_W = [2, -3.4];
const TRUE_B = 4.2;

/** d2l's synthetic_data: y = Xw + b + noise, X ~ N(0, 1). */
function syntheticData(w: Tensor, b: number, numExamples: number, noise: number): [Tensor, Tensor] {
  const X = torch.normal(0, 1, [numExamples, w.shape[0]]);
  let y = torch.matmul(X, w).add(b);
  y = y.add(torch.normal(0, noise, y.shape));
  return [X, y.reshape(-1, 1)];
}

/** d2l's data_iter: shuffled minibatches of indices, by hand. */
function* dataIter(batchSize: number, features: Tensor, labels: Tensor): Generator<[Tensor, Tensor]> {
  const n = features.shape[0];
  const indices = torch.randperm(n).to(features.device);
  for (let i = 0; i < n; i += batchSize) {
    const batch = indices.narrow(0, i, Math.min(batchSize, n - i));
    yield [features.indexSelect(0, batch), labels.indexSelect(0, batch)];
  }
}

/** d2l's linreg, the model. */
const linregNet = (X: Tensor, w: Tensor, b: Tensor) => torch.matmul(X, w).add(b);
const squaredLoss = (yHat: Tensor, y: Tensor) => yHat.sub(y.reshape(yHat.shape)).pow(2).div(2);

/** d2l's sgd: param -= lr * grad / batch_size, then zero the grad. */
function sgd(params: Tensor[], lr: number, batchSize: number): void {
  torch.noGrad(() => {
    for (const p of params) {
      p.sub_(p.grad!.mul(lr / batchSize));
      p.grad!.zero_();
    }
  });
}

const asList = (t: Tensor) => (t.reshape(-1).tolist() as number[]).map((v) => +v.toFixed(4));

export const linreg = defineExperiment({
  name: 'linreg',
  summary: 'd2l 3.2/3.3: linear regression on synthetic data (w=[2,-3.4], b=4.2), from scratch and with nn',
  options: {
    lr: { default: 0.03, positive: true, help: 'learning rate' },
    batchSize: { default: 10, integer: true, min: 1, help: 'minibatch size' },
    epochs: { default: 3, integer: true, min: 1, help: 'passes over the data' },
    examples: { default: 1000, integer: true, min: 1, help: 'synthetic examples' },
    noise: { default: 0.01, min: 0, help: 'standard deviation of the label noise' },
    seed: { default: 0, integer: true, min: 0, help: 'random seed' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    torch.manualSeed(o.seed);
    const trueW = torch.tensor(TRUE_W);
    const [features, labels] = syntheticData(trueW, TRUE_B, o.examples, o.noise);
    ctx.print(`features: ${String(features.index(0))}\nlabel: ${String(labels.index(0))}`);
    // The data where the models train (the same tensors on the CPU).
    const [X, Y] = [features.to(device), labels.to(device)];
    const curves: { x: number; y: number; series: string }[] = [];
    const finalLoss = { scratch: NaN, concise: NaN };
    // Each step's loss, checked finite, and each epoch's loss on all examples, recorded: on a GPU
    // read together at the epoch's end (one await).
    const values = new StepValues<{ epoch: number; step?: number; model?: 'scratch' | 'concise' }>(device, (value, at) => {
      if (at.step !== undefined) return void finiteLoss(value, { epoch: at.epoch, step: at.step });
      const model = at.model!;
      finalLoss[model] = value;
      ctx.log({ [`${model}_train_loss`]: value }, { epoch: at.epoch });
      curves.push({ x: at.epoch, y: value, series: model === 'scratch' ? 'from scratch (3.2)' : 'concise (3.3)' });
      ctx.print(`${model} epoch ${at.epoch}, loss ${value.toFixed(6)}`);
    });
    const fullLoss = (net: (X: Tensor) => Tensor) => torch.noGrad(() => squaredLoss(net(X), Y).mean());
    let step = 0;

    // ---- 3.2 from scratch
    const w = torch.normal(0, 0.01, [2, 1]).to(device).requiresGrad_();
    const b = torch.zeros(1, { device }).requiresGrad_();
    const scratchNet = (X: Tensor) => linregNet(X, w, b);
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      for (const [Xb, y] of dataIter(o.batchSize, X, Y)) {
        values.run(() => {
          const l = squaredLoss(scratchNet(Xb), y).sum();
          l.backward();
          sgd([w, b], o.lr, o.batchSize);
          values.add(l, { epoch, step: ++step });
        });
        if (values.due) await values.read();
        await ctx.checkpoint({}, { epoch, step });
      }
      values.run(() => values.add(fullLoss(scratchNet), { epoch, model: 'scratch' }));
      await values.read();
    }
    const [wScratch, bScratch] = await Promise.all([w.detach().cpuAsync(), b.detach().cpuAsync()]);
    const scratchWError = trueW.sub(wScratch.reshape(trueW.shape));
    const scratchBError = TRUE_B - bScratch.item();
    ctx.print(`error in estimating w: ${String(scratchWError)}\nerror in estimating b: ${scratchBError}`);

    // ---- 3.3 concise
    const loader = new DataLoader(new TensorDataset(features, labels), { batchSize: o.batchSize, shuffle: true });
    const net = new nn.Sequential(new nn.Linear(2, 1));
    const layer = net.at(0) as nn.Linear;
    layer.weight.data.normal_(0, 0.01);
    layer.bias!.data.fill_(0);
    net.to(device);
    const loss = new nn.MSELoss();
    const trainer = new optim.SGD(net.parameters(), { lr: o.lr });
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      for (const [x, y] of loader) {
        values.run(() => {
          const l = loss.call(net.call(x.to(device)), y.to(device));
          trainer.zeroGrad();
          l.backward();
          trainer.step();
          values.add(l, { epoch, step: ++step });
        });
        if (values.due) await values.read();
        await ctx.checkpoint({}, { epoch, step });
      }
      // nn.MSELoss has no 1/2: report the same squared loss as the scratch model.
      values.run(() => values.add(fullLoss((X) => net.call(X)), { epoch, model: 'concise' }));
      await values.read();
    }
    const [wConcise, bConcise] = await Promise.all([layer.weight.detach().cpuAsync(), layer.bias!.detach().cpuAsync()]);
    const conciseWError = trueW.sub(wConcise.reshape(trueW.shape));
    const conciseBError = TRUE_B - bConcise.item();
    ctx.print(`error in estimating w: ${String(conciseWError)}\nerror in estimating b: ${conciseBError}`);

    const norm = (t: Tensor) => Math.sqrt(t.pow(2).sum().item());
    ctx.artifact('loss', {
      kind: 'chart',
      title: 'Training loss per epoch',
      spec: lineChart('squared loss / 2 on all examples', curves, { x: 'epoch', y: 'loss (log)', logY: true }),
    });
    ctx.artifact('estimates', {
      kind: 'table',
      title: 'Recovered parameters',
      columns: ['', 'w[0]', 'w[1]', 'b'],
      rows: [
        ['true', ...TRUE_W, TRUE_B],
        ['from scratch (3.2)', ...asList(wScratch), +bScratch.item().toFixed(4)],
        ['concise (3.3)', ...asList(wConcise), +bConcise.item().toFixed(4)],
      ],
    });
    return {
      scratch_w_error: norm(scratchWError),
      scratch_b_error: Math.abs(scratchBError),
      scratch_train_loss: finalLoss.scratch,
      concise_w_error: norm(conciseWError),
      concise_b_error: Math.abs(conciseBError),
      concise_train_loss: finalLoss.concise,
    };
  },
});
