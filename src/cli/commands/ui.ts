// `dlab ui [--port N] [--host 127.0.0.1] [--dir folder]`: serves the built playground page
// (dist/web/playground, made by scripts/build-web.mjs) with node:http and prints its URL. The
// COOP/COEP headers make the page cross-origin isolated, so SharedArrayBuffer is available.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { integer } from '../parse.js';

/** src/cli/commands and dist/cli/commands both sit three levels below the package root. */
const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const defaultPageDir = join(packageRoot, 'dist', 'web', 'playground');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv',
};

/** Headers on every response: cross-origin isolation (SharedArrayBuffer) and no sniffing. */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
} as const;

export interface UiServerOptions {
  port?: number;
  host?: string;
  /** The folder to serve (default: the built playground). */
  dir?: string;
}

/** Start the static server; resolves once it listens, with the URL to open. */
export async function startUiServer(options: UiServerOptions = {}): Promise<{ server: Server; url: string }> {
  const dir = resolve(options.dir ?? defaultPageDir);
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`no built page in ${dir}: run \`node scripts/build-web.mjs\` (npm run build:web) first`);
  }
  const server = createServer((req, res) => {
    const send = (status: number, body: string): void => {
      res.writeHead(status, { ...ISOLATION_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    // Stay inside the served folder.
    if (file !== dir && !file.startsWith(dir + sep)) return send(403, 'forbidden');
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return send(404, 'not found');
      size = st.size;
    } catch {
      return send(404, 'not found');
    }
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8080, host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { server, url: `http://${shown}:${port}/` };
}

/**
 * In a source checkout (scripts/ and esbuild present) the page is built on first use; an
 * installed package ships it prebuilt.
 */
async function buildIfMissing(): Promise<void> {
  const script = join(packageRoot, 'scripts', 'build-web.mjs');
  if (existsSync(join(defaultPageDir, 'index.html')) || !existsSync(script)) return;
  const { buildWeb } = (await import(pathToFileURL(script).href)) as { buildWeb(o?: { outdir?: string }): Promise<string> };
  console.log(`built the playground into ${await buildWeb({ outdir: defaultPageDir })}`);
}

/** `dlab ui`: serve the playground page. `onServer` receives the running server (for tests). */
export function registerUi(program: Command, onServer?: (server: Server) => void): void {
  const cmd = program
    .command('ui')
    .description('serve the playground page (experiment 0) and print its URL')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integer({ min: 0, max: 65535 }), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--dir <folder>', 'folder with the built page', defaultPageDir);
  cmd.action(async (flags: { port: number; host: string; dir: string }) => {
    try {
      if (resolve(flags.dir) === defaultPageDir) await buildIfMissing();
      const { server, url } = await startUiServer({ port: flags.port, host: flags.host, dir: flags.dir });
      onServer?.(server);
      console.log(`dlab playground: ${url}`);
      console.log('press Ctrl+C to stop');
    } catch (e) {
      return cmd.error(`dlab ui: ${(e as Error).message}`);
    }
  });
}
