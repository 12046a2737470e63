// `dlab ui`'s dashboard API on a temporary store (src/cli/dashboard-api.ts): the run list and a
// run's rows, a run's event stream (rows after a given id as they land, then `end`), reports, and
// what a wrong request gets.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startUiServer } from '../../src/cli/commands/ui.js';
import { RunStore } from '../../src/lab/store.node.js';

const home = mkdtempSync(join(tmpdir(), 'dlab-dashboard-api-'));
let store: RunStore;
let server: Server;
let url: string;

before(async () => {
  writeFileSync(join(home, 'index.html'), '<!doctype html><title>page</title>');
  // The writer: another connection to the same file, as a run in another process would be.
  store = new RunStore(home);
  ({ server, url } = await startUiServer({ port: 0, dir: home, dashboardDir: join(home, 'none'), store: new RunStore(home) }));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  store.close();
  rmSync(home, { recursive: true, force: true });
});

/** The SSE events of `res` one at a time, as { event, data }. */
async function* events(res: Response): AsyncGenerator<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)![1]!;
      yield { event, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) };
    }
  }
}

test('runs, a run with its rows, and the rows after a given id streamed as they land until the run ends', async () => {
  const id = store.createRun('linreg', { lr: 0.03 });
  const first = store.logMetrics(id, { train_loss: 1 }, { epoch: 1 });
  const runs = (await (await fetch(`${url}api/runs`)).json()) as { id: number; status: string; options: unknown }[];
  assert.deepEqual(runs.map((r) => [r.id, r.status, r.options]), [[id, 'running', { lr: 0.03 }]]);
  const one = (await (await fetch(`${url}api/runs/${id}`)).json()) as { run: { id: number }; metrics: unknown[] };
  assert.equal(one.run.id, id);
  assert.deepEqual(one.metrics, [{ id: first, step: null, epoch: 1, name: 'train_loss', value: 1 }]);

  const res = await fetch(`${url}api/runs/${id}/events?after=${first}`);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const stream = events(res);
  store.logMetrics(id, { train_loss: 0.5, test_acc: 0.9 }, { epoch: 2 });
  const got = await stream.next();
  assert.deepEqual(got.value, {
    event: 'metrics',
    data: [
      { id: first + 1, step: null, epoch: 2, name: 'train_loss', value: 0.5 },
      { id: first + 2, step: null, epoch: 2, name: 'test_acc', value: 0.9 },
    ],
  });
  store.logMetrics(id, { train_loss: 0.25 }, { epoch: 3 });
  store.finish(id, 'completed', { train_loss: 0.25 });
  const rest = [];
  for await (const e of stream) rest.push(e);
  assert.deepEqual(rest, [
    { event: 'metrics', data: [{ id: first + 3, step: null, epoch: 3, name: 'train_loss', value: 0.25 }] },
    { event: 'end', data: { status: 'completed', final: { train_loss: 0.25 } } },
  ]);
  const report = await fetch(`${url}reports/${id}`);
  assert.equal(report.status, 200);
  assert.match(await report.text(), new RegExp(`<h1>linreg: run ${id}</h1>`));
});

test('a wrong request is answered with what was wrong', async () => {
  const missing = await fetch(`${url}api/runs/999`);
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /^no run 999 in .*runs\.db$/);
  const bad = await fetch(`${url}api/animator/fit`, { method: 'POST', body: '{"points": 3}' });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /^animator fit: expected JSON \{ options, points: \[\{ x, y, series \}\] \} but got \{"points": 3\}/);
  const id = store.createRun('linreg', {});
  const after = await fetch(`${url}api/runs/${id}/events?after=last`);
  assert.equal(after.status, 400);
  assert.equal(await after.text(), "?after= takes a metric row id (a non-negative integer) but got 'last'");
  const post = await fetch(`${url}api/runs`, { method: 'POST' });
  assert.equal(post.status, 405);
  await post.text();
  const unbuilt = await fetch(`${url}dashboard/`);
  assert.equal(unbuilt.status, 404);
  assert.match(await unbuilt.text(), /no built page in .*none: run `node scripts\/build-web\.mjs`/);
});
