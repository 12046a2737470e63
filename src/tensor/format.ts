// Tensor printing, a line-by-line port of PyTorch 1.13's torch/_tensor_str.py: `formatTensor`
// returns exactly what `repr(t)` prints. It works on plain row-major values, so it needs no
// Tensor class; the only state it reads is the print options and the default dtype.

import { getDefaultDtype } from './dtype.js';

/** torch._tensor_str.PRINT_OPTS. `threshold` may be Infinity (the 'full' profile). */
export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sciMode: boolean | null;
}

type Profile = 'default' | 'short' | 'full';

const profiles: Record<Profile, Omit<PrintOptions, 'sciMode'>> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

/** The current print options (`torch.set_printoptions` sets them): precision, threshold, edgeitems, linewidth, sciMode. */
export const printOptions: PrintOptions = { ...profiles.default, sciMode: null };

/** torch.set_printoptions: a profile first, then explicit options on top of it. */
export function setPrintOptions(opts: Partial<PrintOptions> & { profile?: Profile }): void {
  if (opts.profile !== undefined) Object.assign(printOptions, profiles[opts.profile]);
  if (opts.precision !== undefined) printOptions.precision = opts.precision;
  if (opts.threshold !== undefined) printOptions.threshold = opts.threshold;
  if (opts.edgeitems !== undefined) printOptions.edgeitems = opts.edgeitems;
  if (opts.linewidth !== undefined) printOptions.linewidth = opts.linewidth;
  // PyTorch assigns sci_mode unconditionally, so any call without it goes back to automatic.
  printOptions.sciMode = opts.sciMode ?? null;
}

export interface FormatInput {
  /** Row-major contiguous values; bool as 0/1. */
  values: ArrayLike<number>;
  shape: readonly number[];
  dtype: 'float32' | 'float64' | 'int32' | 'int64' | 'bool' | 'float16' | 'bfloat16';
  requiresGrad?: boolean;
  /** Name of the node that made the tensor, e.g. 'AddBackward0'; shown instead of requires_grad. */
  gradFn?: string | null;
  /** 'cpu' (the default device) is not printed, as in PyTorch. */
  device?: string;
}

type FormatDtype = FormatInput['dtype'];

/** What `repr(t)` prints in PyTorch, e.g. "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)". */
export function formatTensor(t: FormatInput): string {
  // _str_intern: the prefix length is the indent of every continuation line.
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  if (t.device !== undefined && t.device !== 'cpu') suffixes.push(`device='${t.device}'`);

  let body: string;
  if (t.shape.reduce((a, b) => a * b, 1) === 0) {
    // Empty tensors show their shape unless 1-D (as NumPy does), and any non-default dtype:
    // with no elements there is nothing to tell int64 or bool apart, so those show too.
    if (t.shape.length !== 1) suffixes.push(`size=(${t.shape.join(', ')})`);
    if (t.dtype !== getDefaultDtype()) suffixes.push(`dtype=torch.${t.dtype}`);
    body = '[]';
  } else {
    if (!hasDefaultDtype(t.dtype)) suffixes.push(`dtype=torch.${t.dtype}`);
    body = tensorStr(t, indent);
  }

  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + body, suffixes, indent);
}

/** has_default_dtype in _str_intern: the default float, int64 and bool print no dtype. */
function hasDefaultDtype(dtype: FormatDtype): boolean {
  return dtype === getDefaultDtype() || dtype === 'int64' || dtype === 'bool';
}

function isFloating(dtype: FormatDtype): boolean {
  return dtype !== 'int32' && dtype !== 'int64' && dtype !== 'bool';
}

/** _add_suffixes: a suffix moves to its own line when it would pass the line width. */
function addSuffixes(tensorStr: string, suffixes: readonly string[], indent: number): string {
  const parts = [tensorStr];
  // Mirrors `len(s) - s.rfind("\n") + 1`, off-by-two included.
  let lastLineLen = tensorStr.length - tensorStr.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > printOptions.linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** _tensor_str and _tensor_str_with_formatter for a non-empty tensor. */
function tensorStr(t: FormatInput, indent: number): string {
  const { shape, dtype } = t;
  const { edgeitems } = printOptions;
  const numel = shape.reduce((a, b) => a * b, 1);
  const summarize = numel > printOptions.threshold;
  // float32 (and half types, which PyTorch widens to float32 before printing) are read as the
  // float64 of their float32 value, which is what Python's float() sees.
  const narrow = dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
  const at = (i: number): number => (narrow ? Math.fround(t.values[i]) : t.values[i]);

  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; s *= shape[d], d--) strides[d] = s;

  // The indices along one dim that are printed: all, or the edge items around a '...'.
  const kept = (n: number): { head: number[]; tail: number[] } => {
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    if (summarize && n > 2 * edgeitems) return { head: range(0, edgeitems), tail: range(n - edgeitems, n) };
    return { head: range(0, n), tail: [] };
  };

  // get_summarized_data: the formatter only measures the elements that will be printed.
  const shown: number[] = [];
  const collect = (offset: number, d: number): void => {
    if (d === shape.length) {
      shown.push(at(offset));
      return;
    }
    const { head, tail } = kept(shape[d]);
    for (const i of [...head, ...tail]) collect(offset + i * strides[d], d + 1);
  };
  collect(0, 0);
  const fmt = isFloating(dtype) ? floatFormatter(shown) : intFormatter(shown, dtype === 'bool');

  const render = (offset: number, d: number, ind: number): string => {
    const dims = shape.length - d;
    if (dims === 0) return fmt.format(at(offset)); // _scalar_str
    const { head, tail } = kept(shape[d]);
    const items = (idx: number[]) => idx.map((i) => offset + i * strides[d]);
    if (dims === 1) {
      // _vector_str: as many elements per line as fit, with the ', ' counted in each.
      const perLine = Math.max(1, Math.floor((printOptions.linewidth - ind) / (fmt.width + 2)));
      const data = items(head).map((o) => fmt.format(at(o)));
      if (tail.length > 0) data.push(' ...', ...items(tail).map((o) => fmt.format(at(o))));
      const lines: string[] = [];
      for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(ind + 1)) + ']';
    }
    const slices = items(head).map((o) => render(o, d + 1, ind + 1));
    if (tail.length > 0) slices.push('...', ...items(tail).map((o) => render(o, d + 1, ind + 1)));
    // One blank line between 3-D blocks, two between 4-D blocks, and so on.
    return '[' + slices.join(',' + '\n'.repeat(dims - 1) + ' '.repeat(ind + 1)) + ']';
  };
  return render(0, 0, indent);
}

interface Formatter {
  width: number;
  format(value: number): string;
}

const padStart = (s: string, width: number): string => s.padStart(width, ' ');

/** _Formatter for integer and bool tensors: `'{}'.format(v)`, right-aligned to the widest. */
function intFormatter(values: readonly number[], isBool: boolean): Formatter {
  const str = (v: number): string => (isBool ? (v ? 'True' : 'False') : String(v));
  const width = values.reduce((w, v) => Math.max(w, str(v).length), 1);
  return { width, format: (v) => padStart(str(v), width) };
}

/**
 * _Formatter for floating tensors. Only nonzero finite values choose the mode and the width:
 * int_mode when they are all integral ('1.'), sci_mode when their range is too wide
 * (max/min > 1000, max > 1e8, or min < 1e-4 outside int_mode), plain '{:.Nf}' otherwise.
 */
function floatFormatter(values: readonly number[]): Formatter {
  const { precision } = printOptions;
  const nonzeroFinite = values.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true;
  let sciMode = false;
  let width = 1;
  // With no such value PyTorch returns before applying PRINT_OPTS.sci_mode.
  if (nonzeroFinite.length > 0) {
    const min = nonzeroFinite.reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
    const max = nonzeroFinite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    intMode = nonzeroFinite.every((v) => v === Math.ceil(v));
    const measure = (str: (v: number) => string, extra = 0) =>
      nonzeroFinite.reduce((w, v) => Math.max(w, str(v).length + extra), width);
    if (max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4)) {
      sciMode = true;
      width = measure((v) => pyExponential(v, precision));
    } else if (intMode) {
      // The '+ 1' makes room for the '.' that marks a float.
      width = measure((v) => pyFixed(v, 0), 1);
    } else {
      width = measure((v) => pyFixed(v, precision));
    }
    if (printOptions.sciMode !== null) sciMode = printOptions.sciMode;
  }
  const format = (v: number): string => {
    if (sciMode) return padStart(pyExponential(v, precision), width);
    if (intMode) return padStart(pyFixed(v, 0) + (Number.isFinite(v) ? '.' : ''), width);
    return padStart(pyFixed(v, precision), width);
  };
  return { width, format };
}

// Python's float formatting. Python rounds the exact binary value half-to-even, while JavaScript's
// toFixed/toExponential round exact ties away from zero (0.125.toFixed(2) is '0.13', Python says
// '0.12'), toFixed switches to exponent form at 1e21, and toExponential writes 'e+5' where Python
// writes 'e+05'. So both are done here in exact BigInt arithmetic.

/** Python's text for nan and the infinities ('-nan' does not exist in Python). */
function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/** '-' for negative numbers and negative zero, as C's printf (and so Python) writes them. */
function sign(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** |x| as the exact fraction num / den, den a power of two. */
function exactRational(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  // Subnormals have no implicit leading 1 and the smallest exponent.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  return exp2 >= 0 ? { num: mantissa << BigInt(exp2), den: 1n } : { num: mantissa, den: 1n << BigInt(-exp2) };
}

/** num / den rounded to the nearest integer, ties to even. */
function divRoundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num % den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

const pow10 = (k: number): bigint => 10n ** BigInt(k);

/** Python's '{:.<digits>f}'.format(x). */
function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const { num, den } = exactRational(x);
  const s = divRoundHalfEven(num * pow10(digits), den).toString().padStart(digits + 1, '0');
  return sign(x) + (digits > 0 ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s);
}

/** Python's '{:.<digits>e}'.format(x): at least two exponent digits, e.g. '1.0000e+05'. */
function pyExponential(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  let mantissa = 0n;
  let exp10 = 0;
  if (x !== 0) {
    const { num, den } = exactRational(x);
    // |x| >= 10^k, exactly.
    const atLeast = (k: number) => (k >= 0 ? num >= den * pow10(k) : num * pow10(-k) >= den);
    // log10 gives the decimal exponent up to an off-by-one near powers of ten; settle it exactly.
    exp10 = Math.floor(Math.log10(Math.abs(x)));
    while (!atLeast(exp10)) exp10--;
    while (atLeast(exp10 + 1)) exp10++;
    const shift = digits - exp10;
    mantissa = shift >= 0 ? divRoundHalfEven(num * pow10(shift), den) : divRoundHalfEven(num, den * pow10(-shift));
    // Rounding up to 10.000 carries into the exponent.
    if (mantissa === pow10(digits + 1)) {
      mantissa /= 10n;
      exp10++;
    }
  }
  const m = mantissa.toString().padStart(digits + 1, '0');
  const exponent = `${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
  return `${sign(x)}${digits > 0 ? `${m[0]}.${m.slice(1)}` : m}e${exponent}`;
}
