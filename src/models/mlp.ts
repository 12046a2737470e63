// Multilayer perceptrons: the two notebook models and `mlp:<widths>`.

import { Flatten, Linear, ReLU, Sequential } from '../nn/index.js';
import type { Module } from '../nn/module.js';

/** Linear layers of the given widths with a ReLU between each pair: mlp([784, 128, 10]). */
export function mlp(widths: readonly number[], options: { flatten?: boolean } = {}): Sequential {
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w <= 0)) {
    throw new RangeError(`an MLP needs at least two positive integer widths, got [${widths.join(', ')}]`);
  }
  const layers: Module[] = options.flatten ? [new Flatten()] : [];
  for (let i = 0; i + 1 < widths.length; i++) {
    if (i > 0) layers.push(new ReLU());
    layers.push(new Linear(widths[i], widths[i + 1]));
  }
  return new Sequential(...layers);
}

/** The course's MNIST MLP: Flatten, Linear(784, 128), ReLU, Linear(128, 10); 101,770 parameters. */
export const mnistMlp = (): Sequential => mlp([784, 128, 10], { flatten: true });

/** The course's CIFAR-10 MLP: Flatten, Linear(3072, 128), ReLU, Linear(128, 10); 394,634 parameters. */
export const cifarMlp = (): Sequential => mlp([3 * 32 * 32, 128, 10], { flatten: true });
