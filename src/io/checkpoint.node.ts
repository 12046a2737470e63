/// <reference types="node" />
// Node adapter for checkpoints (./checkpoint.ts has the format): saveCheckpoint writes durably and
// atomically, loadCheckpoint reads and restores in place.
//
// Durable + atomic: the bytes go to a temporary file beside the target, which is fsync'ed, then
// renamed over the target, then the folder is fsync'ed so the rename itself survives a power cut.
// A crash (or SIGKILL) at any moment leaves the previous checkpoint whole or the new one whole;
// at worst a stray `<path>.tmp-<pid>-<hex>` file stays behind, which loading never looks at and
// the next save removes once its process is gone.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  CheckpointError, parseCheckpoint, restoreCheckpoint, serializeCheckpoint,
  type CheckpointContents, type CheckpointOptions, type Restored, type RestoreTargets,
} from './checkpoint.js';

/** Write bytes to path atomically and durably (temporary file, fsync, rename, fsync of the folder). */
export function writeFileDurable(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'wx');
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some platforms (Windows) cannot open or fsync a folder; the rename has happened regardless.
  }
}

/** Remove `<path>.tmp-<pid>-*` files left by processes that died mid-save (never a live one's). */
function removeStaleTemps(path: string): void {
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
  writeFileDurable(path, serializeCheckpoint(options));
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
