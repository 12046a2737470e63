// The download path against a local HTTP server on 127.0.0.1: mirror failover, checksum
// failure, resume after a cut connection, cache hits without network, the offline error.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureFile, findFile, dataRoot, hashFile } from '../../src/datasets/download.node.js';
import { ChecksumError, type RemoteFile } from '../../src/datasets/download.js';

const body = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
const sha1 = createHash('sha1').update(body).digest('hex');
const md5 = createHash('md5').update(body).digest('hex');

interface Hit {
  url: string;
  headers: IncomingHttpHeaders;
}
const hits: Hit[] = [];
let server: Server;
let base = '';
let cutOnce = true;

before(async () => {
  server = createServer((req, res) => {
    hits.push({ url: req.url!, headers: req.headers });
    const url = req.url!;
    if (url.startsWith('/missing/')) {
      res.writeHead(404).end('not here');
    } else if (url.startsWith('/wrong/')) {
      const bad = body.slice();
      bad[10] ^= 1;
      res.writeHead(200, { 'content-length': bad.length }).end(bad);
    } else if (url.startsWith('/good/')) {
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } else if (url.startsWith('/cut/') || url.startsWith('/norange/')) {
      const range = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      if (range && url.startsWith('/cut/')) {
        const start = Number(range[1]);
        res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
        res.end(body.subarray(start));
        return;
      }
      res.writeHead(200, { 'content-length': body.length });
      if (cutOnce) {
        cutOnce = false;
        // Half the file, then the connection drops.
        res.write(body.subarray(0, 80_000), () => setTimeout(() => res.destroy(), 20));
      } else res.end(body);
    } else res.writeHead(500).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

// Each test's own data root, removed after it whether it passed or not.
const roots: string[] = [];
const fresh = () => {
  const root = mkdtempSync(join(tmpdir(), 'dlab-dl-'));
  roots.push(root);
  return root;
};
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
const remote = (path: string, urls: string[], sum: Partial<RemoteFile> = { sha1 }): RemoteFile => ({ path, urls, ...sum });

test('mirror failover: a 404 and a refused connection, then the third mirror serves the file', async () => {
  const root = fresh();
  // A port nobody listens on: bind one, remember it, close it.
  const dead = createServer();
  await new Promise<void>((ok) => dead.listen(0, '127.0.0.1', ok));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise((ok) => dead.close(ok));
  const attempts: string[] = [];
  const file = remote('set/data.bin', [`${base}/missing/data.bin`, `http://127.0.0.1:${deadPort}/data.bin`, `${base}/good/data.bin`], { md5 });
  const path = await ensureFile(file, { root, progress: false, onAttempt: (a) => attempts.push(`${a.url} ${a.error ?? 'ok'}`) });
  assert.equal(path, join(root, 'set', 'data.bin'));
  assert.deepEqual(new Uint8Array(readFileSync(path)), body);
  assert.equal(existsSync(path + '.part'), false);
  assert.match(attempts[0], /missing.*HTTP 404/);
  assert.match(attempts[1], /ECONNREFUSED/);
  assert.match(attempts[2], /good.* ok$/);
});

test('checksum mismatch: the error names the file with expected and actual, and nothing is left behind', async () => {
  const root = fresh();
  const file = remote('set/data.bin', [`${base}/wrong/data.bin`]);
  const dest = join(root, 'set', 'data.bin');
  await assert.rejects(ensureFile(file, { root, progress: false }), (e: Error) => {
    assert.ok(e instanceof ChecksumError);
    assert.ok(e.message.includes(dest), e.message);
    assert.ok(e.message.includes(`expected sha1 ${sha1}`), e.message);
    assert.match(e.message, /got [0-9a-f]{40}/);
    assert.notEqual(e.actual, sha1);
    return true;
  });
  assert.equal(existsSync(dest), false);
  assert.equal(existsSync(dest + '.part'), false);
  // A wrong mirror followed by a good one: the good one wins.
  const both = remote('set/data.bin', [`${base}/wrong/data.bin`, `${base}/good/data.bin`]);
  assert.equal(await ensureFile(both, { root, progress: false }), dest);
});

/** The retry asked for the rest: from some byte after 0 and no later than the cut at 80,000. */
function assertResumed(hit: Hit) {
  const m = /^bytes=(\d+)-$/.exec(hit.headers.range ?? '');
  assert.ok(m && Number(m[1]) > 0 && Number(m[1]) <= 80_000, `range ${hit.headers.range}`);
}

test('resume after a cut connection: the second request asks for the rest with Range', async () => {
  const root = fresh();
  hits.length = 0;
  cutOnce = true;
  const file = remote('cut/data.bin', [`${base}/cut/data.bin`]);
  const path = await ensureFile(file, { root, progress: false });
  assert.deepEqual(new Uint8Array(readFileSync(path)), body);
  assert.equal(hits.length, 2);
  assert.equal(hits[0].headers.range, undefined);
  assertResumed(hits[1]);
  // A server without Range support answers 200: the download starts over and still verifies.
  hits.length = 0;
  cutOnce = true;
  const plain = remote('norange/data.bin', [`${base}/norange/data.bin`]);
  const p2 = await ensureFile(plain, { root, progress: false });
  assert.equal(hashFile(p2, 'sha1'), sha1);
  assert.equal(hits.length, 2);
  assertResumed(hits[1]);
});

test('cache hit: a verified copy is used without touching the network; a corrupt one is fetched again', async () => {
  const root = fresh();
  const file = remote('c/data.bin', [`${base}/good/data.bin`]);
  await ensureFile(file, { root, progress: false });
  hits.length = 0;
  const offline = remote('c/data.bin', ['http://127.0.0.1:9/never']);
  assert.equal(await ensureFile(offline, { root, progress: false }), join(root, 'c', 'data.bin'));
  assert.equal(findFile(offline, { root }), join(root, 'c', 'data.bin'));
  assert.equal(hits.length, 0);
  // Corrupt the cached copy (new mtime): first use checks it again and refetches.
  const path = join(root, 'c', 'data.bin');
  writeFileSync(path, body.subarray(0, 1000));
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  assert.throws(() => findFile(file, { root }), /checksum mismatch for .*data\.bin: expected sha1/);
  await ensureFile(file, { root, progress: false });
  assert.equal(hits.length, 1);
  assert.equal(hashFile(path, 'sha1'), sha1);
});

test('offline with no copy: the error names the file, where it looked, the URLs tried and where to put it', async () => {
  const root = fresh();
  const file = remote('set/timemachine.txt', ['http://127.0.0.1:9/a/timemachine.txt', 'http://unreachable.invalid/timemachine.txt']);
  await assert.rejects(ensureFile(file, { root, lookIn: ['/nowhere/shipped'], progress: false }), (e: Error) => {
    assert.match(e.message, /^timemachine\.txt not found/);
    assert.ok(e.message.includes(join(root, 'set', 'timemachine.txt')));
    assert.ok(e.message.includes('/nowhere/shipped/timemachine.txt'));
    assert.ok(e.message.includes('http://127.0.0.1:9/a/timemachine.txt: fetch failed'));
    assert.ok(e.message.includes('http://unreachable.invalid/timemachine.txt'));
    assert.match(e.message, /put it at .*timemachine\.txt \(sha1 [0-9a-f]{40}\)/);
    return true;
  });
  await assert.rejects(ensureFile(file, { root, download: false }), /download is off/);
});

test('dataRoot: DLAB_DATA wins, else the user cache folder', () => {
  const saved = process.env.DLAB_DATA;
  try {
    process.env.DLAB_DATA = '/tmp/some-data';
    assert.equal(dataRoot(), '/tmp/some-data');
    delete process.env.DLAB_DATA;
    assert.match(dataRoot(), /dlab$/);
  } finally {
    if (saved === undefined) delete process.env.DLAB_DATA;
    else process.env.DLAB_DATA = saved;
  }
});
