// A Vega-Lite line chart whose points arrive over time: compiled once with a named data set,
// then each batch of points is inserted into the running Vega view (no redraw from scratch).

import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from '../../src/lab/artifact.js';

export interface LivePoint {
  x: number;
  y: number;
  series: string;
}

export class LiveChart<P extends LivePoint = LivePoint> {
  readonly figure: HTMLElement;
  private readonly view: View;
  private queue: Promise<unknown>;
  /** Points inserted so far (drawn once the queue reaches them). */
  private count = 0;

  /** `spec`: a line chart (artifact.ts's lineChart) whose inline data is replaced by the live set. */
  constructor(parent: HTMLElement, spec: ChartSpec, key: string) {
    this.figure = document.createElement('figure');
    this.figure.dataset.chart = key;
    this.figure.dataset.points = '0';
    parent.append(this.figure);
    // resize: lay the chart out again as points arrive (it starts empty: no legend, no tick labels).
    const compiled = compile({ ...spec, data: { name: 'points' }, autosize: { type: 'pad', resize: true } } as TopLevelSpec).spec;
    this.view = new View(parse(compiled), { renderer: 'svg', container: this.figure, hover: true });
    this.queue = this.view.runAsync();
  }

  /** Add points; `data-points` on the figure counts those drawn (for tests and for the curious). */
  insert(points: P[]): void {
    if (points.length === 0) return;
    this.count += points.length;
    const count = this.count;
    this.queue = this.queue.then(async () => {
      await this.view.insert('points', points).runAsync();
      this.figure.dataset.points = String(count);
    });
  }

  destroy(): void {
    this.view.finalize();
    this.figure.remove();
  }
}
