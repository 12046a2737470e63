// Browser adapter of the native backend (see platform.ts): there is no addon in a browser.

import type { NativePlatform } from './platform.js';

export const platform: NativePlatform = {
  addon: null,
  reason: 'not Node',
  allocFloat32: (n) => new Float32Array(n),
  allocFloat64: (n) => new Float64Array(n),
};
