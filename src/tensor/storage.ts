// Storage: the typed array behind one or more tensors (a tensor and its views share one).
// The version counter is bumped by every in-place write, so autograd can detect stale saves.

import type { Backend } from '../backend/backend.js';
import type { TypedArray } from './dtype.js';

/**
 * @internal Who wants to hear of each new storage: the live-tensor memory accounting in
 * src/utils/memory_stats.ts sets this while it is on; null (the default) costs one check.
 */
export const storageEvents: { onAllocate: ((storage: Storage) => void) | null } = { onAllocate: null };

/** @internal Storages made so far: a storage's serial is the count when it was made. */
export const storageCount = { value: 0 };

export class Storage {
  version = 0;
  /** @internal Order of creation: autograd tells a gradient made during a backward pass by it. */
  readonly serial = storageCount.value++;
  constructor(
    public data: TypedArray,
    readonly backend: Backend,
  ) {
    storageEvents.onAllocate?.(this);
  }
}
