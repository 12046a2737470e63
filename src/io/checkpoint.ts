// Checkpoints: a model, its optimizer and scheduler, epoch and step, the random generators' states
// and the DataLoader's position, in ONE safetensors file, so PyTorch tooling (safetensors'
// load_file, Hugging Face viewers) still opens it. This file is browser-safe (bytes in, bytes out);
// ./checkpoint.node.ts writes and reads files (atomically, with fsync).
//
//   serializeCheckpoint({ model, optimizer?, scheduler?, loader?, epoch?, step?, rng?, generators?,
//                         extra?, tensors? }) -> Uint8Array
//   parseCheckpoint(bytes) -> CheckpointContents          (every part, nothing applied)
//   restoreCheckpoint(contents, { model, optimizer?, scheduler?, loader?, generators?, rng? })
//     -> { epoch, step, extra, tensors }                   (restores everything in place)
//
// Layout. Tensors, under prefixed keys:
//   model.<key>                  model.stateDict()   (float32 params, int64 num_batches_tracked, ...)
//   optimizer.state.<i>.<name>   tensors of optimizer.stateDict() (momentum_buffer, exp_avg, step, ...)
//   scheduler.<path>, loader.<path>   tensors inside those state dicts, if any
//   tensors.<name>               the caller's own tensors
// `__metadata__` (string -> string, as safetensors requires):
//   format: "pt"; dlab.checkpoint: "1" (layout version)
//   epoch, step, optimizer, scheduler, loader, rng, extra: JSON strings. A tensor inside a state
//     dict is written as {"__tensor__": "<key>"}; values JSON lacks are tagged too:
//     {"__float__": "inf" | "-inf" | "nan" | "-0"}, {"__bytes__": base64}, {"__bigint__": "123"},
//     {"__undefined__": true}. rng is {"default": base64 | null, "generators": {name: base64}},
//     each the 5056 bytes of Generator.getState() (= torch.get_rng_state()).
//   dlab.crc32: CRC-32 (hex) of every other metadata entry and of the whole data section, so a
//     flipped byte is reported rather than loaded.
// Every value round-trips bit for bit (safetensors stores raw little-endian bytes).
//
// Resuming a shuffled DataLoader mid-epoch (StatefulDataLoader, below): the loader remembers its
// generator's state at the START of the current epoch and how many batches it has handed out.
// On resume it sets the generator back to that state, starts the epoch (which draws the same
// shuffle), skips the batches already done, then puts the generator back to the checkpoint's
// state (so dropout & co. continue exactly where they were). The skipped batches are fetched and
// thrown away: cheap for in-memory datasets, and it needs nothing from the sampler.

import { Tensor } from '../tensor/tensor.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import { DataLoader, type DatasetSource, type DataLoaderOptions } from '../data/dataloader.js';
import type { Collated } from '../data/collate.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { deserialize, serialize, SafetensorsError } from './safetensors.js';

/** Anything with PyTorch's state-dict pair: schedulers (incl. ReduceLROnPlateau), StatefulDataLoader. */
export interface Stateful {
  stateDict(): Record<string, unknown>;
  loadStateDict(stateDict: Record<string, unknown>): void;
}

/** What a checkpoint holds: model, optimizer, scheduler, loader, epoch, step, the random generators' states, extra (JSON) and extra tensors. */
export interface CheckpointOptions {
  /** The model, or anything with its stateDict() (a CPU copy of a model on a GPU). */
  model: Pick<Module, 'stateDict'>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  optimizer?: Pick<Optimizer<any>, 'stateDict'>;
  scheduler?: Stateful;
  /** A StatefulDataLoader (or any Stateful) whose position in the epoch is saved. */
  loader?: Stateful;
  epoch?: number;
  step?: number;
  /** Save the default generator's state (default true). Generators in `generators` are always saved. */
  rng?: boolean;
  /** Other generators to save, by name (e.g. a DataLoader's own generator). */
  generators?: Record<string, Generator>;
  /** Anything JSON can hold (best accuracy so far, run id, ...). */
  extra?: Record<string, unknown>;
  /** More tensors to keep beside the model (an EMA copy, a fixed validation batch, ...). */
  tensors?: Record<string, Tensor>;
}

/** The objects a checkpoint is restored into, in place: model, optimizer, scheduler, loader. */
export interface RestoreTargets {
  model: Module;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  optimizer?: Optimizer<any>;
  scheduler?: Stateful;
  loader?: Stateful;
  /** Generators to restore, by the names they were saved under. */
  generators?: Record<string, Generator>;
  /** Restore the default generator (default true, when the checkpoint has its state). */
  rng?: boolean;
  /** Passed to model.loadStateDict (default true). */
  strict?: boolean;
}

/** What a checkpoint holds, decoded but not applied. */
export interface CheckpointContents {
  model: Record<string, Tensor>;
  optimizer: OptimizerStateDict | null;
  scheduler: Record<string, unknown> | null;
  loader: Record<string, unknown> | null;
  epoch: number | null;
  step: number | null;
  rng: { default: Uint8Array | null; generators: Record<string, Uint8Array> };
  extra: Record<string, unknown>;
  tensors: Record<string, Tensor>;
}

/** What `loadCheckpoint` returns besides restoring in place: epoch, step and extra. */
export interface Restored {
  /** The epoch saved (0 if none was). */
  epoch: number;
  /** The step saved (0 if none was). */
  step: number;
  extra: Record<string, unknown>;
  tensors: Record<string, Tensor>;
}

/** A checkpoint that cannot be used (damaged, or missing a part asked for): the message names the file and the part. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const VERSION = '1';
const CRC_KEY = 'dlab.crc32';
const CRC_PLACEHOLDER = '00000000';
const JSON_KEYS = ['epoch', 'step', 'optimizer', 'scheduler', 'loader', 'rng', 'extra'] as const;

// ---------------------------------------------------------------- small codecs

/** Standard base64 (btoa/atob exist in browsers and in Node >= 16). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (zlib's), continued from `crc` (pass the previous result to checksum several pieces). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const utf8 = new TextEncoder();

/** The checksum of the metadata (sorted, CRC entry left out) and of the data section. */
function checksum(metadata: Record<string, string>, data: Uint8Array): string {
  let crc = 0;
  for (const k of Object.keys(metadata).sort()) {
    if (k === CRC_KEY) continue;
    crc = crc32(utf8.encode(`${k}\u0000${metadata[k]}\u0000`), crc);
  }
  return crc32(data, crc).toString(16).padStart(8, '0');
}

// Tagged JSON: state dicts hold tensors and numbers JSON cannot spell.

/** A value as tagged JSON; each tensor goes into `tensors` under `key` (and its path below it). */
export function encodeValue(value: unknown, key: string, tensors: Record<string, Tensor>): unknown {
  if (value instanceof Tensor) {
    tensors[key] = value.detach();
    return { __tensor__: key };
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { __float__: 'nan' };
    if (value === Infinity) return { __float__: 'inf' };
    if (value === -Infinity) return { __float__: '-inf' };
    if (Object.is(value, -0)) return { __float__: '-0' };
    return value;
  }
  if (value === undefined) return { __undefined__: true };
  if (typeof value === 'bigint') return { __bigint__: value.toString() };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return { __bytes__: toBase64(value) };
  if (Array.isArray(value)) return value.map((v, i) => encodeValue(v, `${key}.${i}`, tensors));
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(k), encodeValue(v, `${key}.${String(k)}`, tensors)]));
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v, `${key}.${k}`, tensors)]));
  }
  const what = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new CheckpointError(`cannot save '${key}': a ${what} is not a tensor, number, string, boolean, array or plain object`);
}

/** The value that encodeValue wrote, its tensors taken from `tensors`. */
export function decodeValue(value: unknown, tensors: Record<string, Tensor>, where: string): unknown {
  if (Array.isArray(value)) return value.map((v) => decodeValue(v, tensors, where));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [tag, v] = entries[0];
    switch (tag) {
      case '__tensor__': {
        const t = tensors[v as string];
        if (t === undefined) throw new CheckpointError(`${where} refers to tensor '${String(v)}', which the file does not hold`);
        return t;
      }
      case '__float__':
        return v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : -0;
      case '__bytes__':
        return fromBase64(v as string);
      case '__bigint__':
        return BigInt(v as string);
      case '__undefined__':
        return undefined;
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, decodeValue(v, tensors, where)]));
}

// ---------------------------------------------------------------- writing

/** The checkpoint as safetensors bytes. */
export function serializeCheckpoint(options: CheckpointOptions): Uint8Array {
  const { model, optimizer, scheduler, loader, epoch, step, rng = true, generators = {}, extra = {}, tensors = {} } = options;
  if (model === undefined || model === null || typeof model.stateDict !== 'function') {
    throw new CheckpointError('saveCheckpoint needs { model }: an nn.Module');
  }
  for (const [name, v] of [['epoch', epoch], ['step', step]] as const) {
    if (v !== undefined && !Number.isSafeInteger(v)) throw new CheckpointError(`${name} must be an integer, got ${v}`);
  }
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new CheckpointError('extra must be a plain object');

  const all: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) all[`model.${k}`] = t;
  for (const [k, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new CheckpointError(`tensors.${k} is not a Tensor`);
    all[`tensors.${k}`] = t.detach();
  }
  const metadata: Record<string, string> = { format: 'pt', 'dlab.checkpoint': VERSION, [CRC_KEY]: CRC_PLACEHOLDER };
  const json = (key: string, value: unknown) => {
    metadata[key] = JSON.stringify(encodeValue(value, key, all));
  };
  json('epoch', epoch ?? null);
  json('step', step ?? null);
  if (optimizer !== undefined) json('optimizer', optimizer.stateDict());
  if (scheduler !== undefined) json('scheduler', scheduler.stateDict());
  if (loader !== undefined) json('loader', loader.stateDict());
  const genStates: Record<string, string> = {};
  for (const [name, g] of Object.entries(generators)) {
    if (!(g instanceof Generator)) throw new CheckpointError(`generators.${name} is not a Generator`);
    genStates[name] = toBase64(g.getState());
  }
  metadata.rng = JSON.stringify({ default: rng ? toBase64(defaultGenerator.getState()) : null, generators: genStates });
  json('extra', extra);

  const bytes = serialize(all, metadata);
  // The data section does not depend on the header, so checksum it and write the CRC over the
  // placeholder (same length, so no offset moves).
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const crc = checksum(metadata, bytes.subarray(headerEnd));
  const needle = utf8.encode(`${JSON.stringify(CRC_KEY)}:"${CRC_PLACEHOLDER}"`);
  const at = indexOf(bytes.subarray(0, headerEnd), needle);
  if (at < 0) throw new Error('internal: checksum placeholder not found in the header');
  bytes.set(utf8.encode(crc), at + needle.length - 1 - CRC_PLACEHOLDER.length);
  return bytes;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// ---------------------------------------------------------------- reading

/** Decode checkpoint bytes (validated: safetensors structure, layout version, CRC). */
export function parseCheckpoint(bytes: Uint8Array): CheckpointContents {
  let parsed;
  try {
    parsed = deserialize(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`not a readable checkpoint (truncated or corrupt?): ${e.message}`);
    throw e;
  }
  const { tensors, metadata } = parsed;
  if (metadata === null || metadata['dlab.checkpoint'] === undefined) {
    throw new CheckpointError('a safetensors file, but not a dlab checkpoint (no dlab.checkpoint metadata); use io.load for plain state dicts');
  }
  if (metadata['dlab.checkpoint'] !== VERSION) {
    throw new CheckpointError(`checkpoint layout version ${metadata['dlab.checkpoint']} is not supported (this dlab reads version ${VERSION})`);
  }
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const expected = metadata[CRC_KEY];
  const actual = checksum(metadata, bytes.subarray(headerEnd));
  if (expected !== actual) {
    throw new CheckpointError(`checksum mismatch (stored ${expected}, computed ${actual}): the file is corrupt`);
  }
  const read = (key: (typeof JSON_KEYS)[number]): unknown => {
    const text = metadata[key];
    if (text === undefined) return null;
    try {
      return decodeValue(JSON.parse(text), tensors, key);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(`metadata '${key}' is not valid JSON: ${(e as Error).message}`);
    }
  };
  const pick = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  const rngRaw = (read('rng') ?? { default: null, generators: {} }) as { default: string | null; generators: Record<string, string> };
  const num = (key: 'epoch' | 'step'): number | null => {
    const v = read(key);
    if (v !== null && !Number.isSafeInteger(v)) throw new CheckpointError(`metadata '${key}' is not an integer: ${JSON.stringify(v)}`);
    return v as number | null;
  };
  return {
    model: pick('model.'),
    optimizer: read('optimizer') as OptimizerStateDict | null,
    scheduler: read('scheduler') as Record<string, unknown> | null,
    loader: read('loader') as Record<string, unknown> | null,
    epoch: num('epoch'),
    step: num('step'),
    rng: {
      default: rngRaw.default === null ? null : fromBase64(rngRaw.default),
      generators: Object.fromEntries(Object.entries(rngRaw.generators).map(([k, v]) => [k, fromBase64(v)])),
    },
    extra: (read('extra') ?? {}) as Record<string, unknown>,
    tensors: pick('tensors.'),
  };
}

/**
 * Put a checkpoint's state back: model parameters and buffers (copied in place, so the
 * optimizer's references stay valid), optimizer, scheduler, generators, loader position.
 * A part asked for but missing from the checkpoint is an error, never a silent skip.
 */
export function restoreCheckpoint(contents: CheckpointContents, targets: RestoreTargets): Restored {
  const { model, optimizer, scheduler, loader, generators = {}, rng = true, strict = true } = targets;
  if (model === undefined || model === null || typeof model.loadStateDict !== 'function') {
    throw new CheckpointError('loadCheckpoint needs { model }: an nn.Module');
  }
  const need = <T>(part: T | null, name: string): T => {
    if (part === null) throw new CheckpointError(`the checkpoint has no ${name} state, but a ${name} was passed to restore`);
    return part;
  };
  model.loadStateDict(contents.model, { strict });
  if (optimizer !== undefined) optimizer.loadStateDict(need(contents.optimizer, 'optimizer'));
  if (scheduler !== undefined) scheduler.loadStateDict(need(contents.scheduler, 'scheduler'));
  for (const [name, g] of Object.entries(generators)) {
    const state = contents.rng.generators[name];
    if (state === undefined) {
      const saved = Object.keys(contents.rng.generators);
      throw new CheckpointError(`the checkpoint has no state for generator '${name}' (it has: ${saved.length ? saved.join(', ') : 'none'})`);
    }
    g.setState(state);
  }
  if (rng && contents.rng.default !== null) defaultGenerator.setState(contents.rng.default);
  // Last: the loader's resume replays from the generator state it finds when iteration starts.
  if (loader !== undefined) loader.loadStateDict(need(contents.loader, 'loader'));
  return { epoch: contents.epoch ?? 0, step: contents.step ?? 0, extra: contents.extra, tensors: contents.tensors };
}

/** parseCheckpoint + restoreCheckpoint. */
export function loadCheckpointBytes(bytes: Uint8Array, targets: RestoreTargets): Restored {
  return restoreCheckpoint(parseCheckpoint(bytes), targets);
}

// ---------------------------------------------------------------- a DataLoader that can resume

/**
 * A DataLoader whose position in the epoch can be saved and restored (the name and the
 * stateDict/loadStateDict pair follow torchdata's StatefulDataLoader; the state inside is dlab's).
 * Use it exactly like DataLoader. See the top of this file for how a resume replays the shuffle.
 *
 * The saved position counts the batches handed out so far, so save the checkpoint after the
 * optimizer step that used the current batch (as in test/io/train_child.ts), with the epoch in
 * progress as `epoch`. Saved after an epoch's loop has finished, the loader is between epochs and
 * the next iteration starts a fresh one (then save the next epoch's number).
 *
 * After loadStateDict, iterate it right away: the replay starts from the epoch-start state and
 * ends by restoring whatever state the generator has when iteration begins, which is the
 * checkpoint's when restoreCheckpoint set it just before.
 */
export class StatefulDataLoader<T, B = Collated<T>> extends DataLoader<T, B> implements Stateful {
  /** The generator's state when the current epoch began; null between epochs. */
  private epochStart: Uint8Array | null = null;
  /** Batches handed out in the current epoch. */
  private batchesDone = 0;
  private pending: { epochStart: Uint8Array; batchesDone: number } | null = null;

  constructor(dataset: DatasetSource<T>, options: DataLoaderOptions<T, B> = {}) {
    super(dataset, options);
  }

  override [Symbol.iterator](): Iterator<B> {
    const gen = this.generator ?? defaultGenerator;
    const resume = this.pending;
    this.pending = null;
    let inner: Iterator<B>;
    if (resume === null) {
      this.epochStart = gen.getState();
      this.batchesDone = 0;
      inner = super[Symbol.iterator]();
    } else {
      const now = gen.getState();
      gen.setState(resume.epochStart);
      this.epochStart = resume.epochStart;
      inner = super[Symbol.iterator]();
      for (let i = 0; i < resume.batchesDone; i++) {
        if (inner.next().done) {
          throw new CheckpointError(
            `cannot resume the DataLoader: the checkpoint says ${resume.batchesDone} batches were done, but the epoch has only ${i}`,
          );
        }
      }
      this.batchesDone = resume.batchesDone;
      gen.setState(now);
    }
    return this.track(inner);
  }

  private *track(inner: Iterator<B>): globalThis.Generator<B, void, undefined> {
    for (let r = inner.next(); !r.done; r = inner.next()) {
      this.batchesDone++;
      yield r.value;
    }
    this.epochStart = null;
    this.batchesDone = 0;
  }

  stateDict(): Record<string, unknown> {
    return { epoch_start_rng: this.epochStart === null ? null : this.epochStart.slice(), batches_done: this.batchesDone };
  }

  loadStateDict(stateDict: Record<string, unknown>): void {
    const start = stateDict.epoch_start_rng;
    const done = stateDict.batches_done;
    if (!(start === null || start instanceof Uint8Array) || !Number.isSafeInteger(done) || (done as number) < 0) {
      throw new CheckpointError('StatefulDataLoader.loadStateDict: expected { epoch_start_rng: bytes | null, batches_done: integer }');
    }
    this.pending = start === null ? null : { epochStart: start.slice(), batchesDone: done as number };
    this.epochStart = null;
    this.batchesDone = 0;
  }
}
