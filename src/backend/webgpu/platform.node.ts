/// <reference types="@webgpu/types" />
// Node adapter of the WebGPU runtime (see platform.ts): Dawn through the npm package `webgpu`,
// imported on first use (loading dlab never loads Dawn). Dawn finds a GPU through the Vulkan
// loader (libvulkan.so.1) and an ICD; on a machine without a GPU, SwiftShader's ICD (which
// @sparticuz/chromium extracts) serves, with VK_ICD_FILENAMES and LD_LIBRARY_PATH set before the
// process starts (scripts/run-tests.mjs does this for the tests).

import type { WebGPUPlatform } from './platform.js';

export const platform: WebGPUPlatform = {
  async gpu() {
    let mod: { create(flags: string[]): GPU };
    try {
      mod = (await import('webgpu')) as unknown as { create(flags: string[]): GPU };
    } catch {
      return null; // the optional package is not installed
    }
    return mod.create([]);
  },
};
