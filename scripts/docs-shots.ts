// npm run docs:shots: the pictures of the course guide (docs/guide/img/*.png). Each experiment runs
// small (minutes in all on a laptop CPU) in a throwaway DLAB_HOME through the built CLI, and its
// HTML report is photographed in the headless Chromium the browser tests use. Run `npm run build`
// first; `npm run docs:shots -- sin` retakes one picture.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { launchChromium } from '../test/browser/chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs', 'guide', 'img');

/** Picture name -> the `dlab run` arguments that make its report, and the report section the picture starts at. */
const shots: Record<string, { args: string[]; from?: string }> = {
  mnist: { args: ['mnist', '--epochs', '2'] },
  sin: { args: ['sin', '--steps', '1000'], from: 'Training' },
  linreg: { args: ['linreg'] },
  softmax: { args: ['softmax', '--dataset', 'mnist', '--epochs', '2', '--variant', 'concise'] },
  cnn: { args: ['cnn', '--dataset', 'mnist', '--epochs', '3', '--train-size', '10000', '--test-size', '1000'] },
  rnn: { args: ['rnn', '--epochs', '5'] },
  schedules: { args: ['schedules', '--only', 'step,cosine,exponential', '--epochs', '2', '--train-size', '1000', '--test-size', '500'] },
  gpt: { args: ['gpt', '--epochs', '3', '--steps-per-epoch', '10', '--num-tokens', '40'] },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in shots));
if (unknown.length > 0) throw new Error(`docs:shots: no picture named ${unknown.join(', ')}; known: ${Object.keys(shots).join(', ')}`);

mkdirSync(out, { recursive: true });
const home = mkdtempSync(join(tmpdir(), 'dlab-shots-'));
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  for (const [name, { args, from = 'Final metrics' }] of Object.entries(shots)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const run = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'run', ...args], {
      env: { ...process.env, DLAB_HOME: home },
      encoding: 'utf8',
    });
    const report = /report: (.*\.html)/.exec(run.stdout + run.stderr)?.[1];
    if (run.status !== 0 || !report) throw new Error(`dlab run ${args.join(' ')} failed (exit ${run.status}):\n${run.stderr}`);
    await page.goto(pathToFileURL(report).href);
    // From the final metrics (or a later section) down: the run's header and options say nothing a student looks for.
    const top = (await page.locator('h2', { hasText: from }).first().boundingBox())?.y ?? 0;
    const height = Math.min(1300, (await page.evaluate(() => document.body.scrollHeight)) - top);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true, clip: { x: 0, y: Math.max(0, top - 10), width: 1000, height } });
    console.log(`${name}: docs/guide/img/${name}.png (dlab run ${args.join(' ')})`);
  }
} finally {
  await browser.close();
  rmSync(home, { recursive: true, force: true });
}
