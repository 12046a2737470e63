// d2l's device helpers: try_gpu(i) and try_all_gpus(), for WebGPU. Asynchronous because finding
// a GPU is (torch.webgpu.isAvailable() acquires it on first call): `const device = await tryGpu()`.

import * as webgpu from '../backend/webgpu/api.js';
import { Device, device } from '../tensor/device.js';

/** d2l's try_gpu(i=0): webgpu:i if that GPU exists, else the CPU. */
export async function tryGpu(i = 0): Promise<Device> {
  await webgpu.isAvailable();
  return webgpu.deviceCount() >= i + 1 ? device('webgpu', i) : device('cpu');
}

/** d2l's try_all_gpus(): every GPU, or [cpu] where there is none. */
export async function tryAllGpus(): Promise<Device[]> {
  await webgpu.isAvailable();
  const n = webgpu.deviceCount();
  return n > 0 ? Array.from({ length: n }, (_, i) => device('webgpu', i)) : [device('cpu')];
}
