// Reductions (Backend.reduce: sum/prod/amax/amin over sorted dims; Backend.argReduce) as fixed-order
// trees, so every run gives the same bits:
//  - short reductions (<= 64 elements): one thread per output, in the reference's order;
//  - otherwise one workgroup per output (64 threads, 256 from 4096 elements): thread t folds
//    elements t, t + W, ... in order, then a pairwise tree in workgroup memory;
//  - few outputs over many elements: two passes, each output split into up to 256 chunks whose
//    results (a temporary) the second pass reduces as above.

import type { ArgReduceOp, ReduceOp } from '../../backend.js';
import type { DType } from '../../../tensor/dtype.js';
import { numel } from '../../../tensor/shape.js';
import type { GpuProgram, ViewMeta } from '../program.js';
import {
  foldGrid, input, makeProgram, output, storageType, stridedOffsets, temp, Uniforms, type GpuPlan, type WgslScalar,
} from './builder.js';

/** Reductions this long or longer, with few outputs, take two passes. */
const TWO_STAGE_MIN = 16384;
const CHUNK = 4096;

function threadsFor(size: number): number {
  return size >= 4096 ? 256 : 64;
}

/** WGSL for combining two partial results of `op` (NaN-propagating max/min for floats, as the reference). */
export function combineFn(op: ReduceOp, T: WgslScalar): string {
  const body = (() => {
    switch (op) {
      case 'sum':
        return 'return a + b;';
      case 'prod':
        return 'return a * b;';
      case 'amax':
        return T === 'f32' ? 'if (isNan(a) || isNan(b)) { return nanF32(); } return select(a, b, b > a);' : 'return max(a, b);';
      case 'amin':
        return T === 'f32' ? 'if (isNan(a) || isNan(b)) { return nanF32(); } return select(a, b, b < a);' : 'return min(a, b);';
      default:
        return op satisfies never;
    }
  })();
  return `fn combine(a: ${T}, b: ${T}) -> ${T} { ${body} }`;
}

export function identity(op: ReduceOp, T: WgslScalar): string {
  switch (op) {
    case 'sum':
      return `${T}(0)`;
    case 'prod':
      return `${T}(1)`;
    case 'amax':
      return T === 'f32' ? '-infF32()' : 'bitcast<i32>(0x80000000u)';
    case 'amin':
      return T === 'f32' ? 'infF32()' : 'bitcast<i32>(0x7fffffffu)';
    default:
      return op satisfies never;
  }
}

/** The accumulator type: float outputs accumulate in f32, integer and bool outputs in i32. */
export function accType(dtype: DType): 'f32' | 'i32' {
  return storageType(dtype) === 'f32' ? 'f32' : 'i32';
}

/** How output element g of a reduction finds its slice: kept dims' offsets, then the reduced dims. */
interface Slices {
  readonly kept: number[];
  readonly keptStrides: number[];
  readonly red: number[];
  readonly redStrides: number[];
  readonly groups: number;
  readonly size: number;
}

function slices(x: ViewMeta, dims: readonly number[]): Slices {
  const kept: number[] = [];
  const keptStrides: number[] = [];
  const red: number[] = [];
  const redStrides: number[] = [];
  x.shape.forEach((s, d) => {
    if (dims.includes(d)) {
      red.push(s);
      redStrides.push(x.strides[d]);
    } else {
      kept.push(s);
      keptStrides.push(x.strides[d]);
    }
  });
  return { kept, keptStrides, red, redStrides, groups: numel(kept), size: numel(red) };
}

/**
 * One reduction pass. Logical output o = g * parts + p reduces elements [p * chunk, min(size, (p + 1) * chunk))
 * of slice g; `final` stores as the output dtype (bool as 0/1), otherwise the raw accumulator.
 */
function reducePass(op: ReduceOp, x: ViewMeta, s: Slices, outDtype: DType, parts: number, chunk: number, final: boolean): GpuProgram {
  const XT = storageType(x.dtype);
  const A = accType(outDtype);
  const OT = final ? storageType(outDtype) : A;
  const outputs = s.groups * parts;
  const threads = s.size / parts <= 64 ? 1 : threadsFor(Math.min(chunk, s.size));
  const u = new Uniforms()
    .shape('ks', s.kept).view('xk', { strides: s.keptStrides, offset: x.offset })
    .shape('rs', s.red).view('xr', { strides: s.redStrides, offset: 0 })
    .i32('size', s.size).i32('parts', parts).i32('chunk', chunk).i32('outputs', outputs);
  const store = final && outDtype === 'bool' ? 'u32(acc != 0)' : `${OT}(acc)`;
  const load = `
  fn load(xk: i32, j: i32) -> ${A} {
${stridedOffsets('j', s.red.length, 'rs', ['xr'])}
    return ${A}(x[xk + xr]);
  }`;
  const head = `
${stridedOffsets(threads === 1 ? 'o / u.parts' : 'g / u.parts', s.kept.length, 'ks', ['xk'])}
  let part = ${threads === 1 ? 'o' : 'g'} % u.parts;
  let begin = part * u.chunk;
  let end = min(u.size, begin + u.chunk);`;
  const body = threads === 1
    ? `
  let o = flatGroup(wid, nwg) * 64 + i32(lidx);
  if (o >= u.outputs) { return; }${head}
  var acc = ${identity(op, A)};
  for (var j = begin; j < end; j++) { acc = combine(acc, load(xk, j)); }
  out[o] = ${store};`
    : `
  let g = flatGroup(wid, nwg);
  if (g >= u.outputs) { return; }${head}
  let t = i32(lidx);
  var acc = ${identity(op, A)};
  for (var j = begin + t; j < end; j += ${threads}) { acc = combine(acc, load(xk, j)); }
  partial[t] = acc;
  workgroupBarrier();
  for (var width = ${threads / 2}; width > 0; width = width / 2) {
    if (t < width) { partial[t] = combine(partial[t], partial[t + width]); }
    workgroupBarrier();
  }
  if (t == 0) { let acc = partial[0]; out[g] = ${store}; }`;
  return makeProgram({
    key: `reduce|${op}|${XT}>${A}>${OT}${final && outDtype === 'bool' ? 'b' : ''}|k${s.kept.length}r${s.red.length}|t${threads}`,
    inputs: [{ name: 'x', type: XT }],
    outputs: [{ name: 'out', type: OT }],
    uniforms: u,
    workgroupSize: threads === 1 ? 64 : threads,
    grid: foldGrid(threads === 1 ? Math.ceil(outputs / 64) : outputs),
    helpers: `${combineFn(op, A)}\n${load.replace(/\n {2}/g, '\n')}${threads === 1 ? '' : `\nvar<workgroup> partial: array<${A}, ${threads}>;`}`,
    body,
  });
}

export interface ReduceOptions {
  /** Force (true) or forbid (false) the two-pass form (tests); otherwise chosen from the sizes. */
  readonly twoStage?: boolean;
}

/**
 * Backend.reduce: input 0 is x, output 0 the contiguous result (x's shape without `dims`) of
 * `dtype`. A two-pass plan needs temps[0] (groups * parts words). amax/amin of an empty
 * reduction throw PyTorch's error here, before anything is recorded.
 */
export function reduce(op: ReduceOp, x: ViewMeta, dims: readonly number[], dtype: DType, options: ReduceOptions = {}): GpuPlan {
  const s = slices(x, dims);
  if ((op === 'amax' || op === 'amin') && s.size === 0) throw new RangeError(`${op}(): Expected reduction dim to have non-zero size.`);
  if (s.groups === 0) return { passes: [], temps: [] };
  const twoStage = options.twoStage ?? (s.size >= TWO_STAGE_MIN && s.groups < 64);
  if (!twoStage) {
    return { passes: [{ program: reducePass(op, x, s, dtype, 1, Math.max(s.size, 1), true), inputs: [input(0)], outputs: [output(0)] }], temps: [] };
  }
  const parts = Math.min(256, Math.max(2, Math.ceil(s.size / CHUNK)));
  const chunk = Math.ceil(s.size / parts);
  const A = accType(dtype);
  const partials: ViewMeta = { dtype: A === 'f32' ? 'float32' : 'int32', shape: [s.groups, parts], strides: [parts, 1], offset: 0 };
  return {
    passes: [
      { program: reducePass(op, x, s, dtype, parts, chunk, false), inputs: [input(0)], outputs: [temp(0)] },
      { program: reducePass(op, partials, slices(partials, [1]), dtype, 1, parts, true), inputs: [temp(0)], outputs: [output(0)] },
    ],
    temps: [s.groups * parts * 4],
  };
}

/**
 * Backend.argReduce: input 0 is x, output 0 the int64 (i32 on the GPU) index of the first max/min
 * along `dim` (a NaN wins, the first NaN), x's shape without `dim`. One pass.
 */
export function argReduce(op: ArgReduceOp, x: ViewMeta, dim: number): GpuPlan {
  const s = slices(x, [dim]);
  if (s.size === 0) throw new RangeError(`${op}(): Expected reduction dim ${dim} to have non-zero size.`);
  if (s.groups === 0) return { passes: [], temps: [] };
  const XT = storageType(x.dtype);
  const T = XT === 'u32' ? 'u32' : XT;
  const threads = s.size <= 64 ? 1 : threadsFor(s.size);
  const u = new Uniforms()
    .shape('ks', s.kept).view('xk', { strides: s.keptStrides, offset: x.offset })
    .i32('xd', s.redStrides[0]).i32('size', s.size).i32('outputs', s.groups);
  const better = op === 'argmax' ? 'b > a' : 'b < a';
  const nan = (v: string) => (T === 'f32' ? `isNan(${v})` : 'false');
  // Does (bv, bi) beat (av, ai)? The first NaN wins; then the better value; ties go to the lower index.
  const helpers = `
fn beats(a: ${T}, ai: i32, b: ${T}, bi: i32) -> bool {
  if (bi < 0) { return false; }
  if (ai < 0) { return true; }
  let an = ${nan('a')};
  let bn = ${nan('b')};
  if (an || bn) { return select(bn, bi < ai, an && bn); }
  if (b == a) { return bi < ai; }
  return ${better};
}${threads === 1 ? '' : `\nvar<workgroup> bestV: array<${T}, ${threads}>;\nvar<workgroup> bestI: array<i32, ${threads}>;`}`;
  const scan = (start: string, step: string) => `
  var best = ${T}(0);
  var bestIdx = -1;
  for (var j = ${start}; j < u.size; j += ${step}) {
    let v = x[xk + j * u.xd];
    if (beats(best, bestIdx, v, j)) { best = v; bestIdx = j; }
  }`;
  const body = threads === 1
    ? `
  let o = flatGroup(wid, nwg) * 64 + i32(lidx);
  if (o >= u.outputs) { return; }
${stridedOffsets('o', s.kept.length, 'ks', ['xk'])}${scan('0', '1')}
  out[o] = bestIdx;`
    : `
  let g = flatGroup(wid, nwg);
  if (g >= u.outputs) { return; }
${stridedOffsets('g', s.kept.length, 'ks', ['xk'])}
  let t = i32(lidx);${scan('t', `${threads}`)}
  bestV[t] = best;
  bestI[t] = bestIdx;
  workgroupBarrier();
  for (var width = ${threads / 2}; width > 0; width = width / 2) {
    if (t < width && beats(bestV[t], bestI[t], bestV[t + width], bestI[t + width])) {
      bestV[t] = bestV[t + width];
      bestI[t] = bestI[t + width];
    }
    workgroupBarrier();
  }
  if (t == 0) { out[g] = bestI[0]; }`;
  return {
    passes: [{
      program: makeProgram({
        key: `argreduce|${op}|${T}|k${s.kept.length}|t${threads}`,
        inputs: [{ name: 'x', type: XT }],
        outputs: [{ name: 'out', type: 'i32' }],
        uniforms: u,
        workgroupSize: threads === 1 ? 64 : threads,
        grid: foldGrid(threads === 1 ? Math.ceil(s.groups / 64) : s.groups),
        helpers,
        body,
      }),
      inputs: [input(0)],
      outputs: [output(0)],
    }],
    temps: [],
  };
}
