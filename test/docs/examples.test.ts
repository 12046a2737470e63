// The `@example` blocks of the doc comments under src/ (the reference shows them) run as written
// against the built package and print what their comments say, as the guide's blocks do.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertBuildIsFresh } from '../build.js';
import { runTestedBlock, type TestedBlock } from '../markdown-blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The ```ts blocks after an @example tag, with the comment's ` * ` prefix taken off. */
function docExamples(source: string): TestedBlock[] {
  return [...source.matchAll(/^\s*\* @example\n\s*\* ```ts\n([\s\S]*?)^\s*\* ```$/gm)].map((m) => ({
    code: m[1].replace(/^\s*\* ?/gm, ''),
  }));
}

const files = (readdirSync(join(root, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
const examples = files.flatMap((file) => docExamples(readFileSync(join(root, 'src', file), 'utf8')).map((block, i) => ({ file, i, block })));

test('dist is built from the current src', assertBuildIsFresh);

test('the common exports have examples', () => {
  assert.ok(examples.length >= 10, `only ${examples.length} @example blocks under src/`);
});

for (const { file, i, block } of examples) {
  test(`src/${file} example ${i + 1} runs and prints what it says`, () => runTestedBlock(`doc-${file.replace(/\W+/g, '-')}-${i + 1}`, block, {}));
}
