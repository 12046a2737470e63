// What the wasm runtime needs from its host, which differs between Node and a browser: the
// core reaches it through the '#wasm-platform' import (package.json "imports"), which is
// platform.node.ts under the "node" condition and platform.browser.ts elsewhere.

/** A started kernel worker. */
export interface WorkerHandle {
  terminate(): unknown;
  /** Node's: whether the worker keeps the event loop alive (it does not, but while awaited). */
  ref?(): void;
  unref?(): void;
}

export interface WasmPlatform {
  /** Cores a kernel may split across (the default thread count), if the host says. */
  cpuCount(): number | undefined;
  /** Whether kernel workers can be started here (shared memory must be allowed as well). */
  workersAvailable(): boolean;
  /**
   * Start a worker that runs `source` (which defines `start(data)`) and then calls
   * start(data); it must not keep a Node process alive. Null where none can start.
   */
  startWorker(source: string, data: unknown): WorkerHandle | null;
  /** Set V8 flags for this process before wasm is compiled; false where the host cannot. */
  setEngineFlags(flags: string): boolean;
}
