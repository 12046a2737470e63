// A small, learnable stand-in for Fashion-MNIST, for tests of the lab's experiments: IDX files in
// torchvision's layout (root/FashionMNIST/raw/*) whose classes are easy to tell apart (class k is a
// bright vertical bar at columns 2k+4..2k+5 over a noisy background), and a FileSource that reads
// them. The real files are MD5-checked against Zalando's published sums, which no generated file
// can match, so the test installs a source that reads this root's files without the check and
// hands every other request to the Node source unchanged.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator } from '../../src/random/generator.js';
import { uniformDouble } from '../../src/random/sampling.js';
import { FashionMNIST, encodeIdx, nodeFileSource, setDefaultFileSource, type FileSource } from '../../src/datasets/index.js';

function fakeSplit(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  // dlab's own Generator, so the fake data are the same on every run.
  const gen = new Generator().manualSeed(seed);
  const rand = () => uniformDouble(gen);
  const images = new Uint8Array(n * 28 * 28);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(rand() * 10);
    labels[i] = label;
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const bar = r >= 4 && r < 24 && c >= 2 * label + 4 && c < 2 * label + 6;
        images[i * 784 + r * 28 + c] = bar ? 160 + Math.floor(rand() * 96) : Math.floor(rand() * 64);
      }
    }
  }
  return { images, labels };
}

/** Write `train` training and `test` test images under root/FashionMNIST/raw (uncompressed IDX). */
export function writeFakeFashionMnist(root: string, sizes: { train: number; test: number }): void {
  const spec = FashionMNIST.spec;
  const dir = join(root, spec.folder, 'raw');
  mkdirSync(dir, { recursive: true });
  for (const [split, n, seed] of [[spec.train, sizes.train, 1], [spec.test, sizes.test, 2]] as const) {
    const { images, labels } = fakeSplit(n, seed);
    writeFileSync(join(dir, split.images.name), encodeIdx(images, [n, 28, 28]));
    writeFileSync(join(dir, split.labels.name), encodeIdx(labels, [n]));
  }
}

/**
 * Make datasets read `root`'s raw files without their checksum (every other root goes through the
 * Node source, checks included). Returns the function that puts the Node source back.
 */
export function trustFilesUnder(root: string): () => void {
  const source: FileSource = {
    ...nodeFileSource,
    load: (request) =>
      request.root === root ? new Uint8Array(readFileSync(join(root, request.folder, 'raw', request.file.name))) : nodeFileSource.load(request),
  };
  setDefaultFileSource(source);
  return () => setDefaultFileSource(undefined);
}
