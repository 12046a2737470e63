// d2l's Kaggle house prices (chapter 5.7 / 4.10): the two CSVs from d2l's mirror, SHA-1 checked,
// and d2l's preprocessing pipeline exactly: features of train and test together, numeric columns
// standardized (mean 0, sample std 1), their missing values then set to 0 (= the mean), and
// categoricals one-hot encoded with a NaN category (pd.get_dummies(dummy_na=True)).

import type { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import { concatRows, fillNa, getDummies, isNumeric, readCsv, standardize, type DataFrame } from '../data/tabular.js';
import type { RemoteFile } from './download.js';
import { getDefaultFileSource } from './default_source.js';
import type { FileSource, Location } from './source.js';

/** d2l.DATA_URL. */
export const D2L_DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/';

/** An entry of d2l.DATA_HUB: (DATA_URL + name, sha1), cached under its name. */
export const d2lHubFile = (path: string, sha1: string): RemoteFile => ({ path, urls: [`${D2L_DATA_URL}${path}`], sha1 });

/** d2l.DATA_HUB['kaggle_house_train'] and ['kaggle_house_test']. */
export const KAGGLE_HOUSE_TRAIN = d2lHubFile('kaggle_house_pred_train.csv', '585e9cc93e70b39160e7921475f9bcd7d31219ce');
export const KAGGLE_HOUSE_TEST = d2lHubFile('kaggle_house_pred_test.csv', 'fa19780a7b011d9b009e8bff8e99922a8ee2eb90');

export interface HousePricesOptions extends Location {
  source?: FileSource;
  /** Fetch missing files (only in the async loadHousePrices / HousePrices.create). */
  download?: boolean;
}

const decoder = new TextDecoder();

/** The raw train and test tables (1460 x 81 and 1459 x 80 for the real files). */
export function readHousePrices(options: HousePricesOptions = {}): { train: DataFrame; test: DataFrame } {
  const source = options.source ?? getDefaultFileSource('house prices');
  if (!source.readRemote) throw new Error('house prices: this file source cannot read data set files');
  const read = (f: RemoteFile) => readCsv(decoder.decode(source.readRemote!(f, options)), { name: f.path });
  return { train: read(KAGGLE_HOUSE_TRAIN), test: read(KAGGLE_HOUSE_TEST) };
}

/** readHousePrices after downloading what is missing (with download: true). */
export async function loadHousePrices(options: HousePricesOptions = {}): Promise<{ train: DataFrame; test: DataFrame }> {
  if (options.download) {
    const source = options.source ?? getDefaultFileSource('house prices');
    for (const f of [KAGGLE_HOUSE_TRAIN, KAGGLE_HOUSE_TEST]) await source.fetchRemote?.(f, options);
  }
  return readHousePrices(options);
}

export interface HousePricesData {
  /** (n_train, features) float32. */
  trainFeatures: Tensor;
  /** (n_test, features) float32. */
  testFeatures: Tensor;
  /** (n_train, 1) float32 sale prices. */
  trainLabels: Tensor;
  /** The feature names, in column order (numeric first, then the dummies). */
  columns: string[];
  /** The test set's ids (for a Kaggle submission). */
  testIds: number[];
}

/**
 * d2l's pipeline: drop the id (first column) and the label (last column of train), concatenate
 * train and test features, standardize the numeric columns, fill their NaN with 0, get_dummies
 * with dummy_na, split back and make float32 tensors.
 */
export function preprocessHousePrices(train: DataFrame, test: DataFrame, options: { label?: string; id?: string } = {}): HousePricesData {
  const label = options.label ?? 'SalePrice';
  const id = options.id ?? 'Id';
  const features = concatRows([train.drop([id, label]), test.drop([id])]);
  const numeric = features.numericColumns;
  const all = getDummies(fillNa(standardize(features, numeric), 0, numeric), { dummyNa: true });
  const n = train.length;
  const labels = train.col(label);
  if (!isNumeric(labels)) throw new TypeError(`house prices: label column '${label}' is not numeric`);
  const ids = test.col(id);
  return {
    trainFeatures: all.slice(0, n).toTensor(),
    testFeatures: all.slice(n).toTensor(),
    trainLabels: wrap(Float32Array.from(labels), [n, 1], 'float32'),
    columns: [...all.columns],
    testIds: isNumeric(ids) ? Array.from(ids) : [],
  };
}
