import type { Command } from 'commander';
import { experiments } from '../../lab/registry.js';

/** `dlab list`: the lab's experiments, one line each. */
export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the available experiments')
    .action(() => {
      const width = Math.max(...experiments.map((e) => e.name.length));
      for (const e of experiments) console.log(`${e.name.padEnd(width)}  ${e.summary}`);
    });
}
