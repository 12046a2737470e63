// The run store: a round trip of every field, resume bookkeeping, and two processes writing to
// one database at the same time (what the parallel trials of a sweep do).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunStore } from '../../src/lab/store.node.js';

const home = mkdtempSync(join(os.tmpdir(), 'dlab-store-'));
after(() => rmSync(home, { recursive: true, force: true }));

describe('RunStore', () => {
  test('round trip: run, metrics, artifacts, final status', () => {
    const store = new RunStore(home);
    const id = store.createRun('mnist', { lr: 0.1, optimizer: 'sgd', shuffle: true });
    const run = store.getRun(id);
    assert.equal(run.experiment, 'mnist');
    assert.deepEqual(run.options, { lr: 0.1, optimizer: 'sgd', shuffle: true });
    assert.equal(run.status, 'running');
    assert.equal(run.endedAt, null);
    assert.match(run.codeVersion, /^\d+\.\d+\.\d+/);
    assert.ok(run.machine.cores >= 1 && run.machine.cpu.length > 0 && run.machine.node === process.version);

    store.logMetrics(id, { loss: 2.5 }, { step: 50 });
    const mark = store.logMetrics(id, { train_loss: 0.5, test_acc: 0.9, bad: NaN }, { epoch: 1 });
    store.logMetrics(id, { loss: 0.25 }, { step: 100 });
    assert.deepEqual(
      store.metrics(id).map((m) => [m.name, m.step, m.epoch, m.value]),
      [['loss', 50, null, 2.5], ['train_loss', null, 1, 0.5], ['test_acc', null, 1, 0.9], ['bad', null, 1, NaN], ['loss', 100, null, 0.25]],
    );
    assert.deepEqual(store.metrics(id, 'loss').map((m) => m.value), [2.5, 0.25]);
    // A resume forgets what came after its checkpoint.
    assert.equal(store.lastMetricId(id), mark + 1);
    store.deleteMetricsAfter(id, mark);
    assert.deepEqual(store.metrics(id, 'loss').map((m) => m.value), [2.5]);

    store.addArtifact(id, 'chart', 'curves', '/a.json');
    store.addArtifact(id, 'chart', 'curves', '/b.json');
    assert.deepEqual(store.artifacts(id).map((a) => [a.kind, a.name, a.path]), [['chart', 'curves', '/b.json']]);

    store.finish(id, 'interrupted');
    const interrupted = store.getRun(id);
    assert.equal(interrupted.status, 'interrupted');
    // Two processes resuming it at once read the same record: one claim wins, the other changes nothing.
    const other = new RunStore(home);
    assert.equal(store.claim(interrupted, 25), true);
    assert.equal(other.claim(interrupted, 7), false);
    other.close();
    assert.equal(store.getRun(id).status, 'running');
    assert.equal(store.getRun(id).checkpointEvery, 25);
    store.finish(id, 'completed', { test_accuracy: 0.97, note: 'ok' });
    const done = store.getRun(id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.final, { test_accuracy: 0.97, note: 'ok' });
    assert.ok(Date.parse(done.endedAt!) >= Date.parse(done.startedAt));
    // A run's outcome is written once: a late 'interrupted' (a second Ctrl-C) keeps it completed.
    store.finish(id, 'interrupted');
    assert.deepEqual(store.getRun(id), done);
    assert.equal(store.claim(done), false);

    const sweep = store.createSweep('mnist', { axes: { lr: { values: [0.1, 1] } } });
    const trial = store.createRun('mnist', { lr: 1 }, sweep);
    assert.deepEqual(store.listRuns({ sweepId: sweep }).map((r) => r.id), [trial]);
    assert.deepEqual(store.listRuns({ experiment: 'mnist' }).map((r) => r.id), [trial, id]);
    assert.equal(store.getSweep(sweep).experiment, 'mnist');
    // A 'running' run is orphaned once its process is gone (here: a process that has exited).
    assert.equal(store.getRun(trial).pid, process.pid);
    assert.equal(store.isOrphaned(store.getRun(trial)), false);
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(gone, trial);
    assert.equal(store.isOrphaned(store.getRun(trial)), true);
    assert.equal(store.isOrphaned(store.getRun(id)), false); // completed runs never are
    assert.throws(() => store.getRun(999), /no run 999/);
    store.close();
  });

  test('two processes write to the same database at once', async () => {
    const storeUrl = new URL('../../src/lab/store.node.ts', import.meta.url).href;
    // Both writers start at the same moment (after both have loaded), so their writes interleave.
    const start = Date.now() + 2500;
    const writer = (tag: string) => `
      const { RunStore } = await import(${JSON.stringify(storeUrl)});
      while (Date.now() < ${start}) await new Promise((r) => setTimeout(r, 5));
      const store = new RunStore(${JSON.stringify(home)});
      const id = store.createRun('concurrent', { tag: '${tag}' });
      for (let i = 0; i < 300; i++) store.logMetrics(id, { loss: i, acc: i / 300 }, { step: i });
      store.addArtifact(id, 'text', 'note', '${tag}');
      store.finish(id, 'completed', { rows: 600 });
      store.close();`;
    const run = (tag: string) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer(tag)], {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`writer ${tag} exited ${code}: ${err}`))));
      });
    await Promise.all([run('a'), run('b')]);
    const store = new RunStore(home);
    const runs = store.listRuns({ experiment: 'concurrent' });
    assert.equal(runs.length, 2);
    for (const r of runs) {
      assert.equal(r.status, 'completed');
      const rows = store.metrics(r.id);
      assert.equal(rows.length, 600);
      assert.deepEqual(store.metrics(r.id, 'loss').map((m) => m.value), Array.from({ length: 300 }, (_, i) => i));
    }
    assert.deepEqual(runs.map((r) => r.options.tag).sort(), ['a', 'b']);
    store.close();
  });
});
