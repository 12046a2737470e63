// nn.functional's interpolate (nn.Upsample calls it): resampling as index_select and weighted sums.

import type { Tensor } from '../../tensor/tensor.js';
import { fmtShape } from '../../tensor/shape.js';
import { tensor } from '../../ops/creation.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d } from '../../ops/pool.js';

/** The modes of `F.interpolate`, as PyTorch names them. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'trilinear' | 'bicubic' | 'area';

/** Options of `F.interpolate`: size or scaleFactor, mode (default 'nearest'), alignCorners, recomputeScaleFactor, antialias. */
export interface InterpolateOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
  antialias?: boolean;
}

/**
 * `torch.nn.functional.interpolate`: Resize the spatial dims of [N, C, *] input (1 to 3 of them): nearest, nearest-exact, or
 * (bi/tri)linear with or without align_corners. Source positions and weights are computed as
 * PyTorch's CPU kernels do, in the input's precision (float32 arithmetic for float32), and the
 * result is gathered with index_select, so the gradient is its scatter-add.
 */
export function interpolate(input: Tensor, options: InterpolateOptions = {}): Tensor {
  const mode = options.mode ?? 'nearest';
  if ((mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') && options.alignCorners != null) {
    throw new Error('align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear');
  }
  // The interpolating modes take None as False.
  const alignCorners = options.alignCorners ?? false;
  const dim = input.ndim - 2;
  const size = options.size ?? null;
  const scaleFactor = options.scaleFactor ?? null;
  const spatial = fmtShape(input.shape.slice(2));
  let outputSize: number[] | null = null;
  let scales: number[] | null = null;
  if (size !== null && scaleFactor !== null) throw new Error('only one of size or scale_factor should be defined');
  if (size !== null) {
    if (typeof size !== 'number') {
      if (size.length !== dim) {
        throw new Error(
          `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and output size of ${fmtShape(size)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`,
        );
      }
      outputSize = [...size];
    } else {
      outputSize = new Array<number>(dim).fill(size);
    }
  } else if (scaleFactor !== null) {
    if (typeof scaleFactor !== 'number') {
      if (scaleFactor.length !== dim) {
        throw new Error(
          `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and scale_factor of shape [${scaleFactor.join(', ')}]. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`,
        );
      }
      scales = [...scaleFactor];
    } else {
      scales = new Array<number>(dim).fill(scaleFactor);
    }
  } else {
    throw new Error('either size or scale_factor should be defined');
  }
  const recompute = options.recomputeScaleFactor ?? null;
  if (recompute && size !== null) throw new Error('recompute_scale_factor is not meaningful with an explicit size.');
  // PyTorch sets recompute for 'area' given a scale; here 'area' takes outSize below, the same floor(size * scale).
  if (recompute && scales) {
    outputSize = scales.map((s, i) => Math.floor(input.shape[i + 2] * s));
    scales = null;
  }
  if (options.antialias) {
    if (!((mode === 'bilinear' || mode === 'bicubic') && input.ndim === 4)) throw new Error('Anti-alias option is only supported for bilinear and bicubic modes');
    throw new Error('interpolate: antialias is not supported in dlab');
  }
  const inputError = () =>
    new Error(
      `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`,
    );
  if (input.ndim < 3 || input.ndim > 5) throw inputError();
  // PyTorch names the rank a (bi/tri)linear mode needs; bicubic at another rank falls through to its general refusal.
  const needs: Partial<Record<InterpolateMode, number>> = { linear: 3, bilinear: 4, trilinear: 5 };
  const need = needs[mode];
  if (need !== undefined && need !== input.ndim) throw new Error(`Got ${input.ndim}D input, but ${mode} mode needs ${need}D input`);
  if (mode === 'bicubic' && input.ndim !== 4) throw inputError();
  const outSize = outputSize ?? scales!.map((s, i) => Math.floor(input.shape[i + 2] * s));
  // 'area' is adaptive average pooling to the output size, as in PyTorch.
  if (mode === 'area' && input.ndim === 3) return adaptiveAvgPool1d(input, outSize[0]);
  if (mode === 'area' && input.ndim === 4) return adaptiveAvgPool2d(input, [outSize[0], outSize[1]]);
  if (mode === 'bicubic' || mode === 'area') throw new Error(`interpolate: mode '${mode}' for ${input.ndim}D input is not supported in dlab yet`);
  // The upsample kernels refuse an empty side ('area', adaptive pooling above, allows it).
  const inSizes = input.shape.slice(2);
  if ([...inSizes, ...outSize].some((s) => s <= 0)) {
    const sides = (sizes: readonly number[]) => sizes.map((s, i) => `${'DHW'[3 - dim + i]}: ${s}`).join(', ');
    throw new Error(`Input and output sizes should be greater than 0, but got input (${sides(inSizes)})${dim === 1 ? ' and' : ''} output (${sides(outSize)})`);
  }
  const fround = input.dtype === 'float32' ? Math.fround : (x: number) => x;
  // The kernels nest the last spatial dim innermost: resample it first.
  let out = input;
  for (let i = dim - 1; i >= 0; i--) {
    const d = i + 2;
    const inSize = input.shape[d];
    const scale = scales ? scales[i] : null;
    if (mode === 'nearest' || mode === 'nearest-exact') {
      const idx = nearestIndices(inSize, outSize[i], scale, mode === 'nearest-exact', dim === 1);
      out = out.indexSelect(d, tensor(idx, { dtype: 'int64', device: input.device }));
    } else {
      const { i0, i1, l0, l1 } = linearIndices(inSize, outSize[i], scale, alignCorners, fround);
      const view = out.shape.map((_, k) => (k === d ? outSize[i] : 1));
      const device = input.device;
      const w0 = tensor(l0, { dtype: input.dtype, device }).reshape(view);
      const w1 = tensor(l1, { dtype: input.dtype, device }).reshape(view);
      out = out.indexSelect(d, tensor(i0, { dtype: 'int64', device })).mul(w0).add(out.indexSelect(d, tensor(i1, { dtype: 'int64', device })).mul(w1));
    }
  }
  return out;
}

/** nearest_idx / nearest_exact_idx of UpSample.h, in float32 as there. */
function nearestIndices(inSize: number, outSize: number, scale: number | null, exact: boolean, scaleBeatsShortcut: boolean): number[] {
  const s = scale !== null && scale > 0 ? Math.fround(1 / scale) : Math.fround(inSize / outSize);
  return Array.from({ length: outSize }, (_, o) => {
    if (exact) return Math.min(Math.floor(Math.fround((o + 0.5) * s)), inSize - 1);
    // Equal or doubled sizes copy or halve the index; PyTorch 1.13's 1-D kernel does so only without a
    // scale (scale 1.1 on 6 -> 6 reads index 0 twice), its 2-D and 3-D kernels always.
    const shortcut = scale === null || !scaleBeatsShortcut;
    if (shortcut && outSize === inSize) return o;
    if (shortcut && outSize === 2 * inSize) return o >> 1;
    return Math.min(Math.floor(Math.fround(o * s)), inSize - 1);
  });
}

/** compute_source_index_and_lambda of UpSample.h: two source indices and their weights per output index. */
function linearIndices(inSize: number, outSize: number, scale: number | null, alignCorners: boolean, fround: (x: number) => number) {
  const i0: number[] = [];
  const i1: number[] = [];
  const l0: number[] = [];
  const l1: number[] = [];
  let ratio: number;
  if (alignCorners) ratio = outSize > 1 ? fround((inSize - 1) / (outSize - 1)) : 0;
  else ratio = scale !== null && scale > 0 ? fround(1 / scale) : fround(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    if (outSize === inSize) {
      i0.push(o);
      i1.push(o);
      l0.push(1);
      l1.push(0);
      continue;
    }
    // The source position is not rounded to the input's precision (PyTorch 1.13's weights for float32
    // match this on every size pair 1-39, with and without align_corners): for 7 -> 3 it is 2.99999988,
    // so the weights are 1.2e-7 and 0.99999988 where float32 arithmetic would give 0 and 1.
    let real = alignCorners ? ratio * o : ratio * (o + 0.5) - 0.5;
    if (!alignCorners && real < 0) real = 0;
    const a = Math.trunc(real);
    i0.push(a);
    i1.push(a + (a < inSize - 1 ? 1 : 0));
    const lambda1 = fround(real - a);
    l1.push(lambda1);
    l0.push(fround(1 - lambda1));
  }
  return { i0, i1, l0, l1 };
}
