// `dlab run <experiment> [--option value ...] [--json] [--resume <run>] [--checkpoint-every N]`:
// one subcommand per experiment, its flags generated from the experiment's typed options
// (camelCase key -> --kebab-case flag). Every run is recorded in the run store.
// `dlab run ./my-experiment.ts` runs a user's own defineExperiment the same way: the file is
// loaded before commander parses, and its experiment gets a subcommand named by the path given.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { experiments } from '../../lab/registry.js';
import { kebab, ruleOf, type GivenValue, type OptionSpec } from '../../lab/experiment.js';
import { exitCodeOf, runExperiment, type AnyExperiment } from '../../lab/runner.node.js';
import { RunStore } from '../../lab/store.node.js';
import { integer, valueParser } from '../parse.js';
import { importUserModule, USER_MODULE_EXTENSIONS } from '../user-module.js';

export const specsOf = (experiment: AnyExperiment) => Object.entries(experiment.options) as [string, OptionSpec][];

/** The experiment options given on the command line (not those left at their defaults); null: none. */
export function givenOptions(cmd: Command, experiment: AnyExperiment): Record<string, GivenValue> {
  const flags = cmd.opts() as Record<string, GivenValue>;
  const given: Record<string, GivenValue> = {};
  for (const [key] of specsOf(experiment)) if (cmd.getOptionValueSource(key) === 'cli') given[key] = flags[key];
  return given;
}

/** `dlab run`'s argument names a user's file (./x.ts, ../x.mjs, /abs/x.js, x.mts), not a built-in experiment. */
export const isExperimentFile = (arg: string): boolean => /^\.{0,2}\//.test(arg) || USER_MODULE_EXTENSIONS.test(arg);

const isExperiment = (value: unknown): value is AnyExperiment => {
  const e = value as Partial<AnyExperiment> | null;
  return typeof e === 'object' && e !== null && typeof e.name === 'string' && typeof e.run === 'function' && typeof e.options === 'object';
};

/** The experiment a user's file exports: its default export, or its one named export made by defineExperiment. */
export async function loadExperimentFile(path: string): Promise<AnyExperiment> {
  const mod = await importUserModule(path);
  if (isExperiment(mod.default)) return mod.default;
  const named = Object.entries(mod).filter(([, v]) => isExperiment(v));
  if (named.length === 1) return named[0][1] as AnyExperiment;
  if (named.length === 0) throw new Error(`${path} exports no experiment: export default defineExperiment({ name, summary, options, run }) (from 'dlab/lab')`);
  throw new Error(`${path} exports several experiments (${named.map(([k]) => k).join(', ')}): make the one to run its default export`);
}

function addExperiment(run: Command, experiment: AnyExperiment, file?: { arg: string; path: string }): void {
  const cmd = run.command(file?.arg ?? experiment.name).description(file ? `${experiment.name} (${file.path}): ${experiment.summary}` : experiment.summary);
  for (const [key, spec] of specsOf(experiment)) {
    const rule = ruleOf(spec);
    const flag = rule.kind === 'boolean' ? `--${kebab(key)} [bool]` : `--${kebab(key)} <value>`;
    // An option whose default is none shows no default; its help says what none means.
    const option = new Option(flag, spec.help);
    if (spec.default !== null) option.default(spec.default);
    // Choices first: they show in the help, and then the rule's parser replaces commander's check.
    if (spec.choices) option.choices([...spec.choices.map(String), ...(rule.optional ? ['none'] : [])]);
    const parse = valueParser(rule);
    cmd.addOption(option.argParser((raw?: string) => parse(raw ?? 'true')));
  }
  cmd.option('--json', 'print the final metrics as one JSON object on the last line');
  cmd.option('--resume <run>', 'continue an interrupted run from its last checkpoint (same options)', integer({ min: 1 }));
  cmd.option('--checkpoint-every <steps>', 'save a checkpoint every N optimizer steps (0: only when stopped; --resume keeps the run\'s unless given)', integer({ min: 0 }), 500);
  cmd.addOption(new Option('--no-report', 'skip writing the HTML report'));
  cmd.addOption(new Option('--sweep <id>', 'the sweep this run belongs to').argParser(integer({ min: 1 })).hideHelp());
  cmd.action(async (flags: { json?: boolean; resume?: number; checkpointEvery: number; report: boolean; sweep?: number }) => {
    let result;
    try {
      result = await runExperiment({
        experiment,
        given: givenOptions(cmd, experiment),
        json: Boolean(flags.json),
        resume: flags.resume,
        // A resume keeps the run's own interval unless the flag is given again.
        checkpointEvery: flags.resume !== undefined && cmd.getOptionValueSource('checkpointEvery') !== 'cli' ? undefined : flags.checkpointEvery,
        report: flags.report,
        sweepId: flags.sweep ?? null,
        source: file?.path,
      });
    } catch (e) {
      return cmd.error(`dlab run ${file?.arg ?? experiment.name}: ${(e as Error).message}`);
    }
    if (flags.json) process.stdout.write(JSON.stringify(result.metrics) + '\n');
    if (result.status === 'interrupted') process.exitCode = exitCodeOf(result.signal ?? 'SIGINT');
  });
}

/**
 * Registers `dlab run` with a subcommand per built-in experiment, and, where `argv` runs a user's
 * file, one for the experiment that file exports (loaded now, so that its options become flags).
 */
export async function registerRun(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  const run = program.command('run').description('run an experiment: a built-in one or ./your-experiment.ts (dlab run <experiment> --help for its options)');
  for (const experiment of experiments) addExperiment(run, experiment);
  const [command, arg] = argv.slice(2);
  if (command !== 'run' || arg === undefined || arg.startsWith('-') || experiments.some((e) => e.name === arg)) return;
  if (isExperimentFile(arg)) {
    const path = resolve(arg);
    let experiment: AnyExperiment;
    try {
      experiment = await loadExperimentFile(path);
    } catch (e) {
      return program.error(`dlab run ${arg}: ${(e as Error).message}`);
    }
    addExperiment(run, experiment, { arg, path });
    return;
  }
  // A user's experiment named without its file: its run says which file to give.
  const resume = argv.indexOf('--resume');
  const runId = resume === -1 ? NaN : Number(argv[resume + 1]);
  if (!Number.isInteger(runId)) return;
  const store = new RunStore();
  let source: string | null = null;
  try {
    const record = store.getRun(runId);
    if (record.experiment === arg) source = record.source;
  } catch {
    return; // no such run: commander names the unknown experiment
  } finally {
    store.close();
  }
  if (source) program.error(`dlab run ${arg}: run ${runId} ran the experiment in ${source}${existsSync(source) ? '' : ' (no longer there)'}: resume it with dlab run ${source} --resume ${runId}`);
}
