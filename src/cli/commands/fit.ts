// `dlab fit <hub id | folder | --catalogue> [--gpu-memory SIZE] [--context N] [--json]`: parameter
// counts from safetensors headers (HTTP range requests to the hub at HF_ENDPOINT, or a local
// folder), memory per dtype for inference and Adam training, and whether each fits the GPU given
// or detected. `dlab fit --catalogue --gpu-memory 8GiB` answers offline which built-in
// text-to-image model is the largest that fits.

import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { HubUnreachableError, fitConventions, fitTable, gib, hubSource, inspectModel, parseSize } from '../../utils/fit.js';
import { folderSource } from '../../utils/fit_files.node.js';
import { fitCatalogue } from '../../utils/catalogue.js';
import { listGpus } from '../../utils/gpu.node.js';
import { thousands } from '../../utils/summary.js';
import { integer } from '../parse.js';

interface Flags {
  gpuMemory?: string;
  context?: number;
  json?: boolean;
  catalogue?: boolean;
}

/** The GPU memory to plan for: --gpu-memory, else the free memory of the first GPU `dlab gpu` lists. */
export function gpuBytes(flag?: string): { bytes: number | null; source: string } {
  if (flag) return { bytes: parseSize(flag), source: 'given' };
  const gpus = listGpus();
  if (gpus && gpus.length > 0) return { bytes: gpus[0].freeBytes, source: `free memory of GPU 0 (${gpus[0].name})` };
  return { bytes: null, source: 'none' };
}

/** What works without the hub, for a hub that cannot be reached. */
function offlineHint(): string {
  return [
    '',
    'Without the hub:',
    '  dlab fit --catalogue --gpu-memory <size> answers offline for the built-in text-to-image models;',
    '  dlab fit <folder> reads a local copy of the model (its config.json and .safetensors files);',
    `  HF_ENDPOINT=<url> points at a hub mirror you can reach (now ${process.env.HF_ENDPOINT || 'https://huggingface.co'}).`,
  ].join('\n');
}

const yesNo = (v: boolean | null) => (v === null ? '-' : v ? 'yes' : 'no');

export function registerFit(program: Command): void {
  const cmd = program
    .command('fit')
    .description('which dtype of a model fits the GPU, from its safetensors headers (no weights downloaded)')
    .argument('[model]', 'hub model id (HF_ENDPOINT overrides the hub address) or a local folder')
    .option('--gpu-memory <size>', 'GPU memory to fit in, e.g. 8GiB (default: free memory of the detected GPU)')
    .option('--context <n>', 'context length for the KV cache of a transformer (default: its maximum, capped at 4096)', integer({ min: 1 }))
    .option('--catalogue', 'the built-in text-to-image models: which is the largest that fits (offline)')
    .option('--json', 'print one JSON object');
  cmd.action(async (model: string | undefined, flags: Flags) => {
    try {
      const gpu = gpuBytes(flags.gpuMemory);
      if (flags.catalogue || !model) {
        if (gpu.bytes === null) throw new Error('no GPU detected: give --gpu-memory, e.g. --gpu-memory 8GiB');
        const { models, largest } = fitCatalogue(gpu.bytes);
        if (flags.json) {
          console.log(JSON.stringify({
            gpuMemory: gpu.bytes,
            largest: largest?.model.id ?? null,
            models: models.map((m) => ({ id: m.model.id, params: m.params, parts: m.model.parts, approx: m.model.approx ?? false, estimates: m.fits })),
          }));
          return;
        }
        console.log(`text-to-image models for ${gib(gpu.bytes)} (${gpu.source}); float16 inference need:`);
        for (const m of models) {
          const f16 = m.fits.find((f) => f.dtype === 'float16')!;
          console.log(`  ${m.model.id.padEnd(48)} ${(thousands(m.params) + (m.model.approx ? '~' : '')).padStart(15)} params  ${gib(f16.inferenceBytes).padStart(11)}  ${f16.fitsInference ? 'fits' : 'too big'}`);
        }
        console.log(largest ? `largest that fits (float16): ${largest.model.id} (${largest.model.name})` : 'none fits in float16');
        console.log(`conventions: ${fitConventions.join('; ')}`);
        return;
      }
      const local = existsSync(model) && statSync(model).isDirectory();
      const source = local ? folderSource(model) : hubSource(model, { endpoint: process.env.HF_ENDPOINT, token: process.env.HF_TOKEN });
      const sizes = await inspectModel(source);
      let context: number | undefined;
      if (sizes.kvCache) {
        context = flags.context ?? Math.min(sizes.kvCache.maxContext ?? 4096, 4096);
      }
      const table = fitTable(sizes.params, { kvCache: sizes.kvCache, context, gpuBytes: gpu.bytes });
      if (flags.json) {
        console.log(JSON.stringify({
          model: sizes.name,
          params: sizes.params,
          parts: sizes.parts.map((p) => ({ name: p.name, params: p.params, storedDtypes: p.storedDtypes })),
          kvCache: sizes.kvCache ? { ...sizes.kvCache, context } : null,
          gpuMemory: gpu.bytes,
          estimates: table,
        }));
        return;
      }
      const lines = [`${sizes.name}: ${thousands(sizes.params)} parameters`];
      if (sizes.parts.length > 1 || sizes.parts[0].name) for (const p of sizes.parts) lines.push(`  ${p.name.padEnd(16)} ${thousands(p.params).padStart(16)}`);
      if (sizes.kvCache && context) lines.push(`KV cache: ${thousands(sizes.kvCache.elementsPerToken)} values per token, context ${context}`);
      lines.push(gpu.bytes === null ? 'GPU: none detected (give --gpu-memory)' : `GPU: ${gib(gpu.bytes)} (${gpu.source})`, '');
      lines.push(`  ${'dtype'.padEnd(9)} ${'inference'.padStart(12)} ${'fits'.padStart(5)} ${'train (Adam)'.padStart(13)} ${'fits'.padStart(5)}`);
      for (const f of table) {
        lines.push(`  ${f.dtype.padEnd(9)} ${gib(f.inferenceBytes).padStart(12)} ${yesNo(f.fitsInference).padStart(5)} ${(f.trainingBytes === null ? '-' : gib(f.trainingBytes)).padStart(13)} ${yesNo(f.fitsTraining).padStart(5)}`);
      }
      lines.push('', 'conventions:', ...fitConventions.map((c) => `  - ${c}`));
      console.log(lines.join('\n'));
    } catch (e) {
      cmd.error(`dlab fit: ${(e as Error).message}${e instanceof HubUnreachableError ? offlineHint() : ''}`);
    }
  });
}
