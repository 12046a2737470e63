/// <reference types="node" />
// What a sweep's coordinator and its queue workers share: the BullMQ queue (on Redis) that carries
// trials, the shape of a queued trial and of what a worker reports back, and the Redis connection.
// A worker reports through the job's progress: first the run it started (so that whoever takes
// the trial over after a crash can resume that run), at the end the run itself when the worker
// keeps its own run store (the coordinator copies it into its store).

import { Redis } from 'ioredis';
import type { RunRecord, MetricRow } from './store.node.js';
import type { TrialSpec } from './trial.node.js';

/** The queue every sweep's trials go through; `dlab worker` takes them from it. */
export const QUEUE_NAME = 'dlab-trials';
/** The custom queue event a coordinator publishes when its sweep is cancelled (Ctrl-C). */
export const CANCEL_EVENT = 'dlab-sweep-cancelled' as const;
/** Tries of a trial before it is reported failed. */
export const ATTEMPTS = 3;

/** A queued trial. */
export interface TrialJob {
  /** The sweep's key: random, so sweeps of different coordinators never share a job id. */
  sweep: string;
  /** The sweep's id in the coordinator's run store. */
  sweepId: number;
  /** The trial's index in the sweep. */
  trial: number;
  spec: Omit<TrialSpec, 'sweepId' | 'resume'>;
}

/** A run as a worker with its own run store sends it back. */
export interface ExportedRun {
  run: RunRecord;
  metrics: MetricRow[];
}

/** A trial's job progress, set by the worker that runs it. */
export interface TrialProgress {
  worker: string;
  /** The worker's run store is the coordinator's (the same DLAB_HOME): runId is in both. */
  shared: boolean;
  /** The run in the worker's store, and when it started (with the id, it tells the run apart). */
  runId: number;
  startedAt: string;
  /** Set when the trial ends, for a coordinator that does not share the worker's store. */
  record?: ExportedRun;
}

/** A job's result: how the trial ended (a failure is a failed job). */
export interface TrialJobResult {
  status: 'completed' | 'interrupted';
}

/** The job id of a trial: the same trial is queued once, whoever adds it again. */
export const jobIdOf = (sweep: string, trial: number) => `${sweep}-${trial}`;

/** A Redis URL for messages: the password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * A connection to the Redis at `url` (redis://[:password@]host[:port][/db], or rediss:// for TLS),
 * once it answers. Afterwards it reconnects by itself (a restarted Redis), and commands wait for
 * it, as BullMQ needs (maxRetriesPerRequest: null).
 */
export async function openRedis(url: string): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url)) throw new Error(`--queue: expected a redis:// or rediss:// URL, got '${url}'`);
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  // Later errors (while reconnecting) are reported by the BullMQ objects; this keeps them from
  // being unhandled, and keeps the first one: its cause (refused, wrong password), not "closed".
  let cause: Error | undefined;
  redis.on('error', (e: Error) => (cause ??= e));
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new Error(`cannot use Redis at ${redactUrl(url)}: ${(cause ?? (e as Error)).message}`);
  }
  return redis;
}
