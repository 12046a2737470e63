// Which backend new tensors use. Tests run every suite once per registered backend.

import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

const backends = new Map<string, Backend>([[jsBackend.name, jsBackend]]);
let current: Backend = jsBackend;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function listBackends(): string[] {
  return [...backends.keys()];
}

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
