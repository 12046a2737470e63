// Whether a string names a device a run can use (`--device`), in the device model's own words.
// Apart from lab/device.ts, which acquires GPUs, so that the option rules (experiment.ts) and the
// pages that read them do not load the WebGPU runtime.

import { device as toDevice, type Device } from '../tensor/device.js';

/** Why `name` is no device a run can use, in the device model's words; undefined when it is one. */
export function deviceRefusal(name: string): string | undefined {
  let d: Device;
  try {
    d = toDevice(name);
  } catch (e) {
    return (e as Error).message;
  }
  // dlab acquires one GPU per process (torch.webgpu.deviceCount() is at most 1).
  if (d.type === 'webgpu' && d.index !== null && d.index !== 0) return `dlab has no device '${name}': it drives one GPU per process, webgpu:0`;
  return undefined;
}
