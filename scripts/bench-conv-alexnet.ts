// AlexNet's convolutions (d2l 8.1, 1x224x224) one pass at a time on the native backend, the
// direct kernel against the implicit GEMM where both apply (and Winograd F(2x2, 3x3) where it
// applies: conv3-5, and conv2 with its 5x5 kernel split, every pass), in CPU time (a shared machine; run with 1 thread) and GFLOP/s
// per pass (direct FLOPs, so Winograd's figure is an effective rate): the fastest of a few
// rounds that alternate between them.
//   npx tsx scripts/bench-conv-alexnet.ts [batch] [threads] [rounds] [layer filter] [pass filter]
// (filters: substrings of the names printed, e.g. conv1 or 'weight grad')

import * as torch from '../src/index.js';
import { nn } from '../src/index.js';
import { setNativeConvAlgorithm } from '../src/backend/native/index.js';

const F = nn.functional;
const batch = Number(process.argv[2] ?? 16);
torch.setBackend('native');
torch.setNumThreads(Number(process.argv[3] ?? 1));
const rounds = Number(process.argv[4] ?? 3);
const [layerFilter, passFilter] = [process.argv[5] ?? '', process.argv[6] ?? ''];

const layers = [
  { name: 'conv1 1->96 k11 s4 p1 224', x: [batch, 1, 224, 224], w: [96, 1, 11, 11], stride: 4, padding: 1 },
  { name: 'conv2 96->256 k5 p2 26', x: [batch, 96, 26, 26], w: [256, 96, 5, 5], stride: 1, padding: 2 },
  { name: 'conv3 256->384 k3 p1 12', x: [batch, 256, 12, 12], w: [384, 256, 3, 3], stride: 1, padding: 1 },
  { name: 'conv4 384->384 k3 p1 12', x: [batch, 384, 12, 12], w: [384, 384, 3, 3], stride: 1, padding: 1 },
  { name: 'conv5 384->256 k3 p1 12', x: [batch, 384, 12, 12], w: [256, 384, 3, 3], stride: 1, padding: 1 },
];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (const layer of layers) {
  if (!layer.name.includes(layerFilter)) continue;
  torch.manualSeed(0);
  const x = torch.randn(layer.x);
  const w = torch.randn(layer.w);
  const opts = { stride: layer.stride, padding: layer.padding };
  const conv = (xr: boolean, wr: boolean) => {
    const [xi, wi] = [x.detach().requiresGrad_(xr), w.detach().requiresGrad_(wr)];
    return { x: xi, w: wi, y: F.conv2d(xi, wi, null, opts) };
  };
  const y0 = conv(false, false).y;
  const gy = torch.randnLike(y0);
  const [, O, oH, oW] = y0.shape;
  const flop = 2 * batch * O * oH * oW * layer.w[1] * layer.w[2] * layer.w[3];
  const forInput = conv(true, false);
  const forWeight = conv(false, true);
  const passes: Record<string, () => unknown> = {
    forward: () => torch.noGrad(() => F.conv2d(x, w, null, opts)),
    'input grad': () => torch.autograd.grad(forInput.y, [forInput.x], { gradOutputs: gy, retainGraph: true }),
    'weight grad': () => torch.autograd.grad(forWeight.y, [forWeight.w], { gradOutputs: gy, retainGraph: true }),
  };
  console.log(layer.name);
  for (const [pass, fn] of Object.entries(passes)) {
    if (!pass.includes(passFilter)) continue;
    const best: Record<string, number> = {};
    for (let r = 0; r < rounds; r++) {
      const winograd = (layer.w[2] === 3 || layer.w[2] === 5) && layer.stride === 1;
      for (const algo of winograd ? (['direct', 'gemm', 'winograd'] as const) : (['direct', 'gemm'] as const)) {
        setNativeConvAlgorithm(algo);
        const c0 = cpuMs();
        fn();
        const ms = cpuMs() - c0;
        best[algo] = Math.min(best[algo] ?? Infinity, ms);
      }
    }
    setNativeConvAlgorithm('auto');
    console.log(`  ${pass.padEnd(12)} ` + Object.entries(best).map(([a, ms]) => `${a} ${ms.toFixed(1).padStart(6)} ms ${(flop / ms / 1e6).toFixed(1).padStart(5)} GFLOP/s`).join('   '));
  }
}
