// Convolution on the wasm kernels: forward, and the gradients for the input and the weight
// (+ bias), each one job that threads split by image (the weight gradient by a fixed number of
// runs of images, summed in order, so its bits do not depend on the thread count). The operands
// are copied into linear memory once. Two algorithms: im2col + gemm (assembly/im2col-conv.ts),
// whose column tensor never exists outside a thread's cache-sized tile, and direct
// (assembly/direct-conv.ts), which reads windows in place and serves the forward pass and the
// weight gradient whenever its tables fit a thread's scratch.

import type { View, Window2d } from '../backend.js';
import { addInMemory } from './elementwise.js';
import { Layout } from './operands.js';
import { JOB_PTR, type Runtime } from './runtime.js';
import { runJob } from './threads.js';

/** Job kinds (assembly/job.ts). */
export const JOB_CONV_FORWARD = 2;
export const JOB_CONV_INPUT_GRAD = 3;
export const JOB_CONV_WEIGHT_GRAD = 4;
export const JOB_CONV_DIRECT_FORWARD = 5;
export const JOB_CONV_DIRECT_WEIGHT_GRAD = 6;
/** Must equal COL_TILE_FLOATS in assembly/conv-geometry.ts: one row of columns has to fit. */
const COL_TILE_FLOATS = 1 << 18;
/** Below this many multiply-adds a second thread costs more in wake-up than it saves. */
const PARALLEL_MIN_MACS = 1 << 20;

interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  groups: number;
  window: Window2d;
}

/** Whether one output row of columns fits the kernels' tile; else the js path runs it. */
function fits(g: Geometry): boolean {
  const [kH, kW] = g.window.kernel;
  return (g.C / g.groups) * kH * kW * g.window.output[1] <= COL_TILE_FLOATS;
}

export type ConvAlgorithm = 'auto' | 'direct' | 'im2col';
let algorithm: ConvAlgorithm = 'auto';

/** @internal For tests and measurements: force one algorithm where both apply ('auto' picks by directPays). */
export function setConvAlgorithm(a: ConvAlgorithm): void {
  algorithm = a;
}

/** Write the geometry and the kind's addresses into the job block. */
function writeJob(rt: Runtime, kind: number, g: Geometry, addresses: number[]): void {
  const { kernel, stride, padding, dilation, output } = g.window;
  const fields = [kind, g.N, g.C, g.H, g.W, g.O, g.groups, ...kernel, ...stride, ...padding, ...dilation, ...output, ...addresses];
  rt.i32.set(fields, JOB_PTR / 4);
}

/**
 * Whether the direct kernels pay for `channels` output channels per group: they hold 8 channels
 * per register tile, so 1 channel wastes 7 of 8 lanes (LeNet's first input gradient ran 2.7x
 * slower than im2col), 6 channels waste 2 (its forward pass ran 1.5x faster). Half the lanes
 * used is about where the two meet.
 */
function directPays(channels: number): boolean {
  if (algorithm !== 'auto') return algorithm === 'direct';
  return channels / (8 * Math.ceil(channels / 8)) >= 0.5;
}

/**
 * Switch the job in the job block to its direct kind when that pays and its tables fit. The
 * weight gradient's direct kernel walks every position once per 4 taps x 8 channels, where a
 * wide gemm reuses better: from 64 channels on, im2col measured 5-15% faster
 * (scripts/bench-conv.ts), at 16 or fewer direct was 1.5-1.8x faster.
 */
function preferDirect(rt: Runtime, g: Geometry, directKind: number): void {
  const channels = g.O / g.groups;
  if (!directPays(channels)) return;
  if (algorithm === 'auto' && directKind === JOB_CONV_DIRECT_WEIGHT_GRAD && channels > 32) return;
  if (rt.exports.directConvFits(JOB_PTR, directKind === JOB_CONV_DIRECT_FORWARD ? 1 : 0)) rt.i32[JOB_PTR / 4] = directKind;
}

/** Run the job in the job block, on several threads when it is big enough. */
function run(rt: Runtime, g: Geometry): void {
  const { kernel, output } = g.window;
  const macs = g.N * g.O * (g.C / g.groups) * kernel[0] * kernel[1] * output[0] * output[1];
  runJob(rt, g.N > 1 && macs >= PARALLEL_MIN_MACS, () => {});
}

/** x [N, C, H, W] * w [O, C/groups, kH, kW] (+ bias [O]) -> [N, O, outH, outW]; null: use js. */
export function wasmConv2d(rt: Runtime, x: View, w: View, bias: View | null, window: Window2d, groups: number): Float32Array | null {
  const [N, C, H, W] = x.shape;
  const g: Geometry = { N, C, H, W, O: w.shape[0], groups, window };
  const yLen = N * g.O * window.output[0] * window.output[1];
  if (!fits(g)) return null;
  const mem = new Layout(rt);
  const yAt = mem.output(yLen * 4);
  const xAt = mem.input(x);
  const wAt = mem.input(w);
  const bAt = bias ? mem.input(bias) : 0;
  if (!mem.commit()) return null;
  writeJob(rt, JOB_CONV_FORWARD, g, [xAt, wAt, bAt, yAt, 0]);
  preferDirect(rt, g, JOB_CONV_DIRECT_FORWARD);
  run(rt, g);
  return mem.readF32(yAt, yLen);
}

/**
 * The window of the convolution of gy that gives the input gradient, where one exists and costs
 * no more than the forward pass: stride 1, no output padding (as conv_transpose may ask for), and
 * the flipped padding d*(k-1) - p between 0 and p, so that few taps fall on the zero border (a 'valid'
 * convolution's gradient would read mostly zeros: im2col's fold does less work there).
 */
function flippedWindow(w: Window2d, size: readonly [number, number]): Window2d | null {
  const padding: [number, number] = [0, 0];
  for (const d of [0, 1]) {
    const reach = w.dilation[d] * (w.kernel[d] - 1);
    if (w.stride[d] !== 1 || size[d] !== w.output[d] + reach - 2 * w.padding[d] || 2 * w.padding[d] < reach || w.padding[d] > reach) return null;
    padding[d] = reach - w.padding[d];
  }
  return { ...w, padding, output: [size[0], size[1]] };
}

/** The gradient for x: gy [N, O, outH, outW] through w, folded back to [N, C, H, W]; null: use js. */
export function wasmConv2dInputGrad(rt: Runtime, gy: View, w: View, size: readonly [number, number], window: Window2d, groups: number): Float32Array | null {
  const [N, O] = gy.shape;
  const [H, W] = size;
  const g: Geometry = { N, C: w.shape[1] * groups, H, W, O, groups, window };
  if (!fits(g)) return null;
  const xLen = N * g.C * H * W;
  const mem = new Layout(rt);
  const gxAt = mem.output(xLen * 4);
  const gyAt = mem.input(gy);
  const wAt = mem.input(w);
  if (!mem.commit()) return null;
  const flipped = flippedWindow(window, size);
  if (flipped && directPays(g.C / groups)) {
    // With stride 1 the input gradient is a convolution of gy by w transposed and flipped.
    writeJob(rt, JOB_CONV_DIRECT_FORWARD, { N, C: O, H: window.output[0], W: window.output[1], O: g.C, groups, window: flipped }, [gyAt, wAt, 0, gxAt, 1]);
    if (rt.exports.directConvFits(JOB_PTR, 1)) {
      run(rt, g);
      return mem.readF32(gxAt, xLen);
    }
  }
  writeJob(rt, JOB_CONV_INPUT_GRAD, g, [gyAt, wAt, gxAt]);
  run(rt, g);
  return mem.readF32(gxAt, xLen);
}

/**
 * Chunks the weight gradient's sum over images is cut into: a fixed number, whatever the thread
 * count, so that the sum runs in the same order on any number of threads (each chunk sums its
 * images into a slot of its own, and the slots are added in order). 16 keeps up to 8 threads
 * at two chunks each; fewer where 16 slots would take more than PARTIALS_MAX_BYTES.
 */
const WEIGHT_GRAD_CHUNKS = 16;
const PARTIALS_MAX_BYTES = 128 << 20;

/** How many chunks the weight gradient of N images with slotLen floats per slot is cut into (at most one per image). */
function weightGradChunks(N: number, slotLen: number): number {
  return Math.max(1, Math.min(N, WEIGHT_GRAD_CHUNKS, Math.floor(PARTIALS_MAX_BYTES / (slotLen * 4))));
}

/**
 * The gradients for w [O, C/groups, kH, kW] (and, with `withBias`, for the bias [O]) from x and
 * gy; null: use js. Each chunk of images is summed into its own slot; the slots are added here.
 */
export function wasmConv2dWeightGrad(
  rt: Runtime, x: View, gy: View, window: Window2d, groups: number, withBias: boolean,
): { weight: Float32Array; bias: Float32Array | null } | null {
  const [N, C, H, W] = x.shape;
  const O = gy.shape[1];
  const g: Geometry = { N, C, H, W, O, groups, window };
  if (!fits(g)) return null;
  const wLen = O * (C / groups) * window.kernel[0] * window.kernel[1];
  const slotLen = wLen + O;
  const chunks = weightGradChunks(N, slotLen);
  const mem = new Layout(rt);
  const partialsAt = mem.take(chunks * slotLen * 4);
  const xAt = mem.input(x);
  const gyAt = mem.input(gy);
  if (!mem.commit()) return null;
  writeJob(rt, JOB_CONV_WEIGHT_GRAD, g, [xAt, gyAt, partialsAt, chunks, withBias ? 1 : 0]);
  preferDirect(rt, g, JOB_CONV_DIRECT_WEIGHT_GRAD);
  run(rt, g);
  // Slot 0 += each other slot, in chunk order, in SIMD: for a 64 -> 128 channel 3x3 layer's 16
  // slots a JS loop over the shared heap took 13 ms, this 0.2 ms (on a busy machine).
  for (let s = 1; s < chunks; s++) addInMemory(rt, partialsAt, partialsAt + s * slotLen * 4, slotLen);
  const at = partialsAt / 4;
  return { weight: rt.f32.slice(at, at + wLen), bias: withBias ? rt.f32.slice(at + wLen, at + slotLen) : null };
}
