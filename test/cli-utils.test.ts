// dlab summary / memory / gpu / fit, run from the sources as a user would run them. The commands
// start together (they are independent) and each test awaits its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hubServer, makeHub } from './utils/hub_server.js';
import { MEASURE_FLAGS } from '../src/cli/commands/memory.js';
import { builtinModel } from '../src/models/index.js';
import { estimateMemory } from '../src/utils/memory.js';
import { closedPort } from './ports.js';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dlab-utils-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Run { code: number; stdout: string; stderr: string }
const dlab = (args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [...nodeFlags, '--import', 'tsx', main, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const fixture = JSON.parse(readFileSync(new URL('./fixtures/summary.json', import.meta.url), 'utf8')) as { summary: { model: string; batch_size: number; text: string }[] };

// A fake nvidia-smi, so `dlab gpu` can be tested on machines without one.
const fakeSmi = join(tmp, 'nvidia-smi');
writeFileSync(fakeSmi, '#!/bin/sh\necho "0, NVIDIA GeForce RTX 3070, 8192, 7800"\n');
chmodSync(fakeSmi, 0o755);

// A model in the user's own project, exported as a class from a .ts, .mts, .js and .mjs file that
// imports dlab by name (node_modules/dlab links to this package, as npm install would place it).
const userDir = join(tmp, 'user');
mkdirSync(join(userDir, 'node_modules'), { recursive: true });
symlinkSync(fileURLToPath(new URL('..', import.meta.url)), join(userDir, 'node_modules', 'dlab'));
writeFileSync(join(userDir, 'package.json'), '{"type": "module"}');
const netSource = (types: boolean): string =>
  `import { nn${types ? ', type Tensor' : ''} } from 'dlab';\n` +
  `export class Net extends nn.Module {\n  fc = new nn.Linear(10, 4);\n  forward(x${types ? ': Tensor' : ''}) { return this.fc.call(x).relu(); }\n}\n`;
for (const ext of ['ts', 'mts', 'js', 'mjs']) writeFileSync(join(userDir, `net.${ext}`), netSource(ext.endsWith('ts')));
// The built CLI under plain Node, as `npx dlab` runs it (the other runs use tsx, which would hide
// that Node cannot import .ts files by itself).
const builtMain = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const builtDlab = (args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [builtMain, ...args], { encoding: 'utf8', cwd: userDir }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

let server: Server;
let endpoint = '';
before(async () => {
  server = hubServer(makeHub());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server.close());

const runs = {
  summary: dlab(['summary', 'mnist-mlp']),
  exercise: dlab(['memory', 'mlp:1000-512-512-512-512-10', '--input', '1000', '--batch', '64', '--json']),
  exerciseText: dlab(['memory', 'mlp:1000-512-512-512-512-10', '--input', '1000', '--batch', '1024']),
  // Two start Node with the flags themselves; the third lets `dlab memory --measure` re-spawn.
  measureLenet: dlab(['memory', 'lenet', '--batch', '4', '--measure', '--json'], {}, MEASURE_FLAGS),
  measureTransformer: dlab(['memory', 'transformer', '--batch', '4', '--optimizer', 'adam', '--measure', '--json'], {}, MEASURE_FLAGS),
  measureMlpInfer: dlab(['memory', 'mnist-mlp', '--batch', '16', '--mode', 'infer', '--measure', '--json']),
  gpuJson: dlab(['gpu', '--json'], { DLAB_NVIDIA_SMI: fakeSmi }),
  catalogue: dlab(['fit', '--catalogue', '--gpu-memory', '4GiB']),
  userFiles: Promise.all(['ts', 'mts', 'js', 'mjs'].map((ext) => builtDlab(['summary', `./net.${ext}#Net`, '--input', '10']))),
};

test('dlab summary prints torchsummary\'s table exactly', async () => {
  const r = await runs.summary;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, fixture.summary.find((c) => c.model === 'mnist-mlp' && c.batch_size === -1)!.text);
});

test('dlab memory --json: the course exercise as one JSON object of the documented shape', async () => {
  const r = await runs.exercise;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  const out = JSON.parse(r.stdout) as { params: number; bytes: Record<string, number>; mode: string; batch: number; dtype: string };
  assert.deepEqual(Object.keys(out), ['params', 'bytes', 'mode', 'batch', 'dtype']);
  assert.deepEqual(Object.keys(out.bytes), ['params', 'gradients', 'optimizer', 'activations', 'input', 'total']);
  assert.equal(out.params, 1_305_610);
  assert.equal(out.bytes.params, 5_222_440);
  assert.deepEqual([out.mode, out.batch, out.dtype], ['train', 64, 'float32']);
  const b = out.bytes;
  assert.equal(b.total, b.params + b.gradients + b.optimizer + b.activations + b.input);
});

test('dlab memory at batch 1024: activations dominate, and the text says so', async () => {
  const r = await runs.exerciseText;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /parameters: 1,305,610/);
  assert.match(r.stdout, /largest part: activations/);
  assert.match(r.stdout, /gradient accumulation/);
  assert.match(r.stdout, /conventions:/);
});

for (const [name, key] of [['LeNet training', 'measureLenet'], ['small transformer training with Adam', 'measureTransformer'], ['MLP inference', 'measureMlpInfer']] as const) {
  test(`dlab memory --measure: ${name}, measured peak within 10% of the estimate`, async () => {
    const r = await runs[key];
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { bytes: { total: number; params: number }; measured: { peak: number; params: number; exact: boolean } };
    assert.equal(out.measured.exact, true);
    assert.equal(out.measured.params, out.bytes.params);
    const err = Math.abs(out.measured.peak - out.bytes.total) / out.bytes.total;
    assert.ok(err < 0.1, `estimate ${out.bytes.total}, measured ${out.measured.peak} (${(100 * err).toFixed(1)}%)`);
  });
}

test('dlab gpu --json lists what nvidia-smi reports', async () => {
  const r = await runs.gpuJson;
  assert.deepEqual(JSON.parse(r.stdout), { gpus: [{ index: 0, name: 'NVIDIA GeForce RTX 3070', totalBytes: 8192 * 2 ** 20, freeBytes: 7800 * 2 ** 20 }] });
});

test('dlab memory --max-batch --gpu-memory: the largest batch within 0.8 of the memory, and the next power of two', async () => {
  const r = await dlab(['memory', 'mlp:1000-512-10', '--input', '1000', '--max-batch', '--gpu-memory', '64MiB', '--json'], { DLAB_NVIDIA_SMI: fakeSmi });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { gpuMemory: number; safetyFactor: number; usable: number; maxBatch: number; estimates: { batch: number; bytes: { total: number }; fits: boolean }[] };
  assert.deepEqual([out.gpuMemory, out.safetyFactor, out.usable], [64 * 2 ** 20, 0.8, Math.floor(0.8 * 64 * 2 ** 20)]);
  // The same estimate in this process: maxBatch fits the usable bytes, one more does not.
  const total = (batchSize: number) => estimateMemory(builtinModel('mlp:1000-512-10').build(), { inputSize: [1000], batchSize }).bytes.total;
  assert.ok(total(out.maxBatch) <= out.usable && total(out.maxBatch + 1) > out.usable, `maxBatch ${out.maxBatch}`);
  const next = 2 ** Math.ceil(Math.log2(out.maxBatch + 1));
  assert.deepEqual(out.estimates.map((e) => [e.batch, e.bytes.total, e.fits]), [[out.maxBatch, total(out.maxBatch), true], [next, total(next), false]]);
});

test('dlab memory --max-batch with no --gpu-memory plans for the free memory dlab gpu reports; with no GPU it asks for one', async () => {
  const r = await dlab(['memory', 'mlp:1000-512-10', '--input', '1000', '--max-batch'], { DLAB_NVIDIA_SMI: fakeSmi });
  assert.equal(r.code, 0, r.stderr);
  // 7800 MiB free: usable 0.8 x 7800 MiB = 6240 MiB = 6.09 GiB.
  assert.match(r.stdout, /^GPU memory: 7\.62 GiB \(free memory of GPU 0 \(NVIDIA GeForce RTX 3070\)\); usable with the safety factor 0\.8: 6\.09 GiB \(6,543,114,240 bytes\)$/m);
  const n = Number(/^largest batch that fits: ([\d,]+)$/m.exec(r.stdout)![1].replaceAll(',', ''));
  const next = 2 ** Math.ceil(Math.log2(n + 1));
  assert.match(r.stdout, new RegExp(`^  part +batch ${n.toLocaleString('en-US')} +batch ${next.toLocaleString('en-US')}$`, 'm'));
  assert.match(r.stdout, /^  fits +yes +no$/m);
  const none = await dlab(['memory', 'mnist-mlp', '--max-batch'], { DLAB_NVIDIA_SMI: join(tmp, 'absent') });
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /dlab memory: no GPU detected \(dlab gpu lists none\): give --gpu-memory, e\.g\. --gpu-memory 8GiB/);
});

test('dlab fit <hub id> --json: counts from headers served by HF_ENDPOINT, fit per dtype', async () => {
  const r = await dlab(['fit', 'test/tiny-lm', '--gpu-memory', '8GiB', '--context', '64', '--json'], { HF_ENDPOINT: endpoint, DLAB_NVIDIA_SMI: join(tmp, 'absent') });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { params: number; kvCache: { context: number }; gpuMemory: number; estimates: { dtype: string; inferenceBytes: number; fitsInference: boolean }[] };
  assert.equal(out.params, 3584);
  assert.equal(out.kvCache.context, 64);
  assert.equal(out.gpuMemory, 8 * 2 ** 30);
  const f32 = out.estimates.find((e) => e.dtype === 'float32')!;
  assert.equal(f32.inferenceBytes, Math.ceil((3584 * 4 + 32 * 64 * 4) * 1.2));
  assert.equal(f32.fitsInference, true);
  const pipe = await dlab(['fit', 'test/tiny-sd', '--gpu-memory', '1MiB'], { HF_ENDPOINT: endpoint });
  assert.match(pipe.stdout, /test\/tiny-sd: 708 parameters\n {2}unet +296\n {2}text_encoder +400\n {2}vae +12/);
});

test('dlab fit <hub id> with the hub unreachable: the URL, the cause, and what works offline', async () => {
  const port = await closedPort();
  const r = await dlab(['fit', 'test/tiny-lm', '--gpu-memory', '8GiB'], { HF_ENDPOINT: `http://127.0.0.1:${port}` });
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`dlab fit: cannot reach http://127.0.0.1:${port}/api/models/test/tiny-lm: fetch failed (ECONNREFUSED)`), r.stderr);
  assert.match(r.stderr, /dlab fit --catalogue --gpu-memory <size>/);
  assert.match(r.stderr, /dlab fit <folder> reads a local copy/);
  assert.ok(r.stderr.includes(`HF_ENDPOINT=<url> points at a hub mirror you can reach (now http://127.0.0.1:${port})`), r.stderr);
});

test('dlab fit --catalogue: the largest text-to-image model for the memory, offline', async () => {
  const r = await runs.catalogue;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /largest that fits \(float16\): \S+/);
  assert.match(r.stdout, /black-forest-labs\/FLUX\.1-schnell .* too big/);
});

test('dlab summary path/to/file.{ts,mts,js,mjs}#Export: a model class from the user\'s file, under plain Node', async () => {
  for (const r of await runs.userFiles) {
    assert.equal(r.code, 0, r.stderr);
    // torchsummary hooks every layer but not the model itself: no `Net-2` row.
    assert.match(r.stdout, /={64}\n +Linear-1 +\[-1, 4\] +44\n={64}\n/);
  }
});
