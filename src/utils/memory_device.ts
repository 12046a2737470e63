// `dlab memory --measure --device webgpu`: the measurement of memory.ts on a GPU, reading the
// device's own counters (bytes in live buffers) instead of the CPU's live-storage count. Samples
// are taken where memory.ts samples (module exits, gradients in backward, after backward and
// after the step), each after a forced collection whose frees are delivered at once, so a sample
// counts what the program holds, not what the collector has yet to find.

import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import * as webgpu from '../backend/webgpu/api.js';
import { measureWith, type MeasureOptions, type MemoryMeasurement } from './memory.js';
import { canSampleExactly, collectGarbage } from './memory_stats.js';

/** A device measurement: `peak`, `params`, `resident` in bytes the tensors asked for; `buffers` the same samples in pool buckets. */
export interface DeviceMemoryMeasurement extends MemoryMeasurement {
  device: string;
  adapter: string;
  /** The same samples counted in pool-bucket bytes (what the GPU holds for the tensors). */
  buffers: { peak: number; params: number; resident: number };
  /**
   * maxMemoryAllocated() over the measured step: a watermark of every allocation, so it also
   * counts tensors already dead but not yet collected (V8 does not see GPU memory).
   */
  watermark: number;
}

/** Build the model on `device` and measure one real step there (after `warmup` steps). */
export async function measureDeviceMemory(build: () => Module, options: MeasureOptions, device: string): Promise<DeviceMemoryMeasurement> {
  if (!device.startsWith('webgpu')) throw new Error(`--device ${device}: measuring device memory needs a webgpu device`);
  if (!(await webgpu.isAvailable())) throw new Error('--device webgpu: no WebGPU adapter found (run `dlab gpu`); use --device cpu');
  await webgpu.synchronize();
  const read = () => {
    collectGarbage();
    webgpu._deliverCollected();
    const s = webgpu.memoryStats();
    return { requested: s['requested_bytes.all.current'], allocated: s['allocated_bytes.all.current'] };
  };
  // measureWith samples: once before the model, once after it is built and placed, once just
  // before the measured step (then resets the peak), then during the step.
  const buckets: number[] = [];
  let peak = 0;
  let bucketPeak = 0;
  let residentBuckets = 0;
  const measured = measureWith(
    build,
    options,
    {
      sample() {
        const now = read();
        peak = Math.max(peak, now.requested);
        bucketPeak = Math.max(bucketPeak, now.allocated);
        buckets.push(now.allocated);
        return now.requested;
      },
      resetPeak() {
        residentBuckets = buckets[buckets.length - 1];
        peak = 0;
        bucketPeak = 0;
        webgpu.resetPeakMemoryStats();
      },
      peak: () => peak,
      exact: canSampleExactly,
    },
    { model: (m) => void m.to(device), tensor: (t: Tensor) => t.to(device) },
  );
  const zero = buckets[0];
  return {
    ...measured,
    device,
    adapter: webgpu.getDeviceName(),
    buffers: { peak: bucketPeak - zero, params: buckets[1] - zero, resident: residentBuckets - zero },
    watermark: webgpu.maxMemoryAllocated() - zero,
  };
}
