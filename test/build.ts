// The tests of the built package (the CLI, the README examples, the bench runner) run dist/:
// a dist older than src would test yesterday's code, so they check that it is fresh first.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every src/**\/*.ts has its dist/**\/*.js, written after the source last changed, and dist/ has
 * the package.json (written from ours) that maps the "imports" adapters to its own files.
 */
export function assertBuildIsFresh(): void {
  const stale: string[] = [];
  const distPackage = join(root, 'dist', 'package.json');
  if (!existsSync(distPackage) || statSync(distPackage).mtimeMs < statSync(join(root, 'package.json')).mtimeMs) stale.push('package.json');
  for (const file of readdirSync(join(root, 'src'), { recursive: true }) as string[]) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
    const built = join(root, 'dist', file.replace(/\.ts$/, '.js'));
    const source = join(root, 'src', file);
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) stale.push(`src/${file}`);
  }
  assert.deepEqual(stale, [], `dist/ is older than ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', ...' : ''}: run npm run build`);
}
