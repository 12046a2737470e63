// One cold training epoch of the bench's loop (bench/peers/dlab.mjs: SGD lr 0.1, batch 64, each
// batch gathered with index_select), timed by wall clock and by this process's CPU time over the
// epoch alone (data loading left out). On a machine busier than its cores, one thread's CPU time
// is what its wall time would be alone. PyTorch's side: tools/epoch-cpu-times.py.
//   node tools/epoch-cpu-times.mjs MODEL THREADS [BACKEND] [STEPS]     (MODEL: mlp | lenet; needs npm run build)
// Each step runs in torch.scope as the bench's does; EPOCH_SCOPE=0 leaves it out.
// Prints one JSON line: wall and CPU seconds, the median and mean CPU ms of a step after the
// first 100 (their gap is mostly garbage collection), the CPU ms of the first 100, the last loss.

import * as torch from '../dist/index.js';
import { loadMnist, permutation } from '../bench/common.mjs';
import { imageShape, lenet, mlp } from '../bench/dlab-models.mjs';

const [model, threads, backend = 'native', stepArg] = process.argv.slice(2);
torch.setBackend(backend);
torch.setNumThreads(Number(threads));
const { nn, optim } = torch;
const shape = imageShape(model, 64);

torch.manualSeed(0);
const net = { mlp, lenet }[model](nn);
const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
const lossFn = new nn.CrossEntropyLoss();
const { images, labels, order } = (() => {
  const data = loadMnist('train');
  return { images: torch.tensor(data.x).view([data.n, 784]), labels: torch.tensor(data.y).to('int64'), order: torch.tensor(permutation(data.n, 1)).to('int64') };
})();
const steps = Number(stepArg ?? 937);
// Each step in torch.scope, as the bench's peer runs it; EPOCH_SCOPE=0 runs them bare (as before the scope).
const scoped = process.env.EPOCH_SCOPE !== '0';

const stepCpu = [];
let loss = NaN;
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let s = 0; s < steps; s++) {
  const cs = process.cpuUsage();
  const step = () => {
    // Gathered inside the step's scope, as the bench's peer does.
    const idx = order.narrow(0, s * 64, 64);
    const x = images.indexSelect(0, idx).view(shape);
    const y = labels.indexSelect(0, idx);
    opt.zeroGrad();
    const l = lossFn.call(net.call(x), y);
    l.backward();
    opt.step();
    if (s === steps - 1) loss = l.item();
  };
  if (scoped) torch.scope(step);
  else step();
  const c = process.cpuUsage(cs);
  stepCpu.push((c.user + c.system) / 1000);
}
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const later = stepCpu.slice(100).sort((a, b) => a - b);
const round = (v, d = 3) => +v.toFixed(d);
console.log(JSON.stringify({
  peer: `dlab ${backend}${scoped ? '' : ' (no scope)'}`, model, threads: Number(threads), steps, wall_s: round(wall), cpu_s: round((c.user + c.system) / 1e6),
  step_cpu_ms_median: round(later[later.length >> 1] ?? NaN), step_cpu_ms_mean: round(later.reduce((a, b) => a + b, 0) / later.length),
  first100_cpu_ms: round(stepCpu.slice(0, 100).reduce((a, b) => a + b, 0), 1), final_loss: round(loss, 4),
}));
