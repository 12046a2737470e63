// How much memory training and inference take: an estimate from a real traced forward, and a
// measurement of live tensors beside it.
//
// Conventions of the estimate (also returned in `conventions`, so the CLI can print them):
// - parameters: every parameter and buffer of the model at `dtype` (int4 is half a byte each);
//   `params` (the count) is the number of distinct parameters (tied ones once).
// - gradients (train): one per trainable parameter, at `dtype`. They are counted together with the
//   activations, as when gradients are zeroed in place (zero_grad(set_to_none=False)) and stay
//   allocated while the next forward runs.
// - optimizer state (train): per trainable parameter, SGD 0, SGD with momentum 1 (momentum
//   buffer), RMSprop 1, Adagrad 1, Adam/AdamW 2 (exp_avg, exp_avg_sq), Adadelta 2, at `dtype`.
// - activations, train: the tensors autograd saves for backward, read off the real graph of one
//   forward pass and the loss (each node's saved tensors), deduplicated by storage, without the
//   parameters and the input. The loss is cross-entropy against random class labels over the last
//   dim of the output (MSE for a 1-D output).
// - activations, inference (no_grad): the largest set of layer outputs alive at once. Each leaf
//   module's output lives from its call to the last leaf call that reads it; the peak over calls
//   is taken. Scratch space inside a layer (im2col buffers, attention scores of a fused kernel) is
//   not counted.
// - input: the input batch at its own dtype (float inputs at `dtype`), plus the labels (int64) when
//   training.
// - Float activations and inputs are counted at `dtype`; for int8/int4 (weight-only quantization,
//   inference only) at float16, as those kernels compute.
// - Batches above 4 are traced at 2 and 4 and extended linearly (every per-sample layer is linear
//   in the batch), so estimating a large batch costs two small forwards.
//
// The measurement (measureMemory) runs real steps and reads the live-tensor counter of
// memory_stats.ts at every module exit, at every module output's gradient in backward, after
// backward and after the optimizer step; see there for what it can and cannot see.

import { Generator } from '../random/generator.js';
import { rand, randint, zeros } from '../ops/creation.js';
import { noGrad, enableGrad } from '../autograd/grad_mode.js';
import { Tensor } from '../tensor/tensor.js';
import { isFloatingPoint, type DType } from '../tensor/dtype.js';
import type { Storage } from '../tensor/storage.js';
import type { Node } from '../autograd/node.js';
import { Module, type RemovableHandle } from '../nn/module.js';
import { ModuleList, Sequential } from '../nn/modules/container.js';
import { crossEntropy, mseLoss } from '../nn/functional/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { optimizerByName, optimizerNames, type OptimizerName } from '../optim/by_name.js';
import type { Parameter } from '../nn/parameter.js';
import { enableMemoryTracking, sampleMemory, resetPeakMemoryStats, maxMemoryAllocated, canSampleExactly } from './memory_stats.js';
import { normalizeSizes } from './summary.js';

/** The parameter dtypes an estimate can assume: float32, float16, bfloat16, int8, int4. */
export type MemoryDtype = 'float32' | 'float16' | 'bfloat16' | 'int8' | 'int4';
export const memoryDtypes: readonly MemoryDtype[] = ['float32', 'float16', 'bfloat16', 'int8', 'int4'];
export { optimizerNames, type OptimizerName };
/** A training step (forward, backward, optimizer) or inference only. */
export type MemoryMode = 'train' | 'infer';

/** Bytes per parameter for each storage dtype. */
export const bytesPerParam: Record<MemoryDtype, number> = { float32: 4, float16: 2, bfloat16: 2, int8: 1, int4: 0.5 };
/** Optimizer state tensors per trainable parameter. */
export const optimizerSlots: Record<OptimizerName, number> = { sgd: 0, momentum: 1, rmsprop: 1, adagrad: 1, adam: 2, adamw: 2, adadelta: 2, adamax: 2, nadam: 2, radam: 2, asgd: 1, rprop: 2 };

/** Bytes by part of a step: params, gradients, optimizer state, activations, input, and their total. */
export interface MemoryBytes {
  params: number;
  gradients: number;
  optimizer: number;
  activations: number;
  input: number;
  total: number;
}

export type MemoryPart = Exclude<keyof MemoryBytes, 'total'>;

/** A way to train in less memory (mixed precision, checkpointing, accumulation, ...) and the bytes it would give. */
export interface Technique {
  name: string;
  description: string;
  bytes: MemoryBytes;
  /** Bytes saved against the plain estimate (positive is smaller). */
  saved: number;
}

/** What `estimateMemory` returns: bytes by part, the dominant part, the techniques that would shrink it, the conventions. */
export interface MemoryEstimate {
  /** Distinct parameters (tied ones counted once). */
  params: number;
  trainableParams: number;
  bytes: MemoryBytes;
  mode: MemoryMode;
  batch: number;
  dtype: MemoryDtype;
  optimizer: OptimizerName;
  /** The largest part of the total. */
  dominant: MemoryPart;
  /** Every leaf module's output, summed (elements): the "forward activations" of one pass. */
  forwardActivationElements: number;
  /** Training only: what each technique for a small GPU would give. */
  techniques: Technique[];
  conventions: string[];
}

/** What a training or inference step feeds the model. */
export interface Workload {
  /** A fresh batch of inputs. */
  inputs(batch: number): Tensor[];
  /** The training loss of an output, and the label tensors it drew (counted with the input). */
  loss(output: unknown): { loss: Tensor; targets: Tensor[] };
}

export interface WorkloadOptions {
  /** Per input, without the batch dim: [1, 28, 28], or several inputs as [[...], [...]]. */
  inputSize: readonly number[] | readonly (readonly number[])[];
  /** Per input; float32 by default. Integer inputs are token ids drawn from [0, vocab). */
  inputDtypes?: readonly DType[];
  vocab?: number;
  seed?: number;
}

/** Random inputs of the given sizes and a cross-entropy loss against random labels. */
export function defaultWorkload(options: WorkloadOptions): Workload {
  const sizes = normalizeSizes(options.inputSize);
  const gen = new Generator(options.seed ?? 0);
  return {
    inputs: (batch) =>
      sizes.map((size, i) => {
        const dtype = options.inputDtypes?.[i] ?? 'float32';
        if (isFloatingPoint(dtype)) return rand([batch, ...size], { generator: gen, dtype });
        return randint(0, options.vocab ?? 2, [batch, ...size], { generator: gen, dtype });
      }),
    loss: (output) => {
      const out = Array.isArray(output) ? (output[0] as Tensor) : (output as Tensor);
      if (out.ndim < 2) {
        const target = zeros(out.shape).to(out.device);
        return { loss: mseLoss(out, target), targets: [target] };
      }
      const classes = out.shape[out.ndim - 1];
      const logits = out.reshape(-1, classes);
      // Drawn on the CPU generator (same labels on every device), then placed beside the output.
      const target = randint(0, classes, [logits.shape[0]], { generator: gen }).to(out.device);
      return { loss: crossEntropy(logits, target), targets: [target] };
    },
  };
}

/** Options of `estimateMemory`: inputSize, batchSize, dtype (default float32), optimizer (sgd), mode (train), workload. */
export interface EstimateOptions extends WorkloadOptions {
  batchSize: number;
  dtype?: MemoryDtype;
  optimizer?: OptimizerName;
  mode?: MemoryMode;
  /** Replaces the default random inputs and cross-entropy loss. */
  workload?: Workload;
}

// ---------------------------------------------------------------- tracing

/** Activation bytes of one float storage at `dtype` (int8/int4 compute in float16). */
function scaledBytes(t: Tensor, dtype: MemoryDtype): number {
  if (!isFloatingPoint(t.dtype)) return t._storage.byteLength;
  const compute = dtype === 'int8' || dtype === 'int4' ? 2 : bytesPerParam[dtype];
  return t._storage.data.length * compute;
}

function inputBytes(tensors: readonly Tensor[], dtype: MemoryDtype): number {
  let total = 0;
  const seen = new Set<Storage>();
  for (const t of tensors) {
    if (seen.has(t._storage)) continue;
    seen.add(t._storage);
    total += scaledBytes(t, dtype);
  }
  return total;
}

function stateStorages(model: Module): Set<Storage> {
  const out = new Set<Storage>();
  for (const p of model.parameters()) out.add(p._storage);
  for (const b of model.buffers()) out.add(b._storage);
  return out;
}

/** Output tensors of a module call (a tensor, or the tensors of an array). */
function tensorsOf(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsOf);
  return [];
}

interface TrainTrace {
  /** Saved-for-backward bytes, without parameters and inputs. */
  activations: number;
  /** Per top-level child (and the loss last): bytes of its input and of what its nodes saved. */
  segments: { name: string; inputBytes: number; savedBytes: number }[];
  forwardElements: number;
  inputBytes: number;
}

/** Walk from `roots` to every node not yet seen, collecting the storages they saved. */
function collectSaved(roots: readonly (Node | null)[], seen: Set<Node>, into: Map<Storage, Tensor>): void {
  const stack = roots.filter((n): n is Node => n !== null && !seen.has(n));
  for (const n of stack) seen.add(n);
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const t of node.savedTensors) if (!into.has(t._storage)) into.set(t._storage, t);
    for (const next of node.nextFunctions) {
      if (next && !seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
}

function traceTrain(model: Module, workload: Workload, batch: number, dtype: MemoryDtype): TrainTrace {
  const excluded = stateStorages(model);
  const inputs = workload.inputs(batch);
  for (const x of inputs) excluded.add(x._storage);
  const seen = new Set<Node>();
  const segments: TrainTrace['segments'] = [];
  const handles: RemovableHandle[] = [];
  let forwardElements = 0;
  const sum = (m: Map<Storage, Tensor>) => [...m.values()].reduce((a, t) => a + (excluded.has(t._storage) ? 0 : scaledBytes(t, dtype)), 0);
  // Nodes reachable from a top-level child's output and not seen before were made by that child.
  for (const [name, child] of model.namedChildren()) {
    handles.push(
      child.registerForwardHook((_m, args, output) => {
        const saved = new Map<Storage, Tensor>();
        collectSaved(tensorsOf(output).map((t) => t.gradFn), seen, saved);
        const ins = tensorsOf(args).filter((t) => !excluded.has(t._storage));
        segments.push({ name, inputBytes: inputBytes(ins, dtype), savedBytes: sum(saved) });
      }),
    );
  }
  for (const m of model.modules()) {
    if (m.children().length > 0) continue;
    handles.push(m.registerForwardHook((_m, _a, output) => void (forwardElements += tensorsOf(output).reduce((a, t) => a + t.numel(), 0))));
  }
  let all: Map<Storage, Tensor>;
  let targets: Tensor[];
  try {
    const output = enableGrad(() => model.call(...inputs));
    const step = enableGrad(() => workload.loss(output));
    targets = step.targets;
    for (const t of targets) excluded.add(t._storage);
    const lossSaved = new Map<Storage, Tensor>();
    collectSaved([step.loss.gradFn], seen, lossSaved);
    segments.push({ name: 'loss', inputBytes: 0, savedBytes: sum(lossSaved) });
    all = new Map();
    collectSaved([step.loss.gradFn], new Set(), all);
    // The caller holds the model's output until backward (as `out` in a training loop).
    for (const t of tensorsOf(output)) if (!all.has(t._storage)) all.set(t._storage, t);
  } finally {
    for (const h of handles) h.remove();
  }
  return { activations: sum(all), segments, forwardElements, inputBytes: inputBytes([...inputs, ...targets], dtype) };
}

interface InferTrace {
  /** Bytes alive at each module entry and exit (without the input). */
  live: number[];
  forwardElements: number;
  inputBytes: number;
}

function traceInfer(model: Module, workload: Workload, batch: number, dtype: MemoryDtype): InferTrace {
  const inputs = workload.inputs(batch);
  const excluded = stateStorages(model);
  for (const x of inputs) excluded.add(x._storage);
  // Events are module entries and exits (where measureMemory samples). Each storage lives from
  // the first event that sees it to the last. Inside a custom module's forward, its arguments and
  // its children's outputs are taken to live until it returns (locals and temporaries of a JS
  // frame stay reachable until overwritten); a Sequential's outputs die at their last use (it
  // reassigns one variable).
  const spans = new Map<Storage, { born: number; dies: number; bytes: number }>();
  let event = 0;
  let forwardElements = 0;
  const touch = (t: Tensor) => {
    if (excluded.has(t._storage)) return;
    const s = spans.get(t._storage);
    if (s) s.dies = Math.max(s.dies, event);
    else spans.set(t._storage, { born: event, dies: event, bytes: scaledBytes(t, dtype) });
  };
  const frames: Storage[][] = [];
  const handles: RemovableHandle[] = [];
  for (const m of model.modules()) {
    const leaf = m.children().length === 0;
    const scoped = !leaf && !(m instanceof Sequential || m instanceof ModuleList);
    handles.push(
      m.registerForwardPreHook((_m, args) => {
        event++;
        const ins = tensorsOf(args);
        ins.forEach(touch);
        frames.push(ins.map((t) => t._storage));
      }),
    );
    handles.push(
      m.registerForwardHook((_m, args, output) => {
        event++;
        tensorsOf(args).forEach(touch);
        const outs = tensorsOf(output);
        outs.forEach(touch);
        if (leaf) forwardElements += outs.reduce((a, t) => a + t.numel(), 0);
        const held = frames.pop()!;
        if (scoped) {
          for (const st of held) {
            const s = spans.get(st);
            // A local of the forward: the engine may hold it in a register until the frame ends.
            if (s) s.dies = Math.max(s.dies, event);
          }
        }
        frames[frames.length - 1]?.push(...outs.map((t) => t._storage));
      }),
    );
  }
  let output: unknown;
  try {
    output = noGrad(() => model.call(...inputs));
  } finally {
    for (const h of handles) h.remove();
  }
  // The model's output is held by the caller to the end.
  for (const t of tensorsOf(output)) {
    const s = spans.get(t._storage);
    if (s) s.dies = event;
  }
  const live = new Array<number>(event + 1).fill(0);
  for (const { born, dies, bytes } of spans.values()) for (let i = born; i <= dies; i++) live[i] += bytes;
  return { live, forwardElements, inputBytes: inputBytes(inputs, dtype) };
}

/** f(n) from values at 2 and 4, linear in the batch. */
const extend = (at2: number, at4: number, n: number) => Math.max(0, at2 + ((at4 - at2) / 2) * (n - 2));

/** Run a trace in train or eval mode, then put back each module's mode and every buffer (a
 * traced forward in train mode would otherwise move BatchNorm's running statistics). */
function withMode<T>(model: Module, training: boolean, fn: () => T): T {
  const modes = model.modules().map((m) => [m, m.training] as const);
  const buffers = model.buffers();
  const kept = noGrad(() => buffers.map((b) => b.clone()));
  model.train(training);
  try {
    return fn();
  } finally {
    for (const [m, t] of modes) m.training = t;
    noGrad(() => buffers.forEach((b, i) => b.copy_(kept[i])));
  }
}

function total(b: Omit<MemoryBytes, 'total'>): MemoryBytes {
  return { ...b, total: b.params + b.gradients + b.optimizer + b.activations + b.input };
}

function dominantPart(b: MemoryBytes): MemoryPart {
  const parts: MemoryPart[] = ['params', 'gradients', 'optimizer', 'activations', 'input'];
  return parts.reduce((best, p) => (b[p] > b[best] ? p : best), parts[0]);
}

/** The conventions an estimate follows (what is counted and how), printed with every estimate. */
export const memoryConventions = (mode: MemoryMode): string[] =>
  mode === 'train'
    ? [
        'parameters and buffers at the chosen dtype; int4 = 0.5 byte',
        'gradients: one per trainable parameter, held while the next forward runs (zero_grad(set_to_none=False))',
        'optimizer state per trainable parameter: sgd 0, momentum 1, rmsprop 1, adagrad 1, adam/adamw 2, adadelta 2',
        'activations: tensors autograd saves for backward in one forward + cross-entropy loss, by storage, without parameters and input',
        'input: the input batch plus its int64 labels',
        'batches above 4 are traced at 2 and 4 and extended linearly',
        'MiB = 2^20 bytes',
      ]
    : [
        'parameters and buffers at the chosen dtype; int4 = 0.5 byte',
        'activations: the largest set of layer outputs alive at once under no_grad (scratch inside a layer not counted)',
        'int8/int4 are weight-only formats: activations in float16',
        'input: the input batch',
        'batches above 4 are traced at 2 and 4 and extended linearly',
        'MiB = 2^20 bytes',
      ];

/**
 * estimateMemory(model, { inputSize, batchSize, dtype, optimizer, mode }): the bytes a training
 * step or an inference pass needs, by part, from a real traced forward (see the file comment).
 */
export function estimateMemory(model: Module, options: EstimateOptions): MemoryEstimate {
  return memoryEstimator(model, options)(options.batchSize);
}

/**
 * The estimate as a function of the batch size, for searches over it: each batch the estimate
 * traces (the batch itself up to 4, else 2 and 4) is traced once, however many batches are asked.
 */
export function memoryEstimator(model: Module, options: Omit<EstimateOptions, 'batchSize'>): (batchSize: number) => MemoryEstimate {
  const { dtype = 'float32', optimizer = 'sgd', mode = 'train' } = options;
  if (!(dtype in bytesPerParam)) throw new RangeError(`unknown dtype '${dtype}'; one of ${memoryDtypes.join(', ')}`);
  if (!(optimizer in optimizerSlots)) throw new RangeError(`unknown optimizer '${optimizer}'; one of ${optimizerNames.join(', ')}`);
  if (mode === 'train' && (dtype === 'int8' || dtype === 'int4')) {
    throw new RangeError(`${dtype} is a weight-only inference format; train in float32, float16 or bfloat16`);
  }
  const workload = options.workload ?? defaultWorkload(options);
  const params = model.parameters();
  const trainable = params.filter((p) => p.requiresGrad);
  const count = (ps: readonly Parameter[]) => ps.reduce((a, p) => a + p.numel(), 0);
  const nParams = count(params);
  const nTrainable = count(trainable);
  const nBuffers = model.buffers().reduce((a, b) => a + (isFloatingPoint(b.dtype) ? b.numel() : 0), 0);
  const per = bytesPerParam[dtype];
  const paramBytes = Math.ceil((nParams + nBuffers) * per);
  const inferTraces = new Map<number, InferTrace>();
  const trainTraces = new Map<number, TrainTrace>();
  const cached = <T>(traces: Map<number, T>, b: number, trace: () => T): T => {
    if (!traces.has(b)) traces.set(b, trace());
    return traces.get(b)!;
  };
  const inferTrace = (b: number) => cached(inferTraces, b, () => withMode(model, false, () => traceInfer(model, workload, b, dtype)));
  const trainTrace = (b: number) => cached(trainTraces, b, () => withMode(model, true, () => traceTrain(model, workload, b, dtype)));

  return (batchSize: number): MemoryEstimate => {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    const batches = batchSize <= 4 ? [batchSize] : [2, 4];
    const at = (f: (b: number) => number): number => (batches.length === 1 ? f(batches[0]) : extend(f(2), f(4), batchSize));
    // The report's fields are the same in both modes; only these three differ.
    const report = (bytes: MemoryBytes, forwardActivationElements: number, techniques: Technique[]) => ({
      params: nParams,
      trainableParams: nTrainable,
      bytes,
      mode,
      batch: batchSize,
      dtype,
      optimizer,
      dominant: dominantPart(bytes),
      forwardActivationElements,
      techniques,
      conventions: memoryConventions(mode),
    });

    if (mode === 'infer') {
      const traces = batches.map(inferTrace);
      const peakAt = traces.length === 1 ? Math.max(...traces[0].live) : Math.max(...traces[0].live.map((v, i) => extend(v, traces[1].live[i], batchSize)));
      const bytes = total({
        params: paramBytes,
        gradients: 0,
        optimizer: 0,
        activations: Math.round(peakAt),
        input: Math.round(at((b) => traces[batches.indexOf(b)].inputBytes)),
      });
      return report(bytes, Math.round(at((b) => traces[batches.indexOf(b)].forwardElements)), []);
    }

    const traces = batches.map(trainTrace);
    const pick = (b: number) => traces[batches.indexOf(b)];
    const activations = Math.round(at((b) => pick(b).activations));
    const input = Math.round(at((b) => pick(b).inputBytes));
    const slots = optimizerSlots[optimizer];
    const base = { params: paramBytes, gradients: Math.ceil(nTrainable * per), optimizer: Math.ceil(slots * nTrainable * per), activations, input };
    const bytes = total(base);

    // ---- techniques for a GPU that is too small
    const techniques: Technique[] = [];
    const add = (name: string, description: string, b: Omit<MemoryBytes, 'total'>) => {
      const t = total(b);
      // Only what helps: checkpointing a net of one-layer segments, say, saves nothing.
      if (bytes.total - t.total > 0) techniques.push({ name, description, bytes: t, saved: bytes.total - t.total });
    };
    if (batchSize >= 2) {
      const k = Math.min(4, batchSize);
      const micro = Math.ceil(batchSize / k);
      add(
        'gradient accumulation',
        `${k} micro-batches of ${micro}, one optimizer step (same gradient as batch ${batchSize})`,
        { ...base, activations: Math.round(extendOrExact(traces, batches, micro, (t) => t.activations)), input: Math.round(extendOrExact(traces, batches, micro, (t) => t.inputBytes)) },
      );
    }
    if (dtype === 'float32') {
      add('mixed precision', 'float16 compute with float32 master weights: fp32 + fp16 weights, fp16 gradients, fp32 optimizer state, fp16 activations', {
        params: Math.ceil((nParams + nBuffers) * 6),
        gradients: nTrainable * 2,
        optimizer: slots * nTrainable * 4,
        activations: activations / 2,
        input: input / 2,
      });
    }
    const segs = traces.map((t) => t.segments);
    if (segs[0].length > 2) {
      const { bytes: ckpt, segments } = checkpointed(segs, batches, batchSize);
      add('activation checkpointing', `${segments} segments of the top-level layers: keep each segment's input, recompute inside one segment at a time in backward (one more forward)`, { ...base, activations: Math.round(ckpt) });
    }
    if (slots > 0) {
      add('8-bit optimizer state', `${slots} state tensor(s) per parameter in 8 bits with one float32 scale per 2048 values`, {
        ...base,
        optimizer: slots * (nTrainable + Math.ceil(nTrainable / 2048) * 4),
      });
      add('SGD instead of ' + optimizer, 'plain SGD keeps no optimizer state', { ...base, optimizer: 0 });
    }
    return report(bytes, Math.round(at((b) => pick(b).forwardElements)), techniques);
  };
}

function extendOrExact(traces: TrainTrace[], batches: number[], n: number, f: (t: TrainTrace) => number): number {
  if (batches.length === 1) return (f(traces[0]) * n) / batches[0];
  return extend(f(traces[0]), f(traces[1]), n);
}

/**
 * Checkpointing the top-level layers in k contiguous segments: each segment's input is kept,
 * and in backward one segment at a time is recomputed with its saved tensors; the loss keeps its
 * own. The best k is chosen (about sqrt(layers)).
 */
function checkpointed(segs: TrainTrace['segments'][], batches: number[], n: number): { bytes: number; segments: number } {
  const val = (i: number, f: (s: TrainTrace['segments'][number]) => number) =>
    batches.length === 1 ? (f(segs[0][i]) * n) / batches[0] : extend(f(segs[0][i]), f(segs[1][i]), n);
  const layers = segs[0].length - 1; // the last is the loss
  const saved = Array.from({ length: layers }, (_, i) => val(i, (s) => s.savedBytes));
  const ins = Array.from({ length: layers }, (_, i) => val(i, (s) => s.inputBytes));
  const loss = val(layers, (s) => s.savedBytes);
  let best = { bytes: Infinity, segments: 1 };
  for (let k = 2; k <= layers; k++) {
    const size = Math.ceil(layers / k);
    let kept = 0;
    let largest = 0;
    for (let start = 0; start < layers; start += size) {
      kept += ins[start];
      let inside = 0;
      for (let i = start; i < Math.min(start + size, layers); i++) inside += saved[i];
      largest = Math.max(largest, inside);
    }
    const bytes = kept + largest + loss;
    if (bytes < best.bytes) best = { bytes, segments: Math.ceil(layers / size) };
  }
  return best;
}

// ---------------------------------------------------------------- measuring

/** Options of `measureMemory`: batchSize, optimizer, mode, the workload and the warm-up steps. */
export interface MeasureOptions {
  batchSize: number;
  optimizer?: OptimizerName;
  mode?: MemoryMode;
  workload: Workload;
  /** Steps before the measured one (optimizer state appears at the first step). Default 1. */
  warmup?: number;
}

/** Live tensor bytes measured on real steps (the peak, the parameters, what stays resident), to set beside the estimate. */
export interface MemoryMeasurement {
  /** Peak live bytes during the measured step, the model, input and optimizer state included. */
  peak: number;
  /** Live bytes right after the model was built (parameters and buffers). */
  params: number;
  /** Live bytes before the measured step: model, gradients, optimizer state, input batch. */
  resident: number;
  /** Whether every sample forced a collection (node --expose-gc --harmony-weak-refs-with-cleanup-some). */
  exact: boolean;
}

/** The optimizer a measurement steps (its learning rate does not change what it keeps). */
export function makeOptimizer(name: OptimizerName, params: Parameter[]): Optimizer {
  return optimizerByName(name, params, { lr: 0.01 });
}

/**
 * Build the model and run real steps, reading the live-tensor counter (memory_stats.ts) at every
 * module exit, at each module output's gradient during backward, after backward and after the
 * optimizer step. Gradients are zeroed in place, as the estimate assumes. Returns bytes relative
 * to what was alive before the model was built.
 */
export function measureMemory(build: () => Module, options: MeasureOptions): MemoryMeasurement {
  enableMemoryTracking();
  return measureWith(build, options, { sample: sampleMemory, resetPeak: resetPeakMemoryStats, peak: maxMemoryAllocated, exact: canSampleExactly });
}

/**
 * Where a measurement reads memory: `sample()` counts what is live now (collecting first where it
 * can) and raises the peak to it; `peak()` is the largest sample since `resetPeak()`.
 */
export interface MemoryCounter {
  sample(): number;
  resetPeak(): void;
  peak(): number;
  exact(): boolean;
}

/** measureMemory on any counter, with the model and inputs moved by `place` (to a device). */
export function measureWith(build: () => Module, options: MeasureOptions, counter: MemoryCounter, place: { model?: (m: Module) => void; tensor?: (t: Tensor) => Tensor } = {}): MemoryMeasurement {
  const { batchSize, optimizer = 'sgd', mode = 'train', workload, warmup = 1 } = options;
  const sampleMemory = () => counter.sample();
  const resetPeakMemoryStats = () => counter.resetPeak();
  const maxMemoryAllocated = () => counter.peak();
  const to = place.tensor ?? ((t: Tensor) => t);
  const before = sampleMemory();
  const model = build();
  place.model?.(model);
  const params = sampleMemory() - before;
  const handles: RemovableHandle[] = [];
  let sampling = false;
  const sample = () => void (sampling && sampleMemory());
  // Samples at module exits only: at an exit its arguments and its output are both alive, so an
  // entry (where only the arguments are) never holds more. Each sample is a full collection.
  for (const m of model.modules()) {
    handles.push(
      m.registerForwardHook((_m, _a, output) => {
        sample();
        if (mode === 'train') for (const t of tensorsOf(output)) if (t.requiresGrad) t.registerHook(() => sample());
      }),
    );
  }
  let resident = 0;
  let peak = 0;
  // `warmup` steps unmeasured, then one measured from what is resident before it.
  const measure = (step: () => void): void => {
    for (let i = 0; i <= warmup; i++) {
      if (i === warmup) {
        resident = sampleMemory() - before;
        resetPeakMemoryStats();
        sampling = true;
      }
      step();
    }
    peak = maxMemoryAllocated() - before;
  };
  try {
    if (mode === 'infer') {
      model.eval();
      const inputs = workload.inputs(batchSize).map(to);
      measure(() => {
        const out = noGrad(() => model.call(...inputs));
        sample();
        void out;
      });
    } else {
      model.train();
      const opt = makeOptimizer(optimizer, model.parameters());
      const inputs = workload.inputs(batchSize).map(to);
      measure(() => {
        opt.zeroGrad({ setToNone: false });
        const out = model.call(...inputs);
        const { loss } = workload.loss(out);
        sample();
        loss.backward();
        sample();
        opt.step();
        sample();
      });
    }
  } finally {
    for (const h of handles) h.remove();
  }
  return { peak, params, resident, exact: counter.exact() };
}

/**
 * The course notebook's safety factor: plan for 80% of the GPU's memory, as the CUDA context, the
 * caching allocator's reserve and fragmentation take part of the rest.
 */
export const gpuSafetyFactor = 0.8;

/**
 * The largest batch whose total `bytesAt(batch)` is at most `budget` (0 when batch 1 is over):
 * doubling up to the first batch over the budget, then a binary search below it. `bytesAt` must
 * grow with the batch (every estimate does: activations and input are per sample).
 */
export function largestBatch(bytesAt: (batch: number) => number, budget: number, limit = 2 ** 40): number {
  if (bytesAt(1) > budget) return 0;
  let lo = 1; // fits
  let hi = 2;
  while (bytesAt(hi) <= budget) {
    lo = hi;
    if (hi >= limit) return hi;
    hi *= 2;
  }
  // lo fits, hi does not.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (bytesAt(mid) <= budget) lo = mid;
    else hi = mid;
  }
  return lo;
}
