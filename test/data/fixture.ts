// test/fixtures/data.json, written by tools/fixtures/data.py with PyTorch 1.13.

import { readFileSync } from 'node:fs';

export interface DataFixture {
  loader: { seed: number; n: number; batch_size: number; drop_last: boolean; epochs: number[][][] }[];
  loader_generator: { generator_seed: number; n: number; batch_size: number; epochs: number[][][]; default_after: string };
  samplers: Record<string, number[] | number[][] | string[]> & { weights: number[] };
  random_split: { n: number; lengths: number[]; seed: number | null; default_seed?: number; indices: number[][] }[];
  collate: { dtypes: string[]; strings: string[]; shape: number[] };
  mnist: {
    train_len: number;
    test_len: number;
    train_labels_head: number[];
    test_labels_head: number[];
    first_image_sum: number;
    first_normalized_mean: number;
    first_normalized_std: number;
    first_normalized_head: number[];
    train_pixel_mean: number;
    train_pixel_std: number;
  };
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/data.json', import.meta.url), 'utf8')) as DataFixture;
