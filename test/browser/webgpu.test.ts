// dlab's webgpu backend in a real browser: the core bundled for the browser runs in headless
// Chromium with WebGPU on SwiftShader (WEBGPU_FLAGS in chromium.ts), reaching the GPU through
// navigator.gpu (src/backend/webgpu/platform.browser.ts). A matmul, a few elementwise ops, a
// backward pass and an SGD step run on 'webgpu' and on the CPU from the same seed, read back with
// the asynchronous reads, and must agree within float32 tolerance. No adapter is a failure that
// names what is missing, never a skip.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { bundleForBrowser, closeAll, launchChromium, runnerPage, serveFiles } from './chromium.js';
import type { StepResult } from './webgpu-entry.js';

let server: Server | undefined;
let browser: Browser | undefined;

after(() => closeAll(browser, server));

type Nested = number | Nested[];

/**
 * Nested lists of the same shape, element-wise within float32 tolerance: 1e-5 relative plus 1e-6
 * absolute (WGSL's exp and tanh may differ from the CPU's by a few ULP; SwiftShader measured 9).
 */
function assertClose(gpu: unknown, cpu: unknown, what: string): void {
  const message = `${what}: webgpu ${JSON.stringify(gpu)}, cpu ${JSON.stringify(cpu)}`;
  if (typeof cpu === 'number') {
    assert.ok(typeof gpu === 'number' && Math.abs(gpu - cpu) <= 1e-6 + 1e-5 * Math.abs(cpu), message);
  } else {
    assert.ok(Array.isArray(cpu) && Array.isArray(gpu) && gpu.length === cpu.length, message);
    (cpu as Nested[]).forEach((c, i) => assertClose(gpu[i], c, `${what}[${i}]`));
  }
}

test('navigator.gpu in headless Chromium: a matmul, elementwise ops, backward and an SGD step on webgpu match the cpu', { timeout: 60_000 }, async (t) => {
  let url: string;
  // 127.0.0.1 is a secure context, which WebGPU requires.
  ({ server, url } = await serveFiles({
    '/': { type: 'text/html', body: runnerPage('webgpu') },
    '/webgpu.js': { type: 'text/javascript', body: await bundleForBrowser(new URL('./webgpu-entry.ts', import.meta.url)) },
  }));
  browser = await launchChromium({ webgpu: true });
  const page = await browser.newPage();
  await page.goto(url);
  const got = await page.evaluate(() => (globalThis as unknown as { webgpu: Promise<{ adapter: Record<string, unknown>; name: string; cpu: StepResult; gpu: StepResult }> }).webgpu);
  t.diagnostic(`adapter ${JSON.stringify(got.adapter)}; torch.webgpu.getDeviceName(): ${got.name}`);
  // WEBGPU_FLAGS ask for SwiftShader, on any machine: a software adapter, and dlab says so.
  assert.equal(got.adapter.architecture, 'swiftshader');
  assert.match(got.name, /swiftshader.*\(software adapter\)$/);
  assert.equal(got.cpu.device, 'cpu');
  assert.equal(got.gpu.device, 'webgpu:0', 'the step ran on the GPU');
  for (const key of ['h', 'y', 'loss', 'wGrad', 'bGrad', 'wAfter'] as const) assertClose(got.gpu[key], got.cpu[key], key);
  // Agreement that means something: the gradients are not all (near) zero.
  assert.ok((got.cpu.wGrad as number[][]).flat().some((g) => Math.abs(g) > 1e-2), `w.grad ${JSON.stringify(got.cpu.wGrad)}`);
});
