// One request to the hub, as huggingface_hub makes it: a Bearer token, redirects followed by hand
// (relative ones for renamed repos, absolute ones to the CDN that serves LFS files) with the token
// dropped when the host changes (_get_metadata_or_catch_error), the file's metadata read from the
// first answer that carries it (the hub's 302 holds X-Repo-Commit, X-Linked-Etag, X-Linked-Size;
// the CDN's answer does not), and timeouts: one to connect and get an answer, one between two
// pieces of the body. Uses fetch (undici in Node), whose 3xx answers keep their headers with
// redirect: 'manual'.

import { describeNetworkError } from '../datasets/download.js';
import { HubUnreachableError } from '../utils/fit.js';
import { HubTimeoutError } from './errors.js';
import { normalizeEtag } from './layout.js';

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  token?: string;
  /** e.g. 'bytes=100-' */
  range?: string;
  /** Milliseconds to get an answer's headers, and between two pieces of the body. */
  timeout: number;
  /** Named in a timeout's message: the environment variable that sets it. */
  timeoutSetting: string;
  fetch?: typeof fetch;
}

/** A file's metadata from the resolve answers (null where no answer said). */
export interface FileMetadata {
  commit: string | null;
  etag: string | null;
  size: number | null;
}

export interface HubAnswer {
  status: number;
  /** The URL of the final answer (after redirects). */
  url: string;
  headers: Headers;
  metadata: FileMetadata;
  /** The body in pieces, each within the read timeout. */
  body(): AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** Let go of the connection without reading the body. */
  cancel(): Promise<void>;
}

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function hubRequest(url: string, options: RequestOptions): Promise<HubAnswer> {
  const doFetch = options.fetch ?? fetch;
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut: HubTimeoutError | undefined;
  const arm = (phase: 'connect' | 'read', at: string, bytes: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort((timedOut = new HubTimeoutError(at, phase, options.timeout, bytes, options.timeoutSetting))), options.timeout);
  };
  const origin = new URL(url).host;
  const metadata: FileMetadata = { commit: null, etag: null, size: null };
  let current = url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'dlab', 'accept-encoding': 'identity' };
    // The token goes to the hub only, never to the CDN host a redirect names.
    if (options.token && new URL(current).host === origin) headers.authorization = `Bearer ${options.token}`;
    if (options.range) headers.range = options.range;
    arm('connect', current, 0);
    let res: Response;
    try {
      res = await doFetch(current, { method: options.method ?? 'GET', headers, redirect: 'manual', signal: abort.signal });
    } catch (e) {
      clearTimeout(timer);
      if (timedOut) throw timedOut;
      throw new HubUnreachableError(current, describeNetworkError(e));
    }
    metadata.commit ??= res.headers.get('x-repo-commit');
    metadata.etag ??= normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    const linkedSize = res.headers.get('x-linked-size');
    if (metadata.size === null && linkedSize !== null) metadata.size = Number(linkedSize);
    const location = res.headers.get('location');
    if (REDIRECTS.has(res.status) && location) {
      await res.body?.cancel();
      if (hop === MAX_REDIRECTS) {
        clearTimeout(timer);
        throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
      }
      current = new URL(location, current).toString();
      continue;
    }
    clearTimeout(timer);
    const length = res.headers.get('content-length');
    if (metadata.size === null && res.status === 200 && length !== null && !res.headers.get('content-encoding')) metadata.size = Number(length);
    const body = async function* (): AsyncIterable<Uint8Array> {
      let bytes = 0;
      arm('read', current, 0);
      try {
        if (res.body) {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            bytes += chunk.length;
            arm('read', current, bytes);
            yield chunk;
          }
        }
      } catch (e) {
        throw timedOut ?? e;
      } finally {
        clearTimeout(timer);
      }
    };
    return {
      status: res.status,
      url: current,
      headers: res.headers,
      metadata,
      body,
      async text() {
        const parts: Uint8Array[] = [];
        for await (const c of body()) parts.push(c);
        return new TextDecoder().decode(concat(parts));
      },
      async cancel() {
        clearTimeout(timer);
        await res.body?.cancel().catch(() => {});
      },
    };
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
