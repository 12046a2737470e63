/// <reference types="node" />
// The memory a model pulled now would run in: the one place that says which device that is.
// With a WebGPU adapter, dlab runs there. WebGPU has no query for total or free memory, so the
// figure comes from what is knowable: a software adapter's buffers live in host RAM (its free
// RAM); a hardware one's GPU is asked through nvidia-smi where that exists; else the adapter's
// largest buffer (maxBufferSize) is the only bound it reports, and the name says so. Without an
// adapter: GPU 0 from nvidia-smi (as `dlab gpu` / `dlab fit` report), else the CPU's free RAM.

import { freemem } from 'node:os';
import { listGpus } from '../utils/gpu.node.js';
import * as webgpu from '../backend/webgpu/api.js';
import type { DeviceMemory } from './fit_check.js';

const NO_QUERY = 'WebGPU has no free-memory query';

/** The WebGPU adapter's properties, acquiring it for the question (and releasing it after) when not already held. */
async function webgpuAdapter(): Promise<webgpu.DeviceProperties | null> {
  if (webgpu.deviceCount() > 0) return webgpu.getDeviceProperties();
  if (!(await webgpu.isAvailable())) return null;
  try {
    return webgpu.getDeviceProperties();
  } finally {
    webgpu.dispose(); // held only for this question: a held device keeps Node from exiting
  }
}

/**
 * The device and its free bytes; `given` (bytes, from --gpu-memory) overrides what is detected.
 * `webgpu: false` skips the adapter (a machine where dlab is told to compute on the CPU).
 */
export async function deviceMemory(given?: number, options: { webgpu?: boolean } = {}): Promise<DeviceMemory> {
  if (given !== undefined) return { name: 'the memory given (--gpu-memory)', freeBytes: given };
  const gpus = listGpus();
  const adapter = options.webgpu === false ? null : await webgpuAdapter();
  if (adapter) {
    const name = `webgpu:0 (${adapter.name})`;
    if (adapter.isSoftware) return { name: `${name}: host RAM, where a software adapter's buffers live (${NO_QUERY})`, freeBytes: freemem() };
    if (gpus && gpus.length > 0) return { name: `${name}: free memory of GPU ${gpus[0].index} from nvidia-smi (${NO_QUERY})`, freeBytes: gpus[0].freeBytes };
    return { name: `${name}: ${NO_QUERY}; its largest buffer (maxBufferSize), a lower bound of its memory`, freeBytes: adapter.maxBufferSize };
  }
  if (gpus && gpus.length > 0) return { name: `GPU ${gpus[0].index} (${gpus[0].name})`, freeBytes: gpus[0].freeBytes };
  return { name: 'cpu', freeBytes: freemem() };
}
