// Convolutional networks of the course, in Dive into Deep Learning's layouts (d2l.ai, chapters
// 7.6 and 8.1-8.7) for 10 classes; each builder takes the input channels (d2l's 1, Fashion-MNIST;
// 3 for CIFAR-10), which change only the first convolution:
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
// - NiN (d2l 8.3): three NiN blocks with max-pooling, Dropout, a 10-channel NiN block and global
//   average pooling instead of fully connected layers; 224x224 input.
// - GoogLeNet (d2l 8.4): five stages, nine Inception blocks (functional ReLU, torch.cat), 96x96 input.
// - LeNet with BatchNorm (d2l 8.5, the concise version): BatchNorm2d/1d before each sigmoid, no
//   padding in the first convolution (so Linear(256, 120)); 28x28 input.
// - DenseNet (d2l 8.7): four dense blocks of four conv blocks (growth rate 32) joined by transition
//   blocks that halve channels and size, 96x96 input.

import { Module } from '../nn/module.js';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, Sigmoid,
} from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { cat } from '../ops/movement.js';

/** LeNet-5 in d2l's layout with ReLU and max pooling, for 28x28 images (d2l 7.6, modernized). */
export function lenet(inChannels = 1): Sequential {
  return new Sequential(
    new Conv2d(inChannels, 6, 5, { padding: 2 }), new ReLU(), new MaxPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2, { stride: 2 }),
    new Flatten(), new Linear(16 * 5 * 5, 120), new ReLU(), new Linear(120, 84), new ReLU(), new Linear(84, 10),
  );
}

/** LeNet-5 as d2l 7.6 prints it: sigmoid and average pooling, for 28x28 images. */
export function lenetClassic(inChannels = 1): Sequential {
  return new Sequential(
    new Conv2d(inChannels, 6, 5, { padding: 2 }), new Sigmoid(), new AvgPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5), new Sigmoid(), new AvgPool2d(2, { stride: 2 }),
    new Flatten(), new Linear(16 * 5 * 5, 120), new Sigmoid(), new Linear(120, 84), new Sigmoid(), new Linear(84, 10),
  );
}

/** AlexNet in d2l 8.1's layout, for 224x224 images and 10 classes. */
export function alexnet(inChannels = 1): Sequential {
  return new Sequential(
    new Conv2d(inChannels, 96, 11, { stride: 4, padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
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

/** VGG-11 in d2l 8.2's layout, for 224x224 images and 10 classes. */
export function vgg11(inChannels = 1): Sequential {
  const arch: [number, number][] = [[1, 64], [1, 128], [2, 256], [2, 512], [2, 512]];
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

/** ResNet-18 in d2l 8.6's layout (not torchvision's), for 96x96 images and 10 classes. */
export function resnet18(inChannels = 1): Sequential {
  return new Sequential(
    new Sequential(new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3 }), new BatchNorm2d(64), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 })),
    resnetStage(64, 64, 2, true),
    resnetStage(64, 128, 2),
    resnetStage(128, 256, 2),
    resnetStage(256, 512, 2),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(512, 10),
  );
}

/** d2l's nin_block: a convolution, then two 1x1 convolutions (per-pixel MLP), each with ReLU. */
function ninBlock(inChannels: number, outChannels: number, kernelSize: number, stride: number, padding: number): Sequential {
  return new Sequential(
    new Conv2d(inChannels, outChannels, kernelSize, { stride, padding }), new ReLU(),
    new Conv2d(outChannels, outChannels, 1), new ReLU(),
    new Conv2d(outChannels, outChannels, 1), new ReLU(),
  );
}

/** NiN in d2l 8.3's layout (global average pooling, no Linear), for 224x224 images and 10 classes. */
export function nin(inChannels = 1): Sequential {
  return new Sequential(
    ninBlock(inChannels, 96, 11, 4, 0), new MaxPool2d(3, { stride: 2 }),
    ninBlock(96, 256, 5, 1, 2), new MaxPool2d(3, { stride: 2 }),
    ninBlock(256, 384, 3, 1, 1), new MaxPool2d(3, { stride: 2 }),
    new Dropout(0.5),
    // One channel per class, averaged over the image: no fully connected layer.
    ninBlock(384, 10, 3, 1, 1),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
  );
}

/**
 * d2l's Inception block: four parallel paths (1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max-pool then
 * 1x1) concatenated on the channels. ReLU is functional, as in d2l.
 */
export class Inception extends Module {
  p1_1: Conv2d;
  p2_1: Conv2d;
  p2_2: Conv2d;
  p3_1: Conv2d;
  p3_2: Conv2d;
  p4_1: MaxPool2d;
  p4_2: Conv2d;
  constructor(inChannels: number, c1: number, c2: [number, number], c3: [number, number], c4: number) {
    super();
    this.p1_1 = new Conv2d(inChannels, c1, 1);
    this.p2_1 = new Conv2d(inChannels, c2[0], 1);
    this.p2_2 = new Conv2d(c2[0], c2[1], 3, { padding: 1 });
    this.p3_1 = new Conv2d(inChannels, c3[0], 1);
    this.p3_2 = new Conv2d(c3[0], c3[1], 5, { padding: 2 });
    this.p4_1 = new MaxPool2d(3, { stride: 1, padding: 1 });
    this.p4_2 = new Conv2d(inChannels, c4, 1);
  }
  override forward(x: Tensor): Tensor {
    const p1 = this.p1_1.call(x).relu();
    const p2 = this.p2_2.call(this.p2_1.call(x).relu()).relu();
    const p3 = this.p3_2.call(this.p3_1.call(x).relu()).relu();
    const p4 = this.p4_2.call(this.p4_1.call(x)).relu();
    return cat([p1, p2, p3, p4], 1);
  }
}

/** GoogLeNet in d2l 8.4's layout (nine Inception blocks), for 96x96 images and 10 classes. */
export function googlenet(inChannels = 1): Sequential {
  const b1 = new Sequential(new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3 }), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 }));
  const b2 = new Sequential(
    new Conv2d(64, 64, 1), new ReLU(),
    new Conv2d(64, 192, 3, { padding: 1 }), new ReLU(),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b3 = new Sequential(
    new Inception(192, 64, [96, 128], [16, 32], 32),
    new Inception(256, 128, [128, 192], [32, 96], 64),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b4 = new Sequential(
    new Inception(480, 192, [96, 208], [16, 48], 64),
    new Inception(512, 160, [112, 224], [24, 64], 64),
    new Inception(512, 128, [128, 256], [24, 64], 64),
    new Inception(512, 112, [144, 288], [32, 64], 64),
    new Inception(528, 256, [160, 320], [32, 128], 128),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b5 = new Sequential(
    new Inception(832, 256, [160, 320], [32, 128], 128),
    new Inception(832, 384, [192, 384], [48, 128], 128),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
  );
  return new Sequential(b1, b2, b3, b4, b5, new Linear(1024, 10));
}

/** LeNet with batch normalization after every convolution and hidden Linear (d2l 8.5, concise). */
export function lenetBatchNorm(inChannels = 1): Sequential {
  return new Sequential(
    new Conv2d(inChannels, 6, 5), new BatchNorm2d(6), new Sigmoid(), new AvgPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5), new BatchNorm2d(16), new Sigmoid(), new AvgPool2d(2, { stride: 2 }),
    new Flatten(),
    new Linear(256, 120), new BatchNorm1d(120), new Sigmoid(),
    new Linear(120, 84), new BatchNorm1d(84), new Sigmoid(),
    new Linear(84, 10),
  );
}

/** d2l's conv_block of DenseNet: BatchNorm, ReLU, 3x3 convolution (pre-activation). */
function denseConvBlock(inChannels: number, numChannels: number): Sequential {
  return new Sequential(new BatchNorm2d(inChannels), new ReLU(), new Conv2d(inChannels, numChannels, 3, { padding: 1 }));
}

/** d2l's DenseBlock: each conv_block's output is concatenated onto its input on the channels. */
export class DenseBlock extends Module {
  net: Sequential;
  constructor(numConvs: number, inChannels: number, numChannels: number) {
    super();
    const blocks: Module[] = [];
    for (let i = 0; i < numConvs; i++) blocks.push(denseConvBlock(numChannels * i + inChannels, numChannels));
    this.net = new Sequential(...blocks);
  }
  override forward(x: Tensor): Tensor {
    for (const blk of this.net) x = cat([x, blk.call(x) as Tensor], 1);
    return x;
  }
}

/** d2l's transition_block: BatchNorm, ReLU, 1x1 convolution to fewer channels, 2x2 average pooling. */
function transitionBlock(inChannels: number, numChannels: number): Sequential {
  return new Sequential(new BatchNorm2d(inChannels), new ReLU(), new Conv2d(inChannels, numChannels, 1), new AvgPool2d(2, { stride: 2 }));
}

/** DenseNet in d2l 8.7's layout (4 dense blocks of 4 convolutions, growth 32), for 96x96 images and 10 classes. */
export function densenet(inChannels = 1): Sequential {
  const b1 = new Sequential(new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3 }), new BatchNorm2d(64), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 }));
  let numChannels = 64;
  const growthRate = 32;
  const numConvsInDenseBlocks = [4, 4, 4, 4];
  const blks: Module[] = [];
  numConvsInDenseBlocks.forEach((numConvs, i) => {
    blks.push(new DenseBlock(numConvs, numChannels, growthRate));
    numChannels += numConvs * growthRate;
    if (i !== numConvsInDenseBlocks.length - 1) {
      blks.push(transitionBlock(numChannels, Math.floor(numChannels / 2)));
      numChannels = Math.floor(numChannels / 2);
    }
  });
  return new Sequential(b1, ...blks, new BatchNorm2d(numChannels), new ReLU(), new AdaptiveAvgPool2d([1, 1]), new Flatten(), new Linear(numChannels, 10));
}
