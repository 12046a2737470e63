/// <reference types="node" />
// Node adapter: safetensors files on disk. Writes are atomic: the bytes go to a temporary file
// beside the target (same folder, so the same file system), which is then renamed over it, so a
// crash mid-save leaves the old file whole or the new one whole, never a torn one; fsync of the
// file and then of its folder makes that hold across a power cut too.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { deserialize, serialize, type Deserialized } from './safetensors.js';
import { deserializeObject, serializeObject } from './object.js';

/** A state dict: parameter and buffer names -> tensors, as Module.stateDict() gives. */
export type StateDict = Record<string, Tensor>;

/** Write bytes to path atomically and durably (temporary file, fsync, rename, fsync of the folder). */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
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

/** safetensors' save_file: write tensors (and optional string metadata) to path, atomically. */
export function saveFile(tensors: Record<string, Tensor>, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serialize(tensors, metadata));
}

/** Read the file at path and parse its bytes; a parse error's message is prefixed with the path. */
export function readParsed<T>(path: string, parse: (bytes: Uint8Array) => T): T {
  const bytes = readFileSync(path);
  try {
    return parse(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    if (e instanceof Error) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

/** safetensors' load_file plus the metadata: read every tensor of a .safetensors file. */
export function loadFile(path: string): Deserialized {
  return readParsed(path, deserialize);
}

/**
 * torch.save in the safetensors format (no pickle): a state dict (`save(model.stateDict(), path)`)
 * is a plain safetensors file any reader opens; any other value (a bare tensor, a list, a nested
 * dict of tensors, numbers and strings) is written as its tensors plus its structure.
 */
export function save(obj: unknown, path: string): void {
  writeFileAtomic(path, serializeObject(obj));
}

/** torch.load for what save wrote (or any safetensors file: its name -> tensor map). */
export function load<T = StateDict>(path: string): T {
  return readParsed(path, deserializeObject) as T;
}
