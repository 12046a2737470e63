// The course guide (docs/guide/*.md) and the "Coming from PyTorch" page: every TypeScript block is
// marked tested and runs as written against the built package, printing what its comments say
// (the same mechanism as the README's examples, test/markdown-blocks.ts).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertBuildIsFresh } from '../build.js';
import { runTestedBlock, testedBlocks, tsBlockCount } from '../markdown-blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = [
  ...readdirSync(join(root, 'docs', 'guide')).filter((f) => f.endsWith('.md')).map((f) => `docs/guide/${f}`),
  'docs/coming-from-pytorch.md',
].sort();

test('dist is built from the current src', assertBuildIsFresh);

for (const page of pages) {
  const markdown = readFileSync(join(root, page), 'utf8');
  const blocks = testedBlocks(markdown);
  test(`${page}: every TypeScript block is tested`, () => {
    assert.equal(blocks.length, tsBlockCount(markdown));
  });
  const slug = page.replace(/^docs\//, '').replace(/\W+/g, '-');
  blocks.forEach((block, i) => {
    test(`${page} example ${i + 1} runs and prints what it says`, () => runTestedBlock(`${slug}-${i + 1}`, block, {}));
  });
}
