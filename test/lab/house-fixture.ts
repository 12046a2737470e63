// A small Kaggle-layout house-price pair the tests write: Id, two numeric features (one with gaps),
// a categorical with gaps, SalePrice = 100 + 2 A - 3 B + 15 [Zone = RL] + noise: a linear relation
// that d2l's preprocessing and a linear model can learn.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes train.csv (rows) and test.csv (rows / 2) into dir; returns their paths. */
export function writeHouseCsvs(dir: string, rows = 120): { train: string; test: string } {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const zones = ['RL', 'RM', 'FV'];
  const row = (id: number, withPrice: boolean) => {
    const a = rand() * 10;
    const b = rand() * 10;
    const zone = id % 7 === 0 ? '' : zones[Math.floor(rand() * 3)];
    const price = 100 + 2 * a - 3 * b + (zone === 'RL' ? 15 : 0) + (rand() - 0.5);
    const cells = [id, id % 5 === 0 ? 'NA' : a.toFixed(3), b.toFixed(3), zone];
    return (withPrice ? [...cells, price.toFixed(2)] : cells).join(',');
  };
  const train = join(dir, 'train.csv');
  const test = join(dir, 'test.csv');
  writeFileSync(train, ['Id,LotArea,Age,MSZoning,SalePrice', ...Array.from({ length: rows }, (_, i) => row(i + 1, true))].join('\n') + '\n');
  writeFileSync(test, ['Id,LotArea,Age,MSZoning', ...Array.from({ length: rows / 2 }, (_, i) => row(rows + i + 1, false))].join('\n') + '\n');
  return { train, test };
}
