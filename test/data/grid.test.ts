// makeGrid (torchvision.utils.make_grid semantics), saveImage PNGs read back, savePredictions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Tensor } from '../../src/index.js';
import { wrap } from '../../src/ops/function.js';
import { makeGrid, toImage, Image } from '../../src/data/index.js';
import { saveImage, savePredictions, readPng, encodePng } from '../../src/data/save_image.node.js';

const values = (t: Tensor) => Array.from(t.toTypedArray());
const t = (data: number[], shape: number[]) => wrap(Float32Array.from(data), shape, 'float32');

test('makeGrid: rows of nrow, padding around and between, gray becomes RGB, a single image is returned as is', () => {
  // Three 1x2x2 images, nrow 2, padding 1: a 7x7 grid with two rows.
  const x = t([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((v) => v / 12), [3, 1, 2, 2]);
  const g = makeGrid(x, { nrow: 2, padding: 1, padValue: 0.5 });
  assert.deepEqual(g.shape, [3, 7, 7]);
  const at = (c: number, y: number, xx: number) => values(g)[(c * 7 + y) * 7 + xx];
  assert.equal(at(0, 0, 0), 0.5);
  assert.equal(at(0, 1, 1), Math.fround(1 / 12));
  assert.equal(at(2, 2, 2), Math.fround(4 / 12), 'channels repeated');
  assert.equal(at(0, 1, 4), Math.fround(5 / 12), 'second image after one padding column');
  assert.equal(at(0, 4, 1), Math.fround(9 / 12), 'third image on the second row');
  assert.equal(at(0, 4, 4), 0.5, 'the empty cell is padding');
  // normalize by min/max over the batch, or per image.
  const n = makeGrid(t([2, 4, 6, 8], [2, 1, 1, 2]), { padding: 0, normalize: true });
  assert.deepEqual(values(n).slice(0, 4), [0, 1 / 3, 2 / 3, 1].map(Math.fround));
  const each = makeGrid(t([2, 4, 6, 8], [2, 1, 1, 2]), { padding: 0, normalize: true, scaleEach: true });
  assert.deepEqual(values(each).slice(0, 4), [0, 1, 0, 1]);
  const one = makeGrid(t([0.25, 0.5], [1, 1, 2]));
  assert.deepEqual(one.shape, [3, 1, 2]);
  // A list of (C, H, W) tensors works too.
  assert.deepEqual(makeGrid([t([0], [1, 1, 1]), t([1], [1, 1, 1])], { padding: 0 }).shape, [3, 1, 2]);
});

test('toImage: save_image rounding (x * 255 + 0.5, clamped), channels last', () => {
  const img = toImage(t([0, 0.5, 1.2, -0.1, 0.2, 0.3], [3, 1, 2]));
  assert.deepEqual([img.height, img.width, img.channels], [1, 2, 3]);
  assert.deepEqual(Array.from(img.data), [0, 255, 51, 128, 0, 77]);
});

test('saveImage writes a PNG that reads back to the same pixels; savePredictions writes the grid and its labels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-png-'));
  try {
    const x = t(Array.from({ length: 2 * 1 * 3 * 4 }, (_, i) => i / 23), [2, 1, 3, 4]);
    const path = join(dir, 'sub', 'grid.png');
    saveImage(x, path, { nrow: 2, padding: 1 });
    const back = readPng(path);
    const expected = toImage(makeGrid(x, { nrow: 2, padding: 1 }));
    assert.deepEqual([back.height, back.width], [expected.height, expected.width]);
    for (let p = 0; p < back.height * back.width; p++) {
      assert.deepEqual(Array.from(back.data.subarray(4 * p, 4 * p + 3)), Array.from(expected.data.subarray(3 * p, 3 * p + 3)));
    }
    assert.deepEqual(Array.from(readFileSync(path).subarray(1, 4)), [0x50, 0x4e, 0x47], 'PNG signature');
    // An 8-bit Image is written as it is.
    const gray = new Image(new Uint8Array([0, 100, 200, 255]), 2, 2, 1);
    assert.ok(encodePng(gray).length > 0);
    saveImage(gray, join(dir, 'gray.png'));
    assert.deepEqual(Array.from(readPng(join(dir, 'gray.png')).data.filter((_, i) => i % 4 === 0)), [0, 100, 200, 255]);

    const cells = savePredictions(x, [3, 7], [3, 1], join(dir, 'pred.png'), { classes: ['a', 'b', 'c', 'dress', 'e', 'f', 'g', 'sneaker'] });
    assert.deepEqual(cells.map((c) => [c.true, c.pred, c.correct]), [['dress', 'dress', true], ['sneaker', 'b', false]]);
    const sidecar = JSON.parse(readFileSync(join(dir, 'pred.json'), 'utf8')) as { accuracy: number; cells: unknown[] };
    assert.equal(sidecar.accuracy, 0.5);
    const png = readPng(join(dir, 'pred.png'));
    // Image 0 is 3 rows + a 4-row strip: the strip under a right prediction is green, under a wrong one red.
    const px = (y: number, xx: number) => Array.from(png.data.subarray(4 * (y * png.width + xx), 4 * (y * png.width + xx) + 3));
    assert.deepEqual(png.height, 2 + 3 + 4 + 2);
    const [r1, g1] = px(2 + 3 + 1, 2 + 1);
    assert.ok(g1 > 150 && r1 < 50, 'green strip');
    const [r2, g2] = px(2 + 3 + 1, 2 + 4 + 2 + 1);
    assert.ok(r2 > 200 && g2 < 50, 'red strip');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
