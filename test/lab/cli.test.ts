// The lab through the built CLI (npm test builds first), as an installed `dlab` runs it: the
// --json contract, the report, Ctrl-C + --resume, a parallel sweep and `runs compare`. Tiny MNIST
// configurations keep each run to a second or two; DLAB_HOME is a temporary folder.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunStore } from '../../src/lab/store.node.js';
import { assertBuildIsFresh } from '../build.js';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const home = mkdtempSync(join(os.tmpdir(), 'dlab-cli-'));
const env = { ...process.env, DLAB_HOME: home };
after(() => rmSync(home, { recursive: true, force: true }));

test('dist is built from the current src', assertBuildIsFresh);

const dlab = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [main, ...args], { env, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
const tiny = ['--train-size', '600', '--test-size', '200', '--hidden', '16', '--epochs', '1'];

describe('dlab run / runs / sweep / report', { concurrency: true }, () => {
  test('run --json: the final metrics as one JSON object on the last line; a report with SVG charts', async () => {
    const r = await dlab('run', 'mnist', ...tiny, '--json');
    assert.equal(r.code, 0, r.stderr);
    const m = lastJson(r.stdout);
    assert.deepEqual(Object.keys(m).sort(), ['device', 'epoch_seconds', 'run_id', 'test_accuracy', 'train_loss']);
    // The device the run computed on (test/lab/device.test.ts checks which one the default is).
    assert.match(String(m.device), /^(cpu|webgpu:0)$/);
    assert.ok((m.test_accuracy as number) > 0.3 && (m.test_accuracy as number) <= 1, String(m.test_accuracy));
    assert.ok((m.epoch_seconds as number) > 0 && Number.isFinite(m.train_loss));
    // Everything else (summary, progress) went to stderr; stdout holds just the JSON line.
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stderr, /Total params: 12,730/);

    const store = new RunStore(home);
    const run = store.getRun(m.run_id as number);
    store.close();
    assert.equal(run.status, 'completed');
    assert.equal(run.options.hidden, 16);
    assert.equal(run.final?.test_accuracy, m.test_accuracy);

    const report = await dlab('report', String(m.run_id));
    assert.equal(report.code, 0, report.stderr);
    const path = report.stdout.trim();
    assert.ok(existsSync(path), path);
    const html = readFileSync(path, 'utf8');
    assert.match(html, /<svg[^>]*class="marks"/);
    assert.match(html, /training curves/);
    assert.match(html, /data:image\/png;base64,/); // the predictions grid
    assert.doesNotMatch(html, /<script|https?:\/\/(?!vega\.github\.io|www\.w3\.org)/); // self-contained
  });

  test('run --json: epoch_seconds is the mean of the epochs the store recorded, each consistent with its images/s', async () => {
    const started = performance.now();
    const r = await dlab('run', 'mnist', '--train-size', '640', '--test-size', '100', '--hidden', '16', '--epochs', '2', '--json', '--no-report');
    const wall = (performance.now() - started) / 1000;
    assert.equal(r.code, 0, r.stderr);
    const m = lastJson(r.stdout);
    assert.deepEqual(Object.keys(m).sort(), ['device', 'epoch_seconds', 'run_id', 'test_accuracy', 'train_loss']);
    const store = new RunStore(home);
    const rows = (name: string) => store.metrics(m.run_id as number, name);
    const seconds = rows('epoch_seconds');
    const perSecond = rows('images_per_second');
    const trainLoss = rows('train_loss');
    const testAcc = rows('test_acc');
    store.close();
    assert.deepEqual(seconds.map((s) => s.epoch), [1, 2]);
    for (const [i, s] of seconds.entries()) {
      assert.ok(s.value > 0 && s.value < wall, `epoch ${s.epoch}: ${s.value} s of a ${wall} s process`);
      // 640 images an epoch (10 batches of 64).
      assert.ok(Math.abs(perSecond[i].value * s.value - 640) < 1e-6, `epoch ${s.epoch}: ${perSecond[i].value} images/s`);
    }
    const mean = (seconds[0].value + seconds[1].value) / 2;
    assert.ok(Math.abs((m.epoch_seconds as number) - mean) <= 0.0005 + 1e-12, `${m.epoch_seconds} vs ${mean}`);
    assert.equal(m.train_loss, trainLoss.at(-1)!.value);
    assert.equal(m.test_accuracy, testAcc.at(-1)!.value);
  });

  test('Ctrl-C saves a checkpoint and stops; --resume ends with the same metrics as an uninterrupted run', async () => {
    const opts = ['--train-size', '2000', '--test-size', '200', '--hidden', '16', '--epochs', '2', '--batch-size', '20', '--no-report'];
    const baseline = dlab('run', 'mnist', ...opts, '--json');

    // The run pauses after step 15 (a periodic checkpoint was saved at step 10) and says so; Ctrl-C lands there.
    const child = spawn(process.execPath, [main, 'run', 'mnist', ...opts, '--json', '--checkpoint-every', '10'], { env: { ...env, DLAB_TEST_PAUSE_AT: 'step:15' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    const paused = new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/paused at step:15\n/.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await Promise.race([paused, exited]);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    const id = Number(/run (\d+):/.exec(stderr)![1]);
    const stopped = lastJson(stdout);
    assert.deepEqual(stopped, { run_id: id, status: 'interrupted', epoch: 1, step: 15 });
    assert.match(stderr, new RegExp(`--resume ${id}`));
    let store = new RunStore(home);
    assert.equal(store.getRun(id).status, 'interrupted');
    store.close();

    const resumed = await dlab('run', 'mnist', '--resume', String(id), '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resumed run ${id} at epoch 1, step ${stopped.step}`));
    const a = lastJson(resumed.stdout);
    const b = lastJson((await baseline).stdout);
    assert.equal(a.run_id, id);
    assert.equal(a.test_accuracy, b.test_accuracy);
    assert.equal(a.train_loss, b.train_loss);
    store = new RunStore(home);
    assert.equal(store.getRun(id).status, 'completed');
    // The epoch metrics were logged once each, as in the uninterrupted run.
    const epochs = (runId: number) => store.metrics(runId).filter((m) => m.epoch !== null).map((m) => `${m.epoch}:${m.name}`);
    assert.deepEqual(epochs(id), epochs(b.run_id as number));
    store.close();
    // A completed run cannot be resumed.
    const again = await dlab('run', 'mnist', '--resume', String(id));
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /has completed/);
  });

  test('a sweep of 4 trials, 2 in parallel, recorded in the store; runs compare aligns them', async () => {
    const r = await dlab('sweep', 'mnist', '--lr', '0.05,0.2', '--optimizer', 'sgd,adam', ...tiny, '--parallel', '2', '--no-report');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const sweepId = Number(/^sweep (\d+): 4 trials/m.exec(r.stdout)![1]);
    const store = new RunStore(home);
    const trials = store.listRuns({ sweepId });
    store.close();
    assert.equal(trials.length, 4);
    assert.ok(trials.every((t) => t.status === 'completed'));
    assert.deepEqual(trials.map((t) => `${t.options.lr}/${t.options.optimizer}`).sort(), ['0.05/adam', '0.05/sgd', '0.2/adam', '0.2/sgd']);
    assert.ok(existsSync(join(home, 'sweeps', String(sweepId), 'report.html')));

    const ids = trials.map((t) => String(t.id));
    const cmp = await dlab('runs', 'compare', ...ids);
    assert.equal(cmp.code, 0, cmp.stderr);
    const lines = cmp.stdout.split('\n');
    assert.match(lines[0], /^run\s+status\s+lr\s+optimizer\s+test_accuracy\s+epoch_seconds\s+train_loss\s+device$/);
    for (const t of trials) assert.ok(lines.some((l) => new RegExp(`^\\s*${t.id}\\s+completed\\s+${t.options.lr}\\s+${t.options.optimizer}\\s`).test(l)), cmp.stdout);
    const page = readFileSync(/curves: (.+)$/m.exec(cmp.stdout)![1], 'utf8');
    assert.match(page, /<svg/);
    assert.match(page, /How each option changes the results/);

    const list = await dlab('runs', 'list', '--sweep', String(sweepId));
    assert.equal(list.stdout.trim().split('\n').length, 2 + 4);
    const show = await dlab('runs', 'show', ids[0]);
    assert.match(show.stdout, new RegExp(`^run ${ids[0]}: mnist \\(completed\\)`));
  });
});
