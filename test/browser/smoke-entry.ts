// Bundled for the browser by smoke.test.ts. Only the core is imported, so the
// bundle fails to build if the core reaches for a Node built-in.
import { tensor } from '../../src/index.js';

export function run() {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const w = tensor([0.5, -1], { requiresGrad: true });
  const y = x.matmul(w).tanh().sum();
  y.backward();
  return { y: y.item(), xGrad: x.grad!.tolist(), wGrad: w.grad!.tolist(), repr: String(x) };
}
