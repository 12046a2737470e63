// Storage: the memory behind one or more tensors (a tensor and its views share one), owned by
// the backend that made it: a typed array on the CPU, a device buffer handle on a GPU.
// The version counter is bumped by every in-place write, so autograd can detect stale saves.

import type { AnyBackend, DeviceData } from '../backend/backend.js';
import type { TypedArray } from './dtype.js';

/**
 * @internal Who wants to hear of each new storage, and of each whose array went to its backend's
 * pool: the live-tensor memory accounting in src/utils/memory_stats.ts sets these while it is on;
 * null (the default) costs one check.
 */
export const storageEvents: { onAllocate: ((storage: Storage) => void) | null; onRecycle: ((storage: Storage) => void) | null } = { onAllocate: null, onRecycle: null };

/**
 * @internal The open memory scopes (src/backend/scope.ts), innermost last: each lists the storages
 * made inside it on a backend that can free memory early. Empty (the default) costs one check.
 */
export const openScopes: Storage[][] = [];

/** @internal Storages made so far: a storage's serial is the count when it was made. */
export const storageCount = { value: 0 };

/** The error a use of a CPU storage that a scope gave back raises (as webgpu's for a freed buffer). */
function givenBackError(device: string): Error {
  return new Error(
    `this ${device} tensor's memory was given back: torch.scope(fn) gives back what fn made and did not return ` +
      '(return it from fn, or call torch.keep(t) inside fn)',
  );
}

export class Storage {
  version = 0;
  /** @internal Set by torch.webgpu.keep (and where a storage joins a longer-lived object): no scope frees it. */
  kept = false;
  /** @internal Set when reclaim() gave a CPU array to its backend's pool: reading data then throws. */
  recycled = false;
  /** @internal Order of creation: autograd tells a gradient made during a backward pass by it. */
  readonly serial = storageCount.value++;
  private _data: DeviceData;
  constructor(
    data: DeviceData,
    readonly backend: AnyBackend,
  ) {
    this._data = data;
    storageEvents.onAllocate?.(this);
    if (openScopes.length > 0 && (backend.release || backend.recycle)) openScopes[openScopes.length - 1].push(this);
  }

  /** The memory: a typed array on the CPU, a device handle on a GPU. A recycled CPU array is refused (a later result may own it now). */
  get data(): DeviceData {
    if (this.recycled) throw givenBackError(this.backend.name);
    return this._data;
  }
  set data(value: DeviceData) {
    this._data = value;
  }

  /** Whether the memory can be given back before the handle is collected (device backends). */
  get releasable(): boolean {
    return this.backend.release !== undefined;
  }

  /** @internal Give the device memory back now; the caller has proven nothing will use it again. */
  release(): void {
    (this.backend.release as ((data: DeviceData) => void) | undefined)?.(this._data);
  }

  /** Whether a backward pass may give the memory back early: a device's freed, a CPU pool's reused. */
  get reclaimable(): boolean {
    return this.backend.release !== undefined || this.backend.recycle !== undefined;
  }

  /** @internal release() where the backend frees memory, else hand the array to its pool; nothing may use it again. */
  reclaim(): void {
    if (this.backend.release) this.release();
    else if (!this.recycled) {
      // Once: a pool must not hand the same array to two results.
      this.recycled = true;
      storageEvents.onRecycle?.(this);
      (this.backend.recycle as ((data: DeviceData) => void) | undefined)?.(this._data);
    }
  }

  /** Whether the memory is a typed array this thread can read (the CPU backends'). */
  get onCpu(): boolean {
    return this.backend.device === 'cpu';
  }

  /** Bytes the memory takes on its device. */
  get byteLength(): number {
    return (this._data as { byteLength?: number }).byteLength ?? 0;
  }

  /**
   * The typed array of a CPU storage, for code that reads values on the CPU outside a backend;
   * on a device it refuses by name: "`op` is not implemented on webgpu yet".
   */
  host(op: string): TypedArray {
    if (this.backend.device !== 'cpu') throw new Error(`${op} is not implemented on ${this.backend.device.replace(/:\d+$/, '')} yet`);
    return this.data as TypedArray;
  }
}
