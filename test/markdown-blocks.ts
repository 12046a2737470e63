// Markdown pages whose TypeScript examples are marked `<!-- tested: ... -->` (the README, the
// course guide in docs/guide/): each block runs as written against the built package (`import ...
// from 'dlab'` resolves to dist/ through the package's own exports) and must print what the
// comments on its console.log lines say it prints.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface TestedBlock {
  /** The prelude the marker names, `(prelude: name)`, run before the block in the same file. */
  prelude?: string;
  code: string;
}

/** Code that runs before a block, and what it prints after the block's own lines. */
export interface Prelude {
  code: string;
  prints: string;
}

/** The page's ```ts blocks that follow a `<!-- tested: ... -->` marker. */
export function testedBlocks(markdown: string): TestedBlock[] {
  return [...markdown.matchAll(/<!-- tested: ([^>]*)-->\n```ts\n([\s\S]*?)```/g)].map((m) => ({
    prelude: /\(prelude: ([\w-]+)\)/.exec(m[1])?.[1],
    code: m[2],
  }));
}

/** How many ```ts blocks the page has, tested or not. */
export function tsBlockCount(markdown: string): number {
  return [...markdown.matchAll(/```ts\n/g)].length;
}

/**
 * Runs one block in its own folder inside the package (so that 'dlab' resolves to this package,
 * and files the example writes stay there, removed afterwards) and checks its output.
 */
export function runTestedBlock(name: string, block: TestedBlock, preludes: Record<string, Prelude>): void {
  const dir = join(root, '.readme-tests', name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'example.ts');
  const before = block.prelude ? preludes[block.prelude] : { code: '', prints: '' };
  assert.ok(before, `unknown prelude '${block.prelude}'`);
  writeFileSync(file, before.code + block.code);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const said = [...block.code.matchAll(/console\.log\(.*\/\/ (.*)$/gm)].map((m) => m[1]);
    const expected = [...said, before.prints].filter((s) => s !== '').join(' ');
    assert.equal(r.stdout.trim().replace(/\s+/g, ' '), expected.trim().replace(/\s+/g, ' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
