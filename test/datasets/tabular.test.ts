// Tabular preprocessing (d2l's Kaggle house-price pipeline) on small CSVs the test writes, against
// the values tools/fixtures/data_more.py computes with numpy; and d2l's synthetic regression data.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { manualSeed, setBackend, tensor } from '../../src/index.js';
import { readCsv, concatRows, standardize, imputeMean, fillNa, getDummies, meanStd, DataFrame, getKFoldData } from '../../src/data/index.js';
import { readHousePrices, preprocessHousePrices, syntheticData, KAGGLE_HOUSE_TRAIN, KAGGLE_HOUSE_TEST } from '../../src/datasets/index.js';
import { Generator } from '../../src/random/generator.js';
import { assertClose, backendsUnderTest } from '../helpers.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/data_more.json', import.meta.url), 'utf8')) as {
  house: { train_csv: string; test_csv: string; columns: string[]; train_features: number[]; test_features: number[]; train_features64: number[]; train_labels: number[] };
  synthetic: { seed: number; w: number[]; b: number; n: number; X: number[]; y: number[] };
};

test('readCsv: pandas-like dtypes (numeric unless a value is text), NA markers, quoted fields', () => {
  const df = readCsv('a,b,c,d\n1,x,"2,5",NA\n2.5,NA,,7\n');
  assert.deepEqual(df.shape, [2, 4]);
  assert.deepEqual(df.numericColumns, ['a', 'd']);
  assert.deepEqual(Array.from(df.col('a') as Float64Array), [1, 2.5]);
  assert.deepEqual(df.col('b'), ['x', null]);
  assert.deepEqual(df.col('c'), ['2,5', null]);
  assert.ok(Number.isNaN((df.col('d') as Float64Array)[0]));
  assert.throws(() => readCsv('a,b\n1\n', { name: 'bad.csv' }), /bad\.csv: row 1 has 1 fields, the header has 2/);
  assert.throws(() => df.toTensor(), /column 'b' is not numeric; one-hot encode it first/);
});

test('the transforms one by one: standardize (ddof=1, NaN skipped), imputeMean, fillNa, getDummies order', () => {
  const df = new DataFrame([
    ['x', Float64Array.from([1, 2, NaN, 5])],
    ['k', ['b', null, 'a', 'b']],
    ['y', Float64Array.from([0, 0, 0, 4])],
  ]);
  const { mean, std } = meanStd(df.col('x') as Float64Array);
  assert.equal(mean, 8 / 3);
  assert.equal(std, Math.sqrt(((1 - 8 / 3) ** 2 + (2 - 8 / 3) ** 2 + (5 - 8 / 3) ** 2) / 2));
  const z = standardize(df, ['x']).col('x') as Float64Array;
  assertClose([z[0], z[1], z[3]], [(1 - mean) / std, (2 - mean) / std, (5 - mean) / std], 1e-15, 0);
  assert.ok(Number.isNaN(z[2]));
  assert.deepEqual(Array.from(imputeMean(df).col('x') as Float64Array), [1, 2, 8 / 3, 5]);
  assert.deepEqual(Array.from(fillNa(df, 0).col('x') as Float64Array), [1, 2, 0, 5]);
  const d = getDummies(df, { dummyNa: true });
  assert.deepEqual(d.columns, ['x', 'y', 'k_a', 'k_b', 'k_nan']);
  assert.deepEqual(Array.from(d.col('k_b') as Float64Array), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(d.col('k_nan') as Float64Array), [0, 1, 0, 0]);
  assert.deepEqual(getDummies(df).columns, ['x', 'y', 'k_a', 'k_b']);
  assert.equal(concatRows([df, df]).length, 8);
});

test('house prices: d2l preprocessing of CSV files on disk equals pandas (numpy reference)', () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-house-'));
  try {
    const h = fx.house;
    writeFileSync(join(root, 'train.csv'), h.train_csv);
    writeFileSync(join(root, 'test.csv'), h.test_csv);
    const train = readCsv(readFileSync(join(root, 'train.csv'), 'utf8'));
    const testDf = readCsv(readFileSync(join(root, 'test.csv'), 'utf8'));
    const out = preprocessHousePrices(train, testDf);
    assert.deepEqual(out.columns, h.columns);
    assert.deepEqual(out.trainFeatures.shape, [5, h.columns.length]);
    assert.deepEqual(out.testFeatures.shape, [3, h.columns.length]);
    assert.equal(out.trainFeatures.dtype, 'float32');
    assertClose(out.trainFeatures.toTypedArray(), h.train_features, 1e-6, 1e-7, 'train features');
    assertClose(out.testFeatures.toTypedArray(), h.test_features, 1e-6, 1e-7, 'test features');
    assert.deepEqual(Array.from(out.trainLabels.toTypedArray()), h.train_labels);
    assert.deepEqual(out.trainLabels.shape, [5, 1]);
    assert.deepEqual(out.testIds, [6, 7, 8]);
    // k-fold on the result (d2l.get_k_fold_data): 5 rows, k = 5, fold 2 validates row 2.
    const fold = getKFoldData(5, 2, out.trainFeatures, out.trainLabels);
    assert.deepEqual(fold.xValid.shape, [1, h.columns.length]);
    assert.deepEqual(Array.from(fold.yValid.toTypedArray()), [h.train_labels[2]]);
    // The real files are looked for under the root and fail clearly when absent.
    assert.throws(() => readHousePrices({ root }), /kaggle_house_pred_train\.csv not found[\s\S]*put it at .*kaggle_house_pred_train\.csv \(sha1 585e9cc93e70b39160e7921475f9bcd7d31219ce\)/);
    assert.equal(KAGGLE_HOUSE_TEST.sha1, 'fa19780a7b011d9b009e8bff8e99922a8ee2eb90');
    assert.equal(KAGGLE_HOUSE_TRAIN.urls[0], 'http://d2l-data.s3-accelerate.amazonaws.com/kaggle_house_pred_train.csv');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const backend of backendsUnderTest()) {
  describe(`synthetic_data (backend ${backend})`, () => {
    before(() => setBackend(backend));

    test('d2l.synthetic_data after manual_seed equals PyTorch', () => {
      const s = fx.synthetic;
      manualSeed(s.seed);
      const [x, y] = syntheticData(s.w, s.b, s.n);
      assert.deepEqual(x.shape, [s.n, 2]);
      assert.deepEqual(y.shape, [s.n, 1]);
      assert.deepEqual(Array.from(x.toTypedArray()), s.X, 'X bitwise (float32 normals)');
      assertClose(y.toTypedArray(), s.y, 1e-6, 1e-6, 'y');
      // A seeded generator is reproducible and independent of the global one.
      const [a] = syntheticData(tensor(s.w), s.b, 4, { generator: new Generator(7) });
      const [b] = syntheticData(s.w, s.b, 4, { generator: new Generator(7) });
      assert.deepEqual(Array.from(a.toTypedArray()), Array.from(b.toTypedArray()));
    });
  });
}
