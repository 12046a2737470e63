// nn.init (torch/nn/init.py): fill a tensor in place, without recording autograd, drawing from the
// default generator in PyTorch's order, so `manualSeed(s); new nn.Linear(784, 128)` starts from
// exactly PyTorch's weights.

import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad_mode.js';
import { erf } from '../backend/js/math.js';
import { empty, eye } from '../ops/creation.js';
import { wrap } from '../ops/function.js';
import type { Generator } from '../random/generator.js';
import { bindArgs, type PyArgs } from './args.js';

/** The nonlinearities `calculateGain` knows, as PyTorch names them. */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
/** Whether Kaiming initialization keeps the variance of the forward pass (fan_in) or of the backward pass (fan_out). */
export type FanMode = 'fan_in' | 'fan_out';
interface GenOption {
  generator?: Generator;
}
/** The keyword-only options of the drawing inits (PyTorch 1.13 has none; dlab's generator); any other keyword is refused, as Python does. */
const GEN = ['generator'];

/** `torch.nn.init.calculate_gain`: The recommended gain for a nonlinearity (param: leaky_relu's negative slope, default 0.01). */
export function calculateGain(...args: PyArgs<[nonlinearity: Nonlinearity, param: number | null], { nonlinearity?: Nonlinearity; param?: number | null }>): number {
  const [nonlinearity, param] = bindArgs<[Nonlinearity, (number | null)?], object>('calculate_gain', ['nonlinearity', 'param'], args, 1, []);
  const linear = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];
  if (linear.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2);
  if (nonlinearity === 'leaky_relu') {
    let slope = 0.01;
    if (param !== undefined && param !== null) {
      // Any number passes, NaN too (PyTorch's gain is then nan); a bool does not (Python's True is an int).
      if (typeof param !== 'number') throw new TypeError(`negative_slope ${typeof param === 'boolean' ? (param ? 'True' : 'False') : param} not a valid number`);
      slope = param;
    }
    return Math.sqrt(2 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3 / 4;
  throw new Error(`Unsupported nonlinearity ${nonlinearity}`);
}

/** `torch.nn.init._calculate_fan_in_and_fan_out`: fan_in = size(1) * receptive field, fan_out = size(0) * receptive field. */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  if (tensor.ndim < 2) throw new Error('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = tensor.shape.slice(2).reduce((a, b) => a * b, 1);
  return [tensor.shape[1] * receptive, tensor.shape[0] * receptive];
}

function correctFan(tensor: Tensor, mode: string): number {
  const m = mode.toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') throw new Error(`Mode ${m} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return m === 'fan_in' ? fanIn : fanOut;
}

type UniformOptions = { a?: number; b?: number } & GenOption;
/** `torch.nn.init.uniform_`: U(a, b): uniform_(w, a, b) or uniform_(w, { a, b }). */
export function uniform_(tensor: Tensor, ...args: PyArgs<[number, number], UniformOptions>): Tensor {
  const [a = 0, b = 1, options] = bindArgs<[number?, number?], GenOption>('uniform_', ['a', 'b'], args, 0, GEN);
  return noGrad(() => tensor.uniform_(a, b, options));
}

type NormalOptions = { mean?: number; std?: number } & GenOption;
/** `torch.nn.init.normal_`: N(mean, std^2): normal_(w, 0, 0.01) or normal_(w, { std: 0.01 }). */
export function normal_(tensor: Tensor, ...args: PyArgs<[number, number], NormalOptions>): Tensor {
  const [mean = 0, std = 1, options] = bindArgs<[number?, number?], GenOption>('normal_', ['mean', 'std'], args, 0, GEN);
  return noGrad(() => tensor.normal_(mean, std, options));
}

/** `torch.nn.init.constant_(tensor, val)`: fills the tensor with val. */
export function constant_(tensor: Tensor, ...args: PyArgs<[number], { val: number }>): Tensor {
  const [val] = bindArgs<[number], object>('constant_', ['val'], args, 1, []);
  return noGrad(() => tensor.fill_(val));
}

/** `torch.nn.init.ones_(tensor)`: fills the tensor with 1. */
export const ones_ = (tensor: Tensor) => constant_(tensor, 1);
/** `torch.nn.init.zeros_(tensor)`: fills the tensor with 0. */
export const zeros_ = (tensor: Tensor) => constant_(tensor, 0);

/** `torch.nn.init.eye_`: The identity matrix (2-D only). */
export function eye_(tensor: Tensor): Tensor {
  if (tensor.ndim !== 2) throw new Error('Only tensors with 2 dimensions are supported');
  return noGrad(() => tensor.copy_(eye(tensor.shape[0], tensor.shape[1], { dtype: tensor.dtype })));
}

/** `torch.nn.init.dirac_`: The Dirac delta for 3-, 4- and 5-D conv weights: each output channel passes one input channel through. */
export function dirac_(tensor: Tensor, ...args: PyArgs<[number], { groups?: number }>): Tensor {
  const [groups = 1] = bindArgs<[number?], object>('dirac_', ['groups'], args, 0, []);
  const d = tensor.ndim;
  if (d < 3 || d > 5) throw new Error('Only tensors with 3, 4, or 5 dimensions are supported');
  const sizes = tensor.shape;
  if (sizes[0] % groups !== 0) throw new Error('dim 0 must be divisible by groups');
  const outPerGroup = sizes[0] / groups;
  const minDim = Math.min(outPerGroup, sizes[1]);
  const values = new Float64Array(tensor.numel());
  const strides = sizes.map((_, i) => sizes.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < minDim; k++) {
      let pos = (g * outPerGroup + k) * strides[0] + k * strides[1];
      for (let i = 2; i < d; i++) pos += Math.floor(sizes[i] / 2) * strides[i];
      values[pos] = 1;
    }
  }
  return noGrad(() => tensor.copy_(wrap(values, sizes, 'float64')));
}

/** `torch.nn.init.xavier_uniform_`: Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(tensor: Tensor, ...args: PyArgs<[number], { gain?: number } & GenOption>): Tensor {
  const [gain = 1, options] = bindArgs<[number?], GenOption>('xavier_uniform_', ['gain'], args, 0, GEN);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return uniform_(tensor, -a, a, options);
}

/** `torch.nn.init.xavier_normal_`: Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(tensor: Tensor, ...args: PyArgs<[number], { gain?: number } & GenOption>): Tensor {
  const [gain = 1, options] = bindArgs<[number?], GenOption>('xavier_normal_', ['gain'], args, 0, GEN);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

interface KaimingOptions extends GenOption {
  /** The negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}
/** kaiming_*_(w, a, mode, nonlinearity) or kaiming_*_(w, { a, mode, nonlinearity }). */
type KaimingArgs = PyArgs<[number, FanMode, Nonlinearity], KaimingOptions>;
const bindKaiming = (fn: string, args: KaimingArgs) =>
  bindArgs<[number?, FanMode?, Nonlinearity?], GenOption>(fn, ['a', 'mode', 'nonlinearity'], args, 0, GEN);

/** `torch.nn.init.kaiming_uniform_`: He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan). Defaults as PyTorch: a=0, fan_in, leaky_relu. */
export function kaimingUniform_(tensor: Tensor, ...args: KaimingArgs): Tensor {
  const [a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu', options] = bindKaiming('kaiming_uniform_', args);
  if (tensor.shape.includes(0)) return tensor; // PyTorch warns "Initializing zero-element tensors is a no-op"
  const fan = correctFan(tensor, mode);
  const gain = calculateGain(nonlinearity, a);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fan));
  return uniform_(tensor, -bound, bound, options);
}

/** `torch.nn.init.kaiming_normal_`: He normal: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal_(tensor: Tensor, ...args: KaimingArgs): Tensor {
  const [a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu', options] = bindKaiming('kaiming_normal_', args);
  if (tensor.shape.includes(0)) return tensor;
  const fan = correctFan(tensor, mode);
  const gain = calculateGain(nonlinearity, a);
  return normal_(tensor, 0, gain / Math.sqrt(fan), options);
}

/**
 * `torch.nn.init.trunc_normal_`: Normal(mean, std) truncated to [a, b], by PyTorch's inverse-CDF method: uniform on the CDF's
 * image of [a, b], then erfinv, scale, shift and clamp.
 */
export function truncNormal_(
  tensor: Tensor,
  ...args: PyArgs<[number, number, number, number], { mean?: number; std?: number; a?: number; b?: number } & GenOption>
): Tensor {
  const [mean = 0, std = 1, a = -2, b = 2, options] = bindArgs<[number?, number?, number?, number?], GenOption>('trunc_normal_', ['mean', 'std', 'a', 'b'], args, 0, GEN);
  const cdf = (x: number) => (1 + erf(x / Math.SQRT2)) / 2;
  const l = cdf((a - mean) / std);
  const u = cdf((b - mean) / std);
  return noGrad(() => {
    tensor.uniform_(2 * l - 1, 2 * u - 1, options);
    tensor.copy_(tensor.erfinv());
    tensor.mul_(std * Math.SQRT2);
    tensor.add_(mean);
    return tensor.clamp_(a, b);
  });
}

/**
 * `torch.nn.init.orthogonal_`: A (semi-)orthogonal matrix: QR of a standard normal matrix, Q's columns signed by R's diagonal
 * (so the result is Haar-distributed and equals PyTorch's up to rounding), times gain.
 */
export function orthogonal_(tensor: Tensor, ...args: PyArgs<[number], { gain?: number } & GenOption>): Tensor {
  const [gain = 1, options] = bindArgs<[number?], GenOption>('orthogonal_', ['gain'], args, 0, GEN);
  if (tensor.ndim < 2) throw new Error('Only tensors with 2 or more dimensions are supported');
  if (tensor.numel() === 0) return tensor;
  const rows = tensor.shape[0];
  const cols = tensor.numel() / rows;
  const flat = empty([rows, cols], { dtype: tensor.dtype }).normal_(0, 1, options);
  const A = Float64Array.from(flat._host('orthogonal_'));
  // Factor the tall orientation: A (rows x cols) or its transpose.
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const M = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) M[transposed ? j * n + i : i * n + j] = A[i * cols + j];
  const { q, rDiag } = householderQR(M, m, n);
  for (let j = 0; j < n; j++) {
    const s = Math.sign(rDiag[j]);
    for (let i = 0; i < m; i++) q[i * n + j] *= s;
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = transposed ? q[j * n + i] : q[i * n + j];
  return noGrad(() => {
    tensor.copy_(wrap(out, tensor.shape, 'float64'));
    return tensor.mul_(gain);
  });
}

/**
 * Reduced QR of an m x n row-major matrix (m >= n) by Householder reflections, LAPACK's geqrf
 * convention (R's diagonal is -sign(a_kk) * norm, or a_kk where nothing is below it): returns Q
 * (m x n, row-major) and diag(R).
 */
export function householderQR(a: Float64Array, m: number, n: number): { q: Float64Array; rDiag: Float64Array } {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const taus: number[] = [];
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let below = 0;
    for (let i = k + 1; i < m; i++) below += r[i * n + k] ** 2;
    const alpha = r[k * n + k];
    const v = new Float64Array(m - k);
    // LAPACK's dlarfg: nothing below the diagonal (the last row of a square matrix, a zero
    // column) is no reflection (H = I), and R keeps alpha with its sign.
    if (below === 0) {
      vs.push(v);
      taus.push(0);
      rDiag[k] = alpha;
      continue;
    }
    const norm = Math.sqrt(alpha ** 2 + below);
    const beta = alpha >= 0 ? -norm : norm;
    // v = x - beta e1, scaled so v[0] = 1; H = I - tau v v^T.
    const v0 = alpha - beta;
    v[0] = 1;
    for (let i = k + 1; i < m; i++) v[i - k] = r[i * n + k] / v0;
    const tau = (beta - alpha) / beta;
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * r[i * n + j];
      s *= tau;
      for (let i = k; i < m; i++) r[i * n + j] -= s * v[i - k];
    }
    vs.push(v);
    taus.push(tau);
    rDiag[k] = beta;
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    const tau = taus[k];
    if (tau === 0) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * q[i * n + j];
      s *= tau;
      for (let i = k; i < m; i++) q[i * n + j] -= s * v[i - k];
    }
  }
  return { q, rDiag };
}
