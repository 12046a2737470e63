// Convolutional networks of the course, in Dive into Deep Learning's layouts (d2l.ai, chapters
// 7.6 and 8.1-8.6) for 10 classes and one input channel (Fashion-MNIST):
// - LeNet-5: the d2l/LeCun layout with ReLU and max-pooling (the modern variant the benchmarks
//   train): Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2), Conv2d(6,16,5), ReLU, MaxPool2d(2),
//   Flatten, Linear(400,120), ReLU, Linear(120,84), ReLU, Linear(84,10); 61,706 parameters.
//   `lenetClassic` is d2l 7.6 as printed: Sigmoid and AvgPool2d.
// - AlexNet (d2l 8.1): 224x224 input, 46,764,746 parameters (PyTorch count, test/fixtures/summary.json).
// - VGG-11 (d2l 8.2): conv_arch ((1,64),(1,128),(2,256),(2,512),(2,512)), 224x224 input.
// - ResNet-18 (d2l 8.6, not torchvision's): a 7x7/2 stem with BatchNorm and 3x3/2 max-pool, four
//   stages of two residual blocks (64, 128, 256, 512 channels; 1x1 projections where the shape
//   changes), global average pooling, Linear(512, 10); 96x96 input as d2l trains it. The residual
//   block applies ReLU functionally (F.relu), as d2l does, so summaries show no ReLU rows there.

import { Module } from '../nn/module.js';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, Sigmoid,
} from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';

export function lenet(): Sequential {
  return new Sequential(
    new Conv2d(1, 6, 5, { padding: 2 }), new ReLU(), new MaxPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2, { stride: 2 }),
    new Flatten(), new Linear(16 * 5 * 5, 120), new ReLU(), new Linear(120, 84), new ReLU(), new Linear(84, 10),
  );
}

export function lenetClassic(): Sequential {
  return new Sequential(
    new Conv2d(1, 6, 5, { padding: 2 }), new Sigmoid(), new AvgPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5), new Sigmoid(), new AvgPool2d(2, { stride: 2 }),
    new Flatten(), new Linear(16 * 5 * 5, 120), new Sigmoid(), new Linear(120, 84), new Sigmoid(), new Linear(84, 10),
  );
}

export function alexnet(): Sequential {
  return new Sequential(
    new Conv2d(1, 96, 11, { stride: 4, padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(96, 256, 5, { padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(256, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 256, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Flatten(),
    new Linear(6400, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, 10),
  );
}

function vggBlock(numConvs: number, inChannels: number, outChannels: number): Sequential {
  const layers: Module[] = [];
  for (let i = 0; i < numConvs; i++) {
    layers.push(new Conv2d(i === 0 ? inChannels : outChannels, outChannels, 3, { padding: 1 }), new ReLU());
  }
  layers.push(new MaxPool2d(2, { stride: 2 }));
  return new Sequential(...layers);
}

export function vgg11(): Sequential {
  const arch: [number, number][] = [[1, 64], [1, 128], [2, 256], [2, 512], [2, 512]];
  let inChannels = 1;
  const blocks = arch.map(([n, out]) => {
    const b = vggBlock(n, inChannels, out);
    inChannels = out;
    return b;
  });
  return new Sequential(
    ...blocks, new Flatten(),
    new Linear(512 * 7 * 7, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, 10),
  );
}

/** d2l's Residual block: two 3x3 convolutions with BatchNorm, an optional 1x1 projection. */
export class Residual extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  conv3: Conv2d | null;
  bn1: BatchNorm2d;
  bn2: BatchNorm2d;
  constructor(inChannels: number, numChannels: number, options: { use1x1conv?: boolean; strides?: number } = {}) {
    super();
    const strides = options.strides ?? 1;
    this.conv1 = new Conv2d(inChannels, numChannels, 3, { padding: 1, stride: strides });
    this.conv2 = new Conv2d(numChannels, numChannels, 3, { padding: 1 });
    this.conv3 = options.use1x1conv ? new Conv2d(inChannels, numChannels, 1, { stride: strides }) : null;
    this.bn1 = new BatchNorm2d(numChannels);
    this.bn2 = new BatchNorm2d(numChannels);
  }
  override forward(x: Tensor): Tensor {
    let y = this.bn1.call(this.conv1.call(x)).relu();
    y = this.bn2.call(this.conv2.call(y));
    if (this.conv3) x = this.conv3.call(x);
    return y.add(x).relu();
  }
}

function resnetStage(inChannels: number, numChannels: number, numResiduals: number, firstBlock = false): Sequential {
  const blocks: Module[] = [];
  for (let i = 0; i < numResiduals; i++) {
    if (i === 0 && !firstBlock) blocks.push(new Residual(inChannels, numChannels, { use1x1conv: true, strides: 2 }));
    else blocks.push(new Residual(numChannels, numChannels));
  }
  return new Sequential(...blocks);
}

export function resnet18(): Sequential {
  return new Sequential(
    new Sequential(new Conv2d(1, 64, 7, { stride: 2, padding: 3 }), new BatchNorm2d(64), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 })),
    resnetStage(64, 64, 2, true),
    resnetStage(64, 128, 2),
    resnetStage(128, 256, 2),
    resnetStage(256, 512, 2),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(512, 10),
  );
}
