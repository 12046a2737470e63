// The dashboard: the run store's runs (options, status, final metrics, report), the curves of the
// ticked runs overlaid one chart per metric, growing live from the server's event streams, and
// the charts scripts draw with utils.Animator. The data come from `dlab ui`'s API
// (src/cli/dashboard-api.ts); the charts are the report's line charts (src/lab/artifact.ts).

import { lineChart } from '../../src/lab/artifact.js';
import { animatorSpec, type AnimatorOptions, type AnimatorPoint } from '../../src/lab/animator.js';
import type { MetricRow, RunRecord } from '../../src/lab/store.node.js';
import { LiveChart, type LivePoint } from './live-chart.js';

interface RunPoint extends LivePoint {
  run: number;
}

/** A ticked run: its stream while it runs. */
interface Shown {
  events?: EventSource;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = (v: unknown): string => (typeof v === 'number' && !Number.isInteger(v) ? String(+v.toPrecision(4)) : String(v));
const keyValues = (o: Record<string, unknown> | null): string => (o ? Object.entries(o).map(([k, v]) => `${k}=${fmt(v)}`).join('  ') : '');

let runs: RunRecord[] = [];
const shown = new Map<number, Shown>();
/** One chart per metric and axis ('train_loss per epoch'), every ticked run a line in it. */
const charts = new Map<string, LiveChart<RunPoint>>();
const animators = new Map<string, LiveChart<AnimatorPoint>>();

function renderRuns(): void {
  const body = $<HTMLTableElement>('runs').tBodies[0]!;
  body.replaceChildren(
    ...runs.map((run) => {
      const row = document.createElement('tr');
      row.dataset.run = String(run.id);
      const cell = (text: string, cls?: string) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        return td;
      };
      const tick = document.createElement('input');
      tick.type = 'checkbox';
      tick.checked = shown.has(run.id);
      tick.setAttribute('aria-label', `Show the curves of run ${run.id}`);
      tick.addEventListener('change', () => (tick.checked ? void show(run.id) : hide(run.id)));
      const report = document.createElement('a');
      report.href = `/reports/${run.id}`;
      report.target = '_blank';
      report.textContent = 'report';
      const [tickCell, reportCell] = [document.createElement('td'), document.createElement('td')];
      tickCell.append(tick);
      reportCell.append(report);
      row.append(
        tickCell,
        cell(String(run.id)),
        cell(run.experiment),
        cell(run.status, `status status-${run.status}`),
        cell(new Date(run.startedAt).toLocaleString()),
        cell(keyValues(run.options), 'kv'),
        cell(keyValues(run.final && Object.fromEntries(Object.entries(run.final).filter(([k]) => k !== 'run_id'))), 'kv final'),
        reportCell,
      );
      return row;
    }),
  );
  $('no-runs').hidden = runs.length > 0;
}

/** A run's metric rows as chart points, by chart. */
function addRows(run: number, rows: MetricRow[]): void {
  const byChart = new Map<string, { axis: 'step' | 'epoch'; name: string; points: RunPoint[] }>();
  for (const r of rows) {
    const axis = r.step !== null ? 'step' : r.epoch !== null ? 'epoch' : null;
    if (axis === null || !Number.isFinite(r.value)) continue;
    const key = `${r.name} per ${axis}`;
    if (!byChart.has(key)) byChart.set(key, { axis, name: r.name, points: [] });
    byChart.get(key)!.points.push({ x: r[axis]!, y: r.value, series: `run ${run}`, run });
  }
  for (const [key, { axis, name, points }] of byChart) {
    let chart = charts.get(key);
    if (!chart) {
      chart = new LiveChart<RunPoint>($('charts'), lineChart(key, [], { x: axis, y: name }), key);
      charts.set(key, chart);
    }
    chart.insert(points);
  }
}

async function show(id: number): Promise<void> {
  const entry: Shown = {};
  shown.set(id, entry);
  const res = await fetch(`/api/runs/${id}`);
  if (!res.ok) throw new Error(`run ${id}: ${res.status} ${await res.text()}`);
  const { run, metrics } = (await res.json()) as { run: RunRecord; metrics: MetricRow[] };
  if (shown.get(id) !== entry) return; // unticked meanwhile
  addRows(id, metrics);
  if (run.status !== 'running') return;
  // New rows after the last one we have; the server ends the stream when the run stops.
  const events = new EventSource(`/api/runs/${id}/events?after=${metrics.at(-1)?.id ?? 0}`);
  entry.events = events;
  events.addEventListener('metrics', (e) => addRows(id, JSON.parse((e as MessageEvent<string>).data) as MetricRow[]));
  events.addEventListener('end', () => events.close());
}

/** Untick a run: the charts are drawn again from the store for the runs still ticked. */
function hide(id: number): void {
  const ticked = [...shown.keys()].filter((k) => k !== id);
  for (const entry of shown.values()) entry.events?.close();
  shown.clear();
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  for (const k of ticked) void show(k);
}

function onAnimator(posted: { name: string; options: AnimatorOptions; points: AnimatorPoint[]; reset?: boolean }): void {
  $('animators-section').hidden = false;
  let chart = animators.get(posted.name);
  if (chart && posted.reset) {
    chart.destroy();
    chart = undefined;
  }
  if (!chart) {
    chart = new LiveChart<AnimatorPoint>($('animators'), animatorSpec(posted.name, posted.options, []), posted.name);
    animators.set(posted.name, chart);
  }
  chart.insert(posted.points);
}

const events = new EventSource('/api/events');
events.addEventListener('open', () => ($('connection').textContent = 'live'));
events.addEventListener('error', () => ($('connection').textContent = 'reconnecting…'));
events.addEventListener('runs', (e) => {
  runs = JSON.parse((e as MessageEvent<string>).data) as RunRecord[];
  renderRuns();
});
events.addEventListener('animator', (e) => onAnimator(JSON.parse((e as MessageEvent<string>).data)));
