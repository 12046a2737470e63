// transforms: ToTensor, Normalize, Compose, Lambda (torchvision semantics).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Tensor, tensor, setDefaultDtype } from '../../src/index.js';
import { Image, ImageBatch, transforms, getKFoldData, kFold } from '../../src/data/index.js';

const values = (t: Tensor) => Array.from(t.toTypedArray());

test('ToTensor: uint8 HW and HWC become float32 CHW in [0, 1]', () => {
  const gray = new transforms.ToTensor().call(new Image(new Uint8Array([0, 51, 255, 128]), 2, 2));
  assert.deepEqual([gray.dtype, ...gray.shape], ['float32', 1, 2, 2]);
  assert.deepEqual(values(gray), [0, 0.2, 1, 128 / 255].map(Math.fround));
  // 2x1 RGB: pixel (r, g, b) = (1, 2, 3), (4, 5, 6) -> channels first.
  const rgb = new transforms.ToTensor().call({ data: new Uint8Array([1, 2, 3, 4, 5, 6]), shape: [2, 1, 3] });
  assert.deepEqual(rgb.shape, [3, 2, 1]);
  assert.deepEqual(values(rgb.mul(255).round()), [1, 4, 2, 5, 3, 6]);
  // Non-uint8 arrays keep their values (torchvision does not scale them).
  const f = new transforms.ToTensor().call({ data: new Float32Array([0.5, 2]), shape: [1, 2] });
  assert.deepEqual([f.dtype, ...values(f)], ['float32', 0.5, 2]);
  assert.throws(() => new transforms.ToTensor().call(tensor([1]) as never), /pic should be/);
  setDefaultDtype('float64');
  try {
    assert.equal(new transforms.ToTensor().call(new Image(new Uint8Array([1]), 1, 1)).dtype, 'float64');
  } finally {
    setDefaultDtype('float32');
  }
});

test('Normalize: per channel, in the tensor dtype, same as sub then div', () => {
  const x = tensor([[[0.0, 0.5]], [[1.0, 0.25]]]); // 2 x 1 x 2
  const mean = [0.1307, 0.5];
  const std = [0.3081, 0.25];
  const y = new transforms.Normalize(mean, std).call(x);
  const ref = x.sub(tensor(mean).view(-1, 1, 1)).div(tensor(std).view(-1, 1, 1));
  assert.deepEqual(values(y), values(ref));
  assert.deepEqual(values(x), [0, 0.5, 1, 0.25].map(Math.fround), 'not in place by default');
  assert.throws(() => new transforms.Normalize([0], [0]).call(x), /std evaluated to zero/);
  assert.throws(() => new transforms.Normalize([0], [1]).call(tensor([1.5, 2.5])), /\(\.\.\., C, H, W\)/);
  assert.throws(() => new transforms.Normalize([0], [1]).call(tensor([[[1, 2]]])), /float tensor/);
  const grad = tensor([[[1, 2]]], { dtype: 'float32', requiresGrad: true });
  const out = new transforms.Normalize(0.5, 2).call(grad);
  out.sum().backward();
  assert.deepEqual(values(grad.grad!), [0.5, 0.5]);
  assert.equal(String(new transforms.Normalize([0.1307], [0.3081])), 'Normalize(mean=[0.1307], std=[0.3081])');
});

test('Compose and Lambda; the batched form equals per-item results', () => {
  const t = new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);
  assert.equal(typeof t.callBatch, 'function');
  const a = new Uint8Array([0, 10, 200, 255]);
  const b = new Uint8Array([7, 77, 177, 1]);
  const one = [t.call(new Image(a, 2, 2)), t.call(new Image(b, 2, 2))].flatMap((x) => values(x as Tensor));
  const both = t.callBatch!(new ImageBatch(new Uint8Array([...a, ...b]), 2, 2, 2)) as Tensor;
  assert.deepEqual(both.shape, [2, 1, 2, 2]);
  assert.deepEqual(values(both), one);
  const flat = new transforms.Compose<Image, Tensor>([new transforms.ToTensor(), new transforms.Lambda((x: Tensor) => x.flatten()), (x: Tensor) => x.mul(2)]);
  assert.equal(flat.callBatch, undefined);
  assert.deepEqual(flat.call(new Image(a, 2, 2)).shape, [4]);
});

test('the fused ToTensor + Normalize batch equals the two steps, every byte value, any alignment and length', () => {
  const t = new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);
  const stepwise = (bytes: Uint8Array, n: number, h: number, w: number) =>
    values(new transforms.Normalize([0.1307], [0.3081]).call(new transforms.ToTensor().callBatch(new ImageBatch(bytes, n, h, w))));
  const all = new Uint8Array(Array.from({ length: 3 * 256 }, (_, i) => (i * 97 + (i >> 8)) & 255));
  // 3 images of 16 x 16 (aligned, a multiple of 4), then an odd length at an odd offset (the tail
  // loop and the unaligned fallback), twice through the same Compose (its kept table).
  for (const [bytes, n, h, w] of [[all, 3, 16, 16], [all.subarray(1, 1 + 3 * 5 * 5), 3, 5, 5], [all.subarray(4, 4 + 2 * 3 * 7), 2, 3, 7]] as const) {
    for (let again = 0; again < 2; again++) {
      const fused = t.callBatch!(new ImageBatch(bytes, n, h, w)) as Tensor;
      assert.deepEqual(values(fused), stepwise(bytes, n, h, w), `${n} x ${h} x ${w} at offset ${bytes.byteOffset}`);
    }
  }
  // Another Normalize through the same ToTensor gets its own table.
  const other = new transforms.Compose([t.transforms[0], new transforms.Normalize([0.5], [0.25])]);
  const fused = other.callBatch!(new ImageBatch(all, 3, 16, 16)) as Tensor;
  assert.deepEqual(values(fused), values(new transforms.Normalize([0.5], [0.25]).call(new transforms.ToTensor().callBatch(new ImageBatch(all, 3, 16, 16)))));
});

test('getKFoldData: d2l folds (remainder rows dropped)', () => {
  const x = tensor(Array.from({ length: 11 }, (_, i) => [i, -i]));
  const y = tensor(Array.from({ length: 11 }, (_, i) => i * 10));
  const { xTrain, yTrain, xValid, yValid } = getKFoldData(5, 1, x, y);
  assert.deepEqual(values(yValid), [20, 30]);
  assert.deepEqual(values(xValid), [2, -2, 3, -3]);
  assert.deepEqual(values(yTrain), [0, 10, 40, 50, 60, 70, 80, 90]);
  assert.deepEqual(xTrain.shape, [8, 2]);
  assert.equal([...kFold(5, x, y)].length, 5);
  assert.throws(() => getKFoldData(1, 0, x, y), /k > 1/);
});
