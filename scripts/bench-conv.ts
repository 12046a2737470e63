// The wasm backend's two convolution algorithms side by side, per layer and pass: im2col + gemm
// (assembly/im2col-conv.ts) and direct (assembly/direct-conv.ts), in rounds that alternate
// between them so that a busy machine slows both alike. Prints the median ms of each; 'auto'
// picks between them by directPays in src/backend/wasm/convolution.ts. Pinned, for 1 thread:
//   taskset -c 0 npx tsx scripts/bench-conv.ts [threads]

import * as torch from '../src/index.js';
import { nn } from '../src/index.js';
import { setConvAlgorithm, type ConvAlgorithm } from '../src/backend/wasm/convolution.js';

const F = nn.functional;
torch.setBackend('wasm');
torch.setNumThreads(Number(process.argv[2] ?? 1));

const layers = [
  { name: 'LeNet conv1 1->6 k5 p2 28x28, batch 64', x: [64, 1, 28, 28], w: [6, 1, 5, 5], padding: 2 },
  { name: 'LeNet conv2 6->16 k5 14x14, batch 64', x: [64, 6, 14, 14], w: [16, 6, 5, 5], padding: 0 },
  { name: '3->32 k3 p1 32x32, batch 32', x: [32, 3, 32, 32], w: [32, 3, 3, 3], padding: 1 },
  { name: '32->64 k3 p1 16x16, batch 32', x: [32, 32, 16, 16], w: [64, 32, 3, 3], padding: 1 },
  { name: '64->128 k3 p1 8x8, batch 32', x: [32, 64, 8, 8], w: [128, 64, 3, 3], padding: 1 },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const layer of layers) {
  const x = torch.randn(layer.x);
  const w = torch.randn(layer.w);
  const conv = (xr: boolean, wr: boolean) => {
    const [xi, wi] = [x.detach().requiresGrad_(xr), w.detach().requiresGrad_(wr)];
    return { x: xi, w: wi, y: F.conv2d(xi, wi, null, { padding: layer.padding }) };
  };
  const gy = torch.randnLike(conv(false, false).y);
  // One gradient at a time: the other operand does not require grad, so it is not computed.
  const forInput = conv(true, false);
  const forWeight = conv(false, true);
  const passes: Record<string, () => unknown> = {
    forward: () => torch.noGrad(() => F.conv2d(x, w, null, { padding: layer.padding })),
    'input grad': () => torch.autograd.grad(forInput.y, [forInput.x], { gradOutputs: gy, retainGraph: true }),
    'weight grad': () => torch.autograd.grad(forWeight.y, [forWeight.w], { gradOutputs: gy, retainGraph: true }),
  };
  console.log(layer.name);
  for (const [pass, run] of Object.entries(passes)) {
    const times: Record<Exclude<ConvAlgorithm, 'auto'>, number[]> = { im2col: [], direct: [] };
    const start = performance.now();
    for (let round = 0; round < 40 || performance.now() - start < 1000; round++) {
      for (const algorithm of ['im2col', 'direct'] as const) {
        setConvAlgorithm(algorithm);
        const t0 = performance.now();
        run();
        if (round >= 3) times[algorithm].push(performance.now() - t0);
      }
    }
    setConvAlgorithm('auto');
    const [im2col, direct] = [median(times.im2col), median(times.direct)];
    console.log(`  ${pass.padEnd(12)} im2col ${im2col.toFixed(2).padStart(6)} ms  direct ${direct.toFixed(2).padStart(6)} ms  (${(im2col / direct).toFixed(2)}x)`);
  }
}
