// The terminal's RunContext: progress bars on stderr (cli-progress), lines on stderr too when
// --json keeps stdout for the one JSON result line.

import cliProgress from 'cli-progress';
import type { Progress, RunContext } from './experiment.js';

export interface LoggedMetric {
  metrics: Record<string, number>;
  step?: number;
  epoch?: number;
}

export class ConsoleContext implements RunContext {
  readonly history: LoggedMetric[] = [];

  constructor(private readonly quiet: boolean) {}

  log(metrics: Record<string, number>, at: { step?: number; epoch?: number }): void {
    this.history.push({ metrics, ...at });
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
    return {
      update(done, values) {
        const live = values ? Object.entries(values).map(([k, v]) => `${k} ${formatNumber(v)}`).join('  ') : '';
        bar.update(done, { live });
      },
      finish() {
        bar.stop();
      },
    };
  }
}

function formatNumber(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}
