// `dlab ui [--port N] [--host 127.0.0.1] [--dir folder]`: serves the built playground page
// (dist/web/playground, made by scripts/build-web.mjs) at / and the dashboard of the run store
// (dist/web/dashboard) at /dashboard/ with its API (dashboard-api.ts), with node:http, and prints
// their URLs. The COOP/COEP headers make the pages cross-origin isolated, so SharedArrayBuffer is
// available.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { RunStore } from '../../lab/store.node.js';
import { DashboardApi } from '../dashboard-api.js';
import { integer } from '../parse.js';

/** src/cli/commands and dist/cli/commands both sit three levels below the package root. */
const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const defaultPageDir = join(packageRoot, 'dist', 'web', 'playground');
export const defaultDashboardDir = join(packageRoot, 'dist', 'web', 'dashboard');

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
  /** The folder served at /dashboard/ (default: the built dashboard). */
  dashboardDir?: string;
  /** The run store the dashboard shows (default: $DLAB_HOME's); closed with the server. */
  store?: RunStore;
}

/** Start the server; resolves once it listens, with the URL to open (the dashboard is at URL + 'dashboard/'). */
export async function startUiServer(options: UiServerOptions = {}): Promise<{ server: Server; url: string }> {
  const dirs = [resolve(options.dir ?? defaultPageDir), resolve(options.dashboardDir ?? defaultDashboardDir)];
  const unbuilt = (dir: string) => `no built page in ${dir}: run \`node scripts/build-web.mjs\` (npm run build:web) first`;
  if (!existsSync(join(dirs[0]!, 'index.html'))) throw new Error(unbuilt(dirs[0]!));
  // The store opens on the first API request: serving the playground alone touches no database.
  const api = new DashboardApi(() => options.store ?? new RunStore());
  const server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { ...ISOLATION_HEADERS, 'content-type': type });
      res.end(body);
    };
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (api.handle(req, res, path, send)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const dashboard = path === '/dashboard' || path.startsWith('/dashboard/');
    const dir = dirs[dashboard ? 1 : 0]!;
    if (dashboard) path = path.slice('/dashboard'.length) || '/';
    if (dashboard && !existsSync(join(dir, 'index.html'))) return send(404, unbuilt(dir));
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
  server.on('close', () => api.close());
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
  if (!existsSync(script)) return;
  type Build = (o?: { outdir?: string }) => Promise<string>;
  const { buildWeb, buildDashboard } = (await import(pathToFileURL(script).href)) as { buildWeb: Build; buildDashboard: Build };
  if (!existsSync(join(defaultPageDir, 'index.html'))) console.log(`built the playground into ${await buildWeb({ outdir: defaultPageDir })}`);
  if (!existsSync(join(defaultDashboardDir, 'index.html'))) console.log(`built the dashboard into ${await buildDashboard({ outdir: defaultDashboardDir })}`);
}

/** `dlab ui`: serve the playground and the dashboard. `onServer` receives the running server (for tests). */
export function registerUi(program: Command, onServer?: (server: Server) => void): void {
  const cmd = program
    .command('ui')
    .description('serve the playground page (experiment 0) and the live dashboard of the run store, and print their URLs')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integer({ min: 0, max: 65535 }), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--dir <folder>', 'folder with the built playground page', defaultPageDir)
    .option('--dashboard-dir <folder>', 'folder with the built dashboard page', defaultDashboardDir);
  cmd.action(async (flags: { port: number; host: string; dir: string; dashboardDir: string }) => {
    try {
      if (resolve(flags.dir) === defaultPageDir || resolve(flags.dashboardDir) === defaultDashboardDir) await buildIfMissing();
      const { server, url } = await startUiServer({ port: flags.port, host: flags.host, dir: flags.dir, dashboardDir: flags.dashboardDir });
      onServer?.(server);
      console.log(`dlab playground: ${url}`);
      console.log(`dlab dashboard: ${url}dashboard/`);
      console.log(`a script's utils.Animator draws on the dashboard when run with DLAB_UI=${url.replace(/\/$/, '')}`);
      console.log('press Ctrl+C to stop');
    } catch (e) {
      return cmd.error(`dlab ui: ${(e as Error).message}`);
    }
  });
}
