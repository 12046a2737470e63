// The pieces of dlab pull, one at a time. Those that must match huggingface_hub exactly: --include
// globs (Python's fnmatch, the answers below printed by Python 3's fnmatch), the cache's names and
// link targets, trees/<commit>.json's bytes (json.dump(indent=1) as Python printed it), the
// environment. Then the device a pull plans for, and the fit verdict at real model sizes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { filterPaths, globToRegExp } from '../../src/hub/patterns.js';
import { blobLinkTarget, checkRepoPath, etagKind, isCommitHash, normalizeEtag, repoFolderName } from '../../src/hub/layout.js';
import { checkRepoId, modelInfoUrl, resolveUrl } from '../../src/hub/api.js';
import { pythonJson } from '../../src/hub/cache.node.js';
import { hubSettings } from '../../src/hub/settings.node.js';

test('globs match as fnmatch does (Python 3 printed these answers)', () => {
  const cases: [string, string, boolean][] = [
    ['unet/config.json', '*.json', true], ['config.json', '*.json', true], ['unet/a.safetensors', 'unet/*', true],
    ['unet/sub/a.bin', 'unet/*', true], ['a.fp16.safetensors', '*.fp1[6]*', true], ['a.fp32.safetensors', '*.fp1[!6]*', false],
    ['a.fp17.safetensors', '*.fp1[!6]*', true], ['x[y', 'x[y', true], ['Unet/a', 'unet/*', false], ['a?c', 'a?c', true],
    ['abc', 'a?c', true], ['ac', 'a?c', false], ['a.json', 'a.json', true], ['axjson', 'a.json', false], ['a]b', 'a[]]b', true],
    ['a-b', 'a[a-c-]b', true], ['a^b', 'a[^]b', true], ['text_encoder/model.safetensors', '*/model.safetensors', true],
    ['model.safetensors', '*/model.safetensors', false],
  ];
  for (const [path, glob, expected] of cases) assert.equal(globToRegExp(glob).test(path), expected, `${path} ~ ${glob}`);
  // A trailing '/' means the folder's files (huggingface_hub's _add_wildcard_to_directories).
  assert.deepEqual(filterPaths(['unet/a', 'unet2/b', 'vae/c'], ['unet/']), ['unet/a']);
  assert.deepEqual(filterPaths(['b', 'a'], undefined), ['b', 'a']);
  assert.deepEqual(filterPaths(['b', 'a', 'c.json'], ['a', '*.json']), ['a', 'c.json']);
});

test('cache names and relative link targets', () => {
  assert.equal(repoFolderName('stabilityai/sd-turbo'), 'models--stabilityai--sd-turbo');
  assert.equal(repoFolderName('gpt2'), 'models--gpt2');
  assert.equal(repoFolderName('org/data', 'dataset'), 'datasets--org--data');
  assert.equal(blobLinkTarget('model_index.json', 'e1'), '../../blobs/e1');
  assert.equal(blobLinkTarget('unet/diffusion_pytorch_model.fp16.safetensors', 'e2'), '../../../blobs/e2');
  assert.equal(blobLinkTarget('a/b/c.txt', 'e3'), '../../../../blobs/e3');
  assert.equal(normalizeEtag('W/"abc"'), 'abc');
  assert.equal(normalizeEtag('"abc"'), 'abc');
  assert.equal(normalizeEtag(null), null);
  assert.equal(etagKind('a'.repeat(64)), 'sha256');
  assert.equal(etagKind('a'.repeat(40)), 'git-sha1');
  assert.equal(etagKind('xyz'), 'other');
  assert.equal(isCommitHash('0123456789abcdef0123456789abcdef01234567'), true);
  assert.equal(isCommitHash('main'), false);
  for (const bad of ['../x', 'a/../b', '/etc/passwd', 'a//b', 'a\\b', './a']) assert.throws(() => checkRepoPath(bad), /would leave the snapshot folder/, bad);
  assert.equal(checkRepoPath('unet/config.json'), 'unet/config.json');
});

test('hub URLs: a revision\'s slashes are escaped, a path\'s kept (hf_hub_url)', () => {
  assert.equal(modelInfoUrl('https://hf.co', 'org/m', 'refs/pr/1'), 'https://hf.co/api/models/org/m/revision/refs%2Fpr%2F1?blobs=true');
  assert.equal(resolveUrl('https://hf.co', 'org/m', 'main', 'unet/a b(1).json'), 'https://hf.co/org/m/resolve/main/unet/a%20b%281%29.json');
  assert.equal(checkRepoId('stabilityai/sd-turbo'), null);
  assert.equal(checkRepoId('gpt2'), null);
  for (const bad of ['a/b/c', 'a--b/c', 'a/b..c', '-a/b', 'a/b-', 'a b/c', '']) assert.match(checkRepoId(bad) ?? '', /is not a repo id/, bad);
});

test('trees/<commit>.json: the bytes json.dump(data, f, indent=1) writes (ASCII escapes included)', () => {
  const data = { format_version: 1, files: { 'a/é.json': { size: 3, blob_id: 'x' }, b: { size: 1, blob_id: 'y', lfs_sha256: 'z', lfs_size: 1 } } };
  assert.equal(
    pythonJson(data),
    '{\n "format_version": 1,\n "files": {\n  "a/\\u00e9.json": {\n   "size": 3,\n   "blob_id": "x"\n  },\n  "b": {\n   "size": 1,\n   "blob_id": "y",\n   "lfs_sha256": "z",\n   "lfs_size": 1\n  }\n }\n}',
  );
});

test('settings from the environment, in huggingface_hub\'s order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-hub-env-'));
  try {
    const plain = hubSettings({ HOME: homedir() });
    assert.equal(plain.endpoint, 'https://huggingface.co');
    assert.equal(plain.cacheDir, join(homedir(), '.cache', 'huggingface', 'hub'));
    assert.equal(plain.offline, false);
    assert.deepEqual([plain.metadataTimeout, plain.downloadTimeout], [10_000, 10_000]);
    assert.equal(hubSettings({ XDG_CACHE_HOME: '/x' }).cacheDir, '/x/huggingface/hub');
    assert.equal(hubSettings({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' }).cacheDir, '/h/hub');
    assert.equal(hubSettings({ HF_HOME: '/h', HUGGINGFACE_HUB_CACHE: '/legacy' }).cacheDir, '/legacy');
    assert.equal(hubSettings({ HF_HOME: '/h', HF_HUB_CACHE: '/c', HUGGINGFACE_HUB_CACHE: '/legacy' }).cacheDir, '/c');
    assert.equal(hubSettings({ HF_HUB_CACHE: '~/hub' }).cacheDir, join(homedir(), 'hub'));
    assert.equal(hubSettings({ HF_ENDPOINT: 'https://hf-mirror.com/' }).endpoint, 'https://hf-mirror.com');
    for (const v of ['1', 'on', 'YES', 'true']) assert.equal(hubSettings({ HF_HUB_OFFLINE: v }).offline, true, v);
    assert.equal(hubSettings({ HF_HUB_OFFLINE: '0' }).offline, false);
    assert.equal(hubSettings({ TRANSFORMERS_OFFLINE: '1' }).offline, true);
    // Token: HF_TOKEN, then the legacy name, then the token file.
    writeFileSync(join(dir, 'token'), 'hf_file\n');
    assert.equal(hubSettings({ HF_HOME: dir }).token, 'hf_file');
    assert.equal(hubSettings({ HF_HOME: dir, HUGGING_FACE_HUB_TOKEN: 'hf_legacy' }).token, 'hf_legacy');
    assert.equal(hubSettings({ HF_HOME: dir, HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_legacy' }).token, 'hf_env');
    assert.equal(hubSettings({ HF_HOME: join(dir, 'none') }).token, undefined);
    assert.equal(hubSettings({ HF_HUB_DOWNLOAD_TIMEOUT: '30' }).downloadTimeout, 30_000);
    assert.throws(() => hubSettings({ HF_HUB_ETAG_TIMEOUT: 'soon' }), /HF_HUB_ETAG_TIMEOUT must be a positive whole number of seconds, but got 'soon'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the device a pull plans for: --gpu-memory, else GPU 0 as dlab gpu lists it, else the cpu\'s free RAM', async () => {
  const { chmodSync } = await import('node:fs');
  const { freemem } = await import('node:os');
  const { deviceMemory } = await import('../../src/hub/device_memory.node.js');
  const dir = mkdtempSync(join(tmpdir(), 'dlab-hub-smi-'));
  const saved = process.env.DLAB_NVIDIA_SMI;
  try {
    const smi = join(dir, 'nvidia-smi');
    writeFileSync(smi, '#!/bin/sh\necho "0, NVIDIA GeForce RTX 3070, 8192, 7800"\n');
    chmodSync(smi, 0o755);
    process.env.DLAB_NVIDIA_SMI = smi;
    const noAdapter = { webgpu: false };
    assert.deepEqual(await deviceMemory(undefined, noAdapter), { name: 'GPU 0 (NVIDIA GeForce RTX 3070)', freeBytes: 7800 * 2 ** 20 });
    assert.deepEqual(await deviceMemory(2 ** 30), { name: 'the memory given (--gpu-memory)', freeBytes: 2 ** 30 });
    process.env.DLAB_NVIDIA_SMI = join(dir, 'absent');
    const cpu = await deviceMemory(undefined, noAdapter);
    assert.equal(cpu.name, 'cpu');
    // Free RAM moves between two reads; it is the same order of magnitude.
    assert.ok(Math.abs(cpu.freeBytes - freemem()) < 2 ** 30);
  } finally {
    if (saved === undefined) delete process.env.DLAB_NVIDIA_SMI;
    else process.env.DLAB_NVIDIA_SMI = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a WebGPU adapter the pull plans for it, and says WebGPU has no free-memory query', async () => {
  const webgpu = await import('../../src/backend/webgpu/api.js');
  const { freemem } = await import('node:os');
  const { deviceMemory } = await import('../../src/hub/device_memory.node.js');
  const saved = process.env.DLAB_NVIDIA_SMI;
  process.env.DLAB_NVIDIA_SMI = join(tmpdir(), 'dlab-absent-nvidia-smi');
  try {
    // scripts/run-tests.mjs gives this process SwiftShader, a software adapter.
    const m = await deviceMemory();
    assert.match(m.name, /^webgpu:0 \(.*\(software adapter\)\): host RAM, where a software adapter's buffers live \(WebGPU has no free-memory query\)$/);
    assert.ok(Math.abs(m.freeBytes - freemem()) < 2 ** 30);
    assert.equal(webgpu.deviceCount(), 0, 'the device acquired for the question is released');
  } finally {
    if (saved === undefined) delete process.env.DLAB_NVIDIA_SMI;
    else process.env.DLAB_NVIDIA_SMI = saved;
  }
});

test('the fit verdict at real sizes: SD 1.5\'s parameter counts, stored in float32, then in float16', async () => {
  const { fitVerdict } = await import('../../src/hub/fit_check.js');
  const part = (name: string, params: number, dtype: string) => ({ name, params, storedDtypes: { [dtype]: params }, files: [] });
  const sd = (dtype: string) => {
    const parts = [part('unet', 859_520_964, dtype), part('text_encoder', 123_060_480, dtype), part('vae', 83_653_863, dtype)];
    return { name: 'sd15', parts, params: parts.reduce((a, p) => a + p.params, 0), kvCache: null };
  };
  const gpu = (gib: number) => ({ name: 'webgpu:0', freeBytes: gib * 2 ** 30 });
  // 1,066,235,307 parameters: x 4 bytes x 1.2 = 4.77 GiB; x 2 x 1.2 = 2.38 GiB.
  assert.equal(fitVerdict(sd('F32'), gpu(6)).message, 'needs 4.77 GiB at float32 (as stored), 2.38 GiB at float16; webgpu:0 has 6.00 GiB free: fits');
  const tight = fitVerdict(sd('F32'), gpu(4));
  assert.deepEqual([tight.fits, tight.wouldFit], [false, 'float16']);
  assert.equal(tight.message, 'needs 4.77 GiB at float32 (as stored), 2.38 GiB at float16; webgpu:0 has 4.00 GiB free: too big as stored; it would fit at float16 (2.38 GiB).');
  assert.equal(fitVerdict(sd('F16'), gpu(2)).message, 'needs 2.38 GiB at float16 (as stored); webgpu:0 has 2.00 GiB free: too big as stored; it would fit at int8 (1.19 GiB).');
  assert.equal(fitVerdict(sd('F16'), gpu(0.5)).message, 'needs 2.38 GiB at float16 (as stored); webgpu:0 has 0.50 GiB free: too big even at int4 (0.60 GiB).');
  // Mixed storage counts each tensor at its own dtype; the name is the dtype most parameters have.
  const mixed = { name: 'm', parts: [{ name: '', params: 300, storedDtypes: { F16: 200, F32: 100 }, files: [] }], params: 300, kvCache: null };
  const v = fitVerdict(mixed, gpu(1));
  assert.deepEqual([v.storedDtype, v.storedBytes, v.float16Bytes], ['float16', Math.ceil((200 * 2 + 100 * 4) * 1.2), Math.ceil(300 * 2 * 1.2)]);
});
