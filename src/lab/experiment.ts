// What an experiment is: a name, typed options with defaults and help, and run(options, ctx).
// Experiments know nothing of the terminal, the run store or the browser; the context carries
// that (the Node runner binds it to SQLite and files, a page would bind it to its own widgets).

import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Stateful } from '../io/checkpoint.js';
import type { Artifact } from './artifact.js';
import { deviceRefusal } from './device-name.js';

export type OptionValue = number | string | boolean;

/** An option's value as given or recorded: null is none (`--max-tokens none`); the experiment then sees undefined. */
export type GivenValue = OptionValue | null;

/** What an option takes: 'integer' is a number that must be whole (counts, sizes, seeds); 'device' a device name (lab/device.ts). */
export type OptionKind = 'integer' | 'number' | 'string' | 'boolean' | 'device';

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
  /** Also takes none: 'none' on the command line, null when recorded. */
  optional?: boolean;
}

/**
 * An experiment's option: its default gives its type; `integer` and the bounds narrow a number.
 * An option may have no value (the experiment sees undefined): `optional: true` lets one give
 * 'none', and `default: null` (with its `type`) makes none the default, for a value the
 * experiment works out itself (cnn's lr: the model's own), which its `resolve` then fills in.
 */
export interface OptionSpec<T extends OptionValue = OptionValue> extends Bounds {
  default: T | null;
  /** The type of an option whose default is null; 'device': a device name as torch.device reads it (lab/device.ts). */
  type?: 'number' | 'string' | 'boolean' | 'device';
  /** Takes none too (implied by `default: null`). */
  optional?: boolean;
  help: string;
  choices?: readonly T[];
  /** A number that must be whole. */
  integer?: boolean;
}

/** The rule an experiment option's values follow. */
export function ruleOf(spec: OptionSpec): ValueRule {
  const type = spec.type ?? (typeof spec.default as 'number' | 'string' | 'boolean');
  if (type === 'device') return { kind: 'device', ...((spec.optional || spec.default === null) && { optional: true }) };
  const optional = spec.optional || spec.default === null;
  return { kind: type === 'number' && spec.integer ? 'integer' : type, choices: spec.choices, min: spec.min, max: spec.max, positive: spec.positive, ...(optional && { optional }) };
}

/** A value as the header, reports and flags spell it: none for no value. */
export const optionText = (value: GivenValue | undefined): string => (value === null || value === undefined ? 'none' : String(value));

/** What a rule accepts, for messages: 'a positive integer', 'a number in [0, 1]', 'one of sgd, adam'. */
export function expectedValue(rule: ValueRule): string {
  if (rule.optional) return `${expectedValue({ ...rule, optional: false })} or none`;
  if (rule.choices) return `one of ${rule.choices.join(', ')}`;
  if (rule.kind === 'boolean') return 'true or false';
  if (rule.kind === 'string') return 'text';
  if (rule.kind === 'device') return 'cpu, webgpu or webgpu:0';
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
export function isValue(rule: ValueRule, value: unknown): value is GivenValue {
  if (value === null) return Boolean(rule.optional);
  if (rule.kind === 'boolean') return typeof value === 'boolean';
  if (rule.kind === 'string') return typeof value === 'string' && (!rule.choices || rule.choices.includes(value));
  if (rule.kind === 'device') return typeof value === 'string' && deviceRefusal(value) === undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.kind === 'integer' && !Number.isInteger(value)) return false;
  if (rule.choices && !rule.choices.includes(value)) return false;
  const { min, max, positive } = rule;
  return (min === undefined || value >= min) && (max === undefined || value <= max) && (!positive || value > 0);
}

/**
 * Command-line text as a value the rule accepts ('true'/'1', 'false'/'0' for booleans; 'none':
 * null, where the option takes none), or undefined.
 */
export function parseValue(rule: ValueRule, raw: string): GivenValue | undefined {
  let value: GivenValue | undefined = raw;
  if (rule.optional && raw.trim() === 'none') value = null;
  else if (rule.kind === 'integer' || rule.kind === 'number') value = raw.trim() === '' ? NaN : Number(raw);
  else if (rule.kind === 'boolean') value = raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined;
  return isValue(rule, value) ? value : undefined;
}

/**
 * Why `value` is refused, for messages after the flag: the device model's own words for a device
 * ("dlab has no device 'cuda'; ..."), else 'expected <what the rule accepts>'.
 */
export function refusal(rule: ValueRule, value: unknown): string {
  const why = rule.kind === 'device' && typeof value === 'string' ? deviceRefusal(value) : undefined;
  return why ?? `expected ${expectedValue(rule)}`;
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
   * `extra` is called only when a checkpoint is written (a loop on a GPU reads its sums there, hence the promise).
   */
  checkpoint(state: TrainState, at: { epoch: number; step: number; extra?: () => Extra | Promise<Extra> }): Promise<void>;
  /**
   * On a resumed run, loads the last checkpoint into `state` (weights, optimizer, scheduler and
   * the random generator) and says where it stopped; undefined on a fresh run.
   */
  resume(state: TrainState): Resumed | undefined;
  /** Keep a plot, an image grid, a table or a paragraph with the run (and in its report). */
  artifact(name: string, artifact: Artifact): void;
  /** Files: a user's input file, a trained model kept with the run. Absent where there are none (a page). */
  files?: FileAccess;
}

/** What a model folder's config.json holds: the model's type, then whatever its builder needs. */
export interface ModelFolderConfig {
  model_type: string;
  [setting: string]: unknown;
}

/** The file system as an experiment sees it (in Node: src/lab/files.node.ts). */
export interface FileAccess {
  /** The bytes of a file the user named (e.g. --text); the error names the path. */
  read(path: string): Uint8Array;
  /**
   * Save a trained model with the run as a folder (config.json + model.safetensors, plus `extra`
   * files such as a tokenizer's vocabulary, by file name); returns the folder. A name with a slash
   * ('model/judge') is a folder inside another model's folder.
   */
  saveModel(name: string, model: Module, config: ModelFolderConfig, extra?: Record<string, string | Uint8Array>): string;
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

type Values<O> = { [K in keyof O]: OptionValue | undefined };

/**
 * An experiment: typed options O (undefined where an option has no value) and what `run` sees, R:
 * the options after `resolve`, which fills in what the experiment works out itself (cnn's lr is
 * its model's own unless given), so the run header, the recorded options and the report show the
 * value the run used. Without `resolve`, R is O.
 */
export interface Experiment<O extends Values<O>, R = O> {
  name: string;
  /** One line for `dlab list`. */
  summary: string;
  options: OptionSpecs<O>;
  resolve?(options: O): R;
  run(options: R, ctx: RunContext): Promise<Metrics>;
}

/** The value type of one option spec: its default's, widened, or its `type`'s. */
type ValueOf<S> = S extends { default: infer T }
  ? T extends number ? number : T extends boolean ? boolean : T extends string ? string
  : S extends { type: 'number' } ? number : S extends { type: 'boolean' } ? boolean : S extends { type: 'string' | 'device' } ? string : never
  : never;

/**
 * The options type an experiment's specs describe: `{ lr: { default: 0.1 } }` gives `{ lr: number }`,
 * `{ lr: { default: null, type: 'number' } }` and `{ lr: { default: 0.1, optional: true } }` give `{ lr: number | undefined }`.
 */
export type OptionsOf<S> = {
  [K in keyof S]: ValueOf<S[K]> | (S[K] extends { default: null } | { optional: true } ? undefined : never);
};

/** Type helper: the options type is inferred from the specs (widened, so any number may be passed). */
export function defineExperiment<S extends Record<string, OptionSpec>, R = OptionsOf<S>>(experiment: {
  name: string;
  summary: string;
  options: S;
  resolve?(options: OptionsOf<S>): R;
  run(options: R, ctx: RunContext): Promise<Metrics>;
}): Experiment<OptionsOf<S>, R> {
  return experiment as unknown as Experiment<OptionsOf<S>, R>;
}

/**
 * The options a run uses: those given (null: none), the rest at their defaults, each checked
 * against its rule, then resolved by the experiment. Where an option has none it is undefined.
 */
export function resolveOptions<O extends Values<O>, R>(experiment: Experiment<O, R>, given: { [K in keyof O]?: GivenValue }): R {
  const out = {} as O;
  for (const key of Object.keys(given) as (keyof O)[]) {
    if (!(key in experiment.options)) throw new RangeError(`${experiment.name} has no option '${String(key)}'`);
  }
  for (const key of Object.keys(experiment.options) as (keyof O)[]) {
    const spec = experiment.options[key];
    const value = given[key] === undefined ? spec.default : given[key];
    const rule = ruleOf(spec);
    if (!isValue(rule, value)) {
      const message = `--${kebab(String(key))}: ${refusal(rule, value)}, got '${String(value)}'`;
      const rightType = typeof value === rule.kind || (typeof value === 'number' && rule.kind === 'integer') || (typeof value === 'string' && rule.kind === 'device');
      throw rightType ? new RangeError(message) : new TypeError(message);
    }
    out[key] = (value ?? undefined) as O[keyof O];
  }
  return experiment.resolve ? experiment.resolve(out) : (out as unknown as R);
}
