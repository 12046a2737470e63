/// <reference types="node" />
// One trial of a sweep: a normal recorded run (runExperiment) in a process of its own, started
// from src/lab/trial-child.node.ts. A process per trial keeps trials apart: each its own memory,
// and a stop signal reaches exactly the trial it is meant for. The parent learns the run's id
// and how it ended over the IPC channel; the metrics are in the run store, where it reads them.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GivenValue } from './experiment.js';
import { exitCodeOf, STOP_SIGNALS, type StopSignal } from './runner.node.js';

/** What a trial runs: `dlab run <experiment> <options>` with these settings. */
export interface TrialSpec {
  experiment: string;
  /** The options given (the rest take their defaults). */
  options: Record<string, GivenValue>;
  sweepId: number | null;
  checkpointEvery?: number;
  /** Write the run's HTML report. */
  report: boolean;
  /** Continue this run (interrupted, failed or dead) from its checkpoint instead of starting one. */
  resume?: number;
}

/** The messages a trial process sends its parent. */
export type TrialMessage = { type: 'run'; runId: number } | { type: 'done'; runId?: number; status: TrialStatus; error?: string };
/** The parent's answer to 'run': train now. */
export const GO = 'go';

export type TrialStatus = 'completed' | 'interrupted' | 'failed';

export interface TrialOutcome {
  /** The run in the store (absent when the trial failed before its run was recorded). */
  runId?: number;
  status: TrialStatus;
  error?: string;
}

/** How a trial ended, as a sweep reports it; its metrics are read from the run store. */
export interface TrialResult extends TrialOutcome {
  options: Record<string, GivenValue>;
  seconds: number;
}

export interface TrialProcess {
  readonly pid: number | undefined;
  /** Pass a stop signal on: the trial saves a checkpoint and stops (a second one stops it at once). */
  kill(signal: StopSignal | 'SIGKILL'): void;
  readonly done: Promise<TrialOutcome>;
}

// The child module beside this one: .js when built, .ts under tsx (fork passes on --import tsx).
const childModule = fileURLToPath(import.meta.url).replace(/trial\.node\.(js|ts)$/, 'trial-child.node.$1');
const stoppedCodes = new Set(STOP_SIGNALS.map((s) => exitCodeOf(s)));

export interface TrialOptions {
  /**
   * Hears the run's id as soon as it is recorded; the trial trains only once it has returned (or
   * settled): a queue worker first tells the queue which run it is.
   */
  onRun?: (runId: number) => void | Promise<void>;
  /** The trial's progress and messages: shown (a worker's terminal), or kept for a failure's message (default). */
  stderr?: 'inherit' | 'pipe';
}

/** A send to a trial that has died: nothing to do, as its 'exit' reports how it ended. */
const ignoreSendError = (): void => {};

/** Start a trial in a process of its own. */
export function startTrial(spec: TrialSpec, { onRun, stderr: stderrMode = 'pipe' }: TrialOptions = {}): TrialProcess {
  // Its own process group (detached): a terminal's Ctrl-C reaches only the parent, which decides
  // what the trial gets. stdin is shared so a test can release a trial paused by DLAB_TEST_PAUSE_AT.
  const child = fork(childModule, [], { stdio: ['inherit', 'ignore', stderrMode, 'ipc'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let runId: number | undefined;
  let reported: TrialOutcome | undefined;
  child.on('message', (m: TrialMessage) => {
    if (m.type === 'run') {
      runId = m.runId;
      // A child killed meanwhile (onRun may kill it) fails the send: its exit reports it, so the
      // error is dropped here instead of surfacing as an unhandled EPIPE in the parent.
      void Promise.resolve(onRun?.(m.runId)).then(() => child.connected && child.send(GO, ignoreSendError));
    } else {
      reported = { runId: m.runId ?? runId, status: m.status, ...(m.error !== undefined ? { error: m.error } : {}) };
    }
  });
  const done = new Promise<TrialOutcome>((resolve) => {
    child.on('exit', (code, signal) => {
      if (reported) return resolve(reported);
      // Gone without a word: stopped by a signal (or a second Ctrl-C's quick exit), or crashed.
      if ((signal && signal !== 'SIGKILL' && STOP_SIGNALS.includes(signal as StopSignal)) || (code !== null && stoppedCodes.has(code))) return resolve({ runId, status: 'interrupted' });
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolve({ runId, status: 'failed', error: `trial process ${signal ? `killed by ${signal}` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}` });
    });
  });
  child.send(spec, ignoreSendError);
  return {
    get pid() {
      return child.pid;
    },
    kill: (signal) => void child.kill(signal),
    done,
  };
}
