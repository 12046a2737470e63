// Storage: the typed array behind one or more tensors (a tensor and its views share one).
// The version counter is bumped by every in-place write, so autograd can detect stale saves.

import type { Backend } from '../backend/backend.js';
import type { TypedArray } from './dtype.js';

export class Storage {
  version = 0;
  constructor(
    public data: TypedArray,
    readonly backend: Backend,
  ) {}
}
