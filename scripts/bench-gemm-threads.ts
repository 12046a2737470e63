// Where a second thread starts to pay for one matrix product on the native backend: each shape
// (M x K times K x N, the models' forward x W^T and weight-gradient gy^T x forms) timed on 1 and
// 2 threads, best of 5 batches, interleaved; prints the 2-thread / 1-thread time ratio.
//   npx tsx scripts/bench-gemm-threads.ts

import * as torch from '../src/index.js';

torch.setBackend('native');
// [M, K, N, form]: 'xwt' is x [M, K] times W^T (W [N, K]); 'gtx' is gy^T (gy [K, M]) times x [K, N].
const shapes: [number, number, number, 'xwt' | 'gtx' | 'plain'][] = [
  [64, 120, 84, 'xwt'], [128, 128, 128, 'plain'], [144, 144, 144, 'plain'], [64, 400, 120, 'xwt'], [120, 64, 400, 'gtx'],
  [160, 160, 160, 'plain'], [64, 600, 120, 'xwt'], [176, 176, 176, 'plain'], [64, 784, 128, 'xwt'], [128, 64, 784, 'gtx'], [256, 256, 256, 'plain'],
];
for (const [M, K, N, form] of shapes) {
  const run =
    form === 'xwt' ? ((x, w) => () => torch.matmul(x, w.t()))(torch.randn([M, K]), torch.randn([N, K]))
    : form === 'gtx' ? ((g, x) => () => torch.matmul(g.t(), x))(torch.randn([K, M]), torch.randn([K, N]))
    : ((a, b) => () => torch.matmul(a, b))(torch.randn([M, K]), torch.randn([K, N]));
  const reps = Math.max(20, Math.round(2e9 / (2 * M * N * K)));
  const best = [Infinity, Infinity];
  for (let round = 0; round < 5; round++) {
    for (const threads of [1, 2]) {
      torch.setNumThreads(threads);
      for (let i = 0; i < reps / 5; i++) run();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) run();
      best[threads - 1] = Math.min(best[threads - 1], ((performance.now() - t0) / reps) * 1000);
    }
  }
  const mflop = (2 * M * N * K) / 1e6;
  console.log(`${`${M}x${K}x${N} ${form}`.padEnd(20)} ${mflop.toFixed(1).padStart(6)} MFLOP  1t ${best[0].toFixed(1).padStart(7)} us  2t ${best[1].toFixed(1).padStart(7)} us  2t/1t ${(best[1] / best[0]).toFixed(2)}`);
}
