// The wasm backend in Chromium: on a plain page it runs single-threaded on private memory; in
// a Web Worker of a cross-origin-isolated page (COOP/COEP headers) it runs worker threads on
// shared memory. Both agree with the js backend; 1 and 2 threads agree bit for bit.

import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { bundleForBrowser, closeAll, launchChromium, serveFiles } from '../browser/chromium.js';

interface Result {
  variant: string;
  shared: boolean;
  workerJoins: number;
  /** Largest relative difference of a conv2d's output and gradients, wasm against js. */
  convError: number;
  identical: boolean;
  maxError: number;
  isolated: boolean;
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="module">
globalThis.onPage = import('./entry.js').then((m) => m.run());
globalThis.inWorker = new Promise((resolve, reject) => {
  const worker = new Worker('./worker.js', { type: 'module' });
  worker.onmessage = (e) => resolve(e.data);
  worker.onerror = (e) => reject(new Error(e.message));
});
</script>
`;
const WORKER = `import('./entry.js').then((m) => m.run()).then((r) => postMessage(r), (e) => postMessage({ error: String(e && e.stack || e) }));`;

let server: Server | undefined;
let browser: Browser | undefined;

after(() => closeAll(browser, server));

test('wasm backend in Chromium: single-threaded on a page, threaded in an isolated worker', { timeout: 90_000 }, async () => {
  const files = {
    '/': { type: 'text/html', body: PAGE },
    '/entry.js': { type: 'text/javascript', body: await bundleForBrowser(new URL('./wasm-browser-entry.ts', import.meta.url)) },
    '/worker.js': { type: 'text/javascript', body: WORKER },
  };
  // Cross-origin isolation: what SharedArrayBuffer (and so wasm threads) needs in a browser.
  const served = await serveFiles(files, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
  server = served.server;
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(served.url);
  const onPage = await page.evaluate(() => (globalThis as unknown as { onPage: Promise<Result> }).onPage);
  const inWorker = await page.evaluate(() => (globalThis as unknown as { inWorker: Promise<Result & { error?: string }> }).inWorker);
  assert.equal((inWorker as { error?: string }).error, undefined);

  // The page's main thread may not block (Atomics.wait): private memory, one thread.
  assert.equal(onPage.shared, false);
  assert.match(onPage.variant, /^(simd|relaxed)$/);
  assert.ok(onPage.maxError < 1e-4, `page: max |wasm - js| = ${onPage.maxError}`);

  assert.equal(inWorker.isolated, true);
  assert.equal(inWorker.shared, true);
  assert.match(inWorker.variant, /^(simd|relaxed)-shared$/);
  assert.ok(inWorker.workerJoins > 0, 'a kernel worker joined a job');
  assert.equal(inWorker.identical, true, '1 and 2 threads agree bit for bit');
  assert.ok(inWorker.maxError < 1e-4, `worker: max |wasm - js| = ${inWorker.maxError}`);
  assert.ok(onPage.convError < 1e-5, `page: conv2d and its gradients, max |wasm - js| relative to each tensor's largest value = ${onPage.convError}`);
  assert.ok(inWorker.convError < 1e-5, `worker: conv2d and its gradients, max |wasm - js| relative to each tensor's largest value = ${inWorker.convError}`);
});
