// Convolution and pooling at the edges of their arguments against PyTorch 1.13
// (tools/fixtures/conv_edges.py): one-value lists, the last ceil-mode window, refusals in
// PyTorch's words. The inputs are ramps built here as the script builds them; the fixture holds
// the outputs, indices and gradients of sum(out * ramp). Once per backend, one op per case.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { assertClose, backendsUnderTest, errorOf } from '../helpers.js';

const F = dlab.nn.functional;
const nn = dlab.nn;

interface Case {
  shape: number[];
  out: number[];
  grads: number[][];
  indices?: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/conv_edges.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Record<string, Case>;
  forwards: Record<string, Omit<Case, 'grads'>>;
  refusals: Record<string, string>;
};

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** The script's X(shape): arange(n) / 4 - 2; W(shape): arange(n) / 8 - 0.5; float64 leaves. */
const X = (...shape: number[]) => dlab.arange(count(shape), { dtype: 'float64' }).div(4).sub(2).reshape(shape).requiresGrad_(true);
const W = (...shape: number[]) => dlab.arange(count(shape), { dtype: 'float64' }).div(8).sub(0.5).reshape(shape).requiresGrad_(true);
const rampLike = (t: Tensor) => dlab.arange(t.numel(), { dtype: 'float64' }).div(3).sub(1).reshape(t.shape);

/** The script's conv_module: a 1-in 1-out conv module in float64 with weight w and no bias. */
function convModule(cls: typeof nn.Conv1d | typeof nn.Conv2d, kernel: number, padding: number | [number, number] | 'same', mode: 'reflect' | 'replicate' | 'circular', w: Tensor) {
  const conv = new cls(1, 1, kernel, { padding, paddingMode: mode, bias: false, dtype: 'float64' });
  dlab.noGrad(() => conv.weight.copy_(w));
  return conv;
}
const f64 = (...shape: number[]) => dlab.zeros(shape, { dtype: 'float64' });

const cases: Record<string, () => { out: Tensor | [Tensor, Tensor]; inputs: Tensor[] }> = {
  'conv2d stride [2]': () => {
    const [x, w] = [X(1, 2, 5, 5), W(1, 2, 2, 2)];
    return { out: F.conv2d(x, w, { stride: [2] }), inputs: [x, w] };
  },
  'max_pool2d ceil last window in padding': () => {
    const x = X(1, 1, 5, 5);
    return { out: F.maxPool2d(x, 2, { stride: 2, padding: 1, ceilMode: true, returnIndices: true }), inputs: [x] };
  },
  'max_pool2d stride None': () => {
    const x = X(1, 2, 5, 5);
    return { out: F.maxPool2d(x, 2, { stride: null }), inputs: [x] };
  },
  'avg_pool2d stride []': () => {
    const x = X(1, 2, 5, 5);
    return { out: F.avgPool2d(x, 2, { stride: [] }), inputs: [x] };
  },
  'fold one row of blocks': () => {
    const x = X(1, 4, 3);
    return { out: F.fold(x, [2, 4], 2), inputs: [x] };
  },
  'fold one column of blocks': () => {
    const x = X(1, 4, 3);
    return { out: F.fold(x, [4, 2], 2), inputs: [x] };
  },
  'fold unbatched': () => {
    const x = X(4, 4);
    return { out: F.fold(x, 3, 2), inputs: [x] };
  },
  'fold empty batch': () => {
    const x = X(0, 4, 4);
    return { out: F.fold(x, 3, 2), inputs: [x] };
  },
  "conv2d padded input the kernel's size": () => {
    const [x, w] = [X(1, 1, 1, 1), W(1, 1, 3, 3)];
    return { out: F.conv2d(x, w, { padding: 1 }), inputs: [x, w] };
  },
  'conv_transpose2d output_padding 1 dilation 2': () => {
    const [x, w] = [X(1, 4, 3, 3), W(4, 2, 2, 2)];
    return { out: F.convTranspose2d(x, w, { outputPadding: 1, dilation: 2 }), inputs: [x, w] };
  },
  'conv2d same stride [1]': () => {
    const [x, w] = [X(1, 1, 4, 4), W(1, 1, 2, 2)];
    return { out: F.conv2d(x, w, { padding: 'same', stride: [1] }), inputs: [x, w] };
  },
  'conv1d valid': () => {
    const [x, w] = [X(1, 1, 4), W(1, 1, 2)];
    return { out: F.conv1d(x, w, { padding: 'valid' }), inputs: [x, w] };
  },
  'conv_transpose2d output of 2': () => {
    const [x, w] = [X(1, 4, 1, 1), W(4, 2, 2, 2)];
    return { out: F.convTranspose2d(x, w), inputs: [x, w] };
  },
  'conv_transpose1d unbatched with bias': () => {
    const [x, w, b] = [X(4, 3), W(4, 2, 2), W(2)];
    return { out: F.convTranspose1d(x, w, b, { stride: 2 }), inputs: [x, w, b] };
  },
  'conv_transpose1d groups 2': () => {
    const [x, w] = [X(1, 4, 3), W(4, 1, 2)];
    return { out: F.convTranspose1d(x, w, { groups: 2 }), inputs: [x, w] };
  },
  'conv_transpose2d output of 1x1': () => {
    const [x, w] = [X(1, 4, 2, 2), W(4, 2, 2, 2)];
    return { out: F.convTranspose2d(x, w, { padding: 1 }), inputs: [x, w] };
  },
  'Conv2d reflect padding 2 of 3x3': () => {
    const x = X(1, 1, 3, 3);
    return { out: convModule(nn.Conv2d, 3, 2, 'reflect', W(1, 1, 3, 3)).call(x), inputs: [x] };
  },
  'Conv2d circular padding [2, 3] of 2x3': () => {
    const x = X(1, 1, 2, 3);
    return { out: convModule(nn.Conv2d, 3, [2, 3], 'circular', W(1, 1, 3, 3)).call(x), inputs: [x] };
  },
  'Conv2d replicate padding 3 of 2x2': () => {
    const x = X(1, 1, 2, 2);
    return { out: convModule(nn.Conv2d, 3, 3, 'replicate', W(1, 1, 3, 3)).call(x), inputs: [x] };
  },
  'Conv2d reflect padding [0, 1]': () => {
    const x = X(1, 1, 3, 4);
    return { out: convModule(nn.Conv2d, 3, [0, 1], 'reflect', W(1, 1, 3, 3)).call(x), inputs: [x] };
  },
  'max_pool2d kernel [2]': () => {
    const x = X(1, 1, 4, 5);
    return { out: F.maxPool2d(x, [2]), inputs: [x] };
  },
  'max_pool2d output of one row': () => {
    const x = X(1, 1, 2, 5);
    return { out: F.maxPool2d(x, 2), inputs: [x] };
  },
  'adaptive_max_pool2d output [None, 2]': () => {
    const x = X(1, 1, 4, 5);
    return { out: F.adaptiveMaxPool2d(x, [null, 2], { returnIndices: true }), inputs: [x] };
  },
  'adaptive_avg_pool2d output [3, None] unbatched': () => {
    const x = X(2, 5, 4);
    return { out: F.adaptiveAvgPool2d(x, [3, null]), inputs: [x] };
  },
  'adaptive_max_pool2d output 5 of 3x3': () => {
    const x = X(1, 1, 3, 3);
    return { out: F.adaptiveMaxPool2d(x, 5, { returnIndices: true }), inputs: [x] };
  },
  'adaptive_avg_pool2d output 5 of 3x3': () => {
    const x = X(1, 1, 3, 3);
    return { out: F.adaptiveAvgPool2d(x, 5), inputs: [x] };
  },
  'adaptive_avg_pool2d output 1 of a matrix': () => {
    const x = X(3, 4);
    return { out: F.adaptiveAvgPool2d(x, 1), inputs: [x] };
  },
  'adaptive_avg_pool2d output 1 of rank 5': () => {
    const x = X(1, 2, 1, 3, 4);
    return { out: F.adaptiveAvgPool2d(x, 1), inputs: [x] };
  },
  'adaptive_avg_pool1d output [1] unbatched': () => {
    const x = X(2, 5);
    return { out: F.adaptiveAvgPool1d(x, [1]), inputs: [x] };
  },
  'adaptive_max_pool1d output [3] unbatched': () => {
    const x = X(2, 7);
    return { out: F.adaptiveMaxPool1d(x, [3], { returnIndices: true }), inputs: [x] };
  },
  'adaptive_avg_pool2d uneven height only': () => {
    const x = X(1, 1, 5, 4);
    return { out: F.adaptiveAvgPool2d(x, [3, 4]), inputs: [x] };
  },
  'adaptive_avg_pool2d uneven width only': () => {
    const x = X(1, 1, 4, 5);
    return { out: F.adaptiveAvgPool2d(x, [2, 3]), inputs: [x] };
  },
  'adaptive_avg_pool2d output [3, 1]': () => {
    const x = X(1, 2, 5, 4);
    return { out: F.adaptiveAvgPool2d(x, [3, 1]), inputs: [x] };
  },
  'adaptive_avg_pool2d output [1, 3]': () => {
    const x = X(1, 2, 4, 5);
    return { out: F.adaptiveAvgPool2d(x, [1, 3]), inputs: [x] };
  },
  'adaptive_avg_pool1d unbatched 7 -> 3': () => {
    const x = X(2, 7);
    return { out: F.adaptiveAvgPool1d(x, 3), inputs: [x] };
  },
  'avg_pool1d padding 1': () => {
    const x = X(1, 1, 5);
    return { out: F.avgPool1d(x, 3, { padding: 1 }), inputs: [x] };
  },
  'avg_pool1d unbatched': () => {
    const x = X(2, 5);
    return { out: F.avgPool1d(x, 2, { countIncludePad: false, padding: 1 }), inputs: [x] };
  },
  'avg_pool2d unbatched divisor 3': () => {
    const x = X(2, 4, 4);
    return { out: F.avgPool2d(x, 2, { divisorOverride: 3 }), inputs: [x] };
  },
  'Conv1d reflect padding same kernel 2': () => {
    const x = X(1, 1, 5);
    return { out: convModule(nn.Conv1d, 2, 'same', 'reflect', W(1, 1, 2)).call(x), inputs: [x] };
  },
  'Conv2d circular padding same kernel 2': () => {
    const x = X(1, 1, 3, 4);
    return { out: convModule(nn.Conv2d, 2, 'same', 'circular', W(1, 1, 2, 2)).call(x), inputs: [x] };
  },
  'Conv1d circular padding 1': () => {
    const x = X(1, 1, 5);
    return { out: convModule(nn.Conv1d, 2, 1, 'circular', W(1, 1, 2)).call(x), inputs: [x] };
  },
  'Conv1d reflect padding 1 unbatched': () => {
    const x = X(1, 5);
    return { out: convModule(nn.Conv1d, 2, 1, 'reflect', W(1, 1, 2)).call(x), inputs: [x] };
  },
  'Conv2d replicate padding 1 unbatched': () => {
    const x = X(1, 3, 3);
    return { out: convModule(nn.Conv2d, 2, 1, 'replicate', W(1, 1, 2, 2)).call(x), inputs: [x] };
  },
};

/** Results without a gradient: empty outputs, and max_pool1d run without autograd. */
const forwards: Record<string, () => Tensor | [Tensor, Tensor]> = {
  'max_pool1d padding 1 kernel 2 without grad': () => F.maxPool1d(X(1, 1, 5).detach(), 2, { padding: 1 }),
  'adaptive_avg_pool2d empty channels': () => F.adaptiveAvgPool2d(X(1, 0, 4, 4), [2, 3]),
  'adaptive_max_pool2d unbatched empty channels': () => F.adaptiveMaxPool2d(X(0, 4, 4), 2, { returnIndices: true }),
  'adaptive_avg_pool1d empty channels': () => F.adaptiveAvgPool1d(X(1, 0, 4), 2),
  'adaptive_max_pool2d output [2, 0]': () => F.adaptiveMaxPool2d(X(1, 1, 4, 4), [2, 0], { returnIndices: true }),
  'adaptive_max_pool1d output 0': () => F.adaptiveMaxPool1d(X(1, 1, 4), 0),
  'adaptive_avg_pool1d output 0': () => F.adaptiveAvgPool1d(X(1, 1, 4), 0),
  'adaptive_avg_pool2d output 0': () => F.adaptiveAvgPool2d(X(1, 1, 4, 4), 0),
};

const zeros = (shape: number[], dtype: 'int64' | 'int32' | 'bool') => dlab.zeros(shape, { dtype });

const refusals: Record<string, () => unknown> = {
  'conv2d stride of 3 values': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { stride: [1, 2, 3] }),
  'conv1d stride of 2 values': () => F.conv1d(X(1, 2, 5), W(1, 2, 2), { stride: [1, 2] }),
  'max_pool2d kernel_size of 3': () => F.maxPool2d(X(1, 1, 6, 6), [2, 2, 2]),
  'max_pool2d stride of 3': () => F.maxPool2d(X(1, 1, 6, 6), 2, { stride: [1, 1, 1] }),
  'max_pool2d padding of 3': () => F.maxPool2d(X(1, 1, 6, 6), 2, { padding: [0, 0, 0] }),
  'max_pool2d dilation of 3': () => F.maxPool2d(X(1, 1, 6, 6), 2, { dilation: [1, 1, 1] }),
  'avg_pool2d kernel_size of 3': () => F.avgPool2d(X(1, 1, 6, 6), [2, 2, 2]),
  'avg_pool2d stride of 3': () => F.avgPool2d(X(1, 1, 6, 6), 2, { stride: [1, 1, 1] }),
  'avg_pool2d padding of 3': () => F.avgPool2d(X(1, 1, 6, 6), 2, { padding: [0, 0, 0] }),
  'max_pool1d kernel_size of 2': () => F.maxPool1d(X(1, 1, 6).detach(), [2, 2]),
  'max_pool1d stride of 2': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { stride: [1, 1] }),
  'max_pool1d padding of 2': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { padding: [0, 0] }),
  'max_pool1d dilation of 2': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { dilation: [1, 1] }),
  'max_pool1d requiring grad kernel_size of 2': () => F.maxPool1d(X(1, 1, 6), [2, 2]),
  'max_pool1d with indices kernel_size of 2': () => F.maxPool1d(X(1, 1, 6), [2, 2], { returnIndices: true }),
  'max_pool1d with indices, no grad, kernel_size of 2': () => F.maxPool1d(X(1, 1, 6).detach(), [2, 2], { returnIndices: true }),
  'max_pool1d under no_grad kernel_size of 2': () => dlab.noGrad(() => F.maxPool1d(X(1, 1, 6), [2, 2])),
  'avg_pool1d kernel_size of 2': () => F.avgPool1d(X(1, 1, 6), [2, 2]),
  'avg_pool1d stride of 2': () => F.avgPool1d(X(1, 1, 6), 2, { stride: [1, 1] }),
  'avg_pool1d padding of 2': () => F.avgPool1d(X(1, 1, 6), 2, { padding: [0, 0] }),
  'max_pool2d kernel [2, 0]': () => F.maxPool2d(X(1, 1, 6, 6), [2, 0]),
  'max_pool2d kernel [2, 0] stride 1': () => F.maxPool2d(X(1, 1, 6, 6), [2, 0], { stride: 1 }),
  'max_pool2d dilation [1, 0]': () => F.maxPool2d(X(1, 1, 6, 6), 2, { dilation: [1, 0] }),
  'max_pool2d kernel [-1, 2]': () => F.maxPool2d(X(1, 1, 6, 6), [-1, 2]),
  'max_pool2d stride [1, 0]': () => F.maxPool2d(X(1, 1, 6, 6), 2, { stride: [1, 0] }),
  'max_pool2d stride [-1, 1]': () => F.maxPool2d(X(1, 1, 6, 6), 2, { stride: [-1, 1] }),
  'avg_pool2d stride [1, -1]': () => F.avgPool2d(X(1, 1, 6, 6), 2, { stride: [1, -1] }),
  'avg_pool1d stride -1': () => F.avgPool1d(X(1, 1, 6), 2, { stride: -1 }),
  'max_pool1d requiring grad kernel 0': () => F.maxPool1d(X(1, 1, 6), 0),
  'max_pool1d kernel 0': () => F.maxPool1d(X(1, 1, 6).detach(), 0),
  'max_pool1d stride 0': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { stride: 0 }),
  'max_pool1d padding -1': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { padding: -1 }),
  'max_pool1d padding 2': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { padding: 2 }),
  'max_pool1d dilation 0': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { dilation: 0 }),
  'unfold kernel [2, 0]': () => F.unfold(X(1, 1, 5, 5), [2, 0]),
  'unfold kernel [0, 2]': () => F.unfold(X(1, 1, 5, 5), [0, 2]),
  'unfold kernel of 3': () => F.unfold(X(1, 1, 5, 5), [2, 2, 2]),
  'unfold dilation of 3': () => F.unfold(X(1, 1, 5, 5), 2, { dilation: [1, 1, 1] }),
  'unfold kernel [-1, 2]': () => F.unfold(X(1, 1, 5, 5), [-1, 2]),
  'unfold kernel 0': () => F.unfold(X(1, 1, 5, 5), 0),
  'unfold dilation [1, 0]': () => F.unfold(X(1, 1, 5, 5), 2, { dilation: [1, 0] }),
  'unfold padding [0, -1]': () => F.unfold(X(1, 1, 5, 5), 2, { padding: [0, -1] }),
  'unfold stride [1, 0]': () => F.unfold(X(1, 1, 5, 5), 2, { stride: [1, 0] }),
  'unfold dilation [0, 1]': () => F.unfold(X(1, 1, 5, 5), 2, { dilation: [0, 1] }),
  'unfold padding [-1, 0]': () => F.unfold(X(1, 1, 5, 5), 2, { padding: [-1, 0] }),
  'unfold stride [0, 1]': () => F.unfold(X(1, 1, 5, 5), 2, { stride: [0, 1] }),
  'unfold blocks of height 0': () => F.unfold(X(1, 1, 2, 2), [3, 1]),
  'unfold blocks of width 0': () => F.unfold(X(1, 1, 2, 2), [1, 3]),
  'unfold kernel [2]': () => F.unfold(X(1, 1, 5, 5), [2]),
  'unfold dilation [1]': () => F.unfold(X(1, 1, 5, 5), 2, { dilation: [1] }),
  'unfold padding of 3': () => F.unfold(X(1, 1, 5, 5), 2, { padding: [0, 0, 0] }),
  'unfold stride of 3': () => F.unfold(X(1, 1, 5, 5), 2, { stride: [1, 1, 1] }),
  'fold output_size [5]': () => F.fold(X(1, 4, 16), [5], 2),
  'fold kernel [2, 0]': () => F.fold(X(1, 4, 16), 5, [2, 0]),
  'fold dilation 0': () => F.fold(X(1, 4, 16), 5, 2, { dilation: 0 }),
  'fold rank 4': () => F.fold(X(1, 4, 4, 4), 3, 2),
  'fold rank 1': () => F.fold(X(4), 3, 2),
  'fold rank 4 kernel 0': () => F.fold(X(1, 4, 4, 4), 3, 0),
  'fold output_size [3] rank 1': () => F.fold(X(4), [3], 2),
  'fold no blocks': () => F.fold(X(1, 9, 0), [1, 3], 3),
  'fold unbatched no rows': () => F.fold(X(0, 4), 3, 2),
  'fold blocks (-1, -1)': () => F.fold(X(1, 9, 1), 1, 3),
  'fold blocks (-1, -2)': () => F.fold(X(1, 9, 2), [1, 0], 3),
  'fold blocks 1 * -1 unbatched': () => F.fold(X(9, 1), [3, 1], 3),
  'conv2d rank 5': () => F.conv2d(X(1, 1, 1, 4, 4), W(1, 1, 2, 2)),
  'conv1d rank 4': () => F.conv1d(X(1, 1, 4, 4), W(1, 1, 2)),
  'conv_transpose1d rank 4': () => F.convTranspose1d(X(4, 4, 4, 4), W(4, 2, 2)),
  'conv2d bias float64/float32': () => F.conv2d(X(1, 1, 4, 4), W(1, 1, 2, 2), dlab.zeros([1])),
  'conv2d bias float32/float64': () => F.conv2d(X(1, 1, 4, 4).float(), W(1, 1, 2, 2).float(), f64(1)),
  'conv2d bias int64/int32': () => F.conv2d(dlab.zeros([1, 1, 4, 4], { dtype: 'int64' }), dlab.zeros([1, 1, 2, 2], { dtype: 'int64' }), dlab.zeros([1], { dtype: 'int32' })),
  'conv1d weight rank 4': () => F.conv1d(X(1, 2, 4), W(1, 2, 2, 2)),
  'conv2d dilation [1, 0]': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { dilation: [1, 0] }),
  'conv2d dilation -1': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { dilation: -1 }),
  'conv2d groups 0': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { groups: 0 }),
  'conv2d stride [1, -1]': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { stride: [1, -1] }),
  'conv2d padding [0, -1]': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { padding: [0, -1] }),
  'conv1d kernel 0': () => F.conv1d(X(1, 2, 4), W(1, 2, 0)),
  'conv2d kernel [2, 0]': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 0)),
  'conv2d kernel [0, 2]': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 0, 2)),
  'conv2d bias of 2 dims': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), W(1, 1)),
  'conv2d dilated kernel too big': () => F.conv2d(X(1, 1, 4, 4), W(1, 1, 2, 2), { dilation: 4 }),
  'conv2d dilated kernel too wide': () => F.conv2d(X(1, 1, 4, 4), W(1, 1, 2, 2), { dilation: [1, 4] }),
  'conv2d same stride [1, 2]': () => F.conv2d(X(1, 1, 4, 4), W(1, 1, 2, 2), { padding: 'same', stride: [1, 2] }),
  'conv1d same strided': () => F.conv1d(X(1, 1, 4), W(1, 1, 2), { padding: 'same', stride: 2 }),
  'conv_transpose2d bias size': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), f64(3), { groups: 2 }),
  'conv_transpose2d bias of 2 dims': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), f64(1, 4), { groups: 2 }),
  'conv_transpose2d output_padding [0, -1]': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { outputPadding: [0, -1] }),
  'conv_transpose2d output_padding [0, 2] stride 2 dilation 2': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { outputPadding: [0, 2], stride: 2, dilation: 2 }),
  'conv_transpose2d output_padding [0, 1]': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { outputPadding: [0, 1] }),
  'conv_transpose1d output_padding 1': () => F.convTranspose1d(X(1, 4, 3), W(4, 2, 2), { outputPadding: 1 }),
  'conv_transpose1d output too small': () => F.convTranspose1d(X(1, 4, 1), W(4, 2, 2), { padding: 2 }),
  'conv_transpose2d output too narrow': () => F.convTranspose2d(X(1, 4, 3, 1), W(4, 2, 2, 2), { padding: [0, 2] }),
  'conv_transpose2d stride 0': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { stride: 0 }),
  'conv_transpose2d groups 3': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { groups: 3 }),
  'conv_transpose2d bias of shape [4, 1]': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), f64(4, 1), { groups: 2 }),
  'conv2d dilation of 3 values': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { dilation: [1, 1, 1] as never }),
  'conv1d padding of 2 values': () => F.conv1d(X(1, 2, 4), W(1, 2, 2), { padding: [1, 1] }),
  'conv_transpose2d dilation of 3 values': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { dilation: [1, 1, 1] as never }),
  'conv_transpose1d output_padding of 2 values': () => F.convTranspose1d(X(1, 4, 3), W(4, 2, 2), { outputPadding: [0, 0] }),
  'conv_transpose2d stride of 3 values': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { stride: [1, 1, 1] as never }),
  'conv_transpose1d padding of 2 values': () => F.convTranspose1d(X(1, 4, 3), W(4, 2, 2), { padding: [0, 0] }),
  'conv2d padding and dilation of 3 values': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { padding: [1, 1, 1] as never, dilation: [1, 1, 1] as never }),
  'conv_transpose2d output_padding and dilation of 3 values': () =>
    F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { outputPadding: [0, 0, 0] as never, dilation: [1, 1, 1] as never }),
  'conv2d same dilation of 3 values': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { padding: 'same', dilation: [1, 1, 1] as never }),
  'conv1d same stride of 2 values': () => F.conv1d(X(1, 2, 4), W(1, 2, 2), { padding: 'same', stride: [1, 1] }),
  'conv2d same strided with groups 0': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { padding: 'same', stride: 2, groups: 0 }),
  'conv2d unknown padding string and stride of 3 values': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { padding: 'full' as never, stride: [1, 1, 1] as never }),
  'conv2d groups 0 and padding -1': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { groups: 0, padding: -1 }),
  'conv2d padding -1 and stride 0': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { padding: -1, stride: 0 }),
  'conv2d stride 0 and dilation 0': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), { stride: 0, dilation: 0 }),
  'conv_transpose2d output_padding -1 and padding -1': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { outputPadding: -1, padding: -1 }),
  'conv_transpose2d output_padding -1 and stride 0': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { outputPadding: -1, stride: 0 }),
  'conv_transpose2d output_padding -1 and groups 0': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), { outputPadding: -1, groups: 0 }),
  'conv2d float32 bias and channels': () => F.conv2d(X(1, 3, 4, 4), W(1, 2, 2, 2), dlab.zeros([1])),
  'conv2d float32 bias and kernel too big': () => F.conv2d(X(1, 2, 1, 1), W(1, 2, 2, 2), dlab.zeros([1])),
  'conv2d float32 bias and stride of 3 values': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), dlab.zeros([1]), { stride: [1, 1, 1] as never }),
  'conv2d float32 bias and rank 5': () => F.conv2d(X(1, 1, 2, 4, 4), W(1, 2, 2, 2), dlab.zeros([1])),
  'conv2d float32 bias and same strided': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), dlab.zeros([1]), { padding: 'same', stride: 2 }),
  'conv2d float32 bias and valid with stride of 3 values': () => F.conv2d(X(1, 2, 4, 4), W(1, 2, 2, 2), dlab.zeros([1]), { padding: 'valid', stride: [1, 1, 1] as never }),
  'conv2d float32 bias and valid with kernel too big': () => F.conv2d(X(1, 2, 1, 1), W(1, 2, 2, 2), dlab.zeros([1]), { padding: 'valid' }),
  'conv_transpose2d float32 bias and output_padding 1': () => F.convTranspose2d(X(1, 4, 3, 3), W(4, 2, 2, 2), dlab.zeros([2]), { outputPadding: 1 }),
  'conv_transpose2d float32 bias and output too small': () => F.convTranspose2d(X(1, 4, 1, 1), W(4, 2, 2, 2), dlab.zeros([2]), { padding: 2 }),
  'Conv2d reflect padding 2 of height 2': () => convModule(nn.Conv2d, 3, 2, 'reflect', W(1, 1, 3, 3)).call(X(1, 1, 2, 5)),
  'Conv2d reflect padding 2 of width 2': () => convModule(nn.Conv2d, 3, 2, 'reflect', W(1, 1, 3, 3)).call(X(1, 1, 5, 2)),
  'Conv2d reflect padding [1, 2] of width 2': () => convModule(nn.Conv2d, 3, [1, 2], 'reflect', W(1, 1, 3, 3)).call(X(1, 1, 5, 2)),
  'Conv1d reflect padding 2 of length 2': () => convModule(nn.Conv1d, 3, 2, 'reflect', W(1, 1, 3)).call(X(1, 1, 2)),
  'Conv1d reflect padding 2 of length 2 unbatched': () => convModule(nn.Conv1d, 3, 2, 'reflect', W(1, 1, 3)).call(X(1, 2)),
  'Conv2d circular padding 3 of height 2': () => convModule(nn.Conv2d, 3, 3, 'circular', W(1, 1, 3, 3)).call(X(1, 1, 2, 5)),
  'Conv2d circular padding 3 of width 2': () => convModule(nn.Conv2d, 3, 3, 'circular', W(1, 1, 3, 3)).call(X(1, 1, 5, 2)),
  'Conv1d reflect padding same kernel 4 of length 2': () => convModule(nn.Conv1d, 4, 'same', 'reflect', W(1, 1, 4)).call(X(1, 1, 2)),
  'Conv1d circular padding same kernel 4 of length 1': () => convModule(nn.Conv1d, 4, 'same', 'circular', W(1, 1, 4)).call(X(1, 1, 1)),
  'Conv1d circular padding 1 unbatched': () => convModule(nn.Conv1d, 2, 1, 'circular', W(1, 1, 2)).call(X(1, 5)),
  'Conv2d circular padding 1 unbatched': () => convModule(nn.Conv2d, 2, 1, 'circular', W(1, 1, 2, 2)).call(X(1, 3, 3)),
  'max_pool1d requiring grad dilation 0': () => F.maxPool1d(X(1, 1, 6), 2, { dilation: 0 }),
  'max_pool1d with indices dilation -1': () => F.maxPool1d(X(1, 1, 6).detach(), 2, { dilation: -1, returnIndices: true }),
  'max_pool2d padding [-1, 0]': () => F.maxPool2d(X(1, 1, 6, 6), 2, { padding: [-1, 0] }),
  'avg_pool2d padding [0, -1]': () => F.avgPool2d(X(1, 1, 6, 6), 2, { padding: [0, -1] }),
  'max_pool2d output height 0': () => F.maxPool2d(X(1, 1, 2, 6), 3),
  'max_pool2d output width 0': () => F.maxPool2d(X(1, 1, 6, 2), 3),
  'adaptive_avg_pool2d rank 5': () => F.adaptiveAvgPool2d(X(1, 1, 1, 4, 4), 2),
  'adaptive_avg_pool1d rank 1': () => F.adaptiveAvgPool1d(X(4), 2),
  'adaptive_avg_pool1d rank 4': () => F.adaptiveAvgPool1d(X(1, 1, 4, 4), 2),
  'adaptive_max_pool2d rank 2': () => F.adaptiveMaxPool2d(X(4, 4), 2),
  'adaptive_max_pool1d rank 4': () => F.adaptiveMaxPool1d(X(1, 1, 4, 4), 2),
  'adaptive_avg_pool2d empty height': () => F.adaptiveAvgPool2d(X(1, 1, 0, 4), 2),
  'adaptive_max_pool2d empty width': () => F.adaptiveMaxPool2d(X(1, 1, 4, 0), 2),
  'adaptive_max_pool2d empty channels': () => F.adaptiveMaxPool2d(X(1, 0, 4, 4), 2),
  'adaptive_max_pool1d empty channels': () => F.adaptiveMaxPool1d(X(1, 0, 4), 2),
  'adaptive_avg_pool1d empty length': () => F.adaptiveAvgPool1d(X(1, 1, 0), 2),
  'adaptive_max_pool1d empty length': () => F.adaptiveMaxPool1d(X(1, 1, 0), 2),
  'adaptive_avg_pool2d output_size of 3': () => F.adaptiveAvgPool2d(X(1, 1, 4, 4), [2, 2, 2]),
  'adaptive_avg_pool2d output_size of 1': () => F.adaptiveAvgPool2d(X(1, 1, 4, 4), [2]),
  'adaptive_max_pool2d output_size of 3': () => F.adaptiveMaxPool2d(X(1, 1, 4, 4), [2, 2, 2]),
  'adaptive_avg_pool2d output_size as long as the rank': () => F.adaptiveAvgPool2d(X(1, 4, 4), [2, 2, 2]),
  'adaptive_max_pool2d output_size longer than the rank': () => F.adaptiveMaxPool2d(X(4, 4), [2, 2, 2]),
  'adaptive_avg_pool1d output_size of 2': () => F.adaptiveAvgPool1d(X(1, 1, 4), [2, 2]),
  'adaptive_max_pool1d output_size of 2': () => F.adaptiveMaxPool1d(X(1, 1, 4), [2, 2]),
  'adaptive_avg_pool2d output_size [2, -1]': () => F.adaptiveAvgPool2d(X(1, 1, 4, 4), [2, -1]),
  'adaptive_avg_pool2d output_size [-1, 2] of an empty height': () => F.adaptiveAvgPool2d(X(1, 1, 0, 4), [-1, 2]),
  'adaptive_avg_pool1d output_size -1': () => F.adaptiveAvgPool1d(X(1, 1, 4), -1),
  'adaptive_max_pool2d output_size [2, -1]': () => F.adaptiveMaxPool2d(X(1, 1, 4, 4), [2, -1]),
  'adaptive_max_pool2d output_size [-1, 2] unbatched': () => F.adaptiveMaxPool2d(X(1, 4, 4), [-1, 2]),
  'adaptive_max_pool1d output_size -1': () => F.adaptiveMaxPool1d(X(1, 1, 4), -1),
  'adaptive_avg_pool2d int64': () => F.adaptiveAvgPool2d(zeros([1, 1, 4, 4], 'int64'), 2),
  'adaptive_avg_pool1d int64': () => F.adaptiveAvgPool1d(zeros([1, 1, 4], 'int64'), 2),
  'adaptive_avg_pool2d int32 output 1': () => F.adaptiveAvgPool2d(zeros([1, 1, 4, 4], 'int32'), 1),
  'adaptive_max_pool1d bool': () => F.adaptiveMaxPool1d(zeros([1, 1, 4], 'bool'), 2),
  'adaptive_avg_pool2d output [2] unbatched': () => F.adaptiveAvgPool2d(X(1, 4, 4), [2]),
  'avg_pool2d rank 5': () => F.avgPool2d(X(1, 1, 1, 4, 4), 2),
  'avg_pool2d rank 2': () => F.avgPool2d(X(4, 4), 2),
  'avg_pool2d rank 1': () => F.avgPool2d(X(4), 2),
  'avg_pool1d rank 4': () => F.avgPool1d(X(1, 1, 4, 4), 2),
  'avg_pool2d of a 0-d tensor': () => F.avgPool2d(dlab.tensor(1, { dtype: 'float64' }), 2),
  'avg_pool2d divisor 0': () => F.avgPool2d(X(1, 1, 4, 4), 2, { divisorOverride: 0 }),
};

for (const backend of backendsUnderTest()) {
  describe(`convolution and pooling edges vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const [name, run] of Object.entries(cases)) {
      test(name, () => {
        dlab.setBackend(backend);
        const expected = fixture.cases[name];
        assert.ok(expected, `${name}: not in the fixture`);
        const { out, inputs } = run();
        const [values, indices] = Array.isArray(out) ? out : [out, null];
        assert.deepEqual(values.shape, expected.shape);
        assertClose(Array.from(values.toTypedArray()), expected.out, 1e-12, 1e-12, 'out');
        if (expected.indices) assert.deepEqual(Array.from(indices!.toTypedArray(), Number), expected.indices);
        values.mul(rampLike(values)).sum().backward();
        inputs.forEach((t, i) => assertClose(Array.from(t.grad!.toTypedArray()), expected.grads[i], 1e-12, 1e-12, `grad ${i}`));
      });
    }
    for (const [name, run] of Object.entries(forwards)) {
      test(name, () => {
        dlab.setBackend(backend);
        const expected = fixture.forwards[name];
        assert.ok(expected, `${name}: not in the fixture`);
        const out = run();
        const [values, indices] = Array.isArray(out) ? out : [out, null];
        assert.deepEqual(values.shape, expected.shape);
        assertClose(Array.from(values.toTypedArray()), expected.out, 1e-12, 1e-12, 'out');
        if (expected.indices) assert.deepEqual(Array.from(indices!.toTypedArray(), Number), expected.indices);
      });
    }
    for (const [name, provoke] of Object.entries(refusals)) {
      test(`refused: ${name}`, () => {
        dlab.setBackend(backend);
        assert.equal(errorOf(provoke), fixture.refusals[name]);
      });
    }
    test("ConvolutionBackward0 saves the input and the weight, Col2ImBackward0 nothing (PyTorch's _saved_ tensors)", () => {
      dlab.setBackend(backend);
      // F.conv2d(x, w).grad_fn: _saved_input is x, _saved_weight is w; F.fold(c, 3, 2).grad_fn saves no tensor.
      const [x, w] = [X(1, 2, 3, 3), W(1, 2, 2, 2)];
      const conv = F.conv2d(x, w).gradFn!;
      assert.equal(conv.name, 'ConvolutionBackward0');
      assert.ok(conv.savedTensors.length === 2 && conv.savedTensors[0] === x && conv.savedTensors[1] === w);
      const fold = F.fold(X(1, 4, 4), 3, 2).gradFn!;
      assert.deepEqual([fold.name, fold.savedTensors], ['Col2ImBackward0', []]);
    });
    test("AdaptiveMaxPool2DBackward0 saves the input and the indices, AdaptiveAvgPool2DBackward0 the input (PyTorch's _saved_self, _saved_result1)", () => {
      dlab.setBackend(backend);
      // y, i = F.adaptive_max_pool2d(x, 2, return_indices=True): y.grad_fn._saved_self is x, _saved_result1 is i.
      const x = X(1, 1, 4, 4);
      const [values, indices] = F.adaptiveMaxPool2d(x, 2, { returnIndices: true });
      const max = values.gradFn!;
      assert.equal(max.name, 'AdaptiveMaxPool2DBackward0');
      assert.ok(max.savedTensors.length === 2 && max.savedTensors[0] === x && max.savedTensors[1] === indices);
      const avg = F.adaptiveAvgPool2d(x, 3).gradFn!;
      assert.equal(avg.name, 'AdaptiveAvgPool2DBackward0');
      assert.ok(avg.savedTensors.length === 1 && avg.savedTensors[0] === x);
      // torch.autograd.grad(y, x, ones, create_graph=True)[0].grad_fn: AdaptiveMaxPool2DBackwardBackward0.
      const [gx] = dlab.autograd.grad(values, x, { gradOutputs: dlab.onesLike(values), createGraph: true });
      assert.equal(gx!.gradFn!.name, 'AdaptiveMaxPool2DBackwardBackward0');
    });
    test('adaptive_max_pool1d of an unbatched input gives [C, size] values and indices (torch: [2, 3] for [2, 7] -> 3)', () => {
      dlab.setBackend(backend);
      const [values, indices] = F.adaptiveMaxPool1d(X(2, 7), 3, { returnIndices: true });
      assert.deepEqual([values.shape, indices.shape, F.adaptiveMaxPool1d(X(2, 7), 3).shape], [[2, 3], [2, 3], [2, 3]]);
    });
    test("outside create_graph the weight's and the bias's gradients come from one fused pass, and only when both are needed", () => {
      dlab.setBackend(backend);
      const b = dlab.getBackend();
      const calls: boolean[] = [];
      const original = b.conv2dWeightGrad;
      b.conv2dWeightGrad = function (this: typeof b, ...args: Parameters<typeof original>) {
        calls.push(args[4]);
        return original.apply(this, args);
      };
      try {
        const x = X(1, 2, 4, 4);
        const bias = dlab.tensor([0.5], { dtype: 'float64' });
        F.conv2d(x, W(1, 2, 2, 2), bias.requiresGrad_(true)).sum().backward();
        assert.deepEqual(calls, [true], 'weight and bias: one fused pass');
        calls.length = 0;
        const bias2 = dlab.tensor([0.5, -0.5], { dtype: 'float64', requiresGrad: true });
        F.conv2d(x, W(2, 2, 2, 2).detach(), bias2).sum().backward();
        assert.deepEqual(calls, [], 'bias only: no weight pass');
        assert.deepEqual(Array.from(bias2.grad!.toTypedArray()), [9, 9], 'bias only: its gradient, per channel');
        F.conv2d(x, W(1, 2, 2, 2)).sum().backward();
        assert.deepEqual(calls, [false], 'weight only: one weight pass, not fused');
      } finally {
        b.conv2dWeightGrad = original;
      }
    });
    test("max pooling's backward node under create_graph saves only the indices, as PyTorch's MaxPool2DWithIndicesBackwardBackward0", () => {
      dlab.setBackend(backend);
      // gx, = torch.autograd.grad(y, x, ones, create_graph=True): gx.grad_fn._saved_indices, int64 [1, 1, 2, 2], nothing else saved.
      const x = X(1, 1, 4, 4);
      const [values, indices] = F.maxPool2d(x, 2, { returnIndices: true });
      const [gx] = dlab.autograd.grad(values, x, { gradOutputs: dlab.onesLike(values), createGraph: true });
      const node = gx!.gradFn!;
      assert.equal(node.name, 'MaxPool2DWithIndicesBackwardBackward0');
      assert.equal(node.savedTensors.length, 1);
      assert.deepEqual([node.savedTensors[0].dtype, node.savedTensors[0].shape], ['int64', [1, 1, 2, 2]]);
      assert.deepEqual(node.savedTensors[0].tolist(), indices.tolist());
    });
    test('adaptive_avg_pool2d keeps an inf and a NaN in their own windows, even and uneven (PyTorch 1.13 values)', () => {
      dlab.setBackend(backend);
      const x = dlab.tensor([[[[Infinity, 1, 2, 3, 4], [1, 2, 3, 4, 5], [NaN, 1, 1, 1, 1], [1, 1, 1, 1, 1]]]], { dtype: 'float64' });
      // F.adaptive_avg_pool2d(x, [2, 3]): [[inf, 2.5, 4.0], [nan, 1.0, 1.0]]; [4, 3]: [[inf, 2, 3.5], [1.5, 3, 4.5], [nan, 1, 1], [1, 1, 1]].
      assert.deepEqual(Array.from(F.adaptiveAvgPool2d(x, [2, 3]).toTypedArray()), [Infinity, 2.5, 4, NaN, 1, 1]);
      assert.deepEqual(Array.from(F.adaptiveAvgPool2d(x, [4, 3]).toTypedArray()), [Infinity, 2, 3.5, 1.5, 3, 4.5, NaN, 1, 1, 1, 1, 1]);
      // [2, 5]: even windows (average pooling): [[inf, 1.5, 2.5, 3.5, 4.5], [nan, 1, 1, 1, 1]].
      assert.deepEqual(Array.from(F.adaptiveAvgPool2d(x, [2, 5]).toTypedArray()), [Infinity, 1.5, 2.5, 3.5, 4.5, NaN, 1, 1, 1, 1]);
    });
    test('unfold of a window exactly the size of the input gives one block (torch: shape [1, 9, 1])', () => {
      dlab.setBackend(backend);
      assert.deepEqual(F.unfold(X(1, 1, 3, 3), 3).shape, [1, 9, 1]);
    });
    test('every fixture entry has its call here', () => {
      assert.deepEqual(Object.keys(fixture.cases).sort(), Object.keys(cases).sort());
      assert.deepEqual(Object.keys(fixture.forwards).sort(), Object.keys(forwards).sort());
      assert.deepEqual(Object.keys(fixture.refusals).sort(), Object.keys(refusals).sort());
    });
  });
}
