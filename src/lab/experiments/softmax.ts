// d2l 3.6 and 3.7: softmax regression on Fashion-MNIST, first from scratch (our own softmax,
// cross-entropy and sgd over W and b), then concisely (Flatten + Linear, CrossEntropyLoss, SGD),
// each with d2l's training curves and the prediction grid of predict_ch3.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { transforms } from '../../data/index.js';
import { DataLoader } from '../../data/dataloader.js';
import { StatefulDataLoader } from '../../io/checkpoint.js';
import { Parameter } from '../../nn/parameter.js';
import type { Tensor } from '../../tensor/tensor.js';
import { deviceOption, useDevice } from '../device.js';
import { defineExperiment } from '../experiment.js';
import { imageDataOptions, imageShape, loadImageData } from '../image-data.js';
import { predictionGrid, trainEpochs } from '../training.js';

/** d2l's softmax: exp, then divide by the row sums (no max subtraction, as the book writes it). */
function softmaxScratch(X: Tensor): Tensor {
  const e = X.exp();
  return e.div(e.sum(1, { keepdim: true }));
}

/** d2l 3.6's net as a Module, so its W and b are saved and listed like any model's. */
class SoftmaxRegressionScratch extends nn.Module {
  W: Parameter;
  b: Parameter;

  constructor(numInputs: number, numOutputs: number) {
    super();
    this.W = new Parameter(torch.normal(0, 0.01, [numInputs, numOutputs]));
    this.b = new Parameter(torch.zeros(numOutputs));
  }

  override forward(X: Tensor): Tensor {
    return softmaxScratch(torch.matmul(X.reshape(-1, this.W.shape[0]), this.W).add(this.b));
  }
}

/**
 * d2l's cross_entropy: -log of the probability given to the true class, averaged here. d2l picks
 * it with y_hat[range(len(y_hat)), y]; gather picks the same entries, and on a GPU without the
 * bounds check advanced indexing makes by reading the indices back.
 */
const crossEntropy = (yHat: Tensor, y: Tensor) => yHat.gather(1, y.reshape(-1, 1)).log().neg().mean();

export const softmax = defineExperiment({
  name: 'softmax',
  summary: 'd2l 3.6/3.7: softmax regression on Fashion-MNIST (or MNIST, offline, or CIFAR-10), from scratch and concise, with the predictions grid',
  options: {
    lr: { default: 0.1, positive: true, help: 'learning rate' },
    batchSize: { default: 256, integer: true, min: 1, help: 'minibatch size' },
    epochs: { default: 5, integer: true, min: 1, help: 'passes over the training images (d2l uses 10)' },
    variant: { default: 'both', choices: ['both', 'scratch', 'concise'], help: 'which model(s) to train' },
    ...imageDataOptions,
    seed: { default: 0, integer: true, min: 0, help: 'random seed' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    torch.manualSeed(o.seed);
    const toTensor = new transforms.ToTensor();
    const { test, trainSet, testSet } = await loadImageData(o, toTensor);
    // 784 inputs for the 28x28 greyscale sets, 3072 for CIFAR-10's 3x32x32.
    const numInputs = imageShape(o.dataset).reduce((a, b) => a * b);
    const testLoader = new DataLoader(testSet, { batchSize: o.batchSize });
    const metrics: Record<string, number> = {};
    const both = o.variant === 'both';

    if (o.variant !== 'concise') {
      const model = new SoftmaxRegressionScratch(numInputs, 10);
      const r = await trainEpochs(ctx, {
        model,
        lossFn: crossEntropy,
        // d2l's sgd: param -= lr * grad (the loss is already a mean over the batch).
        update: () =>
          torch.noGrad(() => {
            for (const p of model.parameters()) {
              p.sub_(p.grad!.mul(o.lr));
              p.grad!.zero_();
            }
          }),
        trainLoader: new StatefulDataLoader(trainSet, { batchSize: o.batchSize, shuffle: true }),
        testLoader,
        epochs: o.epochs,
        prefix: both ? 'scratch_' : '',
        // Two models in one run: the run restarts on resume rather than mixing their checkpoints.
        resumable: !both,
        device,
      });
      Object.assign(metrics, { [`${both ? 'scratch_' : ''}test_accuracy`]: r.testAccuracy, [`${both ? 'scratch_' : ''}train_loss`]: r.trainLoss });
      ctx.artifact('scratch-predictions', predictionGrid(model, test, { count: 18, classes: test.classes, title: 'From scratch (3.6): predictions on the first 18 test images' }));
    }
    if (o.variant !== 'scratch') {
      const net = new nn.Sequential(new nn.Flatten(), new nn.Linear(numInputs, 10));
      const linear = net.at(1) as nn.Linear;
      linear.weight.data.normal_(0, 0.01);
      linear.bias!.data.zero_();
      const r = await trainEpochs(ctx, {
        model: net,
        lossFn: new nn.CrossEntropyLoss(),
        optimizer: new optim.SGD(net.parameters(), { lr: o.lr }),
        trainLoader: new StatefulDataLoader(trainSet, { batchSize: o.batchSize, shuffle: true }),
        testLoader,
        epochs: o.epochs,
        prefix: both ? 'concise_' : '',
        resumable: !both,
        device,
      });
      Object.assign(metrics, { [`${both ? 'concise_' : ''}test_accuracy`]: r.testAccuracy, [`${both ? 'concise_' : ''}train_loss`]: r.trainLoss });
      ctx.artifact('concise-predictions', predictionGrid(net, test, { count: 18, classes: test.classes, title: 'Concise (3.7): predictions on the first 18 test images' }));
    }
    return metrics;
  },
});
