// `dlab pull` run as a user runs it, against the local hub and CDN (test/hub/hub_server.ts):
// HF_ENDPOINT and HF_HUB_CACHE point at them. The runs start together and each test awaits its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COMMIT, FakeHub, enc, sha256, tinyPipeline } from './hub_server.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dlab-pull-cli-'));
const hub = new FakeHub();
const files = tinyPipeline();
const UNET = 'unet/diffusion_pytorch_model.safetensors';

interface Run { code: number; stdout: string; stderr: string }
const dlab = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', main, 'pull', ...args], {
      encoding: 'utf8',
      env: { ...process.env, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: '', HF_HUB_OFFLINE: '', DLAB_NVIDIA_SMI: join(tmp, 'no-nvidia-smi'), ...env },
    }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
const cache = (name: string) => join(tmp, name);

let runs: Record<string, Promise<Run>>;
before(async () => {
  await hub.start();
  hub.add('test/tiny-sd', { refs: { main: COMMIT }, commits: { [COMMIT]: files } });
  hub.add('test/gated', { refs: { main: COMMIT }, commits: { [COMMIT]: { 'config.json': enc('{}') } }, gatedToken: 'hf_good' });
  // Slow enough that two pulls started together overlap.
  hub.faults.slow = 2;
  runs = {
    full: dlab(['test/tiny-sd', '--gpu-memory', '8GiB'], { HF_HUB_CACHE: cache('full') }),
    // No GPU: neither nvidia-smi nor a Vulkan driver for a WebGPU adapter (the runner gives SwiftShader otherwise).
    cpu: dlab(['test/tiny-sd', '--include', '*.json', 'unet/*', '--json'], { HF_HUB_CACHE: cache('cpu'), VK_ICD_FILENAMES: join(tmp, 'no-vulkan-driver.json') }),
    twinA: dlab(['test/tiny-sd', '--gpu-memory', '8GiB', '--json'], { HF_HUB_CACHE: cache('twins') }),
    twinB: dlab(['test/tiny-sd', '--gpu-memory', '8GiB', '--json'], { HF_HUB_CACHE: cache('twins') }),
    refused: dlab(['test/tiny-sd', '--gpu-memory', '100KiB'], { HF_HUB_CACHE: cache('refused') }),
    forced: dlab(['test/tiny-sd', '--gpu-memory', '100KiB', '--force', '--include', UNET], { HF_HUB_CACHE: cache('forced') }),
    gated: dlab(['test/gated'], { HF_HUB_CACHE: cache('gated') }),
    offline: dlab(['test/tiny-sd'], { HF_HOME: cache('home'), HF_HUB_OFFLINE: '1' }),
    badSize: dlab(['test/tiny-sd', '--gpu-memory', 'lots']),
    badRevision: dlab(['test/tiny-sd', '--revision', '../x']),
    badId: dlab(['not/a/repo']),
  };
});
after(async () => {
  await Promise.all(Object.values(runs));
  await hub.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('dlab pull: the fit check line, what was downloaded, and the snapshot folder; the cache is huggingface_hub\'s', async () => {
  const r = await runs.full;
  assert.equal(r.code, 0, r.stderr);
  const snapshot = join(cache('full'), 'models--test--tiny-sd', 'snapshots', COMMIT);
  assert.equal(
    r.stdout,
    'fit: needs 0.00 GiB at float32 (as stored), 0.00 GiB at float16; the memory given (--gpu-memory) has 8.00 GiB free: fits\n' +
      `test/tiny-sd @ main (${COMMIT}): 9 files, 9 downloaded (0.00 GiB), 0 already cached, 0 linked to blobs already cached\n` +
      `${snapshot}\n`,
  );
  assert.equal(readFileSync(join(cache('full'), 'models--test--tiny-sd', 'refs', 'main'), 'utf8'), COMMIT);
  assert.equal(readlinkSync(join(snapshot, UNET)), `../../../blobs/${sha256(files[UNET])}`);
  assert.deepEqual(new Uint8Array(readFileSync(join(snapshot, UNET))), files[UNET]);
});

test('dlab pull --include ... --json, no GPU: the fit check plans for the cpu\'s free memory', async () => {
  const r = await runs.cpu;
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { commit: string; files: { path: string; status: string }[]; fit: { message: string; fits: boolean }; offline: boolean };
  assert.deepEqual(out.files.map((f) => f.path), ['model_index.json', 'scheduler/scheduler_config.json', 'unet/config.json', UNET, 'unet/diffusion_pytorch_model.fp16.safetensors', 'text_encoder/config.json', 'vae/config.json']);
  assert.match(out.fit.message, /; cpu has \d+\.\d\d GiB free: fits$/);
  assert.equal(out.offline, false);
});

test('two dlab pull processes of one model at once: both succeed, each blob is downloaded once', async () => {
  const [a, b] = await Promise.all([runs.twinA, runs.twinB]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  for (const [path, bytes] of Object.entries(files)) {
    assert.deepEqual(new Uint8Array(readFileSync(join(cache('twins'), 'models--test--tiny-sd', 'snapshots', COMMIT, path))), bytes);
  }
  const gets = hub.log.filter((l) => l.host === 'cdn' && l.range === undefined);
  // Three caches pulled the unet (full, cpu, twins) and forced pulled it too: one download each, not two for the twins.
  assert.equal(gets.filter((l) => l.url === `/lfs/${sha256(files[UNET])}`).length, 4);
  const statuses = [a, b].map((r) => (JSON.parse(r.stdout) as { files: { status: string }[] }).files.map((f) => f.status));
  // One downloaded each file; the other waited for it ('linked') or, started later, found it done ('cached').
  for (let i = 0; i < statuses[0].length; i++) {
    const [x, y] = [statuses[0][i], statuses[1][i]].sort();
    assert.ok((x === 'cached' || x === 'downloaded') && (y === 'downloaded' || y === 'linked') && x !== y, `${x} ${y}`);
  }
});

test('dlab pull refuses a model that does not fit, naming the dtype that would; --force goes on', async () => {
  const r = await runs.refused;
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^dlab pull: test\/tiny-sd: needs 0\.00 GiB at float32 \(as stored\), 0\.00 GiB at float16; the memory given \(--gpu-memory\) has 0\.00 GiB free: too big as stored; it would fit at float16 \(0\.00 GiB\)\. Pull anyway with --force\.\n$/);
  assert.equal(existsSync(cache('refused')), false);
  const forced = await runs.forced;
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /test\/tiny-sd: needs 0\.00 GiB at float32 \(as stored\), 0\.00 GiB at float16; .* too big as stored; it would fit at float16 \(0\.00 GiB\)\. Going on \(--force\)\./);
  assert.match(forced.stdout, /1 files, 1 downloaded/);
});

test('dlab pull of a gated model without HF_TOKEN: what to do', async () => {
  const r = await runs.gated;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^dlab pull: model 'test\/gated' is gated: .* create a read token at https:\/\/huggingface\.co\/settings\/tokens and run again with HF_TOKEN=hf_\.\.\. set\.\n$/);
});

test('dlab pull with HF_HUB_OFFLINE=1 and nothing cached: says so, with the cache folder', async () => {
  const r = await runs.offline;
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `dlab pull: HF_HUB_OFFLINE is set and model 'test/tiny-sd' at revision 'main' is not in the cache (${join(cache('home'), 'hub', 'models--test--tiny-sd')}): run dlab pull with the network on (HF_HUB_OFFLINE unset) once.\n`);
});

test('bad options are refused before anything runs, naming the flag', async () => {
  const size = await runs.badSize;
  assert.equal(size.code, 1);
  assert.equal(size.stderr, "error: option '--gpu-memory <size>' argument 'lots' is invalid. Expected a size, e.g. 8GiB, 8GB or 8192MiB.\n");
  const rev = await runs.badRevision;
  assert.equal(rev.stderr, "error: option '--revision <rev>' argument '../x' is invalid. Expected a branch, tag or commit, e.g. main, v1.0 or refs/pr/1.\n");
  const id = await runs.badId;
  assert.equal(id.stderr, "dlab pull: 'not/a/repo' is not a repo id: expected organisation/name, e.g. stabilityai/sd-turbo\n");
});
