// dlab's side of tools/torch-cpu-times.py: the same workloads and shapes, timed the same way
// (median and minimum wall, median CPU time per repetition, ms), one JSON line.
//   npx tsx scripts/native-cpu-times.ts BACKEND THREADS WORKLOAD [N]
// WORKLOAD: matmul (N = size), mlp-step, lenet-step, mlp-infer, lenet-infer, alexnet-step (N = batch).
// On a shared machine one thread's CPU time is what its wall time would be alone.

import * as torch from '../src/index.js';
import { nn, optim } from '../src/index.js';
import { alexnet } from '../src/models/cnn.js';

const [backend, threadArg, work, nArg] = process.argv.slice(2);
const threads = Number(threadArg);
const arg = Number(nArg ?? 0);
torch.setBackend(backend);
torch.setNumThreads(threads);
torch.manualSeed(0);

const mlp = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
const lenetRelu = () =>
  new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
  );

function stepFn(model: nn.Module, x: torch.Tensor, y: torch.Tensor): () => unknown {
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const lossFn = new nn.CrossEntropyLoss();
  return () => {
    opt.zeroGrad();
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
}

let fn: () => unknown;
let reps: number;
if (work === 'matmul') {
  const a = torch.rand([arg, arg]).sub(0.5);
  const b = torch.rand([arg, arg]).sub(0.5);
  fn = () => torch.mm(a, b);
  reps = Math.max(100, Math.min(400, Math.round(4e9 / (2 * arg ** 3)))); // the heap reaches its steady size
} else if (work === 'mlp-step') {
  fn = stepFn(mlp(), torch.randn([64, 1, 28, 28]), torch.randint(0, 10, [64]));
  reps = 1000;
} else if (work === 'lenet-step') {
  fn = stepFn(lenetRelu(), torch.randn([64, 1, 28, 28]), torch.randint(0, 10, [64]));
  reps = 200;
} else if (work === 'alexnet-step') {
  const n = arg || 8;
  fn = stepFn(alexnet(), torch.randn([n, 1, 224, 224]), torch.randint(0, 10, [n]));
  reps = 5;
} else if (work === 'mlp-infer' || work === 'lenet-infer') {
  const model = work === 'mlp-infer' ? mlp() : lenetRelu();
  model.eval();
  const x = torch.randn([1000, 1, 28, 28]);
  fn = () => torch.noGrad(() => model.call(x));
  reps = work === 'mlp-infer' ? 200 : 20;
} else throw new Error(`unknown workload ${work}`);

for (let i = 0; i < Math.max(10, Math.floor(reps / 5)); i++) fn(); // the heap and the JIT settle
const walls: number[] = [];
const cpus: number[] = [];
for (let i = 0; i < reps; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  walls.push(performance.now() - t0);
  cpus.push((c.user + c.system) / 1000);
}
walls.sort((p, q) => p - q);
cpus.sort((p, q) => p - q);
const mid = Math.floor(reps / 2);
console.log(JSON.stringify({ backend, threads, workload: work, arg, wall_ms_median: walls[mid], wall_ms_min: walls[0], cpu_ms_median: cpus[mid] }));
