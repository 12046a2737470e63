// `dlab run gpt --device webgpu` on the GPU the test runner provides (SwiftShader where there is
// none: scripts/run-tests.mjs sets the environment; without an adapter these tests fail, naming
// it): the logged losses, perplexities and sampled tokens of --device cpu within float32
// rounding, the reads the loop makes (per logged step, not per step; one per generated token), a
// run stopped on the GPU and resumed from its checkpoint (StepValues, which the loops share, is
// tested in device-experiments.test.ts). Tiny sizes: SwiftShader runs every kernel on the CPU.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as torch from '../../src/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { gptExperiment as gpt } from '../../src/lab/experiments/gpt.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { RunStore } from '../../src/lab/store.node.js';
import { countingReads } from './gpu-reads.js';
import { interruptedThenResumed } from './interrupt.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-gpt-device-'));
after(() => rmSync(home, { recursive: true, force: true }));
before(async () => {
  assert.ok(await torch.webgpu.isAvailable(), 'no WebGPU adapter (not even SwiftShader): run through scripts/run-tests.mjs, which sets the environment Dawn needs');
});

const close = (a: number, b: number, what: string, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} on webgpu, ${b} on cpu`);

// 2 epochs of 10 steps (a loss logged every 10), 6 tokens per sample.
const tiny = { blockSize: 8, dModel: 8, nHead: 2, nLayer: 1, batchSize: 4, epochs: 2, stepsPerEpoch: 10, warmupSteps: 2, evalBlocks: 4, numTokens: 6, prompt: 'the' };

test('gpt on webgpu: the losses, perplexities and tokens of the cpu, with one read per logged step and per generated token', async () => {
  const runs = [];
  for (const device of ['webgpu', 'cpu']) {
    const ctx = new MemoryContext();
    const { value: metrics, reads } = await countingReads(() => gpt.run(resolveOptions(gpt, { ...tiny, device }), ctx));
    runs.push({ metrics, reads, ctx });
  }
  const [g, c] = runs;
  assert.equal(c.reads, 0);
  // Steps 10 and 20 (logged, each an epoch's end: the ten losses since the last read in one),
  // the validation sum of each epoch, one per token of the 7 samples (with and without the cache,
  // five temperatures), the attention map, and the 18 weights of the saved model folder.
  assert.equal(g.reads, 2 + 2 + 7 * tiny.numTokens + 1 + 18);
  assert.ok(g.ctx.models.get('model')!.model.parameters().every((p) => p.isCpu));
  const steps = (ctx: MemoryContext) => ctx.logged.filter((l) => l.step !== undefined).map((l) => l.step);
  assert.deepEqual(steps(g.ctx), [10, 20]);
  assert.deepEqual(steps(c.ctx), [10, 20]);
  g.ctx.series('loss').forEach((loss, i) => close(loss, c.ctx.series('loss')[i], `logged loss ${i + 1}`));
  assert.deepEqual(g.ctx.series('lr'), c.ctx.series('lr'));
  for (const name of ['val_perplexity', 'first_val_perplexity', 'train_perplexity']) close(g.metrics[name] as number, c.metrics[name] as number, name);
  assert.equal(g.metrics.sample, c.metrics.sample);
  assert.equal(g.metrics.kv_cache_same_tokens, 1);
  assert.deepEqual(g.ctx.artifacts.get('samples'), c.ctx.artifacts.get('samples'));
  const map = (ctx: MemoryContext) => (ctx.artifacts.get('attention') as { images: number[][] }).images[0];
  map(g.ctx).forEach((w, i) => close(w, map(c.ctx)[i], `attention weight ${i}`));
});

test('gpt stopped on webgpu mid-epoch (losses not yet read) and resumed from its checkpoint ends with the metrics of the cpu', async () => {
  const store = new RunStore(mkdtempSync(join(home, 'resume-')));
  try {
    const resumed = await interruptedThenResumed(store, gpt as never, { ...tiny, device: 'webgpu' }, 5);
    const cpu = await gpt.run(resolveOptions(gpt, { ...tiny, device: 'cpu' }), new MemoryContext());
    for (const name of ['val_perplexity', 'first_val_perplexity', 'train_perplexity']) close(resumed[name] as number, cpu[name] as number, name);
    assert.equal(resumed.sample, cpu.sample);
  } finally {
    store.close();
  }
});

test('gpt refuses --compare-rnn on webgpu (a race in seconds needs one device)', async () => {
  await assert.rejects(gpt.run(resolveOptions(gpt, { ...tiny, device: 'webgpu', compareRnn: true }), new MemoryContext()), /--compare-rnn: the GRU and LSTM train on the cpu .*; use --device cpu/);
});
