// torch.set_num_threads / get_num_threads for every backend that runs kernels on threads: the
// wasm workers and the native pool take the same count.

import { getNumThreads as wasmGetNumThreads, setNumThreads as wasmSetNumThreads } from './wasm/index.js';
import { setNativeThreads } from './native/index.js';

/** torch.get_num_threads: threads a large kernel may use (default: the number of cores). */
export function getNumThreads(): number {
  return wasmGetNumThreads();
}

/** torch.set_num_threads: for the wasm and the native kernels alike. */
export function setNumThreads(n: number): void {
  wasmSetNumThreads(n);
  setNativeThreads(getNumThreads());
}
