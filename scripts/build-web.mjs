// Builds the browser pages into static files: web/playground -> dist/web/playground (index.html,
// style.css, main.js and the module worker worker.js). Any static web host can serve the folder;
// `dlab ui` serves it with the COOP/COEP headers that enable SharedArrayBuffer.
// Usage: node scripts/build-web.mjs [outdir]
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const defaultOutdir = join(root, 'dist', 'web', 'playground');

/** Bundle the playground into `outdir`; returns the folder. */
export async function buildWeb({ outdir = defaultOutdir, minify = true } = {}) {
  const src = join(root, 'web', 'playground');
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { main: join(src, 'main.ts'), worker: join(src, 'worker.ts') },
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
}
