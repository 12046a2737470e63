/// <reference types="@webgpu/types" />
// Browser adapter of the WebGPU runtime (see platform.ts): navigator.gpu, where the browser has WebGPU.

import type { WebGPUPlatform } from './platform.js';

export const platform: WebGPUPlatform = {
  gpu: async () => (typeof navigator !== 'undefined' && 'gpu' in navigator ? navigator.gpu : null),
};
