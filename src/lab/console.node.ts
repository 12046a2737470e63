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
    // The bar redraws at most every 100 ms (a timer), so it is told the count and the live text
    // only when they are LIVE_TEXT_MS old, at the end, and at finish: composing the text on every
    // step of a fast loop (a sparkline per loss value) cost 2-3% of an MNIST MLP step. The trend
    // still samples every step.
    let composedAt = -Infinity;
    let pending: { done: number; values: Record<string, number> } | null = null;
    const isLoss = new Map<string, boolean>();
    const compose = (done: number, values: Record<string, number>) => {
      const live = Object.entries(values)
        .map(([k, v]) => `${k} ${formatNumber(v)}${isLoss.get(k) ? ` ${trend.line(k, v)}` : ''}`)
        .join('  ');
      bar.update(done, { live });
      composedAt = performance.now();
      pending = null;
    };
    return {
      update(done, values) {
        if (!values) {
          bar.update(done, { live: '' });
          pending = null;
          return;
        }
        for (const k in values) {
          let loss = isLoss.get(k);
          if (loss === undefined) isLoss.set(k, (loss = /loss/.test(k)));
          if (loss) trend.record(k, done, values[k]);
        }
        if (done >= total || performance.now() - composedAt >= LIVE_TEXT_MS) compose(done, values);
        else pending = { done, values };
      },
      finish() {
        if (pending) compose(pending.done, pending.values);
        bar.stop();
        bars.delete(bar);
      },
    };
  }
}

/** How stale a bar's live text may get before an update composes it again (the bar redraws every 100 ms). */
const LIVE_TEXT_MS = 50;

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
  /** Whether the latest recorded value of a key was kept as a sample (it is then the line's last). */
  private readonly keptLast = new Map<string, boolean>();
  private readonly every: number;

  constructor(total: number, readonly width = 16) {
    this.every = Math.max(1, Math.floor(total / width));
  }

  /** Record `value` of `key` at `done`; returns the sparkline of the samples and the current value. */
  add(key: string, done: number, value: number): string {
    return this.record(key, done, value) ? sparkline(this.history.get(key)!) : this.line(key, value);
  }

  /** Keep `value` of `key` if `done` is a sampling point (or the first); says whether it was kept. */
  record(key: string, done: number, value: number): boolean {
    const kept = this.history.get(key) ?? [];
    this.history.set(key, kept);
    if (kept.length === 0 || done % this.every === 0) {
      kept.push(value);
      if (kept.length > this.width) kept.shift();
      this.keptLast.set(key, true);
      return true;
    }
    this.keptLast.set(key, false);
    return false;
  }

  /** The sparkline of `key`'s samples ending with `value`, its latest recorded value. */
  line(key: string, value: number): string {
    const kept = this.history.get(key) ?? [];
    return this.keptLast.get(key) ? sparkline(kept) : sparkline([...kept, value].slice(-this.width));
  }
}
