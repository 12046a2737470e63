// What an experiment is: a name, typed options with defaults and help, and run(options, ctx).
// Experiments know nothing of the terminal, the run store or the browser; the context carries
// that (the Node runner binds it to SQLite and files, a page would bind it to its own widgets).

import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Artifact } from './artifact.js';

export type OptionValue = number | string | boolean;

export interface OptionSpec<T extends OptionValue = OptionValue> {
  default: T;
  help: string;
  choices?: readonly T[];
}

export type OptionSpecs<O> = { [K in keyof O]: OptionSpec<O[K] & OptionValue> };

/** Final results of a run: numbers and short strings, printed as a table or one JSON line. */
export type Metrics = Record<string, number | string>;

export interface Progress {
  /** `done` units of `total` finished; `values` are shown live (loss, accuracy, ...). */
  update(done: number, values?: Record<string, number>): void;
  finish(): void;
}

/** Anything with PyTorch's stateDict / loadStateDict pair (an LR scheduler, ReduceLROnPlateau). */
export interface Stateful {
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}

/**
 * What a checkpoint holds besides the position and the experiment's own `extra` values. With no
 * model, ctx.checkpoint writes nothing but still honours a stop request (a resume then restarts).
 */
export interface TrainState {
  model?: Module;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  optimizer?: Optimizer<any>;
  scheduler?: Stateful | null;
  /** A StatefulDataLoader (io/checkpoint.ts), so a resume continues mid-epoch with the same shuffle. */
  loader?: Stateful;
}

/** A JSON-serializable value an experiment keeps in its checkpoints (counters, running sums). */
export type Extra = Record<string, unknown>;

/** Where a resumed run stopped, as the last checkpoint recorded it. */
export interface Resumed {
  epoch: number;
  step: number;
  extra: Extra;
}

export interface RunContext {
  /** Record metrics at a step and/or epoch (kept for reports and comparison). */
  log(metrics: Record<string, number>, at: { step?: number; epoch?: number }): void;
  /** A line of human-readable output. */
  print(line: string): void;
  /** A progress bar over `total` units. */
  progress(total: number, label: string): Progress;
  /**
   * Call after each optimizer step. Saves a checkpoint when one is due (every N steps) or when
   * the run was asked to stop (Ctrl-C), and in that case then throws `Interrupted`. Awaiting it
   * also lets the event loop run, so a signal or a page's stop button is seen between steps.
   * `extra` is called only when a checkpoint is written.
   */
  checkpoint(state: TrainState, at: { epoch: number; step: number; extra?: () => Extra }): Promise<void>;
  /**
   * On a resumed run, loads the last checkpoint into `state` (weights, optimizer, scheduler and
   * the random generator) and says where it stopped; undefined on a fresh run.
   */
  resume(state: TrainState): Resumed | undefined;
  /** Keep a plot, an image grid, a table or a paragraph with the run (and in its report). */
  artifact(name: string, artifact: Artifact): void;
}

/** Thrown out of ctx.checkpoint once a stop request has been saved; the runner catches it. */
export class Interrupted extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
  ) {
    super(`interrupted at epoch ${epoch}, step ${step}`);
    this.name = 'Interrupted';
  }
}

/**
 * The loss of a step as a number. Every experiment passes each step's loss through this, so a run
 * that diverges (NaN or Inf, often a too large learning rate) stops and fails there, naming the step.
 */
export function finiteLoss(loss: number | { item(): number }, at: { epoch: number; step: number }): number {
  const value = typeof loss === 'number' ? loss : loss.item();
  if (!Number.isFinite(value)) {
    const name = Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
    throw new Error(`loss is ${name} at epoch ${at.epoch}, step ${at.step}; try a smaller --lr`);
  }
  return value;
}

export interface Experiment<O extends { [K in keyof O]: OptionValue }> {
  name: string;
  /** One line for `dlab list`. */
  summary: string;
  options: OptionSpecs<O>;
  run(options: O, ctx: RunContext): Promise<Metrics>;
}

/** The options type an experiment's specs describe: `{ lr: { default: 0.1 } }` gives `{ lr: number }`. */
export type OptionsOf<S> = {
  [K in keyof S]: S[K] extends { default: infer T } ? (T extends number ? number : T extends boolean ? boolean : T extends string ? string : never) : never;
};

/** Type helper: the options type is inferred from the specs (widened, so any number may be passed). */
export function defineExperiment<S extends Record<string, OptionSpec>>(experiment: {
  name: string;
  summary: string;
  options: S;
  run(options: OptionsOf<S>, ctx: RunContext): Promise<Metrics>;
}): Experiment<OptionsOf<S>> {
  return experiment as unknown as Experiment<OptionsOf<S>>;
}

/** The defaults of an experiment's options, overridden by `given`. */
export function resolveOptions<O extends { [K in keyof O]: OptionValue }>(experiment: Experiment<O>, given: Partial<O>): O {
  const out = {} as O;
  for (const key of Object.keys(given) as (keyof O)[]) {
    if (!(key in experiment.options)) throw new RangeError(`${experiment.name} has no option '${String(key)}'`);
  }
  for (const key of Object.keys(experiment.options) as (keyof O)[]) {
    const spec = experiment.options[key];
    const value = given[key] ?? spec.default;
    if (typeof value !== typeof spec.default) {
      throw new TypeError(`--${String(key)}: expected a ${typeof spec.default}, got '${String(value)}'`);
    }
    if (spec.choices && !spec.choices.includes(value as never)) {
      throw new RangeError(`--${String(key)}: '${String(value)}' is not one of ${spec.choices.join(', ')}`);
    }
    out[key] = value as O[keyof O];
  }
  return out;
}
