// `dlab memory <model> --input ... --batch N [--optimizer ...] [--dtype ...] [--mode train|infer]
// [--measure] [--json]`: the memory estimate by part; with --measure, real steps measured beside it.
// `--json` prints one object: {"params", "bytes": {params, gradients, optimizer, activations,
// input, total}, "mode", "batch", "dtype"} (and "measured" with --measure).
// `--max-batch [--gpu-memory 8GiB]`: the largest batch whose estimate fits in 0.8 of the GPU's
// memory (the course notebook's safety factor; default: the free memory `dlab gpu` reports), with
// the estimate at that batch and at the next power of two; `--json`: {"gpuMemory", "safetyFactor",
// "usable", "maxBatch", "estimates": [{"batch", "bytes", "fits"}]}.

import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import {
  estimateMemory, measureMemory, defaultWorkload, memoryDtypes, optimizerNames, memoryEstimator, largestBatch, gpuSafetyFactor,
  type MemoryDtype, type MemoryEstimate, type MemoryMode, type OptimizerName, type MemoryMeasurement,
} from '../../utils/memory.js';
import { canSampleExactly } from '../../utils/memory_stats.js';
import { thousands } from '../../utils/summary.js';
import { deviceFlag, integer, oneOf } from '../parse.js';
import { measureDeviceMemory, type DeviceMemoryMeasurement } from '../../utils/memory_device.js';
import { loadModel, parseInputSize } from './summary.js';
import { gib } from '../../utils/fit.js';
import { gpuBytes } from './fit.js';

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
  maxBatch?: boolean;
  gpuMemory?: string;
  device?: string;
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

/** The device's own figures beside the estimate: tensor bytes, pool buffers, and the allocation watermark. */
export function formatDeviceMeasurement(e: MemoryEstimate, m: DeviceMemoryMeasurement): string {
  const pct = (bytes: number) => `${bytes >= e.bytes.total ? '+' : ''}${((100 * (bytes - e.bytes.total)) / e.bytes.total).toFixed(1)}%`;
  return [
    '',
    `on ${m.device} (${m.adapter}), device counters over one ${e.mode === 'train' ? 'training step' : 'forward pass'}:`,
    `  tensor bytes (requested)   peak ${mib(m.peak).padStart(12)}  ${pct(m.peak)} vs the estimate; model ${mib(m.params)}, resident ${mib(m.resident)}`,
    `  buffers (pool buckets)     peak ${mib(m.buffers.peak).padStart(12)}  ${pct(m.buffers.peak)}; model ${mib(m.buffers.params)}, resident ${mib(m.buffers.resident)}`,
    `  allocation watermark       peak ${mib(m.watermark).padStart(12)}  ${pct(m.watermark)} (every allocation, dead tensors not yet collected included)`,
    '',
  ].join('\n');
}

export interface MaxBatch {
  gpu: { bytes: number; source: string };
  usable: number;
  maxBatch: number;
  /** The estimates at the largest batch that fits and at the next power of two (batch 1 alone when none fits). */
  estimates: MemoryEstimate[];
}

/** The largest batch that fits `gpu` bytes times the safety factor, and the estimates that show it. */
export function findMaxBatch(estimateAt: (batch: number) => MemoryEstimate, gpu: { bytes: number; source: string }): MaxBatch {
  const usable = Math.floor(gpu.bytes * gpuSafetyFactor);
  const maxBatch = largestBatch((b) => estimateAt(b).bytes.total, usable);
  const next = 2 ** Math.floor(Math.log2(maxBatch) + 1); // the next power of two above maxBatch
  const batches = maxBatch === 0 ? [1] : [maxBatch, next];
  return { gpu, usable, maxBatch, estimates: batches.map(estimateAt) };
}

export function formatMaxBatch(name: string, r: MaxBatch): string {
  const e0 = r.estimates[0];
  const label: Record<string, string> = {
    params: 'parameters', gradients: 'gradients', optimizer: 'optimizer state', activations: 'activations', input: 'input batch', total: 'total',
  };
  const keys = (['params', 'gradients', 'optimizer', 'activations', 'input', 'total'] as const).filter((k) => e0.mode === 'train' || (k !== 'gradients' && k !== 'optimizer'));
  const lines = [
    `${name}: ${e0.mode === 'train' ? `training step, optimizer ${e0.optimizer}` : 'inference'}, ${e0.dtype}`,
    `GPU memory: ${gib(r.gpu.bytes)} (${r.gpu.source}); usable with the safety factor ${gpuSafetyFactor}: ${gib(r.usable)} (${thousands(r.usable)} bytes)`,
    r.maxBatch === 0 ? `no batch fits: batch 1 needs ${mib(e0.bytes.total)}` : `largest batch that fits: ${thousands(r.maxBatch)}`,
    '',
    `  ${'part'.padEnd(16)}${r.estimates.map((e) => `batch ${thousands(e.batch)}`.padStart(18)).join('')}`,
  ];
  for (const k of keys) lines.push(`  ${label[k].padEnd(16)}${r.estimates.map((e) => mib(e.bytes[k]).padStart(18)).join('')}`);
  lines.push(`  ${'fits'.padEnd(16)}${r.estimates.map((e) => (e.bytes.total <= r.usable ? 'yes' : 'no').padStart(18)).join('')}`);
  lines.push('', 'conventions:', `  - usable = ${gpuSafetyFactor} x GPU memory: the CUDA context, the caching allocator and fragmentation take the rest`, ...e0.conventions.map((c) => `  - ${c}`));
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
    .option('--device <device>', 'with --measure: where the step runs (cpu, webgpu, webgpu:0); on webgpu the device\'s own buffer counters are read', deviceFlag)
    .option('--max-batch', `the largest batch whose estimate fits in ${gpuSafetyFactor} of the GPU memory (--batch is ignored)`)
    .option('--gpu-memory <size>', 'GPU memory for --max-batch, e.g. 8GiB (default: free memory of the GPU `dlab gpu` lists)')
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
      if (flags.gpuMemory && !flags.maxBatch) throw new Error('--gpu-memory goes with --max-batch');
      if (flags.maxBatch) {
        if (flags.measure) throw new Error('--max-batch estimates only; drop --measure');
        const gpu = gpuBytes(flags.gpuMemory);
        if (gpu.bytes === null) throw new Error('no GPU detected (dlab gpu lists none): give --gpu-memory, e.g. --gpu-memory 8GiB');
        const r = findMaxBatch(memoryEstimator(model, options), { bytes: gpu.bytes, source: gpu.source });
        if (flags.json) {
          const estimates = r.estimates.map((e) => ({ batch: e.batch, bytes: e.bytes, fits: e.bytes.total <= r.usable }));
          console.log(JSON.stringify({ gpuMemory: gpu.bytes, safetyFactor: gpuSafetyFactor, usable: r.usable, maxBatch: r.maxBatch, estimates }));
        } else {
          process.stdout.write(formatMaxBatch(name, r));
        }
        return;
      }
      if (flags.device && !flags.measure) throw new Error('--device goes with --measure (the estimate does not depend on the device)');
      const estimate = estimateMemory(model, options);
      const measureOptions = { batchSize: flags.batch, optimizer: options.optimizer, mode: options.mode, workload: defaultWorkload(workloadOptions) };
      const onDevice = flags.device !== undefined && flags.device !== 'cpu';
      const measured = !flags.measure
        ? undefined
        : onDevice
          ? await measureDeviceMemory(build, measureOptions, flags.device!)
          : measureMemory(build, measureOptions);
      if (flags.json) {
        const out: Record<string, unknown> = { params: estimate.params, bytes: estimate.bytes, mode: estimate.mode, batch: estimate.batch, dtype: estimate.dtype };
        if (measured) out.measured = measured;
        console.log(JSON.stringify(out));
      } else {
        process.stdout.write(formatEstimate(name, estimate, measured));
        if (measured && 'buffers' in measured) process.stdout.write(formatDeviceMeasurement(estimate, measured as DeviceMemoryMeasurement));
      }
      if (onDevice) (await import('../../backend/webgpu/api.js')).dispose(); // lets the process exit
    } catch (e) {
      cmd.error(`dlab memory: ${(e as Error).message}`);
    }
  });
}
