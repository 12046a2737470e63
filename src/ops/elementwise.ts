// Elementwise primitives (unary, binary with broadcasting, where) with their backward rules,
// and the elementwise composites built from them.

import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { type DType, type Operand, getDefaultDtype, isFloatingPoint, isIntegral, resultType, scalarDtype, scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, shapesEqual, type Shape } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { pyTypeName } from '../tensor/python_type.js';
import { asOneNode, backendOf, backwardName, elementwiseBackendOf, record, wrap } from './function.js';
import { sumToShape } from './reduce.js';
import { cast } from './movement.js';
import { scalarTensor, zeros, zerosLike } from './creation.js';

// ---------------------------------------------------------------------------- unary

/** 'float': integer inputs give the default float dtype; 'same': keeps the dtype; 'bool': a predicate. */
type OutKind = 'float' | 'same' | 'bool';
/** The backward rule from input x, output y and output gradient g; 'zero' for piecewise-constant ops. */
type UnaryGrad = ((x: Tensor, y: Tensor, g: Tensor) => Tensor) | 'zero' | null;

const SQRT_PI = Math.sqrt(Math.PI);

const unarySpecs: Record<UnaryOp, { out: OutKind; grad: UnaryGrad; saves: 'x' | 'y' | 'none' }> = {
  neg: { out: 'same', grad: (_x, _y, g) => g.neg(), saves: 'none' },
  abs: { out: 'same', grad: (x, _y, g) => g.mul(x.sign()), saves: 'x' },
  sign: { out: 'same', grad: 'zero', saves: 'none' },
  exp: { out: 'float', grad: (_x, y, g) => g.mul(y), saves: 'y' },
  expm1: { out: 'float', grad: (_x, y, g) => g.mul(y.add(1)), saves: 'y' },
  log: { out: 'float', grad: (x, _y, g) => g.div(x), saves: 'x' },
  log1p: { out: 'float', grad: (x, _y, g) => g.div(x.add(1)), saves: 'x' },
  log2: { out: 'float', grad: (x, _y, g) => g.div(x.mul(Math.LN2)), saves: 'x' },
  log10: { out: 'float', grad: (x, _y, g) => g.div(x.mul(Math.LN10)), saves: 'x' },
  sqrt: { out: 'float', grad: (_x, y, g) => g.div(y.mul(2)), saves: 'y' },
  rsqrt: { out: 'float', grad: (_x, y, g) => g.mul(y.pow(3)).mul(-0.5), saves: 'y' },
  sin: { out: 'float', grad: (x, _y, g) => g.mul(x.cos()), saves: 'x' },
  cos: { out: 'float', grad: (x, _y, g) => g.mul(x.sin().neg()), saves: 'x' },
  tan: { out: 'float', grad: (_x, y, g) => g.mul(y.square().add(1)), saves: 'y' },
  asin: { out: 'float', grad: (x, _y, g) => g.mul(x.square().neg().add(1).rsqrt()), saves: 'x' },
  acos: { out: 'float', grad: (x, _y, g) => g.mul(x.square().neg().add(1).rsqrt()).neg(), saves: 'x' },
  atan: { out: 'float', grad: (x, _y, g) => g.div(x.square().add(1)), saves: 'x' },
  sinh: { out: 'float', grad: (x, _y, g) => g.mul(x.cosh()), saves: 'x' },
  cosh: { out: 'float', grad: (x, _y, g) => g.mul(x.sinh()), saves: 'x' },
  tanh: { out: 'float', grad: (_x, y, g) => g.mul(y.square().neg().add(1)), saves: 'y' },
  asinh: { out: 'float', grad: (x, _y, g) => g.mul(x.square().add(1).rsqrt()), saves: 'x' },
  acosh: { out: 'float', grad: (x, _y, g) => g.mul(x.square().sub(1).rsqrt()), saves: 'x' },
  atanh: { out: 'float', grad: (x, _y, g) => g.div(x.square().neg().add(1)), saves: 'x' },
  sigmoid: { out: 'float', grad: (_x, y, g) => g.mul(y).mul(y.neg().add(1)), saves: 'y' },
  // PyTorch's threshold_backward: the gradient passes where the output is positive (one pass).
  relu: { out: 'same', grad: (_x, y, g) => thresholdBackward(g, y, 0), saves: 'y' },
  erf: { out: 'float', grad: (x, _y, g) => g.mul(x.square().neg().exp().mul(2 / SQRT_PI)), saves: 'x' },
  erfc: { out: 'float', grad: (x, _y, g) => g.mul(x.square().neg().exp().mul(-2 / SQRT_PI)), saves: 'x' },
  // PyTorch saves the input and computes erfinv again (ErfinvBackward0 has _saved_self only).
  erfinv: { out: 'float', grad: (x, _y, g) => g.mul(x.erfinv().square().exp().mul(SQRT_PI / 2)), saves: 'x' },
  floor: { out: 'same', grad: 'zero', saves: 'none' },
  ceil: { out: 'same', grad: 'zero', saves: 'none' },
  round: { out: 'same', grad: 'zero', saves: 'none' },
  trunc: { out: 'same', grad: 'zero', saves: 'none' },
  reciprocal: { out: 'float', grad: (_x, y, g) => g.mul(y.square()).neg(), saves: 'y' },
  logicalNot: { out: 'bool', grad: null, saves: 'none' },
  isnan: { out: 'bool', grad: null, saves: 'none' },
  isinf: { out: 'bool', grad: null, saves: 'none' },
  isfinite: { out: 'bool', grad: null, saves: 'none' },
  bitwiseNot: { out: 'same', grad: null, saves: 'none' },
};

/** Apply a unary primitive. */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  const spec = unarySpecs[op];
  let dtype = x.dtype;
  if (spec.out === 'bool') dtype = 'bool';
  else if (spec.out === 'float' && !isFloatingPoint(dtype)) dtype = getDefaultDtype();
  if (op === 'bitwiseNot' && isFloatingPoint(dtype)) throw new TypeError(`"bitwise_not_cpu" not implemented for '${scalarTypeName[dtype]}'`);
  const input = dtype === x.dtype || spec.out === 'bool' ? x : cast(x, dtype, false);
  const y = wrap(backendOf(x).unary(op, input._view(), dtype), x.shape, dtype, backendOf(x));
  const grad = spec.grad;
  if (grad === null) return y;
  const saved = spec.saves === 'x' ? [x] : spec.saves === 'y' ? [y] : [];
  // The rule holds only what `saves` names, so an unsaved input or output can be freed (as PyTorch).
  const [sx, sy] = [spec.saves === 'x' ? x : null, spec.saves === 'y' ? y : null] as [Tensor, Tensor];
  return record(op === 'log1p' ? 'Log1PBackward0' : backwardName(op), y, [x], saved, (g) => [grad === 'zero' ? zerosLike(g) : grad(sx, sy, g)]);
}

/**
 * PyTorch's threshold_backward, ReLU's gradient as one primitive: g where y > threshold, else 0
 * (NaN in y passes g). It is linear in g, so its backward is itself with the same y; y only
 * selects: it is an input as in PyTorch (the node's next functions are PyTorch's) whose gradient
 * is zero, as PyTorch returns.
 */
export function thresholdBackward(g: Tensor, y: Tensor, threshold: number): Tensor {
  let grad = g.dtype === y.dtype ? g : cast(g, y.dtype, false);
  if (!shapesEqual(grad.shape, y.shape)) grad = grad.expand(y.shape);
  const backend = backendOf(grad, y);
  const out = wrap(backend.thresholdBackward(grad._view(), y._view(), threshold), y.shape, y.dtype, backend);
  return record('ThresholdBackwardBackward0', out, [g, y], [y], (gg, needs) => [
    needs[0] ? thresholdBackward(gg, y, threshold) : null,
    needs[1] ? zerosLike(y) : null,
  ]);
}

/** `torch.neg(x)`: -x, elementwise. */
export const neg = (x: Tensor) => {
  if (x.dtype === 'bool') throw new TypeError('Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
  return unary('neg', x);
};
/** `torch.abs(x)`: |x|, elementwise. */
export const abs = (x: Tensor) => unary('abs', x);
/** `torch.sign(x)`: the sign of x (-1, 0 or 1), elementwise. */
export const sign = (x: Tensor) => unary('sign', x);
/** `torch.exp(x)`: e^x, elementwise. */
export const exp = (x: Tensor) => unary('exp', x);
/** `torch.expm1(x)`: e^x - 1, exact for small x, elementwise. */
export const expm1 = (x: Tensor) => unary('expm1', x);
/** `torch.log(x)`: the natural logarithm, elementwise. */
export const log = (x: Tensor) => unary('log', x);
/** `torch.log1p(x)`: log(1 + x), exact for small x, elementwise. */
export const log1p = (x: Tensor) => unary('log1p', x);
/** `torch.log2(x)`: the base-2 logarithm, elementwise. */
export const log2 = (x: Tensor) => unary('log2', x);
/** `torch.log10(x)`: the base-10 logarithm, elementwise. */
export const log10 = (x: Tensor) => unary('log10', x);
/** `torch.sqrt(x)`: the square root, elementwise. */
export const sqrt = (x: Tensor) => unary('sqrt', x);
/** `torch.rsqrt(x)`: 1 / sqrt(x), elementwise. */
export const rsqrt = (x: Tensor) => unary('rsqrt', x);
/** `torch.sin(x)`: the sine, elementwise. */
export const sin = (x: Tensor) => unary('sin', x);
/** `torch.cos(x)`: the cosine, elementwise. */
export const cos = (x: Tensor) => unary('cos', x);
/** `torch.tan(x)`: the tangent, elementwise. */
export const tan = (x: Tensor) => unary('tan', x);
/** `torch.asin(x)`: the arcsine, elementwise. */
export const asin = (x: Tensor) => unary('asin', x);
/** `torch.acos(x)`: the arccosine, elementwise. */
export const acos = (x: Tensor) => unary('acos', x);
/** `torch.atan(x)`: the arctangent, elementwise. */
export const atan = (x: Tensor) => unary('atan', x);
/** `torch.sinh(x)`: the hyperbolic sine, elementwise. */
export const sinh = (x: Tensor) => unary('sinh', x);
/** `torch.cosh(x)`: the hyperbolic cosine, elementwise. */
export const cosh = (x: Tensor) => unary('cosh', x);
/** `torch.tanh(x)`: the hyperbolic tangent, elementwise. */
export const tanh = (x: Tensor) => unary('tanh', x);
/** `torch.asinh(x)`: the inverse hyperbolic sine, elementwise. */
export const asinh = (x: Tensor) => unary('asinh', x);
/** `torch.acosh(x)`: the inverse hyperbolic cosine, elementwise. */
export const acosh = (x: Tensor) => unary('acosh', x);
/** `torch.atanh(x)`: the inverse hyperbolic tangent, elementwise. */
export const atanh = (x: Tensor) => unary('atanh', x);
/** `torch.sigmoid(x)`: 1 / (1 + e^-x), elementwise. */
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
/** `torch.relu(x)`: max(x, 0), elementwise. */
export const relu = (x: Tensor) => unary('relu', x);
/** `torch.erf(x)`: the error function, elementwise. */
export const erf = (x: Tensor) => unary('erf', x);
/** `torch.erfc(x)`: 1 - erf(x), elementwise. */
export const erfc = (x: Tensor) => unary('erfc', x);
/** `torch.erfinv(x)`: the inverse error function, elementwise. */
export const erfinv = (x: Tensor) => unary('erfinv', x);
/** `torch.floor(x)`: rounds down, elementwise. */
export const floor = (x: Tensor) => unary('floor', x);
/** `torch.ceil(x)`: rounds up, elementwise. */
export const ceil = (x: Tensor) => unary('ceil', x);
/** `torch.trunc(x)`: rounds toward zero, elementwise. */
export const trunc = (x: Tensor) => unary('trunc', x);
/** `torch.reciprocal(x)`: 1 / x, elementwise. */
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
/** `torch.logical_not(x)`: not x, as bool, elementwise. */
export const logicalNot = (x: Tensor) => unary('logicalNot', x);
/** `torch.isnan(x)`: true where x is NaN, elementwise. */
export const isnan = (x: Tensor) => unary('isnan', x);
/** `torch.isinf(x)`: true where x is +-Infinity, elementwise. */
export const isinf = (x: Tensor) => unary('isinf', x);
/** `torch.isfinite(x)`: true where x is neither NaN nor infinite, elementwise. */
export const isfinite = (x: Tensor) => unary('isfinite', x);
// On bool, ~ is logical not (a bitwise ~ of the 0/1 byte would give 254/255).
/** `torch.bitwise_not(x)`: ~x for integers (logical not for bool), elementwise. */
export const bitwiseNot = (x: Tensor) => unary(x.dtype === 'bool' ? 'logicalNot' : 'bitwiseNot', x);

/** torch.round, optionally to a number of decimals (round half to even). */
export function round(x: Tensor, options: { decimals?: number } = {}): Tensor {
  const decimals = options.decimals ?? 0;
  if (decimals === 0) return unary('round', x);
  if (!isFloatingPoint(x.dtype)) throw new TypeError(`"round_cpu" not implemented for '${scalarTypeName[x.dtype]}'`);
  const scale = 10 ** decimals;
  return unary('round', x.mul(scale)).div(scale);
}

/** `torch.square(x)`: x * x, elementwise. */
export const square = (x: Tensor) => mul(x, x);
/** `torch.frac(x)`: x - trunc(x), elementwise. */
export const frac = (x: Tensor) => {
  if (!isFloatingPoint(x.dtype)) throw new TypeError(`"frac_cpu" not implemented for '${scalarTypeName[x.dtype]}'`);
  return sub(x, trunc(x));
};

// ---------------------------------------------------------------------------- binary

type BinaryOut = 'promote' | 'float' | 'bool';
type BinaryGrad = (a: Tensor, b: Tensor, y: Tensor, g: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null];

/** Where the gradient of maximum/minimum goes: all to the winner, half each on ties (PyTorch). */
function tieSplit(win: Tensor, tie: Tensor, g: Tensor): Tensor {
  return g.mul(win.to(g.dtype).add(tie.to(g.dtype).mul(0.5)));
}

/**
 * What a rule reads: `a`, `b` (the operands that the gradient of a and of b read, saved only when that
 * operand needs a gradient, as PyTorch's generated nodes do: MulBackward0 keeps self only when other
 * requires grad) and `y` (the output, kept whenever the exponent is a tensor: PowBackward1/2 save their
 * result, PowBackward0 none).
 */
type BinarySaves = { a: '' | 'a' | 'b' | 'ab'; b: '' | 'a' | 'b' | 'ab'; y?: true };
const NOTHING: BinarySaves = { a: '', b: '' };

const binarySpecs: Record<BinaryOp, { out: BinaryOut; grad: BinaryGrad | 'zero' | null; saves: BinarySaves }> = {
  add: { out: 'promote', grad: (_a, _b, _y, g) => [g, g], saves: NOTHING },
  sub: { out: 'promote', grad: (_a, _b, _y, g, n) => [g, n[1] ? g.neg() : null], saves: NOTHING },
  mul: { out: 'promote', grad: (a, b, _y, g, n) => [n[0] ? g.mul(b) : null, n[1] ? g.mul(a) : null], saves: { a: 'b', b: 'a' } },
  div: {
    out: 'float',
    grad: (a, b, _y, g, n) => [n[0] ? g.div(b) : null, n[1] ? g.neg().mul(a).div(b.square()) : null],
    saves: { a: 'b', b: 'ab' },
  },
  pow: {
    out: 'promote',
    grad: (a, b, y, g, n) => [
      // d/da a^b = b a^(b-1); PyTorch masks b == 0 to a zero gradient (0 * inf would be nan).
      n[0] ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null,
      // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0.
      n[1] ? where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(y).mul(a.log())) : null,
    ],
    saves: { a: 'ab', b: 'ab', y: true },
  },
  maximum: {
    out: 'promote',
    grad: (a, b, _y, g, n) => [n[0] ? tieSplit(a.gt(b), a.eq(b), g) : null, n[1] ? tieSplit(b.gt(a), a.eq(b), g) : null],
    saves: { a: 'ab', b: 'ab' },
  },
  minimum: {
    out: 'promote',
    grad: (a, b, _y, g, n) => [n[0] ? tieSplit(a.lt(b), a.eq(b), g) : null, n[1] ? tieSplit(b.lt(a), a.eq(b), g) : null],
    saves: { a: 'ab', b: 'ab' },
  },
  atan2: {
    out: 'float',
    grad: (a, b, _y, g, n) => {
      const denom = a.square().add(b.square());
      return [n[0] ? g.mul(b).div(denom) : null, n[1] ? g.mul(a.neg()).div(denom) : null];
    },
    saves: { a: 'ab', b: 'ab' },
  },
  // remainder(a, b) = a - floor(a / b) * b: d/da = 1, d/db = -floor(a / b).
  remainder: { out: 'promote', grad: (a, b, _y, g, n) => [g, n[1] ? g.mul(a.div(b).floor()).neg() : null], saves: { a: '', b: 'ab' } },
  fmod: { out: 'promote', grad: (a, b, _y, g, n) => [g, n[1] ? g.mul(a.div(b).trunc()).neg() : null], saves: { a: '', b: 'ab' } },
  floorDivide: { out: 'promote', grad: 'zero', saves: NOTHING },
  eq: { out: 'bool', grad: null, saves: NOTHING },
  ne: { out: 'bool', grad: null, saves: NOTHING },
  lt: { out: 'bool', grad: null, saves: NOTHING },
  le: { out: 'bool', grad: null, saves: NOTHING },
  gt: { out: 'bool', grad: null, saves: NOTHING },
  ge: { out: 'bool', grad: null, saves: NOTHING },
  logicalAnd: { out: 'bool', grad: null, saves: NOTHING },
  logicalOr: { out: 'bool', grad: null, saves: NOTHING },
  logicalXor: { out: 'bool', grad: null, saves: NOTHING },
};

function operandOf(v: TensorOrScalar): Operand {
  if (v instanceof Tensor) return { dtype: v.dtype, kind: v.ndim === 0 ? 'zerodim' : 'tensor' };
  return { dtype: scalarDtype(v), kind: 'scalar' };
}

/** Promote the operands of an elementwise op and turn scalars into tensors of that dtype. */
export function promoteOperands(args: readonly TensorOrScalar[], out: BinaryOut = 'promote'): { tensors: Tensor[]; dtype: DType } {
  let dtype = resultType(args.map(operandOf));
  if (out === 'float' && !isFloatingPoint(dtype)) dtype = getDefaultDtype();
  const tensors = args.map((v) => (v instanceof Tensor ? (v.dtype === dtype ? v : cast(v, dtype, false)) : scalarTensor(Number(v), dtype)));
  return { tensors, dtype };
}

/** A view of t's data strided to `shape` (0 strides on broadcast dims), for kernels. */
export function broadcastView(t: Tensor, shape: Shape) {
  return { ...t._view(), shape, strides: broadcastStrides(t.shape, t._strides, shape) };
}

/**
 * The ops that also take a Number operand: PyTorch refuses a bad operand of theirs by listing
 * their overloads (the others have one signature and name the argument instead).
 */
const TENSOR_OR_NUMBER = ['(Tensor input, Tensor other, *, Tensor out)', '(Tensor input, Number other, *, Tensor out)'];
const OVERLOADS: Partial<Record<string, readonly string[]>> = {
  pow: ['(Tensor input, Tensor exponent, *, Tensor out)', '(Number self, Tensor exponent, *, Tensor out)', '(Tensor input, Number exponent, *, Tensor out)'],
  remainder: ['(Tensor input, Tensor other, *, Tensor out)', '(Number self, Tensor other)', '(Tensor input, Number other, *, Tensor out)'],
  floor_divide: ['(Tensor input, Tensor other, *, Tensor out)', '(Tensor input, Number other)'],
  ...Object.fromEntries(['fmod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'].map((op) => [op, TENSOR_OR_NUMBER])),
  where: ['(Tensor condition)', '(Tensor condition, Tensor input, Tensor other, *, Tensor out)', '(Tensor condition, Number self, Tensor other)', '(Tensor condition, Tensor input, Number other)', '(Tensor condition, Number self, Number other)'],
  clamp: ['(Tensor input, Tensor min, Tensor max, *, Tensor out)', '(Tensor input, Number min, Number max, *, Tensor out)'],
  lerp: ['(Tensor input, Tensor end, Tensor weight, *, Tensor out)', '(Tensor input, Tensor end, Number weight, *, Tensor out)'],
  masked_fill: ['(Tensor mask, Tensor value)', '(Tensor mask, Number value)'],
  fill_: ['(Tensor value)', '(Number value)'],
};

const isOperand = (v: unknown) => v instanceof Tensor || typeof v === 'number' || typeof v === 'boolean';

/**
 * PyTorch's TypeError for an operand that is neither a tensor nor a number (null, undefined, a
 * string, an array), which would otherwise become NaN or 0. `op` is PyTorch's name
 * (floor_divide), `values` its arguments as PyTorch counts them (a method's self left out),
 * `names` theirs for the ops with one signature, and `noneAllowed` for optional ones (clamp's).
 */
export function checkOperands(op: string, values: readonly unknown[], names: readonly string[] = ['input', 'other'], noneAllowed = false): void {
  const bad = values.findIndex((v) => !isOperand(v) && !(noneAllowed && v == null));
  if (bad < 0) return;
  const overloads = OVERLOADS[op];
  if (overloads) {
    const got = values.map((v) => (v instanceof Tensor ? 'Tensor' : pyTypeName(v))).join(', ');
    throw new TypeError(`${op}() received an invalid combination of arguments - got (${got}), but expected one of:\n${overloads.map((o) => ` * ${o}\n`).join('')}`);
  }
  throw new TypeError(`${op}(): argument '${names[bad]}' (position ${bad + 1}) must be Tensor, not ${pyTypeName(values[bad])}`);
}

/** checkOperands for a binary op's two operands, building no list where both are fine (every add of a step). */
export function checkOperandPair(op: string, a: unknown, b: unknown): void {
  if (!isOperand(a) || !isOperand(b)) checkOperands(op, [a, b]);
}

/** PyTorch's name of a binary op: floorDivide -> floor_divide. */
const torchName = (op: BinaryOp) => op.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function binary(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar, name?: string): Tensor {
  const spec = binarySpecs[op];
  let ta: Tensor;
  let tb: Tensor;
  let compute: DType;
  // The common cases skip the general promotion (it allocates): two tensors of one dtype, or a
  // float tensor and a number (the tensor's dtype wins, as result_type says).
  if (a instanceof Tensor && (spec.out !== 'float' || isFloatingPoint(a.dtype)) && (b instanceof Tensor ? b.dtype === a.dtype : typeof b === 'number' && isFloatingPoint(a.dtype))) {
    compute = a.dtype;
    ta = a;
    tb = b instanceof Tensor ? b : scalarTensor(b as number, compute);
  } else {
    checkOperandPair(torchName(op), a, b);
    const promoted = promoteOperands([a, b], spec.out === 'float' ? 'float' : 'promote');
    [ta, tb] = promoted.tensors;
    compute = promoted.dtype;
  }
  const same = shapesEqual(ta.shape, tb.shape);
  const shape = same ? ta.shape : broadcastShapes(ta.shape, tb.shape);
  const dtype = spec.out === 'bool' ? 'bool' : compute;
  const backend = elementwiseBackendOf(ta, tb);
  const va = same ? ta._view() : broadcastView(ta, shape);
  const vb = same ? tb._view() : broadcastView(tb, shape);
  const y = wrap(backend.binary(op, va, vb, shape, dtype), shape, dtype, backend);
  const grad = spec.grad;
  if (grad === null) return y;
  // The rule holds only what it reads for the gradients asked for (and shapes), so the rest can be
  // freed, and changed in place, as in PyTorch.
  const reads = (ta.requiresGrad ? spec.saves.a : '') + (tb.requiresGrad ? spec.saves.b : '');
  const [sa, sb, sy] = [reads.includes('a') ? ta : null, reads.includes('b') ? tb : null, spec.saves.y && b instanceof Tensor ? y : null];
  const saved = [sa, sb, sy].filter((t) => t !== null);
  const [aShape, bShape, aDtype, bDtype] = [ta.shape, tb.shape, ta.dtype, tb.dtype];
  // pow's number operand is no input of its node (PyTorch's Scalar overloads, PowBackward0 and 2,
  // have one edge); the other ops wrap a number as a tensor, which keeps its (empty) edge.
  const numberA = op === 'pow' && !(a instanceof Tensor);
  const numberB = op === 'pow' && !(b instanceof Tensor);
  const inputs = numberA ? [tb] : numberB ? [ta] : [ta, tb];
  return record(name ?? backwardName(op), y, inputs, saved, (g, given) => {
    const needs = numberA ? [false, given[0]] : numberB ? [given[0], false] : given;
    let ga: Tensor | null;
    let gb: Tensor | null;
    if (grad === 'zero') {
      [ga, gb] = [zeros(aShape, { dtype: aDtype, device: g.device }), zeros(bShape, { dtype: bDtype, device: g.device })];
    } else {
      const [da, db] = grad(sa!, sb!, sy!, g, needs);
      [ga, gb] = [da && sumToShape(da, aShape), db && sumToShape(db, bShape)];
    }
    return numberA ? [gb] : numberB ? [ga] : [ga, gb];
  });
}

/** `torch.add(a, b, alpha=1)`: a + alpha * b, broadcast, with PyTorch's type promotion. `a.add(b)` is the method form. */
export function add(a: TensorOrScalar, b: TensorOrScalar, options: { alpha?: number } = {}): Tensor {
  checkOperandPair('add', a, b);
  const alpha = options.alpha ?? 1;
  return binary('add', a, alpha === 1 ? b : mul(b, alpha));
}
/** `torch.sub(a, b, alpha=1)`: a - alpha * b, broadcast. */
export function sub(a: TensorOrScalar, b: TensorOrScalar, options: { alpha?: number } = {}): Tensor {
  checkOperandPair('sub', a, b);
  if ((a instanceof Tensor && a.dtype === 'bool') || (b instanceof Tensor && b.dtype === 'bool')) {
    throw new TypeError('Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
  }
  const alpha = options.alpha ?? 1;
  return binary('sub', a, alpha === 1 ? b : mul(b, alpha));
}
/** `torch.mul(a, b)`: a * b, broadcast. */
export const mul = (a: TensorOrScalar, b: TensorOrScalar) => binary('mul', a, b);
/** torch.div: true division, or rounded with roundingMode 'trunc' / 'floor' (keeping integer dtypes). */
export function div(a: TensorOrScalar, b: TensorOrScalar, options: { roundingMode?: 'trunc' | 'floor' | null } = {}): Tensor {
  const mode = options.roundingMode ?? null;
  if (mode === null) return binary('div', a, b);
  checkOperandPair('div', a, b);
  // PyTorch names both rounding modes' node DivBackward2 (div.Tensor_mode).
  if (mode === 'floor') return binary('floorDivide', a, b, 'DivBackward2');
  const { tensors, dtype } = promoteOperands([a, b]);
  const q = binary('div', tensors[0], tensors[1]).trunc();
  return isFloatingPoint(dtype) ? q : cast(q, dtype, false);
}
/** `torch.pow(a, b)`: a to the power b, broadcast. */
export const pow = (a: TensorOrScalar, b: TensorOrScalar) => {
  if (a instanceof Tensor && isIntegral(a.dtype) && typeof b === 'number' && Number.isInteger(b) && b < 0) {
    throw new RangeError('Integers to negative integer powers are not allowed.');
  }
  // PyTorch names the node by overload: pow(Tensor, Scalar) is PowBackward0, pow(Tensor, Tensor)
  // PowBackward1, pow(Scalar, Tensor) PowBackward2.
  return binary('pow', a, b, !(a instanceof Tensor) ? 'PowBackward2' : b instanceof Tensor ? 'PowBackward1' : 'PowBackward0');
};
/** `torch.maximum(a, b)`: the larger of a and b, elementwise (NaN propagates). */
export const maximum = (a: TensorOrScalar, b: TensorOrScalar) => binary('maximum', a, b);
/** `torch.minimum(a, b)`: the smaller of a and b, elementwise (NaN propagates). */
export const minimum = (a: TensorOrScalar, b: TensorOrScalar) => binary('minimum', a, b);
/** `torch.atan2(a, b)`: the angle of the point (b, a), elementwise. */
export const atan2 = (a: TensorOrScalar, b: TensorOrScalar) => binary('atan2', a, b);
/** PyTorch's node name for an op with a Scalar (Backward0) and a Tensor (Backward1) overload of `other`. */
const overloadName = (op: string, other: TensorOrScalar) => `${op}Backward${other instanceof Tensor ? 1 : 0}`;
/** `torch.remainder(a, b)`: a mod b with the sign of b (Python's %). */
export const remainder = (a: TensorOrScalar, b: TensorOrScalar) => binary('remainder', a, b, overloadName('Remainder', b));
/** `torch.fmod(a, b)`: a mod b with the sign of a (C's fmod). */
export const fmod = (a: TensorOrScalar, b: TensorOrScalar) => binary('fmod', a, b, overloadName('Fmod', b));
/** `torch.floor_divide(a, b)`: floor(a / b), elementwise. */
export const floorDivide = (a: TensorOrScalar, b: TensorOrScalar) => binary('floorDivide', a, b);
/** `torch.eq(a, b)`: a == b, elementwise, as bool. */
export const eq = (a: TensorOrScalar, b: TensorOrScalar) => binary('eq', a, b);
/** `torch.ne(a, b)`: a != b, elementwise, as bool. */
export const ne = (a: TensorOrScalar, b: TensorOrScalar) => binary('ne', a, b);
/** `torch.lt(a, b)`: a < b, elementwise, as bool. */
export const lt = (a: TensorOrScalar, b: TensorOrScalar) => binary('lt', a, b);
/** `torch.le(a, b)`: a <= b, elementwise, as bool. */
export const le = (a: TensorOrScalar, b: TensorOrScalar) => binary('le', a, b);
/** `torch.gt(a, b)`: a > b, elementwise, as bool. */
export const gt = (a: TensorOrScalar, b: TensorOrScalar) => binary('gt', a, b);
/** `torch.ge(a, b)`: a >= b, elementwise, as bool. */
export const ge = (a: TensorOrScalar, b: TensorOrScalar) => binary('ge', a, b);
/** `torch.logical_and(a, b)`: a and b (non-zero is true), as bool. */
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar) => binary('logicalAnd', a, b);
/** `torch.logical_or(a, b)`: a or b (non-zero is true), as bool. */
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar) => binary('logicalOr', a, b);
/** `torch.logical_xor(a, b)`: exactly one of a and b non-zero, as bool. */
export const logicalXor = (a: TensorOrScalar, b: TensorOrScalar) => binary('logicalXor', a, b);

// ---------------------------------------------------------------------------- where and composites

/** torch.where(condition, x, y): elementwise choice, broadcasting all three. */
export function where(condition: Tensor, x: TensorOrScalar, y: TensorOrScalar): Tensor {
  checkOperands('where', [condition, x, y]);
  if (condition.dtype !== 'bool') {
    throw new TypeError(`where expected condition to be a boolean tensor, but got a tensor with dtype ${scalarTypeName[condition.dtype]}`);
  }
  const { tensors, dtype } = promoteOperands([x, y]);
  const [tx, ty] = tensors;
  const shape = broadcastShapes(condition.shape, tx.shape, ty.shape);
  const backend = elementwiseBackendOf(condition, tx, ty);
  const out = wrap(
    backend.where(broadcastView(condition, shape), broadcastView(tx, shape), broadcastView(ty, shape), shape, dtype),
    shape,
    dtype,
    backend,
  );
  const [xs, ys] = [tx.shape, ty.shape]; // shapes only: the rule keeps just the condition
  return record('WhereBackward0', out, [tx, ty], [condition], (g, needs) => [
    needs[0] ? sumToShape(where(condition, g, 0), xs) : null,
    needs[1] ? sumToShape(where(condition, 0, g), ys) : null,
  ]);
}

/**
 * torch.clamp: the gradient passes where min <= x <= max, as in PyTorch. The result type
 * promotes with the bounds, scalars included (clamp(int64, min=-1.5) is float32, as in 1.13).
 */
export function clamp(x: Tensor, min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor {
  checkOperands('clamp', [x, min, max].slice(0, max !== undefined ? 3 : min !== undefined ? 2 : 1), [], true);
  if (min == null && max == null) throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  const bounds = (t: Tensor, lo: TensorOrScalar | null | undefined, hi: TensorOrScalar | null | undefined) => {
    let out = t;
    if (lo != null) out = where(out.lt(lo), lo, out);
    if (hi != null) out = where(out.gt(hi), hi, out);
    return out;
  };
  // One node, as PyTorch: ClampBackward1 for number bounds, ClampBackward0 for tensor ones. The
  // gradient passes where min <= x <= max (not at NaN); a tensor bound takes it where it clamped.
  const inside = (lo: TensorOrScalar | null | undefined, hi: TensorOrScalar | null | undefined) => {
    const above = lo == null ? null : x.ge(lo);
    const below = hi == null ? null : x.le(hi);
    return above && below ? above.logicalAnd(below) : (above ?? below)!;
  };
  if (!(min instanceof Tensor) && !(max instanceof Tensor)) {
    return asOneNode('ClampBackward1', [x], [x], (t) => bounds(t, min, max), (g) => [where(inside(min, max), g, 0)]);
  }
  const tensors = [x, ...[min, max].filter((t): t is Tensor => t instanceof Tensor)];
  const [lo, hi] = [min instanceof Tensor ? min : null, max instanceof Tensor ? max : null];
  const [xs, ls, hs] = [x.shape, lo?.shape, hi?.shape];
  return asOneNode('ClampBackward0', tensors, tensors, (t, ...b) => bounds(t, lo ? b[0] : min, hi ? b[lo ? 1 : 0] : max), (g) => {
    const grads: (Tensor | null)[] = [sumToShape(where(inside(min, max), g, 0), xs)];
    // A bound's gradient: where it was the value; where min > max, max is (PyTorch's clamp_backward_min_max).
    if (lo) grads.push(sumToShape(where(max == null ? x.lt(lo) : x.lt(lo).logicalAnd(lo.lt(max)), g, 0), ls!));
    if (hi) grads.push(sumToShape(where(min == null ? x.gt(hi) : x.gt(hi).logicalOr(hi.lt(min)), g, 0), hs!));
    return grads;
  });
}

/**
 * F.hardtanh as one primitive (PyTorch's HardtanhBackward0): clamp's values, but the gradient is 0
 * at and beyond the bounds (x <= min or x >= max) where clamp's passes it; NaN passes it.
 */
export function hardtanh(x: Tensor, minVal: number, maxVal: number): Tensor {
  const y = clamp(x.detach(), minVal, maxVal);
  return record('HardtanhBackward0', y, [x], [x], (g) => [where(x.le(minVal).logicalOr(x.ge(maxVal)), 0, g)]);
}

/** torch.lerp: start + weight * (end - start). */
export function lerp(start: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
  checkOperands('lerp', [start, end, weight]);
  return add(start, mul(sub(end, start), weight));
}
const ADDC_NAMES = ['input', 'tensor1', 'tensor2'];
/** `torch.addcmul(x, t1, t2, value=1)`: x + value * t1 * t2. */
export function addcmul(x: Tensor, t1: Tensor, t2: Tensor, options: { value?: number } = {}): Tensor {
  checkOperands('addcmul', [x, t1, t2], ADDC_NAMES);
  return add(x, mul(t1, t2), { alpha: options.value ?? 1 });
}
/** `torch.addcdiv(x, t1, t2, value=1)`: x + value * t1 / t2. */
export function addcdiv(x: Tensor, t1: Tensor, t2: Tensor, options: { value?: number } = {}): Tensor {
  checkOperands('addcdiv', [x, t1, t2], ADDC_NAMES);
  return add(x, div(t1, t2), { alpha: options.value ?? 1 });
}
