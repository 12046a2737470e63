// Where the lab's training loop spends its time beyond the bench's bare loop, for the MNIST MLP
// (784-128-10, SGD lr 0.1, batch 64, one epoch). Three loops over the same model, interleaved in
// rounds so that a slow spell of a shared machine hits all alike:
//   bench   the bench's mlp-train loop (bench/peers/dlab.mjs): pre-normalized images gathered per
//           batch, one loss.item() at the end;
//   loader  the same steps fed by the lab's loader (MNIST + ToTensor + Normalize, a shuffling
//           StatefulDataLoader), so `loader - bench` is the data pipeline's share;
//   runner  trainEpochs with the Node runner's context (progress bar, per-step loss and accuracy,
//           metrics in the run store, the checkpoint hook), as `dlab run mnist` runs it, so
//           `runner - loader` is the runner's own overhead.
// CPU seconds are printed beside wall seconds: on a busy machine a one-thread loop's CPU time is
// what its wall time would be alone. Then the pieces of one step, each timed alone (best of many).
//   npx tsx scripts/runner-overhead.ts [--rounds 3] [--backend wasm] [--threads 1] [--loops bench,loader,runner]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { nn, optim } from '../src/index.js';
import { transforms } from '../src/data/index.js';
import { MNIST } from '../src/datasets/mnist.js';
import { StatefulDataLoader } from '../src/io/checkpoint.js';
import { NodeRunContext } from '../src/lab/runner.node.js';
import { RunStore } from '../src/lab/store.node.js';
import { correctPredictions, trainEpochs } from '../src/lab/training.js';
import { finiteLoss } from '../src/lab/experiment.js';
// @ts-expect-error: plain JavaScript without types, shared with the bench's peers
import { batchOf, loadMnist, permutation } from '../bench/common.mjs';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '3'));
torch.setBackend(arg('backend', torch.getBackend().name));
torch.setNumThreads(Number(arg('threads', '1')));

const mlp = () => {
  torch.manualSeed(0);
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
};
const lossFn = new nn.CrossEntropyLoss();

function step(model: nn.Module, optimizer: optim.Optimizer<never>, x: torch.Tensor, y: torch.Tensor): torch.Tensor {
  optimizer.zeroGrad();
  const loss = lossFn.call(model.call(x) as torch.Tensor, y);
  loss.backward();
  optimizer.step();
  return loss;
}

const benchData = loadMnist('train');
async function benchLoop(): Promise<number> {
  const model = mlp();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 }) as optim.Optimizer<never>;
  const perm = permutation(benchData.n, 1);
  const steps = Math.floor(60000 / 64);
  let loss: torch.Tensor | undefined;
  for (let s = 0; s < steps; s++) {
    const b = batchOf(benchData, perm, s * 64, 64);
    loss = step(model, optimizer, torch.tensor(b.x).view([64, 784]), torch.tensor(b.y).to('int64'));
  }
  return loss!.item();
}

const normalize = () => new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.1307], [0.3081])]);
const train = new MNIST({ train: true, transform: normalize() });
const loader = () => new StatefulDataLoader(train, { batchSize: 64, shuffle: true });

async function loaderLoop(): Promise<number> {
  const model = mlp();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 }) as optim.Optimizer<never>;
  let loss: torch.Tensor | undefined;
  for (const [x, y] of loader() as Iterable<[torch.Tensor, torch.Tensor]>) loss = step(model, optimizer, x, y);
  return loss!.item();
}

const home = mkdtempSync(join(tmpdir(), 'dlab-overhead-'));
const store = new RunStore(home);
let epochSeconds = NaN;
async function runnerLoop(): Promise<number> {
  const model = mlp();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  const runId = store.createRun('mnist', { epochs: 1 });
  const ctx = new NodeRunContext(store, runId, true, 0, false);
  // The test set is one batch of 10 here: its evaluation falls outside the epoch's time anyway.
  const testLoader = [[torch.zeros([10, 1, 28, 28]), torch.zeros([10], { dtype: 'int64' })]] as Iterable<[torch.Tensor, torch.Tensor]>;
  const result = await trainEpochs(ctx, { model, optimizer, trainLoader: loader(), testLoader, epochs: 1, lossFn });
  ctx.closeBars();
  epochSeconds = result.epochSeconds[0];
  return result.trainLoss;
}

const chosen = arg('loops', 'bench,loader,runner').split(',');
const loops = Object.fromEntries(Object.entries({ bench: benchLoop, loader: loaderLoop, runner: runnerLoop }).filter(([k]) => chosen.includes(k)));
const times: Record<string, { wall: number[]; cpu: number[] }> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, loop] of Object.entries(loops)) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await loop();
    const wall = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;
    (times[name] ??= { wall: [], cpu: [] }).wall.push(wall);
    times[name].cpu.push(cpu);
    const note = name === 'runner' ? ` (its epoch_seconds ${epochSeconds.toFixed(3)})` : '';
    console.error(`round ${round + 1}: ${name.padEnd(6)} ${wall.toFixed(3)} s wall, ${cpu.toFixed(3)} s CPU${note}`);
  }
}

// The same split from the pieces of one step, each the best of many timed batches of calls: on a
// busy machine the best case is the one the load did not touch, where whole epochs wander by 20%.
const best = async (calls: number, fn: (i: number) => unknown): Promise<number> => {
  let top = Infinity;
  for (let round = 0; round < 25; round++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await fn(i);
    top = Math.min(top, ((performance.now() - t0) / calls) * 1000);
  }
  return top;
};
{
  const model = mlp();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 }) as optim.Optimizer<never>;
  const perm = permutation(benchData.n, 1);
  const b = batchOf(benchData, perm, 0, 64);
  const x = torch.tensor(b.x).view([64, 784]);
  const y = torch.tensor(b.y).to('int64');
  const output = model.call(x) as torch.Tensor;
  const loss = lossFn.call(output, y);
  const indices = Array.from(perm.subarray(0, 64) as Int32Array);
  const runId = store.createRun('mnist', { epochs: 1 });
  const ctx = new NodeRunContext(store, runId, true, 0, false);
  const bar = ctx.progress(1e9, 'pieces');
  const state = { model, optimizer };
  const pieces: [string, number][] = [
    ['compute: forward, loss, backward, SGD step', await best(20, () => step(model, optimizer, x, y))],
    ['data, bench: gather pre-normalized rows, 2 tensors', await best(20, (i) => { const c = batchOf(benchData, perm, (i % 900) * 64, 64); return [torch.tensor(c.x).view([64, 784]), torch.tensor(c.y).to('int64')]; })],
    ['data, lab: MNIST getBatch (ToTensor + Normalize)', await best(20, () => train.getBatch(indices))],
    // The lab runs each step in torch.scope (a pooled backend reuses the step's arrays): its net cost.
    ['runner: the step in torch.scope, minus the bare step', (await best(20, () => torch.scope(() => void step(model, optimizer, x, y)))) - (await best(20, () => step(model, optimizer, x, y)))],
    ['runner: loss.item() + finiteness check', await best(200, (i) => finiteLoss(loss, { epoch: 1, step: i }))],
    ['runner: accuracy (correctPredictions)', await best(200, () => correctPredictions(output, y))],
    ['runner: progress bar update', await best(200, (i) => bar.update(i + 1, { loss: 1 / (i + 1), acc: 0.5, 'img/s': 1000 }))],
    ['runner: ctx.checkpoint (no save due)', await best(200, (i) => ctx.checkpoint(state, { epoch: 1, step: i + 1 }))],
    ['runner: ctx.log every 50 steps, per step', (await best(20, (i) => ctx.log({ loss: 1 }, { step: i }))) / 50],
  ];
  // ctx.checkpoint lets the event loop run once every 20 ms of training: that turn, per step.
  const turn = await best(20, () => new Promise<void>((resolve) => setImmediate(resolve)));
  pieces.push(['runner: an event-loop turn every 20 ms, per step', (turn * pieces[0][1]) / 20_000]);
  bar.finish();
  ctx.closeBars();
  const compute = pieces[0][1];
  console.log('\nOne step, best of 25 batches of calls (µs per step, and share of the compute):');
  for (const [k, v] of pieces) console.log(`  ${k.padEnd(52)} ${v.toFixed(1).padStart(8)} µs  ${((v / compute) * 100).toFixed(1).padStart(5)}%`);
  const runner = pieces.filter(([k]) => k.startsWith('runner')).reduce((a, [, v]) => a + v, 0);
  console.log(`  runner overhead per step: ${runner.toFixed(1)} µs, ${((runner / compute) * 100).toFixed(1)}% of the compute; data, lab - bench: ${(pieces[2][1] - pieces[1][1]).toFixed(1)} µs`);
}
rmSync(home, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { wall: median(v.wall), cpu: median(v.cpu) }]));
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
console.log(`MNIST MLP epoch, ${torch.getBackend().name} backend, ${torch.getNumThreads()} thread(s), medians of ${rounds} rounds`);
for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(6)} ${v.wall.toFixed(3)} s wall  ${v.cpu.toFixed(3)} s CPU`);
if (m.loader && m.bench) console.log(`  data pipeline (loader - bench): ${pct(m.loader.wall, m.bench.wall)} wall, ${pct(m.loader.cpu, m.bench.cpu)} CPU`);
if (m.runner && m.loader) console.log(`  runner overhead (runner - loader): ${pct(m.runner.wall, m.loader.wall)} wall, ${pct(m.runner.cpu, m.loader.cpu)} CPU`);
