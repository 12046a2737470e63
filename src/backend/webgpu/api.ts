/// <reference types="@webgpu/types" />
// torch.webgpu: the torch.cuda set of functions, named for WebGPU. Acquiring a GPU is
// asynchronous in JavaScript (requestAdapter / requestDevice return promises), so the first
// `await torch.webgpu.isAvailable()` acquires the device (once; later calls return the same
// answer at once) and registers the 'webgpu:0' backend; every other function is synchronous
// and reports no GPU before that call. Reads of GPU tensors are the other asynchronous step:
// `await t.itemAsync()`, `await t.cpuAsync()`, `await torch.webgpu.synchronize()`.

import { platform } from '#webgpu-platform';
import { setDeviceBackend } from '../registry.js';
import { createWebGPUBackend } from './index.js';
import { WebGPURuntime } from './runtime.js';

const DEVICE = 'webgpu:0';
/** GPUAdapterInfo as Chromium and Dawn give it. */
type AdapterInfo = { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
let runtime: WebGPURuntime | null = null;
let acquiring: Promise<boolean> | null = null;
let shaderF16 = false;

async function acquire(): Promise<boolean> {
  const gpu = await platform.gpu();
  if (!gpu) return false;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return false;
  // The adapter's own limits, not the spec defaults (128 MiB bindings would cap tensors).
  const limits: Record<string, number> = {};
  for (const key of ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX']) {
    const v = (adapter.limits as unknown as Record<string, number>)[key];
    if (typeof v === 'number') limits[key] = v;
  }
  const device = await adapter.requestDevice({ requiredLimits: limits });
  // adapter.info (Chrome 127+, Dawn) is newer than the @webgpu/types this package pins (0.1.38,
  // which a browser build type-checks against), hence the cast.
  const info = (adapter as GPUAdapter & { info: AdapterInfo }).info;
  const name = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ') || 'WebGPU adapter';
  shaderF16 = adapter.features.has('shader-f16');
  const software = info.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|warp/i.test(name);
  runtime = new WebGPURuntime(gpu, device, software ? `${name} (software adapter)` : name, software);
  setDeviceBackend(DEVICE, createWebGPUBackend(runtime, DEVICE));
  return true;
}

/**
 * `torch.cuda.is_available()` for WebGPU: whether a GPU adapter exists here. The first call
 * acquires the device (asynchronous in JavaScript, hence the promise): await it once before
 * moving tensors to 'webgpu'.
 */
export function isAvailable(): Promise<boolean> {
  if (runtime && !runtime.isDestroyed) return Promise.resolve(true);
  acquiring ??= acquire().catch(() => false);
  return acquiring;
}

/** The devices acquired: 1 after `await isAvailable()` found one, else 0. */
export function deviceCount(): number {
  return runtime && !runtime.isDestroyed ? 1 : 0;
}

function current(fn: string): WebGPURuntime {
  if (!runtime || runtime.isDestroyed) throw new Error(`torch.webgpu.${fn}(): no webgpu device; call \`await torch.webgpu.isAvailable()\` first`);
  return runtime;
}

/** The adapter's name (vendor, architecture, description); "(software adapter)" marks SwiftShader and its kind. */
export function getDeviceName(device: number | string = 0): string {
  void device;
  return current('getDeviceName').name;
}

/** What `torch.cuda.get_device_properties` can say on WebGPU: no total or free memory (WebGPU has no such query), the buffer limits instead. */
export interface DeviceProperties {
  name: string;
  /** The largest single buffer (so the largest tensor: 4 bytes per element). */
  maxBufferSize: number;
  /** The largest buffer one kernel can bind. */
  maxStorageBufferBindingSize: number;
  /** A software adapter (SwiftShader ...): its buffers live in host RAM. */
  isSoftware: boolean;
  /** The adapter offers WGSL's f16 (the `shader-f16` feature); dlab's kernels compute in float32 either way. */
  shaderF16: boolean;
}

/** The acquired adapter's name and limits (`torch.cuda.get_device_properties`, as far as WebGPU tells). */
export function getDeviceProperties(device: number | string = 0): DeviceProperties {
  void device;
  const rt = current('getDeviceProperties');
  return { name: rt.name, maxBufferSize: rt.device.limits.maxBufferSize, maxStorageBufferBindingSize: rt.device.limits.maxStorageBufferBindingSize, isSoftware: rt.software, shaderF16 };
}

/** Bytes held by live GPU tensors (pool buckets, as PyTorch counts blocks). */
export function memoryAllocated(): number {
  return current('memoryAllocated').memory().allocated;
}

/** The peak of memoryAllocated() since the device was acquired or resetPeakMemoryStats(). */
export function maxMemoryAllocated(): number {
  return current('maxMemoryAllocated').memory().peak;
}

/** Bytes in all GPU buffers the pool holds: live tensors' and cached free ones. */
export function memoryReserved(): number {
  return current('memoryReserved').memory().reserved;
}

/** Restart maxMemoryAllocated() from the bytes allocated now. */
export function resetPeakMemoryStats(): void {
  current('resetPeakMemoryStats').resetPeak();
}

/**
 * `torch.cuda.memory_stats()`'s byte counters for this device, under PyTorch's keys: allocated
 * bytes are pool buckets (a power of two up to 1 MiB, then whole MiB), requested bytes what the
 * tensors asked for (4 per element: int64 is stored as int32 on webgpu).
 */
export function memoryStats(): Record<string, number> {
  const m = current('memoryStats').memory();
  return {
    'allocated_bytes.all.current': m.allocated,
    'allocated_bytes.all.peak': m.peak,
    'requested_bytes.all.current': m.requested,
    'requested_bytes.all.peak': m.requestedPeak,
    'reserved_bytes.all.current': m.reserved,
  };
}

/** @internal Deliver the frees of already-collected tensors now (for exact samples; see WebGPURuntime.deliverCollected). */
export function _deliverCollected(): void {
  current('_deliverCollected').deliverCollected();
}

/** Free the pool's cached buffers (their memory returns to the driver). */
export function emptyCache(): void {
  runtime?.emptyCache();
}

/** Wait until the GPU has run everything recorded so far. */
export async function synchronize(): Promise<void> {
  if (runtime && !runtime.isDestroyed) await runtime.synchronize();
}

/**
 * Release the device (no PyTorch counterpart): its tensors become unusable and a Node process can
 * exit. A later `await isAvailable()` acquires a fresh one.
 */
export function dispose(): void {
  if (!runtime) return;
  runtime.destroy();
  setDeviceBackend(DEVICE, null);
  runtime = null;
  acquiring = null;
}

/**
 * `torch.webgpu.scope(fn)` (tfjs `tidy`): run fn, then free the GPU memory of the tensors it made
 * and did not return. `torch.webgpu.keep(t)` exempts one from every open scope.
 */
export { scope, keep } from '../scope.js';
