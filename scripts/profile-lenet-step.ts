// Time one LeNet forward+backward (conv 1->6 k5 pad 2, ReLU, maxpool 2, conv 6->16 k5, ReLU,
// maxpool 2, 400-120-84-10, cross-entropy) at batch 64 on each backend, with a breakdown by
// backend primitive. Synthetic inputs: the step costs the same on real MNIST.
//   npx tsx scripts/profile-lenet-step.ts [steps] [backend] [threads]

import * as torch from '../src/index.js';
import { nn } from '../src/index.js';
import { instrument } from './instrument-backend.js';

const steps = Number(process.argv[2] ?? 20);
const only = process.argv[3];
if (process.argv[4]) torch.setNumThreads(Number(process.argv[4]));

const lenet = () =>
  new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
  );

for (const name of torch.listBackends()) {
  if (only && name !== only) continue;
  torch.setBackend(name);
  torch.manualSeed(0);
  const model = lenet();
  const x = torch.randn(64, 1, 28, 28);
  const y = torch.randint(0, 10, [64]);
  const step = () => {
    model.zeroGrad();
    const loss = nn.functional.crossEntropy(model.call(x), y);
    loss.backward();
  };
  for (let i = 0; i < 3; i++) step(); // warm up the JIT
  // Per-step times: the median is the figure, the minimum shows the noise of a busy machine.
  const times: number[] = [];
  // CPU time beside wall time: on a machine shared with other work, one thread's CPU time is
  // what its wall time would be with the machine to itself (pass threads 1).
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  const cpuUsed = process.cpuUsage(cpu0);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1000 / steps;
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(steps / 2)];
  const totals = new Map<string, number>();
  const restore = instrument(torch.getBackend(), totals);
  for (let i = 0; i < steps; i++) step();
  restore();
  console.log(
    `${name}: ${ms.toFixed(1)} ms (median; min ${times[0].toFixed(1)}) per LeNet forward+backward, batch 64 ` +
      `(${((938 * ms) / 1000).toFixed(1)} s per MNIST epoch of 938 batches, excluding the optimizer), ${cpu.toFixed(1)} ms/step CPU on ${torch.getNumThreads()} thread(s)`,
  );
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 10);
  for (const [k, v] of top) console.log(`  ${k.padEnd(24)} ${(v / steps).toFixed(2)} ms`);
}
