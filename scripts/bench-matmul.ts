// matmul GFLOP/s of dlab (native and wasm backends with 1 and 2 threads, js backend) beside TF.js wasm,
// measured in rounds that alternate between them, so that a busy machine slows all alike.
// Prints best and median per size, and dlab's ratio to TF.js (single-threaded SIMD in Node).
// TF.js results are disposed by hand: dataSync() inside tf.tidy runs about 20x slower.
//   npx tsx scripts/bench-matmul.ts [sizes...]    (default 128 256 512 1024)

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as torch from '../src/index.js';
import { wasmInfo } from '../src/backend/wasm/index.js';
import { nativeInfo } from '../src/backend/native/index.js';

const sizes = process.argv.slice(2).map(Number);
if (sizes.length === 0) sizes.push(128, 256, 512, 1024);

await tf.setBackend('wasm');
await tf.ready();

interface Runner {
  name: string;
  run: () => unknown;
  skip?: (m: number) => boolean;
}

function runners(n: number): Runner[] {
  const ta = tf.randomNormal([n, n]);
  const tb = tf.randomNormal([n, n]);
  const prev = torch.setBackend('wasm');
  const a = torch.randn([n, n]);
  const b = torch.randn([n, n]);
  const native = torch.listBackends().includes('native');
  if (native) torch.setBackend('native');
  const na = torch.randn([n, n]);
  const nb = torch.randn([n, n]);
  torch.setBackend('js');
  const ja = torch.randn([n, n]);
  const jb = torch.randn([n, n]);
  torch.setBackend(prev);
  return [
    {
      name: 'tfjs-wasm',
      run: () => {
        const c = tf.matMul(ta, tb);
        c.dataSync();
        c.dispose();
      },
    },
    { name: 'dlab-wasm-1t', run: () => (torch.setNumThreads(1), torch.mm(a, b)) },
    { name: 'dlab-wasm-2t', run: () => (torch.setNumThreads(2), torch.mm(a, b)) },
    ...(native
      ? [
          { name: 'dlab-native-1t', run: () => (torch.setNumThreads(1), torch.mm(na, nb)) },
          { name: 'dlab-native-2t', run: () => (torch.setNumThreads(2), torch.mm(na, nb)) },
        ]
      : []),
    { name: 'dlab-js', run: () => torch.mm(ja, jb), skip: (m: number) => m > 256 },
  ];
}

console.log(`wasm build: ${JSON.stringify(wasmInfo())}, native: ${JSON.stringify(nativeInfo())}`);
for (const n of sizes) {
  const flops = 2 * n ** 3;
  const rs = runners(n).filter((r) => !r.skip?.(n));
  const times = new Map<string, number[]>(rs.map((r) => [r.name, []]));
  const reps = Math.max(1, Math.round(2e8 / flops));
  for (const r of rs) for (let i = 0; i < 2; i++) r.run(); // warm up (and start the workers)
  for (let round = 0; round < 7; round++) {
    for (const r of rs) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) r.run();
      times.get(r.name)!.push((performance.now() - t0) / reps);
    }
  }
  const gf = (ms: number) => flops / ms / 1e6;
  const tfBest = Math.min(...times.get('tfjs-wasm')!);
  const tfMedian = times.get('tfjs-wasm')!.sort((p, q) => p - q)[3];
  for (const [name, ts] of times) {
    ts.sort((p, q) => p - q);
    const best = ts[0];
    const median = ts[3];
    console.log(
      `${String(n).padStart(5)} ${name.padEnd(15)} best ${gf(best).toFixed(1).padStart(6)} GFLOP/s  median ${gf(median).toFixed(1).padStart(6)}  ` +
        `(x${(tfBest / best).toFixed(2)} / x${(tfMedian / median).toFixed(2)} TF.js)`,
    );
  }
}
