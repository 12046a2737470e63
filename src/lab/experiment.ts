// What an experiment is: a name, typed options with defaults and help, and run(options, ctx).
// Experiments know nothing of the terminal, the run store or the browser; the context carries
// that (the Node runner binds it to SQLite and files, a page would bind it to its own widgets).

import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Stateful } from '../io/checkpoint.js';
import type { Artifact } from './artifact.js';

export type OptionValue = number | string | boolean;

/** What an option takes: 'integer' is a number that must be whole (counts, sizes, seeds). */
export type OptionKind = 'integer' | 'number' | 'string' | 'boolean';

/** The numbers an option takes: from `min` to `max` (both included); `positive`: above 0 (a learning rate). */
export interface Bounds {
  min?: number;
  max?: number;
  positive?: boolean;
}

/** Which values an option accepts; every command-line value is checked against one before anything runs. */
export interface ValueRule extends Bounds {
  kind: OptionKind;
  choices?: readonly OptionValue[];
}

/** An experiment's option: its default gives its type; `integer` and the bounds narrow a number. */
export interface OptionSpec<T extends OptionValue = OptionValue> extends Bounds {
  default: T;
  help: string;
  choices?: readonly T[];
  /** A number that must be whole. */
  integer?: boolean;
}

/** The rule an experiment option's values follow. */
export function ruleOf(spec: OptionSpec): ValueRule {
  const type = typeof spec.default as 'number' | 'string' | 'boolean';
  return { kind: type === 'number' && spec.integer ? 'integer' : type, choices: spec.choices, min: spec.min, max: spec.max, positive: spec.positive };
}

/** What a rule accepts, for messages: 'a positive integer', 'a number in [0, 1]', 'one of sgd, adam'. */
export function expectedValue(rule: ValueRule): string {
  if (rule.choices) return `one of ${rule.choices.join(', ')}`;
  if (rule.kind === 'boolean') return 'true or false';
  if (rule.kind === 'string') return 'text';
  const { kind, min, max, positive } = rule;
  const a = kind === 'integer' ? 'an' : 'a';
  if (max === undefined) {
    if (positive || (kind === 'integer' && min === 1)) return `a positive ${kind}`;
    if (min === 0) return `a non-negative ${kind}`;
    return min === undefined ? `${a} ${kind}` : `${a} ${kind} >= ${min}`;
  }
  if (positive) return `a ${kind} in (0, ${max}]`;
  return min === undefined ? `${a} ${kind} <= ${max}` : `${a} ${kind} in [${min}, ${max}]`;
}

/** Whether `value` is one the rule accepts (type, choices, whole, bounds; numbers are finite). */
export function isValue(rule: ValueRule, value: unknown): value is OptionValue {
  if (rule.kind === 'boolean') return typeof value === 'boolean';
  if (rule.kind === 'string') return typeof value === 'string' && (!rule.choices || rule.choices.includes(value));
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.kind === 'integer' && !Number.isInteger(value)) return false;
  if (rule.choices && !rule.choices.includes(value)) return false;
  const { min, max, positive } = rule;
  return (min === undefined || value >= min) && (max === undefined || value <= max) && (!positive || value > 0);
}

/** Command-line text as a value the rule accepts ('true'/'1', 'false'/'0' for booleans), or undefined. */
export function parseValue(rule: ValueRule, raw: string): OptionValue | undefined {
  let value: OptionValue | undefined = raw;
  if (rule.kind === 'integer' || rule.kind === 'number') value = raw.trim() === '' ? NaN : Number(raw);
  else if (rule.kind === 'boolean') value = raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined;
  return isValue(rule, value) ? value : undefined;
}

/** An option key as its command-line flag is spelled: trainSize -> train-size (--train-size). */
export const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export type OptionSpecs<O> = { [K in keyof O]: OptionSpec<O[K] & OptionValue> };

/** Final results of a run: numbers and short strings, printed as a table or one JSON line. */
export type Metrics = Record<string, number | string>;

export interface Progress {
  /** `done` units of `total` finished; `values` are shown live (loss, accuracy, ...). */
  update(done: number, values?: Record<string, number>): void;
  finish(): void;
}

export type { Stateful };

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
  /**
   * Keep a trained model with the run as a model folder named `name` (config.json with its
   * `model_type` + model.safetensors; io/model_folder.node.ts), the layout `dlab generate` loads.
   * Returns where it went (a path; in memory, the name).
   */
  saveModel(name: string, model: Module, config: SavedModelConfig): string;
}

/** A model folder's config.json: the model's type and whatever its builder needs. */
export interface SavedModelConfig {
  model_type: string;
  [setting: string]: unknown;
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
    const rule = ruleOf(spec);
    if (!isValue(rule, value)) {
      const message = `--${kebab(String(key))}: expected ${expectedValue(rule)}, got '${String(value)}'`;
      throw typeof value === typeof spec.default ? new RangeError(message) : new TypeError(message);
    }
    out[key] = value as O[keyof O];
  }
  return out;
}
