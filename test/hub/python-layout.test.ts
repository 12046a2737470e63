// dlab pull writes the cache Python's huggingface_hub writes: the same pulls of the local hub,
// entry for entry (folders, blobs and their bytes, relative links, refs/main, CACHEDIR.TAG and
// trees/<commit>.json byte for byte), against test/fixtures/hub_layout.json, which
// tools/fixtures/hub_layout.ts made with huggingface_hub's own snapshot_download.
// One difference is by design: huggingface_hub leaves an empty <etag>.lock file per blob in
// .locks/ (filelock); dlab's lock (proper-lockfile, <etag>.dlab.lock) is gone once released.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COMMIT, FakeHub, tinyPipeline } from './hub_server.js';
import { LAYOUT_CASES, cacheEntries } from './layout_cases.js';
import { pull } from '../../src/hub/pull.node.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/hub_layout.json', import.meta.url), 'utf8')) as Record<string, { snapshot: string; entries: Record<string, string> }> & { huggingface_hub: string };
const hub = new FakeHub();
const tmp = mkdtempSync(join(tmpdir(), 'dlab-pylayout-'));
before(async () => {
  await hub.start();
  hub.add('test/tiny-sd', { refs: { main: COMMIT }, commits: { [COMMIT]: tinyPipeline() } });
});
after(async () => {
  await hub.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const withoutLockFiles = (entries: Record<string, string>) => Object.fromEntries(Object.entries(entries).filter(([k]) => !/^\.locks\/[^/]+\/.+\.lock$/.test(k)));

for (const c of LAYOUT_CASES) {
  test(`${c.name}: the cache is the one huggingface_hub ${fixture.huggingface_hub}'s snapshot_download writes`, async () => {
    const cacheDir = join(tmp, c.name);
    const r = await pull(c.repo, {
      revision: c.revision,
      include: c.include ?? undefined,
      settings: { endpoint: hub.hubUrl, cacheDir, token: undefined, offline: false, metadataTimeout: 5000, downloadTimeout: 5000 },
      device: () => ({ name: 'cpu', freeBytes: 2 ** 30 }),
      log: () => {},
    });
    const expected = fixture[c.name];
    assert.equal(r.snapshot, join(cacheDir, expected.snapshot));
    // The fixture has a lock file per blob: the comparison is fair only if it has them.
    assert.ok(Object.keys(expected.entries).some((k) => k.endsWith('.lock')));
    assert.deepEqual(cacheEntries(cacheDir), withoutLockFiles(expected.entries));
  });
}
