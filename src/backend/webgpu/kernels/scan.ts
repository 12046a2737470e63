// cumsum / cumprod along one dim (Backend.scan). Slices up to 256 long: one thread each, in order.
// Longer slices: one 256-thread workgroup each, walking the slice in blocks of 256 with a
// Hillis-Steele scan per block and a running carry: a fixed order, so fixed bits.

import type { ScanOp } from '../../backend.js';
import type { DType } from '../../../tensor/dtype.js';
import { numel } from '../../../tensor/shape.js';
import type { ViewMeta } from '../program.js';
import { alongDim, foldGrid, makeProgram, singlePass, storageType, stridedOffsets, Uniforms, type GpuPlan } from './builder.js';
import { accType, combineFn, identity } from './reduce.js';

const BLOCK = 256;

export interface ScanOptions {
  /** Force the one-workgroup-per-slice form (tests); otherwise used for slices over 256. */
  readonly blocked?: boolean;
}

/** Input 0 is x, output 0 the contiguous result of x's shape and `dtype`. */
export function scan(op: ScanOp, x: ViewMeta, dim: number, dtype: DType, options: ScanOptions = {}): GpuPlan {
  const a = alongDim(x, dim);
  const groups = numel(a.kept);
  if (groups === 0 || a.size === 0) return { passes: [], temps: [] };
  const rop = op === 'cumsum' ? 'sum' : 'prod';
  const XT = storageType(x.dtype);
  const A = accType(dtype);
  const OT = storageType(dtype);
  const store = (v: string) => (dtype === 'bool' ? `u32(${v} != 0)` : `${OT}(${v})`);
  const blocked = options.blocked ?? a.size > BLOCK;
  const u = new Uniforms()
    .shape('ks', a.kept).view('xk', { strides: a.xStrides, offset: x.offset }).view('ok', { strides: a.outStrides, offset: 0 })
    .i32('xd', a.xDim).i32('od', a.outDim).i32('size', a.size).i32('outputs', groups);
  const body = !blocked
    ? `
  let o = flatGroup(wid, nwg) * 64 + i32(lidx);
  if (o >= u.outputs) { return; }
${stridedOffsets('o', a.kept.length, 'ks', ['xk', 'ok'])}
  var acc = ${identity(rop, A)};
  for (var j = 0; j < u.size; j++) {
    acc = combine(acc, ${A}(x[xk + j * u.xd]));
    out[ok + j * u.od] = ${store('acc')};
  }`
    : `
  let g = flatGroup(wid, nwg);
  if (g >= u.outputs) { return; }
${stridedOffsets('g', a.kept.length, 'ks', ['xk', 'ok'])}
  let t = i32(lidx);
  var carry = ${identity(rop, A)};
  for (var c0 = 0; c0 < u.size; c0 += ${BLOCK}) {
    let j = c0 + t;
    var v = ${identity(rop, A)};
    if (j < u.size) { v = ${A}(x[xk + j * u.xd]); }
    block[t] = v;
    workgroupBarrier();
    for (var step = 1; step < ${BLOCK}; step = step * 2) {
      var before = ${identity(rop, A)};
      if (t >= step) { before = block[t - step]; }
      workgroupBarrier();
      block[t] = combine(before, block[t]);
      workgroupBarrier();
    }
    if (j < u.size) { out[ok + j * u.od] = ${store('combine(carry, block[t])')}; }
    carry = combine(carry, block[${BLOCK - 1}]);
    workgroupBarrier();
  }`;
  return singlePass(makeProgram({
    key: `scan|${op}|${XT}>${A}>${OT}${dtype === 'bool' ? 'b' : ''}|k${a.kept.length}|${blocked ? 'blocked' : 'thread'}`,
    inputs: [{ name: 'x', type: XT }],
    outputs: [{ name: 'out', type: OT }],
    uniforms: u,
    workgroupSize: blocked ? BLOCK : 64,
    grid: foldGrid(blocked ? groups : Math.ceil(groups / 64)),
    helpers: `${combineFn(rop, A)}${blocked ? `\nvar<workgroup> block: array<${A}, ${BLOCK}>;` : ''}`,
    body,
  }));
}
