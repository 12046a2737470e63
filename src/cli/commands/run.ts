// `dlab run <experiment> [--option value ...] [--json]`: one subcommand per experiment, its
// flags generated from the experiment's typed options (camelCase key -> --kebab-case flag).

import { Command, Option } from 'commander';
import { experiments } from '../../lab/registry.js';
import { resolveOptions, type Experiment, type OptionValue } from '../../lab/experiment.js';
import { ConsoleContext } from '../../lab/console.node.js';

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function parseAs(spec: OptionValue, raw: string): OptionValue {
  if (typeof spec === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`expected a number, got '${raw}'`);
    return n;
  }
  if (typeof spec === 'boolean') return raw !== 'false' && raw !== '0';
  return raw;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyExperiment = Experiment<any>;

function addExperiment(run: Command, experiment: AnyExperiment): void {
  const cmd = run.command(experiment.name).description(experiment.summary);
  for (const [key, spec] of Object.entries(experiment.options) as [string, { default: OptionValue; help: string; choices?: readonly OptionValue[] }][]) {
    const flag = typeof spec.default === 'boolean' ? `--${kebab(key)} [bool]` : `--${kebab(key)} <value>`;
    const option = new Option(flag, spec.help).default(spec.default).argParser((raw: string) => parseAs(spec.default, raw ?? 'true'));
    if (spec.choices) option.choices(spec.choices.map(String));
    cmd.addOption(option);
  }
  cmd.option('--json', 'print the final metrics as one JSON object on the last line');
  cmd.action(async (flags: Record<string, OptionValue>) => {
    const { json, ...given } = flags;
    const ctx = new ConsoleContext(Boolean(json));
    const options = resolveOptions(experiment, given);
    const started = performance.now();
    const metrics = await experiment.run(options, ctx);
    const seconds = (performance.now() - started) / 1000;
    if (json) {
      process.stdout.write(JSON.stringify(metrics) + '\n');
      return;
    }
    ctx.print(`\n${experiment.name}: done in ${seconds.toFixed(1)} s`);
    for (const [k, v] of Object.entries(metrics)) ctx.print(`  ${k.padEnd(16)} ${typeof v === 'number' ? +v.toFixed(6) : v}`);
  });
}

export function registerRun(program: Command): void {
  const run = program.command('run').description('run an experiment (dlab run <experiment> --help for its options)');
  for (const experiment of experiments) addExperiment(run, experiment);
}
