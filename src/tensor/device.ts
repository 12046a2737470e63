// Devices, as PyTorch's torch.device: 'cpu' and 'webgpu[:N]' (the GPU through WebGPU: Dawn in
// Node, navigator.gpu in browsers). A tensor's device is its storage's backend's; moving a
// tensor is explicit (.to(device)). PyTorch's other device names are refused by name, pointing
// at 'webgpu', never ignored.

import type { AnyBackend } from '../backend/backend.js';
import { deviceBackend, getBackend } from '../backend/registry.js';
import { type DType, checkDtype, dtypes } from './dtype.js';

/** The device types dlab has. */
export type DeviceType = 'cpu' | 'webgpu';

/** `torch.device`: a device type and an optional index ('cpu', 'webgpu', 'webgpu:0'). */
export class Device {
  constructor(
    readonly type: DeviceType,
    /** null where none was given (torch.device('webgpu').index is None); a tensor's device always has one on a GPU. */
    readonly index: number | null = null,
  ) {}

  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `device(type='${this.type}'${this.index === null ? '' : `, index=${this.index}`})`;
  }
}

/** A device argument: a Device or its string ('cpu', 'webgpu', 'webgpu:0'). */
export type DeviceLike = Device | string;

/** The device types, for messages. */
export const devices: readonly string[] = ['cpu', 'webgpu'];

/** Device types PyTorch knows and dlab does not have: to('cuda') is a device request, not a bad dtype. */
const otherDevice = /^(cuda|mps|xpu|xla|meta|vulkan|hip|ipu|hpu|mtia|privateuseone|opengl|opencl|ideep|mkldnn|ve|fpga|ort|lazy)(:\d+)?$/;
const ownDevice = /^(cpu|webgpu)(?::(\d+))?$/;

/** Whether `name` looks like a device (one of dlab's, or one PyTorch knows). */
export function isDeviceName(name: string): boolean {
  return ownDevice.test(name) || otherDevice.test(name);
}

/**
 * `torch.device(type)` / `torch.device(type, index)`: 'cpu', 'webgpu', 'webgpu:0'. PyTorch's other
 * device types ('cuda', 'mps', ...) are refused with a message that names 'webgpu'.
 */
export function device(spec: DeviceLike, index?: number): Device {
  if (spec instanceof Device) return spec;
  const m = ownDevice.exec(spec);
  if (!m) {
    if (otherDevice.test(spec)) {
      throw new Error(`dlab has no device '${spec}'; available: ${devices.join(', ')} (dlab's GPU device is 'webgpu': torch.device('webgpu'))`);
    }
    throw new Error(`Expected one of ${devices.join(', ')} device type at start of device string: ${spec}`);
  }
  if (m[2] !== undefined && index !== undefined) throw new Error(`type (string) must not include an index because index was passed explicitly: ${spec}`);
  const i = m[2] !== undefined ? Number(m[2]) : index ?? null;
  if (m[1] === 'cpu' && i !== null && i !== 0) throw new Error(`CPU device index must be -1 or zero, got ${i}`);
  return new Device(m[1] as DeviceType, m[1] === 'cpu' ? null : i);
}

/** The device a backend's memory lives on ('cpu', 'webgpu:0'). */
export function deviceOf(backend: AnyBackend): Device {
  return backend.device === 'cpu' ? cpuDevice : device(backend.device);
}
const cpuDevice = new Device('cpu');

/** The backend that makes memory on `d`: the current CPU backend for 'cpu', the GPU's for 'webgpu[:N]'. */
export function backendFor(d: DeviceLike): AnyBackend {
  const dev = device(d);
  if (dev.type === 'cpu') return getBackend();
  return deviceBackend(`${dev.type}:${dev.index ?? 0}`);
}

/** Whether two backends' memory lives on one device (js and wasm are both the CPU). */
export function sameDevice(a: AnyBackend, b: AnyBackend): boolean {
  return a === b || a.device === b.device;
}

/** Refuse a device dlab does not have; accept 'cpu' and 'webgpu[:N]'. */
export function checkDevice(spec: DeviceLike): void {
  device(spec);
}

/** Tensor.to / Module.to keyword arguments. */
export interface ToOptions {
  dtype?: DType;
  device?: DeviceLike;
  copy?: boolean;
}

/** One positional argument of to(): a dtype, a device, or an options object. */
export type ToArg = DType | DeviceLike | ToOptions;

/**
 * PyTorch's to() overloads: to(dtype), to(device), to(device, dtype), to({ dtype, device, copy }),
 * with options last in any of them. Returns the dtype and device asked for (undefined: keep) and copy.
 */
export function parseTo(args: readonly (ToArg | undefined)[]): { dtype?: DType; device?: Device; copy: boolean } {
  let dtype: DType | undefined;
  let dev: Device | undefined;
  let copy = false;
  for (const arg of args) {
    if (arg === undefined) continue;
    if (arg instanceof Device) dev = arg;
    else if (typeof arg === 'string') {
      if ((dtypes as readonly string[]).includes(arg)) dtype = arg as DType;
      else if (isDeviceName(arg)) dev = device(arg);
      else throw new TypeError(`to(): '${arg}' is neither a dtype (${dtypes.join(', ')}) nor a device (${devices.join(', ')})`);
    } else {
      if (arg.device !== undefined) dev = device(arg.device);
      if (arg.dtype !== undefined) {
        checkDtype(arg.dtype);
        dtype = arg.dtype;
      }
      if (arg.copy !== undefined) copy = arg.copy;
    }
  }
  return { dtype, device: dev, copy };
}
