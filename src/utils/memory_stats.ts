// Live-tensor memory accounting, the CPU counterpart of torch.cuda.memory_allocated /
// max_memory_allocated / reset_peak_memory_stats.
//
// How it counts. Every Storage announces itself when it is made (src/tensor/storage.ts); while
// tracking is on, its byte length is added to `current` and the storage is registered with a
// FinalizationRegistry, whose callback subtracts the bytes again once the garbage collector has
// freed it. So `current` is exact about allocations, and about frees only after a collection has
// run and its finalizers have been delivered.
//
// Limits, stated plainly:
// - Storages made before tracking starts are not counted (start it before building the model).
// - Between collections, `current` also counts garbage not yet collected; it is an upper bound.
//   `sampleMemory()` forces a full collection first when the engine allows it: `globalThis.gc`
//   (node --expose-gc) and `FinalizationRegistry.prototype.cleanupSome`
//   (node --harmony-weak-refs-with-cleanup-some) make a sample exact and synchronous.
// - The peak is the largest sampled value, not a watermark of every allocation: an allocation
//   watermark would measure how lazy the collector was, not what the program holds. Sample where
//   the peak can be (end of forward, inside backward); `measureTraining` in memory.ts does.
// - Bytes are the typed arrays' byte lengths: int64 counts 8 bytes, as PyTorch; kernel scratch
//   arrays that never become a Storage are not counted (PyTorch's caching allocator would).

import { Storage, storageEvents } from '../tensor/storage.js';

/** Allocated and peak bytes of live tensors. */
export interface MemoryStats {
  /** Bytes held by storages that were alive at the last count (see the limits above). */
  current: number;
  /** The largest sampled `current` since the last reset. */
  peak: number;
  /** Bytes ever allocated while tracking. */
  allocated: number;
  /** Storages alive at the last count. */
  storages: number;
}

let current = 0;
let peak = 0;
let allocated = 0;
let storages = 0;
let registry: FinalizationRegistry<number> | null = null;

function onAllocate(storage: Storage): void {
  const bytes = storage.byteLength;
  current += bytes;
  allocated += bytes;
  storages++;
  registry!.register(storage, bytes, storage);
}

// An array given to the native pool is no tensor's memory any more (as a block PyTorch's caching
// allocator keeps is not in memory_allocated): counted out now, not when the storage is collected,
// else the next result made from it would count it twice.
function onRecycle(storage: Storage): void {
  if (!registry!.unregister(storage)) return; // made before tracking began
  current -= storage.byteLength;
  storages--;
}

/** Start counting storages (idempotent). Only storages made from now on are seen. */
export function enableMemoryTracking(): void {
  if (registry === null) {
    registry = new FinalizationRegistry<number>((bytes) => {
      current -= bytes;
      storages--;
    });
  }
  storageEvents.onAllocate = onAllocate;
  storageEvents.onRecycle = onRecycle;
}

/** Stop counting new storages; frees of those already counted are still subtracted. */
export function disableMemoryTracking(): void {
  storageEvents.onAllocate = null;
}

/** Whether live tensor bytes are being counted (for `memoryStats` and `maxMemoryAllocated`). */
export function isMemoryTracking(): boolean {
  return storageEvents.onAllocate === onAllocate;
}

type CleanupSome = { cleanupSome?: () => void };

/** Whether sampleMemory() can force an exact count synchronously in this engine. */
export function canSampleExactly(): boolean {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' && typeof (FinalizationRegistry.prototype as CleanupSome).cleanupSome === 'function';
}

/** Force a full collection and deliver pending finalizers, when the engine allows it. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  (registry as CleanupSome | null)?.cleanupSome?.();
  return true;
}

/** Collect (if possible), then count: returns the live bytes and raises the peak to them. */
export function sampleMemory(): number {
  collectGarbage();
  if (current > peak) peak = current;
  return current;
}

/** torch.cuda.memory_allocated: live bytes at the last count (no collection forced). */
export function memoryAllocated(): number {
  return current;
}

/** torch.cuda.max_memory_allocated: the largest sampled value since the last reset. */
export function maxMemoryAllocated(): number {
  return peak;
}

/** torch.cuda.reset_peak_memory_stats: the peak restarts from the current count. */
export function resetPeakMemoryStats(): void {
  collectGarbage();
  peak = current;
}

/** `torch.cuda.memory_stats` for CPU tensors: allocated and peak bytes of live tensors, while tracking is on. */
export function memoryStats(): MemoryStats {
  return { current, peak, allocated, storages };
}
