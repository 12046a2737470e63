/// <reference types="node" />
// torchvision.utils.save_image for Node: a tensor (or batch, laid out with makeGrid) written as a
// PNG with pngjs; and savePredictions, d2l's predict_ch3 as a file: each image over a strip that
// is green where the prediction is right and red where it is wrong, with the true and predicted
// labels of every cell in a JSON sidecar next to the PNG.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import { Image } from './image.js';
import { makeGrid, toImage, type MakeGridOptions } from './grid.js';

/** PNG bytes of an 8-bit image (gray, gray+alpha, RGB or RGBA). */
export function encodePng(img: Image): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  const n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const c = img.channels;
    const px = img.data.subarray(p * c, p * c + c);
    const [r, g, b, a] = c === 1 ? [px[0], px[0], px[0], 255] : c === 2 ? [px[0], px[0], px[0], px[1]] : c === 3 ? [px[0], px[1], px[2], 255] : [px[0], px[1], px[2], px[3]];
    png.data[4 * p] = r;
    png.data[4 * p + 1] = g;
    png.data[4 * p + 2] = b;
    png.data[4 * p + 3] = a;
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** Read a PNG into an RGBA Image. */
export function readPng(path: string): Image {
  const png = PNG.sync.read(readFileSync(path));
  return new Image(new Uint8Array(png.data), png.height, png.width, 4);
}

function write(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/**
 * save_image(tensor, fp, **make_grid kwargs): float images in [0, 1], (C, H, W) or a batch
 * (B, C, H, W) laid out with makeGrid; an 8-bit Image is written as it is.
 */
export function saveImage(x: Tensor | readonly Tensor[] | Image, path: string, options: MakeGridOptions = {}): void {
  write(path, encodePng(x instanceof Image ? x : toImage(makeGrid(x, options))));
}

/** One cell of a predictions grid: the example's index, its row and column, the true and predicted labels, and whether they agree. */
export interface PredictionCell {
  index: number;
  row: number;
  col: number;
  true: string;
  pred: string;
  correct: boolean;
}

/** Options of `savePredictions`: classes (the label names), nrow, strip, normalize. */
export interface SavePredictionsOptions {
  /** Label names by class index (e.g. getFashionMnistLabels' names); default the indices. */
  classes?: readonly string[];
  /** Images per row (default 8). */
  nrow?: number;
  /** Height of the coloured strip under each image (default 4 pixels). */
  strip?: number;
  normalize?: boolean;
}

/**
 * d2l's predict_ch3 to a file: writes `path` (the images in a grid, each over a green or red strip)
 * and `${path minus .png}.json` ({ cells: [{ index, row, col, true, pred, correct }], accuracy }).
 * Returns the cells; `true\npred` is the caption d2l prints over each image.
 */
export function savePredictions(
  images: Tensor,
  trueLabels: ArrayLike<number> | Tensor,
  predLabels: ArrayLike<number> | Tensor,
  path: string,
  options: SavePredictionsOptions = {},
): PredictionCell[] {
  const x = images.ndim === 3 ? images.unsqueeze(1) : images;
  if (x.ndim !== 4) throw new RangeError(`savePredictions: expected (B, C, H, W) or (B, H, W) images, got [${images.shape.join(', ')}]`);
  const [b, c, h, w] = x.shape;
  const truth = Array.from(trueLabels instanceof Tensor ? trueLabels.toTypedArray() : trueLabels);
  const pred = Array.from(predLabels instanceof Tensor ? predLabels.toTypedArray() : predLabels);
  if (truth.length !== b || pred.length !== b) throw new RangeError(`savePredictions: ${b} images but ${truth.length} true and ${pred.length} predicted labels`);
  const name = (i: number) => options.classes?.[i] ?? String(i);
  const strip = options.strip ?? 4;
  // Each image gets `strip` extra rows under it, coloured by correctness (RGB).
  const plane = (h + strip) * w;
  const out = new Float64Array(b * 3 * plane);
  const src = Float64Array.from(x.contiguous().toTypedArray());
  let lo = 0;
  let hi = 1;
  if (options.normalize) {
    lo = Math.min(...src);
    hi = Math.max(...src);
  }
  const span = Math.max(hi - lo, 1e-5);
  for (let k = 0; k < b; k++) {
    const ok = truth[k] === pred[k];
    for (let ch = 0; ch < 3; ch++) {
      const srcCh = c === 1 ? 0 : ch;
      for (let p = 0; p < h * w; p++) out[(k * 3 + ch) * plane + p] = (src[(k * c + srcCh) * h * w + p] - lo) / span;
      const colour = ok ? [0.1, 0.75, 0.2][ch] : [0.9, 0.1, 0.1][ch];
      out.fill(colour, (k * 3 + ch) * plane + h * w, (k * 3 + ch + 1) * plane);
    }
  }
  const nrow = options.nrow ?? 8;
  const grid = makeGrid(wrap(out, [b, 3, h + strip, w], 'float64'), { nrow, padValue: 1 });
  write(path, encodePng(toImage(grid)));
  const cells = truth.map((t, k) => ({ index: k, row: Math.floor(k / nrow), col: k % nrow, true: name(t), pred: name(pred[k]), correct: t === pred[k] }));
  const accuracy = cells.filter((cell) => cell.correct).length / b;
  write(path.replace(/\.png$/i, '') + '.json', new TextEncoder().encode(JSON.stringify({ nrow, accuracy, cells }, null, 1) + '\n'));
  return cells;
}
