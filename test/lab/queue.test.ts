// Sweeps on many machines: `dlab sweep ... --queue redis://...` and `dlab worker`s, through a real
// redis-server on 127.0.0.1 (a free port, a temporary folder, a password). Faults happen at known
// points: a worker's trial pauses at a step (DLAB_TEST_PAUSE_AT, src/lab/pause.node.ts), and the
// test restarts Redis and SIGKILLs the worker there. Without redis-server the tests are skipped
// and say so (the README tells how to install it).

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
// The direct runs read MNIST from the files, as the CLI does.
import '../../src/datasets/index.js';
import { readCheckpoint } from '../../src/io/node.js';
import { linreg } from '../../src/lab/experiments/linreg.js';
import { mnist } from '../../src/lab/experiments/mnist.js';
import type { Metrics } from '../../src/lab/experiment.js';
import { runExperiment, type AnyExperiment } from '../../src/lab/runner.node.js';
import { RunStore, type RunRecord } from '../../src/lab/store.node.js';
import { startCli, until, type Child } from './cli-child.js';

const missing = spawnSync('redis-server', ['--version']).error
  ? 'needs redis-server on PATH (Debian/Ubuntu: apt-get install redis-server; .ci/run installs it)'
  : false;
if (missing) console.log(`# queue sweep tests skipped: ${missing}`);

const tmp = mkdtempSync(join(os.tmpdir(), 'dlab-queue-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const password = 'not-public';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A redis-server of this test's own; AOF on, so queued jobs outlive a restart. */
class Redis {
  private proc!: ChildProcess;
  readonly dir: string;
  constructor(readonly port: number) {
    this.dir = join(tmp, `redis-${port}`);
    mkdirSync(this.dir);
  }
  get url() {
    return `redis://:${password}@127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', this.dir, '--requirepass', password];
    this.proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      this.proc.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('Ready to accept connections')) resolve();
      });
      this.proc.on('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
    });
  }
  /** SIGTERM: Redis writes its AOF and exits. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.on('exit', resolve));
    this.proc.kill('SIGTERM');
    await exited;
  }
}

const withStore = <T>(home: string, f: (store: RunStore) => T): T => {
  const store = new RunStore(home);
  try {
    return f(store);
  } finally {
    store.close();
  }
};

// Time taken is not a result: every other metric must be the same as the trial run alone.
const timeless = (m: Metrics | null) => Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k !== 'run_id' && !/seconds|per_second/.test(k)));
const rowsOf = (store: RunStore, id: number) => store.metrics(id).filter((r) => !/seconds|per_second/.test(r.name)).map(({ step, epoch, name, value }) => ({ step, epoch, name, value }));

/** Each trial's final metrics and metric rows, equal to the same options run alone (in this process). */
async function assertSameAsAlone(home: string, experiment: AnyExperiment, runs: RunRecord[]): Promise<void> {
  const alone = new RunStore(mkdtempSync(join(tmp, 'alone-')));
  try {
    for (const run of runs) {
      const direct = await runExperiment({ experiment, given: run.options, report: false, json: true, store: alone });
      const label = `run ${run.id} ${JSON.stringify(run.options)}`;
      assert.deepEqual(timeless(run.final), timeless(direct.metrics), label);
      withStore(home, (s) => assert.deepEqual(rowsOf(s, run.id), rowsOf(alone, direct.runId), label));
    }
  } finally {
    alone.close();
  }
}

const sweepIdOf = (c: Child) => Number(/^sweep (\d+): /m.exec(c.stdout)![1]);
const stopped = async (c: Child, signal: NodeJS.Signals = 'SIGTERM') => {
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill(signal);
  return c.exited;
};

// Skipped test by test, so that each counts as skipped in the report, with the reason.
const needsRedis = { skip: missing };

describe('sweeps on a queue (BullMQ on Redis)', () => {
  let redis: Redis;
  before(async () => {
    if (missing) return;
    redis = new Redis(await freePort());
    await redis.start();
  });
  after(async () => redis?.stop());

  const worker = (home: string, extra: Record<string, string> = {}, name?: string) =>
    startCli(['worker', '--queue', redis.url, '--stalled-after', '1', ...(name ? ['--name', name] : [])], { ...process.env, DLAB_HOME: home, ...extra });
  const ready = (w: Child) => until(() => /taking trials from/.test(w.stdout), 'the worker to start');

  test('2 workers, 12 trials: one worker SIGKILLed mid-trial and Redis restarted; every trial recorded once, as if run alone', needsRedis, async () => {
    const home = join(tmp, 'shared');
    const env = { ...process.env, DLAB_HOME: home };
    const log = join(tmp, 'pauses.log');
    const paused = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    // Worker a pauses its first trial at step 5, after the checkpoint of step 4.
    const a = worker(home, { DLAB_TEST_PAUSE_AT: 'step:5', DLAB_TEST_PAUSE_LOG: log }, 'a');
    let b: Child | undefined;
    await ready(a);
    const tiny = ['--train-size', '256', '--test-size', '64', '--hidden', '8', '--epochs', '2', '--batch-size', '64'];
    const sweep = startCli(['sweep', 'mnist', '--lr', '0.05,0.1,0.2', '--optimizer', 'sgd,adam', '--seed', '0,1', ...tiny, '--checkpoint-every', '2', '--no-report', '--queue', redis.url], env);
    try {
      await until(() => paused().length === 1, "worker a's trial to pause at step 5");
      await redis.stop();
      await redis.start();
      a.proc.kill('SIGKILL');
      b = worker(home, {}, 'b');
      assert.deepEqual(await sweep.exited, { code: 0, signal: null }, sweep.stdout + sweep.stderr + b.stdout + b.stderr);
    } finally {
      await stopped(sweep, 'SIGKILL');
      await stopped(a, 'SIGKILL');
      if (b) assert.deepEqual(await stopped(b), { code: 143, signal: null }, b.stdout + b.stderr);
    }
    // Worker a's trial went on with worker b, from a's checkpoint, in the same run.
    const [, killedRun] = /trial 1 of sweep \d+: continuing run (\d+)/.exec(b.stdout)!;
    assert.match(b.stderr, new RegExp(`resumed run ${killedRun} at epoch 1, step 4`));
    const runs = withStore(home, (s) => s.listRuns({ sweepId: sweepIdOf(sweep) }));
    assert.equal(runs.length, 12);
    assert.ok(runs.every((r) => r.status === 'completed'), JSON.stringify(runs.map((r) => [r.id, r.status])));
    assert.equal(new Set(runs.map((r) => `${r.options.lr}/${r.options.optimizer}/${r.options.seed}`)).size, 12);
    assert.ok(runs.some((r) => r.id === Number(killedRun)));
    await assertSameAsAlone(home, mnist, runs);
  });

  test('a worker with its own run store: its runs are copied into the sweep; a trial that fails three times is reported failed with its error', needsRedis, async () => {
    const home = join(tmp, 'coordinator');
    const workerHome = join(tmp, 'worker');
    const w = worker(workerHome, {}, 'elsewhere');
    await ready(w);
    const sweep = startCli(['sweep', 'linreg', '--lr', '0.03,1e30', '--epochs', '1', '--examples', '100', '--no-report', '--queue', redis.url], { ...process.env, DLAB_HOME: home });
    assert.deepEqual(await sweep.exited, { code: 1, signal: null }, sweep.stdout + sweep.stderr);
    assert.deepEqual(await stopped(w), { code: 143, signal: null }, w.stdout + w.stderr);
    assert.match(sweep.stdout, /trial 2\/2 \(run \d+\) on elsewhere lr=1e\+30 .*: FAILED loss is inf at epoch 1, step \d+; try a smaller --lr \(tried 3 times\)/);
    assert.equal(w.stdout.match(/trial 2 of sweep \d+: failed/g)?.length, 3);
    const runs = withStore(home, (s) => s.listRuns({ sweepId: sweepIdOf(sweep) }));
    assert.deepEqual(runs.map((r) => [r.options.lr, r.status]).sort(), [[0.03, 'completed'], [1e30, 'failed']]);
    const failed = runs.find((r) => r.status === 'failed')!;
    assert.match(failed.error!, /^loss is inf at epoch 1/);
    await assertSameAsAlone(home, linreg, runs.filter((r) => r.status === 'completed'));
    // The runs list names the machine that ran each trial.
    const list = spawnSync(process.execPath, [join(import.meta.dirname, '../../dist/cli/main.js'), 'runs', 'list'], { env: { ...process.env, DLAB_HOME: home }, encoding: 'utf8' });
    assert.match(list.stdout, /^id\s+experiment\s+status\s+started\s+time\s+sweep\s+host\s+result$/m);
    for (const r of runs) assert.match(list.stdout, new RegExp(`^\\s*${r.id}\\s+linreg\\s+.*\\s${os.hostname()}\\s`, 'm'));
  });

  test('Ctrl-C on the coordinator cancels the sweep: the running trial stops with a checkpoint, the waiting ones never start', needsRedis, async () => {
    const home = join(tmp, 'cancel');
    const env = { ...process.env, DLAB_HOME: home };
    const log = join(tmp, 'cancel-pauses.log');
    const w = worker(home, { DLAB_TEST_PAUSE_AT: 'step:3', DLAB_TEST_PAUSE_LOG: log });
    await ready(w);
    const tiny = ['--train-size', '256', '--test-size', '64', '--hidden', '8', '--epochs', '1', '--batch-size', '32'];
    const sweep = startCli(['sweep', 'mnist', '--lr', '0.05,0.1,0.2', ...tiny, '--checkpoint-every', '0', '--no-report', '--queue', redis.url], env);
    await until(() => existsSync(log), 'the first trial to pause at step 3');
    sweep.proc.kill('SIGINT');
    assert.deepEqual(await sweep.exited, { code: 130, signal: null }, sweep.stdout + sweep.stderr + w.stdout + w.stderr);
    // The worker is still serving; it stops on SIGTERM.
    assert.equal(w.proc.exitCode, null);
    assert.deepEqual(await stopped(w), { code: 143, signal: null }, w.stdout + w.stderr);
    const runs = withStore(home, (s) => s.listRuns({ sweepId: sweepIdOf(sweep) }));
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'interrupted');
    assert.equal(readCheckpoint(join(home, 'runs', String(runs[0].id), 'checkpoint.safetensors')).step, 3);
    assert.match(sweep.stdout, new RegExp(`trial 1/3 \\(run ${runs[0].id}\\).*interrupted; continue with: dlab run mnist --resume ${runs[0].id}`));
    assert.equal(sweep.stdout.match(/stopped before it started/g)?.length, 2);
  });

  /** A sweep of one small MNIST trial whose run store is `home`. */
  const oneTrial = (home: string) =>
    startCli(
      ['sweep', 'mnist', '--lr', '0.1', '--train-size', '256', '--test-size', '64', '--hidden', '8', '--epochs', '1', '--batch-size', '32', '--checkpoint-every', '2', '--no-report', '--queue', redis.url],
      { ...process.env, DLAB_HOME: home },
    );

  test('a worker with its own run store SIGKILLed mid-trial: another worker starts the trial afresh; it is recorded once', needsRedis, async () => {
    const home = join(tmp, 'killed-coordinator');
    const log = join(tmp, 'killed-pauses.log');
    const c = worker(join(tmp, 'killed-c'), { DLAB_TEST_PAUSE_AT: 'step:3', DLAB_TEST_PAUSE_LOG: log }, 'c');
    await ready(c);
    const sweep = oneTrial(home);
    await until(() => existsSync(log), "worker c's trial to pause at step 3");
    c.proc.kill('SIGKILL');
    const d = worker(join(tmp, 'killed-d'), {}, 'd');
    assert.deepEqual(await sweep.exited, { code: 0, signal: null }, sweep.stdout + sweep.stderr + d.stdout + d.stderr);
    assert.deepEqual(await stopped(d), { code: 143, signal: null }, d.stdout + d.stderr);
    assert.match(d.stdout, /trial 1 of sweep \d+: starting/);
    const runs = withStore(home, (s) => s.listRuns({ sweepId: sweepIdOf(sweep) }));
    assert.deepEqual(runs.map((r) => r.status), ['completed']);
    await assertSameAsAlone(home, mnist, runs);
  });

  test('SIGTERM to a worker mid-trial: the trial saves a checkpoint and goes back to the queue; the next worker continues it', needsRedis, async () => {
    const home = join(tmp, 'handed-back');
    const log = join(tmp, 'handed-back-pauses.log');
    const c = worker(home, { DLAB_TEST_PAUSE_AT: 'step:3', DLAB_TEST_PAUSE_LOG: log }, 'c');
    await ready(c);
    const sweep = oneTrial(home);
    await until(() => existsSync(log), "worker c's trial to pause at step 3");
    c.proc.kill('SIGTERM');
    assert.deepEqual(await c.exited, { code: 143, signal: null }, c.stdout + c.stderr);
    const d = worker(home, {}, 'd');
    assert.deepEqual(await sweep.exited, { code: 0, signal: null }, sweep.stdout + sweep.stderr + d.stdout + d.stderr);
    assert.deepEqual(await stopped(d), { code: 143, signal: null }, d.stdout + d.stderr);
    const [, run] = /trial 1 of sweep \d+: continuing run (\d+)/.exec(d.stdout)!;
    assert.match(d.stderr, new RegExp(`resumed run ${run} at epoch 1, step 3`));
    const runs = withStore(home, (s) => s.listRuns({ sweepId: sweepIdOf(sweep) }));
    assert.deepEqual(runs.map((r) => [r.id, r.status]), [[Number(run), 'completed']]);
    await assertSameAsAlone(home, mnist, runs);
  });

  test('a wrong password, or no Redis there: the sweep and the worker say so, before anything is recorded', needsRedis, async () => {
    const home = join(tmp, 'refused');
    const wrong = `redis://:wrong@127.0.0.1:${redis.port}`;
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const cases: [string[], RegExp][] = [
      [['sweep', 'linreg', '--lr', '0.1', '--queue', wrong], /^dlab sweep linreg: cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/m],
      [['worker', '--queue', wrong], /^dlab worker: cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/m],
      [['sweep', 'linreg', '--lr', '0.1', '--queue', closed], /cannot use Redis at redis:\/\/127\.0\.0\.1:\d+\/?: connect ECONNREFUSED/],
    ];
    for (const [args, message] of cases) {
      const c = startCli(args, { ...process.env, DLAB_HOME: home });
      assert.deepEqual(await c.exited, { code: 1, signal: null }, c.stderr);
      assert.match(c.stderr, message);
      assert.ok(!c.stderr.includes('wrong'), 'the password is not printed');
    }
    assert.equal(existsSync(home), false);
  });
});
