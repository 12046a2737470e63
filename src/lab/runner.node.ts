/// <reference types="node" />
// The Node runner: runs an experiment as a recorded run. It binds the experiment's context to
// the terminal (progress, lines), the run store (metrics, artifacts, status) and the run's
// folder (checkpoints, artifact files, the report), and turns Ctrl-C into a saved checkpoint and
// a clean exit that `--resume <id>` continues from.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.node.js';
import type { Artifact } from './artifact.js';
import { ConsoleContext } from './console.node.js';
import {
  Interrupted,
  resolveOptions,
  type Experiment,
  type Extra,
  type Metrics,
  type OptionValue,
  type Resumed,
  type RunContext,
  type TrainState,
} from './experiment.js';
import { writeReport } from './report.node.js';
import { RunStore, type RunStatus } from './store.node.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperiment = Experiment<any>;

// The runner's own entry in a checkpoint's extra: the last metric row the checkpoint covers.
const LAB_KEY = '__lab';

export class NodeRunContext extends ConsoleContext implements RunContext {
  /** Set by the first Ctrl-C; the next ctx.checkpoint saves and throws Interrupted. */
  stopRequested = false;
  private lastSaved = -1;

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

  get checkpointPath(): string {
    return join(this.dir, 'checkpoint.safetensors');
  }

  log(metrics: Record<string, number>, at: { step?: number; epoch?: number }): void {
    this.store.logMetrics(this.runId, metrics, at);
  }

  async checkpoint(state: TrainState, at: { epoch: number; step: number; extra?: () => Extra }): Promise<void> {
    // Let the event loop run: a SIGINT handler (or anything else queued) gets its turn here.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const due = this.checkpointEvery > 0 && at.step > 0 && at.step % this.checkpointEvery === 0;
    if ((due || this.stopRequested) && state.model && this.lastSaved !== at.step) {
      const extra = { ...(at.extra?.() ?? {}), [LAB_KEY]: { metricId: this.store.lastMetricId(this.runId) } };
      saveCheckpoint(this.checkpointPath, {
        model: state.model,
        optimizer: state.optimizer,
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
    // Findings in words belong in the terminal too, not only in the report.
    if (artifact.kind === 'text') this.print(['', artifact.title, ...artifact.paragraphs.map((p) => `  ${p}`)].join('\n'));
  }
}

export interface RunRequest {
  experiment: AnyExperiment;
  /** Options given explicitly (the rest take their defaults). */
  given: Record<string, OptionValue>;
  /** Continue this interrupted (or failed) run from its last checkpoint. */
  resume?: number;
  json?: boolean;
  checkpointEvery?: number;
  sweepId?: number | null;
  /** Write the HTML report at the end (default true). */
  report?: boolean;
  store?: RunStore;
}

export interface RunResult {
  runId: number;
  status: Exclude<RunStatus, 'running'>;
  metrics: Metrics;
  reportPath?: string;
}

/** Run an experiment as a recorded run (fresh or resumed). Resolves also when interrupted. */
export async function runExperiment(request: RunRequest): Promise<RunResult> {
  const { experiment, json = false, checkpointEvery = 0 } = request;
  const store = request.store ?? new RunStore();
  let runId: number;
  let options: Record<string, OptionValue>;
  if (request.resume !== undefined) {
    const run = store.getRun(request.resume);
    if (run.experiment !== experiment.name) throw new Error(`run ${run.id} is a ${run.experiment} run, not ${experiment.name}`);
    if (run.status === 'completed') throw new Error(`run ${run.id} has completed; there is nothing to resume`);
    if (run.status === 'running' && !store.isOrphaned(run)) {
      throw new Error(`run ${run.id} is still running (process ${run.pid} on ${run.host}); only an interrupted, failed or dead run can be resumed`);
    }
    for (const [k, v] of Object.entries(request.given)) {
      if (run.options[k] !== v) throw new Error(`--resume keeps the run's options: ${k} was ${String(run.options[k])}, not ${String(v)}`);
    }
    options = resolveOptions(experiment, run.options);
    runId = run.id;
    store.reopen(runId);
  } else {
    options = resolveOptions(experiment, request.given);
    runId = store.createRun(experiment.name, options, request.sweepId ?? null);
  }
  const ctx = new NodeRunContext(store, runId, json, checkpointEvery, request.resume !== undefined);

  const onSigint = () => {
    if (ctx.stopRequested) {
      // A second Ctrl-C: stop now, without waiting for the next step.
      store.finish(runId, 'interrupted');
      process.exit(130);
    }
    ctx.stopRequested = true;
    process.stderr.write(`\nstopping run ${runId}: saving a checkpoint at the next step (Ctrl-C again to quit at once)\n`);
  };
  process.on('SIGINT', onSigint);
  const started = performance.now();
  try {
    ctx.print(`run ${runId}: ${experiment.name} ${Object.entries(options).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    const metrics = await experiment.run(options as never, ctx);
    ctx.closeBars();
    const final = { ...metrics, run_id: runId };
    store.finish(runId, 'completed', final);
    const seconds = (performance.now() - started) / 1000;
    let reportPath: string | undefined;
    if (request.report !== false) reportPath = await writeReport(store, runId);
    if (!json) {
      ctx.print(`\n${experiment.name}: done in ${seconds.toFixed(1)} s (run ${runId})`);
      for (const [k, v] of Object.entries(metrics)) ctx.print(`  ${k.padEnd(24)} ${typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(6) : v}`);
    }
    if (reportPath) ctx.print(`report: ${reportPath}`);
    return { runId, status: 'completed', metrics: final, reportPath };
  } catch (e) {
    ctx.closeBars();
    if (e instanceof Interrupted) {
      store.finish(runId, 'interrupted');
      const saved = existsSync(ctx.checkpointPath) ? `checkpoint saved; continue with: dlab run ${experiment.name} --resume ${runId}` : 'no checkpoint to resume from';
      process.stderr.write(`run ${runId} ${e.message}; ${saved}\n`);
      return { runId, status: 'interrupted', metrics: { run_id: runId, status: 'interrupted', epoch: e.epoch, step: e.step } };
    }
    store.finish(runId, 'failed', null, e instanceof Error ? e.message : String(e));
    throw e;
  } finally {
    ctx.closeBars();
    process.off('SIGINT', onSigint);
  }
}
