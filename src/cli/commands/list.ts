import type { Command } from 'commander';

/** `dlab list`: lists the lab's experiments (none are registered yet). */
export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the available experiments')
    .action(() => {
      console.log('no experiments yet');
    });
}
