// Where an experiment computes: its `--device` option (cpu, webgpu, webgpu:0), checked by the
// device model's own rules, and the default the runner picks when none is given: the GPU when a
// hardware WebGPU adapter is found, else the CPU. A software adapter (SwiftShader, Mesa's
// llvmpipe/lavapipe, WARP) is never the default: it runs the WGSL kernels on the CPU, far slower
// than the CPU backends; `--device webgpu` still uses it (that is how the tests check the path).

import { device as toDevice, type Device } from '../tensor/device.js';
import { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import * as webgpu from '../backend/webgpu/api.js';

export { deviceRefusal } from './device-name.js';

const DEVICE_HELP =
  'where to compute: cpu, webgpu or webgpu:0 (default: webgpu where a hardware GPU adapter is found, else cpu; ' +
  'a software adapter such as SwiftShader is far slower than the CPU backends, so it is used only when asked for)';

/** The `device` option of an experiment that trains on any device. */
export const deviceOption = { default: null, type: 'device', help: DEVICE_HELP } as const;

/**
 * The `device` option of an experiment whose loop cannot run on a GPU yet: it defaults to cpu,
 * and its run refuses webgpu with `reason` (cpuOnly).
 */
export const cpuDeviceOption = (reason: string) => ({ default: 'cpu', type: 'device', help: `where to compute: cpu only for now (${reason})` }) as const;

/** Refuse a GPU in an experiment that cannot use one yet, saying why. */
export function cpuOnly(experiment: string, device: string | undefined, reason: string): void {
  if (device !== undefined && toDevice(device).type !== 'cpu') throw new Error(`--device ${device}: ${experiment} does not run on webgpu yet (${reason}); use --device cpu`);
}

/** What the default device probe decided, and what to tell the user about it. */
export interface DefaultDevice {
  device: 'cpu' | 'webgpu:0';
  /** The adapter found, when one was ("... (software adapter)" for SwiftShader and its kind). */
  adapter?: string;
  /** A line for the run's output when the choice is not the obvious one. */
  note?: string;
}

/**
 * The device a run uses when none is given: webgpu:0 on a hardware adapter, else cpu. `probe`
 * false skips looking (a host where a GPU cannot be, e.g. Linux without a Vulkan loader, where
 * Dawn would only print a warning). A software adapter found stays acquired, unused: releasing a
 * device and working on has crashed Dawn at the process's exit.
 */
export function defaultDevice(probe = true): Promise<DefaultDevice> {
  if (!probe) return Promise.resolve({ device: 'cpu' });
  // Once per process: each probe starts a Dawn instance, and many of them have crashed Dawn at exit.
  probed ??= (async (): Promise<DefaultDevice> => {
    if (!(await webgpu.isAvailable())) return { device: 'cpu' };
    const { name, isSoftware } = webgpu.getDeviceProperties();
    if (!isSoftware) return { device: 'webgpu:0', adapter: name };
    return { device: 'cpu', adapter: name, note: `device cpu: the only WebGPU adapter is ${name}, far slower than the CPU backends (--device webgpu uses it anyway)` };
  })();
  return probed;
}
let probed: Promise<DefaultDevice> | undefined;

/**
 * The device a run computes on, ready to use: a GPU named is acquired (the first use of WebGPU is
 * asynchronous), and refused when there is none; undefined picks the default, as the runner does.
 */
export async function useDevice(name: string | undefined): Promise<Device> {
  if (name === undefined) return toDevice((await defaultDevice()).device);
  const d = toDevice(name);
  if (d.type === 'webgpu' && !(await webgpu.isAvailable())) throw new Error(`--device ${name}: no WebGPU adapter found (run \`dlab gpu\`); use --device cpu`);
  return d;
}

/** Whether `d` is a GPU (its tensors are read asynchronously). */
export const isGpu = (d: Device | undefined): d is Device => d !== undefined && d.type !== 'cpu';

/** `value` with every GPU tensor in it (arrays, plain objects) replaced by a CPU copy. */
export async function onCpu(value: unknown): Promise<unknown> {
  if (value instanceof Tensor) return value.isCpu ? value : value.detach().cpuAsync();
  if (Array.isArray(value)) return Promise.all(value.map(onCpu));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await onCpu(v)])));
  }
  return value;
}

/**
 * What a checkpoint writes of a model and its optimizer, as CPU tensors: the objects themselves
 * where they are on the CPU (nothing is copied), else their state dicts read back from the GPU.
 */
export async function cpuCheckpointState(
  model: Module,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  optimizer?: Optimizer<any>,
): Promise<{ model: Pick<Module, 'stateDict'>; optimizer?: { stateDict(): OptimizerStateDict } }> {
  const onGpu = (t: Tensor) => !t.isCpu;
  if (!model.parameters().some(onGpu) && !model.buffers().some(onGpu)) return { model, optimizer };
  const weights = (await onCpu(model.stateDict())) as Record<string, Tensor>;
  const state = optimizer && ((await onCpu(optimizer.stateDict())) as OptimizerStateDict);
  return { model: { stateDict: () => weights }, optimizer: state && { stateDict: () => state } };
}
