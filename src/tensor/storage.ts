// Storage: the typed array behind one or more tensors (a tensor and its views share one).
// The version counter is bumped by every in-place write, so autograd can detect stale saves.

import type { Backend } from '../backend/backend.js';
import type { TypedArray } from './dtype.js';

/**
 * @internal Who wants to hear of each new storage: the live-tensor memory accounting in
 * src/utils/memory_stats.ts sets this while it is on; null (the default) costs one check.
 */
export const storageEvents: { onAllocate: ((storage: Storage) => void) | null } = { onAllocate: null };

export class Storage {
  version = 0;
  constructor(
    public data: TypedArray,
    readonly backend: Backend,
  ) {
    storageEvents.onAllocate?.(this);
  }
}
