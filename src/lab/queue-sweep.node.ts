/// <reference types="node" />
// A sweep's trials on many machines: the coordinator (`dlab sweep ... --queue redis://...`) puts
// each trial on the BullMQ queue as a job with a fixed id and waits for `dlab worker`s to run them.
// Each finished job is recorded once in the coordinator's run store: a worker sharing its
// DLAB_HOME recorded the run there already; another worker's run arrives in the job's progress and
// is copied in. A cancelled sweep (Ctrl-C) removes its waiting trials and tells the workers to stop
// the running ones with a checkpoint.

import { Job, Queue, QueueEvents, QueueEventsProducer } from 'bullmq';
import { resolveOptions } from './experiment.js';
import { ATTEMPTS, CANCEL_EVENT, jobIdOf, openRedis, QUEUE_NAME, type TrialJob, type TrialJobResult, type TrialProgress } from './queue.node.js';
import { findExperiment } from './registry.js';
import type { RunStore } from './store.node.js';
import type { TrialResult } from './trial.node.js';

export interface QueueSweep {
  url: string;
  store: RunStore;
  sweepId: number;
  /** The sweep's key (also in the sweep's spec in the store, where a worker sharing the store finds it). */
  key: string;
  trials: TrialJob['spec'][];
  /** Aborted: cancel the sweep. */
  signal: AbortSignal;
  /** A worker started (or took over) trial k. */
  onStart?: (k: number, progress: TrialProgress) => void;
  /** Trial k is recorded. */
  onDone: (k: number, result: TrialResult) => void;
  /** Redis unreachable, and such (reported once each). */
  onError?: (message: string) => void;
}

const progressOf = (job: Job): TrialProgress | undefined => (typeof job.progress === 'object' && job.progress !== null ? (job.progress as unknown as TrialProgress) : undefined);

/** Run the sweep's trials on the queue; resolves once every trial is recorded (or removed by a cancel). */
export async function runOnQueue(o: QueueSweep): Promise<TrialResult[]> {
  const { store, sweepId, trials } = o;
  const [queueConnection, eventsConnection] = [await openRedis(o.url), await openRedis(o.url)];
  const queue = new Queue<TrialJob, TrialJobResult>(QUEUE_NAME, { connection: queueConnection });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
  const producer = new QueueEventsProducer(QUEUE_NAME, { connection: queueConnection });
  let lastError = '';
  const onError = (e: Error) => {
    if (e.message !== lastError) o.onError?.(e.message);
    lastError = e.message;
  };
  queue.on('error', onError);
  events.on('error', onError);
  producer.on('error', onError);
  const ids = trials.map((_, k) => jobIdOf(o.key, k));
  const index = new Map(ids.map((id, k) => [id, k]));
  const results = new Map<number, TrialResult>();
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));

  const settle = (k: number, result: TrialResult) => {
    if (results.has(k)) return;
    results.set(k, result);
    o.onDone(k, result);
    if (results.size === trials.length) allDone();
  };

  /** Record a finished job in the store: once, whatever the number of events about it. */
  const record = (k: number, job: Job<TrialJob, TrialJobResult>, state: 'completed' | 'failed'): TrialResult => {
    const spec = trials[k];
    const progress = progressOf(job);
    let runId: number | undefined;
    if (progress?.shared) runId = progress.runId;
    else if (progress?.record) runId = store.importRun(progress.record.run, progress.record.metrics, sweepId);
    const seconds = job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
    if (state === 'completed') return { options: spec.options, runId, status: job.returnvalue.status, seconds };
    const error = `${job.failedReason} (tried ${job.attemptsMade} times)`;
    // A trial that never recorded a run (or whose worker died with it running) is recorded failed here.
    if (runId === undefined) runId = store.createRun(spec.experiment, resolveOptions(findExperiment(spec.experiment), spec.options), sweepId, spec.checkpointEvery ?? null);
    store.finish(runId, 'failed', null, error);
    return { options: spec.options, runId, status: 'failed', error, seconds };
  };

  // One look at a trial's job at a time (events and re-checks may come together).
  const looks = trials.map(() => Promise.resolve());
  const look = (k: number) => {
    looks[k] = looks[k].then(async () => {
      if (results.has(k)) return;
      const job = await Job.fromId<TrialJob, TrialJobResult>(queue, ids[k]);
      const state = job && (await job.getState());
      if (job && (state === 'completed' || state === 'failed')) settle(k, record(k, job, state));
    }).catch(onError);
  };
  const lookAll = () => trials.forEach((_, k) => look(k));
  const onFinished = ({ jobId }: { jobId: string }) => {
    const k = index.get(jobId);
    if (k !== undefined) look(k);
  };
  events.on('completed', onFinished);
  events.on('failed', onFinished);
  const started = new Map<number, number>();
  events.on('progress', ({ jobId, data }) => {
    const k = index.get(jobId);
    const p = data as unknown as TrialProgress;
    if (k === undefined || typeof p !== 'object' || p.record || started.get(k) === p.runId) return;
    started.set(k, p.runId);
    o.onStart?.(k, p);
  });
  // After Redis comes back, look again: events while it was away are not lost, but make sure.
  queueConnection.on('ready', lookAll);

  const cancel = async () => {
    for (const [k, id] of ids.entries()) {
      if (results.has(k)) continue;
      const job = await Job.fromId(queue, id);
      const state = job && (await job.getState());
      if (!job || !['waiting', 'delayed', 'prioritized', 'paused'].includes(state as string)) continue;
      try {
        await job.remove();
        settle(k, { options: trials[k].options, status: 'interrupted', seconds: 0 });
      } catch {
        // A worker took it meanwhile: it hears the cancel below.
      }
    }
    await producer.publishEvent({ eventName: CANCEL_EVENT, sweep: o.key });
  };
  o.signal.addEventListener('abort', () => void cancel().catch(onError));

  try {
    await events.waitUntilReady();
    await queue.addBulk(
      trials.map((spec, k) => ({
        name: spec.experiment,
        data: { sweep: o.key, sweepId, trial: k, spec },
        opts: { jobId: ids[k], attempts: ATTEMPTS },
      })),
    );
    lookAll();
    await done;
    // Every trial is in the store: the queue need not keep them.
    for (const id of ids) await queue.remove(id).catch(() => 0);
  } finally {
    queueConnection.off('ready', lookAll);
    await events.close();
    await producer.close();
    await queue.close();
    queueConnection.disconnect();
    eventsConnection.disconnect();
  }
  return [...results.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
}
