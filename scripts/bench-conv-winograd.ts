// Winograd F(2x2, 3x3) against the direct kernel on 3x3 (or 5x5, split) stride-1, same-padding
// layers of several sizes (the measurements behind winograd_pays and winograd_weight_grad_pays in
// native/conv_winograd.cc): forward, input gradient and weight gradient, 1 thread, CPU time (a
// shared machine), the fastest of 3 interleaved rounds.
//   npx tsx scripts/bench-conv-winograd.ts ['[[N, C, O, H, kernel (3)], ...]']

import * as torch from '../src/index.js';
import { nn } from '../src/index.js';
import { setNativeConvAlgorithm } from '../src/backend/native/index.js';

const F = nn.functional;
torch.setBackend('native');
torch.setNumThreads(1);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const shapes: number[][] = process.argv[2] ? JSON.parse(process.argv[2]) : [
  [1, 256, 384, 12], [4, 256, 384, 12], [16, 256, 384, 12], [1, 384, 384, 12], [8, 128, 128, 12], [1, 128, 128, 6],
  [8, 64, 64, 12], [2, 64, 64, 28], [1, 64, 64, 56], [2, 64, 128, 32], [8, 32, 32, 12], [8, 32, 32, 28], [8, 16, 16, 12], [16, 16, 32, 28],
];
for (const [N, C, O, H, k = 3] of shapes) {
  const padding = (k - 1) / 2;
  const x = torch.randn([N, C, H, H]), w = torch.randn([O, C, k, k]), gy = torch.randn([N, O, H, H]);
  const xi = x.detach().requiresGrad_(true), wi = w.detach().requiresGrad_(true);
  const y = F.conv2d(xi, w, null, { padding }), yw = F.conv2d(x, wi, null, { padding });
  const passes: Record<string, () => unknown> = {
    forward: () => torch.noGrad(() => F.conv2d(x, w, null, { padding })),
    'input grad': () => torch.autograd.grad(y, [xi], { gradOutputs: gy, retainGraph: true }),
    'weight grad': () => torch.autograd.grad(yw, [wi], { gradOutputs: gy, retainGraph: true }),
  };
  const reps = Math.max(1, Math.round(2e8 / (2 * N * C * O * k * k * H * H)));
  const best: Record<string, number> = {};
  for (let r = 0; r < 3; r++) {
    for (const algorithm of ['direct', 'winograd'] as const) {
      setNativeConvAlgorithm(algorithm);
      for (const [pass, fn] of Object.entries(passes)) {
        const c0 = cpuMs();
        for (let i = 0; i < reps; i++) fn();
        const key = `${algorithm} ${pass}`;
        best[key] = Math.min(best[key] ?? Infinity, (cpuMs() - c0) / reps);
      }
    }
  }
  setNativeConvAlgorithm('auto');
  const tiles = N * Math.ceil(H / 2) ** 2;
  const ratio = (pass: string) => `${best[`direct ${pass}`].toFixed(2)} -> ${best[`winograd ${pass}`].toFixed(2)} ms (${(best[`direct ${pass}`] / best[`winograd ${pass}`]).toFixed(2)}x)`;
  console.log(`N ${N} C ${C} O ${O} ${H}x${H} k ${k} (${tiles} tiles): forward ${ratio('forward')}, input grad ${ratio('input grad')}, weight grad ${ratio('weight grad')}`);
}
