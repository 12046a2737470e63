// The house's import rule, checked: nothing below the lab imports the public face (src/index.ts),
// which imports everything; such an import is a cycle at load time (DESIGN.md, "Imports flow one way").
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const ABOVE = ['index.ts', 'lab/', 'cli/'];

test('no module below the lab imports src/index.ts', () => {
  const offenders: string[] = [];
  for (const file of readdirSync(src, { recursive: true }) as string[]) {
    const path = file.replaceAll('\\', '/');
    if (!path.endsWith('.ts') || ABOVE.some((a) => path === a || path.startsWith(a))) continue;
    const text = readFileSync(join(src, path), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*from\s+'(\.[^']+)'/gm)) {
      const target = relative(src, resolve(src, path, '..', m[1])).replaceAll('\\', '/');
      if (target === 'index.js' || target === 'index.ts') offenders.push(`${path} imports ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
