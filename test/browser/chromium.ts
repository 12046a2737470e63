// What the browser tests share: a headless Chromium launched with the house flags (no sandbox,
// GPU, QUIC or background traffic; or WebGPU on SwiftShader in place of no GPU), an esbuild
// bundle of an entry for the browser, and a throwaway HTTP server for a few in-memory files.

import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath as unpackedChromium } from '../../scripts/chromium-path.mjs';

/**
 * The browser to launch: the one $DLAB_CHROMIUM names, else the Chromium that the npm package
 * @sparticuz/chromium carries (unpacked once under a lock: scripts/chromium-path.mjs), so the
 * tests need no system browser.
 */
export async function chromiumPath(): Promise<string> {
  return process.env.DLAB_CHROMIUM || unpackedChromium();
}

/**
 * What gives `navigator.gpu` an adapter in headless Chromium (143, from @sparticuz/chromium) on a
 * machine without a GPU: WebGPU is behind a flag on Linux, and the adapter is SwiftShader (a
 * software Vulkan that Chromium carries), named so that a machine with a GPU tests the same one.
 * Without the first flag requestAdapter() gives null ("Failed to create WebGPU Context Provider").
 * The adapter reports vendor 'google', architecture 'swiftshader', isFallbackAdapter true.
 */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

/** Headless Chromium; `webgpu` swaps --disable-gpu for WEBGPU_FLAGS (navigator.gpu on SwiftShader). */
export async function launchChromium({ webgpu = false } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    args: ['--no-sandbox', ...(webgpu ? WEBGPU_FLAGS : ['--disable-gpu']), '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** One ESM bundle of `entry` for the browser: an import of a Node built-in is a build error. */
export async function bundleForBrowser(entry: URL): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent', // errors arrive in the thrown exception instead
  });
  return result.outputFiles[0]!.text;
}

/**
 * A page that imports the bundle `./<name>.js` and leaves its run()'s promise on globalThis[name],
 * so an error in the bundle or in run() surfaces in the test's page.evaluate.
 */
export function runnerPage(name: string): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>dlab ${name}</title>
<script type="module">globalThis.${name} = import('./${name}.js').then((m) => m.run());</script>
`;
}

export type Files = Record<string, { type: string; body: string }>;

/** Serve `files` by path on 127.0.0.1 (any port), with `headers` on every answer. */
export async function serveFiles(files: Files, headers: OutgoingHttpHeaders = {}): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    res.writeHead(file ? 200 : 404, { 'content-type': file?.type ?? 'text/plain', ...headers });
    res.end(file?.body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/` };
}

/** Close the browser and the server, if the test got as far as starting them. */
export async function closeAll(browser: Browser | undefined, server: Server | undefined): Promise<void> {
  await browser?.close();
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
