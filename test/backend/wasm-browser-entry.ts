// Bundled for the browser by wasm-browser.test.ts and run both on the page (no shared memory
// there: single-threaded) and in a cross-origin-isolated Web Worker (shared memory: worker
// threads). Reports the build chosen, whether a thread joined, and the product's checksums.

import * as torch from '../../src/index.js';
import { wasmInfo } from '../../src/backend/wasm/index.js';

export async function run() {
  torch.setBackend('wasm');
  torch.manualSeed(0);
  const a = torch.randn([192, 160]);
  const b = torch.randn([160, 96]);
  torch.setNumThreads(1);
  const one = Array.from(torch.mm(a, b).toTypedArray());
  torch.setBackend('js');
  const reference = Array.from(torch.mm(a, b).toTypedArray());
  torch.setBackend('wasm');
  torch.setNumThreads(2);
  let identical = true;
  const deadline = Date.now() + 10_000;
  const info = () => wasmInfo()!;
  do {
    const two = Array.from(torch.mm(a, b).toTypedArray());
    identical &&= two.every((v, i) => v === one[i]);
    await new Promise((resolve) => setTimeout(resolve, 10));
  } while (info().shared && info().workerJoins === 0 && Date.now() < deadline);
  const maxError = one.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i])), 0);
  const convError = maxDifference(convolution('wasm'), convolution('js'));
  return { ...info(), identical, maxError, convError, isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? false };
}

/** A convolution's output and both gradients on one backend (the fused jobs, threaded where they can be). */
function convolution(backend: string): number[][] {
  torch.setBackend(backend);
  torch.manualSeed(1);
  const x = torch.randn([16, 3, 20, 20], { requiresGrad: true });
  const w = torch.randn([8, 3, 5, 5], { requiresGrad: true });
  const y = torch.nn.functional.conv2d(x, w, { padding: 2 });
  const [gx, gw] = torch.autograd.grad(y.mul(y).sum(), [x, w]);
  torch.setBackend('wasm');
  return [y, gx!, gw!].map((t) => Array.from(t.toTypedArray() as Float32Array));
}

/**
 * The largest difference between matching tensors, relative to each tensor's largest value: a
 * float32 sum of thousands of terms (the weight gradient's, up to 3.5e4 here) is off by about
 * 1e-7 of its terms' size whatever its own size, so near-zero elements are judged at that scale.
 */
function maxDifference(a: number[][], b: number[][]): number {
  return a.reduce((worst, t, i) => {
    const scale = 1 + b[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const diff = t.length === b[i].length ? t.reduce((m, v, j) => Math.max(m, Math.abs(v - b[i][j])), 0) : Infinity;
    return Math.max(worst, diff / scale);
  }, 0);
}
