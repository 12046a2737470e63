// `dlab bench [--quick] [--json] [--only ...] [--peers ...] [--profile] [--out file]`: the benchmark
// against PyTorch, TF.js wasm and jax-js, on every backend dlab registers. The runner is plain JavaScript in bench/ (it starts every measurement in its own
// process); this command only finds it beside the package and hands the options over.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { listParser } from '../parse.js';

/** The workloads bench/run.mjs plans (keep the two in step). */
export const workloads = ['matmul', 'mlp-train', 'mlp-infer', 'lenet-train', 'lenet-infer', 'dispatch', 'mnist-data', 'profile'] as const;

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('time dlab against PyTorch, TF.js wasm and jax-js; writes BENCHMARKS.md (a --quick or --only run prints its table)')
    .option('--quick', 'a short run (under a minute): fewer sizes, partial epochs')
    .option('--json', 'also print every measurement as one JSON object')
    .option('--only <workloads>', `comma-separated: ${workloads.join(', ')}`, listParser<string>({ kind: 'string', choices: workloads }))
    .option('--peers <ids>', 'comma-separated peers to run: dlab-<backend> (each registered backend), dlab-webgpu (where a WebGPU adapter is found), tfjs-wasm, jax-js, pytorch', listParser<string>({ kind: 'string' }))
    .option('--profile', "only a training step's time by backend kernel (MLP and LeNet) per dlab backend: --only profile")
    .option('--out <file>', 'where to write the table (default: BENCHMARKS.md for a full run)')
    .action((opts: { quick?: boolean; json?: boolean; only?: string[]; peers?: string[]; profile?: boolean; out?: string }) => {
      // dist/cli/commands/bench.js and src/cli/commands/bench.ts both sit three levels below the root.
      const runner = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));
      if (!existsSync(runner)) throw new Error(`the benchmark runner is missing: ${runner}`);
      const args = [runner];
      if (opts.out) args.push('--out', opts.out);
      if (opts.quick) args.push('--quick');
      if (opts.json) args.push('--json');
      if (opts.only) args.push('--only', opts.only.join(','));
      if (opts.peers) args.push('--peers', opts.peers.join(','));
      if (opts.profile) args.push('--profile');
      const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' });
      process.exitCode = status ?? 1;
    });
}
