// `dlab runs [list|show <id>|compare <id...>]`: the run store in the terminal. `compare` aligns
// options and final metrics in a table and writes a page with every curve, one line per run.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { comparisonTable, fmt, renderComparison } from '../../lab/report.node.js';
import { optionText } from '../../lab/experiment.js';
import { RunStore, type RunRecord } from '../../lab/store.node.js';
import { integer } from '../parse.js';

/** A plain text table, columns padded (numbers right-aligned). */
export function textTable(columns: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((v) => fmt(v)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], raw?: unknown[]) =>
    r.map((v, i) => (typeof raw?.[i] === 'number' ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map((r, k) => line(r, rows[k]))].join('\n');
}

const runId = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`'${raw}' is not a run id`);
  return n;
};

function duration(run: RunRecord): string {
  if (!run.endedAt) return '';
  return `${((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)}s`;
}

/** The status, where a 'running' run whose process is gone (killed, crashed) shows as dead. */
const statusOf = (store: RunStore, run: RunRecord): string => (store.isOrphaned(run) ? `dead (pid ${run.pid} gone)` : run.status);

const headline = (run: RunRecord): string => {
  const f = run.final ?? {};
  const key = ['test_accuracy', 'concise_test_accuracy', 'scratch_test_accuracy', 'out_rmse_fourier', 'concise_w_error', 'train_loss'].find((k) => k in f);
  return key ? `${key}=${fmt(f[key])}` : '';
};

/** Render and write the comparison page of these runs; returns its path. */
export async function writeComparison(store: RunStore, ids: number[], out?: string, title?: string): Promise<string> {
  const html = await renderComparison(store, ids, title);
  const path = out ?? join(store.home, `compare-${ids.join('-')}.html`);
  writeFileSync(path, html);
  return path;
}

/** Run an action; a failure (no such run, ...) is one line on stderr and exit code 1, not a stack trace. */
const guarded =
  <A extends unknown[]>(cmd: Command, action: (...args: A) => unknown) =>
  async (...args: A): Promise<void> => {
    try {
      await action(...args);
    } catch (e) {
      cmd.error(`dlab runs ${cmd.name()}: ${(e as Error).message}`);
    }
  };

export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('list, show and compare recorded runs');
  const list = runs
    .command('list', { isDefault: true })
    .description('the recorded runs, newest first')
    .option('--experiment <name>', 'only runs of this experiment')
    .option('--sweep <id>', 'only the trials of this sweep', runId)
    .option('--limit <n>', 'at most n runs', integer({ min: 1 }), 30)
    .option('--json', 'one JSON array');
  list.action(
    guarded(list, (flags: { experiment?: string; sweep?: number; limit: number; json?: boolean }) => {
      const store = new RunStore();
      const found = store.listRuns({ experiment: flags.experiment, sweepId: flags.sweep, limit: flags.limit });
      if (flags.json) {
        console.log(JSON.stringify(found));
        return;
      }
      if (!found.length) {
        console.log(`no runs yet in ${store.home} (dlab run <experiment> records one)`);
        return;
      }
      // The host tells which machine ran a run (a sweep's queue worker, say).
      const rows = found.map((r) => [r.id, r.experiment, statusOf(store, r), r.startedAt.replace('T', ' ').slice(0, 19), duration(r), r.sweepId ?? '', r.host ?? '', headline(r)]);
      console.log(textTable(['id', 'experiment', 'status', 'started', 'time', 'sweep', 'host', 'result'], rows));
    }),
  );
  const show = runs
    .command('show')
    .description('one run: options, provenance, final metrics, files')
    .argument('<id>', 'run id', runId)
    .option('--json', 'one JSON object (the run and its metrics per epoch)');
  show.action(
    guarded(show, (id: number, flags: { json?: boolean }) => {
      const store = new RunStore();
      const run = store.getRun(id);
      const epochs = store.metrics(id).filter((m) => m.epoch !== null && m.step === null);
      if (flags.json) {
        console.log(JSON.stringify({ ...run, epochs, artifacts: store.artifacts(id) }));
        return;
      }
      const lines = [
        `run ${run.id}: ${run.experiment} (${statusOf(store, run)})`,
        `  started   ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt} (${duration(run)})` : ''}`,
        `  code      ${run.codeVersion}`,
        `  machine   ${run.host !== null ? `${run.host} (process ${run.pid}): ` : ''}${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.os}, Node ${run.machine.node}`,
      ];
      if (run.sweepId !== null) lines.push(`  sweep     ${run.sweepId}`);
      if (run.error) lines.push(`  error     ${run.error}`);
      lines.push('', textTable(['option', 'value'], Object.entries(run.options).map(([k, v]) => [k, v ?? optionText(v)])));
      if (run.final) lines.push('', textTable(['metric', 'value'], Object.entries(run.final)));
      if (epochs.length) {
        const names = [...new Set(epochs.map((m) => m.name))];
        const byEpoch = new Map<number, Record<string, number>>();
        for (const m of epochs) byEpoch.set(m.epoch!, { ...(byEpoch.get(m.epoch!) ?? {}), [m.name]: m.value });
        lines.push('', textTable(['epoch', ...names], [...byEpoch].map(([e, v]) => [e, ...names.map((n) => v[n] ?? '')])));
      }
      const files = store.artifacts(id).filter((a) => a.kind === 'report' || a.kind === 'checkpoint');
      if (files.length) lines.push('', ...files.map((a) => `  ${a.kind.padEnd(10)} ${a.path}`));
      console.log(lines.join('\n'));
    }),
  );
  const compare = runs
    .command('compare')
    .description('align options and final metrics of runs; write their curves on one page')
    .argument('<ids...>', 'run ids')
    .option('--out <file>', 'where to write the HTML page (default $DLAB_HOME/compare-<ids>.html)');
  compare.action(
    guarded(compare, async (ids: string[], flags: { out?: string }) => {
      const store = new RunStore();
      const numbers = ids.map(runId);
      const runsOf = numbers.map((id) => store.getRun(id));
      const { columns, rows } = comparisonTable(runsOf);
      console.log(textTable(columns, rows));
      console.log(`\ncurves: ${await writeComparison(store, numbers, flags.out)}`);
    }),
  );
}
