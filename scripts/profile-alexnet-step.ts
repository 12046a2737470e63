// Time AlexNet (d2l 8.1, 1x224x224) training steps (forward, backward, SGD) on one backend, with a
// breakdown by backend primitive and operand shape in CPU time (a shared machine: pass threads 1
// for what the wall time would be alone), and each entry's GFLOP/s where it is a convolution or product.
//   npx tsx scripts/profile-alexnet-step.ts [steps] [batch] [backend] [threads]

import * as torch from '../src/index.js';
import { nn, optim } from '../src/index.js';
import { alexnet } from '../src/models/cnn.js';
import type { Backend } from '../src/backend/backend.js';

const steps = Number(process.argv[2] ?? 3);
const batch = Number(process.argv[3] ?? 16);
torch.setBackend(process.argv[4] ?? 'native');
if (process.argv[5]) torch.setNumThreads(Number(process.argv[5]));
torch.manualSeed(0);

const model = alexnet();
const x = torch.randn(batch, 1, 224, 224);
const y = torch.randint(0, 10, [batch]);
const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
const step = () =>
  torch.scope(() => {
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  });

const shapeOf = (a: unknown): string => {
  if (a && typeof a === 'object' && 'shape' in a) return (a as { shape: number[] }).shape.join('x');
  if (Array.isArray(a) && a.every((n) => typeof n === 'number')) return a.join('x');
  return '';
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wrap every backend method: CPU ms and call count per name and operand shapes. */
function instrument(backend: Backend, totals: Map<string, { ms: number; calls: number; flop: number }>): () => void {
  const original = { ...backend } as Record<string, unknown>;
  let depth = 0;
  for (const [key, fn] of Object.entries(original)) {
    if (typeof fn !== 'function') continue;
    (backend as unknown as Record<string, unknown>)[key] = function (this: unknown, ...args: unknown[]) {
      if (depth > 0) return (fn as (...a: unknown[]) => unknown).apply(this, args);
      depth++;
      const t0 = cpuMs();
      try {
        return (fn as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        depth--;
        const op = typeof args[0] === 'string' ? `${key}:${args[0]}` : key;
        const shapes = args.map(shapeOf).filter((s) => s !== '').join(' ');
        const name = `${op} ${shapes}`;
        const e = totals.get(name) ?? { ms: 0, calls: 0, flop: 0 };
        e.ms += cpuMs() - t0;
        e.calls++;
        e.flop += flops(key, args);
        totals.set(name, e);
      }
    };
  }
  return () => Object.assign(backend, original);
}

function flops(key: string, args: unknown[]): number {
  const s = (i: number) => (args[i] as { shape: number[] }).shape;
  if (key === 'matmul') { const [B, M, K] = s(0); return 2 * B * M * K * s(1)[2]; }
  if (key === 'conv2d') { const w = s(1); const o = (args[3] as { output: number[] }).output; return 2 * s(0)[0] * w[0] * w[1] * w[2] * w[3] * o[0] * o[1]; }
  if (key === 'conv2dInputGrad') { const g = s(0); const w = s(1); return 2 * g[0] * g[1] * g[2] * g[3] * w[1] * w[2] * w[3]; }
  if (key === 'conv2dWeightGrad') { const g = s(1); const k = (args[2] as { kernel: number[] }).kernel; return 2 * g[0] * g[1] * g[2] * g[3] * s(0)[1] * k[0] * k[1]; }
  return 0;
}

for (let i = 0; i < 2; i++) step();
const c0 = cpuMs();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const cpu = (cpuMs() - c0) / steps;
const wall = (performance.now() - t0) / steps;
const totals = new Map<string, { ms: number; calls: number; flop: number }>();
const restore = instrument(torch.getBackend(), totals);
for (let i = 0; i < steps; i++) step();
restore();
console.log(`${torch.getBackend().name}, ${torch.getNumThreads()} thread(s), batch ${batch}: ${cpu.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall per step; ` +
  `${((batch * 1000) / cpu).toFixed(1)} images per CPU-second`);
let sum = 0;
for (const e of totals.values()) sum += e.ms;
console.log(`backend total ${(sum / steps).toFixed(0)} ms CPU per step`);
for (const [k, e] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
  const g = e.flop > 0 ? `${(e.flop / (e.ms * 1e6)).toFixed(1)} GFLOP/s` : '';
  console.log(`  ${(e.ms / steps).toFixed(1).padStart(7)} ms  ${String(e.calls / steps).padStart(3)}x  ${k.padEnd(60)} ${g}`);
}
