/// <reference types="@webgpu/types" />
// Where the WebGPU entry point comes from, which differs between Node and a browser: the core
// reaches it through the '#webgpu-platform' import (package.json "imports"): platform.node.ts
// under the "node" condition (the npm package `webgpu`, Dawn), platform.browser.ts elsewhere
// (navigator.gpu).

export interface WebGPUPlatform {
  /** The GPU entry point, or null where this host has none. Loaded on first use only. */
  gpu(): Promise<GPU | null>;
}
