// What the native backend needs from its host: the compiled addon (build/Release/dlab_native.node,
// built by `npm install`) where this is Node and the build succeeded, else null. The core reaches
// it through the '#native-platform' import (package.json "imports"): platform.node.ts under the
// "node" condition, platform.browser.ts (always null) elsewhere.

/** The C++ kernels (native/addon.cc); arrays are the tensors' own, offsets and strides in elements. */
export interface NativeAddon {
  info(): { isa: string; detected: string; threads: number };
  setNumThreads(n: number): void;
  /** For tests: run on a lower ISA ('portable' | 'avx2' | 'avx512'); returns the one in effect. */
  setIsa(isa: string): string;
  matmul(
    a: Float32Array, aOffset: number, as0: number, as1: number, as2: number,
    b: Float32Array, bOffset: number, bs0: number, bs1: number, bs2: number,
    B: number, M: number, N: number, K: number, out: Float32Array,
  ): void;
}

export interface NativePlatform {
  /** The addon, or null where it is not built (or this is not Node). */
  readonly addon: NativeAddon | null;
  /** Why the addon is null, for `dlab` to say once. */
  readonly reason: string | null;
  /** A float32 array of n elements whose contents the caller overwrites entirely (no zero-fill). */
  allocFloat32(n: number): Float32Array;
}
