// `dlab memory <model> --input ... --batch N [--optimizer ...] [--dtype ...] [--mode train|infer]
// [--measure] [--json]`: the memory estimate by part; with --measure, real steps measured beside it.
// `--json` prints one object: {"params", "bytes": {params, gradients, optimizer, activations,
// input, total}, "mode", "batch", "dtype"} (and "measured" with --measure).

import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import {
  estimateMemory, measureMemory, defaultWorkload, memoryDtypes, optimizerNames,
  type MemoryDtype, type MemoryEstimate, type MemoryMode, type OptimizerName, type MemoryMeasurement,
} from '../../utils/memory.js';
import { canSampleExactly } from '../../utils/memory_stats.js';
import { thousands } from '../../utils/summary.js';
import { integer, oneOf } from '../parse.js';
import { loadModel, parseInputSize } from './summary.js';

/** The engine flags that make a live-tensor sample exact (see utils/memory_stats.ts). */
export const MEASURE_FLAGS = ['--expose-gc', '--harmony-weak-refs-with-cleanup-some'];

const MiB = 2 ** 20;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(2)} MiB`;

interface Flags {
  input?: string;
  batch: number;
  optimizer: OptimizerName;
  dtype: MemoryDtype;
  mode: MemoryMode;
  measure?: boolean;
  json?: boolean;
}

export function formatEstimate(name: string, e: MemoryEstimate, measured?: MemoryMeasurement): string {
  const label: Record<string, string> = {
    params: 'parameters', gradients: 'gradients', optimizer: 'optimizer state', activations: 'activations', input: 'input batch', total: 'total',
  };
  const keys = ['params', 'gradients', 'optimizer', 'activations', 'input', 'total'] as const;
  const lines = [
    `${name}: ${e.mode === 'train' ? `training step, optimizer ${e.optimizer}` : 'inference'}, batch ${e.batch}, ${e.dtype}`,
    `parameters: ${thousands(e.params)}${e.trainableParams !== e.params ? ` (${thousands(e.trainableParams)} trainable)` : ''}`,
    `forward activations (every layer's output): ${thousands(e.forwardActivationElements)} values`,
    '',
    `  ${'part'.padEnd(16)} ${'bytes'.padStart(14)} ${'MiB'.padStart(10)}${measured ? '   measured' : ''}`,
  ];
  for (const k of keys) {
    if (e.mode === 'infer' && (k === 'gradients' || k === 'optimizer')) continue;
    const m = measured && k === 'total' ? `   ${mib(measured.peak)} (${((100 * (measured.peak - e.bytes.total)) / e.bytes.total).toFixed(1)}%)` : '';
    lines.push(`  ${label[k].padEnd(16)} ${thousands(e.bytes[k]).padStart(14)} ${(e.bytes[k] / MiB).toFixed(2).padStart(10)}${m}`);
  }
  lines.push('', `largest part: ${label[e.dominant]} (${((100 * e.bytes[e.dominant]) / e.bytes.total).toFixed(0)}% of the total)`);
  if (measured) {
    lines.push(
      `measured: peak ${thousands(measured.peak)} bytes of live tensors over a real ${e.mode === 'train' ? 'training step' : 'forward pass'}` +
        ` (model ${mib(measured.params)}, resident before the step ${mib(measured.resident)})${measured.exact ? '' : ' [inexact: no forced collection]'}`,
    );
  }
  if (e.techniques.length > 0) {
    lines.push('', 'if it does not fit:');
    for (const t of e.techniques) lines.push(`  ${t.name.padEnd(26)} ${mib(t.bytes.total).padStart(12)}  saves ${mib(t.saved)}: ${t.description}`);
  }
  lines.push('', 'conventions:', ...e.conventions.map((c) => `  - ${c}`));
  return `${lines.join('\n')}\n`;
}

export function registerMemory(program: Command): void {
  const cmd = program
    .command('memory')
    .description('estimate training / inference memory by part; --measure runs real steps beside it')
    .argument('<model>', 'built-in model or path/to/file.ts#exportName')
    .option('--input <C,H,W>', "input size without the batch dim (default: the model's own)")
    .option('--batch <n>', 'batch size', integer({ min: 1 }), 64)
    .option('--optimizer <name>', `optimizer (${optimizerNames.join(', ')})`, oneOf(optimizerNames), 'sgd')
    .option('--dtype <dtype>', `parameter dtype (${memoryDtypes.join(', ')})`, oneOf(memoryDtypes), 'float32')
    .option('--mode <mode>', 'train or infer', oneOf(['train', 'infer']), 'train')
    .option('--measure', 'also run real steps and measure live tensor bytes (float32 only)')
    .option('--json', 'print one JSON object');
  cmd.action(async (name: string, flags: Flags) => {
    try {
      if (flags.measure && !canSampleExactly()) {
        // Re-run this very command in a Node that can force a collection and deliver finalizers.
        const r = spawnSync(process.execPath, [...process.execArgv, ...MEASURE_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit' });
        process.exit(r.status ?? 1);
      }
      if (flags.measure && flags.dtype !== 'float32') throw new Error('--measure runs in float32 only (dlab computes in float32)');
      const { model, spec, build } = await loadModel(name);
      const inputSize = flags.input ? parseInputSize(flags.input) : spec?.inputSize;
      if (!inputSize) throw new Error('--input is required for a model from a file');
      const workloadOptions = { inputSize, inputDtypes: spec && !flags.input ? [spec.inputDtype] : undefined, vocab: spec?.vocab };
      const options = {
        ...workloadOptions,
        batchSize: flags.batch,
        dtype: flags.dtype,
        optimizer: flags.optimizer,
        mode: flags.mode,
      };
      const estimate = estimateMemory(model, options);
      const measured = flags.measure
        ? measureMemory(build, { batchSize: flags.batch, optimizer: options.optimizer, mode: options.mode, workload: defaultWorkload(workloadOptions) })
        : undefined;
      if (flags.json) {
        const out: Record<string, unknown> = { params: estimate.params, bytes: estimate.bytes, mode: estimate.mode, batch: estimate.batch, dtype: estimate.dtype };
        if (measured) out.measured = measured;
        console.log(JSON.stringify(out));
      } else {
        process.stdout.write(formatEstimate(name, estimate, measured));
      }
    } catch (e) {
      cmd.error(`dlab memory: ${(e as Error).message}`);
    }
  });
}
