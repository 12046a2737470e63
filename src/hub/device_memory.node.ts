/// <reference types="node" />
// The memory a model pulled now would run in: the one place that says which device that is.
// Today it is what `dlab gpu` / `dlab fit` report (the free memory of GPU 0 from nvidia-smi), else
// the CPU's free RAM, where dlab computes without a GPU; the WebGPU device, when it lands, is asked
// here instead.

import { freemem } from 'node:os';
import { listGpus } from '../utils/gpu.node.js';
import type { DeviceMemory } from './fit_check.js';

/** The device and its free bytes; `given` (bytes, from --gpu-memory) overrides what is detected. */
export function deviceMemory(given?: number): DeviceMemory {
  if (given !== undefined) return { name: 'the memory given (--gpu-memory)', freeBytes: given };
  const gpus = listGpus();
  if (gpus && gpus.length > 0) return { name: `GPU ${gpus[0].index} (${gpus[0].name})`, freeBytes: gpus[0].freeBytes };
  return { name: 'cpu', freeBytes: freemem() };
}
