// The native backend (Node only): C++ kernels through Node-API (native/, built by `npm install`),
// AVX-512, AVX2+FMA or portable code chosen at run time, on a persistent thread pool. Kernels read
// and write the tensors' own typed arrays: no copies in or out. Every primitive without a native
// kernel (and float64, and the layouts a kernel does not take) is the wasm backend's, so the two
// differ only where the native kernel is faster.
//
// No `scratch`: native results are fresh arrays, and the wasm kernels this falls back on, with no
// scratch scope begun, copy their results out of linear memory as well.

import { platform } from '#native-platform';
import type { Backend, View } from '../backend.js';
import { wasmBackend } from '../wasm/index.js';
import type { NativeAddon } from './platform.js';

const isF32 = (v: View): v is View & { data: Float32Array } => v.data instanceof Float32Array;

function makeNativeBackend(addon: NativeAddon): Backend {
  const alloc = platform.allocFloat32;
  const { scratch: _wasmScratch, ...fallback } = wasmBackend;
  return {
    ...fallback,
    name: 'native',

    matmul(a, b, dtype) {
      if (dtype !== 'float32' || !isF32(a) || !isF32(b)) return wasmBackend.matmul(a, b, dtype);
      const [B, M, K] = a.shape;
      const N = b.shape[2];
      const out = alloc(B * M * N);
      const sa = a.strides;
      const sb = b.strides;
      addon.matmul(a.data, a.offset, sa[0], sa[1], sa[2], b.data, b.offset, sb[0], sb[1], sb[2], B, M, N, K, out);
      return out;
    },
  };
}

/** The native backend where its addon loaded (Node, built at install), else null. */
export const nativeBackend: Backend | null = platform.addon ? makeNativeBackend(platform.addon) : null;

/** Why there is no native backend (null where there is one). */
export const nativeUnavailableReason: string | null = platform.reason;

/** Which ISA the kernels run (and the best this CPU has) and the pool's thread count; null without the addon. */
export function nativeInfo(): { isa: string; detected: string; threads: number } | null {
  return platform.addon?.info() ?? null;
}

/** @internal For tests: run the kernels on a lower ISA ('portable', 'avx2', 'avx512'); returns the one in effect. */
export function setNativeIsa(isa: string): string | null {
  return platform.addon?.setIsa(isa) ?? null;
}

/** torch.set_num_threads for the native pool (src/backend/threads.ts sets every backend's). */
export function setNativeThreads(n: number): void {
  platform.addon?.setNumThreads(n);
}
