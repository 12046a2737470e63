// Resize, CenterCrop, RandomCrop, flips, RandomRotation, ColorJitter against torchvision 0.14's
// tensor code paths run with PyTorch (tools/fixtures/data_more.py).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { Tensor, getBackend, manualSeed, setBackend } from '../../src/index.js';
import { wrap } from '../../src/ops/function.js';
import { Image, transforms } from '../../src/data/index.js';
import { Generator } from '../../src/random/generator.js';
import { assertClose, backendsUnderTest } from '../helpers.js';

interface Img {
  shape: number[];
  data: number[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/data_more.json', import.meta.url), 'utf8')).transforms as {
  img: Img;
  img8: Img;
  resize: (Img & { size: number | number[] })[];
  resize8: Img & { size: number };
  center_crop: (Img & { size: number[] })[];
  random_crop: { seed: number; cases: (Img & { size: number[]; padding: number | number[] | null; pad_if_needed: boolean; mode: string })[] };
  hflip: { seed: number; p: number; flips: boolean[] };
  rotation: { seed: number; degrees: number; angle: number; data: number[]; rot37: number[]; rot90_8: number[]; rot30_64: number[]; rot37_fill: number[] };
  color_jitter: { seed: number; order: number[]; factors: number[]; data: number[]; data8: number[] };
};

const img = wrap(Float32Array.from(fx.img.data), fx.img.shape, 'float32');
const img8 = wrap(Int32Array.from(fx.img8.data), fx.img8.shape, 'int32');
const values = (t: Tensor) => Array.from(t.toTypedArray());

/** The (C, H, W) byte tensor as an 8-bit HWC Image. */
function toImage8(t: Tensor): Image {
  const [c, h, w] = t.shape;
  const v = t.toTypedArray();
  const out = new Uint8Array(c * h * w);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) out[p * c + ch] = v[ch * h * w + p];
  return new Image(out, h, w, c);
}

test('Resize: smaller edge for an int, exact for [h, w], bilinear as F.interpolate', () => {
  for (const r of fx.resize) {
    const y = new transforms.Resize(r.size).call(img);
    assert.deepEqual(y.shape, r.shape, `size ${JSON.stringify(r.size)}`);
    assertClose(values(y), r.data, 1e-5, 1e-6, `Resize(${JSON.stringify(r.size)})`);
  }
  assert.deepEqual(transforms.resizedSize(7, 9, 4), [4, 5]);
  assert.deepEqual(transforms.resizedSize(28, 28, 224), [224, 224]);
  assert.deepEqual(transforms.resizedSize(300, 200, 100, 120), [120, 80]);
  // Integer images are rounded back (torch.round): the same bytes as PyTorch, via a tensor and via an Image.
  const y8 = new transforms.Resize(fx.resize8.size).call(img8);
  assert.deepEqual(y8.shape, fx.resize8.shape);
  assert.deepEqual(values(y8), fx.resize8.data);
  const im = new transforms.Resize(4).call(toImage8(img8));
  assert.deepEqual([im.height, im.width], fx.resize8.shape.slice(1));
  assert.deepEqual(Array.from(toChw(im)), fx.resize8.data);
});

function toChw(im: Image): Uint8Array {
  const out = new Uint8Array(im.data.length);
  const plane = im.height * im.width;
  for (let p = 0; p < plane; p++) for (let ch = 0; ch < im.channels; ch++) out[ch * plane + p] = im.data[p * im.channels + ch];
  return out;
}

test('CenterCrop: the middle (Python rounding), padded with zeros when the crop is larger', () => {
  for (const c of fx.center_crop) {
    const y = new transforms.CenterCrop(c.size).call(img);
    assert.deepEqual(y.shape, c.shape);
    assert.deepEqual(values(y), c.data.map(Math.fround), `CenterCrop(${c.size})`);
  }
});

test('RandomCrop: torch.randint picks the same places after manualSeed; padding and padIfNeeded', () => {
  manualSeed(fx.random_crop.seed);
  for (const c of fx.random_crop.cases) {
    const t = new transforms.RandomCrop(c.size, {
      padding: c.padding ?? undefined,
      padIfNeeded: c.pad_if_needed,
      paddingMode: c.mode as transforms.PaddingMode,
    });
    const y = t.call(img);
    assert.deepEqual(y.shape, c.shape);
    assert.deepEqual(values(y), c.data.map(Math.fround), `RandomCrop(${c.size}, padding=${JSON.stringify(c.padding)}, ${c.mode})`);
  }
  assert.throws(() => new transforms.RandomCrop(20).call(img), /Required crop size \(20, 20\) is larger than input image size \(7, 9\)/);
});

test('RandomHorizontalFlip: torch.rand(1) < p decides, as in PyTorch', () => {
  manualSeed(fx.hflip.seed);
  const flip = new transforms.RandomHorizontalFlip(fx.hflip.p);
  const row = wrap(Float32Array.from([1, 2, 3]), [1, 1, 3], 'float32');
  const got = fx.hflip.flips.map(() => values(flip.call(row))[0] === 3);
  assert.deepEqual(got, fx.hflip.flips);
  // A seeded Generator is independent of the global one.
  const a = new transforms.RandomHorizontalFlip(0.5, { generator: new Generator(fx.hflip.seed) });
  assert.deepEqual(fx.hflip.flips.map(() => values(a.call(row))[0] === 3), fx.hflip.flips);
  const im = new Image(new Uint8Array([1, 2, 3, 4, 5, 6]), 1, 2, 3);
  assert.deepEqual(Array.from(new transforms.RandomHorizontalFlip(1).call(im).data), [4, 5, 6, 1, 2, 3]);
  assert.deepEqual(values(new transforms.RandomVerticalFlip(1).call(wrap(Float32Array.from([1, 2]), [1, 2, 1], 'float32'))), [2, 1]);
});

// rotate reads its image from, and writes its result to, the backend that holds them: checked on each.
for (const backend of backendsUnderTest()) {
  test(`RandomRotation [${backend}]: the angle PyTorch draws, nearest-neighbour sampling on the same grid`, () => {
    const previous = getBackend().name;
    setBackend(backend);
    try {
      manualSeed(fx.rotation.seed);
      const t = new transforms.RandomRotation(fx.rotation.degrees);
      const y = t.call(img);
      assert.deepEqual(y.shape, img.shape);
      // The grid is computed in the image's dtype as torchvision's, so even ties round the same way: the same pixels.
      assert.deepEqual(values(y), fx.rotation.data, `rotation by ${fx.rotation.angle}`);
      assert.deepEqual(values(transforms.rotate(img, 37)), fx.rotation.rot37);
      assert.deepEqual(values(transforms.rotate(img8, 90)), fx.rotation.rot90_8);
      assert.deepEqual(Array.from(toChw(transforms.rotate(toImage8(img8), 90))), fx.rotation.rot90_8);
      // A float64 image is sampled on a float64 grid, as torchvision's: at 30 degrees it picks other pixels than a float32 grid.
      const rot64 = transforms.rotate(img.to('float64'), 30);
      assert.equal(rot64.dtype, 'float64');
      assert.deepEqual(values(rot64), fx.rotation.rot30_64);
      // A fill per channel where the source falls outside (torchvision's mask channel).
      assert.deepEqual(values(transforms.rotate(img, 37, { fill: [0.25, 0.5, 0.75] })), fx.rotation.rot37_fill);
      const random37 = new transforms.RandomRotation([37, 37], { fill: [0.25, 0.5, 0.75] });
      assert.deepEqual(values(random37.call(img)), fx.rotation.rot37_fill);
      assert.equal(random37.toString(), 'RandomRotation(degrees=[37, 37], interpolation=nearest, expand=False, fill=[0.25, 0.5, 0.75])');
      assert.throws(
        () => transforms.rotate(img, 37, { fill: [0.25, 0.5] }),
        /^RangeError: The number of elements in 'fill' cannot broadcast to match the number of channels of the image \(2 != 3\)$/,
      );
      // 90 degrees on a square is torch.rot90 (counter-clockwise).
      const sq = wrap(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3], 'float32');
      assert.deepEqual(values(transforms.rotate(sq, 90)), [3, 6, 9, 2, 5, 8, 1, 4, 7]);
    } finally {
      setBackend(previous);
    }
  });
}

test('ColorJitter: randperm order and uniform factors as PyTorch draws them; float and byte images', () => {
  const cj = fx.color_jitter;
  const make = () => new transforms.ColorJitter({ brightness: [0.5, 1.5], contrast: [0.6, 1.4], saturation: [0.7, 1.3] });
  manualSeed(cj.seed);
  const params = make().getParams();
  assert.deepEqual(params.order, cj.order);
  assert.deepEqual([params.b, params.c, params.s], cj.factors);
  manualSeed(cj.seed);
  assertClose(values(make().call(img)), cj.data, 1e-5, 1e-6, 'float image');
  manualSeed(cj.seed);
  // Bytes: float32 blends truncated to integers, the same bytes as PyTorch.
  assert.deepEqual(values(make().call(img8)), cj.data8);
  assert.equal(new transforms.ColorJitter({ brightness: 0 }).brightness, undefined, 'a zero range is no jitter');
  assert.throws(() => new transforms.ColorJitter({ contrast: -1 }), /non negative/);
});

test('Compose with the augmentations works on Images before ToTensor (the usual training pipeline)', () => {
  const im = toImage8(img8);
  const pipeline = new transforms.Compose<Image, Tensor>([
    new transforms.RandomCrop(4, { padding: 1, generator: new Generator(0) }),
    new transforms.RandomHorizontalFlip(0.5, { generator: new Generator(1) }),
    new transforms.Resize([8, 8]),
    new transforms.ToTensor(),
  ]);
  const x = pipeline.call(im);
  assert.deepEqual([x.dtype, ...x.shape], ['float32', 3, 8, 8]);
  assert.ok(values(x).every((v) => v >= 0 && v <= 1));
  assert.equal(pipeline.callBatch, undefined, 'random transforms have no batched form');
});
