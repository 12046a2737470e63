// `dlab sweep <experiment> --lr 0.01,0.1,1 --batch-size 16,64,256 --optimizer sgd,adam
//  [--parallel N | --queue redis://...] [--trials N]`: a grid over the listed values (or, with --trials, that many
// random picks: from the lists, or from a range lo:hi, log-uniform), each trial a recorded run
// in its own process (up to N at once; src/lab/trial.node.ts); then a table and a page, from the
// run store. With --queue, the trials go to `dlab worker`s on other machines (src/lab/queue-sweep.node.ts).

import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { experiments } from '../../lab/registry.js';
import { Generator } from '../../random/generator.js';
import { uniformDouble } from '../../random/sampling.js';
import { kebab, optionText, ruleOf, type GivenValue, type OptionSpec } from '../../lab/experiment.js';
import { comparisonTable } from '../../lab/report.node.js';
import { exitCodeOf, STOP_SIGNALS, type AnyExperiment, type StopSignal } from '../../lab/runner.node.js';
import { startTrial, type TrialProcess, type TrialResult, type TrialSpec } from '../../lab/trial.node.js';
import { openRedis, redactUrl } from '../../lab/queue.node.js';
import { runOnQueue } from '../../lab/queue-sweep.node.js';
import { RunStore } from '../../lab/store.node.js';
import { integer, listParser, redisUrl } from '../parse.js';
import { specsOf } from './run.js';
import { textTable, writeComparison } from './runs.js';

/** What one flag asks for: a list of values, or (numbers, random search only) a range. */
export type Axis = { values: GivenValue[] } | { range: [number, number]; integer: boolean };

/** A flag's text as an axis; every value (or both ends of a range) checked as `dlab run` checks it. */
export function parseAxis(spec: OptionSpec, raw: string): Axis {
  const rule = ruleOf(spec);
  const values = listParser(rule);
  const range = /^\s*([^:,]+):([^:,]+)\s*$/.exec(raw);
  if (range && (rule.kind === 'number' || rule.kind === 'integer')) {
    const [lo, hi] = values(`${range[1]},${range[2]}`);
    if (typeof lo !== 'number' || typeof hi !== 'number' || lo >= hi) throw new InvalidArgumentError(`Expected a range lo:hi with lo < hi, got '${raw}'.`);
    return { range: [lo, hi], integer: rule.kind === 'integer' };
  }
  return { values: [...new Set(values(raw))] };
}

/** Every combination of the axes' values (ranges are not allowed in a grid). */
export function grid(axes: Record<string, Axis>): Record<string, GivenValue>[] {
  let out: Record<string, GivenValue>[] = [{}];
  for (const [key, axis] of Object.entries(axes)) {
    if (!('values' in axis)) throw new Error(`--${kebab(key)} is a range: a range needs --trials (random search)`);
    out = out.flatMap((o) => axis.values.map((v) => ({ ...o, [key]: v })));
  }
  return out;
}

/** `trials` random picks: list values uniformly, ranges log-uniformly (uniformly if lo <= 0). */
export function randomSearch(axes: Record<string, Axis>, trials: number, seed: number): Record<string, GivenValue>[] {
  // dlab's own mt19937 Generator, so a random search is repeatable with --seed.
  const gen = new Generator().manualSeed(seed);
  const rand = () => uniformDouble(gen);
  const allLists = Object.values(axes).every((a) => 'values' in a);
  if (allLists) {
    // Draw without replacement from the grid, so no trial repeats another.
    const all = grid(axes);
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    return all.slice(0, trials);
  }
  return Array.from({ length: trials }, () => {
    const o: Record<string, GivenValue> = {};
    for (const [key, axis] of Object.entries(axes)) {
      if ('values' in axis) {
        o[key] = axis.values[Math.floor(rand() * axis.values.length)];
      } else {
        const [lo, hi] = axis.range;
        const v = lo > 0 ? Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo))) : lo + rand() * (hi - lo);
        o[key] = axis.integer ? Math.round(v) : +v.toPrecision(3);
      }
    }
    return o;
  });
}

// Trials in flight. A terminal's Ctrl-C (or hang-up) reaches only the sweep, which passes it, or a
// SIGTERM, on exactly once and waits: each trial then saves a checkpoint and stops (a second
// signal would make a trial quit without one).
const running = new Set<TrialProcess>();

/** One trial: a recorded run in its own process (up to --parallel at once). */
async function runTrial(spec: TrialSpec): Promise<TrialResult> {
  const started = performance.now();
  const trial = startTrial(spec);
  running.add(trial);
  const outcome = await trial.done;
  running.delete(trial);
  return { options: spec.options, ...outcome, seconds: (performance.now() - started) / 1000 };
}

/** The line a finished trial gets: its options and its final metrics from the store, or how it stopped. */
export function trialLine(store: RunStore, experiment: string, k: number, total: number, r: TrialResult, where = ''): string {
  const opts = Object.entries(r.options).map(([a, b]) => `${a}=${b}`).join(' ');
  const final = r.runId !== undefined && r.status === 'completed' ? store.getRun(r.runId).final : null;
  const m = final ? Object.entries(final).filter(([a]) => a !== 'run_id').slice(0, 4).map(([a, b]) => `${a} ${typeof b === 'number' ? +b.toPrecision(4) : b}`).join(', ') : '';
  const outcome =
    r.status === 'interrupted'
      ? r.runId !== undefined
        ? `interrupted; continue with: dlab run ${experiment} --resume ${r.runId}`
        : 'stopped before it started'
      : r.status === 'failed'
        ? `FAILED ${r.error ?? ''}`
        : m;
  return `  trial ${k + 1}/${total}${r.runId !== undefined ? ` (run ${r.runId})` : ''}${where} ${opts}: ${outcome} [${r.seconds.toFixed(1)} s]`;
}

/** After the trials: the comparison table, the sweep's page, and the exit status. */
export async function finishSweep(store: RunStore, experiment: string, sweepId: number, results: TrialResult[], stopping: StopSignal | null): Promise<void> {
  const ids = results.map((r) => r.runId).filter((id): id is number => id !== undefined).sort((a, b) => a - b);
  if (ids.length) {
    const { columns, rows } = comparisonTable(ids.map((id) => store.getRun(id)));
    console.log('\n' + textTable(columns, rows));
    const dir = join(store.home, 'sweeps', String(sweepId));
    mkdirSync(dir, { recursive: true });
    const path = await writeComparison(store, ids, join(dir, 'report.html'), `${experiment} sweep ${sweepId}`);
    console.log(`\nsweep report: ${path}\ncompare again: dlab runs compare ${ids.join(' ')}`);
  }
  if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
  else if (stopping) process.exitCode = exitCodeOf(stopping);
}

function addExperiment(sweep: Command, experiment: AnyExperiment): void {
  const cmd = sweep.command(experiment.name).description(`sweep ${experiment.name}'s options: comma lists make a grid`);
  const specs = specsOf(experiment);
  for (const [key, spec] of specs) {
    cmd.option(
      `--${kebab(key)} <values>`,
      `${spec.help}: comma list${(spec.type ?? typeof spec.default) === 'number' ? ' (or lo:hi with --trials)' : ''} (default ${optionText(spec.default)})`,
      (raw: string) => parseAxis(spec, raw),
    );
  }
  cmd.option('--parallel <n>', 'trials run at once, each in its own process', integer({ min: 1 }), 1);
  cmd.option('--trials <n>', 'random search: this many trials picked from the lists/ranges', integer({ min: 1 }));
  cmd.option('--search-seed <n>', 'seed of the random search (not of the trials)', integer(), 0);
  cmd.option('--checkpoint-every <steps>', 'each trial saves a checkpoint every N optimizer steps (0: only when stopped)', integer({ min: 0 }), 500);
  cmd.option('--no-report', 'skip the per-trial HTML reports');
  cmd.option('--queue <url>', 'run the trials on the machines running `dlab worker --queue <url>`: a Redis URL, redis://[:password@]host[:port][/db] or rediss:// (TLS)', redisUrl);
  cmd.action(async (flags: Record<string, Axis | number | boolean | string | undefined>) => {
    const axes: Record<string, Axis> = {};
    for (const [key] of specs) if (flags[key] !== undefined) axes[key] = flags[key] as Axis;
    let trials: Record<string, GivenValue>[];
    let store: RunStore;
    try {
      trials = flags.trials !== undefined ? randomSearch(axes, flags.trials as number, flags.searchSeed as number) : grid(axes);
      // Redis answers (and takes the password) before the sweep is recorded.
      if (flags.queue) (await openRedis(flags.queue as string)).disconnect();
      store = new RunStore();
    } catch (e) {
      return cmd.error(`dlab sweep ${experiment.name}: ${(e as Error).message}`);
    }
    const parallel = flags.parallel as number;
    const queue = flags.queue as string | undefined;
    const key = randomUUID();
    const sweepId = store.createSweep(experiment.name, { axes, trials, ...(queue ? { queue: redactUrl(queue), key } : { parallel }) });
    const spec = (options: Record<string, GivenValue>) => ({
      experiment: experiment.name,
      options,
      report: flags.report !== false,
      checkpointEvery: flags.checkpointEvery as number,
    });
    console.log(`sweep ${sweepId}: ${trials.length} trials of ${experiment.name}, ${queue ? `on the workers of ${redactUrl(queue)}` : `${parallel} at a time`}`);
    const report = (k: number, r: TrialResult, where = '') => console.log(trialLine(store, experiment.name, k, trials.length, r, where));

    let stopping: StopSignal | null = null;
    const cancel = new AbortController();
    const onSignal = (signal: StopSignal) => {
      if (stopping) {
        // A second signal: the queued sweep quits at once (its running trials stop at their workers).
        if (queue) process.exit(exitCodeOf(signal));
        return;
      }
      stopping = signal;
      process.stderr.write(`\nsweep: ${signal}: no new trials; the running ones save a checkpoint and stop\n`);
      for (const trial of running) trial.kill(signal);
      cancel.abort();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    let results: TrialResult[] = [];
    try {
      if (queue) {
        const workers = new Map<number, string>();
        results = await runOnQueue({
          url: queue,
          store,
          sweepId,
          key,
          trials: trials.map(spec),
          signal: cancel.signal,
          onStart: (k, p) => {
            workers.set(k, p.worker);
            console.log(`  trial ${k + 1}/${trials.length} started on worker ${p.worker}${p.shared ? ` (run ${p.runId})` : ''}`);
          },
          onDone: (k, r) => report(k, r, workers.has(k) ? ` on ${workers.get(k)}` : ''),
          onError: (message) => process.stderr.write(`sweep ${sweepId}: ${message}\n`),
        });
      } else {
        let next = 0;
        const worker = async () => {
          while (!stopping && next < trials.length) {
            const k = next++;
            const r = await runTrial({ ...spec(trials[k]), sweepId });
            results.push(r);
            report(k, r);
          }
        };
        await Promise.all(Array.from({ length: Math.min(parallel, trials.length) }, worker));
      }
    } catch (e) {
      return cmd.error(`dlab sweep ${experiment.name}: ${(e as Error).message}`);
    } finally {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    }
    await finishSweep(store, experiment.name, sweepId, results, stopping);
  });
}

export function registerSweep(program: Command): void {
  const sweep = program.command('sweep').description('run an experiment over a grid (or a random search) of options, in parallel processes');
  for (const experiment of experiments) addExperiment(sweep, experiment);
}
