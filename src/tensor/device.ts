// Devices, kept small until the device model lands: every tensor lives on 'cpu', so a device
// argument is only checked (a GPU name is refused by name rather than ignored or misread).

import { type DType, checkDtype, dtypes } from './dtype.js';

/** The devices this build has. */
export const devices: readonly string[] = ['cpu'];

const isDevice = (name: string) => name === 'cpu' || name === 'cpu:0';
/** Device types PyTorch knows (and dlab does not have): to('cuda') is a device request, not a bad dtype. */
const otherDevice = /^(cuda|mps|webgpu|xpu|xla|meta|vulkan|hip|ipu|hpu|mtia|privateuseone)(:\d+)?$/;

/** Accept 'cpu' (or 'cpu:0'); refuse any other device by name. */
export function checkDevice(device: string): void {
  if (!isDevice(device)) throw new Error(`dlab has no device '${device}'; available: ${devices.join(', ')}`);
}

/** Tensor.to / Module.to keyword arguments. */
export interface ToOptions {
  dtype?: DType;
  device?: string;
  copy?: boolean;
}

/** One positional argument of to(): a dtype, a device, or an options object. */
export type ToArg = DType | string | ToOptions;

/**
 * PyTorch's to() overloads: to(dtype), to(device), to(device, dtype), to({ dtype, device, copy }),
 * with options last in any of them. Returns the dtype asked for (undefined: keep) and copy.
 */
export function parseTo(args: readonly (ToArg | undefined)[]): { dtype?: DType; copy: boolean } {
  let dtype: DType | undefined;
  let copy = false;
  for (const arg of args) {
    if (arg === undefined) continue;
    if (typeof arg === 'string') {
      if ((dtypes as readonly string[]).includes(arg)) dtype = arg as DType;
      else if (isDevice(arg)) continue;
      else if (otherDevice.test(arg)) checkDevice(arg);
      else throw new TypeError(`to(): '${arg}' is neither a dtype (${dtypes.join(', ')}) nor a device (${devices.join(', ')})`);
    } else {
      if (arg.device !== undefined) checkDevice(arg.device);
      if (arg.dtype !== undefined) {
        checkDtype(arg.dtype);
        dtype = arg.dtype;
      }
      if (arg.copy !== undefined) copy = arg.copy;
    }
  }
  return { dtype, copy };
}
