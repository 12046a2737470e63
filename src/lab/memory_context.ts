// A RunContext that keeps everything in memory: for a page that shows a run itself, for tests,
// and for calling an experiment from code. Browser-safe; no store, no files, no checkpoints
// (ctx.checkpoint only yields, and honours stop()).

import type { Module } from '../nn/module.js';
import type { Artifact } from './artifact.js';
import { Interrupted, type Extra, type FileAccess, type ModelFolderConfig, type Progress, type Resumed, type RunContext, type TrainState } from './experiment.js';

export interface LoggedMetrics {
  metrics: Record<string, number>;
  step?: number;
  epoch?: number;
}

export class MemoryContext implements RunContext {
  readonly logged: LoggedMetrics[] = [];
  readonly lines: string[] = [];
  readonly artifacts = new Map<string, Artifact>();
  /** Models an experiment saved, kept here (by name) when no file access was given. */
  readonly models = new Map<string, { model: Module; config: ModelFolderConfig; extra?: Record<string, string | Uint8Array> }>();
  private stopRequested = false;

  /**
   * Files, as the caller gives them (tests in Node pass src/lab/files.node.ts's); by default none to
   * read, and a saved model is kept in `models`.
   */
  readonly files: FileAccess;

  constructor(private readonly options: { echo?: (line: string) => void; yieldEvery?: number; files?: FileAccess } = {}) {
    this.files = options.files ?? {
      read: (path) => {
        throw new Error(`${path}: this run has no file system (give MemoryContext { files })`);
      },
      saveModel: (name, model, config, extra) => {
        this.models.set(name, { model, config, extra });
        return name;
      },
    };
  }

  /** Ask the run to stop at its next checkpoint call (it then throws Interrupted). */
  stop(): void {
    this.stopRequested = true;
  }

  log(metrics: Record<string, number>, at: { step?: number; epoch?: number }): void {
    this.logged.push({ metrics, ...at });
  }

  print(line: string): void {
    this.lines.push(line);
    this.options.echo?.(line);
  }

  progress(): Progress {
    return { update() {}, finish() {} };
  }

  async checkpoint(_state: TrainState, at: { epoch: number; step: number; extra?: () => Extra | Promise<Extra> }): Promise<void> {
    // Yield now and then (a page stays responsive; a stop() from a handler gets seen).
    if (at.step % (this.options.yieldEvery ?? 1) === 0) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    if (this.stopRequested) throw new Interrupted(at.epoch, at.step);
  }

  resume(): Resumed | undefined {
    return undefined;
  }

  artifact(name: string, artifact: Artifact): void {
    this.artifacts.set(name, artifact);
  }

  /** The values of one metric in logging order. */
  series(name: string): number[] {
    return this.logged.filter((l) => name in l.metrics).map((l) => l.metrics[name]);
  }
}
