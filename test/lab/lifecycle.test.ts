// Nothing lost, nothing hung: what happens to a run (through the built CLI) when it is signalled,
// killed, resumed twice at once, or stopped while its report is written. Each child is stopped at
// a known point: DLAB_TEST_PAUSE_AT makes it announce "paused at <point>" and wait (src/lab/pause.node.ts),
// and the test signals it only after reading that.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readCheckpoint } from '../../src/io/node.js';
import { RunStore } from '../../src/lab/store.node.js';
import { main, startCli, until, type Child } from './cli-child.js';

const home = mkdtempSync(join(os.tmpdir(), 'dlab-lifecycle-'));
const env = { ...process.env, DLAB_HOME: home };
after(() => rmSync(home, { recursive: true, force: true }));

const dlab = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [main, ...args], { env, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** `dlab ...args` in a child process, with extra environment variables (the pause hook). */
const start = (args: string[], extra: Record<string, string> = {}): Child => startCli(args, { ...env, ...extra });

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
const runIdOf = (stderr: string) => Number(/^run (\d+): /m.exec(stderr)![1]);
const checkpointOf = (id: number) => join(home, 'runs', String(id), 'checkpoint.safetensors');
const withStore = <T>(f: (store: RunStore) => T): T => {
  const store = new RunStore(home);
  try {
    return f(store);
  } finally {
    store.close();
  }
};
// 20 steps per epoch, 40 in all.
const opts = ['--train-size', '400', '--test-size', '100', '--hidden', '16', '--epochs', '2', '--batch-size', '20', '--no-report'];

/** A run stopped by SIGINT at `step`; returns its id. */
async function interruptedRun(step: number, checkpointEvery: number): Promise<number> {
  const c = start(['run', 'mnist', ...opts, '--json', '--checkpoint-every', String(checkpointEvery)], { DLAB_TEST_PAUSE_AT: `step:${step}` });
  await c.waitFor(new RegExp(`paused at step:${step}\\n`));
  c.proc.kill('SIGINT');
  assert.equal((await c.exited).code, 130, c.stderr);
  return runIdOf(c.stderr);
}

describe('run lifecycle: signals, kills, resumes', { concurrency: true }, () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    test(`${signal} saves a checkpoint at the step it lands on and exits ${code}; the run is resumable`, async () => {
      const c = start(['run', 'mnist', ...opts, '--json', '--checkpoint-every', '0'], { DLAB_TEST_PAUSE_AT: 'step:7' });
      await c.waitFor(/paused at step:7\n/);
      c.proc.kill(signal);
      assert.deepEqual(await c.exited, { code, signal: null }, c.stderr);
      const id = runIdOf(c.stderr);
      const stopped = lastJson(c.stdout);
      assert.deepEqual(stopped, { run_id: id, status: 'interrupted', epoch: 1, step: 7 });
      assert.match(c.stderr, new RegExp(`stopping run ${id}: saving a checkpoint at the next step \\(${signal} again to quit at once\\)`));
      assert.match(c.stderr, new RegExp(`continue with: dlab run mnist --resume ${id}`));
      assert.equal(withStore((s) => s.getRun(id).status), 'interrupted');
      assert.equal(readCheckpoint(checkpointOf(id)).step, 7);
    });
  }

  test('a second Ctrl-C while the report is written keeps the completed run completed', async () => {
    const c = start(['run', 'linreg', '--json'], { DLAB_TEST_PAUSE_AT: 'report' });
    await c.waitFor(/paused at report\n/);
    const id = runIdOf(c.stderr);
    c.proc.kill('SIGINT');
    await c.waitFor(new RegExp(`stopping run ${id}: `));
    c.proc.kill('SIGINT');
    assert.equal((await c.exited).code, 130, c.stderr);
    const run = withStore((s) => s.getRun(id));
    assert.equal(run.status, 'completed');
    assert.equal(typeof run.final?.concise_w_error, 'number');
    const again = await dlab('run', 'linreg', '--resume', String(id));
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, new RegExp(`run ${id} has completed; there is nothing to resume`));
  });

  test('two resumes of one run at once: exactly one proceeds, the other names the process that holds it', async () => {
    const id = await interruptedRun(7, 0);
    const resumers = [0, 1].map(() => start(['run', 'mnist', '--resume', String(id), '--json'], { DLAB_TEST_PAUSE_AT: 'claim' }));
    // Both have read the interrupted run and are about to claim it; release them together.
    await Promise.all(resumers.map((r) => r.waitFor(/paused at claim\n/)));
    for (const r of resumers) r.proc.stdin.write('go\n');
    const codes = await Promise.all(resumers.map(async (r) => (await r.exited).code));
    assert.deepEqual([...codes].sort(), [0, 1], resumers.map((r) => r.stderr).join('\n----\n'));
    const winner = resumers[codes.indexOf(0)];
    const loser = resumers[codes.indexOf(1)];
    assert.match(loser.stderr, new RegExp(`dlab run mnist: run ${id} is still running \\(process ${winner.proc.pid} on [^)]+\\)`));
    assert.equal(lastJson(winner.stdout).run_id, id);
    // Each epoch's metrics once, as one run logs them (not twice).
    const rows = withStore((s) => s.metrics(id).filter((m) => m.epoch !== null).map((m) => `${m.epoch}:${m.name}`));
    assert.deepEqual(rows, [...new Set(rows)]);
    assert.deepEqual([...new Set(rows.map((r) => r.split(':')[0]))], ['1', '2']);
    assert.equal(withStore((s) => s.getRun(id).status), 'completed');
  });

  test('a killed run shows as dead; a resume keeps --checkpoint-every, ends as the uninterrupted run and leaves no temporary files', async () => {
    const baseline = dlab('run', 'mnist', ...opts, '--json');
    const id = await interruptedRun(7, 5);
    assert.equal(readCheckpoint(checkpointOf(id)).step, 7);

    // Resumed without --checkpoint-every: still every 5 steps (10, 15, ...). Killed at step 12.
    const killed = start(['run', 'mnist', '--resume', String(id), '--json'], { DLAB_TEST_PAUSE_AT: 'step:12' });
    await killed.waitFor(/paused at step:12\n/);
    killed.proc.kill('SIGKILL');
    await killed.exited;
    assert.equal(readCheckpoint(checkpointOf(id)).step, 10);
    const list = await dlab('runs');
    assert.match(list.stdout, new RegExp(`^\\s*${id}\\s+mnist\\s+dead \\(pid ${killed.proc.pid} gone\\)\\s`, 'm'), list.stdout);
    const show = await dlab('runs', 'show', String(id));
    assert.match(show.stdout, new RegExp(`^run ${id}: mnist \\(dead \\(pid ${killed.proc.pid} gone\\)\\)$`, 'm'));

    // What a kill in the middle of a save leaves behind.
    const stray = `checkpoint.safetensors.tmp-${killed.proc.pid}-0123456789ab`;
    writeFileSync(join(home, 'runs', String(id), stray), 'half a checkpoint');
    // Given again, --checkpoint-every replaces the run's own (0: no further checkpoints).
    const resumed = await dlab('run', 'mnist', '--resume', String(id), '--json', '--checkpoint-every', '0');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resumed run ${id} at epoch 1, step 10`));
    assert.equal(readCheckpoint(checkpointOf(id)).step, 10);
    assert.equal(withStore((s) => s.getRun(id).checkpointEvery), 0);
    assert.deepEqual(readdirSync(join(home, 'runs', String(id))).filter((f) => f.includes('.tmp-')), []);
    const a = lastJson(resumed.stdout);
    const b = lastJson((await baseline).stdout);
    assert.equal(a.test_accuracy, b.test_accuracy);
    assert.equal(a.train_loss, b.train_loss);
  });

  test('cnn: stopped mid-epoch and resumed, it ends with exactly the metrics of an uninterrupted run', async () => {
    const cnnOpts = ['--dataset', 'mnist', '--train-size', '200', '--test-size', '50', '--batch-size', '20', '--epochs', '2', '--no-report', '--json'];
    const baseline = dlab('run', 'cnn', ...cnnOpts);
    const c = start(['run', 'cnn', ...cnnOpts, '--checkpoint-every', '0'], { DLAB_TEST_PAUSE_AT: 'step:7' });
    await c.waitFor(/paused at step:7\n/);
    c.proc.kill('SIGINT');
    assert.equal((await c.exited).code, 130, c.stderr);
    const id = runIdOf(c.stderr);
    const resumed = await dlab('run', 'cnn', '--resume', String(id), '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resumed run ${id} at epoch 1, step 7`));
    const a = lastJson(resumed.stdout);
    const b = lastJson((await baseline).stdout);
    for (const k of ['train_loss', 'train_accuracy', 'test_accuracy']) assert.equal(a[k], b[k], k);
  });

  test('SIGTERM to a sweep reaches its trials, which checkpoint and stop; the sweep waits and exits 143', async () => {
    const log = join(home, 'sweep-pauses.log');
    const sweep = start(['sweep', 'mnist', '--lr', '0.05,0.1', ...opts.filter((o) => o !== '--no-report'), '--parallel', '2', '--no-report', '--checkpoint-every', '0'], {
      DLAB_TEST_PAUSE_AT: 'step:3',
      DLAB_TEST_PAUSE_LOG: log,
    });
    const paused = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    try {
      // The trials' stderr goes to the sweep, so they announce their pause in the log file.
      await until(() => paused().length === 2, 'both trials to pause at step 3');
      sweep.proc.kill('SIGTERM');
      assert.deepEqual(await sweep.exited, { code: 143, signal: null }, sweep.stderr + sweep.stdout);
    } finally {
      // Trials left paused by a sweep that did not pass the signal on.
      for (const line of paused()) {
        try {
          process.kill(Number(line.split(' ')[1]), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    const sweepId = Number(/^sweep (\d+): 2 trials/m.exec(sweep.stdout)![1]);
    const trials = withStore((s) => s.listRuns({ sweepId }));
    assert.equal(trials.length, 2);
    for (const t of trials) {
      assert.equal(t.status, 'interrupted');
      assert.equal(readCheckpoint(checkpointOf(t.id)).step, 3);
      assert.match(sweep.stdout, new RegExp(`\\(run ${t.id}\\) .*interrupted; continue with: dlab run mnist --resume ${t.id}`));
    }
  });
});
