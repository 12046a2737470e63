// `npm run docs` builds: TypeDoc reads the entry points and the guide pages of typedoc.json with no
// warning (a guide link to a page that does not exist, a {@link} to no export, a page missing from
// projectDocuments would each warn). --emit none checks without writing the site.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('TypeDoc builds the reference and the guide without a warning', () => {
  const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const r = spawnSync(process.execPath, [typedoc, '--emit', 'none', '--treatWarningsAsErrors'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
