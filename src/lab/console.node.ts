// The terminal half of a RunContext: progress bars on stderr (cli-progress), and lines on stdout,
// or on stderr when --json keeps stdout for the one JSON result line.

import cliProgress from 'cli-progress';
import type { Progress, RunContext } from './experiment.js';

export class ConsoleContext implements Pick<RunContext, 'print' | 'progress'> {
  // Bars still drawing: a bar left running (an interrupted epoch) keeps a timer, and the process, alive.
  private readonly bars = new Set<cliProgress.SingleBar>();

  constructor(readonly quiet: boolean) {}

  /** Stop every bar still drawing. */
  closeBars(): void {
    for (const bar of this.bars) bar.stop();
    this.bars.clear();
  }

  print(line: string): void {
    (this.quiet ? process.stderr : process.stdout).write(line + '\n');
  }

  progress(total: number, label: string): Progress {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} |{bar}| {value}/{total} {percentage}% {eta_formatted} left {live}`,
        stream: process.stderr,
        hideCursor: true,
        // Redraw in place on a terminal; print a few plain lines otherwise (CI logs).
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 10_000,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { live: '' });
    const bars = this.bars;
    bars.add(bar);
    return {
      update(done, values) {
        const live = values ? Object.entries(values).map(([k, v]) => `${k} ${formatNumber(v)}`).join('  ') : '';
        bar.update(done, { live });
      },
      finish() {
        bar.stop();
        bars.delete(bar);
      },
    };
  }
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}
