// Browser smoke test: bundles the core for the browser with esbuild, runs a
// small forward/backward pass in headless Chromium and checks the numbers.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { bundleForBrowser, closeAll, launchChromium, runnerPage, serveFiles } from './chromium.js';

// What run() in smoke-entry.ts returns, typed loosely: assertClose checks the shapes.
interface SmokeResult {
  y: unknown;
  xGrad: unknown;
  wGrad: unknown;
  repr: string;
}

let server: Server | undefined;
let browser: Browser | undefined;

after(() => closeAll(browser, server));

/** What PyTorch computes for y = tanh(x @ w).sum() and its gradients. */
function expected(x: number[][], w: number[]) {
  const z = x.map((row) => row.reduce((s, v, j) => s + v * w[j]!, 0));
  const dz = z.map((zi) => 1 - Math.tanh(zi) ** 2);
  return {
    y: z.reduce((s, zi) => s + Math.tanh(zi), 0),
    xGrad: x.map((row, i) => row.map((_, j) => dz[i]! * w[j]!)),
    wGrad: w.map((_, j) => x.reduce((s, row, i) => s + dz[i]! * row[j]!, 0)),
  };
}

type Nested = number | Nested[];

/** Checks that nested lists match in shape and agree element-wise within 1e-6. */
function assertClose(actual: unknown, wanted: Nested, what: string): void {
  const message = `${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`;
  if (typeof wanted === 'number') {
    assert.ok(typeof actual === 'number' && Math.abs(actual - wanted) <= 1e-6, message);
  } else {
    assert.ok(Array.isArray(actual) && actual.length === wanted.length, message);
    wanted.forEach((w, i) => assertClose(actual[i], w, `${what}[${i}]`));
  }
}

test('core bundles for the browser and runs forward/backward in Chromium', { timeout: 60_000 }, async () => {
  let url: string;
  ({ server, url } = await serveFiles({
    '/': { type: 'text/html', body: runnerPage('smoke') },
    '/smoke.js': { type: 'text/javascript', body: await bundleForBrowser(new URL('./smoke-entry.ts', import.meta.url)) },
  }));
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(url);
  const got = await page.evaluate(() => (globalThis as unknown as { smoke: Promise<SmokeResult> }).smoke);

  const want = expected([[1, 2], [3, 4]], [0.5, -1]);
  assertClose(got.y, want.y, 'y.item()');
  assertClose(got.xGrad, want.xGrad, 'x.grad');
  assertClose(got.wGrad, want.wGrad, 'w.grad');
  assert.ok(got.repr.startsWith('tensor([[1., 2.],'), `String(x) was ${JSON.stringify(got.repr)}`);
});
