// Experiment 1: the notebook's MNIST MLP (Flatten, Linear 784-hidden, ReLU, Linear hidden-10) on
// real MNIST. Its options are the knobs a learner turns to see how training speed and final
// accuracy respond: learning rate, batch size, optimizer, momentum, hidden size, epochs, schedule.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { DataLoader, transforms } from '../../data/index.js';
import { MNIST } from '../../datasets/mnist.js';
import { defineExperiment } from '../experiment.js';

const normalize = () => new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);

export const mnist = defineExperiment({
  name: 'mnist',
  summary: 'MLP 784-128-10 on real MNIST: how lr, batch size, optimizer, hidden size and epochs change speed and accuracy',
  options: {
    lr: { default: 0.1, help: 'learning rate' },
    batchSize: { default: 64, help: 'minibatch size' },
    optimizer: { default: 'sgd', choices: ['sgd', 'adam'], help: 'optimizer' },
    momentum: { default: 0, help: 'SGD momentum' },
    hidden: { default: 128, help: 'hidden units' },
    epochs: { default: 3, help: 'passes over the 60,000 training images' },
    schedule: { default: 'none', choices: ['none', 'step', 'cosine'], help: 'LR schedule, stepped per epoch' },
    seed: { default: 0, help: 'random seed (weights and shuffling)' },
  },

  async run(o, ctx) {
    torch.manualSeed(o.seed);
    const train = new MNIST({ train: true, transform: normalize() });
    const test = new MNIST({ train: false, transform: normalize() });
    const trainLoader = new DataLoader(train, { batchSize: o.batchSize, shuffle: true });
    const testLoader = new DataLoader(test, { batchSize: 1000 });

    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, o.hidden), new nn.ReLU(), new nn.Linear(o.hidden, 10));
    const params = [...model.parameters()];
    ctx.print(model.toString());
    ctx.print(`parameters: ${params.reduce((n, p) => n + p.numel(), 0).toLocaleString('en-US')}`);

    const optimizer =
      o.optimizer === 'adam' ? new optim.Adam(model.parameters(), { lr: o.lr }) : new optim.SGD(model.parameters(), { lr: o.lr, momentum: o.momentum });
    const scheduler =
      o.schedule === 'step'
        ? new optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: 0.5 })
        : o.schedule === 'cosine'
          ? new optim.lrScheduler.CosineAnnealingLR(optimizer, { TMax: o.epochs })
          : null;
    const lossFn = new nn.CrossEntropyLoss();

    const evaluate = (): number =>
      torch.noGrad(() => {
        model.eval();
        let correct = 0;
        for (const [x, y] of testLoader) correct += model.call(x).argmax(1).eq(y).sum().item();
        model.train();
        return correct / test.length;
      });

    let step = 0;
    let trainLoss = NaN;
    let testAccuracy = NaN;
    const epochSeconds: number[] = [];
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const bar = ctx.progress(trainLoader.length, `epoch ${epoch}/${o.epochs}`);
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batch = 0;
      for (const [x, y] of trainLoader) {
        const logits = model.call(x);
        const loss = lossFn.call(logits, y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        const value = loss.item();
        if (!Number.isFinite(value)) throw new Error(`loss became ${value} at step ${step} (epoch ${epoch}); try a smaller --lr`);
        lossSum += value * y.shape[0];
        correct += logits.argmax(1).eq(y).sum().item();
        seen += y.shape[0];
        step++;
        batch++;
        if (step % 50 === 0) ctx.log({ loss: value }, { step });
        const elapsed = (performance.now() - started) / 1000;
        bar.update(batch, { loss: lossSum / seen, acc: correct / seen, 'img/s': seen / Math.max(elapsed, 1e-9) });
      }
      bar.finish();
      epochSeconds.push((performance.now() - started) / 1000);
      scheduler?.step();
      trainLoss = lossSum / seen;
      testAccuracy = evaluate();
      ctx.log({ train_loss: trainLoss, train_accuracy: correct / seen, test_accuracy: testAccuracy }, { epoch });
      ctx.print(`epoch ${epoch}: train loss ${trainLoss.toFixed(4)}, train acc ${(correct / seen).toFixed(4)}, test acc ${testAccuracy.toFixed(4)}, ${epochSeconds[epoch - 1].toFixed(1)} s`);
    }
    const meanEpoch = epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length;
    return { test_accuracy: testAccuracy, epoch_seconds: +meanEpoch.toFixed(3), train_loss: trainLoss };
  },
});
