// How far the webgpu backend's float32 math is from the exact value (JavaScript's double Math
// functions, rounded), in ulps, over dense grids: `npx tsx scripts/webgpu-math-ulps.ts` (it
// re-runs itself with bench/gpu-env.mjs's environment, so SwiftShader serves where no GPU does).
// The figures in src/backend/webgpu/kernels/elementwise.ts's comments come from it. Subnormal
// results are left out: WGSL lets a GPU flush them to zero.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/index.js';

if (!process.env.VK_ICD_FILENAMES && !process.env.DLAB_ULPS_CHILD) {
  const { gpuEnv } = await import('../bench/gpu-env.mjs');
  const env = { ...(await gpuEnv()), DLAB_ULPS_CHILD: '1' };
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (!(await torch.webgpu.isAvailable())) throw new Error('no WebGPU adapter (see bench/gpu-env.mjs)');
console.log(`adapter: ${torch.webgpu.getDeviceName()}`);

const grid = (from: number, to: number, n: number) => Array.from({ length: n + 1 }, (_, i) => Math.fround(from + ((to - from) * i) / n));
const ulp = (v: number) => {
  const a = Math.abs(Math.fround(v));
  return a === 0 ? 2 ** -149 : 2 ** Math.max(Math.floor(Math.log2(a)) - 23, -149);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const cases: [op: 'sin' | 'cos' | 'tan' | 'exp' | 'expm1' | 'sinh' | 'cosh' | 'tanh' | 'sigmoid', exact: (x: number) => number, grids: [string, number[]][]][] = [];
const trigGrids: [string, number[]][] = [['|x| < 10', grid(-10, 10, 20000)], ['|x| < 8192', grid(-8192, 8192, 20000)], ['8192 <= x < 2^24', grid(8192, 2 ** 24 - 1, 5000)]];
cases.push(['sin', Math.sin, trigGrids], ['cos', Math.cos, trigGrids], ['tan', Math.tan, trigGrids]);
const expGrids: [string, number[]][] = [['-87 < x < 88.7', grid(-87, 88.7, 40000)], ['|x| < 0.5', grid(-0.5, 0.5, 20000)]];
cases.push(['exp', Math.exp, expGrids], ['expm1', Math.expm1, expGrids], ['sinh', Math.sinh, expGrids], ['cosh', Math.cosh, expGrids], ['tanh', Math.tanh, expGrids], ['sigmoid', sigmoid, expGrids]);

for (const [op, exact, grids] of cases) {
  const parts: string[] = [];
  for (const [name, xs] of grids) {
    const got = (await torch.tensor(xs).to('webgpu')[op]().tolistAsync()) as number[];
    let worst = 0;
    let absWorst = 0;
    xs.forEach((x, i) => {
      const e = exact(x);
      if (!Number.isFinite(Math.fround(e)) || Math.abs(e) < 2 ** -126) return;
      worst = Math.max(worst, Math.abs(got[i] - e) / ulp(e));
      absWorst = Math.max(absWorst, Math.abs(got[i] - e));
    });
    parts.push(`${name}: ${worst.toFixed(2)} ulp (${absWorst.toExponential(1)} absolute)`);
  }
  console.log(`${op.padEnd(8)} ${parts.join('; ')}`);
}
