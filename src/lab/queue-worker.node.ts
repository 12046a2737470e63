/// <reference types="node" />
// `dlab worker`: takes trials from the sweep queue (BullMQ on Redis), one at a time, and runs each
// as a sweep trial (its own process, src/lab/trial.node.ts) in this machine's run store. It
// reports the run through the job's progress (src/lab/queue.node.ts). A trial taken over from a
// worker that died (BullMQ's stalled-job check) or from a failed try continues the same run from
// its checkpoint when that run is in this store (the dead worker shared DLAB_HOME, or it was this
// one); otherwise it starts afresh. SIGINT/SIGTERM/SIGHUP stop the trial with a checkpoint and
// hand it back to the queue; a cancelled sweep's trial is stopped the same way and ends interrupted.

import os from 'node:os';
import { Job, QueueEvents, WaitingError, Worker, type QueueEventsListener } from 'bullmq';
import { CANCEL_EVENT, QUEUE_NAME, redactUrl, openRedis, type TrialJob, type TrialJobResult, type TrialProgress } from './queue.node.js';
import { exitCodeOf, STOP_SIGNALS, type StopSignal } from './runner.node.js';
import { RunStore, type RunRecord } from './store.node.js';
import { startTrial, type TrialProcess } from './trial.node.js';

export interface WorkerOptions {
  url: string;
  /** How the worker names itself in its reports (default host:pid). */
  name?: string;
  /** A trial whose worker has not renewed its lock for this long is handed to another worker. */
  stalledAfterSeconds: number;
  /** Where the worker's lines go (default the console). */
  log?: (line: string) => void;
}

type CancelListener = QueueEventsListener & { [CANCEL_EVENT]: (args: { sweep: string }) => void };

/** Whether this store is the coordinator's: it holds the sweep, with the sweep's key. */
function sharesStore(store: RunStore, job: TrialJob): boolean {
  try {
    return store.getSweep(job.sweepId).spec.key === job.sweep;
  } catch {
    return false;
  }
}

/** The run a previous try of this trial left in this store, if it is in this store. */
function previousRun(store: RunStore, job: Job<TrialJob>): RunRecord | undefined {
  const p = job.progress as TrialProgress | number;
  if (typeof p !== 'object' || p === null) return undefined;
  try {
    const run = store.getRun(p.runId);
    // The same id and start time: the run itself, not another store's run with that id.
    return run.startedAt === p.startedAt && run.experiment === job.data.spec.experiment ? run : undefined;
  } catch {
    return undefined;
  }
}

/** Run trials from the queue until a stop signal; resolves with the exit status. */
export async function runWorker(opts: WorkerOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const name = opts.name ?? `${os.hostname()}:${process.pid}`;
  const [workerConnection, eventsConnection] = [await openRedis(opts.url), await openRedis(opts.url)];
  const store = new RunStore();

  const cancelled = new Set<string>();
  const active = new Map<string, { job: Job<TrialJob>; trial?: TrialProcess }>();
  let stopping: StopSignal | null = null;

  const processor = async (job: Job<TrialJob, TrialJobResult>, token?: string, signal?: AbortSignal): Promise<TrialJobResult> => {
    const { sweep, sweepId, trial: k, spec } = job.data;
    const label = `trial ${k + 1} of sweep ${sweepId}`;
    if (cancelled.has(sweep)) return { status: 'interrupted' };
    const shared = sharesStore(store, job.data);
    let previous = previousRun(store, job);
    if (previous && previous.status === 'running' && previous.host !== os.hostname()) {
      // Its process is on another machine, which lost the trial: BullMQ handed it on.
      store.finish(previous.id, 'failed', null, `its worker on ${previous.host} stopped answering; ${name} continues it`);
      previous = store.getRun(previous.id);
    }
    const entry: { job: Job<TrialJob>; trial?: TrialProcess } = { job };
    active.set(job.id!, entry);
    try {
      let outcome;
      if (previous?.status === 'completed') {
        // It completed but its worker died before saying so.
        log(`${label}: run ${previous.id} had completed`);
        outcome = { runId: previous.id, status: 'completed' as const };
      } else {
        log(`${label}: ${previous ? `continuing run ${previous.id} (from its checkpoint, if it saved one)` : 'starting'} (${spec.experiment} ${Object.entries(spec.options).map(([a, b]) => `${a}=${b}`).join(' ')})`);
        const trial = startTrial(
          { ...spec, sweepId: shared ? sweepId : null, resume: previous?.id },
          {
            // Before it trains, the queue knows its run: whoever takes the trial over continues that run.
            onRun: async (runId) => {
              const progress: TrialProgress = { worker: name, shared, runId, startedAt: store.getRun(runId).startedAt };
              await job.updateProgress(progress);
            },
            stderr: 'inherit',
          },
        );
        entry.trial = trial;
        const onAbort = () => trial.kill('SIGINT');
        signal?.addEventListener('abort', onAbort);
        if (stopping) trial.kill(stopping);
        outcome = await trial.done;
        signal?.removeEventListener('abort', onAbort);
      }
      if (outcome.runId !== undefined) {
        const run = store.getRun(outcome.runId);
        const progress: TrialProgress = { worker: name, shared, runId: run.id, startedAt: run.startedAt, ...(shared ? {} : { record: { run, metrics: store.metrics(run.id) } }) };
        await job.updateProgress(progress);
      }
      log(`${label}: ${outcome.status}${outcome.runId !== undefined ? ` (run ${outcome.runId})` : ''}${outcome.error ? `: ${outcome.error}` : ''}`);
      if (outcome.status === 'failed') throw new Error(outcome.error ?? 'failed');
      if (outcome.status === 'interrupted' && !signal?.aborted) {
        // This worker is stopping: the trial goes back to the queue, for any worker to continue.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      return { status: outcome.status };
    } finally {
      active.delete(job.id!);
    }
  };

  const worker = new Worker<TrialJob, TrialJobResult>(QUEUE_NAME, processor, {
    connection: workerConnection,
    concurrency: 1,
    lockDuration: opts.stalledAfterSeconds * 1000,
    stalledInterval: opts.stalledAfterSeconds * 1000,
    // A trial whose worker dies is handed on this many times before it counts as failed.
    maxStalledCount: 2,
    autorun: false,
  });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
  // Redis down for a while (a restart) is reported once; ioredis reconnects by itself.
  let lastError = '';
  const onError = (e: Error) => {
    if (e.message !== lastError) log(`worker ${name}: ${e.message}`);
    lastError = e.message;
  };
  worker.on('error', onError);
  events.on('error', onError);
  events.on<CancelListener>(CANCEL_EVENT, ({ sweep }: { sweep: string }) => {
    cancelled.add(sweep);
    for (const [id, { job }] of active) if (job.data.sweep === sweep) worker.cancelJob(id, 'the sweep was cancelled');
  });
  await events.waitUntilReady();

  const stopped = new Promise<StopSignal>((resolve) => {
    const onSignal = (signal: StopSignal) => {
      if (stopping) process.exit(exitCodeOf(signal));
      stopping = signal;
      log(`worker ${name}: ${signal}: the running trial saves a checkpoint and goes back to the queue (${signal} again to quit at once)`);
      for (const { trial } of active.values()) trial?.kill(signal);
      resolve(signal);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
  log(`worker ${name}: taking trials from ${redactUrl(opts.url)} (queue ${QUEUE_NAME}); run store ${store.home}`);
  const running = worker.run();
  const signal = await stopped;
  await worker.close();
  await running;
  await events.close();
  workerConnection.disconnect();
  eventsConnection.disconnect();
  store.close();
  return exitCodeOf(signal);
}
