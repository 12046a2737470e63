// Sorting along one dim (Backend.sort): a bitonic sort of (key, position) pairs per slice, padded
// to a power of two P. The keys are the values' bits mapped to u32 so that unsigned order is the
// reference's order (NaN above every number, -0 equal to +0; descending flips them), and a
// pair compares by key, then by position: a total order, so the result is the stable sort the js
// reference (Array.prototype.sort) gives, ties in their original order. Padding pairs carry the
// largest key and positions >= the slice length, so they end up past every real element.
// Slices up to 512 (P <= 512): one 256-thread workgroup per slice sorts in workgroup memory in
// one dispatch. Longer: the pairs live in two temporaries, and each of the log2(P)(log2(P)+1)/2
// compare-exchange steps is one dispatch over every slice.

import type { DType } from '../../../tensor/dtype.js';
import { numel } from '../../../tensor/shape.js';
import type { ViewMeta } from '../program.js';
import { alongDim, EMPTY_PLAN, foldGrid, input, makeProgram, output, perElement, storageType, stridedOffsets, temp, Uniforms, type GpuPass, type GpuPlan } from './builder.js';

/** Slices up to this long sort in one workgroup (256 threads, two elements each). */
const SHARED_MAX = 512;
const THREADS = 256;

export interface SortOptions {
  /** Force the multi-dispatch form (tests); otherwise used for slices over 512. */
  readonly global?: boolean;
}

/** WGSL: the u32 key of one stored element, in ascending order (descending: its complement). */
function keyFn(dtype: DType, descending: boolean): string {
  const T = storageType(dtype);
  const flip = descending ? '~' : '';
  if (T === 'f32') {
    return `
fn sortKey(v: f32) -> u32 {
  var b = bitcast<u32>(v);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return ${flip}0xffffffffu; } // NaN: above every number
  if ((b & 0x7fffffffu) == 0u) { b = 0u; } // -0 sorts as +0 (ties keep their order)
  if ((b & 0x80000000u) != 0u) { return ${flip}(~b); }
  return ${flip}(b | 0x80000000u);
}`;
  }
  if (T === 'i32') return `\nfn sortKey(v: i32) -> u32 { return ${flip}(bitcast<u32>(v) ^ 0x80000000u); }`;
  return `\nfn sortKey(v: u32) -> u32 { return ${flip}v; }`;
}

const BEFORE = `
fn before(ka: u32, ia: i32, kb: u32, ib: i32) -> bool { return ka < kb || (ka == kb && ia < ib); }`;

/** Input 0 is x; output 0 the contiguous int64 (i32) positions that sort each slice along `dim`. */
export function sort(x: ViewMeta, dim: number, descending: boolean, options: SortOptions = {}): GpuPlan {
  const a = alongDim(x, dim);
  const rows = numel(a.kept);
  const L = a.size;
  if (rows === 0 || L === 0) return EMPTY_PLAN;
  const P = 2 ** Math.ceil(Math.log2(L));
  const XT = storageType(x.dtype);
  const helpers = `${keyFn(x.dtype, descending)}${BEFORE}`;
  const order = `${x.dtype}|${descending ? 'desc' : 'asc'}|k${a.kept.length}`;
  const rowUniforms = () =>
    new Uniforms().shape('ks', a.kept).view('xk', { strides: a.xStrides, offset: x.offset }).view('ok', { strides: a.outStrides, offset: 0 })
      .i32('xd', a.xDim).i32('od', a.outDim).i32('size', L).i32('p', P).i32('rows', rows);

  if (!(options.global ?? P > SHARED_MAX)) {
    const u = rowUniforms();
    return {
      passes: [{
        program: makeProgram({
          key: `sort|shared|${order}`,
          inputs: [{ name: 'x', type: XT }],
          outputs: [{ name: 'out', type: 'i32' }],
          uniforms: u,
          workgroupSize: THREADS,
          grid: foldGrid(rows),
          helpers: `${helpers}
var<workgroup> keys: array<u32, ${SHARED_MAX}>;
var<workgroup> ids: array<i32, ${SHARED_MAX}>;`,
          body: `
  let row = flatGroup(wid, nwg);
  if (row >= u.rows) { return; }
${stridedOffsets('row', a.kept.length, 'ks', ['xk', 'ok'])}
  for (var p = i32(lidx); p < u.p; p += ${THREADS}) {
    keys[p] = 0xffffffffu;
    if (p < u.size) { keys[p] = sortKey(x[xk + p * u.xd]); }
    ids[p] = p;
  }
  workgroupBarrier();
  for (var k = 2; k <= u.p; k = k * 2) {
    for (var j = k / 2; j > 0; j = j / 2) {
      for (var t = i32(lidx); t < u.p / 2; t += ${THREADS}) {
        let i = 2 * j * (t / j) + t % j;
        let l = i + j;
        if (before(keys[l], ids[l], keys[i], ids[i]) == ((i & k) == 0)) {
          let kt = keys[i]; keys[i] = keys[l]; keys[l] = kt;
          let it = ids[i]; ids[i] = ids[l]; ids[l] = it;
        }
      }
      workgroupBarrier();
    }
  }
  for (var p = i32(lidx); p < u.size; p += ${THREADS}) { out[ok + p * u.od] = ids[p]; }`,
        }),
        inputs: [input(0)],
        outputs: [output(0)],
      }],
      temps: [],
    };
  }

  // Temporaries 0 and 1: the keys (u32) and positions (i32) of every slice, P per slice.
  const keys = temp(0);
  const ids = temp(1);
  const passes: GpuPass[] = [];
  const init = perElement({
    key: `sort|init|${order}`,
    inputs: [{ name: 'x', type: XT }],
    outputs: [{ name: 'keys', type: 'u32' }, { name: 'ids', type: 'i32' }],
    u: rowUniforms(),
    total: rows * P,
    helpers,
    body: `
  let row = i / u.p;
  let p = i % u.p;
${stridedOffsets('row', a.kept.length, 'ks', ['xk', 'ok'])}
  keys[i] = 0xffffffffu;
  if (p < u.size) { keys[i] = sortKey(x[xk + p * u.xd]); }
  ids[i] = p;`,
  }).passes[0];
  passes.push({ program: init.program, inputs: [input(0)], outputs: [keys, ids] });
  for (let k = 2; k <= P; k *= 2) {
    for (let j = k >> 1; j > 0; j >>= 1) {
      const step = perElement({
        key: 'sort|step',
        inputs: [],
        outputs: [{ name: 'keys', type: 'u32' }, { name: 'ids', type: 'i32' }],
        u: new Uniforms().i32('p', P).i32('k', k).i32('j', j),
        total: rows * (P / 2),
        helpers: BEFORE,
        body: `
  let half = u.p / 2;
  let base = (i / half) * u.p;
  let t = i % half;
  let a = base + 2 * u.j * (t / u.j) + t % u.j;
  let b = a + u.j;
  if (before(keys[b], ids[b], keys[a], ids[a]) == (((a - base) & u.k) == 0)) {
    let kt = keys[a]; keys[a] = keys[b]; keys[b] = kt;
    let it = ids[a]; ids[a] = ids[b]; ids[b] = it;
  }`,
      }).passes[0];
      passes.push({ program: step.program, inputs: [], outputs: [keys, ids] });
    }
  }
  const write = perElement({
    key: `sort|write|k${a.kept.length}`,
    inputs: [{ name: 'ids', type: 'i32' }],
    outputs: [{ name: 'out', type: 'i32' }],
    u: rowUniforms(),
    total: rows * L,
    body: `
  let row = i / u.size;
  let p = i % u.size;
${stridedOffsets('row', a.kept.length, 'ks', ['xk', 'ok'])}
  out[ok + p * u.od] = ids[row * u.p + p];`,
  }).passes[0];
  passes.push({ program: write.program, inputs: [ids], outputs: [output(0)] });
  return { passes, temps: [rows * P * 4, rows * P * 4] };
}
