// huggingface_hub's cache layout, as names only (file_download.py; the research note
// text-to-image.md, A4). The files themselves are written by cache.node.ts.
//
//   <cache>/models--<org>--<name>/refs/<revision>             the commit a branch or tag pointed at
//   <cache>/models--<org>--<name>/blobs/<etag>                 content: sha256 (LFS) or git sha1
//   <cache>/models--<org>--<name>/snapshots/<commit>/<path>    relative symlink to ../../blobs/<etag>
//   <cache>/models--<org>--<name>/trees/<commit>.json          the commit's file list (newer releases)
//   <cache>/.locks/models--<org>--<name>/                      locks, outside the repo folder

export type RepoType = 'model' | 'dataset' | 'space';

/** repo_folder_name(): 'models--org--name' (file_download.py). */
export function repoFolderName(repoId: string, repoType: RepoType = 'model'): string {
  return [`${repoType}s`, ...repoId.split('/')].join('--');
}

/** A 40-hex git commit id (REGEX_COMMIT_HASH): such a revision needs no refs/ entry. */
export const isCommitHash = (revision: string) => /^[0-9a-f]{40}$/.test(revision);

/** 'W/"abc"' -> 'abc' (_normalize_etag). */
export const normalizeEtag = (etag: string | null): string | null => (etag === null ? null : etag.replace(/^W\//, '').replace(/"/g, ''));

/** An LFS file's etag is its sha256 (64 hex); a regular git file's is its git blob sha1 (40 hex). */
export const etagKind = (etag: string): 'sha256' | 'git-sha1' | 'other' =>
  /^[0-9a-f]{64}$/.test(etag) ? 'sha256' : /^[0-9a-f]{40}$/.test(etag) ? 'git-sha1' : 'other';

/**
 * Where a repo path may go on disk: relative, '/'-separated, no '..' or empty parts (a path from a
 * server is not trusted to stay inside the snapshot folder).
 */
export function checkRepoPath(path: string): string {
  const parts = path.split('/');
  if (path.startsWith('/') || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`refusing the file name '${path}' from the hub: it would leave the snapshot folder`);
  }
  return path;
}

/** The relative target of snapshots/<commit>/<path>: one '../' per folder level, then blobs/<etag>. */
export function blobLinkTarget(path: string, etag: string): string {
  const depth = path.split('/').length - 1;
  return `${'../'.repeat(depth + 2)}blobs/${etag}`;
}

/** The Cache Directory Tagging Standard file huggingface_hub writes in the cache root (_local_folder.py). */
export const CACHEDIR_TAG =
  'Signature: 8a477f597d28d172789f06886806bc55\n' +
  '# This file is a cache directory tag created by huggingface_hub.\n' +
  '# For information about cache directory tags, see:\n' +
  '#\thttps://bford.info/cachedir/\n';
