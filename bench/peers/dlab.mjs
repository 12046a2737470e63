// dlab's side of the benchmark: one workload per process, from the built package (dist/).
// Usage: node bench/peers/dlab.mjs '{"workload":"matmul","n":512,"threads":1,"backend":"wasm"}'
// With "device":"webgpu" the model and data live on the GPU (in the environment bench/gpu-env.mjs
// gives), and every timed region ends by awaiting the GPU: a loss read, or torch.webgpu.synchronize().

import * as torch from '../../dist/index.js';
import { batchOf, dispatchTimes, loadMnist, modelWorkloads, parseTask, permutation, randomArray, report, runPeer, timedEpoch, timeIt } from '../common.mjs';
import { imageShape, lenet, mlp } from '../dlab-models.mjs';
import { instrument } from '../instrument.mjs';

const { nn, optim } = torch;
const task = parseTask();
if (task.backend) torch.setBackend(task.backend);
if (task.threads && typeof torch.setNumThreads === 'function') torch.setNumThreads(task.threads);
const device = task.device ?? null;
if (device && !(await torch.webgpu.isAvailable())) {
  report({ peer: `dlab ${device}`, error: 'no WebGPU adapter here' });
}
/** A CPU tensor where the measurement runs. */
const place = (t) => (device ? t.to(device) : t);
/** The end of a timed region: the GPU has run what was recorded (nothing to wait for on the CPU). */
const sync = () => (device ? torch.webgpu.synchronize() : undefined);

const models = { mlp: () => mlp(nn), lenet: () => lenet(nn) };

async function accuracy(model, name, test) {
  model.eval();
  let correct = 0;
  for (let start = 0; start < test.n; start += 1000) {
    const size = Math.min(1000, test.n - start);
    const x = place(torch.tensor(test.x.subarray(start * 784, (start + size) * 784)).view(imageShape(name, size)));
    const y = place(torch.tensor(test.y.subarray(start, start + size)).to('int64'));
    correct += await torch.noGrad(() => model.call(x).argmax(1).eq(y).sum()).itemAsync();
  }
  model.train();
  return correct / test.n;
}

/**
 * The training set as tensors (each batch is gathered from them with index_select, as PyTorch's
 * peer does x[idx], y[idx]); the arrays loadMnist read are dropped once copied.
 */
function trainingSet() {
  const data = loadMnist('train');
  return { images: torch.tensor(data.x).view([data.n, 784]), labels: torch.tensor(data.y).to('int64'), n: data.n };
}

async function train(name) {
  torch.manualSeed(0);
  const model = device ? models[name]().to(device) : models[name]();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  const lossFn = new nn.CrossEntropyLoss();
  const { images, labels, n } = trainingSet();
  const gatherer = (perm) => {
    const order = torch.tensor(perm).to('int64');
    // The batch's index_selects run when the step asks (inside its scope, as the TF.js peer makes
    // its batch tensors inside tf.tidy), so that the batch's memory is given back with the step's.
    return (start, size) => () => {
      const idx = order.narrow(0, start, size);
      return { x: images.indexSelect(0, idx), y: labels.indexSelect(0, idx) };
    };
  };
  const result = await timedEpoch(task, { n }, (gather, size, isLast) => {
    // Each step in a scope, as the TF.js peer's tf.tidy: what the step made and did not return
    // is given back when it ends (native: its arrays reused by the next step; a GPU: freed).
    const loss = torch.scope(() => {
      const b = gather();
      const x = place(b.x.view(imageShape(name, size)));
      const y = place(b.y);
      optimizer.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      optimizer.step();
      return isLast ? loss : undefined;
    });
    // The last step's loss is the epoch's one read: on a GPU, the wait for all the steps queued.
    return loss?.itemAsync();
  }, gatherer);
  if (result.whole) result.test_accuracy = await accuracy(model, name, loadMnist('test'));
  return result;
}

// One training step of the bench's loop (as train() runs it), timed plain and then with every
// backend method wrapped: the step's time by kernel, and what is left outside the kernels
// (dispatch, shape checks, autograd bookkeeping, allocation). Milliseconds per step.
async function profileStep(name) {
  torch.manualSeed(0);
  const model = models[name]();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  const lossFn = new nn.CrossEntropyLoss();
  const data = loadMnist('train');
  const perm = permutation(data.n, 1);
  const batches = Array.from({ length: 16 }, (_, i) => batchOf(data, perm, i * 64, 64));
  let s = 0;
  const step = () => {
    const b = batches[s++ % batches.length];
    const x = torch.tensor(b.x).view(imageShape(name, 64));
    const y = torch.tensor(b.y).to('int64');
    optimizer.zeroGrad();
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  const steps = task.steps ?? (name === 'lenet' ? 30 : 200);
  const timed = () => {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    return (performance.now() - t0) / steps;
  };
  for (let i = 0; i < Math.max(5, steps / 4); i++) step();
  const plain = timed();
  const totals = new Map();
  const restore = instrument(torch.getBackend(), totals);
  const instrumented = timed();
  restore();
  const kernels = Object.fromEntries([...totals].map(([k, v]) => [k, v / steps]).sort((a, b) => b[1] - a[1]));
  return { model: name, steps, step_ms: plain, instrumented_ms: instrumented, kernels_ms: kernels };
}

async function infer(name) {
  torch.manualSeed(0);
  const model = device ? models[name]().to(device) : models[name]();
  model.eval();
  const test = loadMnist('test');
  const x = place(torch.tensor(test.x.subarray(0, 1000 * 784)).view(imageShape(name, 1000)));
  const times = await timeIt(async () => {
    torch.noGrad(() => model.call(x));
    await sync();
  }, { reps: task.reps ?? 5 });
  return { times, images_per_s: times.map((t) => 1000 / t) };
}

async function matmul(n) {
  const a = place(torch.tensor(randomArray(n * n, 1)).view([n, n]));
  const b = place(torch.tensor(randomArray(n * n, 2)).view([n, n]));
  const reps = task.reps ?? Math.max(3, Math.min(50, Math.round(2e9 / (2 * n ** 3))));
  const times = await timeIt(async () => {
    torch.matmul(a, b);
    await sync();
  }, { reps, warmup: 2 });
  return { times, gflops: times.map((t) => (2 * n ** 3) / t / 1e9) };
}

// The data side of an epoch alone: all 60,000 training images through ToTensor+Normalize and the
// shuffled DataLoader at batch 64 (the bar: well under a second).
async function dataEpoch() {
  const { MNIST } = await import('../../dist/datasets/index.js');
  const { DataLoader, transforms } = torch.utils.data;
  const transform = new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);
  const loader = new DataLoader(new MNIST({ train: true, transform }), { batchSize: 64, shuffle: true });
  const times = await timeIt(() => { for (const batch of loader) void batch; }, { reps: task.reps ?? 3 });
  return { times, seconds: median(times) };
}

// What one small op costs end to end (checks, dtype/shape logic, the kernel call, the result
// tensor): a + b on 8 floats, without and with a recorded autograd node.
async function dispatch() {
  const a = torch.randn(8);
  const b = torch.randn(8);
  const leaf = torch.randn(8).requiresGrad_();
  return dispatchTimes(() => a.add(b), task.reps ?? 5, () => leaf.add(b));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const version = (await import('../../package.json', { with: { type: 'json' } })).default.version;
// A GPU's rows name its adapter ("(software adapter)" marks SwiftShader and its kind).
const base = device
  ? { peer: `dlab ${device} (${torch.webgpu.getDeviceName()})`, version, adapter: torch.webgpu.getDeviceName(), software_adapter: torch.webgpu.getDeviceProperties().isSoftware }
  : { peer: `dlab ${task.backend ?? torch.getBackend().name}`, version };
await runPeer(task, base, {
  probe: async () => ({}),
  ...modelWorkloads(train, infer),
  matmul: () => matmul(task.n),
  'mnist-data': dataEpoch,
  profile: () => profileStep(task.model),
  dispatch,
});
