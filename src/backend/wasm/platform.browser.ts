// Browser adapter of the wasm runtime (see platform.ts): cores from navigator.hardwareConcurrency,
// kernel workers from a Blob URL of their source (they need a cross-origin isolated page for
// shared memory), and no engine flags (browsers pick their wasm features and tiers themselves).

import type { WasmPlatform } from './platform.js';

export const platform: WasmPlatform = {
  cpuCount: () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency,
  workersAvailable: () => typeof Worker !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  startWorker(source, data) {
    const code = `${source}\nself.onmessage = (event) => start(event.data);`;
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    worker.postMessage(data);
    return worker;
  },
  setEngineFlags: () => false,
};
