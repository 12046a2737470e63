// Time one training step of the MNIST MLP (784-128-10, batch 64, SGD lr 0.1, cross-entropy)
// on each backend, with a breakdown by backend primitive (time inside kernels vs. the rest:
// dispatch, autograd, allocation). Synthetic inputs: the step costs the same on real MNIST.
//   npx tsx scripts/profile-mlp-step.ts [steps]

import * as torch from '../src/index.js';
import { nn, optim } from '../src/index.js';
import { instrument } from './instrument-backend.js';

const steps = Number(process.argv[2] ?? 300);

// Each backend, and the wasm one on 1 thread and on all. CPU time is reported beside wall time:
// on a machine shared with other work, a single thread's CPU time is what its wall time
// would be with the machine to itself.
const configs = torch.listBackends().flatMap((b) => (b === 'wasm' || b === 'native' ? [[b, 1], [b, torch.getNumThreads()]] : [[b, 1]])) as [string, number][];
for (const [name, threads] of configs) {
  torch.setBackend(name);
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = torch.randn([64, 1, 28, 28]);
  const y = torch.randint(0, 10, [64]);
  const step = () => {
    const loss = lossFn.call(model.call(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
  for (let i = 0; i < 30; i++) step();
  let t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) step();
  const plain = (performance.now() - t0) / steps;
  const cpuUsed = process.cpuUsage(cpu0);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1000 / steps;
  const totals = new Map<string, number>();
  const restore = instrument(torch.getBackend(), totals);
  t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const wall = (performance.now() - t0) / steps;
  restore();
  const kernels = [...totals.values()].reduce((s, v) => s + v, 0) / steps;
  console.log(`\n[${name}, ${threads} thread${threads > 1 ? 's' : ''}] ${plain.toFixed(3)} ms/step wall (${((plain * 938) / 1000).toFixed(2)} s/epoch of 938 steps), ${cpu.toFixed(3)} ms/step CPU`);
  console.log(`  instrumented ${wall.toFixed(3)} ms/step: kernels ${kernels.toFixed(3)} ms, everything else ${(wall - kernels).toFixed(3)} ms`);
  for (const [k, v] of [...totals].sort((p, q) => q[1] - p[1]).slice(0, 12)) console.log(`  ${k.padEnd(24)} ${(v / steps).toFixed(4)} ms`);
}
