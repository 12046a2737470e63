// Experiment 5 (images): d2l chapters 7.6 and 8: LeNet, AlexNet, VGG-11, NiN, GoogLeNet, LeNet with
// BatchNorm, ResNet-18 and DenseNet (the zoo's models, src/models/cnn.ts) on Fashion-MNIST (or MNIST,
// or CIFAR-10: the first convolution takes the data's channels), trained the way d2l's train_ch6 does it: Xavier-
// uniform weights, SGD on the cross-entropy, per epoch the train loss, train accuracy and test
// accuracy, and at the end the throughput in images/s and the predictions grid.
//
// The bigger networks were designed for ImageNet-sized inputs, so d2l upsamples the 28x28 images
// (Resize to 224 for AlexNet, VGG and NiN, 96 for GoogLeNet, ResNet and DenseNet); --resize does the
// same, and CIFAR-10's 32x32 images go to 28 for the LeNets. Their per-model
// learning rates are d2l's (--lr 0 picks them). Measured on the 2-core reference machine with
// LeNet, batch 256: ~1,600 images/s on the wasm backend (a 60,000-image epoch in ~38 s; on MNIST
// the test accuracy is 0.949 after one epoch, 0.967 after two) and ~260 images/s on js (~4 min per
// epoch). The ImageNet-sized networks manage only a few images/s on a CPU (AlexNet ~3, ResNet-18
// at 32x32 ~5): use --train-size and --test-size for a look at them.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { optimizerNames, type OptimizerName } from '../../optim/by_name.js';
import { transforms } from '../../data/index.js';
import { DataLoader } from '../../data/dataloader.js';
import type { Image } from '../../data/image.js';
import { StatefulDataLoader } from '../../io/checkpoint.js';
import { alexnet, densenet, googlenet, lenet, lenetBatchNorm, lenetClassic, nin, resnet18, vgg11 } from '../../models/cnn.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { summaryString } from '../../utils/summary.js';
import { deviceOption, useDevice } from '../device.js';
import { defineExperiment } from '../experiment.js';
import { imageDataOptions, imageShape, loadImageData } from '../image-data.js';
import { predictionGrid, trainEpochs } from '../training.js';

interface ModelRecipe {
  build(inChannels: number): Module;
  /** The side the images are resized to by default (d2l's choice); the data set's own side keeps them as they are. */
  size: number;
  /** Sizes the network accepts (its first Linear layer fixes them); false: any from `min` up. */
  fixed: boolean;
  /** The smallest side a network that is not fixed accepts (its poolings leave at least 1x1). */
  min?: number;
  /** d2l's learning rate for this network. */
  lr: number;
  /** d2l's minibatch size for this network (128 for the 224- and 96-pixel networks of 8.1-8.4). */
  batchSize: number;
  section: string;
}

const MODELS: Record<string, ModelRecipe> = {
  lenet: { build: lenet, size: 28, fixed: true, lr: 0.1, batchSize: 256, section: '7.6 (ReLU, max-pooling)' },
  'lenet-classic': { build: lenetClassic, size: 28, fixed: true, lr: 0.9, batchSize: 256, section: '7.6 (sigmoid, average pooling, as printed)' },
  alexnet: { build: alexnet, size: 224, fixed: true, lr: 0.01, batchSize: 128, section: '8.1' },
  vgg11: { build: vgg11, size: 224, fixed: true, lr: 0.05, batchSize: 128, section: '8.2' },
  nin: { build: nin, size: 224, fixed: false, min: 67, lr: 0.1, batchSize: 128, section: '8.3' },
  googlenet: { build: googlenet, size: 96, fixed: false, min: 1, lr: 0.1, batchSize: 128, section: '8.4' },
  'lenet-bn': { build: lenetBatchNorm, size: 28, fixed: true, lr: 1.0, batchSize: 256, section: '8.5 (BatchNorm, concise)' },
  resnet18: { build: resnet18, size: 96, fixed: false, min: 28, lr: 0.05, batchSize: 256, section: '8.6' },
  densenet: { build: densenet, size: 96, fixed: false, min: 29, lr: 0.1, batchSize: 256, section: '8.7' },
};

/** d2l's init_cnn / train_ch6 init: Xavier-uniform weights for every Linear and Conv2d. */
function initWeights(m: Module): void {
  if (m instanceof nn.Linear || m instanceof nn.Conv2d) nn.init.xavierUniform_(m.weight);
}


export const cnn = defineExperiment({
  name: 'cnn',
  summary: 'd2l 7.6/8: LeNet (or AlexNet, VGG-11, NiN, GoogLeNet, LeNet+BatchNorm, ResNet-18, DenseNet) on Fashion-MNIST, MNIST or CIFAR-10, train_ch6 style, with images/s and the predictions grid',
  options: {
    model: { default: 'lenet', choices: ['lenet', 'lenet-classic', 'alexnet', 'vgg11', 'nin', 'googlenet', 'lenet-bn', 'resnet18', 'densenet'], help: 'network (lenet: ReLU + max-pool; lenet-classic: d2l 7.6 as printed, sigmoid + avg-pool; the others take a few images/s on a CPU)' },
    dataset: imageDataOptions.dataset,
    lr: { default: null, type: 'number', positive: true, help: "learning rate (default: d2l's for the model: lenet 0.1, lenet-classic 0.9, alexnet 0.01, vgg11 0.05, nin 0.1, googlenet 0.1, lenet-bn 1.0, resnet18 0.05, densenet 0.1)" },
    batchSize: { default: null, type: 'number', integer: true, min: 1, help: "minibatch size (default: d2l's for the model: 128 for alexnet, vgg11, nin and googlenet, 256 for the others)" },
    epochs: { default: 10, integer: true, min: 1, help: 'passes over the training images (d2l: 10)' },
    optimizer: { default: 'sgd', choices: optimizerNames.filter((n) => n !== 'momentum'), help: 'optimizer (sgd takes --momentum)' },
    momentum: { default: 0, min: 0, help: 'SGD momentum' },
    resize: { default: null, type: 'number', integer: true, min: 1, help: 'side the images are resized to (default: 224 for alexnet, vgg11 and nin, 96 for googlenet, resnet18 and densenet, 28 for the lenets)' },
    root: imageDataOptions.root,
    download: imageDataOptions.download,
    trainSize: imageDataOptions.trainSize,
    testSize: imageDataOptions.testSize,
    seed: { default: 0, integer: true, min: 0, help: 'random seed (weights and shuffling)' },
    device: deviceOption,
  },

  // The model's own learning rate, batch size and image size where none is given: the run records these.
  resolve: (o) => ({ ...o, lr: o.lr ?? MODELS[o.model].lr, batchSize: o.batchSize ?? MODELS[o.model].batchSize, resize: o.resize ?? MODELS[o.model].size }),

  async run(o, ctx) {
    const recipe = MODELS[o.model];
    const { lr, resize: size } = o;
    if (recipe.fixed && size !== recipe.size) throw new RangeError(`--resize: ${o.model} takes ${recipe.size}x${recipe.size} images, not ${size}x${size}`);
    if (!recipe.fixed && size < recipe.min!) throw new RangeError(`--resize: ${o.model} needs images of at least ${recipe.min}x${recipe.min}`);
    const device = await useDevice(o.device);
    torch.manualSeed(o.seed);

    // d2l's load_data_fashion_mnist(batch_size, resize): [Resize,] ToTensor.
    const [channels, side] = imageShape(o.dataset);
    const toTensor = size === side ? new transforms.ToTensor() : new transforms.Compose<Image, Tensor>([new transforms.Resize(size), new transforms.ToTensor()]);
    const { test, trainSet, testSet } = await loadImageData(o, toTensor);
    const trainLoader = new StatefulDataLoader(trainSet, { batchSize: o.batchSize, shuffle: true });
    const testLoader = new DataLoader(testSet, { batchSize: o.batchSize });

    const model = recipe.build(channels);
    model.apply(initWeights);
    const parameters = model.parameters().reduce((n, p) => n + p.numel(), 0);
    ctx.print(`${o.model} (d2l ${recipe.section}), ${parameters.toLocaleString('en-US')} parameters, ${size}x${size} inputs, lr ${lr}`);
    ctx.print(summaryString(model, [channels, size, size]).text);

    const optimizer = optim.optimizerByName(o.optimizer as OptimizerName, model.parameters(), { lr, momentum: o.momentum });
    const r = await trainEpochs(ctx, { model, optimizer, trainLoader, testLoader, epochs: o.epochs, lossFn: new nn.CrossEntropyLoss(), logEvery: 20, device });

    const seen = trainSet.length * o.epochs;
    const seconds = r.epochSeconds.reduce((a, b) => a + b, 0);
    const imagesPerSecond = seen / seconds;
    // d2l prints str(device); on the CPU, the backend says more.
    const on = device.type === 'cpu' ? torch.getBackend().name : String(device);
    // d2l train_ch6's closing lines.
    ctx.print(`loss ${r.trainLoss.toFixed(3)}, train acc ${r.trainAccuracy.toFixed(3)}, test acc ${r.testAccuracy.toFixed(3)}`);
    ctx.print(`${imagesPerSecond.toFixed(1)} examples/sec on ${on}`);

    const classes = test.classes.map((c) => c.split(' - ')[0]);
    ctx.artifact('predictions', predictionGrid(model, test, { count: 24, classes }));
    ctx.artifact('findings', {
      kind: 'text',
      title: 'Findings',
      paragraphs: [
        `${o.model} (d2l ${recipe.section}) with ${parameters.toLocaleString('en-US')} parameters, trained ${o.epochs} epoch(s) on ${trainSet.length.toLocaleString('en-US')} ` +
          `${o.dataset} images (${size}x${size}) by ${o.optimizer} at lr ${lr}, batch ${o.batchSize}: train loss ${r.trainLoss.toFixed(3)}, ` +
          `train accuracy ${r.trainAccuracy.toFixed(3)}, test accuracy ${r.testAccuracy.toFixed(3)} on ${testSet.length.toLocaleString('en-US')} test images.`,
        `Throughput: ${imagesPerSecond.toFixed(0)} training images/s on ${device.type === 'cpu' ? `the ${on} backend` : on} ` +
          `(${r.epochSeconds.map((s) => s.toFixed(1)).join(', ')} s per epoch).`,
      ],
    });
    return {
      test_accuracy: r.testAccuracy,
      train_accuracy: r.trainAccuracy,
      train_loss: r.trainLoss,
      epoch_seconds: +r.meanEpochSeconds.toFixed(3),
      images_per_second: +imagesPerSecond.toFixed(1),
      parameters,
    };
  },
});
