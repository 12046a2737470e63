// Checkpoints: every part round-trips bit for bit; a run SIGKILLed between checkpoints resumes and
// ends with exactly the parameters of an uninterrupted run; a shuffled DataLoader resumes mid-epoch
// with the same batches; damaged files give clear errors naming the file; a crash mid-write never
// replaces the good checkpoint.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as torch from '../../src/index.js';
import { Generator, listBackends, nn, optim, setBackend, type Tensor } from '../../src/index.js';
import { parseCheckpoint, serializeCheckpoint, StatefulDataLoader } from '../../src/io/index.js';
import { load, loadCheckpoint, readCheckpoint, saveCheckpoint, saveFile } from '../../src/io/node.js';
import { train } from './train_child.js';
import { backendsUnderTest } from '../helpers.js';

const child = fileURLToPath(new URL('./train_child.ts', import.meta.url));

/** The exact bytes of a tensor's values (so -0, NaN payloads and int64s all count). */
function bits(t: Tensor): number[] {
  const v = t.contiguous().toTypedArray();
  return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

function assertSameTensor(a: Tensor, b: Tensor, what: string): void {
  assert.equal(a.dtype, b.dtype, `${what}: dtype`);
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.deepEqual(bits(a), bits(b), `${what}: values differ`);
}

function assertSameStateDict(a: Record<string, Tensor>, b: Record<string, Tensor>): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) assertSameTensor(a[k], b[k], k);
}

/** Keeps a running mean and an int64 batch counter in buffers, as BatchNorm does. */
class Tracked extends nn.Module {
  declare running_mean: Tensor;
  declare num_batches_tracked: Tensor;
  constructor(n: number) {
    super();
    this.registerBuffer('running_mean', torch.zeros(n));
    this.registerBuffer('num_batches_tracked', torch.tensor(0, { dtype: 'int64' }));
  }
  override forward(x: Tensor): Tensor {
    torch.noGrad(() => {
      this.running_mean.mul_(0.9).add_(x.mean(0).mul(0.1));
      this.num_batches_tracked.add_(1);
    });
    return x;
  }
}

function net(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(3, 5), new Tracked(5), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(5, 2));
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dlab-ckpt-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run the helper script in a child process; resolves with its stdout when it exits. */
function runChild(options: object, onLine?: (line: string, kill: () => void) => void): Promise<{ stdout: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    // The child gets this process's backends: the webgpu test bridge where the runner registered it.
    const bridge = listBackends().includes('webgpu') ? ['--import', new URL('../webgpu-bridge/register.ts', import.meta.url).href] : [];
    const p = spawn(process.execPath, ['--import', 'tsx', ...bridge, child, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLine?.(line, () => p.kill('SIGKILL'));
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child exited with ${code}:\n${stderr}`));
      else resolve({ stdout, signal, code });
    });
  });
}

for (const backend of backendsUnderTest()) {
  describe(`checkpoints [${backend}]`, () => {
    before(() => setBackend(backend));

    test('model, Adam, scheduler, RNG, extra and tensors round-trip bit for bit', () => {
      torch.manualSeed(7);
      const model = net();
      const optimizer = new optim.Adam(model.parameters(), { lr: 0.01, amsgrad: true, weightDecay: 0.1 });
      const scheduler = new optim.lrScheduler.ReduceLROnPlateau(optimizer, { patience: 0 });
      const x = torch.randn(6, 3);
      for (let i = 0; i < 3; i++) {
        const loss = model.call(x).pow(2).mean();
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        scheduler.step(i === 0 ? 1 : 2); // no improvement after the first: lr reduced
      }
      const gen = new Generator(99);
      gen.random();
      torch.randn(3); // leaves a cached Box–Muller sample in the default generator's state
      const extra = { best: 0.75, history: [1, 2.5, null], note: 'ünïcode', nested: { ok: true } };
      const ema = torch.randn(2, 3).t();
      const bytes = serializeCheckpoint({ model, optimizer, scheduler, epoch: 3, step: 42, generators: { data: gen }, extra, tensors: { ema } });
      const expectedDraws = torch.randn(5);

      torch.manualSeed(123); // a different start everywhere
      const model2 = net();
      const optimizer2 = new optim.Adam(model2.parameters(), { lr: 0.5 });
      const scheduler2 = new optim.lrScheduler.ReduceLROnPlateau(optimizer2);
      const gen2 = new Generator(1);
      const parsed = parseCheckpoint(bytes);
      assert.equal(parsed.epoch, 3);
      const { restoreCheckpoint } = torch.io;
      const r = restoreCheckpoint(parsed, { model: model2, optimizer: optimizer2, scheduler: scheduler2, generators: { data: gen2 } });
      assert.equal(r.epoch, 3);
      assert.equal(r.step, 42);
      assert.deepEqual(r.extra, extra);
      assertSameTensor(r.tensors.ema, ema, 'tensors.ema');

      assertSameStateDict(model2.stateDict(), model.stateDict());
      assert.equal(model2.stateDict()['1.num_batches_tracked'].dtype, 'int64');
      assert.equal(model2.stateDict()['1.num_batches_tracked'].item(), 3);
      // Optimizer: the same dict (tensors bit for bit, hyperparameters exactly).
      const a = optimizer.stateDict();
      const b = optimizer2.stateDict();
      assert.deepEqual(b.param_groups, a.param_groups);
      assert.deepEqual(Object.keys(b.state), Object.keys(a.state));
      for (const [i, s] of Object.entries(a.state)) {
        for (const [k, v] of Object.entries(s)) {
          const w = b.state[Number(i)][k];
          if (v instanceof torch.Tensor) assertSameTensor(w as Tensor, v, `state.${i}.${k}`);
          else assert.deepEqual(w, v);
        }
      }
      assert.equal((a.state[0].step as Tensor).dtype, 'float32');
      assert.deepEqual(scheduler2.stateDict(), scheduler.stateDict());
      assert.equal(scheduler2.best, 1);
      assert.deepEqual(Array.from(gen2.getState()), Array.from(gen.getState()));
      assertSameTensor(torch.randn(5), expectedDraws, 'default generator draws after restore');
    });

    test('the file is a safetensors file PyTorch tooling can open: prefixed keys, string metadata', () => {
      torch.manualSeed(0);
      const model = net();
      const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      model.call(torch.randn(4, 3)).sum().backward();
      optimizer.step();
      const path = join(dir, `${backend}-plain.safetensors`);
      saveCheckpoint(path, { model, optimizer, epoch: 1 });
      const { tensors, metadata } = torch.io.deserialize(new Uint8Array(readFileSync(path)));
      assert.deepEqual(Object.keys(tensors).sort(), [
        'model.0.bias', 'model.0.weight', 'model.1.num_batches_tracked', 'model.1.running_mean',
        'model.4.bias', 'model.4.weight',
        'optimizer.state.0.momentum_buffer', 'optimizer.state.1.momentum_buffer', 'optimizer.state.2.momentum_buffer',
        'optimizer.state.3.momentum_buffer',
      ]);
      assert.equal(metadata!.format, 'pt');
      assert.equal(metadata!['dlab.checkpoint'], '1');
      assert.match(metadata!['dlab.crc32'], /^[0-9a-f]{8}$/);
      assert.equal(JSON.parse(metadata!.epoch), 1);
      assert.deepEqual(JSON.parse(metadata!.optimizer).state['0'], { momentum_buffer: { __tensor__: 'optimizer.state.0.momentum_buffer' } });
      assert.equal(readCheckpoint(path).optimizer!.param_groups[0].lr, 0.1);
    });

    test('a run SIGKILLed between checkpoints resumes to the exact parameters of an uninterrupted run', async () => {
      const base = { backend, every: 7, epochs: 5 };
      const reference = train({ ...base, checkpoint: join(dir, `${backend}-ref.ckpt`), resume: false });
      assert.equal(reference.step, 60);

      // Killed at step 24; the last checkpoint is step 21, in the middle of epoch 1 (12 batches per epoch).
      const checkpoint = join(dir, `${backend}-killed.ckpt`);
      const killed = await runChild({ ...base, checkpoint, resume: true, pauseAtStep: 24 }, (line, kill) => {
        if (line.startsWith('paused')) kill();
      });
      assert.equal(killed.signal, 'SIGKILL', JSON.stringify(killed));
      assert.match(killed.stdout, /checkpoint 21\npaused 24\n$/);
      assert.equal(readCheckpoint(checkpoint).step, 21);

      const out = join(dir, `${backend}-resumed.safetensors`);
      const resumed = await runChild({ ...base, checkpoint, resume: true, out });
      assert.match(resumed.stdout, /^resumed 1 21\n/);
      assert.match(resumed.stdout, /done 60\n$/);
      assertSameStateDict(load(out), reference.stateDict);
    });

    test('resuming without the RNG state does not reproduce the run (the test above can fail)', () => {
      const base = { backend, every: 7, epochs: 5 };
      const reference = train({ ...base, checkpoint: join(dir, `${backend}-ref2.ckpt`), resume: false });
      const at21 = join(dir, `${backend}-at21.ckpt`);
      train({ ...base, checkpoint: at21, resume: true, stopAfterStep: 24 });
      // Each resume writes its own later checkpoints, so each starts from a copy of step 21's.
      const checkpoint = join(dir, `${backend}-norng.ckpt`);
      copyFileSync(at21, checkpoint);
      const resumed = train({ ...base, checkpoint, resume: true, restoreRng: false });
      assert.deepEqual(resumed.resumedFrom, { epoch: 1, step: 21, batchesDone: 9 });
      assert.notDeepEqual(bits(resumed.stateDict['0.weight']), bits(reference.stateDict['0.weight']));
      // And with it, in-process, the same parameters.
      copyFileSync(at21, checkpoint);
      const again = train({ ...base, checkpoint, resume: true });
      assertSameStateDict(again.stateDict, reference.stateDict);
    });

    test('StatefulDataLoader resumes mid-epoch with the same batches, with its own generator or the default one', () => {
      const data = new torch.data.TensorDataset(torch.arange(23));
      for (const own of [false, true]) {
        const make = () => new StatefulDataLoader(data, { batchSize: 4, shuffle: true, generator: own ? new Generator(5) : undefined });
        torch.manualSeed(3);
        const loader = make();
        const seen: number[][] = [];
        let saved: Uint8Array | null = null;
        const model = new nn.Linear(1, 1);
        for (let epoch = 0; epoch < 2; epoch++) {
          for (const [xb] of loader) {
            seen.push((xb as Tensor).tolist() as number[]);
            torch.rand(3); // other users of the default generator (dropout, augmentation)
            if (epoch === 1 && seen.length === 9) {
              saved = serializeCheckpoint({ model, loader, generators: own ? { loader: loader.generator! } : {} });
            }
          }
        }
        const after = torch.rand(2);
        // A fresh process: other seeds, then restore and finish epoch 1.
        torch.manualSeed(999);
        const loader2 = make();
        torch.io.loadCheckpointBytes(saved!, { model, loader: loader2, generators: own ? { loader: loader2.generator! } : {} });
        const rest: number[][] = [];
        for (const [xb] of loader2) {
          rest.push((xb as Tensor).tolist() as number[]);
          torch.rand(3);
        }
        assert.deepEqual(rest, seen.slice(9), `own generator: ${own}`);
        assertSameTensor(torch.rand(2), after, 'default generator after the epoch');
        // The next epoch starts normally.
        const next = [...loader2].length;
        assert.equal(next, 6);
      }
    });
  });
}

describe('damaged checkpoint files', () => {
  test('truncated, corrupt, foreign and missing files give clear errors naming the file', () => {
    const model = new nn.Linear(4, 3);
    const good = join(dir, 'good.ckpt');
    saveCheckpoint(good, { model, epoch: 2 });
    const bytes = readFileSync(good);

    const truncated = join(dir, 'truncated.ckpt');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 10));
    assert.throws(() => loadCheckpoint(truncated, { model }), (e: Error) => {
      assert.equal(e.name, 'CheckpointError');
      assert.ok(e.message.includes(truncated), e.message);
      assert.match(e.message, /truncated/);
      return true;
    });
    const headerOnly = join(dir, 'header-only.ckpt');
    writeFileSync(headerOnly, bytes.subarray(0, 40));
    assert.throws(() => loadCheckpoint(headerOnly, { model }), new RegExp(`${headerOnly}.*(truncated|past the end)`));

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 0x10; // one bit of one weight
    const corrupt = join(dir, 'corrupt.ckpt');
    writeFileSync(corrupt, flipped);
    assert.throws(() => loadCheckpoint(corrupt, { model }), new RegExp(`checkpoint ${corrupt}: checksum mismatch .*corrupt`));

    const epochEdited = Buffer.from(bytes.toString('latin1').replace('"epoch":"2"', '"epoch":"3"'), 'latin1');
    assert.notDeepEqual(epochEdited, bytes);
    writeFileSync(corrupt, epochEdited);
    assert.throws(() => loadCheckpoint(corrupt, { model }), /checksum mismatch/);

    const foreign = join(dir, 'weights.safetensors');
    saveFile(model.stateDict(), foreign);
    assert.throws(() => loadCheckpoint(foreign, { model }), new RegExp(`${foreign}: a safetensors file, but not a dlab checkpoint`));
    assert.throws(() => loadCheckpoint(join(dir, 'nope.ckpt'), { model }), /cannot read checkpoint .*nope\.ckpt.*ENOENT/);
    assert.throws(
      () => loadCheckpoint(good, { model, optimizer: new optim.SGD(model.parameters(), { lr: 1 }) }),
      new RegExp(`${good}: the checkpoint has no optimizer state`),
    );
    assert.throws(() => loadCheckpoint(good, { model: new nn.Linear(4, 2) }), /size mismatch for weight/);
    assert.equal(loadCheckpoint(good, { model }).epoch, 2); // the good one still loads
  });

  test('a crash mid-write never replaces the good checkpoint', async () => {
    const path = join(dir, 'big.ckpt');
    const temps = () => readdirSync(dir).filter((f) => f.startsWith('big.ckpt.tmp-'));
    // The child saves version 1, then is killed half-way through writing version 2.
    const result = await runChild({ mode: 'killMidWrite', checkpoint: path }, (line, kill) => {
      if (line === 'mid-write') kill();
    });
    assert.equal(result.signal, 'SIGKILL');
    assert.equal(result.stdout, 'saved 1\nmid-write\n');
    assert.equal(temps().length, 1);
    assert.ok(statSync(join(dir, temps()[0])).size < statSync(path).size, 'the temporary file holds half a checkpoint');
    const contents = readCheckpoint(path);
    assert.equal(contents.extra.version, 1);
    const w = contents.model.weight;
    assert.deepEqual(w.shape, [1024, 1024]);
    assert.equal(w.min().item(), 1);
    assert.equal(w.max().item(), 1);
    // The next save removes the dead process's temporary file.
    saveCheckpoint(path, { model: new nn.Linear(1, 1, { bias: false }), rng: false });
    assert.deepEqual(temps(), []);
    assert.ok(existsSync(path));
  });
});
