// d2l's Animator: plot series as they grow during training, from a script. `add(x, ys)` as in
// d2l; where the points go is the sink's business: with `dlab ui` open and DLAB_UI naming it
// (DLAB_UI=http://127.0.0.1:8080), the dashboard draws them live; otherwise, in Node, an SVG
// file is rewritten (./animator.svg by default). The default sink comes through the
// '#animator-sink' import (package.json "imports": animator_sink.node.ts or .browser.ts).
//
//   const animator = new utils.Animator({ xlabel: 'epoch', xlim: [1, numEpochs], legend: ['train loss', 'test acc'] });
//   for (let epoch = 1; epoch <= numEpochs; epoch++) animator.add(epoch, [trainLoss, testAcc]);
//   await animator.flush(); // optional: wait until the last points are drawn

import { defaultAnimatorSink } from '#animator-sink';
import { lineChart, type ChartSpec } from './artifact.js';

/** d2l's Animator arguments (figure size, subplots and line formats have no counterpart here). */
export interface AnimatorOptions {
  xlabel?: string;
  ylabel?: string;
  /** One name per series, in the order of `add`'s ys. */
  legend?: string[];
  xlim?: [number, number];
  ylim?: [number, number];
  xscale?: 'linear' | 'log';
  yscale?: 'linear' | 'log';
}

export interface AnimatorPoint {
  x: number;
  y: number;
  series: string;
}

/** Where an Animator's points go. `add` must not block the training loop; `flush` waits for it. */
export interface AnimatorSink {
  add(animator: Animator, added: AnimatorPoint[]): void;
  flush(): Promise<void>;
}

export interface AnimatorConfig extends AnimatorOptions {
  /** The chart's name on the dashboard (default 'animator'): letters, digits, '.', '-', '_'. */
  name?: string;
  /** The SVG file written when no dashboard is open (default ./animator.svg). */
  path?: string;
  /** Where the points go (default: the dashboard DLAB_UI names, else the SVG file); null: kept only. */
  sink?: AnimatorSink | null;
}

export class Animator {
  readonly name: string;
  readonly options: AnimatorOptions;
  readonly points: AnimatorPoint[] = [];
  private readonly sink: AnimatorSink | undefined;

  constructor(config: AnimatorConfig = {}) {
    const { name = 'animator', path, sink, ...options } = config;
    if (!/^[\w.-]+$/.test(name)) throw new Error(`Animator: name '${name}': use letters, digits, '.', '-' and '_' only`);
    this.name = name;
    this.options = options;
    this.sink = sink === null ? undefined : (sink ?? defaultAnimatorSink({ name, path }));
  }

  /** d2l's add(x, y): one point per series; a scalar x is shared by every y; a null y is skipped. */
  add(x: number | readonly number[], y: number | readonly (number | null | undefined)[]): void {
    const ys = typeof y === 'number' ? [y] : y;
    const xs = typeof x === 'number' ? ys.map(() => x) : x;
    if (xs.length !== ys.length) throw new Error(`Animator.add: expected as many x as y values but got ${xs.length} and ${ys.length}`);
    const added: AnimatorPoint[] = [];
    ys.forEach((v, i) => {
      if (v !== null && v !== undefined) added.push({ x: xs[i]!, y: v, series: this.options.legend?.[i] ?? `series ${i + 1}` });
    });
    this.points.push(...added);
    this.sink?.add(this, added);
  }

  /** The chart as a Vega-Lite spec (the report's line chart with the Animator's axes). */
  spec(): ChartSpec {
    return animatorSpec(this.name, this.options, this.points);
  }

  /** Resolves once every point added so far is drawn (the file written, the dashboard told). */
  flush(): Promise<void> {
    return this.sink?.flush() ?? Promise.resolve();
  }
}

/** The Vega-Lite spec of an Animator's chart (also what the dashboard draws from posted points). */
export function animatorSpec(name: string, o: AnimatorOptions, points: AnimatorPoint[]): ChartSpec {
  return lineChart(name, points, {
    x: o.xlabel ?? 'x',
    y: o.ylabel ?? 'y',
    logX: o.xscale === 'log',
    logY: o.yscale === 'log',
    xDomain: o.xlim,
    yDomain: o.ylim,
  });
}

/** Posts each add's points to a `dlab ui` dashboard (POST /api/animator/<name>), in order. */
export class DashboardSink implements AnimatorSink {
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly url: string) {}

  add(animator: Animator, added: AnimatorPoint[]): void {
    const target = new URL(`api/animator/${animator.name}`, this.url.endsWith('/') ? this.url : `${this.url}/`);
    const body = JSON.stringify({ options: animator.options, points: added });
    this.pending = this.pending.then(async () => {
      let res: Response;
      try {
        res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      } catch (e) {
        throw new Error(`Animator: could not reach the dashboard at DLAB_UI=${this.url} (${(e as Error).message}); is \`dlab ui\` running?`);
      }
      if (!res.ok) throw new Error(`Animator: the dashboard at ${target} answered ${res.status}: ${await res.text()}`);
    });
  }

  flush(): Promise<void> {
    return this.pending;
  }
}
