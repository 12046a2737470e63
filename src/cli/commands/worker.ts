// `dlab worker --queue redis://host:port`: run the trials of sweeps started with
// `dlab sweep <experiment> ... --queue <the same url>`, one at a time, on this machine.

import type { Command } from 'commander';
import { runWorker } from '../../lab/queue-worker.node.js';
import { integer, redisUrl } from '../parse.js';

export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('run sweep trials from a queue (dlab sweep ... --queue <url>) on this machine, one at a time, until Ctrl-C')
    .requiredOption('--queue <url>', 'the Redis the sweeps use: redis://[:password@]host[:port][/db], or rediss:// (TLS)', redisUrl)
    .option('--name <name>', 'how this worker is named in the sweep (default host:pid)')
    .option('--stalled-after <seconds>', 'a trial whose worker is silent this long (killed, cut off) goes to another worker; all workers should agree', integer({ min: 1 }), 30);
  cmd.action(async (flags: { queue: string; name?: string; stalledAfter: number }) => {
    try {
      process.exitCode = await runWorker({ url: flags.queue, name: flags.name, stalledAfterSeconds: flags.stalledAfter });
    } catch (e) {
      cmd.error(`dlab worker: ${(e as Error).message}`);
    }
  });
}
