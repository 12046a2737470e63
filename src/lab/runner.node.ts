/// <reference types="node" />
// The Node runner: runs an experiment as a recorded run. It binds the experiment's context to
// the terminal (progress, lines), the run store (metrics, artifacts, status) and the run's
// folder (checkpoints, artifact files, the report), and turns Ctrl-C (SIGINT), SIGTERM and SIGHUP
// into a saved checkpoint and a clean exit that `--resume <id>` continues from.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, join } from 'node:path';
import * as webgpu from '../backend/webgpu/api.js';
import { loadCheckpoint, removeStaleTemps, saveCheckpoint } from '../io/checkpoint.node.js';
import type { Artifact } from './artifact.js';
import { ConsoleContext } from './console.node.js';
import { cpuCheckpointState, defaultDevice, useDevice } from './device.js';
import { nodeFileAccess } from './files.node.js';
import {
  Interrupted,
  resolveOptions,
  type Experiment,
  type Extra,
  type FileAccess,
  optionText,
  ruleOf,
  type GivenValue,
  type Metrics,
  type Resumed,
  type RunContext,
  type TrainState,
} from './experiment.js';
import { pauseAt, pausing } from './pause.node.js';
import { writeReport } from './report.node.js';
import { RunStore, type RunRecord, type RunStatus } from './store.node.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperiment = Experiment<any>;

/** How often ctx.checkpoint lets the event loop run, in ms of training. */
const YIELD_MS = 20;

// The runner's own entry in a checkpoint's extra: the last metric row the checkpoint covers.
const LAB_KEY = '__lab';

/** The signals that stop a run: Ctrl-C, `kill`, a closed terminal. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The shell's exit status of a process stopped by a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
export const exitCodeOf = (signal: NodeJS.Signals): number => 128 + os.constants.signals[signal];

export class NodeRunContext extends ConsoleContext implements RunContext {
  /** The first stop signal; the next ctx.checkpoint then saves and throws Interrupted. */
  stopSignal: StopSignal | null = null;
  private lastSaved = -1;
  private lastYield = -Infinity;
  private onStop!: () => void;
  /** Settles when a stop is requested. */
  private readonly stopped = new Promise<void>((resolve) => (this.onStop = resolve));

  constructor(
    readonly store: RunStore,
    readonly runId: number,
    quiet: boolean,
    readonly checkpointEvery: number,
    private readonly resuming: boolean,
  ) {
    super(quiet);
  }

  get dir(): string {
    return this.store.runDir(this.runId);
  }

  get files(): FileAccess {
    return nodeFileAccess(this.dir);
  }

  get checkpointPath(): string {
    return join(this.dir, 'checkpoint.safetensors');
  }

  get stopRequested(): boolean {
    return this.stopSignal !== null;
  }

  requestStop(signal: StopSignal): void {
    this.stopSignal = signal;
    this.onStop();
  }

  log(metrics: Record<string, number>, at: { step?: number; epoch?: number }): void {
    this.store.logMetrics(this.runId, metrics, at);
  }

  async checkpoint(state: TrainState, at: { epoch: number; step: number; extra?: () => Extra | Promise<Extra> }): Promise<void> {
    // Let the event loop run now and then: a SIGINT handler, the progress bar's redraw timer (or
    // anything else queued) gets its turn here. A turn on every step made an MNIST MLP epoch take
    // 7-22% more CPU time than the same loop without the runner (the turn alone costs 2 µs; the
    // work queued for it, V8's garbage-collection tasks among it, the rest), every 20 ms -5 to +4%
    // (scripts/runner-overhead.ts, 4 processes each); a stop is then seen within YIELD_MS.
    if (performance.now() - this.lastYield >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
    if (pausing) await pauseAt(`step:${at.step}`, this.stopped);
    const due = this.checkpointEvery > 0 && at.step > 0 && at.step % this.checkpointEvery === 0;
    if ((due || this.stopRequested) && state.model && this.lastSaved !== at.step) {
      const extra = { ...((await at.extra?.()) ?? {}), [LAB_KEY]: { metricId: this.store.lastMetricId(this.runId) } };
      // A model on a GPU is written from CPU copies (reading it back is asynchronous).
      const onCpu = await cpuCheckpointState(state.model, state.optimizer);
      saveCheckpoint(this.checkpointPath, {
        model: onCpu.model,
        optimizer: onCpu.optimizer,
        scheduler: state.scheduler ?? undefined,
        loader: state.loader,
        epoch: at.epoch,
        step: at.step,
        extra,
      });
      this.store.addArtifact(this.runId, 'checkpoint', 'checkpoint', this.checkpointPath);
      this.lastSaved = at.step;
    }
    if (this.stopRequested) throw new Interrupted(at.epoch, at.step);
  }

  resume(state: TrainState): Resumed | undefined {
    if (!this.resuming) return undefined;
    if (!state.model || !existsSync(this.checkpointPath)) {
      // Stopped before its first checkpoint: the run starts over, so its metrics do too.
      this.store.deleteMetricsAfter(this.runId, 0);
      return undefined;
    }
    const restored = loadCheckpoint(this.checkpointPath, {
      model: state.model,
      optimizer: state.optimizer,
      scheduler: state.scheduler ?? undefined,
      loader: state.loader,
    });
    const { [LAB_KEY]: lab, ...extra } = restored.extra as Extra & { [LAB_KEY]?: { metricId: number } };
    this.store.deleteMetricsAfter(this.runId, lab?.metricId ?? 0);
    this.lastSaved = restored.step;
    this.print(`resumed run ${this.runId} at epoch ${restored.epoch}, step ${restored.step}`);
    return { epoch: restored.epoch, step: restored.step, extra };
  }

  artifact(name: string, artifact: Artifact): void {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`artifact name '${name}': use letters, digits, '.', '-' and '_' only`);
    const dir = join(this.dir, 'artifacts');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(artifact));
    this.store.addArtifact(this.runId, artifact.kind, name, path);
    if (artifact.kind === 'file') {
      const file = join(this.dir, name);
      writeFileSync(file, artifact.text);
      this.print(`${artifact.title}: ${file}`);
    }
    // Findings in words belong in the terminal too, not only in the report.
    if (artifact.kind === 'text') this.print(['', artifact.title, ...artifact.paragraphs.map((p) => `  ${p}`)].join('\n'));
  }
}

export interface RunRequest {
  experiment: AnyExperiment;
  /** Options given explicitly (the rest take their defaults); null: none. */
  given: Record<string, GivenValue>;
  /** Continue this interrupted (or failed, or dead) run from its last checkpoint. */
  resume?: number;
  json?: boolean;
  /** Save a checkpoint every N steps (0: only when stopped). Default 0, or on a resume the run's own. */
  checkpointEvery?: number;
  sweepId?: number | null;
  /** The user's file the experiment was loaded from (`dlab run ./file.ts`), kept with the run for its resume. */
  source?: string;
  /** Write the HTML report at the end (default true). */
  report?: boolean;
  store?: RunStore;
  /** Told the run's id once it is recorded (or claimed, on a resume); training starts when it returns (or settles). */
  onRun?: (runId: number) => void | Promise<void>;
}

export interface RunResult {
  runId: number;
  status: Exclude<RunStatus, 'running'>;
  metrics: Metrics;
  reportPath?: string;
  /** What stopped an interrupted run. */
  signal?: StopSignal;
}

/** Throws unless `run` can be resumed as an `experiment` run (from the user's file `source`) by this process. */
function checkResumable(store: RunStore, run: RunRecord, experiment: AnyExperiment, source?: string): void {
  // A user's experiment is only in its file: the resume must load it again.
  if (run.source && !source) {
    throw new Error(`run ${run.id} ran the experiment in ${run.source}${existsSync(run.source) ? '' : ' (no longer there)'}: resume it with dlab run ${run.source} --resume ${run.id}`);
  }
  if (!run.source && source) throw new Error(`run ${run.id} is a run of the built-in ${run.experiment}: resume it with dlab run ${run.experiment} --resume ${run.id}`);
  if (run.experiment !== experiment.name) throw new Error(`run ${run.id} is a ${run.experiment} run, not ${experiment.name}`);
  if (run.status === 'completed') throw new Error(`run ${run.id} has completed; there is nothing to resume`);
  if (run.status === 'running' && !store.isOrphaned(run)) {
    throw new Error(`run ${run.id} is still running (process ${run.pid} on ${run.host}); only an interrupted, failed or dead run can be resumed`);
  }
}

/**
 * Whether this host may have a WebGPU adapter worth probing for. Dawn reaches a GPU on Linux only
 * through the Vulkan loader; without one, probing finds nothing and Dawn prints a warning on
 * every run, so the default device is then cpu without looking.
 */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64'];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** The keys of the experiment's device options (`--device`). */
const deviceKeys = (experiment: AnyExperiment): string[] => Object.entries(experiment.options).filter(([, spec]) => ruleOf(spec as never).kind === 'device').map(([k]) => k);

/** Run an experiment as a recorded run (fresh or resumed). Resolves also when interrupted. */
export async function runExperiment(request: RunRequest): Promise<RunResult> {
  const { experiment, json = false } = request;
  const store = request.store ?? new RunStore();
  let runId: number;
  // The options as the experiment resolved them: what the header, the store and the report show.
  let options: Record<string, GivenValue | undefined>;
  let checkpointEvery: number;
  const deviceNotes: string[] = [];
  if (request.resume !== undefined) {
    const run = store.getRun(request.resume);
    checkResumable(store, run, experiment, request.source);
    for (const [k, v] of Object.entries(request.given)) {
      if (run.options[k] !== v) throw new Error(`--resume keeps the run's options: ${k} was ${String(run.options[k])}, not ${String(v)}`);
    }
    try {
      options = resolveOptions(experiment, run.options);
    } catch (e) {
      throw new Error(`run ${run.id} was recorded with options ${experiment.name} no longer takes: ${(e as Error).message}`);
    }
    checkpointEvery = request.checkpointEvery ?? run.checkpointEvery ?? 0;
    await pauseAt('claim');
    // Another process may have resumed it since we looked: the claim succeeds for one of them only.
    if (!store.claim(run, checkpointEvery)) {
      checkResumable(store, store.getRun(run.id), experiment, request.source);
      throw new Error(`run ${run.id} changed while this process was resuming it; try again`);
    }
    runId = run.id;
  } else {
    options = resolveOptions(experiment, request.given);
    // A device left to its default is decided here, so the run records the one it used.
    for (const key of deviceKeys(experiment)) {
      if (options[key] !== undefined) continue;
      const picked = await defaultDevice(mayHaveGpu());
      options[key] = picked.device;
      if (picked.note) deviceNotes.push(picked.note);
    }
    checkpointEvery = request.checkpointEvery ?? 0;
    // Recorded with null for none, so a resume reads none again rather than the default.
    const recorded = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v ?? null]));
    runId = store.createRun(experiment.name, recorded, request.sweepId ?? null, checkpointEvery, request.source ?? null);
  }
  await request.onRun?.(runId);
  const ctx = new NodeRunContext(store, runId, json, checkpointEvery, request.resume !== undefined);

  // Once the final metrics are recorded the run stays completed: a signal then only cuts the report short.
  let completed = false;
  const onSignal = (signal: StopSignal) => {
    if (ctx.stopRequested) {
      // A second signal: stop now, without waiting for the next step.
      if (!completed) store.finish(runId, 'interrupted');
      process.exit(exitCodeOf(signal));
    }
    ctx.requestStop(signal);
    const again = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    process.stderr.write(
      completed
        ? `\nstopping run ${runId}: it has completed; writing its report (${again} again to quit without it)\n`
        : `\nstopping run ${runId}: saving a checkpoint at the next step (${again} again to quit at once)\n`,
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const started = performance.now();
  // The device the run computed on (normalized: 'webgpu:0'), reported with its metrics.
  let used: string | undefined;
  try {
    let metrics: Metrics;
    try {
      ctx.print(`run ${runId}: ${experiment.name} ${Object.entries(options).map(([k, v]) => `${k}=${optionText(v)}`).join(' ')}`);
      for (const note of deviceNotes) ctx.print(note);
      for (const key of deviceKeys(experiment)) {
        const name = options[key];
        if (typeof name !== 'string') continue;
        const device = await useDevice(name);
        used = String(device.type === 'cpu' ? device : `${device.type}:${device.index ?? 0}`);
        // The GPU stays acquired for the process (it exits all the same): releasing it and working
        // on (a next run in this process) has crashed Dawn at exit.
        if (device.type === 'webgpu') ctx.print(`device ${used}: ${webgpu.getDeviceName()}`);
      }
      metrics = await experiment.run(options as never, ctx);
    } catch (e) {
      if (e instanceof Interrupted) {
        store.finish(runId, 'interrupted');
        const saved = existsSync(ctx.checkpointPath) ? `checkpoint saved; continue with: dlab run ${request.source ?? experiment.name} --resume ${runId}` : 'no checkpoint to resume from';
        process.stderr.write(`run ${runId} ${e.message}; ${saved}\n`);
        return { runId, status: 'interrupted', metrics: { run_id: runId, status: 'interrupted', epoch: e.epoch, step: e.step }, signal: ctx.stopSignal ?? undefined };
      }
      store.finish(runId, 'failed', null, e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      ctx.closeBars();
      // A save cut short by a kill before a resume leaves a temporary file that no later save removed.
      removeStaleTemps(ctx.checkpointPath);
    }
    const final = { ...metrics, ...(used !== undefined && { device: used }), run_id: runId };
    store.finish(runId, 'completed', final);
    completed = true;
    const seconds = (performance.now() - started) / 1000;
    let reportPath: string | undefined;
    await pauseAt('report');
    if (request.report !== false) reportPath = await writeReport(store, runId);
    if (!json) {
      ctx.print(`\n${experiment.name}: done in ${seconds.toFixed(1)} s (run ${runId})`);
      for (const [k, v] of Object.entries(metrics)) ctx.print(`  ${k.padEnd(24)} ${typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(6) : v}`);
    }
    if (reportPath) ctx.print(`report: ${reportPath}`);
    return { runId, status: 'completed', metrics: final, reportPath };
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
