// A local stand-in for the Hugging Face hub and its CDN, on 127.0.0.1, speaking the protocol
// `dlab pull` relies on (the research note text-to-image.md, A1-A2):
// - GET /api/models/<repo>/revision/<rev>?blobs=true -> {sha, siblings: [{rfilename, size, blobId, lfs}]};
// - GET /<repo>/resolve/<rev>/<path>: a regular file answers 200 with ETag (its git blob sha1) and
//   X-Repo-Commit; an LFS file answers 302 to the CDN (another host) with X-Linked-Etag (its
//   sha256), X-Linked-Size and X-Repo-Commit; a renamed repo answers a relative 307 to its new name;
// - errors with X-Error-Code: RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo (401/403).
// Faults on the CDN, set per test: drop the connection after N bytes, stall, ignore Range, serve
// wrong bytes, go slowly (to make two pulls overlap).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Repo {
  /** branch or tag -> commit */
  refs: Record<string, string>;
  /** commit -> path -> bytes */
  commits: Record<string, Record<string, Uint8Array>>;
  /** Needs this token (Authorization: Bearer); without it 401, with another 403. */
  gatedToken?: string;
}

export interface Faults {
  /** sha256 -> drop the connection after this many bytes, on the next `times` GETs. */
  drop?: Map<string, { after: number; times: number }>;
  /** sha256 -> stop sending after this many bytes (the client's read timeout fires), `times` GETs. */
  stall?: Map<string, { after: number; times: number }>;
  /** Answer every GET with the whole file, 200, ignoring Range. */
  ignoreRange?: boolean;
  /** sha256 -> serve these bytes instead. */
  corrupt?: Map<string, Uint8Array>;
  /** sha256 -> answer this status instead of the file, `times` times. */
  status?: Map<string, { code: number; times: number }>;
  /** Milliseconds between 4 KiB pieces (0: all at once). */
  slow?: number;
}

export interface Logged {
  host: 'hub' | 'cdn';
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

// Hashes are remembered per buffer: the server names every file by them on each request.
const memo = (f: (b: Uint8Array) => string) => {
  const seen = new WeakMap<Uint8Array, string>();
  return (b: Uint8Array) => seen.get(b) ?? (seen.set(b, f(b)), seen.get(b)!);
};
export const sha256 = memo((b) => createHash('sha256').update(b).digest('hex'));
export const gitSha1 = memo((b) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex'));
/** Files the hub keeps in LFS: weights, and anything over 1 KiB here. */
export const isLfs = (path: string, b: Uint8Array) => path.endsWith('.safetensors') || b.length > 1024;

export class FakeHub {
  readonly repos = new Map<string, Repo>();
  /** old name -> new name (answered with a relative redirect) */
  readonly renamed = new Map<string, string>();
  readonly log: Logged[] = [];
  faults: Faults = {};
  hubUrl = '';
  cdnUrl = '';
  /**
   * The host name the hub's redirects give for the CDN (it listens on 127.0.0.1). huggingface_hub
   * follows a HEAD's redirect when the host name is the hub's, ports aside, so its fixture run
   * names the CDN 'localhost'.
   */
  constructor(private readonly cdnHost = '127.0.0.1') {}
  private hub?: Server;
  private cdn?: Server;
  private blobs = new Map<string, Uint8Array>();

  async start(): Promise<void> {
    this.hub = createServer((req, res) => this.answerHub(req, res));
    this.cdn = createServer((req, res) => this.answerCdn(req, res));
    const listen = async (s: Server) => {
      await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
      return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    };
    this.hubUrl = await listen(this.hub);
    this.cdnUrl = (await listen(this.cdn)).replace('127.0.0.1', this.cdnHost);
  }

  async stop(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s?.closeAllConnections();
      await new Promise((ok) => s?.close(ok));
    }
  }

  add(id: string, repo: Repo): void {
    this.repos.set(id, repo);
    for (const files of Object.values(repo.commits)) for (const b of Object.values(files)) this.blobs.set(sha256(b), b);
  }

  /** Downloads of one blob from the CDN: GETs of the whole file or of its rest (not a header's bytes a-b). */
  cdnGets(sha: string): Logged[] {
    return this.log.filter((l) => l.host === 'cdn' && l.url === `/lfs/${sha}` && (l.range === undefined || /^bytes=\d+-$/.test(l.range)));
  }

  private record(host: 'hub' | 'cdn', req: IncomingMessage): void {
    this.log.push({ host, method: req.method ?? 'GET', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
  }

  private answerHub(req: IncomingMessage, res: ServerResponse): void {
    this.record('hub', req);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(path);
    // The tree listing huggingface_hub's snapshot_download reads (one page, recursive).
    const treeApi = /^\/api\/models\/(.+)\/tree\/([^/]+)$/.exec(path);
    if (treeApi) {
      const repo = this.repos.get(decodeURIComponent(treeApi[1]));
      const rev = decodeURIComponent(treeApi[2]);
      const commit = repo && (repo.commits[rev] ? rev : repo.refs[rev]);
      if (!repo || !commit) return void res.writeHead(404, { 'x-error-code': repo ? 'RevisionNotFound' : 'RepoNotFound' }).end();
      const entries: unknown[] = [];
      const dirs = new Set<string>();
      for (const [p, b] of Object.entries(repo.commits[commit])) {
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
        entries.push(isLfs(p, b)
          ? { type: 'file', oid: gitSha1(enc(`lfs pointer ${sha256(b)}`)), size: b.length, path: p, lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } }
          : { type: 'file', oid: gitSha1(b), size: b.length, path: p });
      }
      for (const d of dirs) entries.push({ type: 'directory', oid: gitSha1(enc(d)), size: 0, path: d });
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(entries));
    }
    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repoId = decodeURIComponent((api ?? resolve)?.[1] ?? '');
    const renamed = this.renamed.get(repoId);
    if (resolve && renamed) {
      return void res.writeHead(307, { location: `/${renamed}/resolve/${resolve[2]}/${resolve[3]}` }).end();
    }
    const repo = this.repos.get(repoId);
    if (!api && !resolve) return void res.writeHead(404).end('Not Found');
    if (!repo) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' }).end();
    if (repo.gatedToken) {
      const auth = req.headers.authorization;
      if (!auth) return void res.writeHead(401, { 'x-error-code': 'GatedRepo', 'x-error-message': `Access to model ${repoId} is restricted.` }).end();
      if (auth !== `Bearer ${repo.gatedToken}`) return void res.writeHead(403, { 'x-error-code': 'GatedRepo', 'x-error-message': `Access to model ${repoId} is restricted.` }).end();
    }
    const rev = decodeURIComponent((api ?? resolve)![2]);
    const commit = repo.commits[rev] ? rev : repo.refs[rev];
    if (!commit) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': `Invalid rev id: ${rev}` }).end();
    const files = repo.commits[commit];
    if (api) {
      const siblings = Object.entries(files).map(([rfilename, b]) =>
        isLfs(rfilename, b) ? { rfilename, size: b.length, blobId: gitSha1(enc(`lfs pointer ${sha256(b)}`)), lfs: { size: b.length, sha256: sha256(b), pointerSize: 134 } } : { rfilename, size: b.length, blobId: gitSha1(b) },
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ id: repoId, modelId: repoId, sha: commit, private: false, siblings }));
    }
    const file = resolve![3].split('/').map(decodeURIComponent).join('/');
    const body = files[file];
    if (!body) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit }).end();
    if (isLfs(file, body)) {
      return void res.writeHead(302, {
        location: `${this.cdnUrl}/lfs/${sha256(body)}`,
        'x-repo-commit': commit,
        'x-linked-etag': `"${sha256(body)}"`,
        'x-linked-size': String(body.length),
        etag: `W/"${gitSha1(enc('pointer'))}"`,
      }).end();
    }
    this.serve(req, res, body, { etag: `"${gitSha1(body)}"`, 'x-repo-commit': commit }, undefined);
  }

  private answerCdn(req: IncomingMessage, res: ServerResponse): void {
    this.record('cdn', req);
    const m = /^\/lfs\/([0-9a-f]{64})$/.exec(req.url ?? '');
    const body = m ? this.blobs.get(m[1]) : undefined;
    if (!m || !body) return void res.writeHead(404).end();
    const failing = /^bytes=\d+-\d+$/.test(req.headers.range ?? '') ? undefined : this.faults.status?.get(m[1]);
    if (failing && failing.times > 0) {
      failing.times--;
      return void res.writeHead(failing.code).end();
    }
    this.serve(req, res, this.faults.corrupt?.get(m[1]) ?? body, {}, m[1]);
  }

  private serve(req: IncomingMessage, res: ServerResponse, body: Uint8Array, headers: Record<string, string>, sha: string | undefined): void {
    let start = 0;
    let end = body.length;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && !this.faults.ignoreRange) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]) + 1, body.length) : body.length;
      if (start >= body.length) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      status = 206;
      headers = { ...headers, 'content-range': `bytes ${start}-${end - 1}/${body.length}` };
    }
    res.writeHead(status, { ...headers, 'content-length': String(end - start), 'accept-ranges': 'bytes' });
    if (req.method === 'HEAD') return void res.end();
    let part = Buffer.from(body.subarray(start, end));
    // Faults hit downloads (the whole file or its rest), not the fit check's header reads (bytes a-b).
    const download = !/^bytes=\d+-\d+$/.test(req.headers.range ?? '');
    const fault = (map: Map<string, { after: number; times: number }> | undefined) => {
      const f = sha && download ? map?.get(sha) : undefined;
      if (!f || f.times <= 0 || f.after >= part.length) return null;
      f.times--;
      return f.after;
    };
    const drop = fault(this.faults.drop);
    const stall = drop === null ? fault(this.faults.stall) : null;
    const cut = drop ?? stall;
    if (cut !== null) part = part.subarray(0, cut);
    const finish = () => {
      if (drop !== null) res.socket?.destroy();
      else if (stall === null) res.end();
      // A stall sends nothing more and keeps the connection open.
    };
    const slow = this.faults.slow ?? 0;
    if (slow === 0) {
      res.write(part, finish);
      return;
    }
    let at = 0;
    const next = () => {
      if (at >= part.length || res.destroyed) return finish();
      res.write(part.subarray(at, at + 4096));
      at += 4096;
      setTimeout(next, slow);
    };
    next();
  }
}

export const enc = (s: string) => new TextEncoder().encode(s);

/** A safetensors file of these tensors, filled with bytes from `seed` (so files differ). */
export function safetensors(tensors: Record<string, { dtype: 'F32' | 'F16'; shape: number[] }>, seed = 1): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' ? 4 : 2);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(enc(json), 8);
  let x = seed;
  for (let i = 8 + json.length; i < out.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export const COMMIT = 'a'.repeat(39) + '1';
export const OLD_COMMIT = 'b'.repeat(39) + '2';

/** A tiny diffusers pipeline: configs in git, weights in LFS (the unet ~150 KB, float32 and float16). */
export function tinyPipeline(): Record<string, Uint8Array> {
  return {
    'model_index.json': enc(JSON.stringify({ _class_name: 'StableDiffusionPipeline', unet: ['diffusers', 'UNet2DConditionModel'], text_encoder: ['transformers', 'CLIPTextModel'], vae: ['diffusers', 'AutoencoderKL'], scheduler: ['diffusers', 'EulerDiscreteScheduler'] })),
    'scheduler/scheduler_config.json': enc('{"_class_name": "EulerDiscreteScheduler", "num_train_timesteps": 1000}'),
    'unet/config.json': enc('{"block_out_channels": [32, 64]}'),
    'unet/diffusion_pytorch_model.safetensors': safetensors({ 'conv_in.weight': { dtype: 'F32', shape: [64, 64, 3, 3] }, 'conv_in.bias': { dtype: 'F32', shape: [64] } }, 2),
    'unet/diffusion_pytorch_model.fp16.safetensors': safetensors({ 'conv_in.weight': { dtype: 'F16', shape: [64, 64, 3, 3] }, 'conv_in.bias': { dtype: 'F16', shape: [64] } }, 3),
    'text_encoder/config.json': enc('{"hidden_size": 32}'),
    'text_encoder/model.safetensors': safetensors({ 'text_model.embeddings.token_embedding.weight': { dtype: 'F32', shape: [100, 32] } }, 4),
    'vae/config.json': enc('{"latent_channels": 4}'),
    'vae/diffusion_pytorch_model.safetensors': safetensors({ 'decoder.conv_out.weight': { dtype: 'F32', shape: [3, 32, 3, 3] } }, 5),
  };
}
