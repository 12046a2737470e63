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
/** d2l's copy of the Kaggle house prices test.csv, with its checksum. */
export const KAGGLE_HOUSE_TEST = d2lHubFile('kaggle_house_pred_test.csv', 'fa19780a7b011d9b009e8bff8e99922a8ee2eb90');

/** Options of the house prices readers: root, source, download. */
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

/**
 * The user's own Kaggle CSVs (`--train FILE --test FILE`). A file that carries d2l's name must be
 * d2l's file (checked by SHA-1, as a download is); any other file is read with a notice, and its
 * columns are checked (validateHousePrices) so a wrong file fails naming its row and column.
 */
export function readHousePricesFiles(
  paths: { train: string; test: string },
  options: { source?: FileSource } = {},
): { train: DataFrame; test: DataFrame; notices: string[] } {
  const source = options.source ?? getDefaultFileSource();
  if (!source.readUserFile) throw new Error('house prices: this file source cannot read files by path');
  const notices: string[] = [];
  const read = (path: string, known: RemoteFile) => {
    const { bytes, sha1 } = source.readUserFile!(path);
    const name = path.split(/[\\/]/).pop()!;
    if (sha1 === known.sha1) notices.push(`${path}: d2l's ${known.path} (sha1 verified)`);
    else if (name === known.path) {
      throw new Error(`${path}: checksum mismatch for d2l's ${known.path}: expected sha1 ${known.sha1}, got ${sha1}. The file is corrupt or incomplete; delete it and fetch it again (dlab data house-prices).`);
    } else notices.push(`${path}: not d2l's ${known.path} (sha1 ${sha1}); read as your own Kaggle-layout CSV`);
    return readCsv(decoder.decode(bytes), { name: path });
  };
  const train = read(paths.train, KAGGLE_HOUSE_TRAIN);
  const test = read(paths.test, KAGGLE_HOUSE_TEST);
  validateHousePrices(train, test, { trainName: paths.train, testName: paths.test });
  return { train, test, notices };
}

/**
 * Checks that two tables have the Kaggle layout: train is Id, features, SalePrice (a positive
 * number in every row); test is Id and the same features; every Id a number. Errors name the
 * file, the row (1 = the first line after the header) and the column.
 */
export function validateHousePrices(
  train: DataFrame,
  test: DataFrame,
  options: { label?: string; id?: string; trainName?: string; testName?: string } = {},
): void {
  const label = options.label ?? 'SalePrice';
  const id = options.id ?? 'Id';
  const trainName = options.trainName ?? 'train';
  const testName = options.testName ?? 'test';
  for (const [frame, name, needed] of [[train, trainName, [id, label]], [test, testName, [id]]] as const) {
    for (const column of needed) {
      if (!frame.columns.includes(column)) throw new Error(`${name}: no column '${column}' (columns: ${frame.columns.join(', ')}); a Kaggle house-prices file has ${id}, the features${frame === train ? `, ${label}` : ''}`);
    }
  }
  const features = train.columns.filter((c) => c !== id && c !== label);
  const testFeatures = test.columns.filter((c) => c !== id);
  const missing = features.filter((c) => !testFeatures.includes(c));
  const extra = testFeatures.filter((c) => !features.includes(c));
  if (missing.length || extra.length) {
    throw new Error(`${testName}: its feature columns differ from ${trainName}'s` + (missing.length ? `; missing: ${missing.join(', ')}` : '') + (extra.length ? `; not in ${trainName}: ${extra.join(', ')}` : ''));
  }
  const check = (frame: DataFrame, name: string, column: string, ok: (v: number) => boolean, expected: string) => {
    const col = frame.col(column);
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      const value = typeof v === 'number' ? v : v === null ? NaN : Number(v);
      if (!ok(value)) throw new Error(`${name}: row ${i + 1}, column ${column}: expected ${expected}, but got '${v === null || Number.isNaN(v) ? '' : v}'`);
    }
  };
  check(train, trainName, label, (v) => Number.isFinite(v) && v > 0, 'a positive number (a sale price)');
  check(train, trainName, id, Number.isFinite, 'a number (an id)');
  check(test, testName, id, Number.isFinite, 'a number (an id)');
}

/** The house prices as tensors after d2l's preprocessing: train features and labels, test features, the column names and the test ids. */
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
