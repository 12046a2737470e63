// `dlab report <id>`: (re)write a run's self-contained HTML report from the store and print its path.

import type { Command } from 'commander';
import { writeReport } from '../../lab/report.node.js';
import { RunStore } from '../../lab/store.node.js';

export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description("regenerate a run's HTML report (curves, predictions, timing) and print its path")
    .argument('<id>', 'run id');
  cmd.action(async (raw: string) => {
    const id = Number(raw);
    if (!Number.isInteger(id) || id <= 0) return cmd.error(`dlab report: '${raw}' is not a run id`);
    try {
      console.log(await writeReport(new RunStore(), id));
    } catch (e) {
      return cmd.error(`dlab report: ${(e as Error).message}`);
    }
  });
}
