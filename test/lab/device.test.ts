// The lab's --device: its checks (the device model's own messages, naming the flag), the default
// (never a software adapter), and training on the GPU the test runner provides (SwiftShader where
// there is none: scripts/run-tests.mjs sets the environment): the same losses as on the CPU within
// float32 rounding, for the MLP of `dlab run mnist` and for LeNet, with one read per logged step.
// Few steps and tiny data: SwiftShader is slow.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';
import { nn, optim } from '../../src/index.js';
import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/index.js';
import { readCheckpoint } from '../../src/io/checkpoint.node.js';
import { cpuDeviceOption, cpuOnly, defaultDevice, deviceRefusal } from '../../src/lab/device.js';
import { parseValue, resolveOptions, ruleOf } from '../../src/lab/experiment.js';
import { cnn } from '../../src/lab/experiments/cnn.js';
import { mnist } from '../../src/lab/experiments/mnist.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { experiments } from '../../src/lab/registry.js';
import { RunStore } from '../../src/lab/store.node.js';
import { countingReads } from './gpu-reads.js';
import { interruptedThenResumed } from './interrupt.js';
import { trainEpochs } from '../../src/lab/training.js';

/** The GPU cases fail by name without an adapter (the runner points Dawn at SwiftShader): never a skip. */
async function needAdapter(): Promise<void> {
  assert.ok(await torch.webgpu.isAvailable(), 'no WebGPU adapter: run the tests through scripts/run-tests.mjs (it points Dawn at SwiftShader), or set VK_ICD_FILENAMES to a Vulkan driver');
}

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'dlab-device-'));
after(() => {
  rmSync(home, { recursive: true, force: true });
});

const dlab = (args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, DLAB_HOME: home } });
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} on webgpu, ${b} on cpu`);

test('every experiment takes --device, checked as torch.device checks it', () => {
  for (const e of experiments) assert.equal(ruleOf((e.options as Record<string, never>).device).kind, 'device', e.name);
  const rule = ruleOf(mnist.options.device);
  for (const ok of ['cpu', 'webgpu', 'webgpu:0']) assert.equal(parseValue(rule, ok), ok);
  for (const bad of ['cuda', 'cuda:0', 'mps', 'webgpu:7', 'gpu', '', 'cpu:1']) assert.equal(parseValue(rule, bad), undefined, bad);
  assert.equal(deviceRefusal('cuda'), "dlab has no device 'cuda'; available: cpu, webgpu (dlab's GPU device is 'webgpu': torch.device('webgpu'))");
  assert.throws(() => resolveOptions(mnist, { device: 'cuda' }), /^RangeError: --device: dlab has no device 'cuda'; available: cpu, webgpu .*got 'cuda'$/);
  assert.throws(() => resolveOptions(mnist, { device: 'webgpu:7' }), /--device: dlab has no device 'webgpu:7': it drives one GPU per process, webgpu:0/);
  // none is the default: the runner picks the device then.
  assert.throws(() => resolveOptions(mnist, { device: 3 }), /^TypeError: --device: expected cpu, webgpu or webgpu:0 or none, got '3'$/);
});

test('dlab run refuses a bad --device while parsing, naming the flag', () => {
  const cases: [string, RegExp][] = [
    ['cuda', /option '--device <value>' argument 'cuda' is invalid\. dlab has no device 'cuda'; available: cpu, webgpu \(dlab's GPU device is 'webgpu'/],
    ['webgpu:7', /option '--device <value>' argument 'webgpu:7' is invalid\. dlab has no device 'webgpu:7': it drives one GPU per process, webgpu:0/],
    ['garbage', /option '--device <value>' argument 'garbage' is invalid\. Expected one of cpu, webgpu device type at start of device string: garbage/],
  ];
  for (const [value, message] of cases) {
    const r = dlab(['run', 'mnist', '--device', value, '--json']);
    assert.notEqual(r.status, 0, value);
    assert.match(r.stderr, message);
  }
  // A sweep over devices checks each value the same way.
  const sweep = dlab(['sweep', 'mnist', '--device', 'cpu,cuda']);
  assert.notEqual(sweep.status, 0);
  assert.match(sweep.stderr, /option '--device <values>' argument 'cpu,cuda' is invalid\. 'cuda': dlab has no device 'cuda'; available: cpu, webgpu/);
  // A user's experiment whose loop cannot run on a GPU (every built-in one can) defaults to cpu and says why it refuses one.
  assert.equal(cpuDeviceOption('its loop reads each step').default, 'cpu');
  assert.throws(() => cpuOnly('mine', 'webgpu', 'its loop reads each step'), /^Error: --device webgpu: mine does not run on webgpu yet \(its loop reads each step\); use --device cpu$/);
  assert.doesNotThrow(() => cpuOnly('mine', 'cpu', 'its loop reads each step'));
  assert.doesNotThrow(() => cpuOnly('mine', undefined, 'its loop reads each step'));
});

test('the default device: webgpu on a hardware adapter, cpu on a software one or none', async () => {
  const available = await torch.webgpu.isAvailable();
  const software = available && torch.webgpu.getDeviceProperties().isSoftware;
  const picked = await defaultDevice();
  assert.equal(picked.device, available && !software ? 'webgpu:0' : 'cpu');
  if (software) {
    assert.match(picked.note!, /software adapter\), far slower than the CPU backends \(--device webgpu uses it anyway\)/);
  }
});

test('dlab run mnist --device webgpu: the losses of --device cpu, the device reported, a checkpoint from CPU copies', async () => {
  await needAdapter();
  const args = ['run', 'mnist', '--train-size', '96', '--test-size', '32', '--batch-size', '32', '--epochs', '1', '--checkpoint-every', '2', '--no-report', '--json'];
  const runs = ['webgpu', 'cpu'].map((device) => {
    const r = dlab([...args, '--device', device]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
  });
  const [gpu, cpu] = runs;
  assert.equal(gpu.device, 'webgpu:0');
  assert.equal(cpu.device, 'cpu');
  close(gpu.train_loss as number, cpu.train_loss as number, 'train loss');
  assert.equal(gpu.test_accuracy, cpu.test_accuracy);
  // Step 2's checkpoint, written from CPU copies of the GPU's weights and momentum-free SGD state: the CPU run's.
  const [a, b] = [gpu, cpu].map((m) => readCheckpoint(join(home, 'runs', String(m.run_id), 'checkpoint.safetensors')));
  assert.equal(a.step, 2);
  assert.deepEqual(Object.keys(a.model), Object.keys(b.model));
  for (const k of Object.keys(a.model)) {
    const off = a.model[k].sub(b.model[k]).abs().max().item();
    assert.ok(off <= 1e-5, `${k}: ${off} apart`);
  }
});

test('LeNet (cnn) on webgpu: the loss and accuracies of the cpu', async () => {
  await needAdapter();
  const logs = [];
  for (const device of ['webgpu', 'cpu']) {
    const ctx = new MemoryContext();
    const m = await cnn.run(resolveOptions(cnn, { dataset: 'mnist', trainSize: 32, testSize: 16, batchSize: 16, epochs: 1, device }), ctx);
    assert.ok(Number.isFinite(m.train_loss as number));
    logs.push(ctx.logged.filter((l) => l.epoch !== undefined).map((l) => l.metrics));
  }
  const [gpu, cpu] = logs;
  assert.equal(gpu.length, 1);
  for (let e = 0; e < 1; e++) {
    close(gpu[e].train_loss, cpu[e].train_loss, `epoch ${e + 1} train loss`);
    assert.equal(gpu[e].train_acc, cpu[e].train_acc);
    assert.equal(gpu[e].test_acc, cpu[e].test_acc);
  }
});

test('the loop on a GPU reads once per logged step (and per epoch, and the test pass), then hands the model back on the CPU', async () => {
  await needAdapter();
  const device = torch.device('webgpu');
  torch.manualSeed(0);
  const x = torch.randn([48, 6]);
  const y = torch.randint(0, 3, [48]);
  const model = new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 4 }); // 12 steps an epoch
  const ctx = new MemoryContext({ yieldEvery: 1000 });
  const { reads } = await countingReads(() => trainEpochs(ctx, { model, optimizer, trainLoader: loader, testLoader: loader, epochs: 1, lossFn: new nn.CrossEntropyLoss(), logEvery: 5, device }));
  // Steps 5 and 10 (logged), 12 (the epoch's end), the test pass, and 4 parameters and their gradients brought back.
  assert.equal(reads, 3 + 1 + 8);
  assert.deepEqual(ctx.logged.filter((l) => l.step !== undefined).map((l) => l.step), [5, 10]);
  assert.ok(model.parameters().every((p) => p.isCpu));
  assert.ok(Number.isFinite(model.call(x).sum().item()));
});

test('stopped mid-epoch on webgpu and resumed from its checkpoint (CPU copies, loaded back onto the GPU), mnist ends with the metrics of the cpu', async () => {
  await needAdapter();
  // Momentum, so that the optimizer's state goes through the checkpoint too.
  const given = { trainSize: 96, testSize: 32, batchSize: 16, epochs: 1, momentum: 0.9, hidden: 16 };
  const store = new RunStore(mkdtempSync(join(home, 'resume-')));
  try {
    const resumed = await interruptedThenResumed(store, mnist as never, { ...given, device: 'webgpu' }, 3);
    const cpu = await mnist.run(resolveOptions(mnist, { ...given, device: 'cpu' }), new MemoryContext());
    close(resumed.train_loss as number, cpu.train_loss as number, 'train loss');
    assert.equal(resumed.test_accuracy, cpu.test_accuracy);
  } finally {
    store.close();
  }
});
