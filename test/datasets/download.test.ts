// The download path against a local HTTP server on 127.0.0.1: mirror failover, checksum
// failure, resume after a cut connection, cache hits without network, the offline error, two
// downloads of one file at once (processes and calls), and mirrors that stall.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureFile, findFile, dataRoot, hashFile } from '../../src/datasets/download.node.js';
import { ChecksumError, type RemoteFile } from '../../src/datasets/download.js';
import { closedPort } from '../ports.js';

const body = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
const sha1 = createHash('sha1').update(body).digest('hex');
const md5 = createHash('md5').update(body).digest('hex');

interface Hit {
  url: string;
  headers: IncomingHttpHeaders;
}
const hits: Hit[] = [];
const hitEvents = new EventEmitter();
let server: Server;
let base = '';
let cutOnce = true;
// Answers of /held/ requests, sent when the test calls releaseHeld().
const held: (() => void)[] = [];
const releaseHeld = () => held.splice(0).forEach((send) => send());

/** Resolves once the server has had `n` requests since `hits` was last emptied. */
function hitCount(n: number): Promise<void> {
  return new Promise((ok) => {
    const check = () => {
      if (hits.length < n) return;
      hitEvents.off('hit', check);
      ok();
    };
    hitEvents.on('hit', check);
    check();
  });
}

before(async () => {
  server = createServer((req, res) => {
    hits.push({ url: req.url!, headers: req.headers });
    hitEvents.emit('hit');
    const url = req.url!;
    if (url.startsWith('/held/')) {
      held.push(() => res.writeHead(200, { 'content-length': body.length }).end(body));
    } else if (url.startsWith('/silent/')) {
      // Accepts the connection and never answers.
    } else if (url.startsWith('/half/')) {
      // Half the file, then nothing, with the connection left open.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100_000));
    } else if (url.startsWith('/missing/')) {
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
after(() => {
  server.closeAllConnections();
  server.close();
});

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
  const deadPort = await closedPort();
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

// ---------------------------------------------------------------- one file, two downloads at once

const child = fileURLToPath(new URL('./download_child.ts', import.meta.url));

/** A process running ensureFile on `url` (download_child.ts); `said` resolves when its stderr matches. */
function fetchInChild(url: string, root: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, url, sha1, root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const notes = new EventEmitter();
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    notes.emit('data');
  });
  const done = once(proc, 'close').then(([code]) => ({ code: code as number, stdout, stderr }));
  const said = (pattern: RegExp) =>
    new Promise<void>((ok) => {
      const check = () => pattern.test(stderr) && ok();
      notes.on('data', check);
      check();
    });
  return { done, said };
}

test('two processes fetch one file: the second waits for the first, keeps its file, and one body is served', async () => {
  const root = fresh();
  hits.length = 0;
  const url = `${base}/held/data.bin`;
  const first = fetchInChild(url, root);
  await Promise.race([hitCount(1), first.done]);
  const second = fetchInChild(url, root);
  // The first's answer is held until the second is waiting for the lock (or, without one, has asked too).
  await Promise.race([second.said(/waiting for another download/), hitCount(2), second.done]);
  releaseHeld();
  const [a, b] = await Promise.all([first.done, second.done]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const dest = join(root, 'shared', 'data.bin');
  assert.equal(a.stdout.trim(), dest);
  assert.equal(b.stdout.trim(), dest);
  assert.equal(hits.length, 1);
  assert.equal(hashFile(dest, 'sha1'), sha1);
  assert.equal(readFileSync(dest).length, body.length);
  assert.equal(existsSync(dest + '.part'), false);
  assert.equal(existsSync(dest + '.lock'), false);
  assert.equal(b.stderr.match(/waiting for another download/g)?.length, 1, b.stderr);
  assert.ok(b.stderr.includes(`waiting for another download of data.bin to ${dest}`), b.stderr);
});

test('two calls in one process: the second waits for the first and reuses its file', async () => {
  const root = fresh();
  hits.length = 0;
  const file = remote('shared/data.bin', [`${base}/held/data.bin`]);
  const first = ensureFile(file, { root, progress: false });
  await hitCount(1);
  const notes: string[] = [];
  let noted!: () => void;
  const waiting = new Promise<void>((ok) => (noted = ok));
  const second = ensureFile(file, { root, progress: false, log: (line) => (notes.push(line), noted()) });
  await Promise.race([waiting, hitCount(2)]);
  releaseHeld();
  const dest = join(root, 'shared', 'data.bin');
  assert.deepEqual(await Promise.all([first, second]), [dest, dest]);
  assert.equal(hits.length, 1);
  assert.deepEqual(notes, [`waiting for another download of data.bin to ${dest}`]);
  assert.equal(hashFile(dest, 'sha1'), sha1);
});

test('a lock left by a killed process is stale: the download goes ahead without waiting', async () => {
  const root = fresh();
  const dest = join(root, 'stale', 'data.bin');
  // proper-lockfile's lock is a folder whose mtime its holder refreshes; this one's holder is long gone.
  mkdirSync(dest + '.lock', { recursive: true });
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(dest + '.lock', hourAgo, hourAgo);
  const notes: string[] = [];
  const path = await ensureFile(remote('stale/data.bin', [`${base}/good/data.bin`]), { root, progress: false, log: (l) => notes.push(l) });
  assert.equal(hashFile(path, 'sha1'), sha1);
  assert.deepEqual(notes, []);
  assert.equal(existsSync(dest + '.lock'), false);
});

// ---------------------------------------------------------------- mirrors that stall

// 1 s rather than less: a loaded machine can pause this process long enough to look like a stall.
const quick = { connectTimeout: 1000, idleTimeout: 1000, progress: false } as const;

test('a mirror that never answers and one that stalls halfway are given up, saying which and after how long, for the next', { timeout: 60_000 }, async () => {
  const root = fresh();
  hits.length = 0;
  const notes: string[] = [];
  const file = remote('t/data.bin', [`${base}/silent/data.bin`, `${base}/half/data.bin`, `${base}/good/data.bin`]);
  const path = await ensureFile(file, { root, ...quick, log: (l) => notes.push(l) });
  assert.equal(hashFile(path, 'sha1'), sha1);
  assert.equal(notes.length, 2, notes.join('\n'));
  assert.equal(notes[0], `data.bin: ${base}/silent/data.bin: no response after 1 s (connect timeout); trying ${base}/half/data.bin`);
  assert.match(notes[1], /^data\.bin: http:\S+\/half\/data\.bin: stalled: no data for 1 s after [\d,]+ bytes \(idle timeout\); trying http:\S+\/good\/data\.bin$/);
  assert.equal(hits[hits.length - 1].url, '/good/data.bin');
});

test('when every mirror stalls, the error lists each with its cause', { timeout: 60_000 }, async () => {
  const root = fresh();
  const file = remote('t/data.bin', [`${base}/silent/data.bin`, `${base}/half/data.bin`]);
  await assert.rejects(ensureFile(file, { root, ...quick, log: () => {} }), (e: Error) => {
    assert.match(e.message, /^data\.bin not found/);
    assert.ok(e.message.includes(`${base}/silent/data.bin: no response after 1 s (connect timeout)`), e.message);
    assert.match(e.message, /\/half\/data\.bin: stalled: no data for 1 s after [\d,]+ bytes \(idle timeout\)/);
    return true;
  });
});

test('DLAB_DOWNLOAD_CONNECT_TIMEOUT sets the timeout in seconds when no option does; a bad value is an error naming it', { timeout: 60_000 }, async () => {
  const root = fresh();
  const saved = process.env.DLAB_DOWNLOAD_CONNECT_TIMEOUT;
  try {
    process.env.DLAB_DOWNLOAD_CONNECT_TIMEOUT = '1.5';
    const notes: string[] = [];
    const file = remote('env/data.bin', [`${base}/silent/data.bin`, `${base}/good/data.bin`]);
    await ensureFile(file, { root, progress: false, log: (l) => notes.push(l) });
    assert.match(notes[0], /silent\/data\.bin: no response after 1\.5 s \(connect timeout\)/);
    process.env.DLAB_DOWNLOAD_CONNECT_TIMEOUT = 'soon';
    await assert.rejects(ensureFile(remote('env2/data.bin', [`${base}/good/data.bin`]), { root, progress: false }), /DLAB_DOWNLOAD_CONNECT_TIMEOUT must be a positive number of seconds, but got 'soon'/);
  } finally {
    if (saved === undefined) delete process.env.DLAB_DOWNLOAD_CONNECT_TIMEOUT;
    else process.env.DLAB_DOWNLOAD_CONNECT_TIMEOUT = saved;
  }
});
