// Builds the browser pages into static files: web/playground -> dist/web/playground (index.html,
// style.css, main.js and the module worker worker.js), web/dashboard -> dist/web/dashboard
// (index.html, style.css, main.js with vega and vega-lite inside). Any static web host can serve
// the playground; the dashboard needs `dlab ui`'s API. `dlab ui` serves both with the COOP/COEP
// headers that enable SharedArrayBuffer.
// Usage: node scripts/build-web.mjs [playground outdir] [dashboard outdir]
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const defaultOutdir = join(root, 'dist', 'web', 'playground');
export const defaultDashboardOutdir = join(root, 'dist', 'web', 'dashboard');

/** Bundle the playground into `outdir`; returns the folder. */
export function buildWeb({ outdir = defaultOutdir, minify = true } = {}) {
  return buildPage('playground', ['main', 'worker'], { outdir, minify });
}

/** Bundle the dashboard into `outdir`; returns the folder. */
export function buildDashboard({ outdir = defaultDashboardOutdir, minify = true } = {}) {
  return buildPage('dashboard', ['main'], { outdir, minify });
}

/** Bundle web/<page>'s `entries` (.ts) into `outdir` and copy its index.html and style.css. */
async function buildPage(page, entries, { outdir, minify }) {
  const src = join(root, 'web', page);
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(entries.map((e) => [e, join(src, `${e}.ts`)])),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser', // any import of a Node built-in is a build error
    target: ['es2022'],
    minify,
    sourcemap: true,
    logLevel: 'silent', // errors arrive in the thrown exception
  });
  for (const file of ['index.html', 'style.css']) await copyFile(join(src, file), join(outdir, file));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = await buildWeb({ outdir: process.argv[2] ? resolve(process.argv[2]) : defaultOutdir });
  console.log(`built the playground into ${outdir}`);
  const dashboard = await buildDashboard({ outdir: process.argv[3] ? resolve(process.argv[3]) : defaultDashboardOutdir });
  console.log(`built the dashboard into ${dashboard}`);
}
