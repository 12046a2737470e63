// The first N MNIST training and test images, normalized as the MNIST experiments train on them:
// the small, quick data sets the course experiments (regularization, distill) compare models on.

import { Subset, transforms, type Dataset, type Image } from '../data/index.js';
import { MNIST } from '../datasets/mnist.js';
import type { Tensor } from '../tensor/tensor.js';

const normalize = () => new transforms.Compose<Image, Tensor>([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);
const first = <T>(data: Dataset<T> & { length: number }, n: number) => (n < data.length ? new Subset(data, Array.from({ length: n }, (_, i) => i)) : data);

export function mnistSubsets(trainSize: number, testSize: number): { train: Dataset<[Tensor, number]>; test: Dataset<[Tensor, number]> } {
  return {
    train: first(new MNIST<Tensor>({ train: true, transform: normalize() }), trainSize),
    test: first(new MNIST<Tensor>({ train: false, transform: normalize() }), testSize),
  };
}
