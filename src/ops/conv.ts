// Convolution. Five primitives: im2col (F.unfold) and col2im (F.fold), each the other's
// adjoint and so each the other's backward rule; and convolution with its two adjoints (for the
// input, which is also the transposed convolution, and for the weight), which likewise are each
// other's backward rules, so double backward needs no extra code. The backends fuse the
// convolutions (the wasm kernels never build the column tensor). 1-D ops run as 2-D ops with H = 1.

import type { Window2d } from '../backend/backend.js';
import type { TypedArray } from '../tensor/dtype.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { backendOf, record, wrap } from './function.js';
import { tensor, zeros } from './creation.js';
import { cat } from './movement.js';

export type IntOrPair = number | readonly number[];
export type Pair = readonly [number, number];
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/**
 * A kernel/stride/... argument as one value per spatial dim (`n` of them), PyTorch's _ntuple and
 * expand_param_if_needed (a list of one value is repeated); refused in the convolutions' words.
 */
export function nTuple(v: IntOrPair, n: number, name: string): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (v.length === 1) return new Array<number>(n).fill(v[0]);
  if (v.length !== n) {
    throw new RangeError(`expected ${name} to be a single integer value or a list of ${n} values to match the convolution dimensions, but got ${name}=${fmtShape(v)}`);
  }
  return [...v];
}

// ---------------------------------------------------------------------------- the primitives

/** im2col on [N, C, H, W]: [N, C*kH*kW, L], zeros at padding; its backward is col2im. */
export function im2colOp(x: Tensor, window: Window2d): Tensor {
  const [N, C, H, W] = x.shape;
  const [kH, kW] = window.kernel;
  const L = window.output[0] * window.output[1];
  const backend = backendOf(x);
  const y = wrap(backend.im2col(x._view(), window), [N, C * kH * kW, L], x.dtype, backend);
  return record('Im2ColBackward0', y, [x], [], (g) => [col2imOp(g, [H, W], window)]);
}

/** col2im of [N, C*kH*kW, L] into [N, C, size[0], size[1]], summing overlaps; its backward is im2col. */
export function col2imOp(cols: Tensor, size: Pair, window: Window2d): Tensor {
  const [N, rows] = cols.shape;
  const C = rows / (window.kernel[0] * window.kernel[1]);
  const backend = backendOf(cols);
  const y = wrap(backend.col2im(cols._view(), size, window), [N, C, size[0], size[1]], cols.dtype, backend);
  return record('Col2ImBackward0', y, [cols], [], (g) => [im2colOp(g, window)]);
}

/**
 * Convolution of x [N, C, H, W] with w [O, C/groups, kH, kW] (+ bias [O]) over `window`:
 * [N, O, outH, outW], or `shape` (the same elements: the 1-D ops drop H = 1 here, so that
 * their grad_fn is this node, as PyTorch's). Outside create_graph the weight and bias
 * gradients come from one pass.
 */
export function convolutionOp(x: Tensor, w: Tensor, bias: Tensor | null, window: Window2d, groups: number, shape?: readonly number[]): Tensor {
  const [N, , H, W] = x.shape;
  const backend = backendOf(x);
  const data = backend.conv2d(x._view(), w._view(), bias ? bias._view() : null, window, groups);
  const shape4 = [N, w.shape[0], ...window.output];
  const y = wrap(data, shape ?? shape4, x.dtype, backend);
  return record('ConvolutionBackward0', y, [x, w, bias], [x, w], (grad, needs) => {
    const g = grad.reshape(shape4);
    const gx = needs[0] ? convInputGradOp(g, w, [H, W], window, groups) : null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[1] && needs[2] && !isGradEnabled()) {
      const r = backend.conv2dWeightGrad(x._view(), g._view(), window, groups, true);
      gw = wrap(r.weight, w.shape, w.dtype, backend);
      gb = wrap(r.bias!, [w.shape[0]], w.dtype, backend);
    } else {
      if (needs[1]) gw = convWeightGradOp(x, g, window, groups);
      if (needs[2]) gb = g.sum([0, 2, 3]);
    }
    return [gx, gw, gb];
  });
}

/**
 * The adjoint of convolution in x: gy [N, O, outH, outW] through w back onto [N, C, size]. With
 * a bias [C] added it is conv_transpose's core, whose grad_fn PyTorch names ConvolutionBackward0.
 */
export function convInputGradOp(
  gy: Tensor, w: Tensor, size: Pair, window: Window2d, groups: number, bias: Tensor | null = null, name = 'ConvolutionBackwardBackward0', shape?: readonly number[],
): Tensor {
  const [N] = gy.shape;
  const C = w.shape[1] * groups;
  const backend = backendOf(gy);
  const data = backend.conv2dInputGrad(gy._view(), w._view(), size, window, groups);
  if (bias) {
    // The bias is added on the CPU (conv_transpose2d's forward): not yet a device kernel.
    const bv = bias.contiguous();
    const b = bv._storage.host('conv_transpose2d with bias').subarray(bv._offset);
    const out = data as TypedArray;
    const plane = size[0] * size[1];
    for (let p = 0, i = 0; p < N * C; p++) for (let end = i + plane, v = b[p % C]; i < end; i++) out[i] += v;
  }
  const shape4 = [N, C, size[0], size[1]];
  const y = wrap(data, shape ?? shape4, gy.dtype, backend);
  return record(name, y, [gy, w, bias], [gy, w], (grad, needs) => {
    const g = grad.reshape(shape4);
    return [
    needs[0] ? convolutionOp(g, w, null, window, groups) : null,
    needs[1] ? convWeightGradOp(g, gy, window, groups) : null,
    needs[2] ? g.sum([0, 2, 3]) : null,
    ];
  });
}

/** The adjoint of convolution in w: from x and gy, the [O, C/groups, kH, kW] weight gradient. */
export function convWeightGradOp(x: Tensor, gy: Tensor, window: Window2d, groups: number): Tensor {
  const [, C, H, W] = x.shape;
  const backend = backendOf(x);
  const data = backend.conv2dWeightGrad(x._view(), gy._view(), window, groups, false).weight;
  const y = wrap(data, [gy.shape[1], C / groups, ...window.kernel], x.dtype, backend);
  return record('ConvolutionBackwardBackward0', y, [x, gy], [x, gy], (g, needs) => [
    needs[0] ? convInputGradOp(gy, g, [H, W], window, groups) : null,
    needs[1] ? convolutionOp(x, g, null, window, groups) : null,
  ]);
}

/** Number of window positions along one dim (the plain, floor-mode formula). */
export function slidingCount(size: number, kernel: number, stride: number, padBefore: number, padAfter: number, dilation: number): number {
  return Math.floor((size + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride) + 1;
}

// ---------------------------------------------------------------------------- F.unfold / F.fold

export interface UnfoldOptions {
  dilation?: IntOrPair;
  padding?: IntOrPair;
  stride?: IntOrPair;
}

/** F.unfold/F.fold's _pair: a number, or exactly two values (a list of one is refused, unlike the convolutions). */
function pair(v: IntOrPair, name: string): number[] {
  if (typeof v === 'number') return [v, v];
  if (v.length !== 2) throw new RangeError(`It is expected ${name} equals to 2, but got size ${v.length}`);
  return [...v];
}

function foldArgs(kernelSize: IntOrPair, options: UnfoldOptions): { k: number[]; d: number[]; p: number[]; s: number[] } {
  const k = pair(kernelSize, 'kernel_size');
  const d = pair(options.dilation ?? 1, 'dilation');
  const p = pair(options.padding ?? 0, 'padding');
  const s = pair(options.stride ?? 1, 'stride');
  if (!(k[0] > 0 && k[1] > 0)) throw new RangeError(`kernel size should be greater than zero, but got kernel_height: ${k[0]} kernel_width: ${k[1]}`);
  if (!(d[0] > 0 && d[1] > 0)) throw new RangeError(`dilation should be greater than zero, but got dilation_height: ${d[0]} dilation_width: ${d[1]}`);
  if (!(p[0] >= 0 && p[1] >= 0)) throw new RangeError(`padding should be non-negative, but got pad_height: ${p[0]} pad_width: ${p[1]}`);
  if (!(s[0] > 0 && s[1] > 0)) throw new RangeError(`stride should be greater than zero, but got stride_height: ${s[0]} stride_width: ${s[1]}`);
  return { k, d, p, s };
}

const tuple = (v: readonly number[]) => `(${v.join(', ')})`;

/** F.unfold (im2col): [N, C, H, W] (or [C, H, W]) -> [N, C * prod(kernel), L] of sliding blocks. */
export function unfold(input: Tensor, kernelSize: IntOrPair, options: UnfoldOptions = {}): Tensor {
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new RangeError(`Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ${fmtShape(input.shape)}`);
  }
  const { k, d, p, s } = foldArgs(kernelSize, options);
  const x = input.ndim === 3 ? input.unsqueeze(0) : input;
  const [H, W] = x.shape.slice(2);
  const outH = slidingCount(H, k[0], s[0], p[0], p[0], d[0]);
  const outW = slidingCount(W, k[1], s[1], p[1], p[1], d[1]);
  if (outH < 1 || outW < 1) {
    throw new RangeError(
      `Given input with spatial size ${tuple([H, W])}, kernel_size=${tuple(k)}, dilation=${tuple(d)}, padding=${tuple(p)}, calculated shape of the array of sliding blocks as ${tuple([outH, outW])}, but its components must be at least one.`,
    );
  }
  const window: Window2d = { kernel: [k[0], k[1]], stride: [s[0], s[1]], padding: [p[0], p[1]], dilation: [d[0], d[1]], output: [outH, outW] };
  const y = im2colOp(x, window);
  return input.ndim === 3 ? y.squeeze(0) : y;
}

/** F.fold (col2im): [N, C * prod(kernel), L] (or unbatched) -> [N, C, *outputSize], summing overlaps. */
export function fold(input: Tensor, outputSize: IntOrPair, kernelSize: IntOrPair, options: UnfoldOptions = {}): Tensor {
  // PyTorch's order: the arguments (Python's _pair, then col2im's signs), then the input's rank
  // and its non-batch sizes, the rows, the block count, and last the blocks' signs.
  const size = pair(outputSize, 'output_size');
  const { k, d, p, s } = foldArgs(kernelSize, options);
  if ((input.ndim !== 2 && input.ndim !== 3) || input.shape.slice(input.ndim - 2).includes(0)) {
    throw new RangeError(`Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ${fmtShape(input.shape)}`);
  }
  const x = input.ndim === 2 ? input.unsqueeze(0) : input;
  const [, rows, L] = x.shape;
  if (rows % (k[0] * k[1]) !== 0) {
    throw new RangeError(
      `Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=${rows} and kernel_size=${tuple(k)}.`,
    );
  }
  const outH = slidingCount(size[0], k[0], s[0], p[0], p[0], d[0]);
  const outW = slidingCount(size[1], k[1], s[1], p[1], p[1], d[1]);
  const given = `Given output_size=${tuple(size)}, kernel_size=${tuple(k)}, dilation=${tuple(d)}, padding=${tuple(p)}, stride=${tuple(s)}`;
  if (outH * outW !== L) {
    throw new RangeError(`${given}, expected size of input's dimension 2 to match the calculated number of sliding blocks ${outH} * ${outW} = ${outH * outW}, but got input.size(2)=${L}.`);
  }
  // Two negative counts can multiply to L: output_size 1 with kernel 3 gives (-1, -1) for L = 1.
  if (outH < 1 || outW < 1) {
    throw new RangeError(`${given}, calculated shape of the array of sliding blocks as ${tuple([outH, outW])}, which is too small (non-positive)`);
  }
  const window: Window2d = { kernel: [k[0], k[1]], stride: [s[0], s[1]], padding: [p[0], p[1]], dilation: [d[0], d[1]], output: [outH, outW] };
  const y = col2imOp(x, [size[0], size[1]], window);
  return input.ndim === 2 ? y.squeeze(0) : y;
}

// ---------------------------------------------------------------------------- padding modes

/**
 * Pad the last dims with 'reflect', 'replicate' or 'circular' (F.pad's non-constant modes), `pad`
 * listing (before, after) pairs from the last dim, as F.pad. Each dim is one index_select, so the
 * gradient sums back into the source positions.
 */
export function padNonConstant(x: Tensor, pad: readonly number[], mode: Exclude<PaddingMode, 'zeros'>): Tensor {
  // PyTorch 1.13's _pad_circular pads only the dims after N and C: an unbatched input is refused.
  if (mode === 'circular' && pad.length !== 2 * (x.ndim - 2)) throw new RangeError(`Invalid padding size, expected ${2 * (x.ndim - 2)} but got ${pad.length}`);
  let out = x;
  for (let i = 0; i < pad.length / 2; i++) {
    const dim = x.ndim - 1 - i;
    const before = pad[2 * i];
    const after = pad[2 * i + 1];
    if (before === 0 && after === 0) continue;
    const n = x.shape[dim];
    if (mode === 'reflect' && (before >= n || after >= n)) {
      // reflection_pad1d prints the input's sizes; reflection_pad2d its rank, and the height's
      // pair as argument #6.
      const input = pad.length === 2 ? fmtShape(x.shape) : String(x.ndim);
      throw new RangeError(
        `Argument #${4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: padding (${before}, ${after}) at dimension ${dim} of input ${input}`,
      );
    }
    if (mode === 'circular' && (before > n || after > n)) {
      throw new RangeError('Padding value causes wrapping around more than once.');
    }
    const idx: number[] = [];
    for (let j = -before; j < n + after; j++) {
      if (mode === 'replicate') idx.push(Math.min(Math.max(j, 0), n - 1));
      else if (mode === 'circular') idx.push(((j % n) + n) % n);
      else idx.push(j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j);
    }
    out = out.indexSelect(dim, tensor(idx, { dtype: 'int64', device: out.device }));
  }
  return out;
}

// ---------------------------------------------------------------------------- convolution

export type ConvPadding = IntOrPair | 'same' | 'valid';

/** Options of `F.conv1d/2d`: stride (default 1), padding (0, or 'same'/'valid'), dilation (1), groups (1). */
export interface ConvOptions {
  stride?: IntOrPair;
  padding?: ConvPadding;
  dilation?: IntOrPair;
  groups?: number;
}

/** Options of `F.conv_transpose1d/2d`: stride (default 1), padding (0), outputPadding (0), groups (1), dilation (1). */
export interface ConvTransposeOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  outputPadding?: IntOrPair;
  groups?: number;
  dilation?: IntOrPair;
}

/** F.conv2d(x, w, options) as well as F.conv2d(x, w, bias, options), as Python's keywords allow. */
function splitBias<O extends object>(bias: Tensor | null | undefined | O, options: O | undefined): [Tensor | null, O] {
  if (bias instanceof Tensor) return [bias, options ?? ({} as O)];
  if (bias === null || bias === undefined) return [null, options ?? ({} as O)];
  return [null, bias];
}

/** The dims that PyTorch's messages list: [1, 3, 28, 28]. */
const sizes = (t: Tensor) => fmtShape(t.shape);

function checkBatchedInput(input: Tensor, nd: number, op: string): void {
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2) {
    throw new RangeError(`Expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input to ${op}, but got input of size: ${sizes(input)}`);
  }
}

/** C++'s names of the element types (caffe2's TypeMeta), as PyTorch's bias message prints them. */
const cTypeName: Record<Tensor['dtype'], string> = { float32: 'float', float64: 'double', int32: 'int', int64: 'long int', bool: 'bool' };

function checkDtypes(input: Tensor, weight: Tensor, bias: Tensor | null): void {
  const name = (t: Tensor) => `torch.${scalarTypeName[t.dtype]}Tensor`;
  if (input.dtype !== weight.dtype) {
    throw new TypeError(`Input type (${name(input)}) and weight type (${name(weight)}) should be the same or input should be a MKLDNN tensor and weight is a dense tensor`);
  }
  checkBiasDtype(input, bias);
}

/** PyTorch's CPU convolution names the bias's mismatch in scalar-type names (double, float). */
function checkBiasDtype(input: Tensor, bias: Tensor | null): void {
  if (bias && bias.dtype !== input.dtype) {
    throw new TypeError(`Input type (${cTypeName[input.dtype]}) and bias type (${cTypeName[bias.dtype]}) should be the same`);
  }
}

/**
 * PyTorch's _convolution checks and check_shape_forward, in their order: groups, argument signs
 * (output padding after padding), weight rank, kernel, groups against the weight, channels, bias.
 */
function checkShapeForward(input: Tensor, weight: Tensor, bias: Tensor | null, groups: number, transposed: boolean, stride: number[], padding: number[], dilation: number[], outputPadding: number[] = []): void {
  if (groups <= 0) throw new RangeError('non-positive groups is not supported');
  if (padding.some((p) => p < 0)) throw new RangeError('negative padding is not supported');
  if (outputPadding.some((p) => p < 0)) throw new RangeError('negative output_padding is not supported');
  if (stride.some((s) => s <= 0)) throw new RangeError('non-positive stride is not supported');
  if (dilation.some((d) => d <= 0)) throw new RangeError(`dilation should be greater than zero, but got ${fmtShape(dilation)}`);
  const w = weight.shape;
  if (weight.ndim !== input.ndim) {
    throw new RangeError(`Expected ${weight.ndim}-dimensional input for ${weight.ndim}-dimensional weight ${sizes(weight)}, but got ${input.ndim}-dimensional input of size ${sizes(input)} instead`);
  }
  // A zero kernel (nn.Conv2d(3, 4, 0)) would slide an empty window; PyTorch's kernel refuses it (1-D as height 1).
  const k = w.length === 3 ? [1, w[2]] : w.slice(2);
  if (k.some((n) => n <= 0)) throw new RangeError(`kernel size should be greater than zero, but got kernel_height: ${k[0]} kernel_width: ${k[1]}`);
  if (w[0] < groups) throw new RangeError(`Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${sizes(weight)} instead`);
  if (w[0] % groups !== 0) {
    throw new RangeError(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${sizes(weight)}] instead`);
  }
  const channels = input.shape[1];
  if (!transposed) {
    if (channels !== w[1] * groups) {
      throw new RangeError(`Given groups=${groups}, weight of size ${sizes(weight)}, expected input${sizes(input)} to have ${w[1] * groups} channels, but got ${channels} channels instead`);
    }
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== w[0])) {
      throw new RangeError(`Given weight of size ${sizes(weight)}, expected bias to be 1-dimensional with ${w[0]} elements, but got bias of size ${sizes(bias)} instead`);
    }
    const padded = input.shape.slice(2).map((s, i) => s + 2 * padding[i]);
    const kernel = w.slice(2).map((k, i) => dilation[i] * (k - 1) + 1);
    if (padded.some((s, i) => s < kernel[i])) {
      throw new RangeError(`Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${kernel.join(' x ')}). Kernel size can't be greater than actual input size`);
    }
  } else {
    if (channels !== w[0]) {
      throw new RangeError(`Given transposed=1, weight of size ${sizes(weight)}, expected input${sizes(input)} to have ${w[0]} channels, but got ${channels} channels instead`);
    }
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== w[1] * groups)) {
      throw new RangeError(`Given transposed=1, weight of size ${sizes(weight)}, expected bias to be 1-dimensional with ${w[1] * groups} elements, but got bias of size ${sizes(bias)} instead`);
    }
  }
}

// The 1-D convolutions run as 2-D ones over a height of 1: sizes get a leading 1 (0 for padding).
const lift = (nd: 1 | 2, v: readonly number[], one: number): [number, number] => (nd === 1 ? [one, v[0]] : [v[0], v[1]]);

/** A 1-D op's [N, C, L] input or [O, C, k] weight as its 2-D form with H = 1. */
const lift4 = (nd: 1 | 2, t: Tensor): Tensor => (nd === 1 ? t.unsqueeze(2) : t);

function liftWindow(nd: 1 | 2, kernel: readonly number[], stride: number[], padding: number[], dilation: number[], output: readonly number[]): Window2d {
  return { kernel: lift(nd, kernel, 1), stride: lift(nd, stride, 1), padding: lift(nd, padding, 0), dilation: lift(nd, dilation, 1), output: lift(nd, output, 1) };
}

function convNd(nd: 1 | 2 | 3, op: string, input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions): Tensor {
  // PyTorch 1.13's conv2d with numeric padding checks the bias's dtype before anything else
  // (its string-padding path and conv1d do not); every other dtype check comes last.
  if (nd === 2 && typeof options.padding !== 'string') checkBiasDtype(input, bias);
  checkBatchedInput(input, nd, op);
  const unbatched = input.ndim === nd + 1;
  const x = unbatched ? input.unsqueeze(0) : input;
  const groups = options.groups ?? 1;
  const pad = options.padding ?? 0;
  let stride: number[];
  let dilation: number[];
  let before: number[];
  let after: number[];
  if (pad === 'same') {
    // PyTorch's _convolution_same: its own words for a list of the wrong length, and the stride
    // check, before _convolution's.
    const broadcast = (v: number | readonly number[], name: string) => {
      if (typeof v !== 'number' && v.length !== 1 && v.length !== nd) throw new RangeError(`${name} cannot broadcast to ${nd} dimensions`);
      return nTuple(v, nd, name);
    };
    stride = broadcast(options.stride ?? 1, 'stride');
    dilation = broadcast(options.dilation ?? 1, 'dilation');
    if (stride.some((s) => s !== 1)) throw new RangeError("padding='same' is not supported for strided convolutions");
    // Total padding d*(k-1); the odd unit goes at the end, as PyTorch pads it.
    const total = weight.shape.slice(2).map((k, i) => dilation[i] * (k - 1));
    before = total.map((t) => Math.floor(t / 2));
    after = total.map((t, i) => t - before[i]);
  } else {
    if (typeof pad === 'string' && pad !== 'valid') throw new RangeError(`Invalid padding string: '${pad}'`);
    // _convolution expands stride, padding and dilation in that order.
    stride = nTuple(options.stride ?? 1, nd, 'stride');
    before = after = pad === 'valid' ? new Array<number>(nd).fill(0) : nTuple(pad, nd, 'padding');
    dilation = nTuple(options.dilation ?? 1, nd, 'dilation');
  }
  checkShapeForward(x, weight, bias, groups, false, stride, before, dilation);
  // The dtypes last: PyTorch's backend picks the kernel after the shape checks.
  checkDtypes(x, weight, bias);
  const spatial = x.shape.slice(2);
  const out = spatial.map((s, i) => slidingCount(s, weight.shape[2 + i], stride[i], before[i], after[i], dilation[i]));
  let y: Tensor;
  if (nd === 3) {
    y = convolution3d(x, weight, bias, stride, before, dilation, groups, out);
  } else {
    const window = liftWindow(nd, weight.shape.slice(2), stride, before, dilation, out);
    y = convolutionOp(lift4(nd, x), lift4(nd, weight), bias, window, groups, nd === 1 ? [x.shape[0], weight.shape[0], out[0]] : undefined);
  }
  return unbatched ? y.squeeze(0) : y;
}

/**
 * 3-D convolution as one 2-D convolution, so every backend runs it with its 2-D kernel: each output
 * depth d reads the input depths d*sD - pD + kd*dD (a zero plane where that is padding); those kD
 * planes go side by side as channels ([N*outD, groups*kD*C/groups, H, W]), and the weight's kD
 * slices likewise ([O, kD*C/groups, kH, kW]), so the 2-D convolution sums over depth too.
 */
function convolution3d(x: Tensor, w: Tensor, bias: Tensor | null, stride: number[], before: number[], dilation: number[], groups: number, out: number[]): Tensor {
  const [N, C, D, H, W] = x.shape;
  const [O, Cg, kD, kH, kW] = w.shape;
  const [oD, oH, oW] = out;
  // Plane D is zeros: the padding's planes read it.
  const planes = cat([x, zeros([N, C, 1, H, W], { dtype: x.dtype, device: x.device })], 2);
  const depths: number[] = [];
  for (let kd = 0; kd < kD; kd++) {
    for (let d = 0; d < oD; d++) {
      const at = d * stride[0] - before[0] + kd * dilation[0];
      depths.push(at >= 0 && at < D ? at : D);
    }
  }
  const picked = planes.indexSelect(2, tensor(depths, { dtype: 'int64', device: x.device })).view(N, groups, Cg, kD, oD, H, W);
  const x2 = picked.permute(0, 4, 1, 3, 2, 5, 6).reshape([N * oD, groups * kD * Cg, H, W]);
  const w2 = w.permute(0, 2, 1, 3, 4).reshape([O, kD * Cg, kH, kW]);
  const window = liftWindow(2, [kH, kW], stride.slice(1), before.slice(1), dilation.slice(1), [oH, oW]);
  return convolutionOp(x2, w2, bias, window, groups).view(N, oD, O, oH, oW).permute(0, 2, 1, 3, 4);
}

/** F.conv1d: input [N, C, L] (or [C, L]), weight [O, C/groups, k]. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, options?: ConvOptions): Tensor {
  const [b, o] = splitBias(bias, options);
  return convNd(1, 'conv1d', input, weight, b, o);
}

/** F.conv2d: input [N, C, H, W] (or [C, H, W]), weight [O, C/groups, kH, kW]. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, options?: ConvOptions): Tensor {
  const [b, o] = splitBias(bias, options);
  return convNd(2, 'conv2d', input, weight, b, o);
}

/** F.conv3d: input [N, C, D, H, W] (or [C, D, H, W]), weight [O, C/groups, kD, kH, kW]; composed from the 2-D convolution. */
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, options?: ConvOptions): Tensor {
  const [b, o] = splitBias(bias, options);
  return convNd(3, 'conv3d', input, weight, b, o);
}

function convTransposeNd(nd: 1 | 2 | 3, op: string, input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvTransposeOptions): Tensor {
  checkBatchedInput(input, nd, op);
  const unbatched = input.ndim === nd + 1;
  const x = unbatched ? input.unsqueeze(0) : input;
  const groups = options.groups ?? 1;
  // _convolution's order: stride, padding, dilation, then output_padding.
  const stride = nTuple(options.stride ?? 1, nd, 'stride');
  const padding = nTuple(options.padding ?? 0, nd, 'padding');
  const dilation = nTuple(options.dilation ?? 1, nd, 'dilation');
  const outputPadding = nTuple(options.outputPadding ?? 0, nd, 'output_padding');
  checkShapeForward(x, weight, bias, groups, true, stride, padding, dilation, outputPadding);
  // The checks below are the 2-D kernel's, which sees a 1-D op with height 1 (output padding 0).
  if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i])) {
    const part = (label: string, v: number[], one: number) => {
      const names = nd === 3 ? ['depth', 'height', 'width'] : ['height', 'width'];
      const values = nd === 1 ? [one, v[0]] : v;
      return names.map((name, i) => `${label}_${name}: ${values[i]}`).join(' ');
    };
    throw new RangeError(
      `output padding must be smaller than either stride or dilation, but got ${part('output_padding', outputPadding, 0)} ${part('stride', stride, 1)} ${part('dilation', dilation, 1)}`,
    );
  }
  const spatial = x.shape.slice(2);
  const kernel = weight.shape.slice(2);
  const outSize = spatial.map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1);
  if (outSize.some((s) => s < 1)) {
    throw new RangeError(
      `Given input size per channel: (${(nd === 1 ? [1, ...spatial] : spatial).join(' x ')}). Calculated output size per channel: (${(nd === 1 ? [1, ...outSize] : outSize).join(' x ')}). Output size is too small`,
    );
  }
  checkDtypes(x, weight, bias);
  let y: Tensor;
  if (nd === 3) {
    y = convTranspose3dByPlanes(x, weight, bias, stride, padding, dilation, groups, outSize);
  } else {
    const window = liftWindow(nd, kernel, stride, padding, dilation, spatial);
    const shape = nd === 1 ? [x.shape[0], weight.shape[1] * groups, outSize[0]] : undefined;
    y = convInputGradOp(lift4(nd, x), lift4(nd, weight), lift(nd, outSize, 1), window, groups, bias, 'ConvolutionBackward0', shape);
  }
  return unbatched ? y.squeeze(0) : y;
}

/**
 * 3-D transposed convolution from the 2-D one: every input depth plane goes through the 2-D
 * transposed convolution with the kernel's kD depth slices as extra output channels; then plane
 * d's tap kd lands at output depth d*sD - pD + kd*dD, a constant 0/1 matrix summing the taps
 * that meet at each output depth (those outside it are the padding cropped away).
 */
function convTranspose3dByPlanes(x: Tensor, w: Tensor, bias: Tensor | null, stride: number[], padding: number[], dilation: number[], groups: number, outSize: number[]): Tensor {
  const [N, Cin, D, H, W] = x.shape;
  const [, Cg, kD, kH, kW] = w.shape;
  const [oD, oH, oW] = outSize;
  const Cout = Cg * groups;
  const x2 = x.permute(0, 2, 1, 3, 4).reshape([N * D, Cin, H, W]);
  // [Cin, Cg, kD, kH, kW] as [Cin, Cg*kD, kH, kW]: each group's output channels are (channel, tap) pairs.
  const w2 = w.reshape([Cin, Cg * kD, kH, kW]);
  const window = liftWindow(2, [kH, kW], stride.slice(1), padding.slice(1), dilation.slice(1), [H, W]);
  const planes = convInputGradOp(x2, w2, [oH, oW], window, groups, null, 'ConvolutionBackward0');
  const taps = planes.view(N, D, Cout, kD, oH * oW).permute(0, 2, 4, 1, 3).reshape([N, Cout, oH * oW, D * kD]);
  const lands = new Array<number>(D * kD * oD).fill(0);
  for (let d = 0; d < D; d++) {
    for (let kd = 0; kd < kD; kd++) {
      const at = d * stride[0] - padding[0] + kd * dilation[0];
      if (at >= 0 && at < oD) lands[(d * kD + kd) * oD + at] = 1;
    }
  }
  let y = taps.matmul(tensor(lands, { dtype: x.dtype, device: x.device }).view(D * kD, oD)).permute(0, 1, 3, 2).reshape([N, Cout, oD, oH, oW]);
  if (bias) y = y.add(bias.view(1, Cout, 1, 1, 1));
  return y;
}

/** F.conv_transpose1d: input [N, Cin, L], weight [Cin, Cout/groups, k]. */
export function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvTransposeOptions, options?: ConvTransposeOptions): Tensor {
  const [b, o] = splitBias(bias, options);
  return convTransposeNd(1, 'conv_transpose1d', input, weight, b, o);
}

/** F.conv_transpose2d: input [N, Cin, H, W], weight [Cin, Cout/groups, kH, kW]. */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvTransposeOptions, options?: ConvTransposeOptions): Tensor {
  const [b, o] = splitBias(bias, options);
  return convTransposeNd(2, 'conv_transpose2d', input, weight, b, o);
}

/** F.conv_transpose3d: input [N, Cin, D, H, W], weight [Cin, Cout/groups, kD, kH, kW]; composed from the 2-D one. */
export function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvTransposeOptions, options?: ConvTransposeOptions): Tensor {
  const [b, o] = splitBias(bias, options);
  return convTransposeNd(3, 'conv_transpose3d', input, weight, b, o);
}
