// src/ops/function.ts: which backend computes an op (the one its operands' storage belongs to,
// PyTorch's error for two devices, a CPU zero-dim tensor joining a GPU op as a scalar), and the
// grad_fn names it builds. The
// GPU backends here are stand-ins (only `device` is read), so this runs without a GPU; the real
// one is tested in test/backend/webgpu.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getBackend, setBackend, listBackends } from '../src/index.js';
import { backendOf, backwardName, elementwiseBackendOf } from '../src/ops/function.js';
import type { AnyBackend } from '../src/backend/backend.js';
import { Storage } from '../src/tensor/storage.js';
import { Tensor } from '../src/tensor/tensor.js';

const gpu0 = { name: 'gpu0', device: 'webgpu:0' } as unknown as AnyBackend;
const gpu0Again = { name: 'gpu0-again', device: 'webgpu:0' } as unknown as AnyBackend;
const gpu1 = { name: 'gpu1', device: 'webgpu:1' } as unknown as AnyBackend;
const cpuOther = { name: 'cpu-other', device: 'cpu' } as unknown as AnyBackend;
const on = (backend: AnyBackend, shape: number[] = [2]) => new Tensor(new Storage(new Float32Array(2), backend), shape, 'float32');
const mixed = (first: string, second: string) => ({
  message: `Expected all tensors to be on the same device, but found at least two devices, ${first} and ${second}!`,
});

test('backendOf: the operands\' backend; two devices refused with PyTorch\'s message, the GPU named first', () => {
  const cpu = getBackend();
  assert.equal(backendOf(), cpu, 'no operands: the current backend');
  assert.equal(backendOf(on(gpu0)), gpu0);
  assert.equal(backendOf(on(gpu0), on(gpu0Again), on(gpu0)), gpu0, 'one device: the first operand\'s backend');
  assert.equal(backendOf(on(cpu), on(cpuOther)), cpu, 'two CPU backends are one device');
  assert.equal(backendOf(on(cpuOther), on(cpu)), cpuOther);
  assert.throws(() => backendOf(on(gpu0), on(cpu)), mixed('webgpu:0', 'cpu'));
  assert.throws(() => backendOf(on(cpu), on(gpu0)), mixed('webgpu:0', 'cpu'));
  assert.throws(() => backendOf(on(gpu0), on(gpu0), on(cpu)), mixed('webgpu:0', 'cpu'), 'the last operand is checked too');
  assert.throws(() => backendOf(on(gpu1), on(gpu0)), mixed('webgpu:1', 'webgpu:0'));
  // Even a zero-dim CPU tensor: only elementwise ops take it as a scalar.
  assert.throws(() => backendOf(on(gpu0), on(cpu, [])), mixed('webgpu:0', 'cpu'));
});

test('elementwiseBackendOf: the GPU operand\'s backend wherever it stands; a CPU zero-dim tensor joins it', () => {
  const cpu = getBackend();
  assert.equal(elementwiseBackendOf(), cpu, 'no operands: the current backend');
  assert.equal(elementwiseBackendOf(on(cpu)), cpu);
  assert.equal(elementwiseBackendOf(on(cpuOther), on(cpu)), cpuOther, 'two CPU backends: the first');
  assert.equal(elementwiseBackendOf(on(cpu), on(cpuOther)), cpu);
  assert.equal(elementwiseBackendOf(on(gpu0), on(gpu0Again)), gpu0, 'one device: the first GPU operand\'s backend');
  assert.equal(elementwiseBackendOf(on(cpu, []), on(gpu0)), gpu0);
  assert.equal(elementwiseBackendOf(on(gpu0), on(cpu, [])), gpu0);
  assert.equal(elementwiseBackendOf(on(cpu, []), on(cpu, []), on(gpu0)), gpu0);
  assert.equal(elementwiseBackendOf(on(gpu0), on(cpu, []), on(gpu0Again)), gpu0);
  assert.throws(() => elementwiseBackendOf(on(gpu0), on(cpu)), mixed('webgpu:0', 'cpu'));
  assert.throws(() => elementwiseBackendOf(on(cpu), on(gpu0)), mixed('webgpu:0', 'cpu'));
  assert.throws(() => elementwiseBackendOf(on(cpu, []), on(gpu0), on(cpu, [1])), mixed('webgpu:0', 'cpu'));
  assert.throws(() => elementwiseBackendOf(on(gpu0), on(gpu1)), mixed('webgpu:0', 'webgpu:1'));
  assert.throws(() => elementwiseBackendOf(on(cpu, []), on(gpu1), on(gpu0)), mixed('webgpu:1', 'webgpu:0'));
  // Only a CPU zero-dim tensor is a scalar: one on another GPU is refused (PyTorch: cuda:0 and cuda:1).
  assert.throws(() => elementwiseBackendOf(on(gpu0), on(gpu1, [])), mixed('webgpu:0', 'webgpu:1'));
});

test('with no operands, the backend set as current', () => {
  const other = listBackends().find((n) => n !== getBackend().name);
  assert.ok(other, 'js and wasm are always registered');
  const prev = setBackend(other);
  try {
    assert.equal(backendOf().name, other);
    assert.equal(elementwiseBackendOf().name, other);
  } finally {
    setBackend(prev);
  }
});

test("backwardName: PyTorch's grad_fn name of an op, the same on every call", () => {
  assert.equal(backwardName('add'), 'AddBackward0');
  assert.equal(backwardName('addmm'), 'AddmmBackward0');
  assert.equal(backwardName('add'), 'AddBackward0');
  assert.equal(backwardName('x'), 'XBackward0');
});
