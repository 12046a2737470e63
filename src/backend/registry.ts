// Which backend new tensors use. Tests run every suite once per registered backend.

import type { AnyBackend, Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { wasmBackend, wasmSimdSupported } from './wasm/index.js';
import { nativeBackend } from './native/index.js';

const backends = new Map<string, Backend>([[jsBackend.name, jsBackend]]);
// The wasm backend wherever the engine has SIMD128 (every current browser, Node >= 16), and
// then the default: it runs the MNIST MLP training step about 12x faster than js (2.3 against
// 28.6 ms on a 2-core Xeon, scripts/profile-mlp-step.ts) and agrees with it within float32
// rounding (matmul) or exactly (everything else).
if (wasmSimdSupported()) backends.set(wasmBackend.name, wasmBackend);
// The native backend where its addon was built (Node, `npm install` with a C++ compiler), and
// then the default: AVX-512 / AVX2 kernels on the tensors' own memory (scripts/bench-matmul.ts,
// scripts/profile-mlp-step.ts measure it against wasm).
if (nativeBackend) backends.set(nativeBackend.name, nativeBackend);
let current: Backend = backends.get('native') ?? backends.get('wasm') ?? jsBackend;

/** Adds a backend (an implementation of every primitive) under its name, for `setBackend`. No PyTorch counterpart. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** The names of the registered backends (`js`, `wasm`, `native`). No PyTorch counterpart. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** The backend computing now (`native` by default where its addon is built, else `wasm` where the engine has SIMD, else `js`). No PyTorch counterpart. */
export function getBackend(): Backend {
  return current;
}

/** Make `name` the backend for new tensors; returns the previous one's name. */
export function setBackend(name: string): string {
  const next = backends.get(name);
  if (!next) throw new Error(`unknown backend '${name}' (available: ${listBackends().join(', ')})`);
  const prev = current.name;
  current = next;
  return prev;
}

// Device backends (webgpu:0, ...), registered once their device is acquired (asynchronously:
// torch.webgpu.isAvailable()). CPU backends above are chosen with setBackend; a device backend is
// chosen by the device a tensor is on.
const deviceBackends = new Map<string, AnyBackend>();

/** @internal Make `backend` the one for its device (null: the device is gone). */
export function setDeviceBackend(device: string, backend: AnyBackend | null): void {
  if (backend) deviceBackends.set(device, backend);
  else deviceBackends.delete(device);
}

/** @internal The backend of a device ('webgpu:0'); refuses one not acquired, saying how to acquire it. */
export function deviceBackend(device: string): AnyBackend {
  const backend = deviceBackends.get(device);
  if (backend) return backend;
  throw new Error(
    `${device} is not available: acquire the GPU once with \`await torch.webgpu.isAvailable()\` (true when a WebGPU adapter was found) before moving tensors to it`,
  );
}
