// What can go wrong talking to the hub, each with the message a student can act on. The hub's own
// X-Error-Code header decides first, as huggingface_hub's hf_raise_for_status does
// (utils/_http.py): RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo.

import { gib } from '../utils/fit.js';

/** Where a request was aimed, for the messages. */
export interface RequestContext {
  repoId: string;
  revision: string;
  /** The file, for a resolve request. */
  file?: string;
  endpoint: string;
  /** Whether a token was sent (HF_TOKEN or the token file). */
  token: boolean;
}

/** Any answer of the hub that is not what was asked for. */
export class HubHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly url: string,
    /** X-Error-Code, when the hub sent one. */
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'HubHttpError';
  }
}

export class RepoNotFoundError extends HubHttpError {
  override name = 'RepoNotFoundError';
}
export class RevisionNotFoundError extends HubHttpError {
  override name = 'RevisionNotFoundError';
}
export class EntryNotFoundError extends HubHttpError {
  override name = 'EntryNotFoundError';
}
/** 401/403 on a model that needs a token, or access not granted yet. */
export class GatedRepoError extends HubHttpError {
  override name = 'GatedRepoError';
}

/** The error for an HTTP answer that is not 2xx. */
export function httpError(status: number, url: string, headers: Headers, ctx: RequestContext): HubHttpError {
  const code = headers.get('x-error-code');
  const serverMessage = headers.get('x-error-message');
  const model = `model '${ctx.repoId}'`;
  const page = `${ctx.endpoint}/${ctx.repoId}`;
  const tokenHint = ctx.token
    ? 'The token dlab sent (HF_TOKEN, or the token file in HF_HOME) was refused for it: check that it is valid and that your account has been granted access on the model\'s page.'
    : 'Gated and private models need a token: accept the model\'s terms on its page, create a read token at https://huggingface.co/settings/tokens and run again with HF_TOKEN=hf_... set.';
  if (code === 'GatedRepo' || status === 401 || status === 403) {
    if (code === 'RepoNotFound' && status !== 401) return new RepoNotFoundError(`${model} not found on ${ctx.endpoint} (HTTP ${status}).`, status, url, code);
    const why =
      code === 'GatedRepo' || status === 403
        ? `${model} is gated: access to it is restricted to accounts that accepted its terms (${page}).`
        : `${model} needs authentication (HTTP 401): it is gated or private, or there is no such model on ${ctx.endpoint}.`;
    return new GatedRepoError(`${why} ${tokenHint}`, status, url, code);
  }
  if (code === 'RevisionNotFound') {
    return new RevisionNotFoundError(`revision '${ctx.revision}' not found in ${model}: give a branch, tag or commit of it with --revision (the default is main).`, status, url, code);
  }
  if (code === 'EntryNotFound' && ctx.file !== undefined) {
    return new EntryNotFoundError(`file '${ctx.file}' not found in ${model} at revision '${ctx.revision}'.`, status, url, code);
  }
  if (status === 404 && (code === 'RepoNotFound' || ctx.file === undefined)) {
    return new RepoNotFoundError(`${model} not found on ${ctx.endpoint} (HTTP 404): check the id (organisation/name, as on its page)${ctx.token ? '' : '; if it is private, set HF_TOKEN'}.`, status, url, code);
  }
  const what = ctx.file === undefined ? model : `${ctx.repoId}/${ctx.file}`;
  return new HubHttpError(`${what}: HTTP ${status} from ${url}${serverMessage ? `: ${serverMessage}` : ''}`, status, url, code);
}

/** No answer within a timeout: which phase, how long, and the setting that changes it. */
export class HubTimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly phase: 'connect' | 'read',
    readonly ms: number,
    readonly bytes: number,
    readonly setting: string,
  ) {
    super(
      phase === 'connect'
        ? `timed out: ${url} sent no answer within ${ms / 1000} s (connect timeout; ${setting} sets it in seconds)`
        : `timed out: ${url} sent nothing for ${ms / 1000} s after ${bytes.toLocaleString('en-US')} bytes (read timeout; ${setting} sets it in seconds)`,
    );
    this.name = 'HubTimeoutError';
  }
}

/** A downloaded file whose bytes do not hash to its etag: the partial file is gone. */
export class HashMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly algorithm: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: the downloaded bytes have ${algorithm} ${actual}, but the hub lists ${expected}; the partial file was deleted. Run dlab pull again; if it repeats, the mirror (HF_ENDPOINT) serves a different file.`);
    this.name = 'HashMismatchError';
  }
}

/** HF_HUB_OFFLINE is set and the cache cannot answer. */
export class OfflineError extends Error {
  override name = 'OfflineError';
}

/** Not enough free disk space for the files to download. */
export class DiskSpaceError extends Error {
  constructor(
    readonly folder: string,
    readonly needed: number,
    readonly free: number,
    readonly files: number,
  ) {
    super(`not enough disk space in ${folder}: the ${files} file${files === 1 ? '' : 's'} to download need ${gib(needed)}, ${gib(free)} is free. Free some space, or point HF_HUB_CACHE (or HF_HOME) at a disk with room.`);
    this.name = 'DiskSpaceError';
  }
}
