// A local folder as a FileSource for fit.ts: lists files recursively, reads byte ranges.
/// <reference types="node" />
import { openSync, readSync, closeSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FileSource } from './fit.js';

export function folderSource(dir: string): FileSource {
  return {
    name: dir,
    async list() {
      const out: string[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) walk(p);
          else out.push(relative(dir, p).split(sep).join('/'));
        }
      };
      walk(dir);
      return out.sort();
    },
    async range(path, start, end) {
      const file = join(dir, path);
      const size = statSync(file).size;
      const n = Math.max(0, Math.min(end, size) - start);
      const buf = Buffer.alloc(n);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buf, 0, n, start);
      } finally {
        closeSync(fd);
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, n);
    },
    async text(path) {
      return readFileSync(join(dir, path), 'utf8');
    },
  };
}
