// What an experiment is: a name, typed options with defaults and help, and run(options, ctx).
// Experiments know nothing of the terminal or the browser; the context carries that.

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

export interface RunContext {
  /** Record metrics at a step and/or epoch (kept for reports and comparison). */
  log(metrics: Record<string, number>, at: { step?: number; epoch?: number }): void;
  /** A line of human-readable output. */
  print(line: string): void;
  /** A progress bar over `total` units. */
  progress(total: number, label: string): Progress;
}

export interface Experiment<O extends { [K in keyof O]: OptionValue }> {
  name: string;
  /** One line for `dlab list`. */
  summary: string;
  options: OptionSpecs<O>;
  run(options: O, ctx: RunContext): Promise<Metrics>;
}

/** Type helper: infers O from the option specs. */
export function defineExperiment<O extends { [K in keyof O]: OptionValue }>(experiment: Experiment<O>): Experiment<O> {
  return experiment;
}

/** The defaults of an experiment's options, overridden by `given`. */
export function resolveOptions<O extends { [K in keyof O]: OptionValue }>(experiment: Experiment<O>, given: Partial<O>): O {
  const out = {} as O;
  for (const key of Object.keys(experiment.options) as (keyof O)[]) {
    const spec = experiment.options[key];
    const value = given[key] ?? spec.default;
    if (spec.choices && !spec.choices.includes(value as never)) {
      throw new RangeError(`--${String(key)}: '${String(value)}' is not one of ${spec.choices.join(', ')}`);
    }
    out[key] = value as O[keyof O];
  }
  return out;
}
