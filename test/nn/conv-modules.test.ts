// The module classes over convolution, pooling, fold and interpolation at their options, against
// PyTorch 1.13 (test/fixtures/conv_modules.json from tools/fixtures/conv_modules.py): reprs, forward
// values (and indices), refusals in PyTorch's words. Fast (one fixture, small inputs), so it heads
// the mutation rows of src/nn/modules/{conv,pooling,fold,upsample}.ts and src/nn/functional/interpolate.ts.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, setBackend, type Tensor } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';

const F = nn.functional;

interface Value {
  shape: number[];
  values: number[];
  indices?: number[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/conv_modules.json', import.meta.url), 'utf8')) as {
  values: Record<string, Value>;
  refusals: Record<string, string>;
  reprs: Record<string, string>;
  attrs: Record<string, Record<string, unknown>>;
};

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** The fixture's ramps: X = arange(n) / 4 - 2; P = (arange(n) * 5 % 11) / 2 - 2.5 (not monotonic, for pooling). */
const X = (...shape: number[]) => torch.tensor(Array.from({ length: numel(shape) }, (_, i) => i / 4 - 2), { dtype: 'float64' }).reshape(shape);
const P = (...shape: number[]) => torch.tensor(Array.from({ length: numel(shape) }, (_, i) => ((i * 5) % 11) / 2 - 2.5), { dtype: 'float64' }).reshape(shape);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModule = any;
/** The module in float64 with the fixture's weight ramp arange(n) / 8 - 0.5 and bias ramp arange(n) / 10 + 0.1. */
function ramped<M extends nn.Module>(m: M): M {
  const c = m.double() as AnyModule;
  torch.noGrad(() => {
    const w = c.weight as Tensor;
    w.copy_(torch.tensor(Array.from({ length: w.numel() }, (_, i) => i / 8 - 0.5), { dtype: 'float64' }).reshape(w.shape));
    const b = c.bias as Tensor | null;
    if (b) b.copy_(torch.tensor(Array.from({ length: b.numel() }, (_, i) => i / 10 + 0.1), { dtype: 'float64' }));
  });
  return m;
}
/** A lazy module materialized by a float32 call (as in PyTorch, it is float32 until then), then ramped. */
function lazy(m: nn.Module, x: Tensor): Tensor {
  m.call(x.float());
  return ramped(m).call(x) as Tensor;
}

const t1 = () => ramped(new nn.ConvTranspose1d(2, 3, 3, { stride: 3 }));
const t2 = () => ramped(new nn.ConvTranspose2d(2, 2, [2, 3], { stride: [2, 3], padding: [1, 0], dilation: [2, 1] }));
const interp = (shape: number[], o: nn.functional.InterpolateOptions, dtype: torch.DType = 'float64') => () => F.interpolate(X(...shape).to(dtype), o);

const values: Record<string, () => Tensor | Tensor[]> = {
  'ConvTranspose1d output_size [13]': () => t1().call(X(1, 2, 4), [13]),
  'ConvTranspose1d output_size [1, 3, 14]': () => t1().call(X(1, 2, 4), [1, 3, 14]),
  'ConvTranspose1d unbatched output_size [3, 14]': () => t1().call(X(2, 4), [3, 14]),
  'ConvTranspose1d unbatched output_size [12]': () => t1().call(X(2, 4), [12]),
  'ConvTranspose2d output_size [6, 13]': () => t2().call(X(1, 2, 3, 4), [6, 13]),
  'ConvTranspose2d output_size [5, 14]': () => t2().call(X(1, 2, 3, 4), [5, 14]),
  'ConvTranspose2d no output_size': () => t2().call(X(1, 2, 3, 4)),
  'ConvTranspose2d(4, 2, 2, stride=2, output_padding=(1, 0), groups=2, bias=False)': () =>
    ramped(new nn.ConvTranspose2d(4, 2, 2, { stride: 2, outputPadding: [1, 0], groups: 2, bias: false })).call(X(1, 4, 2, 3)),
  "Conv1d(2, 2, 3, padding='valid', padding_mode='reflect')": () => ramped(new nn.Conv1d(2, 2, 3, { padding: 'valid', paddingMode: 'reflect' })).call(X(1, 2, 6)),
  "Conv1d(2, 2, 3, padding='valid', stride=2)": () => ramped(new nn.Conv1d(2, 2, 3, { padding: 'valid', stride: 2 })).call(X(1, 2, 7)),
  "Conv1d(2, 2, 3, padding='valid')": () => ramped(new nn.Conv1d(2, 2, 3, { padding: 'valid' })).call(X(1, 2, 6)),
  "Conv2d(1, 1, 2, padding='same', dilation=(3, 1), padding_mode='replicate')": () =>
    ramped(new nn.Conv2d(1, 1, 2, { padding: 'same', dilation: [3, 1], paddingMode: 'replicate' })).call(X(1, 1, 5, 4)),
  "Conv2d(1, 1, 2, padding='same', dilation=(3, 1))": () => ramped(new nn.Conv2d(1, 1, 2, { padding: 'same', dilation: [3, 1] })).call(X(1, 1, 5, 4)),
  "Conv2d(1, 2, (2, 3), padding=(1, 2), padding_mode='circular')": () =>
    ramped(new nn.Conv2d(1, 2, [2, 3], { padding: [1, 2], paddingMode: 'circular' })).call(X(1, 1, 3, 4)),
  'Conv2d(4, 2, 3, stride=(2, 1), dilation=(1, 2), groups=2)': () =>
    ramped(new nn.Conv2d(4, 2, 3, { stride: [2, 1], dilation: [1, 2], groups: 2 })).call(X(1, 4, 5, 6)),
  'Conv1d(2, 4, 2, stride=2, dilation=2, groups=2, bias=False)': () =>
    ramped(new nn.Conv1d(2, 4, 2, { stride: 2, dilation: 2, groups: 2, bias: false })).call(X(2, 2, 7)),
  'Conv1d(2, 3, 3, padding=2) unbatched': () => ramped(new nn.Conv1d(2, 3, 3, { padding: 2 })).call(X(2, 4)),
  'LazyConv1d(3, 2) unbatched': () => lazy(new nn.LazyConv1d(3, 2), X(2, 5)),
  'LazyConv2d(2, 2, bias=False)': () => lazy(new nn.LazyConv2d(2, 2, { bias: false }), X(1, 3, 3, 3)),
  'LazyConv2d(4, 2, groups=2) unbatched': () => lazy(new nn.LazyConv2d(4, 2, { groups: 2 }), X(2, 3, 3)),

  'MaxPool1d(3)': () => new nn.MaxPool1d(3).call(P(2, 2, 10)),
  'MaxPool1d(3, return_indices=True)': () => new nn.MaxPool1d(3, { returnIndices: true }).call(P(2, 2, 10)),
  'MaxPool1d(2, stride=1, padding=1, dilation=2, ceil_mode=True)': () => new nn.MaxPool1d(2, { stride: 1, padding: 1, dilation: 2, ceilMode: true }).call(P(1, 2, 7)),
  'MaxPool1d(3, stride=2, ceil_mode=True, return_indices=True)': () => new nn.MaxPool1d(3, { stride: 2, ceilMode: true, returnIndices: true }).call(P(1, 2, 8)),
  'MaxPool2d(2)': () => new nn.MaxPool2d(2).call(P(1, 2, 5, 6)),
  'MaxPool2d((2, 3), stride=(1, 2), padding=(1, 0), dilation=(1, 2), return_indices=True)': () =>
    new nn.MaxPool2d([2, 3], { stride: [1, 2], padding: [1, 0], dilation: [1, 2], returnIndices: true }).call(P(1, 2, 4, 8)),
  'MaxPool2d(3, stride=2, ceil_mode=True)': () => new nn.MaxPool2d(3, { stride: 2, ceilMode: true }).call(P(1, 1, 6, 6)),
  'AvgPool1d(3)': () => new nn.AvgPool1d(3).call(P(1, 2, 10)),
  'AvgPool1d(2, stride=1, padding=1, ceil_mode=True, count_include_pad=False)': () =>
    new nn.AvgPool1d(2, { stride: 1, padding: 1, ceilMode: true, countIncludePad: false }).call(P(1, 2, 5)),
  'AvgPool1d((2,), stride=(1,), padding=(1,))': () => new nn.AvgPool1d([2] as never, { stride: [1] as never, padding: [1] as never }).call(P(1, 2, 5)),
  'AvgPool1d(3, stride=2, padding=1)': () => new nn.AvgPool1d(3, { stride: 2, padding: 1 }).call(P(1, 2, 6)),
  'AvgPool1d(3, stride=2, ceil_mode=True)': () => new nn.AvgPool1d(3, { stride: 2, ceilMode: true }).call(P(1, 1, 8)),
  'AvgPool2d(2)': () => new nn.AvgPool2d(2).call(P(1, 2, 4, 6)),
  'AvgPool2d((2, 3), stride=(1, 2), padding=(1, 0), ceil_mode=True)': () =>
    new nn.AvgPool2d([2, 3], { stride: [1, 2], padding: [1, 0], ceilMode: true }).call(P(1, 1, 4, 8)),
  'AvgPool2d(3, stride=2, padding=1, count_include_pad=False)': () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }).call(P(1, 1, 5, 5)),
  'AvgPool2d(2, divisor_override=3)': () => new nn.AvgPool2d(2, { divisorOverride: 3 }).call(P(1, 1, 4, 4)),
  'AdaptiveMaxPool1d(3)': () => new nn.AdaptiveMaxPool1d(3).call(P(1, 2, 7)),
  'AdaptiveMaxPool1d(3, return_indices=True)': () => new nn.AdaptiveMaxPool1d(3, { returnIndices: true }).call(P(1, 2, 7)),
  'AdaptiveMaxPool2d((None, 2))': () => new nn.AdaptiveMaxPool2d([null, 2]).call(P(1, 2, 3, 5)),
  'AdaptiveMaxPool2d(2, return_indices=True)': () => new nn.AdaptiveMaxPool2d(2, { returnIndices: true }).call(P(1, 1, 5, 5)),
  'AdaptiveAvgPool1d(3)': () => new nn.AdaptiveAvgPool1d(3).call(P(1, 2, 7)),
  'AdaptiveAvgPool2d((2, 3))': () => new nn.AdaptiveAvgPool2d([2, 3]).call(P(1, 2, 5, 7)),

  'Unfold(2, dilation=2, padding=1, stride=3)': () => new nn.Unfold(2, { dilation: 2, padding: 1, stride: 3 }).call(X(1, 2, 6, 7)),
  'Unfold((2, 3), dilation=(1, 2), padding=(0, 1), stride=(2, 1))': () => new nn.Unfold([2, 3], { dilation: [1, 2], padding: [0, 1], stride: [2, 1] }).call(X(1, 1, 5, 6)),
  'Unfold(3)': () => new nn.Unfold(3).call(X(1, 1, 4, 5)),
  'Fold(6, 2, dilation=2, padding=1, stride=3)': () => new nn.Fold(6, 2, { dilation: 2, padding: 1, stride: 3 }).call(X(1, 8, 4)),
  'Fold((4, 5), 2)': () => new nn.Fold([4, 5], 2).call(X(1, 4, 12)),
  'Fold((5, 4), (2, 3), dilation=(2, 1), padding=(1, 0), stride=(1, 2))': () =>
    new nn.Fold([5, 4], [2, 3], { dilation: [2, 1], padding: [1, 0], stride: [1, 2] }).call(X(1, 6, 5)),

  'nearest 1d scale 0.6': interp([1, 2, 7], { scaleFactor: 0.6 }),
  'nearest 1d size 3 of 7': interp([1, 1, 7], { size: 3 }),
  'nearest 1d size 14 of 7': interp([1, 1, 7], { size: 14 }),
  'nearest 1d size 7 of 7': interp([1, 1, 7], { size: 7 }),
  'nearest 1d size 11 of 4': interp([1, 1, 4], { size: 11 }),
  'nearest 1d scale 2.5 float32': interp([1, 1, 4], { scaleFactor: 2.5 }, 'float32'),
  'nearest 2d scale (2, 1.5)': interp([1, 1, 3, 4], { scaleFactor: [2, 1.5] }),
  'nearest 2d scale 1.5 recompute': interp([1, 1, 3, 5], { scaleFactor: 1.5, recomputeScaleFactor: true }),
  'nearest 3d size (2, 3, 5)': interp([1, 1, 3, 2, 4], { size: [2, 3, 5] }),
  'nearest-exact 1d scale 1.6': interp([1, 1, 5], { mode: 'nearest-exact', scaleFactor: 1.6 }),
  'nearest-exact 1d size 3 of 8': interp([1, 1, 8], { mode: 'nearest-exact', size: 3 }),
  'nearest-exact 1d size 8 of 8': interp([1, 1, 8], { mode: 'nearest-exact', size: 8 }),
  'nearest-exact 1d size 10 of 5': interp([1, 1, 5], { mode: 'nearest-exact', size: 10 }),
  'nearest-exact 3d scale 2': interp([1, 1, 2, 2, 3], { mode: 'nearest-exact', scaleFactor: 2 }),
  'linear size 7 of 4': interp([1, 2, 4], { mode: 'linear', size: 7 }),
  'linear size 3 of 8': interp([1, 1, 8], { mode: 'linear', size: 3 }),
  'linear size 4 of 4': interp([1, 1, 4], { mode: 'linear', size: 4 }),
  'linear scale 0.4': interp([1, 1, 8], { mode: 'linear', scaleFactor: 0.4 }),
  'linear scale 2.5 float32': interp([1, 1, 4], { mode: 'linear', scaleFactor: 2.5 }, 'float32'),
  'linear size 1 of 5, align_corners': interp([1, 1, 5], { mode: 'linear', size: 1, alignCorners: true }),
  'linear size 4 of 4, align_corners': interp([1, 1, 4], { mode: 'linear', size: 4, alignCorners: true }),
  'linear size 9 of 4, align_corners': interp([1, 1, 4], { mode: 'linear', size: 9, alignCorners: true }),
  'linear size 3 of 7, align_corners': interp([1, 1, 7], { mode: 'linear', size: 3, alignCorners: true }),
  'linear scale 1.7, align_corners': interp([1, 1, 4], { mode: 'linear', scaleFactor: 1.7, alignCorners: true }),
  'linear size 1 of 5': interp([1, 1, 5], { mode: 'linear', size: 1 }),
  'bilinear scale (0.5, 1.5)': interp([1, 1, 4, 4], { mode: 'bilinear', scaleFactor: [0.5, 1.5] }),
  'bilinear size (3, 2) of (4, 5)': interp([1, 2, 4, 5], { mode: 'bilinear', size: [3, 2] }),
  'bilinear size (5, 7) float32, align_corners': interp([1, 1, 3, 4], { mode: 'bilinear', size: [5, 7], alignCorners: true }, 'float32'),
  'trilinear size (3, 2, 5)': interp([1, 1, 2, 3, 4], { mode: 'trilinear', size: [3, 2, 5] }),
  'trilinear scale 1.5, align_corners': interp([1, 1, 2, 2, 3], { mode: 'trilinear', scaleFactor: 1.5, alignCorners: true }),
  'linear size 3 of 7, one-hot at 3, float32, exact': () => F.interpolate(oneHot(7, 3, 'float32'), { size: 3, mode: 'linear' }),
  'linear size 3 of 7, one-hot at 3, float64, exact': () => F.interpolate(oneHot(7, 3, 'float64'), { size: 3, mode: 'linear' }),
  'linear weights 3 -> 5, float32, exact': () => F.interpolate(eyeRows(3, 'float32'), { size: 5, mode: 'linear' }),
  'linear weights 4 -> 3, float32, exact': () => F.interpolate(eyeRows(4, 'float32'), { size: 3, mode: 'linear' }),
  'linear weights 3 -> 7, align_corners, float32, exact': () => F.interpolate(eyeRows(3, 'float32'), { size: 7, mode: 'linear', alignCorners: true }),
  'linear weights 4 -> 10, align_corners, float32, exact': () => F.interpolate(eyeRows(4, 'float32'), { size: 10, mode: 'linear', alignCorners: true }),
  'linear weights 5 scale 1.3, float32, exact': () => F.interpolate(eyeRows(5, 'float32'), { scaleFactor: 1.3, mode: 'linear' }),
  'nearest 1d scale 1.1 of 6': interp([1, 1, 6], { scaleFactor: 1.1 }),
  'nearest 1d scale 2.05 of 10': interp([1, 1, 10], { scaleFactor: 2.05 }),
  'nearest 2d scale (1.1, 2.05) of (5, 4)': interp([1, 1, 5, 4], { scaleFactor: [1.1, 2.05] }),
  'nearest 3d scale (1, 1.1, 2.05) of (2, 5, 4)': interp([1, 1, 2, 5, 4], { scaleFactor: [1, 1.1, 2.05] }),
  'nearest-exact 1d scale 1.1 of 6': interp([1, 1, 6], { mode: 'nearest-exact', scaleFactor: 1.1 }),
  'linear 1d scale 1.1 of 6': interp([1, 1, 6], { mode: 'linear', scaleFactor: 1.1 }),
  'area 1d output 0': interp([1, 1, 2], { mode: 'area', scaleFactor: 0.3 }),
  'area 1d size 3 of 7': interp([1, 2, 7], { mode: 'area', size: 3 }),
  'area 1d scale 0.5': interp([1, 1, 7], { mode: 'area', scaleFactor: 0.5 }),
  'area 2d scale (0.5, 0.7)': interp([1, 1, 4, 6], { mode: 'area', scaleFactor: [0.5, 0.7] }),
  'area 2d size 2': interp([1, 1, 5, 4], { mode: 'area', size: 2 }),
};

/** [1, 1, n] zeros with a 1 at `at`: the interpolation's weights themselves. */
function oneHot(n: number, at: number, dtype: torch.DType): Tensor {
  return torch.tensor(Array.from({ length: n }, (_, i) => (i === at ? 1 : 0)), { dtype }).reshape([1, 1, n]);
}

/** A batch of one-hot rows [n, 1, n]: interpolated, the weight matrix itself. */
const eyeRows = (n: number, dtype: torch.DType) => torch.eye(n, { dtype }).reshape([n, 1, n]);

const iref = (shape: number[], o: nn.functional.InterpolateOptions) => () => F.interpolate(X(...shape), o);
const refusals: Record<string, () => unknown> = {
  'Conv2d groups=0': () => new nn.Conv2d(2, 4, 3, { groups: 0 }),
  'Conv2d groups=-2': () => new nn.Conv2d(2, 4, 3, { groups: -2 }),
  'Conv1d in_channels % groups': () => new nn.Conv1d(3, 4, 3, { groups: 2 }),
  'Conv1d out_channels % groups': () => new nn.Conv1d(4, 3, 3, { groups: 2 }),
  "Conv2d padding='same', stride=(1, 2)": () => new nn.Conv2d(1, 1, 3, { padding: 'same', stride: [1, 2] }),
  "Conv1d padding='same', stride=2": () => new nn.Conv1d(1, 1, 3, { padding: 'same', stride: 2 }),
  "ConvTranspose2d padding_mode='reflect'": () => new nn.ConvTranspose2d(1, 1, 3, { paddingMode: 'reflect' as 'zeros' }),
  "ConvTranspose1d padding_mode='circular'": () => new nn.ConvTranspose1d(1, 1, 3, { paddingMode: 'circular' as 'zeros' }),
  'Conv2d stride=(1, 1, 1)': () => new nn.Conv2d(1, 1, 3, { stride: [1, 1, 1] as never }).call(X(1, 1, 5, 5).float()),
  'Conv2d dilation=(1, 1, 1)': () => new nn.Conv2d(1, 1, 3, { dilation: [1, 1, 1] as never }).call(X(1, 1, 5, 5).float()),
  'Conv2d padding=(1, 1, 1)': () => new nn.Conv2d(1, 1, 3, { padding: [1, 1, 1] as never }).call(X(1, 1, 5, 5).float()),
  'ConvTranspose2d output_padding=(1, 1, 1)': () => new nn.ConvTranspose2d(1, 1, 3, { stride: 2, outputPadding: [1, 1, 1] as never }).call(X(1, 1, 5, 5).float()),
  'LazyConv2d(4, 3, groups=2) on 3 channels': () => new nn.LazyConv2d(4, 3, { groups: 2 }).call(X(1, 3, 4, 4).float()),
  'ConvTranspose1d output_size of 2 for 3D input': () => t1().call(X(1, 2, 4), [1, 13]),
  'ConvTranspose1d output_size of 3 for 2D input': () => t1().call(X(2, 4), [1, 3, 13]),
  'ConvTranspose2d output_size of 3 for 4D input': () => t2().call(X(1, 2, 3, 4), [2, 6, 13]),
  'ConvTranspose1d output_size 11 (below)': () => t1().call(X(1, 2, 4), [11]),
  'ConvTranspose1d output_size 15 (above)': () => t1().call(X(1, 2, 4), [15]),
  'ConvTranspose1d unbatched output_size 15': () => t1().call(X(2, 4), [15]),
  'ConvTranspose2d output_size [4, 13] (dim 0 below)': () => t2().call(X(1, 2, 3, 4), [4, 13]),
  'ConvTranspose2d output_size [7, 13] (dim 0 above)': () => t2().call(X(1, 2, 3, 4), [7, 13]),
  'ConvTranspose2d output_size [5, 11] (dim 1 below)': () => t2().call(X(1, 2, 3, 4), [5, 11]),
  'ConvTranspose2d output_size [6, 15] (dim 1 above)': () => t2().call(X(1, 2, 3, 4), [6, 15]),
  'ConvTranspose2d unbatched output_size [2, 7, 13]': () => t2().call(X(2, 3, 4), [2, 7, 13]),
  'scale_factor of 3 for 2 dims': iref([1, 1, 2, 2], { scaleFactor: [2, 2, 2] }),
  'scale_factor of 1 for 2 dims': iref([1, 1, 2, 2], { scaleFactor: [2] }),
  'size of 1 for 2 dims': iref([1, 1, 2, 2], { size: [3] }),
  'align_corners=False with nearest': iref([1, 1, 2], { scaleFactor: 2, alignCorners: false }),
  'align_corners with area': iref([1, 1, 2], { scaleFactor: 2, mode: 'area', alignCorners: true }),
  'align_corners with nearest-exact': iref([1, 1, 2], { scaleFactor: 2, mode: 'nearest-exact', alignCorners: true }),
  'bilinear 5D': iref([1, 1, 2, 2, 2], { scaleFactor: 2, mode: 'bilinear' }),
  'linear 4D': iref([1, 1, 2, 2], { scaleFactor: 2, mode: 'linear' }),
  'trilinear 4D': iref([1, 1, 2, 2], { scaleFactor: 2, mode: 'trilinear' }),
  'bicubic 3D': iref([1, 1, 2], { scaleFactor: 2, mode: 'bicubic' }),
  'bicubic 5D': iref([1, 1, 2, 2, 2], { scaleFactor: 2, mode: 'bicubic' }),
  'nearest 6D': iref([1, 1, 2, 2, 2, 2], { scaleFactor: 2 }),
  'antialias with nearest': iref([1, 1, 2, 2], { scaleFactor: 2, antialias: true }),
  'antialias with bilinear 3D': iref([1, 1, 2], { scaleFactor: 2, mode: 'bilinear', antialias: true }),
  'nearest 1d output 0': iref([1, 1, 2], { scaleFactor: 0.3 }),
  'nearest-exact 1d output 0': iref([1, 1, 3], { size: 0, mode: 'nearest-exact' }),
  'linear 1d input 0': iref([1, 1, 0], { size: 2, mode: 'linear' }),
  'bilinear output (0, 1)': iref([1, 1, 2, 3], { scaleFactor: [0.3, 0.5], mode: 'bilinear' }),
  'nearest 2d input (2, 0)': iref([1, 1, 2, 0], { size: 3 }),
  'trilinear output (1, 0, 2)': iref([1, 1, 2, 2, 2], { size: [1, 0, 2], mode: 'trilinear' }),
  'recompute_scale_factor with size': iref([1, 1, 2], { size: 3, recomputeScaleFactor: true }),
};

const attrs: Record<string, () => nn.Module> = {
  'Conv1d(2, 4, 3)': () => new nn.Conv1d(2, 4, 3),
  "Conv2d(2, 4, (2, 3), stride=(2, 1), padding='valid', dilation=2, groups=2, padding_mode='circular')": () =>
    new nn.Conv2d(2, 4, [2, 3], { stride: [2, 1], padding: 'valid', dilation: 2, groups: 2, paddingMode: 'circular' }),
  "Conv2d(1, 1, 3, padding='same')": () => new nn.Conv2d(1, 1, 3, { padding: 'same' }),
  'ConvTranspose1d(2, 4, 3)': () => new nn.ConvTranspose1d(2, 4, 3),
  'ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)': () =>
    new nn.ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2 }),
  'MaxPool1d(3)': () => new nn.MaxPool1d(3),
  'MaxPool2d((2, 3), stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True)': () =>
    new nn.MaxPool2d([2, 3], { stride: 1, padding: 1, dilation: 2, returnIndices: true, ceilMode: true }),
  'AvgPool1d(3)': () => new nn.AvgPool1d(3),
  'AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)': () => new nn.AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  'AvgPool2d(2)': () => new nn.AvgPool2d(2),
  'AvgPool2d((2, 3), stride=1, padding=1, ceil_mode=True, count_include_pad=False, divisor_override=5)': () =>
    new nn.AvgPool2d([2, 3], { stride: 1, padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 5 }),
  'AdaptiveMaxPool1d(3)': () => new nn.AdaptiveMaxPool1d(3),
  'AdaptiveMaxPool2d((None, 2), return_indices=True)': () => new nn.AdaptiveMaxPool2d([null, 2], { returnIndices: true }),
  'AdaptiveAvgPool1d(4)': () => new nn.AdaptiveAvgPool1d(4),
  'AdaptiveAvgPool2d((2, None))': () => new nn.AdaptiveAvgPool2d([2, null]),
  'Unfold(2)': () => new nn.Unfold(2),
  'Fold((4, 5), 2, dilation=2, padding=1, stride=3)': () => new nn.Fold([4, 5], 2, { dilation: 2, padding: 1, stride: 3 }),
  'Upsample(size=4)': () => new nn.Upsample({ size: 4 }),
  "Upsample(scale_factor=(2, 3), mode='bilinear', align_corners=True, recompute_scale_factor=True)": () =>
    new nn.Upsample({ scaleFactor: [2, 3], mode: 'bilinear', alignCorners: true, recomputeScaleFactor: true }),
  'UpsamplingNearest2d(scale_factor=2)': () => new nn.UpsamplingNearest2d({ scaleFactor: 2 }),
  'UpsamplingBilinear2d(size=(4, 5))': () => new nn.UpsamplingBilinear2d({ size: [4, 5] }),
};
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function materialized(m: nn.Module, x: Tensor): nn.Module {
  m.call(x);
  return m;
}
const reprs: Record<string, () => nn.Module> = {
  'Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=valid)': () => new nn.Conv2d(2, 4, 3, { padding: 'valid' }),
  'Conv2d(2, 2, kernel_size=(3, 3), stride=(1, 1), padding=(0, 1))': () => new nn.Conv2d(2, 2, 3, { padding: [0, 1] }),
  'Conv2d(2, 2, kernel_size=(3, 3), stride=(1, 1), dilation=(1, 2))': () => new nn.Conv2d(2, 2, 3, { dilation: [1, 2] }),
  'Conv2d(2, 2, kernel_size=(3, 3), stride=(1, 1))': () => new nn.Conv2d(2, 2, 3, { padding: 0, dilation: 1, groups: 1, paddingMode: 'zeros' }),
  'Conv1d(2, 4, kernel_size=(3,), stride=(1,), dilation=(2,), groups=2, bias=False)': () => new nn.Conv1d(2, 4, 3, { dilation: 2, groups: 2, bias: false }),
  'Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,), padding_mode=replicate)': () => new nn.Conv1d(2, 4, 3, { padding: 1, paddingMode: 'replicate' }),
  'ConvTranspose1d(2, 4, kernel_size=(3,), stride=(2,), output_padding=(1,))': () => new nn.ConvTranspose1d(2, 4, 3, { stride: 2, outputPadding: 1 }),
  'ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(0, 1))': () => new nn.ConvTranspose2d(2, 4, 3, { stride: 2, outputPadding: [0, 1] }),
  'ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(1, 1))': () => new nn.ConvTranspose2d(2, 4, 3),
  'LazyConv1d(0, 4, kernel_size=(3,), stride=(1,))': () => new nn.LazyConv1d(4, 3),
  'Conv1d(2, 4, kernel_size=(3,), stride=(1,), bias=False)': () => materialized(new nn.LazyConv1d(4, 3, { bias: false }), X(2, 2, 5).float()),
  'MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)': () => new nn.MaxPool1d(3, { returnIndices: true }),
  'MaxPool1d(kernel_size=2, stride=1, padding=1, dilation=2, ceil_mode=True)': () => new nn.MaxPool1d(2, { stride: 1, padding: 1, dilation: 2, ceilMode: true }),
  'MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)': () => new nn.MaxPool2d(2, { stride: null }),
  'MaxPool2d(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(1, 2), ceil_mode=False)': () =>
    new nn.MaxPool2d([2, 3], { stride: [1, 2], padding: [1, 0], dilation: [1, 2] }),
  'AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))': () => new nn.AvgPool1d(3, { stride: null }),
  'AvgPool1d(kernel_size=(2,), stride=(1,), padding=(1,))': () => new nn.AvgPool1d([2] as never, { stride: [1] as never, padding: [1] as never, ceilMode: true, countIncludePad: false }),
  'AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0))': () => new nn.AvgPool2d([2, 3], { stride: [1, 2], padding: [1, 0], ceilMode: true }),
  'AvgPool2d(kernel_size=2, stride=2, padding=0)': () => new nn.AvgPool2d(2, { stride: null, divisorOverride: null }),
  'AdaptiveMaxPool1d(output_size=3)': () => new nn.AdaptiveMaxPool1d(3, { returnIndices: true }),
  'AdaptiveMaxPool2d(output_size=(None, 2))': () => new nn.AdaptiveMaxPool2d([null, 2]),
  'AdaptiveAvgPool1d(output_size=4)': () => new nn.AdaptiveAvgPool1d(4),
  'AdaptiveAvgPool2d(output_size=(2, 3))': () => new nn.AdaptiveAvgPool2d([2, 3]),
  'Unfold(kernel_size=2, dilation=1, padding=0, stride=1)': () => new nn.Unfold(2),
  'Unfold(kernel_size=(2, 3), dilation=(1, 2), padding=(0, 1), stride=(2, 1))': () => new nn.Unfold([2, 3], { dilation: [1, 2], padding: [0, 1], stride: [2, 1] }),
  'Fold(output_size=(4, 5), kernel_size=(2, 3), dilation=1, padding=0, stride=1)': () => new nn.Fold([4, 5], [2, 3]),
  'Fold(output_size=6, kernel_size=2, dilation=2, padding=1, stride=3)': () => new nn.Fold(6, 2, { dilation: 2, padding: 1, stride: 3 }),
  'Upsample(size=None, mode=nearest)': () => new nn.Upsample(),
  'Upsample(size=(4,), mode=nearest)': () => new nn.Upsample({ size: [4] }),
  'Upsample(scale_factor=(2.0,), mode=linear)': () => new nn.Upsample({ scaleFactor: [2], mode: 'linear' }),
  'Upsample(scale_factor=1.5, mode=bilinear)': () => new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: false }),
  'Upsample(size=3, mode=nearest)': () => new nn.Upsample({ size: 3, scaleFactor: null }),
  'UpsamplingNearest2d(size=3, mode=nearest)': () => new nn.UpsamplingNearest2d({ size: 3 }),
  'UpsamplingNearest2d(scale_factor=(2.0, 3.0), mode=nearest)': () => new nn.UpsamplingNearest2d({ scaleFactor: [2, 3] }),
  'UpsamplingBilinear2d(size=(4, 5), mode=bilinear)': () => new nn.UpsamplingBilinear2d({ size: [4, 5] }),
};

function check(name: string, got: Tensor | Tensor[], want: Value): void {
  const [out, idx] = Array.isArray(got) ? got : [got, undefined];
  assert.deepEqual([...out.shape], want.shape, `${name}: shape`);
  const tol = name.endsWith(', exact') ? 0 : out.dtype === 'float32' ? 1e-6 : 1e-12;
  Array.from(out.toTypedArray(), Number).forEach((v, i) => {
    const e = want.values[i];
    assert.ok(Math.abs(v - e) <= tol * (1 + Math.abs(e)), `${name}: element ${i} is ${v}, expected ${e}`);
  });
  assert.equal(idx === undefined, want.indices === undefined, `${name}: indices returned`);
  if (idx) assert.deepEqual(Array.from(idx.toTypedArray(), Number), want.indices, `${name}: indices`);
}

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    test('the fixture and the tables name the same cases', () => {
      assert.deepEqual(Object.keys(values).sort(), Object.keys(fx.values).sort());
      assert.deepEqual(Object.keys(refusals).sort(), Object.keys(fx.refusals).sort());
      assert.deepEqual(Object.keys(reprs).sort(), Object.keys(fx.reprs).sort());
      assert.deepEqual(Object.keys(attrs).sort(), Object.keys(fx.attrs).sort());
    });

    test("attributes as PyTorch keeps them, defaults included (dlab's names in camelCase)", () => {
      for (const [name, make] of Object.entries(attrs)) {
        const m = make() as unknown as Record<string, unknown>;
        for (const [k, want] of Object.entries(fx.attrs[name])) assert.deepEqual(m[camel(k)], want, `${name}: ${k}`);
      }
    });

    // PyTorch prints its set of padding strings in an order that changes from run to run; it refuses a
    // kernel_size of the wrong length only at forward, in words about the stride: dlab names the kernel size.
    test('refusals of a padding string and of a kernel_size of the wrong length', () => {
      assert.throws(() => new nn.Conv2d(1, 1, 3, { padding: 'full' as 'same' }), /^RangeError: Invalid padding string 'full', should be one of \{('valid', 'same'|'same', 'valid')\}$/);
      assert.throws(
        () => new nn.Conv2d(1, 1, [3, 3, 3] as never),
        /^RangeError: expected kernel_size to be a single integer value or a list of 2 values to match the convolution dimensions, but got kernel_size=\[3, 3, 3\]$/,
      );
    });

    test('reprs match PyTorch', () => {
      for (const [name, make] of Object.entries(reprs)) assert.equal(make().toString(), fx.reprs[name], name);
    });

    test('refusals in PyTorch 1.13 words', () => {
      for (const [name, fn] of Object.entries(refusals)) {
        assert.throws(fn, (err: Error) => err.message === fx.refusals[name], `${name}: expected "${fx.refusals[name]}"`);
      }
    });

    // What dlab does not implement is refused by name (PyTorch 1.13 computes these).
    test("F.interpolate's modes that dlab lacks are refused by name", () => {
      const lacks = (shape: number[], o: nn.functional.InterpolateOptions, m: RegExp) => assert.throws(() => F.interpolate(X(...shape), o), m);
      lacks([1, 1, 2, 2], { scaleFactor: 2, mode: 'bilinear', antialias: true }, /^Error: interpolate: antialias is not supported in dlab$/);
      lacks([1, 1, 2, 2], { scaleFactor: 2, mode: 'bicubic', antialias: true }, /^Error: interpolate: antialias is not supported in dlab$/);
      lacks([1, 1, 2, 2], { scaleFactor: 2, mode: 'bicubic' }, /^Error: interpolate: mode 'bicubic' for 4D input is not supported in dlab yet$/);
      lacks([1, 1, 2, 2, 2], { size: 1, mode: 'area' }, /^Error: interpolate: mode 'area' for 5D input is not supported in dlab yet$/);
    });

    // nn.Upsample(size=None, scale_factor=2) prints scale_factor=2.0; scale_factor given as a tuple is stored as a
    // new tuple of floats, so changing the caller's array afterwards leaves the module as built.
    test('Upsample takes size None beside a scale, and keeps its own scale factors', () => {
      assert.equal(new nn.Upsample({ size: null, scaleFactor: 2 }).toString(), 'Upsample(scale_factor=2.0, mode=nearest)');
      const factors = [2, 3];
      const up = new nn.Upsample({ scaleFactor: factors });
      factors[0] = 5;
      assert.deepEqual(up.scaleFactor, [2, 3]);
      assert.deepEqual(up.call(X(1, 1, 1, 1)).shape, [1, 1, 2, 3]);
    });

    // PyTorch's _ConvNd.reset_parameters leaves the bias alone when fan_in is 0, and kaiming_uniform_ of an
    // empty weight is a no-op: no random numbers are drawn (torch.manual_seed(0); nn.Conv2d(0, 4, 3);
    // torch.rand(3) gives seed 0's first three, as /usr/bin/python3 shows).
    test('a convolution with fan_in 0 draws no random numbers', () => {
      torch.manualSeed(0);
      const first = torch.rand(3).tolist();
      torch.manualSeed(0);
      new nn.Conv2d(0, 4, 3);
      assert.deepEqual(torch.rand(3).tolist(), first);
    });

    // torch.manual_seed(0); nn.LazyConv1d(4, 3)(x) draws the same weight and bias as torch.manual_seed(0); nn.Conv1d(2, 4, 3)
    // (PyTorch 1.13: the lazy module initializes at its first call, drawing nothing before).
    test('a lazy convolution initializes at its first call as the plain module would have at construction', () => {
      for (const [Lazy, Plain, x] of [
        [nn.LazyConv1d, nn.Conv1d, torch.ones([1, 2, 5])],
        [nn.LazyConv2d, nn.Conv2d, torch.ones([2, 5, 5])],
      ] as const) {
        torch.manualSeed(0);
        const m = new Lazy(4, 3);
        m.call(x);
        torch.manualSeed(0);
        const c = new Plain(2, 4, 3);
        assert.deepEqual(m.weight.tolist(), c.weight.tolist());
        assert.deepEqual(m.bias!.tolist(), c.bias!.tolist());
      }
    });

    // /usr/bin/python3 (PyTorch 1.13): m = nn.LazyConv1d(4, 3, bias=False); m.load_state_dict(nn.Conv1d(2, 4, 3,
    // bias=False).state_dict()); m(x) keeps the loaded weight and prints Conv1d(0, 4, kernel_size=(3,), stride=(1,), bias=False).
    // reset_parameters() before the first call draws nothing.
    test('a lazy convolution loaded from a state dict keeps its weights and becomes the plain class at the first call', () => {
      for (const [Lazy, Plain, x, repr] of [
        [nn.LazyConv1d, nn.Conv1d, torch.ones([1, 2, 5]), 'Conv1d(0, 4, kernel_size=(3,), stride=(1,), bias=False)'],
        [nn.LazyConv2d, nn.Conv2d, torch.ones([1, 2, 5, 5]), 'Conv2d(0, 4, kernel_size=(3, 3), stride=(1, 1), bias=False)'],
      ] as const) {
        const m = new Lazy(4, 3, { bias: false });
        const src = new Plain(2, 4, 3, { bias: false });
        m.loadStateDict(src.stateDict());
        const y = m.call(x);
        assert.equal(m.toString(), repr);
        assert.ok(m instanceof Plain && !(m instanceof Lazy));
        assert.deepEqual(m.weight.tolist(), src.weight.tolist());
        assert.deepEqual(y.tolist(), src.call(x).tolist());
      }
    });

    test('reset_parameters of a lazy convolution before its first call draws nothing', () => {
      torch.manualSeed(0);
      const first = torch.rand(3).tolist();
      torch.manualSeed(0);
      new nn.LazyConv1d(4, 3).resetParameters();
      new nn.LazyConv2d(4, 3).resetParameters();
      assert.deepEqual(torch.rand(3).tolist(), first);
    });

    // dlab names the class where Python says __init__() (test/nn/keywords.test.ts): each module binds its own name and parameter names.
    test('argument refusals name the module and its parameters', () => {
      const missing: [new (...a: never[]) => nn.Module, string][] = [
        [nn.Conv1d, 'inChannels'], [nn.Conv2d, 'inChannels'], [nn.ConvTranspose1d, 'inChannels'], [nn.ConvTranspose2d, 'inChannels'],
        [nn.LazyConv1d, 'outChannels'], [nn.LazyConv2d, 'outChannels'], [nn.MaxPool1d, 'kernelSize'], [nn.MaxPool2d, 'kernelSize'],
        [nn.AvgPool1d, 'kernelSize'], [nn.AvgPool2d, 'kernelSize'], [nn.AdaptiveAvgPool1d, 'outputSize'], [nn.AdaptiveAvgPool2d, 'outputSize'],
        [nn.AdaptiveMaxPool1d, 'outputSize'], [nn.AdaptiveMaxPool2d, 'outputSize'], [nn.Unfold, 'kernelSize'], [nn.Fold, 'outputSize'],
      ];
      for (const [Cls, first] of missing) {
        const want = `${Cls.name}() missing required argument: '${first}'`;
        assert.throws(() => new (Cls as unknown as new (o: object) => nn.Module)({}), (err: Error) => err instanceof TypeError && err.message === want, want);
      }
      const Fold = nn.Fold as unknown as new (...a: unknown[]) => nn.Module;
      assert.throws(() => new Fold(4, { kernelSize: 2, dilatation: 1 }), /^TypeError: Fold\(\) got an unexpected keyword argument 'dilatation'$/);
      assert.throws(() => new nn.Unfold(2, { strides: 1 } as never), /^TypeError: Unfold\(\) got an unexpected keyword argument 'strides'$/);
      assert.throws(() => new nn.AdaptiveMaxPool1d(2, { indices: true } as never), /^TypeError: AdaptiveMaxPool1d\(\) got an unexpected keyword argument 'indices'$/);
      const loose = (C: unknown) => C as new (...a: unknown[]) => nn.Module;
      assert.throws(() => new (loose(nn.AdaptiveAvgPool1d))(2, { returnIndices: true }), /^TypeError: AdaptiveAvgPool1d\(\) got an unexpected keyword argument 'returnIndices'$/);
      assert.throws(() => new (loose(nn.AdaptiveAvgPool2d))(2, { returnIndices: true }), /^TypeError: AdaptiveAvgPool2d\(\) got an unexpected keyword argument 'returnIndices'$/);
    });

    for (const [name, run] of Object.entries(values)) test(name, () => check(name, run(), fx.values[name]));
  });
}
