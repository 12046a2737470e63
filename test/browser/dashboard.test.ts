// The dashboard in headless Chromium, against the built `dlab ui --port 0` on a temporary
// DLAB_HOME: the run store's runs appear with their options and final metrics; a run started
// while the page is open shows up, its curves drawn beside (overlaid on) a finished run's; it is
// held at a known step (DLAB_TEST_PAUSE_AT) and, once released, its new points arrive without a
// reload. A script's Animator, pointed at the server by DLAB_UI, draws there live too.

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { Animator } from '../../src/lab/animator.js';
import { closeAll, launchChromium } from './chromium.js';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'dlab-dashboard-'));
const env = { ...process.env, DLAB_HOME: home };
// linreg on 100 examples in batches of 10: 10 steps per epoch, the loss logged once an epoch.
const linreg = ['run', 'linreg', '--examples', '100', '--epochs', '3', '--no-report'];

let ui: ChildProcessWithoutNullStreams | undefined;
let browser: Browser | undefined;
let url: string;

/** Resolves with the first match of `re` in what `stream` prints (rejects if the process exits first). */
function waitFor(proc: ChildProcessWithoutNullStreams, stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const check = (chunk: Buffer) => {
      text += chunk;
      const m = re.exec(text);
      if (m) {
        proc[stream].off('data', check);
        resolve(m);
      }
    };
    proc[stream].on('data', check);
    proc.once('exit', () => reject(new Error(`exited before printing ${re}:\n${text}`)));
  });
}

before(async () => {
  ui = spawn(process.execPath, [main, 'ui', '--port', '0'], { env });
  const [printed] = await Promise.all([waitFor(ui, 'stdout', /^dlab dashboard: (\S+)$/m), launchChromium().then((b) => (browser = b))]);
  url = printed[1]!;
}, { timeout: 60_000 });

after(async () => {
  await closeAll(browser, undefined);
  ui?.kill();
  rmSync(home, { recursive: true, force: true });
});

const points = (page: Page, chart: string): Promise<string | null> => page.getAttribute(`figure[data-chart="${chart}"]`, 'data-points');
const waitPoints = (page: Page, chart: string, n: number) =>
  page.waitForFunction(([c, want]) => document.querySelector(`figure[data-chart="${c}"]`)?.getAttribute('data-points') === want, [chart, String(n)] as const);
const waitStatus = (page: Page, run: number, status: string) =>
  page.waitForFunction(([id, s]) => document.querySelector(`tr[data-run="${id}"] .status`)?.textContent === s, [run, status] as const);

test('a run started with the page open shows up, overlaid on a finished one, and its new points arrive without a reload', { timeout: 120_000 }, async () => {
  const done = await promisify(execFile)(process.execPath, [main, ...linreg, '--json'], { env, encoding: 'utf8' });
  const finished = JSON.parse(done.stdout.trim().split('\n').at(-1)!) as { run_id: number; scratch_train_loss: number };

  const page = await browser!.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await waitStatus(page, finished.run_id, 'completed');
  const row = `tr[data-run="${finished.run_id}"]`;
  assert.match((await page.textContent(`${row} td.kv`))!, /examples=100 {2}noise=0\.01/);
  const final = (await page.textContent(`${row} td.final`))!;
  assert.match(final, new RegExp(`scratch_train_loss=${+finished.scratch_train_loss.toPrecision(4)}`));
  assert.doesNotMatch(final, /run_id/, 'the run id has its own column');
  assert.equal(await page.getAttribute(`${row} a`, 'href'), `/reports/${finished.run_id}`);
  const report = await fetch(new URL(`/reports/${finished.run_id}`, url));
  assert.match(await report.text(), new RegExp(`<h1>linreg: run ${finished.run_id}</h1>`));
  await page.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));

  // A run held after step 11: epoch 1 of the from-scratch model is logged, nothing more.
  const live = spawn(process.execPath, [main, ...linreg], { env: { ...env, DLAB_TEST_PAUSE_AT: 'step:11' } });
  const exited = new Promise<number | null>((resolve) => live.on('exit', resolve));
  await waitFor(live, 'stderr', /paused at step:11\n/);
  const id = finished.run_id + 1;
  await waitStatus(page, id, 'running');
  await page.check(`tr[data-run="${finished.run_id}"] input[type="checkbox"]`);
  await page.check(`tr[data-run="${id}"] input[type="checkbox"]`);
  await waitPoints(page, 'scratch_train_loss per epoch', 3 + 1);
  await waitPoints(page, 'concise_train_loss per epoch', 3);
  const legend = await page.$$eval('figure[data-chart="scratch_train_loss per epoch"] .role-legend-label text', (els) => els.map((e) => e.textContent));
  assert.deepEqual(legend, [`run ${finished.run_id}`, `run ${id}`], 'both runs overlaid in one chart');
  // Laid out for the points it got, not for the empty chart it started as: no text cut off.
  const outside = await page.$eval('figure[data-chart="scratch_train_loss per epoch"] svg', (svg) => {
    const box = svg.getBoundingClientRect();
    return Array.from(svg.querySelectorAll('text'))
      .filter((t) => {
        const r = t.getBoundingClientRect();
        return r.width > 0 && (r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom);
      })
      .map((t) => t.textContent);
  });
  assert.deepEqual(outside, []);

  // Released: the rest of its points come over the event stream.
  live.stdin.write('go\n');
  await waitPoints(page, 'scratch_train_loss per epoch', 3 + 3);
  await waitPoints(page, 'concise_train_loss per epoch', 3 + 3);
  await waitStatus(page, id, 'completed');
  assert.equal(await exited, 0);
  assert.equal(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce), true, 'the page was not reloaded');
  const lines = await page.$$eval('figure[data-chart="concise_train_loss per epoch"] .mark-line path', (els) => els.map((e) => e.getAttribute('d')));
  assert.equal(lines.length, 2);
  assert.ok(lines.every((d) => d && d.split(/[ML]/).filter(Boolean).length === 3), `three points per line: ${lines}`);

  // Unticking a run leaves only the other's points.
  await page.uncheck(`tr[data-run="${finished.run_id}"] input[type="checkbox"]`);
  await waitPoints(page, 'scratch_train_loss per epoch', 3);
  assert.equal(await points(page, 'concise_train_loss per epoch'), '3');
  assert.deepEqual(errors, []);
  await page.close();
});

test("a script's Animator draws on the dashboard DLAB_UI names, live", { timeout: 60_000 }, async () => {
  const page = await browser!.newPage();
  await page.goto(url);
  const saved = process.env.DLAB_UI;
  process.env.DLAB_UI = url.replace(/\/dashboard\/$/, '');
  let animator: Animator;
  try {
    animator = new Animator({ name: 'fit', xlabel: 'epoch', xlim: [1, 4], legend: ['train loss', 'test acc'] });
  } finally {
    if (saved === undefined) delete process.env.DLAB_UI;
    else process.env.DLAB_UI = saved;
  }
  animator.add(1, [0.9, 0.5]);
  animator.add(2, [0.6, null]); // d2l skips a missing value
  await animator.flush();
  await waitPoints(page, 'fit', 3);
  const legend = await page.$$eval('figure[data-chart="fit"] .role-legend-label text', (els) => els.map((e) => e.textContent));
  assert.deepEqual(legend, ['test acc', 'train loss']);
  animator.add(3, [0.4, 0.8]);
  await animator.flush();
  await waitPoints(page, 'fit', 5);
  // A page opened later gets the whole chart.
  const later = await browser!.newPage();
  await later.goto(url);
  await waitPoints(later, 'fit', 5);
  await Promise.all([page.close(), later.close()]);
});
