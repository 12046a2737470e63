// The convolution algorithms side by side, per layer and pass: the wasm backend's im2col + gemm
// (assembly/im2col-conv.ts) and direct (assembly/direct-conv.ts), and, where the addon is built,
// the native backend's implicit GEMM and direct kernels (native/conv.cc, native/conv_direct.cc),
// in rounds that alternate between them so that a busy machine slows all alike. Prints the median
// ms of each; 'auto' picks by directPays in src/backend/wasm/convolution.ts and by direct_pays in
// native/conv.cc. Pinned, for 1 thread:
//   taskset -c 0 npx tsx scripts/bench-conv.ts [threads]

import * as torch from '../src/index.js';
import { nn } from '../src/index.js';
import { setConvAlgorithm } from '../src/backend/wasm/convolution.js';
import { setNativeConvAlgorithm } from '../src/backend/native/index.js';

const F = nn.functional;
torch.setNumThreads(Number(process.argv[2] ?? 1));

const layers = [
  { name: 'LeNet conv1 1->6 k5 p2 28x28, batch 64', x: [64, 1, 28, 28], w: [6, 1, 5, 5], padding: 2 },
  { name: 'LeNet conv2 6->16 k5 14x14, batch 64', x: [64, 6, 14, 14], w: [16, 6, 5, 5], padding: 0 },
  { name: '3->32 k3 p1 32x32, batch 32', x: [32, 3, 32, 32], w: [32, 3, 3, 3], padding: 1 },
  { name: '32->64 k3 p1 16x16, batch 32', x: [32, 32, 16, 16], w: [64, 32, 3, 3], padding: 1 },
  { name: '64->128 k3 p1 8x8, batch 32', x: [32, 64, 8, 8], w: [128, 64, 3, 3], padding: 1 },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The three passes of one layer on one backend (its own tensors: ops run on their inputs' backend). */
function passesOn(backend: string, layer: (typeof layers)[number]): Record<string, () => unknown> {
  torch.setBackend(backend);
  torch.manualSeed(0);
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
  return {
    forward: () => torch.noGrad(() => F.conv2d(x, w, null, { padding: layer.padding })),
    'input grad': () => torch.autograd.grad(forInput.y, [forInput.x], { gradOutputs: gy, retainGraph: true }),
    'weight grad': () => torch.autograd.grad(forWeight.y, [forWeight.w], { gradOutputs: gy, retainGraph: true }),
  };
}

const native = torch.listBackends().includes('native');
for (const layer of layers) {
  console.log(layer.name);
  // Each variant: its passes and how it forces its algorithm.
  const wasm = passesOn('wasm', layer);
  const nat = native ? passesOn('native', layer) : null;
  const variants: [string, Record<string, () => unknown>, () => void][] = [
    ['wasm im2col', wasm, () => setConvAlgorithm('im2col')],
    ['wasm direct', wasm, () => setConvAlgorithm('direct')],
    ...(nat
      ? ([
          ['native gemm', nat, () => setNativeConvAlgorithm('gemm')],
          ['native direct', nat, () => setNativeConvAlgorithm('direct')],
        ] as [string, Record<string, () => unknown>, () => void][])
      : []),
  ];
  for (const pass of Object.keys(wasm)) {
    const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    const start = performance.now();
    for (let round = 0; round < 40 || performance.now() - start < 1000; round++) {
      for (const [name, passes, select] of variants) {
        select();
        const t0 = performance.now();
        passes[pass]();
        if (round >= 3) times.get(name)!.push(performance.now() - t0);
      }
    }
    setConvAlgorithm('auto');
    setNativeConvAlgorithm('auto');
    console.log(`  ${pass.padEnd(12)} ${[...times].map(([name, ts]) => `${name} ${median(ts).toFixed(2).padStart(6)} ms`).join('  ')}`);
  }
}
