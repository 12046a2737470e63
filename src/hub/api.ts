// The hub's HTTP API, the part `dlab pull` needs: the model info at a revision (its commit and
// its files with sizes and content ids) and the resolve URL of a file (hf_api.py model_info with
// files_metadata=True, file_download.py hf_hub_url; the research note text-to-image.md, A1).

import { httpError, type RequestContext } from './errors.js';
import { hubRequest, type RequestOptions } from './http.js';
import { checkRepoPath, isCommitHash } from './layout.js';

/** One file of a repo at a commit. */
export interface RepoFile {
  path: string;
  /** Bytes of the file itself (an LFS file's real size, not its pointer's). */
  size: number;
  /** The git blob sha1, the etag of a regular file. */
  blobId: string | null;
  /** An LFS file's sha256 (its etag) and size. */
  lfs: { sha256: string; size: number } | null;
}

export interface ModelInfo {
  /** The 40-hex commit the revision points at. */
  sha: string;
  files: RepoFile[];
}

/** The name a file is stored under in blobs/: the LFS sha256, else the git blob id (null if the API did not say). */
export const etagOf = (file: RepoFile): string | null => file.lfs?.sha256 ?? file.blobId;

/** Python's urllib.parse.quote: like encodeURIComponent, and also !'()* escaped. */
export const quote = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** {endpoint}/api/models/{repo}/revision/{rev}?blobs=true (a revision's slashes escaped: refs%2Fpr%2F1). */
export const modelInfoUrl = (endpoint: string, repoId: string, revision: string) => `${endpoint}/api/models/${repoId}/revision/${quote(revision)}?blobs=true`;

/** {endpoint}/{repo}/resolve/{rev}/{path}, the path's slashes kept (hf_hub_url). */
export const resolveUrl = (endpoint: string, repoId: string, revision: string, path: string) =>
  `${endpoint}/${repoId}/resolve/${quote(revision)}/${path.split('/').map(quote).join('/')}`;

/** validate_repo_id: 'name' or 'org/name' of letters, digits, '-', '_', '.', no '--' or '..', at most 96 characters. */
export function checkRepoId(repoId: string): string | null {
  if (!/^(?:[\w.-]+\/)?[\w.-]+$/.test(repoId) || /^[.-]|[.-]$|\/[.-]|[.-]\//.test(repoId)) return `'${repoId}' is not a repo id: expected organisation/name, e.g. stabilityai/sd-turbo`;
  if (repoId.includes('--') || repoId.includes('..')) return `'${repoId}' is not a repo id: '--' and '..' are not allowed in one`;
  if (repoId.length > 96) return `'${repoId}' is not a repo id: longer than 96 characters`;
  return null;
}

interface Sibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** GET the model info at a revision; a 4xx becomes the error naming the repo or the revision. */
export async function modelInfo(
  ctx: RequestContext,
  options: Pick<RequestOptions, 'token' | 'timeout' | 'timeoutSetting' | 'fetch'>,
): Promise<ModelInfo> {
  const url = modelInfoUrl(ctx.endpoint, ctx.repoId, ctx.revision);
  const answer = await hubRequest(url, options);
  if (answer.status < 200 || answer.status >= 300) {
    await answer.cancel();
    throw httpError(answer.status, url, answer.headers, ctx);
  }
  const text = await answer.text();
  let info: { sha?: unknown; siblings?: unknown };
  try {
    info = JSON.parse(text) as typeof info;
  } catch {
    throw new Error(`${url} did not answer JSON (is HF_ENDPOINT=${ctx.endpoint} a hub?): ${text.slice(0, 80)}`);
  }
  const sha = str(info.sha);
  if (!sha || !isCommitHash(sha)) throw new Error(`${url}: the answer names no commit (sha), so it is not the hub's model info (is HF_ENDPOINT=${ctx.endpoint} a hub?)`);
  if (!Array.isArray(info.siblings)) throw new Error(`${url}: the answer lists no files (siblings)`);
  const files = (info.siblings as Sibling[]).map((s): RepoFile => {
    const path = str(s.rfilename);
    if (!path) throw new Error(`${url}: a file without a name (rfilename) in the answer`);
    const lfsSha = str(s.lfs?.sha256);
    const lfsSize = num(s.lfs?.size);
    const lfs = lfsSha && lfsSize !== null ? { sha256: lfsSha, size: lfsSize } : null;
    const size = lfs?.size ?? num(s.size);
    if (size === null) throw new Error(`${url}: no size for ${path}; the hub lists sizes with ?blobs=true (is HF_ENDPOINT=${ctx.endpoint} a hub?)`);
    return { path: checkRepoPath(path), size, blobId: str(s.blobId), lfs };
  });
  return { sha, files };
}
