// F.affine_grid and F.grid_sample (torch/nn/functional.py; aten/src/ATen/native/AffineGridGenerator.cpp
// and the vectorized 2-D CPU kernel, native/cpu/GridSamplerKernel.cpp), composed from gather, floor
// and where, so every backend runs them and autograd differentiates them: the input's gradient is
// gather's scatter, the grid's comes through the interpolation weights. PyTorch has one node for
// each (AffineGridGeneratorBackward0, GridSampler2DBackward0); dlab's graph ends in its last op.

import type { Tensor } from '../../tensor/tensor.js';
import { fmtShape, fmtSize } from '../../tensor/shape.js';
import { isFloatingPoint, scalarTypeName } from '../../tensor/dtype.js';
import { where } from '../../ops/elementwise.js';
import { linspace, ones, tensor } from '../../ops/creation.js';
import { stack } from '../../ops/movement.js';
import { warnOnce } from './warnings.js';

const ALIGN_CORNERS_WARNING =
  'Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify ' +
  'align_corners=True if the old behavior is desired. See the documentation of grid_sample for details.';
const UNIT_SIZE_WARNING =
  'Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. ' +
  'This is not an intended use case of affine_grid. See the documentation of affine_grid for details.';

/** align_corners as PyTorch reads it: unset is false, with its warning. */
function alignCornersOf(alignCorners: boolean | null | undefined): boolean {
  if (alignCorners !== undefined && alignCorners !== null) return alignCorners;
  warnOnce(ALIGN_CORNERS_WARNING);
  return false;
}

// ---------------------------------------------------------------------------- affine_grid

/** ATen's linspace_from_neg_one: n points over [-1, 1], pulled in by (n - 1) / n when corners are not aligned; 0 for one point. */
function linspaceFromNegOne(theta: Tensor, n: number, alignCorners: boolean): Tensor {
  if (n <= 1) return tensor([0], { dtype: theta.dtype, device: theta.device });
  const range = linspace(-1, 1, n, { dtype: theta.dtype, device: theta.device });
  return alignCorners ? range : range.mul(n - 1).div(n);
}

/**
 * `torch.nn.functional.affine_grid(theta, size, align_corners=None)`: the sampling grid of a batch
 * of affine maps, [N, H, W, 2] for theta [N, 2, 3] and size [N, C, H, W] (or [N, D, H, W, 3] for
 * [N, 3, 4] and a 5-D size): the base grid of normalized (x, y[, z], 1) points times theta's transpose.
 */
export function affineGrid(theta: Tensor, size: readonly number[], options: { alignCorners?: boolean | null } = {}): Tensor {
  const alignCorners = alignCornersOf(options.alignCorners);
  if (!isFloatingPoint(theta.dtype)) throw new TypeError(`Expected theta to have floating point type, but got torch.${theta.dtype}`);
  const d = size.length - 2; // spatial dims
  if (d !== 2 && d !== 3) {
    throw new Error(`affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size ${fmtShape(size)}.`);
  }
  if (theta.ndim !== 3 || theta.shape[1] !== d || theta.shape[2] !== d + 1) {
    throw new RangeError(`Expected a batch of ${d}D affine matrices of shape Nx${d}x${d + 1} for size ${fmtShape(size)}. Got ${fmtSize(theta.shape)}.`);
  }
  const spatial = size.slice(2);
  if (alignCorners && Math.min(...spatial) === 1) warnOnce(UNIT_SIZE_WARNING);
  else if (Math.min(...size) <= 0) throw new RangeError(`Expected non-zero, positive output size. Got ${fmtShape(size)}`);
  // The base grid's last axis is (x, y[, z], 1): x runs along the last spatial dim.
  const axes = spatial.map((n, k) => {
    const view = spatial.map((_, j) => (j === k ? n : 1));
    return linspaceFromNegOne(theta, n, alignCorners).reshape(view).expand(spatial);
  });
  const base = stack([...axes.reverse(), ones(spatial, { dtype: theta.dtype, device: theta.device })], -1);
  const points = spatial.reduce((a, b) => a * b, 1);
  const grid = base.reshape([1, points, d + 1]).expand([size[0], points, d + 1]).bmm(theta.transpose(1, 2));
  return grid.view([size[0], ...spatial, d]);
}

// ---------------------------------------------------------------------------- grid_sample

/** How grid_sample interpolates between pixels. */
export type GridSampleMode = 'bilinear' | 'nearest' | 'bicubic';
/** What grid_sample reads outside the input: 0, the border pixel, or the mirror image. */
export type GridSamplePadding = 'zeros' | 'border' | 'reflection';

/** Options of `F.grid_sample`: mode ('bilinear'), paddingMode ('zeros'), alignCorners (unset: false, with PyTorch's warning). */
export interface GridSampleOptions {
  mode?: GridSampleMode;
  paddingMode?: GridSamplePadding;
  alignCorners?: boolean | null;
}

/**
 * One spatial axis of the input, as the kernel's ComputeLocation: grid coordinates in [-1, 1] to
 * pixel coordinates, then the padding mode's clip or reflection.
 */
class Axis {
  constructor(
    readonly size: number,
    readonly padding: GridSamplePadding,
    readonly alignCorners: boolean,
  ) {}

  /** [-1, 1] to [0, size - 1] (corner centres) or [-0.5, size - 0.5] (corner edges). */
  unnormalize(c: Tensor): Tensor {
    return this.alignCorners ? c.add(1).mul((this.size - 1) / 2) : c.add(1).mul(this.size / 2).sub(0.5);
  }

  /** Clamped into [0, size - 1]; the kernel counts the borders themselves as outside, so there the gradient is 0. */
  clip(c: Tensor): Tensor {
    const max = this.size - 1;
    return where(c.gt(0).logicalAnd(c.lt(max)), c, c.clamp(0, max).detach());
  }

  /** Reflected into [0, size - 1] (aligned) or [-0.5, size - 0.5], as the kernel: |c - low| modulo twice the span, folded back. */
  reflect(c: Tensor): Tensor {
    if (this.alignCorners && this.size <= 1) return c.mul(0); // an empty span: every point is 0
    const low = this.alignCorners ? 0 : -0.5;
    const twiceSpan = this.alignCorners ? 2 * (this.size - 1) : 2 * this.size;
    const abs = (this.alignCorners ? c : c.sub(low)).abs();
    const extra = abs.sub(abs.div(twiceSpan).trunc().mul(twiceSpan));
    const folded = extra.minimum(extra.neg().add(twiceSpan));
    return this.alignCorners ? folded : folded.add(low);
  }

  /** The padding mode applied to pixel coordinates (the kernel's compute_coordinates). */
  pad(c: Tensor): Tensor {
    if (this.padding === 'border') return this.clip(c);
    if (this.padding === 'reflection') return this.clip(this.reflect(c));
    return c;
  }
}

/** PyTorch 1.13's checks (check_grid_sampler_common, then the 2-D or 3-D one, then the kernel's dtypes), in its words. */
function checkGridSampler(input: Tensor, grid: Tensor, mode: GridSampleMode): void {
  const sizes = `input with sizes ${fmtShape(input.shape)} and grid with sizes ${fmtShape(grid.shape)}`;
  if (input.shape[0] !== grid.shape[0]) throw new RangeError(`grid_sampler(): expected grid and input to have same batch size, but got ${sizes}`);
  if (grid.shape[grid.ndim - 1] !== input.ndim - 2) {
    throw new RangeError(`grid_sampler(): expected grid to have size ${input.ndim - 2} in last dimension, but got grid with sizes ${fmtShape(grid.shape)}`);
  }
  const empty = input.shape.findIndex((n, d) => d >= 2 && n <= 0);
  if (empty >= 0) {
    throw new RangeError(`grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes ${fmtShape(input.shape)} with dimension ${empty} being empty`);
  }
  if (input.ndim !== 4) {
    if (input.ndim !== 5 || grid.ndim !== 5) throw new RangeError(`grid_sampler(): expected 5D input and grid with same number of dimensions, but got ${sizes}`);
    if (mode === 'bicubic') throw new RangeError('grid_sampler(): bicubic interpolation only supports 4D input');
    throw new Error('grid_sample of a 5-D input (volumetric sampling) is not implemented in dlab; only 4-D input');
  }
  if (grid.ndim !== 4) throw new RangeError(`grid_sampler(): expected 4D input and grid with same number of dimensions, but got ${sizes}`);
  if (!isFloatingPoint(input.dtype)) throw new TypeError(`grid_sampler_2d_cpu not implemented for ${scalarTypeName[input.dtype]}`);
  if (grid.dtype !== input.dtype) throw new TypeError(`expected scalar type ${scalarTypeName[input.dtype]} but found ${scalarTypeName[grid.dtype]}`);
}

/** The kernel's bicubic coefficients (A = -0.75) of the four taps around a point t in [0, 1) past the first. */
function cubicCoefficients(t: Tensor): Tensor[] {
  const A = -0.75;
  const outer = (x: Tensor) => x.mul(A).sub(5 * A).mul(x).add(8 * A).mul(x).sub(4 * A);
  const inner = (x: Tensor) => x.mul(A + 2).sub(A + 3).mul(x).mul(x).add(1);
  return [outer(t.add(1)), inner(t), inner(t.neg().add(1)), outer(t.neg().add(2))];
}

/**
 * `torch.nn.functional.grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None)`:
 * input [N, C, H, W] read at grid [N, Ho, Wo, 2]'s (x, y) points in [-1, 1] (x along W), giving an
 * output of [N, C, Ho, Wo] by bilinear, nearest (ties to even) or bicubic interpolation; points
 * outside read 0 ('zeros'), the nearest border pixel ('border') or the mirror image ('reflection').
 */
export function gridSample(input: Tensor, grid: Tensor, options: GridSampleOptions = {}): Tensor {
  const { mode = 'bilinear', paddingMode = 'zeros' } = options;
  if (mode !== 'bilinear' && mode !== 'nearest' && mode !== 'bicubic') {
    throw new RangeError(`nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '${mode}'`);
  }
  if (paddingMode !== 'zeros' && paddingMode !== 'border' && paddingMode !== 'reflection') {
    throw new RangeError(`nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: '${paddingMode}'`);
  }
  const alignCorners = alignCornersOf(options.alignCorners);
  checkGridSampler(input, grid, mode);
  const [N, C, H, W] = input.shape;
  const [, Ho, Wo] = grid.shape;
  const alongW = new Axis(W, paddingMode, alignCorners);
  const alongH = new Axis(H, paddingMode, alignCorners);
  const flat = input.reshape([N, C, H * W]);
  /** The input at whole pixel coordinates [N, Ho, Wo] (as floats), 0 outside it. */
  const read = (x: Tensor, y: Tensor): Tensor => {
    const inside = x.gt(-1).logicalAnd(x.lt(W)).logicalAnd(y.gt(-1)).logicalAnd(y.lt(H)).unsqueeze(1);
    const at = y.clamp(0, H - 1).mul(W).add(x.clamp(0, W - 1)).to('int64').reshape([N, 1, Ho * Wo]).expand([N, C, Ho * Wo]);
    return where(inside, flat.gather(2, at).reshape([N, C, Ho, Wo]), 0);
  };
  const gx = grid.select(3, 0);
  const gy = grid.select(3, 1);
  if (mode === 'bicubic') {
    const x = alongW.unnormalize(gx);
    const y = alongH.unnormalize(gy);
    const x0 = x.floor();
    const y0 = y.floor();
    const cx = cubicCoefficients(x.sub(x0)).map((c) => c.unsqueeze(1));
    const cy = cubicCoefficients(y.sub(y0)).map((c) => c.unsqueeze(1));
    const xs = [-1, 0, 1, 2].map((k) => alongW.pad(x0.add(k)));
    const rows = [-1, 0, 1, 2].map((k) => {
      const yk = alongH.pad(y0.add(k));
      return cx.map((c, i) => c.mul(read(xs[i], yk))).reduce((a, b) => a.add(b));
    });
    return cy.map((c, j) => c.mul(rows[j])).reduce((a, b) => a.add(b));
  }
  const x = alongW.pad(alongW.unnormalize(gx));
  const y = alongH.pad(alongH.unnormalize(gy));
  if (mode === 'nearest') {
    // round() has a zero derivative: the factor of 1 gives the grid PyTorch's zero gradient rather than none.
    const one = x.round().mul(0).add(1).unsqueeze(1);
    return read(x.round(), y.round()).mul(one);
  }
  const xw = x.floor();
  const yn = y.floor();
  const w = x.sub(xw);
  const e = w.neg().add(1);
  const n = y.sub(yn);
  const s = n.neg().add(1);
  const xe = xw.add(1);
  const ys = yn.add(1);
  const weighted = (value: Tensor, weight: Tensor) => value.mul(weight.unsqueeze(1));
  return weighted(read(xw, yn), s.mul(e)).add(weighted(read(xe, yn), s.mul(w))).add(weighted(read(xw, ys), n.mul(e))).add(weighted(read(xe, ys), n.mul(w)));
}
