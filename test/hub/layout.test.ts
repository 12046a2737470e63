// The pieces of dlab pull that must match huggingface_hub exactly: --include globs (Python's
// fnmatch, the answers below printed by Python 3's fnmatch), the cache's names and link targets,
// trees/<commit>.json's bytes (json.dump(indent=1) as Python printed it), the environment.
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
