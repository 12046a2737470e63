// The README's examples marked `<!-- tested: ... -->` run as written, against the built package
// (`import ... from 'dlab'` resolves to dist/ through the package's own exports), and print what
// their last comment says they print.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/<!-- tested: [^>]*-->\n```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has tested examples', () => assert.ok(blocks.length > 0));

blocks.forEach((code, i) => {
  test(`README example ${i + 1} runs and prints what it says`, () => {
    // Inside the package folder, so that 'dlab' resolves to this package.
    const dir = join(root, '.readme-tests');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${i + 1}.ts`);
    writeFileSync(file, code);
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const expected = /\/\/ (.*)\n?$/.exec(code.trimEnd())?.[1];
      if (expected) assert.equal(r.stdout.trim().replace(/\s+/g, ' '), expected.trim().replace(/\s+/g, ' '));
    } finally {
      rmSync(file, { force: true });
    }
  });
});
