// `dlab gpu [--json]`: the GPUs present (nvidia-smi) with total and free memory, or says none.
import type { Command } from 'commander';
import { listGpus } from '../../utils/gpu.node.js';
import { gib } from '../../utils/fit.js';

export function registerGpu(program: Command): void {
  program
    .command('gpu')
    .description('list the GPUs present (nvidia-smi) with total and free memory')
    .option('--json', 'print one JSON object: {"gpus": [{index, name, totalBytes, freeBytes}]}')
    .action((flags: { json?: boolean }) => {
      const gpus = listGpus() ?? [];
      if (flags.json) {
        console.log(JSON.stringify({ gpus }));
        return;
      }
      if (gpus.length === 0) {
        console.log('no GPU found (nvidia-smi is not available or lists none); dlab computes on the CPU');
        return;
      }
      for (const g of gpus) console.log(`GPU ${g.index}: ${g.name}, ${gib(g.totalBytes)} total, ${gib(g.freeBytes)} free`);
    });
}
