// utils.Animator (d2l's): without a dashboard it rewrites an SVG file with every series; with
// DLAB_UI set it posts each add's points, in order, to that dashboard's /api/animator/<name>.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { utils } from '../../src/index.js';
import { Animator, type AnimatorPoint } from '../../src/lab/animator.js';

const dir = mkdtempSync(join(tmpdir(), 'dlab-animator-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run `f` with DLAB_UI set to `value` (undefined: unset). */
async function withUi<T>(value: string | undefined, f: () => Promise<T>): Promise<T> {
  const saved = process.env.DLAB_UI;
  if (value === undefined) delete process.env.DLAB_UI;
  else process.env.DLAB_UI = value;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.DLAB_UI;
    else process.env.DLAB_UI = saved;
  }
}

test('utils.Animator is the Animator', () => {
  assert.equal(utils.Animator, Animator);
});

test('add(x, ys) as d2l: a shared x, one series per legend entry, a null skipped; mismatched lists named', () => {
  const a = new Animator({ legend: ['train loss', 'test acc'], sink: null });
  a.add(1, [0.5, 0.7]);
  a.add(2, [0.25, null]);
  a.add([3, 3.5], [0.125, 0.8]);
  a.add(4, 0.1);
  assert.deepEqual(a.points, [
    { x: 1, y: 0.5, series: 'train loss' },
    { x: 1, y: 0.7, series: 'test acc' },
    { x: 2, y: 0.25, series: 'train loss' },
    { x: 3, y: 0.125, series: 'train loss' },
    { x: 3.5, y: 0.8, series: 'test acc' },
    { x: 4, y: 0.1, series: 'train loss' },
  ]);
  assert.throws(() => a.add([1, 2, 3], [1, 2]), /Animator\.add: expected as many x as y values but got 3 and 2/);
  assert.throws(() => new Animator({ name: 'a/b', sink: null }), /Animator: name 'a\/b': use letters/);
});

test('without DLAB_UI it rewrites an SVG file with every series, xlim and ylim as the axes', async () => {
  const path = join(dir, 'curves.svg');
  const a = await withUi(undefined, async () => new Animator({ path, xlabel: 'epoch', ylabel: 'loss', xlim: [1, 10], ylim: [0, 2], legend: ['train', 'test'] }));
  a.add(1, [1.5, 1.6]);
  await a.flush();
  const first = readFileSync(path, 'utf8');
  assert.match(first, /^<svg/);
  a.add(2, [1.0, 1.2]);
  a.add(3, [0.5, 0.9]);
  await a.flush();
  const svg = readFileSync(path, 'utf8');
  assert.notEqual(svg, first, 'rewritten');
  for (const text of ['train', 'test', 'epoch', 'loss', '>10<', '>2.0<']) assert.ok(svg.includes(text), `the SVG shows ${text}`);
  // One line per series, through its three points.
  const lines = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)].flatMap((m) => [...m[1]!.matchAll(/ d="([^"]+)"/g)].map((d) => d[1]!));
  assert.equal(lines.length, 2);
  for (const d of lines) assert.equal(d.split(/[ML]/).filter(Boolean).length, 3, d);
  assert.equal(existsSync(join(dir, 'animator.svg')), false);
});

test('with DLAB_UI set it posts each add, in order, with its options, to /api/animator/<name>', async () => {
  const posted: { url: string; body: { options: unknown; points: AnimatorPoint[] } }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posted.push({ url: `${req.method} ${req.url}`, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const ui = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const a = await withUi(ui, async () => new Animator({ name: 'mlp', xlabel: 'epoch', legend: ['loss'] }));
    for (let epoch = 1; epoch <= 5; epoch++) a.add(epoch, [1 / epoch]);
    await a.flush();
    assert.deepEqual(posted.map((p) => p.url), Array(5).fill('POST /api/animator/mlp'));
    assert.deepEqual(posted.map((p) => p.body.points), [1, 2, 3, 4, 5].map((x) => [{ x, y: 1 / x, series: 'loss' }]));
    assert.deepEqual(posted[0]!.body.options, { xlabel: 'epoch', legend: ['loss'] });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a dashboard that cannot be reached is named in the error', async () => {
  const a = await withUi('http://127.0.0.1:9', async () => new Animator());
  a.add(1, 1);
  await assert.rejects(a.flush(), /Animator: could not reach the dashboard at DLAB_UI=http:\/\/127\.0\.0\.1:9 .*is `dlab ui` running\?/);
});
