// The webgpu test bridge: a synchronous CPU-side backend named 'webgpu' whose every kernel runs on
// the real webgpu backend, so the suites that read results synchronously (tolist(), item()) run
// their cases on the GPU kernels unchanged. A worker thread (worker.ts) owns the device; each call
// is posted to it on a MessagePort, the main thread sleeps in Atomics.wait on a shared flag until
// the worker has run the kernel and read the results back, then takes the reply synchronously
// with receiveMessageOnPort (the technique of the npm package `synckit`). The methods are those of
// the js reference backend, walked generically (protocol.ts), not listed by hand.
//
// float64 (WGSL has none; the webgpu backend refuses it, as PyTorch's MPS does) and the kernels or
// dtypes the webgpu backend refuses run on the js reference instead, and are counted: report()
// lists them, so nothing is skipped in silence. Test-only: never in the library's backend list.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

import type { Backend } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { encodeCall, mentionsFloat64, type Call, type ErrorInfo, type Reply } from './protocol.js';

/** How long one kernel may take on SwiftShader before the bridge gives up on the worker. */
const CALL_TIMEOUT_MS = 600_000;

/**
 * Why the webgpu backend refused a call, so that the js reference runs it (and it is counted);
 * null for every other error, which the caller sees as it is (PyTorch's own errors included).
 */
export function fallbackReason(error: ErrorInfo): string | null {
  const m = error.message;
  if (/WGSL has no (f64|float64)|float64 is not supported on webgpu/.test(m)) return 'float64';
  if (/is not implemented on webgpu yet/.test(m)) return 'not implemented on webgpu';
  if (/does not fit webgpu's storage of int64/.test(m)) return 'int64 value beyond int32';
  const dtype = /^webgpu \w+: (?:expected float32|index must be int64|expected operands of \w+), got (\w+)/.exec(m) ?? /on webgpu: expected float32, got (\w+)/.exec(m);
  if (dtype) return `${dtype[1]} operands`;
  const unsupported = /not implemented (?:on webgpu )?for '(\w+)'/.exec(m);
  if (unsupported) return `${unsupported[1]} operands`;
  if (/does not fit an i32 \(tensor too large for webgpu indexing\)/.test(m)) return 'too large for i32 indexing';
  return null;
}

const errorTypes: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError };

function rethrow(error: ErrorInfo): never {
  const e = new (errorTypes[error.name] ?? Error)(error.message);
  if (error.stack) e.stack = `${e.stack}\n  on the webgpu worker:\n${error.stack}`;
  throw e;
}

export interface WebGPUBridge {
  /** The backend to register: name 'webgpu', data on the CPU, kernels on the GPU. */
  readonly backend: Backend;
  /** The adapter's name (starts the worker if it is not running). */
  adapterName(): string;
  /** Calls that ran on the GPU, and the fall-backs to js by kernel and reason. */
  stats(): { gpu: number; fallbacks: ReadonlyMap<string, number> };
  /** One line: how many calls ran on the GPU, and every kernel that fell back, how often and why. */
  report(): string;
  /** Release the device and stop the worker. */
  close(): void;
}

export function createWebGPUBridge(): WebGPUBridge {
  let worker: Worker | null = null;
  let port: MessagePort | null = null;
  let adapter = '';
  let closed = false;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let gpuCalls = 0;
  const fallbacks = new Map<string, number>();

  let sent = 0;
  /** Replies the worker has posted (it adds one to flag[0] after each): what Atomics.wait waits past. */
  let seen = 0;
  /**
   * Sleep until the worker's reply to call `id` is on the port, then take it. Replies carry their
   * call's id; one with id -1 is a throw in the worker outside any call, raised here.
   */
  const wait = (id: number, what: string, timeoutMs: number): Reply | { ok: true; result: unknown } => {
    for (;;) {
      const received = receiveMessageOnPort(port!);
      if (received) {
        const message = received.message as (Reply | { ok: true; result: unknown }) & { id: number };
        if (message.id === id) return message;
        if (message.id === -1 && !message.ok) rethrow((message as { error: ErrorInfo }).error);
        throw new Error(`webgpu bridge: a reply to call ${message.id} came while waiting for ${id} (${what})`);
      }
      if (Atomics.wait(flag, 0, seen, timeoutMs) === 'timed-out') {
        throw new Error(`webgpu bridge: the GPU worker did not answer ${what} within ${timeoutMs / 1000} s`);
      }
      seen = Atomics.load(flag, 0);
    }
  };

  const start = (): MessagePort => {
    if (port) return port;
    if (closed) throw new Error('webgpu bridge: closed');
    const channel = new MessageChannel();
    worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
      workerData: { entry: new URL('./worker.ts', import.meta.url).href, port: channel.port2, flag },
      transferList: [channel.port2],
      execArgv: [],
    });
    worker.unref();
    port = channel.port1;
    const ready = wait(0, 'its start (acquiring the WebGPU adapter)', 120_000);
    if (!ready.ok) {
      const error = (ready as { error: ErrorInfo }).error;
      void worker.terminate();
      worker = null;
      port = null;
      rethrow(error);
    }
    adapter = String(ready.result);
    return port;
  };

  const count = (method: string, args: readonly unknown[], reason: string) => {
    const key = `${method}${typeof args[0] === 'string' ? `:${args[0]}` : ''} (${reason})`;
    fallbacks.set(key, (fallbacks.get(key) ?? 0) + 1);
  };

  const reference = jsBackend as unknown as Record<string, (...args: unknown[]) => unknown>;
  const invoke = (method: string, args: unknown[]): unknown => {
    if (mentionsFloat64(args)) {
      count(method, args, 'float64');
      return reference[method].apply(jsBackend, args);
    }
    const p = start();
    const { call, origins } = encodeCall(method, args);
    const id = ++sent;
    p.postMessage({ ...(call satisfies Call), id }, call.buffers.map((b) => b.data.buffer as ArrayBuffer));
    const reply = wait(id, method, CALL_TIMEOUT_MS) as Reply;
    if (!reply.ok) {
      const reason = fallbackReason(reply.error);
      if (reason === null) rethrow(reply.error);
      count(method, args, reason);
      return reference[method].apply(jsBackend, args);
    }
    gpuCalls++;
    if (reply.written && call.first !== null) origins[call.first].array.set(reply.written, origins[call.first].lo);
    return reply.result;
  };

  const backend: Record<string, unknown> = { name: 'webgpu', device: 'cpu' };
  for (const [method, fn] of Object.entries(jsBackend)) {
    if (typeof fn === 'function') backend[method] = (...args: unknown[]) => invoke(method, args);
  }

  return {
    backend: backend as unknown as Backend,
    adapterName: () => {
      start();
      return adapter;
    },
    stats: () => ({ gpu: gpuCalls, fallbacks }),
    report() {
      // float64 falls back by design (one group, by method); every other fall-back by kernel and reason.
      const f64 = new Map<string, number>();
      const other: [string, number][] = [];
      for (const [key, n] of fallbacks) {
        if (key.endsWith(' (float64)')) {
          const method = key.split(/[: ]/)[0];
          f64.set(method, (f64.get(method) ?? 0) + n);
        } else other.push([key, n]);
      }
      const total = [...f64.values()].reduce((a, b) => a + b, 0);
      const f64List = [...f64].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
      const otherList = other.sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x${n}`).join(', ');
      return `webgpu bridge: ${gpuCalls} kernel calls ran on the GPU; on js instead: float64 ${total} calls${total > 0 ? ` (${f64List})` : ''}; other fall-backs: ${otherList || 'none'}`;
    },
    close() {
      if (port && !closed) {
        const id = ++sent;
        port.postMessage({ method: '$dispose', id });
        try {
          wait(id, 'dispose', 10_000);
        } finally {
          void worker?.terminate();
        }
      }
      closed = true;
      port = null;
      worker = null;
    },
  };
}
