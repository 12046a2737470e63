/// <reference types="node" />
// huggingface_hub's cache on disk (file_download.py _hf_hub_download_to_cache_dir,
// _snapshot_download.py, _tree_cache.py): refs written atomically, blobs named by etag,
// snapshots as relative symlinks into blobs (a copy where the filesystem has no symlinks, as
// huggingface_hub falls back), and trees/<commit>.json, the commit's file list that newer
// huggingface_hub releases read to know whether a snapshot is complete when offline.

import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { RepoFile } from './api.js';
import { CACHEDIR_TAG, blobLinkTarget, checkRepoPath, repoFolderName } from './layout.js';

/** The folders of one repo in the cache. */
export class RepoCache {
  /** <cache>/models--org--name */
  readonly root: string;
  /** <cache>/.locks/models--org--name */
  readonly locks: string;

  constructor(
    readonly cacheDir: string,
    readonly repoId: string,
  ) {
    this.root = join(cacheDir, repoFolderName(repoId));
    this.locks = join(cacheDir, '.locks', repoFolderName(repoId));
  }

  blob(etag: string): string {
    return join(this.root, 'blobs', etag);
  }

  /** Where a download of a blob goes until it is complete and verified (resumed across runs). */
  incomplete(etag: string): string {
    return `${this.blob(etag)}.incomplete`;
  }

  snapshot(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }

  pointer(commit: string, path: string): string {
    return join(this.snapshot(commit), ...checkRepoPath(path).split('/'));
  }

  /** The commit a branch or tag pointed at when last pulled (refs/<revision>), or null. */
  readRef(revision: string): string | null {
    const path = join(this.root, 'refs', ...revision.split('/'));
    if (!existsSync(path) || !statSync(path).isFile()) return null;
    return readFileSync(path, 'utf8').trim() || null;
  }

  /** refs/<revision> = the commit, no newline, written to a temp file and renamed. */
  writeRef(revision: string, commit: string): void {
    if (this.readRef(revision) === commit) return;
    const path = join(this.root, 'refs', ...revision.split('/'));
    atomicWrite(path, commit);
  }

  /** A pointer whose blob is there (a dangling link or an .incomplete is not a cached file). */
  hasFile(commit: string, path: string): boolean {
    try {
      return statSync(this.pointer(commit, path)).isFile();
    } catch {
      return false;
    }
  }

  /** The files of a snapshot folder, '/'-separated, sorted; [] when there is none. */
  listSnapshot(commit: string): string[] {
    const dir = this.snapshot(commit);
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (existsSync(p)) out.push(relative(dir, p).split(sep).join('/'));
      }
    };
    walk(dir);
    return out.sort();
  }

  /** snapshots/<commit>/<path> -> ../../blobs/<etag> (one '../' more per folder); a copy where symlinks fail. */
  link(commit: string, path: string, etag: string): void {
    const pointer = this.pointer(commit, path);
    mkdirSync(dirname(pointer), { recursive: true });
    if (existsSync(pointer) || isLink(pointer)) rmSync(pointer, { force: true });
    const target = blobLinkTarget(path, etag);
    try {
      symlinkSync(target, pointer);
    } catch (e) {
      // Windows without developer mode: huggingface_hub copies the blob into the snapshot then.
      if ((e as { code?: string }).code !== 'EPERM') throw e;
      copyFileSync(this.blob(etag), pointer);
    }
  }

  /** trees/<commit>.json as _tree_cache.py writes it (format_version 1, json.dump indent=1, sorted paths). */
  writeTree(commit: string, files: readonly RepoFile[]): void {
    // TreeCacheEntry needs a blob id for every file; without one huggingface_hub writes none either.
    if (files.some((f) => f.blobId === null)) return;
    const entries: Record<string, Record<string, unknown>> = {};
    for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      entries[f.path] = f.lfs ? { size: f.size, blob_id: f.blobId, lfs_sha256: f.lfs.sha256, lfs_size: f.lfs.size } : { size: f.size, blob_id: f.blobId };
    }
    atomicWrite(join(this.root, 'trees', `${commit}.json`), pythonJson({ format_version: 1, files: entries }));
  }

  /** The file list of trees/<commit>.json, or null. */
  readTree(commit: string): RepoFile[] | null {
    const path = join(this.root, 'trees', `${commit}.json`);
    if (!existsSync(path)) return null;
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as { format_version?: number; files?: Record<string, { size: number; blob_id: string; lfs_sha256?: string; lfs_size?: number }> };
      if (data.format_version !== 1 || !data.files) return null;
      return Object.entries(data.files).map(([p, e]) => ({
        path: p,
        size: e.size,
        blobId: e.blob_id,
        lfs: e.lfs_sha256 && e.lfs_size !== undefined ? { sha256: e.lfs_sha256, size: e.lfs_size } : null,
      }));
    } catch {
      return null;
    }
  }
}

/** CACHEDIR.TAG in the cache root, as huggingface_hub writes it on first use. */
export function tagCacheDir(cacheDir: string): void {
  const path = join(cacheDir, 'CACHEDIR.TAG');
  if (existsSync(path)) return;
  mkdirSync(cacheDir, { recursive: true });
  try {
    writeFileSync(path, CACHEDIR_TAG);
  } catch {
    // Best effort, as in huggingface_hub.
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function atomicWrite(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** json.dump(data, f, indent=1) with ensure_ascii: the bytes Python writes. */
export function pythonJson(data: unknown): string {
  return JSON.stringify(data, null, 1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
