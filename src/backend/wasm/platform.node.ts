/// <reference types="node" />
// Node adapter of the wasm runtime (see platform.ts): cores from node:os, kernel workers from
// node:worker_threads (eval'd source, unref'd so they never keep the process alive), V8 flags
// from node:v8.

import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { WasmPlatform } from './platform.js';

export const platform: WasmPlatform = {
  cpuCount: () => availableParallelism(),
  workersAvailable: () => true,
  startWorker(source, data) {
    // The eval'd code is a CommonJS script: it reads its data from worker_threads itself.
    const worker = new Worker(`${source}\nstart(require('node:worker_threads').workerData);`, { eval: true, workerData: data });
    worker.unref();
    return worker;
  },
  setEngineFlags(flags) {
    setFlagsFromString(flags);
    return true;
  },
};
