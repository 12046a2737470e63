// The terminal half of a RunContext: progress bars on stderr (cli-progress), and lines on stdout,
// or on stderr when --json keeps stdout for the one JSON result line. A bar shows the loss's
// trend so far as a sparkline (▇▅▃▂▁: falling), so a stalled or diverging run shows at a glance.

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
    const trend = new Trend(total);
    return {
      update(done, values) {
        const live = values
          ? Object.entries(values)
              .map(([k, v]) => `${k} ${formatNumber(v)}${/loss/.test(k) ? ` ${trend.add(k, done, v)}` : ''}`)
              .join('  ')
          : '';
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

const BLOCKS = '▁▂▃▄▅▆▇█';

/** Values as a line of block characters, lowest ▁ to highest █ (all equal: a flat ▄ line). */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      if (hi === lo) return BLOCKS[3];
      return BLOCKS[Math.round(((v - lo) / (hi - lo)) * (BLOCKS.length - 1))];
    })
    .join('');
}

/**
 * The recent history of each live loss value of one bar, sampled evenly over the bar (about
 * `width` samples from start to end) so the sparkline spans the epoch so far, not the last few
 * batches, whose running mean barely moves.
 */
export class Trend {
  private readonly history = new Map<string, number[]>();
  private readonly every: number;

  constructor(total: number, readonly width = 16) {
    this.every = Math.max(1, Math.floor(total / width));
  }

  /** Record `value` of `key` at `done`; returns the sparkline of the samples and the current value. */
  add(key: string, done: number, value: number): string {
    const kept = this.history.get(key) ?? [];
    this.history.set(key, kept);
    if (kept.length === 0 || done % this.every === 0) {
      kept.push(value);
      if (kept.length > this.width) kept.shift();
      return sparkline(kept);
    }
    return sparkline([...kept, value].slice(-this.width));
  }
}
