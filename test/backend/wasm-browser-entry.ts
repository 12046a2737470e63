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
  return { ...info(), identical, maxError, isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? false };
}
