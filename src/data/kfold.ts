// K-fold cross-validation splits, as d2l's get_k_fold_data (the Kaggle house-price chapter):
// k consecutive folds of floor(n / k) rows; fold i validates, the rest (in order) trains. The
// n % k rows left at the end are in no fold, as in d2l.

import type { Tensor } from '../tensor/tensor.js';
import { cat } from '../ops/movement.js';

/** One fold of `getKFoldData` / `kFold`: the training rows and the validation rows (d2l's `get_k_fold_data`). */
export interface KFoldSplit {
  xTrain: Tensor;
  yTrain: Tensor;
  xValid: Tensor;
  yValid: Tensor;
}

/** Fold i of k: { xTrain, yTrain, xValid, yValid } (d2l.get_k_fold_data(k, i, X, y)). */
export function getKFoldData(k: number, i: number, x: Tensor, y: Tensor): KFoldSplit {
  if (!Number.isInteger(k) || k <= 1) throw new RangeError(`k-fold needs an integer k > 1, got ${k}`);
  if (!Number.isInteger(i) || i < 0 || i >= k) throw new RangeError(`fold index ${i} is out of range for k=${k}`);
  if (x.shape[0] !== y.shape[0]) throw new RangeError(`X has ${x.shape[0]} rows but y has ${y.shape[0]}`);
  const foldSize = Math.floor(x.shape[0] / k);
  if (foldSize === 0) throw new RangeError(`k=${k} folds need at least ${k} rows, got ${x.shape[0]}`);
  const xs: Tensor[] = [];
  const ys: Tensor[] = [];
  let xValid = x;
  let yValid = y;
  for (let j = 0; j < k; j++) {
    const xPart = x.narrow(0, j * foldSize, foldSize);
    const yPart = y.narrow(0, j * foldSize, foldSize);
    if (j === i) {
      xValid = xPart;
      yValid = yPart;
    } else {
      xs.push(xPart);
      ys.push(yPart);
    }
  }
  return { xTrain: cat(xs, 0), yTrain: cat(ys, 0), xValid, yValid };
}

/** All k folds in order: for (const { xTrain, ... } of kFold(5, X, y)). */
export function* kFold(k: number, x: Tensor, y: Tensor): Generator<KFoldSplit & { fold: number }> {
  for (let i = 0; i < k; i++) yield { fold: i, ...getKFoldData(k, i, x, y) };
}
