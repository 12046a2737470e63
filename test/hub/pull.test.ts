// dlab pull's core against a local hub and CDN on 127.0.0.1 (test/hub/hub_server.ts); nothing
// here touches the real hub. Each test pulls into its own temporary cache.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { COMMIT, FakeHub, OLD_COMMIT, enc, gitSha1, isLfs, sha256, tinyPipeline } from './hub_server.js';
import { FitRefusedError, pull, type PullOptions } from '../../src/hub/pull.node.js';
import type { HubSettings } from '../../src/hub/settings.node.js';
import { DiskSpaceError, GatedRepoError, HashMismatchError, OfflineError, RepoNotFoundError, RevisionNotFoundError } from '../../src/hub/errors.js';
import { CACHEDIR_TAG } from '../../src/hub/layout.js';
import { closedPort } from '../ports.js';
import { cacheEntries } from './layout_cases.js';

const hub = new FakeHub();
const files = tinyPipeline();
const UNET = 'unet/diffusion_pytorch_model.safetensors';
const unetSha = sha256(files[UNET]);
const tmp = mkdtempSync(join(tmpdir(), 'dlab-hub-'));
let cacheDir = '';
let n = 0;

before(async () => {
  await hub.start();
  hub.add('test/tiny-sd', { refs: { main: COMMIT, v1: OLD_COMMIT }, commits: { [COMMIT]: files, [OLD_COMMIT]: { 'model_index.json': files['model_index.json'], [UNET]: files[UNET] } } });
  hub.add('test/gated', { refs: { main: COMMIT }, commits: { [COMMIT]: { 'config.json': enc('{}') } }, gatedToken: 'hf_good' });
  hub.renamed.set('test/old-name', 'test/tiny-sd');
});
after(async () => {
  await hub.stop();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = join(tmp, `cache${n++}`);
  hub.faults = {};
  hub.log.length = 0;
});

const settings = (extra: Partial<HubSettings> = {}): HubSettings => ({
  endpoint: hub.hubUrl, cacheDir, token: undefined, offline: false, metadataTimeout: 2000, downloadTimeout: 2000, ...extra,
});
const notes: string[] = [];
const roomy = { device: () => ({ name: 'webgpu:0', freeBytes: 2 ** 30 }), statfs: () => ({ bavail: 2 ** 30, bsize: 4096 }) };
const run = (repo: string, options: PullOptions = {}) =>
  pull(repo, { settings: settings(), log: (l) => notes.push(l), backoff: 1, ...roomy, ...options });


const etag = (path: string) => (isLfs(path, files[path]) ? sha256(files[path]) : gitSha1(files[path]));

test('a full pull writes huggingface_hub\'s layout: blobs by etag, relative snapshot links, refs/main, trees/, CACHEDIR.TAG', async () => {
  const r = await run('test/tiny-sd');
  assert.equal(r.commit, COMMIT);
  assert.equal(r.snapshot, join(cacheDir, 'models--test--tiny-sd', 'snapshots', COMMIT));
  assert.deepEqual(r.files.map((f) => f.status), Object.keys(files).map(() => 'downloaded'));
  const expected: Record<string, string> = {
    'CACHEDIR.TAG': `file ${sha256(enc(CACHEDIR_TAG))}`,
    '.locks/': 'dir',
    '.locks/models--test--tiny-sd/': 'dir',
    'models--test--tiny-sd/': 'dir',
    'models--test--tiny-sd/blobs/': 'dir',
    'models--test--tiny-sd/refs/': 'dir',
    'models--test--tiny-sd/refs/main': `file ${sha256(enc(COMMIT))}`,
    'models--test--tiny-sd/snapshots/': 'dir',
    [`models--test--tiny-sd/snapshots/${COMMIT}/`]: 'dir',
    'models--test--tiny-sd/trees/': 'dir',
    [`models--test--tiny-sd/trees/${COMMIT}.json`]: `file ${sha256(readFileSync(join(cacheDir, 'models--test--tiny-sd', 'trees', `${COMMIT}.json`)))}`,
  };
  for (const [path, bytes] of Object.entries(files)) {
    expected[`models--test--tiny-sd/blobs/${etag(path)}`] = `file ${sha256(bytes)}`;
    const depth = path.split('/').length - 1;
    expected[`models--test--tiny-sd/snapshots/${COMMIT}/${path}`] = `-> ${'../'.repeat(depth + 2)}blobs/${etag(path)}`;
    if (depth > 0) expected[`models--test--tiny-sd/snapshots/${COMMIT}/${path.split('/')[0]}/`] = 'dir';
  }
  assert.deepEqual(cacheEntries(cacheDir), expected);
  // refs/main holds the commit and nothing else (no newline), as huggingface_hub writes it.
  assert.equal(readFileSync(join(cacheDir, 'models--test--tiny-sd', 'refs', 'main'), 'utf8'), COMMIT);
  // The links resolve to the bytes the hub serves.
  for (const [path, bytes] of Object.entries(files)) assert.deepEqual(new Uint8Array(readFileSync(join(r.snapshot, path))), bytes);
  // trees/<commit>.json: _tree_cache.py's format (json.dump indent=1, sorted paths).
  const treeJson = JSON.parse(readFileSync(join(cacheDir, 'models--test--tiny-sd', 'trees', `${COMMIT}.json`), 'utf8')) as { format_version: number; files: Record<string, { size: number; blob_id: string; lfs_sha256?: string }> };
  assert.equal(treeJson.format_version, 1);
  assert.deepEqual(Object.keys(treeJson.files), Object.keys(files).sort());
  assert.equal(treeJson.files[UNET].lfs_sha256, unetSha);
  assert.equal(treeJson.files['model_index.json'].blob_id, gitSha1(files['model_index.json']));
  // LFS files came through the redirect to the CDN, without the token's header there.
  assert.equal(hub.cdnGets(unetSha).length, 1);
  assert.match(r.fit!.message, /^needs 0\.00 GiB at float32 \(as stored\), 0\.00 GiB at float16; webgpu:0 has 1\.00 GiB free: fits$/);
});

test('a second pull finds everything in the cache: one API request, no file downloaded', async () => {
  await run('test/tiny-sd');
  hub.log.length = 0;
  const r = await run('test/tiny-sd');
  assert.deepEqual(new Set(r.files.map((f) => f.status)), new Set(['cached']));
  assert.deepEqual(hub.log.map((l) => l.url), [`/api/models/test/tiny-sd/revision/main?blobs=true`]);
});

test('another revision sharing a blob links it instead of downloading it again; refs/v1 names its commit', async () => {
  await run('test/tiny-sd');
  hub.log.length = 0;
  const r = await run('test/tiny-sd', { revision: 'v1' });
  assert.equal(r.commit, OLD_COMMIT);
  assert.deepEqual(r.files.map((f) => [f.path, f.status]), [['model_index.json', 'linked'], [UNET, 'linked']]);
  assert.equal(hub.log.filter((l) => l.url.includes('/resolve/')).length, 0);
  assert.equal(readFileSync(join(cacheDir, 'models--test--tiny-sd', 'refs', 'v1'), 'utf8'), OLD_COMMIT);
  assert.equal(readlinkSync(join(r.snapshot, UNET)), `../../../blobs/${unetSha}`);
});

test('a commit hash as revision writes no refs entry', async () => {
  const r = await run('test/tiny-sd', { revision: OLD_COMMIT, include: ['model_index.json'] });
  assert.equal(r.commit, OLD_COMMIT);
  assert.equal(existsSync(join(cacheDir, 'models--test--tiny-sd', 'refs')), false);
});

test('--include globs match as huggingface_hub\'s allow_patterns: "*" crosses "/", "dir/" means the folder', async () => {
  const r = await run('test/tiny-sd', { include: ['*.json', 'unet/'] });
  assert.deepEqual(r.files.map((f) => f.path), ['model_index.json', 'scheduler/scheduler_config.json', 'unet/config.json', UNET, 'unet/diffusion_pytorch_model.fp16.safetensors', 'text_encoder/config.json', 'vae/config.json']);
  const only = await run('test/tiny-sd', { include: ['unet/*.fp1[6]*'] });
  assert.deepEqual(only.files.map((f) => f.path), ['unet/diffusion_pytorch_model.fp16.safetensors']);
  // The fit check reads the files being pulled: here the float16 unet only.
  assert.match(only.fit!.message, /^needs 0\.00 GiB at float16 \(as stored\); webgpu:0 has/);
  await assert.rejects(run('test/tiny-sd', { include: ['*.bin'] }), /no file of model 'test\/tiny-sd' at revision 'main' matches --include \*\.bin .*Its files: model_index\.json/);
});

test('a connection dropped mid-file resumes with a Range request from the bytes received', async () => {
  hub.faults.drop = new Map([[unetSha, { after: 50_000, times: 2 }]]);
  const r = await run('test/tiny-sd', { include: [UNET] });
  assert.deepEqual(new Uint8Array(readFileSync(join(r.snapshot, UNET))), files[UNET]);
  assert.deepEqual(hub.cdnGets(unetSha).map((l) => l.range), [undefined, 'bytes=50000-', 'bytes=100000-']);
  assert.ok(notes.some((l) => l.startsWith(`${UNET}: `) && l.includes('resuming at byte 50,000 (try 2 of 6)')), notes.join('\n'));
  assert.equal(existsSync(join(cacheDir, 'models--test--tiny-sd', 'blobs', `${unetSha}.incomplete`)), false);
});

test('the progress adds up to the bytes to download, through a resume, a drop and a restart', async () => {
  const seen = { total: -1, files: -1, done: 0, names: [] as string[], stopped: false };
  const progress = {
    start: (total: number, count: number) => Object.assign(seen, { total, files: count }),
    file: (p: string) => seen.names.push(p),
    bytes: (d: number) => (seen.done += d),
    stop: () => (seen.stopped = true),
  };
  const blobs = join(cacheDir, 'models--test--tiny-sd', 'blobs');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, `${unetSha}.incomplete`), files[UNET].subarray(0, 20_000));
  hub.faults.drop = new Map([[unetSha, { after: 30_000, times: 1 }]]);
  await run('test/tiny-sd', { include: ['unet/*'], progress });
  const sizes = [UNET, 'unet/config.json', 'unet/diffusion_pytorch_model.fp16.safetensors'].reduce((s, p) => s + files[p].length, 0);
  assert.deepEqual(seen, { total: sizes, files: 3, done: sizes, names: ['unet/config.json', UNET, 'unet/diffusion_pytorch_model.fp16.safetensors'], stopped: true });
  // A server ignoring Range: the bytes counted before it are taken back.
  cacheDir = join(tmp, `cache${n++}`);
  mkdirSync(join(cacheDir, 'models--test--tiny-sd', 'blobs'), { recursive: true });
  writeFileSync(join(cacheDir, 'models--test--tiny-sd', 'blobs', `${unetSha}.incomplete`), files[UNET].subarray(0, 20_000));
  hub.faults = { ignoreRange: true };
  Object.assign(seen, { done: 0, names: [] });
  await run('test/tiny-sd', { include: [UNET], progress });
  assert.deepEqual([seen.total, seen.done], [files[UNET].length, files[UNET].length]);
});

test('a CDN answering 503 is tried again; a 404 from it is not', async () => {
  hub.faults.status = new Map([[unetSha, { code: 503, times: 2 }]]);
  const r = await run('test/tiny-sd', { include: [UNET] });
  assert.deepEqual(new Uint8Array(readFileSync(join(r.snapshot, UNET))), files[UNET]);
  assert.equal(hub.cdnGets(unetSha).length, 3);
  assert.ok(notes.some((l) => /^unet\/diffusion_pytorch_model\.safetensors: HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/lfs\/[0-9a-f]{64}; resuming at byte 0 \(try 3 of 6\)$/.test(l)), notes.join('\n'));
  hub.faults.status = new Map([[unetSha, { code: 404, times: 1 }]]);
  await assert.rejects(run('test/tiny-sd', { include: [UNET], settings: settings({ cacheDir: join(tmp, `cache${n++}`) }) }), /^HubHttpError: test\/tiny-sd\/unet\/diffusion_pytorch_model\.safetensors: HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/lfs\//);
});

test('an .incomplete file left by an earlier run is resumed; a server that ignores Range (200) starts it over', async () => {
  const blobs = join(cacheDir, 'models--test--tiny-sd', 'blobs');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, `${unetSha}.incomplete`), files[UNET].subarray(0, 30_000));
  const r = await run('test/tiny-sd', { include: [UNET] });
  assert.deepEqual(hub.cdnGets(unetSha).map((l) => l.range), ['bytes=30000-']);
  assert.deepEqual(new Uint8Array(readFileSync(join(r.snapshot, UNET))), files[UNET]);

  cacheDir = join(tmp, `cache${n++}`);
  hub.log.length = 0;
  hub.faults.ignoreRange = true;
  mkdirSync(join(cacheDir, 'models--test--tiny-sd', 'blobs'), { recursive: true });
  // Wrong bytes in the partial file: kept, they would fail the hash; a 200 replaces them.
  writeFileSync(join(cacheDir, 'models--test--tiny-sd', 'blobs', `${unetSha}.incomplete`), new Uint8Array(30_000));
  const again = await run('test/tiny-sd', { include: [UNET] });
  assert.deepEqual(hub.cdnGets(unetSha).map((l) => l.range), ['bytes=30000-']);
  assert.deepEqual(new Uint8Array(readFileSync(join(again.snapshot, UNET))), files[UNET]);
  assert.ok(notes.some((l) => l.includes('ignored the Range request')));
});

test('wrong bytes: the sha256 check fails naming the file, and the partial file is deleted', async () => {
  const bad = new Uint8Array(files[UNET]);
  bad[1000] ^= 1;
  hub.faults.corrupt = new Map([[unetSha, bad]]);
  await assert.rejects(run('test/tiny-sd', { include: [UNET] }), (e: Error) => {
    assert.ok(e instanceof HashMismatchError);
    assert.equal(e.message, `${UNET}: the downloaded bytes have sha256 ${sha256(bad)}, but the hub lists ${unetSha}; the partial file was deleted. Run dlab pull again; if it repeats, the mirror (HF_ENDPOINT) serves a different file.`);
    return true;
  });
  const blobs = join(cacheDir, 'models--test--tiny-sd', 'blobs');
  assert.deepEqual(readdirSync(blobs), []);
  assert.equal(existsSync(join(cacheDir, 'models--test--tiny-sd', 'snapshots', COMMIT, UNET)), false);
});

test('a gated model: 401 without a token, 403 with one not granted, each with what to do; the token goes to the hub only', async () => {
  await assert.rejects(run('test/gated'), (e: Error) => {
    assert.ok(e instanceof GatedRepoError);
    assert.match(e.message, /^model 'test\/gated' is gated: access to it is restricted to accounts that accepted its terms \(http:\/\/127\.0\.0\.1:\d+\/test\/gated\)\. Gated and private models need a token: .* HF_TOKEN=hf_\.\.\. set\.$/);
    return true;
  });
  await assert.rejects(run('test/gated', { settings: settings({ token: 'hf_other' }) }), (e: Error) => e instanceof GatedRepoError && e.status === 403 && /was refused for it/.test(e.message));
  const r = await run('test/gated', { settings: settings({ token: 'hf_good' }) });
  assert.equal(r.files.length, 1);
  // The LFS redirect to another host drops the Authorization header.
  await run('test/tiny-sd', { settings: settings({ token: 'hf_good', cacheDir: join(tmp, `cache${n++}`) }), include: [UNET] });
  assert.ok(hub.log.some((l) => l.host === 'hub' && l.url.includes('/resolve/') && l.authorization === 'Bearer hf_good'));
  assert.ok(hub.log.filter((l) => l.host === 'cdn').every((l) => l.authorization === undefined));
});

test('a missing repo and a missing revision: messages naming them', async () => {
  await assert.rejects(run('test/nope'), (e: Error) => e instanceof RepoNotFoundError && /^model 'test\/nope' not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\): check the id .*; if it is private, set HF_TOKEN\.$/.test(e.message));
  await assert.rejects(run('test/tiny-sd', { revision: 'v9' }), (e: Error) => e instanceof RevisionNotFoundError && e.message === "revision 'v9' not found in model 'test/tiny-sd': give a branch, tag or commit of it with --revision (the default is main).");
  assert.equal(existsSync(cacheDir), false);
});

test('a renamed repo: the relative redirect of its resolve URLs is followed', async () => {
  hub.add('test/old-name', { refs: { main: COMMIT }, commits: { [COMMIT]: { 'model_index.json': files['model_index.json'] } } });
  const r = await run('test/old-name');
  assert.deepEqual(new Uint8Array(readFileSync(join(r.snapshot, 'model_index.json'))), files['model_index.json']);
  assert.ok(hub.log.some((l) => l.url === `/test/tiny-sd/resolve/${COMMIT}/model_index.json`));
  hub.repos.delete('test/old-name');
});

test('HF_HUB_OFFLINE: the cache answers alone, and says plainly when it cannot', async () => {
  await assert.rejects(run('test/tiny-sd', { settings: settings({ offline: true }) }), (e: Error) => e instanceof OfflineError && e.message.startsWith(`HF_HUB_OFFLINE is set and model 'test/tiny-sd' at revision 'main' is not in the cache (${join(cacheDir, 'models--test--tiny-sd')}): run dlab pull with the network on`));
  await run('test/tiny-sd', { include: ['*.json'] });
  hub.log.length = 0;
  const r = await run('test/tiny-sd', { settings: settings({ offline: true }), include: ['*.json'] });
  assert.equal(r.offline, true);
  assert.equal(r.files.length, 5);
  assert.equal(r.fit, null);
  // The commit's file list (trees/) shows that the weights were never pulled.
  await assert.rejects(run('test/tiny-sd', { settings: settings({ offline: true }) }), /the cached copy of model 'test\/tiny-sd' at revision 'main' lacks 4 files \(text_encoder\/model\.safetensors, unet\/diffusion_pytorch_model\.fp16\.safetensors/);
  assert.deepEqual(hub.log, []);
  // A hub that cannot be reached falls back to the cache, as snapshot_download does.
  const port = await closedPort();
  const fallback = await run('test/tiny-sd', { settings: settings({ endpoint: `http://127.0.0.1:${port}` }), include: ['*.json'] });
  assert.equal(fallback.offline, true);
  assert.ok(notes.some((l) => l.includes('ECONNREFUSED') && l.endsWith('using the cached copy')));
});

test('two pulls of one model at once: each blob downloaded once, both snapshots complete', async () => {
  hub.faults.slow = 2;
  const [a, b] = await Promise.all([run('test/tiny-sd'), run('test/tiny-sd')]);
  for (const [path, bytes] of Object.entries(files)) assert.deepEqual(new Uint8Array(readFileSync(join(a.snapshot, path))), bytes);
  assert.equal(hub.cdnGets(unetSha).length, 1);
  // Each file was downloaded by one pull and found ready by the other.
  for (let i = 0; i < a.files.length; i++) assert.deepEqual([a.files[i].status, b.files[i].status].sort(), ['downloaded', 'linked']);
  assert.ok(notes.some((l) => l.startsWith('waiting for another pull of ')));
});

test('a disk too small for the files is refused before any download', async () => {
  const statfs = () => ({ bavail: 10, bsize: 4096 });
  await assert.rejects(run('test/tiny-sd', { statfs }), (e: Error) => {
    assert.ok(e instanceof DiskSpaceError);
    const total = Object.values(files).reduce((s, b) => s + b.length, 0);
    assert.equal(e.needed, total);
    assert.equal(e.free, 40960);
    assert.match(e.message, /^not enough disk space in .+: the 9 files to download need 0\.00 GiB, 0\.00 GiB is free\. Free some space, or point HF_HUB_CACHE \(or HF_HOME\) at a disk with room\.$/);
    return true;
  });
  // The fit check read the safetensors headers (bytes a-b); nothing was downloaded.
  assert.ok(hub.log.filter((l) => l.host === 'cdn').every((l) => /^bytes=\d+-\d+$/.test(l.range ?? '')));
  assert.equal(existsSync(join(cacheDir, 'models--test--tiny-sd')), false);
});

test('the fit check: refuses naming the dtype that would fit, --force goes on, from header bytes only', async () => {
  const params = 64 * 64 * 9 + 64 + 100 * 32 + 3 * 32 * 9;
  const f32 = Math.ceil(params * 4 * 1.2);
  const device = () => ({ name: 'webgpu:0', freeBytes: f32 - 1 });
  await assert.rejects(run('test/tiny-sd', { device }), (e: Error) => {
    assert.ok(e instanceof FitRefusedError);
    assert.match(e.message, /^test\/tiny-sd: needs 0\.00 GiB at float32 \(as stored\), 0\.00 GiB at float16; webgpu:0 has 0\.00 GiB free: too big as stored; it would fit at float16 \(0\.00 GiB\)\. Pull anyway with --force\.$/);
    return true;
  });
  // Only the safetensors headers were read: ranged requests of the first 8 bytes, then the header.
  const reads = hub.log.filter((l) => l.host === 'cdn');
  assert.ok(reads.length > 0 && reads.every((l) => l.range !== undefined && /^bytes=\d+-\d+$/.test(l.range)));
  assert.equal(existsSync(cacheDir), false);
  const tiny = () => ({ name: 'cpu', freeBytes: 100 });
  await assert.rejects(run('test/tiny-sd', { device: tiny }), /cpu has 0\.00 GiB free: too big even at int4 \(0\.00 GiB\)\. Pull anyway with --force\.$/);
  const forced = await run('test/tiny-sd', { device, force: true });
  assert.equal(forced.fit!.fits, false);
  assert.equal(forced.fit!.storedBytes, f32);
  assert.equal(forced.fit!.wouldFit, 'float16');
  assert.ok(notes.some((l) => l.endsWith('it would fit at float16 (0.00 GiB). Going on (--force).')));
});

test('timeouts: a CDN that stops sending is a read timeout, retried from the bytes received', async () => {
  hub.faults.stall = new Map([[unetSha, { after: 40_000, times: 1 }]]);
  const r = await run('test/tiny-sd', { include: [UNET], settings: settings({ downloadTimeout: 300 }) });
  assert.deepEqual(new Uint8Array(readFileSync(join(r.snapshot, UNET))), files[UNET]);
  assert.ok(notes.some((l) => /timed out: http:\/\/127\.0\.0\.1:\d+\/lfs\/[0-9a-f]+ sent nothing for 0\.3 s after 40,000 bytes \(read timeout; HF_HUB_DOWNLOAD_TIMEOUT sets it in seconds\); resuming at byte 40,000/.test(l)), notes.join('\n'));
  // Stalled every time: the error says what was kept and how to go on.
  hub.faults.stall = new Map([[unetSha, { after: 10, times: 10 }]]);
  const fresh = settings({ downloadTimeout: 200, cacheDir: join(tmp, `cache${n++}`) });
  await assert.rejects(run('test/tiny-sd', { include: [UNET], settings: fresh, retries: 1 }), /^Error: could not download unet\/diffusion_pytorch_model\.safetensors: timed out: .* \(gave up after 2 tries\)\. The 20 bytes received are kept in .*\.incomplete; run dlab pull again to resume\.$/);
});

test('timeouts: a hub that accepts the connection and never answers is a connect timeout naming its setting', async () => {
  const { createServer } = await import('node:net');
  const silent = createServer(() => {});
  await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
  const port = (silent.address() as { port: number }).port;
  try {
    await assert.rejects(
      run('test/tiny-sd', { settings: settings({ endpoint: `http://127.0.0.1:${port}`, metadataTimeout: 200 }) }),
      new RegExp(`^HubTimeoutError: timed out: http://127\\.0\\.0\\.1:${port}/api/models/test/tiny-sd/revision/main\\?blobs=true sent no answer within 0\\.2 s \\(connect timeout; HF_HUB_ETAG_TIMEOUT sets it in seconds\\)$`),
    );
  } finally {
    silent.close();
  }
});

test('the symlink layout uses relative links that survive moving the cache', async () => {
  const r = await run('test/tiny-sd', { include: [UNET, 'model_index.json'] });
  assert.ok(lstatSync(join(r.snapshot, UNET)).isSymbolicLink());
  const moved = join(tmp, `moved${n++}`);
  const { renameSync } = await import('node:fs');
  renameSync(cacheDir, moved);
  assert.deepEqual(new Uint8Array(readFileSync(join(moved, 'models--test--tiny-sd', 'snapshots', COMMIT, UNET))), files[UNET]);
});
