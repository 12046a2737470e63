// The GPU side of the webgpu test bridge (see backend.ts): this worker thread acquires the device
// as a user does (torch.webgpu.isAvailable) and runs each call on the real webgpu backend: it
// uploads the call's arrays, runs the method, reads the results back (awaiting mapAsync in its own
// event loop), frees every buffer of the call, then posts the reply and wakes the main thread,
// which waits on `flag` with Atomics.wait.

import { workerData, type MessagePort } from 'node:worker_threads';

import type { Backend, View } from '../../src/backend/backend.js';
import { deviceBackend } from '../../src/backend/registry.js';
import * as webgpu from '../../src/backend/webgpu/api.js';
import { GpuData } from '../../src/backend/webgpu/runtime.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { decodeArgs, type Call, type ErrorInfo, type Reply } from './protocol.js';

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };

/** Post the reply to call `id`, then count it on the flag the main thread sleeps on. */
function answer(id: number, reply: Reply | { ok: true; result: unknown }, transfer: ArrayBuffer[] = []): void {
  port.postMessage({ ...reply, id }, transfer);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}

const errorInfo = (e: unknown): ErrorInfo =>
  e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { name: 'Error', message: String(e) };

// A throw outside a call would leave the main thread asleep until its timeout: answer instead.
process.on('uncaughtException', (e) => answer(-1, { ok: false, error: errorInfo(e) }));

const NO_ADAPTER =
  'no WebGPU adapter for the webgpu test backend: run the tests through scripts/run-tests.mjs (it points Dawn at ' +
  "SwiftShader, which @sparticuz/chromium unpacks), or set VK_ICD_FILENAMES to a Vulkan driver; DLAB_TEST_WEBGPU=0 turns the webgpu pass off";

if (!(await webgpu.isAvailable())) {
  answer(0, { ok: false, error: { name: 'Error', message: NO_ADAPTER } });
} else {
  const backend = deviceBackend('webgpu:0') as Backend<GpuData>;
  const whole = (data: GpuData): View<GpuData> => {
    if (data.dtype === null) throw new Error('webgpu bridge: a kernel returned scratch memory (no dtype to read it as)');
    return { data, dtype: data.dtype, shape: [data.length], strides: [1], offset: 0 };
  };

  /** Every GpuData in a result replaced by its values; `made` collects them for freeing. */
  const readBack = async (value: unknown, made: GpuData[], transfer: ArrayBuffer[]): Promise<unknown> => {
    if (value instanceof GpuData) {
      made.push(value);
      const values = await backend.read!(whole(value));
      transfer.push(values.buffer as ArrayBuffer);
      return values;
    }
    if (Array.isArray(value)) return Promise.all(value.map((v) => readBack(v, made, transfer)));
    if (typeof value === 'object' && value !== null) {
      const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await readBack(v, made, transfer)] as const));
      return Object.fromEntries(entries);
    }
    return value;
  };

  const run = async (call: Call): Promise<[Reply, ArrayBuffer[]]> => {
    const uploads: GpuData[] = [];
    const made: GpuData[] = [];
    const transfer: ArrayBuffer[] = [];
    try {
      for (const b of call.buffers) uploads.push(backend.upload!(b.data, b.dtype));
      const args = decodeArgs(call.args, (id) => uploads[id]);
      const method = (backend as unknown as Record<string, (...a: unknown[]) => unknown>)[call.method];
      if (typeof method !== 'function') throw new Error(`webgpu bridge: the webgpu backend has no method ${call.method}`);
      const result = method.apply(backend, args);
      const values = await readBack(result, made, transfer);
      let written: TypedArray | null = null;
      if (result === undefined && call.first !== null) {
        written = await backend.read!(whole(uploads[call.first]));
        transfer.push(written.buffer as ArrayBuffer);
      }
      return [{ ok: true, result: values, written }, transfer];
    } catch (e) {
      return [{ ok: false, error: errorInfo(e) }, []];
    } finally {
      for (const d of [...uploads, ...made]) backend.release!(d);
    }
  };

  port.on('message', (message: (Call | { method: '$dispose' }) & { id: number }) => {
    if (message.method === '$dispose') {
      webgpu.dispose();
      answer(message.id, { ok: true, result: null });
      return;
    }
    void run(message as Call).then(([reply, transfer]) => answer(message.id, reply, transfer));
  });
  answer(0, { ok: true, result: webgpu.getDeviceName() });
}
