// "What fits my GPU": real parameter counts read from a model's safetensors headers, without
// downloading weights, and the memory each dtype needs for inference and for training with Adam.
//
// A safetensors file starts with an 8-byte little-endian header length N and N bytes of JSON
// naming every tensor's dtype and shape, so two HTTP range requests per file (bytes 0-7, then
// 8..8+N-1) give its parameter count, as @huggingface/hub's parseSafetensorsMetadata does.
// Sharded checkpoints list their shards in `model.safetensors.index.json` (weight_map); diffusers
// pipelines list their parts in `model_index.json` (each part a folder with its own weights).
// A transformer's config.json gives the KV cache per token of context.
//
// Memory rules (stated with every answer):
// - inference: weights at the dtype + KV cache at the context (batch 1), x 1.2 for activations,
//   CUDA context and allocator slack (the usual 20% rule of thumb);
// - training / fine-tuning with Adam: 16 bytes per parameter (fp16/bf16 weights 2 + gradients 2 +
//   fp32 master weights 4 + Adam moments 8, as the ZeRO paper counts mixed precision; fp32 training
//   is 4 + 4 + 8 = 16 as well), x 1.2; activations depend on batch and resolution and are left out.
// Browser-safe: it uses fetch; local folders come through the FileSource in fit_files.node.ts.

import { bytesPerParam, type MemoryDtype } from './memory.js';
import { describeNetworkError } from '../datasets/download.js';

/** Where a model's files come from: the hub over HTTP, or a local folder. */
export interface FileSource {
  /** A human name: the hub id or the folder. */
  readonly name: string;
  /** Paths of all files, relative, with '/' separators. */
  list(): Promise<string[]>;
  /** Bytes [start, end) of a file. */
  range(path: string, start: number, end: number): Promise<Uint8Array>;
  /** A whole (small) text file. */
  text(path: string): Promise<string>;
}

export interface HubOptions {
  /** Defaults to the HF_ENDPOINT the caller passes, else https://huggingface.co. */
  endpoint?: string;
  revision?: string;
  fetch?: typeof fetch;
  token?: string;
}

/** No answer at all from the hub (offline, a wrong HF_ENDPOINT): the URL and the cause (ECONNREFUSED, ENOTFOUND, ...). */
export class HubUnreachableError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`);
    this.name = 'HubUnreachableError';
  }
}

/** The Hugging Face hub: /api/models/<id> lists files, /<id>/resolve/<rev>/<file> serves them. */
export function hubSource(id: string, options: HubOptions = {}): FileSource {
  const endpoint = (options.endpoint ?? 'https://huggingface.co').replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const doFetch = options.fetch ?? fetch;
  const headers = (extra: Record<string, string> = {}) => (options.token ? { ...extra, Authorization: `Bearer ${options.token}` } : extra);
  const url = (path: string) => `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
  // fetch's own error is a bare 'fetch failed', with the reason in its cause.
  const get = async (target: string, init: RequestInit) => {
    try {
      return await doFetch(target, init);
    } catch (e) {
      throw new HubUnreachableError(target, describeNetworkError(e));
    }
  };
  const check = async (r: Response, what: string) => {
    if (!r.ok) throw new Error(`${what}: HTTP ${r.status} ${r.statusText}`.trim());
    return r;
  };
  return {
    name: id,
    async list() {
      const r = await check(await get(`${endpoint}/api/models/${id}`, { headers: headers() }), `hub model '${id}'`);
      const info = (await r.json()) as { siblings?: { rfilename: string }[] };
      return (info.siblings ?? []).map((s) => s.rfilename);
    },
    async range(path, start, end) {
      const r = await check(await get(url(path), { headers: headers({ Range: `bytes=${start}-${end - 1}` }) }), `${id}/${path}`);
      const bytes = new Uint8Array(await r.arrayBuffer());
      // A server that ignores Range sends the whole file (200): take the slice asked for.
      return r.status === 206 ? bytes.subarray(0, end - start) : bytes.subarray(start, end);
    },
    async text(path) {
      const r = await check(await get(url(path), { headers: headers() }), `${id}/${path}`);
      return r.text();
    },
  };
}

export interface TensorHeader {
  dtype: string;
  shape: number[];
}

const MAX_HEADER = 100_000_000;

/** The tensors named in a safetensors file's header (two range reads). */
export async function readSafetensorsHeader(source: FileSource, path: string): Promise<Record<string, TensorHeader>> {
  const head = await source.range(path, 0, 8);
  if (head.length < 8) throw new Error(`${path}: not a safetensors file (shorter than 8 bytes)`);
  const view = new DataView(head.buffer, head.byteOffset, 8);
  const n = Number(view.getBigUint64(0, true));
  if (n > MAX_HEADER) throw new Error(`${path}: safetensors header of ${n} bytes is too large`);
  const json = JSON.parse(new TextDecoder().decode(await source.range(path, 8, 8 + n))) as Record<string, unknown>;
  const out: Record<string, TensorHeader> = {};
  for (const [k, v] of Object.entries(json)) {
    if (k === '__metadata__') continue;
    const t = v as TensorHeader;
    out[k] = { dtype: t.dtype, shape: t.shape };
  }
  return out;
}

export interface PartInfo {
  /** '' for a plain model; 'unet', 'text_encoder', ... for a pipeline. */
  name: string;
  params: number;
  /** Parameters by stored safetensors dtype ('F16': 123). */
  storedDtypes: Record<string, number>;
  files: string[];
}

export interface KvCache {
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Elements per token of context: 2 (K and V) x layers x kvHeads x headDim. */
  elementsPerToken: number;
  maxContext: number | null;
}

/** A hub model's parameter counts by component, read from its safetensors headers. */
export interface ModelSizes {
  name: string;
  parts: PartInfo[];
  params: number;
  kvCache: KvCache | null;
}

const WEIGHT_PREFERENCE = ['model.safetensors', 'diffusion_pytorch_model.safetensors'];

/** The weight files of one folder: an index's shards, else its .safetensors (no fp16/ema variants if a plain one exists). */
function weightFiles(files: string[], folder: string): { index: string | null; files: string[] } {
  const inFolder = files.filter((f) => (folder ? f.startsWith(`${folder}/`) && !f.slice(folder.length + 1).includes('/') : !f.includes('/')));
  const base = (f: string) => f.slice(folder ? folder.length + 1 : 0);
  const indexes = inFolder.filter((f) => base(f).endsWith('.safetensors.index.json'));
  const plainIndex = indexes.find((f) => !/\.(fp16|bf16|ema|non_ema)\./.test(base(f))) ?? indexes[0];
  if (plainIndex) return { index: plainIndex, files: [] };
  const st = inFolder.filter((f) => base(f).endsWith('.safetensors'));
  const plain = st.filter((f) => !/\.(fp16|bf16|ema|non_ema)\.safetensors$/.test(base(f)));
  const preferred = plain.filter((f) => WEIGHT_PREFERENCE.includes(base(f)));
  return { index: null, files: preferred.length > 0 ? preferred : plain.length > 0 ? plain : st.slice(0, 1) };
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** One part's parameters: the weights of one folder ('' for the root), by stored dtype; null when it has none. */
export async function partSizes(source: FileSource, files: string[], folder: string, name: string): Promise<PartInfo | null> {
  const { index, files: direct } = weightFiles(files, folder);
  let shards = direct;
  if (index) {
    const map = (JSON.parse(await source.text(index)) as { weight_map: Record<string, string> }).weight_map;
    const dir = index.includes('/') ? index.slice(0, index.lastIndexOf('/') + 1) : '';
    shards = [...new Set(Object.values(map))].map((f) => dir + f);
  }
  if (shards.length === 0) return null;
  const storedDtypes: Record<string, number> = {};
  let params = 0;
  for (const file of shards) {
    const header = await readSafetensorsHeader(source, file);
    for (const t of Object.values(header)) {
      const n = count(t.shape);
      params += n;
      storedDtypes[t.dtype] = (storedDtypes[t.dtype] ?? 0) + n;
    }
  }
  return { name, params, storedDtypes, files: shards };
}

function kvCacheOf(config: Record<string, unknown>): KvCache | null {
  const c = (config.text_config as Record<string, unknown> | undefined) ?? config;
  const num = (...keys: string[]) => keys.map((k) => c[k]).find((v): v is number => typeof v === 'number');
  const layers = num('num_hidden_layers', 'n_layer', 'num_layers');
  const heads = num('num_attention_heads', 'n_head');
  const hidden = num('hidden_size', 'n_embd', 'd_model');
  if (!layers || !heads || !hidden) return null;
  const kvHeads = num('num_key_value_heads', 'multi_query_group_num') ?? heads;
  const headDim = num('head_dim') ?? hidden / heads;
  return { layers, kvHeads, headDim, elementsPerToken: 2 * layers * kvHeads * headDim, maxContext: num('max_position_embeddings', 'n_positions', 'seq_length') ?? null };
}

/** Parameter counts (and KV cache shape) of a model or a diffusers pipeline, from headers only. */
export async function inspectModel(source: FileSource): Promise<ModelSizes> {
  const files = await source.list();
  const parts: PartInfo[] = [];
  if (files.includes('model_index.json')) {
    const index = JSON.parse(await source.text('model_index.json')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(index)) {
      if (key.startsWith('_') || !Array.isArray(value) || value[0] === null) continue;
      const part = await partSizes(source, files, key, key);
      if (part) parts.push(part);
    }
  } else {
    const part = await partSizes(source, files, '', '');
    if (part) parts.push(part);
  }
  if (parts.length === 0) throw new Error(`${source.name}: no safetensors weights found`);
  let kvCache: KvCache | null = null;
  if (!files.includes('model_index.json') && files.includes('config.json')) {
    kvCache = kvCacheOf(JSON.parse(await source.text('config.json')) as Record<string, unknown>);
  }
  return { name: source.name, parts, params: parts.reduce((a, p) => a + p.params, 0), kvCache };
}

// ---------------------------------------------------------------- memory per dtype

export const OVERHEAD = 1.2;
export const ADAM_TRAINING_BYTES_PER_PARAM = 16;
export const fitConventions = [
  'inference: weights at the dtype + KV cache at the context (batch 1), x 1.2 for activations and CUDA context',
  'training with Adam: 16 bytes/parameter (fp16/bf16 weights 2 + gradients 2 + fp32 master 4 + moments 8; fp32: 4 + 4 + 8), x 1.2, activations not included',
  'GiB = 2^30 bytes',
];

/** One row of `fitTable`: a dtype, its inference and training bytes, and whether they fit. */
export interface DtypeFit {
  dtype: MemoryDtype;
  inferenceBytes: number;
  /** null for weight-only formats (int8, int4) that are not trained. */
  trainingBytes: number | null;
  fitsInference: boolean | null;
  fitsTraining: boolean | null;
}

/** For a parameter count, per dtype: the memory to run and to train (Adam) the model, and whether each fits gpuBytes. */
export function fitTable(params: number, options: { kvCache?: KvCache | null; context?: number; gpuBytes?: number | null } = {}): DtypeFit[] {
  const dtypes: MemoryDtype[] = ['float32', 'float16', 'bfloat16', 'int8', 'int4'];
  const gpu = options.gpuBytes ?? null;
  return dtypes.map((dtype) => {
    const kvBytes = options.kvCache && options.context ? options.kvCache.elementsPerToken * options.context * (dtype === 'float32' ? 4 : 2) : 0;
    const inferenceBytes = Math.ceil((params * bytesPerParam[dtype] + kvBytes) * OVERHEAD);
    const trainingBytes = dtype === 'int8' || dtype === 'int4' ? null : Math.ceil(params * ADAM_TRAINING_BYTES_PER_PARAM * OVERHEAD);
    return {
      dtype,
      inferenceBytes,
      trainingBytes,
      fitsInference: gpu === null ? null : inferenceBytes <= gpu,
      fitsTraining: gpu === null || trainingBytes === null ? null : trainingBytes <= gpu,
    };
  });
}

/** '8GiB', '8 GB', '8192MiB', '1.5T' -> bytes (binary for *iB and bare letters, decimal for *B). */
export function parseSize(text: string): number {
  const m = /^\s*([\d.]+)\s*([kmgt]?)(i?)(b?)\s*$/i.exec(text);
  if (!m || Number.isNaN(Number(m[1]))) throw new Error(`bad size '${text}': expected e.g. 8GiB, 8GB or 8192MiB`);
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const decimal = m[3] === '' && m[4] !== '' && power > 0;
  return Math.round(Number(m[1]) * (decimal ? 1000 : 1024) ** power);
}

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
