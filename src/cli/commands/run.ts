// `dlab run <experiment> [--option value ...] [--json] [--resume <run>] [--checkpoint-every N]`:
// one subcommand per experiment, its flags generated from the experiment's typed options
// (camelCase key -> --kebab-case flag). Every run is recorded in the run store.

import { Command, Option } from 'commander';
import { experiments } from '../../lab/registry.js';
import { kebab, ruleOf, type GivenValue, type OptionSpec } from '../../lab/experiment.js';
import { exitCodeOf, runExperiment, type AnyExperiment } from '../../lab/runner.node.js';
import { integer, valueParser } from '../parse.js';

export const specsOf = (experiment: AnyExperiment) => Object.entries(experiment.options) as [string, OptionSpec][];

/** The experiment options given on the command line (not those left at their defaults); null: none. */
export function givenOptions(cmd: Command, experiment: AnyExperiment): Record<string, GivenValue> {
  const flags = cmd.opts() as Record<string, GivenValue>;
  const given: Record<string, GivenValue> = {};
  for (const [key] of specsOf(experiment)) if (cmd.getOptionValueSource(key) === 'cli') given[key] = flags[key];
  return given;
}

function addExperiment(run: Command, experiment: AnyExperiment): void {
  const cmd = run.command(experiment.name).description(experiment.summary);
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
      });
    } catch (e) {
      return cmd.error(`dlab run ${experiment.name}: ${(e as Error).message}`);
    }
    if (flags.json) process.stdout.write(JSON.stringify(result.metrics) + '\n');
    if (result.status === 'interrupted') process.exitCode = exitCodeOf(result.signal ?? 'SIGINT');
  });
}

export function registerRun(program: Command): void {
  const run = program.command('run').description('run an experiment (dlab run <experiment> --help for its options)');
  for (const experiment of experiments) addExperiment(run, experiment);
}
