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
// what its wall time would be alone.
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
import { trainEpochs } from '../src/lab/training.js';
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
rmSync(home, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { wall: median(v.wall), cpu: median(v.cpu) }]));
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
console.log(`MNIST MLP epoch, ${torch.getBackend().name} backend, ${torch.getNumThreads()} thread(s), medians of ${rounds} rounds`);
for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(6)} ${v.wall.toFixed(3)} s wall  ${v.cpu.toFixed(3)} s CPU`);
if (m.loader && m.bench) console.log(`  data pipeline (loader - bench): ${pct(m.loader.wall, m.bench.wall)} wall, ${pct(m.loader.cpu, m.bench.cpu)} CPU`);
if (m.runner && m.loader) console.log(`  runner overhead (runner - loader): ${pct(m.runner.wall, m.loader.wall)} wall, ${pct(m.runner.cpu, m.loader.cpu)} CPU`);
