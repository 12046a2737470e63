// io.save / io.load of what torch.save takes besides a state dict: a bare tensor, a list, a
// nested dict of tensors and plain values. Each loads back to the same structure; a state dict
// stays a plain safetensors file (no structure entry), as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Tensor, tensor } from '../../src/index.js';
import { deserialize } from '../../src/io/index.js';
import { load, save } from '../../src/io/node.js';

function roundTrip<T>(obj: T): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-save-'));
  try {
    const path = join(dir, 'obj.safetensors');
    save(obj, path);
    return load(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertSameTensor(actual: unknown, expected: Tensor): void {
  assert.ok(actual instanceof Tensor, 'a Tensor');
  assert.equal(actual.dtype, expected.dtype);
  assert.deepEqual(actual.tolist(), expected.tolist());
}

test('a bare tensor saves and loads back as a tensor', () => {
  const t = tensor([[1.5, -2], [3, 4]], { dtype: 'float64' });
  assertSameTensor(roundTrip(t), t);
  const scalar = tensor(7, { dtype: 'int64' });
  assertSameTensor(roundTrip(scalar), scalar);
});

test('a list and a nested dict of tensors and plain values load back to the same structure', () => {
  const a = tensor([1, 2, 3], { dtype: 'float32' });
  const b = tensor([[true, false]]);
  const list = roundTrip([a, b, 3, 'x']) as unknown[];
  assert.equal(list.length, 4);
  assertSameTensor(list[0], a);
  assertSameTensor(list[1], b);
  assert.deepEqual(list.slice(2), [3, 'x']);
  const dict = roundTrip({ model: { w: a }, tensors: [b], epoch: 4, name: 'run', lr: Infinity }) as Record<string, unknown>;
  assertSameTensor((dict.model as Record<string, unknown>).w, a);
  assertSameTensor((dict.tensors as unknown[])[0], b);
  assert.deepEqual([dict.epoch, dict.name, dict.lr], [4, 'run', Infinity]);
});

test('a state dict is still a plain safetensors file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-save-'));
  try {
    const path = join(dir, 'sd.safetensors');
    const sd = { weight: tensor([1, 2], { dtype: 'float32' }) };
    save(sd, path);
    assert.equal(deserialize(new Uint8Array(readFileSync(path))).metadata, null);
    assertSameTensor(load(path).weight, sd.weight);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a value save cannot store is refused by name', () => {
  assert.throws(() => roundTrip({ f: () => 1 }), /cannot save 'obj.f': a function is not a tensor, number, string, boolean, array or plain object/);
});
