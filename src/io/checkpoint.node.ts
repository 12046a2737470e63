/// <reference types="node" />
// Node adapter for checkpoints (./checkpoint.ts has the format): saveCheckpoint writes durably and
// atomically, loadCheckpoint reads and restores in place.
//
// Durable + atomic: the bytes go to a temporary file beside the target, which is fsync'ed, then
// renamed over the target, then the folder is fsync'ed so the rename itself survives a power cut.
// A crash (or SIGKILL) at any moment leaves the previous checkpoint whole or the new one whole;
// at worst a stray `<path>.tmp-<pid>-<hex>` file stays behind, which loading never looks at and
// the next save removes once its process is gone.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  CheckpointError, parseCheckpoint, restoreCheckpoint, serializeCheckpoint,
  type CheckpointContents, type CheckpointOptions, type Restored, type RestoreTargets,
} from './checkpoint.js';
import { writeFileAtomic } from './files.node.js';

/** Remove `<path>.tmp-<pid>-*` files left by processes that died mid-save (never a live one's). */
export function removeStaleTemps(path: string): void {
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)-[0-9a-f]{12}$/.exec(name.slice(prefix.length)) : null;
    if (m === null || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    rmSync(join(dirname(path), name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Save model, optimizer, scheduler, loader position, epoch, step, RNG states (and extras) to one file. */
export function saveCheckpoint(path: string, options: CheckpointOptions): void {
  removeStaleTemps(path);
  writeFileAtomic(path, serializeCheckpoint(options));
}

/** Read and validate a checkpoint file without applying it. Errors name the file. */
export function readCheckpoint(path: string): CheckpointContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  try {
    return parseCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    if (e instanceof CheckpointError) e.message = `checkpoint ${path}: ${e.message}`;
    throw e;
  }
}

/** Restore everything saveCheckpoint saved, in place; returns { epoch, step, extra, tensors }. */
export function loadCheckpoint(path: string, targets: RestoreTargets): Restored {
  const contents = readCheckpoint(path);
  try {
    return restoreCheckpoint(contents, targets);
  } catch (e) {
    if (e instanceof Error) e.message = `checkpoint ${path}: ${e.message}`;
    throw e;
  }
}
