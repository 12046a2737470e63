// estimateMemory from a traced forward, the course exercise, live-tensor accounting and
// activation checkpointing. (Measurement beside estimate, which needs node --expose-gc, is in
// test/cli-utils.test.ts through `dlab memory --measure`.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { nn, optim, randn, setBackend, manualSeed, Tensor, zeros } from '../../src/index.js';
import { builtinModel, mlp } from '../../src/models/index.js';
import { estimateMemory, largestBatch, memoryEstimator } from '../../src/utils/memory.js';
import { enableMemoryTracking, memoryAllocated, memoryStats } from '../../src/utils/memory_stats.js';
import { checkpoint } from '../../src/utils/checkpoint.js';
import { assertClose, backendsUnderTest } from '../helpers.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/summary.json', import.meta.url), 'utf8')) as {
  exercise: Record<string, { params: number; saved_bytes: number }>;
};

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    test('the course exercise: 1000-512x4-10, batch 64 and 1024, float32', () => {
      const model = mlp([1000, 512, 512, 512, 512, 10]);
      const b64 = estimateMemory(model, { inputSize: [1000], batchSize: 64 });
      assert.equal(b64.params, 1_305_610);
      assert.equal(b64.params, fixture.exercise['64'].params);
      assert.equal(b64.bytes.params, 1_305_610 * 4);
      assert.equal(b64.bytes.gradients, 1_305_610 * 4);
      assert.equal(b64.bytes.optimizer, 0);
      assert.equal(b64.bytes.input, 64 * 1000 * 4 + 64 * 8); // the batch and its int64 labels
      // What autograd saves: the four ReLU outputs (64 x 512 floats each) and the loss's tensors,
      // within 1% of what PyTorch's graph saves for the same model.
      assert.ok(Math.abs(b64.bytes.activations - fixture.exercise['64'].saved_bytes) / fixture.exercise['64'].saved_bytes < 0.01, `${b64.bytes.activations}`);
      assert.equal(b64.forwardActivationElements, 64 * (4 * 512 * 2 + 10)); // every layer's output, ReLUs included
      assert.equal(b64.dominant, 'params');
      const b1024 = estimateMemory(model, { inputSize: [1000], batchSize: 1024 });
      assert.ok(Math.abs(b1024.bytes.activations - fixture.exercise['1024'].saved_bytes) / fixture.exercise['1024'].saved_bytes < 0.01);
      assert.equal(b1024.dominant, 'activations');
      assert.equal(b1024.bytes.params, b64.bytes.params);
      // Adam keeps two moments per parameter.
      assert.equal(estimateMemory(model, { inputSize: [1000], batchSize: 64, optimizer: 'adam' }).bytes.optimizer, 2 * 1_305_610 * 4);
      assert.equal(estimateMemory(model, { inputSize: [1000], batchSize: 64, optimizer: 'momentum' }).bytes.optimizer, 1_305_610 * 4);
      // Inference: parameters plus the largest set of outputs alive at once (two 64 x 512 layers).
      const infer = estimateMemory(model, { inputSize: [1000], batchSize: 64, mode: 'infer' });
      assert.equal(infer.bytes.activations, 2 * 64 * 512 * 4);
      assert.equal(infer.bytes.total, infer.bytes.params + infer.bytes.activations + 64 * 1000 * 4);
    });

    test('dtypes scale parameters and activations; int8/int4 are inference only', () => {
      const model = builtinModel('mnist-mlp').build();
      const f32 = estimateMemory(model, { inputSize: [1, 28, 28], batchSize: 8 });
      const f16 = estimateMemory(model, { inputSize: [1, 28, 28], batchSize: 8, dtype: 'float16' });
      assert.equal(f16.bytes.params * 2, f32.bytes.params);
      assert.equal(f16.bytes.gradients * 2, f32.bytes.gradients);
      const int4 = estimateMemory(model, { inputSize: [1, 28, 28], batchSize: 8, dtype: 'int4', mode: 'infer' });
      assert.equal(int4.bytes.params, Math.ceil(101_770 / 2));
      assert.throws(() => estimateMemory(model, { inputSize: [1, 28, 28], batchSize: 8, dtype: 'int8' }), /weight-only inference format/);
      const names = f32.techniques.map((t) => t.name);
      assert.ok(names.includes('gradient accumulation') && names.includes('mixed precision'));
      for (const t of f32.techniques) assert.ok(t.saved > 0 && t.bytes.total < f32.bytes.total, t.name);
    });

    test('activation checkpointing gives the same gradients and saves the inner activations', () => {
      manualSeed(0);
      const block = new nn.Sequential(new nn.Linear(6, 16), new nn.Tanh(), new nn.Linear(16, 6));
      const head = new nn.Linear(6, 1);
      const x = randn(5, 6);
      head.call(block.call(x)).sum().backward();
      const plain = [...block.parameters(), ...head.parameters()].map((p) => p.grad!.toTypedArray());
      for (const p of [...block.parameters(), ...head.parameters()]) p.grad = null;
      const y = checkpoint(block, x); // x needs no grad: the parameters inside still get theirs
      assert.ok(y.requiresGrad);
      assert.equal(y.gradFn!.name, 'CheckpointFunctionBackward');
      assert.equal(y.gradFn!.savedTensors.length, 0);
      head.call(y).sum().backward();
      const ckpt = [...block.parameters(), ...head.parameters()].map((p) => p.grad!.toTypedArray());
      plain.forEach((g, i) => assertClose(ckpt[i], g, 1e-6, 1e-7, `param ${i}`));
      // Input gradients flow through too; a function works as well as a module.
      const xi = randn(5, 6, { requiresGrad: true });
      checkpoint((t: Tensor) => block.call(t).square(), xi).sum().backward();
      const xr = xi.detach().requiresGrad_();
      block.call(xr).square().sum().backward();
      assertClose(xi.grad!.toTypedArray(), xr.grad!.toTypedArray(), 1e-6, 1e-7, 'input grad');
    });
  });
}

test('gradient accumulation: micro-batches summed give the full batch gradient', () => {
  manualSeed(1);
  const model = new nn.Linear(3, 2);
  const x = randn(8, 3);
  const target = randn(8, 2);
  const lossFn = new nn.MSELoss();
  lossFn.call(model.call(x), target).backward();
  const full = model.weight.grad!.toTypedArray();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  opt.zeroGrad();
  for (let i = 0; i < 4; i++) lossFn.call(model.call(x.narrow(0, 2 * i, 2)), target.narrow(0, 2 * i, 2)).div(4).backward();
  assertClose(model.weight.grad!.toTypedArray(), full, 1e-5, 1e-6, 'accumulated');
});

test('live-tensor accounting counts storages made while tracking', () => {
  enableMemoryTracking();
  const before = memoryAllocated();
  const t = zeros(1000);
  assert.equal(memoryAllocated() - before, 4000);
  assert.ok(memoryStats().allocated >= 4000);
  void t;
});

test('checkpointing measurably lowers the peak of a training step', async () => {
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { MEASURE_FLAGS } = await import('../../src/cli/commands/memory.js');
  const script = fileURLToPath(new URL('./checkpoint_child.ts', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [...MEASURE_FLAGS, '--import', 'tsx', script], { encoding: 'utf8' }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const { plain, ckpt } = JSON.parse(stdout) as Record<'plain' | 'ckpt', { peak: number; resident: number; exact: boolean }>;
  assert.ok(plain.exact && ckpt.exact);
  assert.ok(Math.abs(ckpt.resident - plain.resident) < 0.01 * plain.resident); // same parameters, gradients, input
  const activationsPlain = plain.peak - plain.resident;
  const activationsCkpt = ckpt.peak - ckpt.resident;
  // Plain: every block's 8 layers save their tensors; checkpointed: the 6 block inputs, plus one
  // block's tensors while it is recomputed in backward.
  assert.ok(activationsCkpt < 0.6 * activationsPlain, `plain ${activationsPlain}, checkpointed ${activationsCkpt}`);
});

test('estimating leaves the model as it was: mode and BatchNorm running statistics', () => {
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.Flatten(), new nn.Linear(2 * 4 * 4, 3)).eval();
  const before = model.stateDict();
  const snapshot = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.toTypedArray()]));
  const est = estimateMemory(model, { inputSize: [1, 6, 6], batchSize: 8 });
  assert.ok(est.bytes.activations > 0);
  assert.equal(model.training, false);
  for (const [k, v] of Object.entries(model.stateDict())) assert.deepEqual(v.toTypedArray(), snapshot[k], k);
});

test('largestBatch: the last batch within the budget, by doubling then bisecting', () => {
  const asked: number[] = [];
  const bytesAt = (b: number) => (asked.push(b), 100 + 7 * b);
  assert.equal(largestBatch(bytesAt, 1000), 128); // 100 + 7 * 128 = 996; 129 is 1003
  assert.ok(asked.length < 20, `${asked.length} estimates`);
  assert.equal(largestBatch(bytesAt, 100 + 7 * 64), 64); // exactly on a power of two
  assert.equal(largestBatch(bytesAt, 106), 0); // batch 1 needs 107
  assert.equal(largestBatch(() => 0, 1, 1024), 1024); // nothing grows: stops at the limit
});

test('memoryEstimator: the estimate as a function of the batch equals estimateMemory at each batch', () => {
  const model = mlp([20, 16, 4]);
  const at = memoryEstimator(model, { inputSize: [20], optimizer: 'adam' });
  for (const batchSize of [1, 3, 4, 5, 100]) assert.deepEqual(at(batchSize), estimateMemory(model, { inputSize: [20], batchSize, optimizer: 'adam' }));
});
