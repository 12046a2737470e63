/// <reference types="node" />
// Reports: one self-contained HTML file per run (inline SVG charts, images as PNG data URLs, no
// network): the run's facts, d2l Animator-style training curves, the LR curve, timing, and the
// experiment's own artifacts (charts, prediction grids, tables, findings). A comparison page does
// the same for several runs side by side (`dlab runs compare`, sweeps).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor } from '../ops/creation.js';
import { Image } from '../data/image.js';
import { encodePng, saveImage } from '../data/save_image.node.js';
import { lineChart, type Artifact, type ImagesArtifact } from './artifact.js';
import { renderSvg } from './charts.js';
import { optionText } from './experiment.js';
import type { MetricRow, RunRecord, RunStore } from './store.node.js';

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const fmt = (v: unknown): string => {
  if (typeof v !== 'number') return String(v ?? '');
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(+v.toPrecision(4));
};

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } figure { margin: 0; } figcaption { color: #555; max-width: 480px; }
.grid { display: flex; flex-wrap: wrap; gap: 6px; } .grid figure { text-align: center; font-size: 11px; width: 84px; }
.grid img { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #ccc; } .wrong { color: #c00; }
.status-completed { color: #080; } .status-failed, .status-interrupted { color: #c00; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>\n<body>\n${body}\n</body></html>\n`;
}

function table(columns: string[], rows: unknown[][]): string {
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="num"' : ''}>${esc(fmt(v))}</td>`).join('')}</tr>`).join('\n');
  return `<table><tr>${head}</tr>\n${body}</table>`;
}

/** A grayscale image's bytes (0..255) from values in `range`. */
function grayBytes(values: ArrayLike<number>, count: number, [lo, hi]: [number, number]): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.max(0, Math.min(255, Math.round(((values[i] - lo) / (hi - lo)) * 255)));
  return out;
}

/** A grayscale image as a PNG data URL. */
export function pngDataUrl(values: ArrayLike<number>, height: number, width: number, range: [number, number] = [0, 1]): string {
  const png = encodePng(new Image(grayBytes(values, height * width, range), height, width, 1));
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** The images of an artifact as one PNG grid file (torchvision's save_image of make_grid). */
function saveImagesGrid(a: ImagesArtifact, path: string): void {
  const n = a.images.length;
  const pixels = new Float32Array(n * a.height * a.width);
  a.images.forEach((img, k) => pixels.set(Array.from(grayBytes(img, a.height * a.width, a.range ?? [0, 1]), (v) => v / 255), k * a.height * a.width));
  saveImage(tensor(pixels).reshape(n, 1, a.height, a.width), path, { nrow: 8, padding: 2 });
}

function imagesHtml(a: ImagesArtifact): string {
  const figures = a.images.map((img, i) => {
    const cls = a.wrong?.[i] ? ' class="wrong"' : '';
    return `<figure><img alt="" src="${pngDataUrl(img, a.height, a.width, a.range)}"><figcaption${cls}>${esc(a.captions[i] ?? '')}</figcaption></figure>`;
  });
  return `<div class="grid">${figures.join('')}</div>`;
}

/** Where the report also writes each chart (SVG) and image grid (PNG) as a file of its own. */
type PlotSink = (name: string, write: (path: string) => void, ext: 'svg' | 'png') => void;

async function artifactHtml(a: Artifact, name: string, plots?: PlotSink): Promise<string> {
  switch (a.kind) {
    case 'chart': {
      const svg = await renderSvg(a.spec);
      plots?.(name, (path) => writeFileSync(path, svg), 'svg');
      return `<figure>${svg}${a.caption ? `<figcaption>${esc(a.caption)}</figcaption>` : ''}</figure>`;
    }
    case 'images':
      plots?.(name, (path) => saveImagesGrid(a, path), 'png');
      return imagesHtml(a);
    case 'table':
      return table(a.columns, a.rows) + (a.caption ? `<p>${esc(a.caption)}</p>` : '');
    case 'text':
      return a.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('\n');
    case 'file': {
      // The runner wrote the file beside report.html: link it, show its head.
      const lines = a.text.split('\n');
      const head = lines.slice(0, 6).join('\n') + (lines.length > 6 ? '\n...' : '');
      return `<p><a href="${esc(name)}">${esc(name)}</a>${a.caption ? ` ${esc(a.caption)}` : ''}</p><pre>${esc(head)}</pre>`;
    }
    default:
      return a satisfies never;
  }
}

/** The metrics logged per epoch, by name: [{epoch, value}]. */
function byName(rows: MetricRow[], key: 'epoch' | 'step'): Map<string, { x: number; y: number }[]> {
  const out = new Map<string, { x: number; y: number }[]>();
  for (const r of rows) {
    const x = r[key];
    if (x === null || (key === 'epoch' && r.step !== null)) continue;
    if (!out.has(r.name)) out.set(r.name, []);
    out.get(r.name)!.push({ x, y: r.value });
  }
  return out;
}

const ARTIFACT_KINDS = new Set<string>(['chart', 'images', 'table', 'text', 'file'] satisfies Artifact['kind'][]);

const isCurve = (name: string) => /loss|acc/.test(name);

/** d2l Animator's picture (train loss, train acc, test acc per epoch), the LR and timing curves. */
function runCharts(rows: MetricRow[], label = ''): { title: string; spec: Record<string, unknown> }[] {
  const charts: { title: string; spec: Record<string, unknown> }[] = [];
  const epochs = byName(rows, 'epoch');
  const curves = [...epochs].filter(([n]) => isCurve(n)).flatMap(([n, pts]) => pts.map((p) => ({ ...p, series: n })));
  if (curves.length) charts.push({ title: 'training curves', spec: lineChart(`${label}training curves`, curves, { x: 'epoch', y: 'value' }) });
  const steps = byName(rows, 'step');
  const stepCurves = [...steps].filter(([n]) => !/(^|_)lr$/.test(n)).flatMap(([n, pts]) => pts.map((p) => ({ ...p, series: n })));
  if (stepCurves.length) charts.push({ title: 'per step', spec: lineChart(`${label}per step`, stepCurves, { x: 'step', y: 'value' }) });
  const lr = [...epochs].filter(([n]) => /(^|_)lr$/.test(n)).flatMap(([n, pts]) => pts.map((p) => ({ ...p, series: n })));
  if (lr.length) charts.push({ title: 'learning rate', spec: lineChart(`${label}learning rate`, lr, { x: 'epoch', y: 'lr' }) });
  const time = [...epochs].filter(([n]) => n.endsWith('epoch_seconds')).flatMap(([n, pts]) => pts.map((p) => ({ ...p, series: n })));
  if (time.length) charts.push({ title: 'timing', spec: lineChart(`${label}seconds per epoch`, time, { x: 'epoch', y: 'seconds' }) });
  return charts;
}

function durationOf(run: RunRecord): string {
  if (!run.endedAt) return '';
  return `${((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s`;
}

/** The HTML report of one run. */
export async function renderRunReport(store: RunStore, id: number, plots?: PlotSink): Promise<string> {
  const run = store.getRun(id);
  const rows = store.metrics(id);
  const parts: string[] = [];
  parts.push(`<h1>${esc(run.experiment)}: run ${run.id}</h1>`);
  parts.push(
    table(
      ['', ''],
      [
        ['status', run.status],
        ['started', run.startedAt],
        ['ended', run.endedAt ?? ''],
        ['wall time', durationOf(run)],
        ['code version', run.codeVersion],
        ['machine', `${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.memoryGb} GB, ${run.machine.os}, Node ${run.machine.node}`],
        ...(run.sweepId !== null ? [['sweep', run.sweepId]] : []),
        ...(run.error ? [['error', run.error]] : []),
      ],
    ).replace('<tr><th></th><th></th></tr>', ''),
  );
  parts.push('<h2>Options</h2>', table(['option', 'value'], Object.entries(run.options).map(([k, v]) => [k, v === null ? optionText(v) : v])));
  if (run.final) parts.push('<h2>Final metrics</h2>', table(['metric', 'value'], Object.entries(run.final)));
  const charts = runCharts(rows);
  if (charts.length) {
    parts.push('<h2>Training</h2><div class="charts">');
    for (const c of charts) {
      const svg = await renderSvg(c.spec);
      plots?.(c.title.replace(/\W+/g, '-'), (path) => writeFileSync(path, svg), 'svg');
      parts.push(`<figure>${svg}</figure>`);
    }
    parts.push('</div>');
  }
  for (const a of store.artifacts(id)) {
    if (!ARTIFACT_KINDS.has(a.kind)) continue; // the checkpoint, the report itself
    const artifact = JSON.parse(readFileSync(a.path, 'utf8')) as Artifact;
    parts.push(`<h2>${esc(artifact.title)}</h2>`, await artifactHtml(artifact, a.name, plots));
  }
  const checkpoint = store.artifacts(id, 'checkpoint')[0];
  if (checkpoint) parts.push(`<p>Last checkpoint: <code>${esc(checkpoint.path)}</code></p>`);
  return page(`${run.experiment} run ${run.id}`, parts.join('\n'));
}

/** Write (or rewrite) a run's report.html in its folder, and each plot as a file in plots/; returns the path. */
export async function writeReport(store: RunStore, id: number): Promise<string> {
  const dir = join(store.runDir(id), 'plots');
  mkdirSync(dir, { recursive: true });
  const html = await renderRunReport(store, id, (name, write, ext) => {
    const file = join(dir, `${name}.${ext}`);
    write(file);
    store.addArtifact(id, 'plot', `${name}.${ext}`, file);
  });
  const path = join(store.runDir(id), 'report.html');
  writeFileSync(path, html);
  store.addArtifact(id, 'report', 'report', path);
  return path;
}

/** The options that differ between runs (those that do not are stated once). */
export function comparedOptions(runs: RunRecord[]): { varying: string[]; fixed: [string, unknown][] } {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.options)))];
  const varying = keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.options[k]))).size > 1);
  const fixed = keys.filter((k) => !varying.includes(k)).map((k): [string, unknown] => [k, runs[0].options[k] ?? optionText(null)]);
  return { varying, fixed };
}

/** The comparison table: one row per run, the varying options, then the final metrics. */
export function comparisonTable(runs: RunRecord[]): { columns: string[]; rows: (string | number)[][] } {
  const { varying } = comparedOptions(runs);
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.final ?? {})))].filter((k) => k !== 'run_id');
  const columns = ['run', 'status', ...varying, ...metricNames];
  const rows = runs.map((r) => [
    r.id,
    r.status,
    ...varying.map((k) => (r.options[k] ?? optionText(null)) as string | number),
    ...metricNames.map((k) => (r.final?.[k] ?? '') as string | number),
  ]);
  return { columns, rows };
}

/** Per varying option: its values against the mean of each numeric final metric of the completed runs. */
export function marginalEffects(runs: RunRecord[]): { option: string; columns: string[]; rows: (string | number)[][] }[] {
  const done = runs.filter((r) => r.status === 'completed' && r.final);
  if (done.length < 2) return [];
  const { varying } = comparedOptions(done);
  const metrics = [...new Set(done.flatMap((r) => Object.keys(r.final!)))].filter((k) => k !== 'run_id' && done.every((r) => typeof r.final![k] === 'number'));
  return varying.map((option) => {
    const values = [...new Set(done.map((r) => r.options[option]))].sort((a, b) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
    const rows = values.map((v) => {
      const group = done.filter((r) => r.options[option] === v);
      return [optionText(v), group.length, ...metrics.map((m) => group.reduce((s, r) => s + (r.final![m] as number), 0) / group.length)];
    });
    return { option, columns: [option, 'runs', ...metrics.map((m) => `mean ${m}`)], rows };
  });
}

const runLabel = (r: RunRecord, varying: string[]) => `#${r.id}${varying.length ? ' ' + varying.map((k) => `${k}=${optionText(r.options[k])}`).join(' ') : ''}`;

/** A page comparing runs: options aligned, final metrics, and every curve with one line per run. */
export async function renderComparison(store: RunStore, ids: number[], title = `runs ${ids.join(', ')}`): Promise<string> {
  const runs = ids.map((id) => store.getRun(id));
  const { varying, fixed } = comparedOptions(runs);
  const parts = [`<h1>${esc(title)}</h1>`];
  const { columns, rows } = comparisonTable(runs);
  parts.push('<h2>Runs</h2>', table(columns, rows));
  if (fixed.length) parts.push(`<p>Same in every run: ${fixed.map(([k, v]) => `${esc(k)}=${esc(v)}`).join(', ')}</p>`);
  const effects = marginalEffects(runs);
  if (effects.length) {
    parts.push('<h2>How each option changes the results</h2>');
    parts.push('<p>For each option that varies: the mean of every final metric over the runs that share a value of it (the other options averaged out).</p>');
    for (const e of effects) parts.push(`<h3>${esc(e.option)}</h3>`, table(e.columns, e.rows));
  }
  // One chart per curve name, one line per run.
  const curves = new Map<string, { key: 'epoch' | 'step'; points: { x: number; y: number; series: string }[] }>();
  for (const run of runs) {
    const rowsOf = store.metrics(run.id);
    for (const key of ['epoch', 'step'] as const) {
      for (const [name, pts] of byName(rowsOf, key)) {
        const id = `${name} per ${key}`;
        if (!curves.has(id)) curves.set(id, { key, points: [] });
        curves.get(id)!.points.push(...pts.map((p) => ({ ...p, series: runLabel(run, varying) })));
      }
    }
  }
  if (curves.size) {
    parts.push('<h2>Curves</h2><div class="charts">');
    for (const [name, c] of curves) parts.push(`<figure>${await renderSvg(lineChart(name, c.points, { x: c.key, y: name.split(' per ')[0] }))}</figure>`);
    parts.push('</div>');
  }
  parts.push('<h2>Reports</h2><ul>');
  for (const r of runs) {
    const report = store.artifacts(r.id, 'report')[0];
    parts.push(`<li>${esc(runLabel(r, varying))}: ${report ? `<a href="file://${esc(report.path)}">${esc(report.path)}</a>` : 'no report'}</li>`);
  }
  parts.push('</ul>');
  return page(title, parts.join('\n'));
}
