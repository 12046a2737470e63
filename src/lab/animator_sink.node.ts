/// <reference types="node" />
// The Node side of the '#animator-sink' import (animator.ts): the dashboard that DLAB_UI names
// (`dlab ui` prints it), else an SVG file rewritten after each add (its path printed once).

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DashboardSink, type Animator, type AnimatorSink } from './animator.js';
import { renderSvg } from './charts.js';

export function defaultAnimatorSink(where: { name: string; path?: string }): AnimatorSink {
  const ui = process.env.DLAB_UI;
  return ui ? new DashboardSink(ui) : new SvgFileSink(resolve(where.path ?? 'animator.svg'));
}

/** Rewrites the SVG with every point so far; adds that arrive while it renders are drawn together next. */
export class SvgFileSink implements AnimatorSink {
  private pending: Promise<void> = Promise.resolve();
  private queued = false;
  private announced = false;

  constructor(readonly path: string) {}

  add(animator: Animator): void {
    if (this.queued) return;
    this.queued = true;
    this.pending = this.pending.then(async () => {
      this.queued = false;
      const svg = await renderSvg(animator.spec());
      writeFileSync(this.path, svg);
      if (!this.announced) process.stderr.write(`animator: plotting to ${this.path}\n`);
      this.announced = true;
    });
  }

  flush(): Promise<void> {
    return this.pending;
  }
}
