/// <reference types="node" />
// Node adapter of the native backend (see platform.ts): loads build/Release/dlab_native.node from
// the package root (three levels above this file, in src/ or dist/), null when it was not built
// (no compiler at install) or does not load. DLAB_NATIVE=0 turns it off for a process. Loading it
// sets glibc to keep freed pages for reuse (native/addon.cc, KeepFreedPages); DLAB_NATIVE_MALLOC=system
// keeps glibc's defaults.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeAddon, NativePlatform } from './platform.js';

function load(): { addon: NativeAddon | null; reason: string | null } {
  if (process.env.DLAB_NATIVE === '0') return { addon: null, reason: 'DLAB_NATIVE=0' };
  const path = new URL('../../../build/Release/dlab_native.node', import.meta.url);
  try {
    return { addon: createRequire(import.meta.url)(fileURLToPath(path)) as NativeAddon, reason: null };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { addon: null, reason: code === 'MODULE_NOT_FOUND' ? 'not built (npm run build:native)' : String((e as Error).message).split('\n')[0] };
  }
}

const loaded = load();

export const platform: NativePlatform = {
  addon: loaded.addon,
  reason: loaded.reason,
  // Uninitialised memory: zero-filling a fresh typed array costs more than a small kernel.
  allocFloat32: (n) => new Float32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n),
  allocFloat64: (n) => new Float64Array(Buffer.allocUnsafeSlow(n * 8).buffer, 0, n),
};
