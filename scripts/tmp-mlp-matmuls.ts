import * as torch from '../src/index.js';
torch.setBackend('native');
const x = torch.randn([64, 784]), W = torch.randn([128, 784]), gy = torch.randn([64, 128]);
const cases: [string, () => unknown][] = [
  ['fwd x@W^T 64x784x128', () => torch.matmul(x, W.t())],
  ['dW gy^T@x 128x64x784', () => torch.matmul(gy.t(), x)],
];
for (const threads of [1, 2, 1, 2]) {
  torch.setNumThreads(threads);
  for (const [name, f] of cases) {
    for (let i = 0; i < 200; i++) f();
    const t0 = performance.now();
    const n = 3000;
    for (let i = 0; i < n; i++) f();
    const us = ((performance.now() - t0) / n) * 1000;
    console.log(`${threads}t ${name}: ${us.toFixed(1)} us  ${(12.845e6 / us / 1e3).toFixed(1)} GFLOP/s`);
  }
}
