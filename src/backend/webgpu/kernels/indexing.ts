// gather, scatter (with and without accumulate), indexSelect and indexAdd (the Backend methods of
// those names). The writes are gathers: one thread per output element finds every source that
// lands on it by walking the index along `dim` in order, so nothing races, no atomics are
// needed, and accumulation adds in the reference's order (bit-identical to the js backend).
//
// Out-of-range indices cannot throw on the GPU: gather and indexSelect read 0 there, scatter and
// indexAdd drop the element. The runtime checks index ranges (PyTorch CUDA asserts them too).

import type { ViewMeta } from '../program.js';
import { numel } from '../../../tensor/shape.js';
import { atLeast1d, perElement, storageType, stridedOffsets, Uniforms, type GpuPlan } from './builder.js';

function checkIndex(index: ViewMeta, op: string): void {
  if (index.dtype !== 'int64' && index.dtype !== 'int32') throw new TypeError(`webgpu ${op}: index must be int64, got ${index.dtype}`);
}

/** Sum of `coords{d} * u.{p}_st{d}` over dims except `skip`, plus the view's offset. */
function offsetOf(p: string, rank: number, coords: string, skip = -1): string {
  const terms = [`u.${p}_off`];
  for (let d = 0; d < rank; d++) if (d !== skip) terms.push(`${coords}${d} * u.${p}_st${d}`);
  return terms.join(' + ');
}

/** Backend.gather: inputs (x, index), output 0 contiguous of index's shape and x's dtype. */
export function gather(x0: ViewMeta, dim: number, index0: ViewMeta): GpuPlan {
  checkIndex(index0, 'gather');
  const x = atLeast1d(x0);
  const index = atLeast1d(index0);
  const T = storageType(x.dtype);
  const rank = index.shape.length;
  const u = new Uniforms().shape('sh', index.shape).view('ix', index)
    // x at the index's coordinates with dim's zeroed; the index value picks the position along dim.
    .view('xx', { strides: x.strides.map((s, d) => (d === dim ? 0 : s)), offset: x.offset })
    .i32('xdim', x.strides[dim] ?? 0).i32('size', x.shape[dim] ?? 1);
  return perElement({
    key: `gather|${T}|r${rank}`,
    inputs: [{ name: 'x', type: T }, { name: 'index', type: 'i32' }],
    outputs: [{ name: 'out', type: T }],
    u,
    total: numel(index.shape),
    body: `${stridedOffsets('i', rank, 'sh', ['ix', 'xx'])}
  let k = index[ix];
  var v = ${T}(0);
  if (k >= 0 && k < u.size) { v = x[xx + k * u.xdim]; }
  out[i] = v;`,
  });
}

/**
 * Backend.scatter, in place: inputs (index, src), output 0 is `out`'s buffer (read-write, its
 * other elements untouched). Each out element loops over index along dim: the last match wins,
 * or with `accumulate` every match adds in index order.
 */
export function scatter(out0: ViewMeta, dim: number, index0: ViewMeta, src0: ViewMeta, accumulate: boolean): GpuPlan {
  checkIndex(index0, 'scatter');
  const [out, index, src] = [out0, index0, src0].map(atLeast1d);
  const T = storageType(out.dtype);
  const rank = out.shape.length;
  if (numel(index.shape) === 0) return { passes: [], temps: [] };
  const u = new Uniforms().shape('sh', out.shape).view('o', out).view('ix', index).view('sx', src).shape('is', index.shape);
  const inside = Array.from({ length: rank }, (_, d) => d).filter((d) => d !== dim).map((d) => `c${d} < u.is${d}`);
  return perElement({
    key: `scatter|${T}|r${rank}|d${dim}|${accumulate ? 'add' : 'set'}`,
    inputs: [{ name: 'index', type: 'i32' }, { name: 'src', type: T }],
    outputs: [{ name: 'out', type: T }],
    u,
    total: numel(out.shape),
    body: `${stridedOffsets('i', rank, 'sh', [], { coords: 'c' })}
  ${inside.length ? `if (!(${inside.join(' && ')})) { return; }` : ''}
  let o = ${offsetOf('o', rank, 'c')};
  let ib = ${offsetOf('ix', rank, 'c', dim)};
  let sb = ${offsetOf('sx', rank, 'c', dim)};
  var v = out[o];
  var hit = false;
  for (var j = 0; j < u.is${dim}; j++) {
    if (index[ib + j * u.ix_st${dim}] == c${dim}) {
      v = ${accumulate ? 'v + ' : ''}src[sb + j * u.sx_st${dim}];
      hit = true;
    }
  }
  if (hit) { out[o] = v; }`,
  });
}

/** Backend.indexSelect: inputs (x, index (0-d or 1-d)), output 0 contiguous: x's shape with index's length along dim. */
export function indexSelect(x0: ViewMeta, dim: number, index: ViewMeta): GpuPlan {
  checkIndex(index, 'indexSelect');
  const x = atLeast1d(x0);
  const T = storageType(x.dtype);
  const rank = x.shape.length;
  const shape = x.shape.slice();
  shape[dim] = numel(index.shape);
  const u = new Uniforms().shape('sh', shape).view('xx', x).i32('ix_off', index.offset).i32('ix_st', index.strides[0] ?? 0).i32('size', x.shape[dim] ?? 1);
  return perElement({
    key: `indexselect|${T}|r${rank}|d${dim}`,
    inputs: [{ name: 'x', type: T }, { name: 'index', type: 'i32' }],
    outputs: [{ name: 'out', type: T }],
    u,
    total: numel(shape),
    body: `${stridedOffsets('i', rank, 'sh', [], { coords: 'c' })}
  let k = index[u.ix_off + c${dim} * u.ix_st];
  var v = ${T}(0);
  if (k >= 0 && k < u.size) { v = x[${offsetOf('xx', rank, 'c', dim)} + k * u.xx_st${dim}]; }
  out[i] = v;`,
  });
}

/**
 * Backend.indexAdd, in place: inputs (index (0-d or 1-d), src), output 0 is `out`'s buffer.
 * out.select(dim, index[i]) += src.select(dim, i), each out element adding its matches in i order.
 */
export function indexAdd(out0: ViewMeta, dim: number, index: ViewMeta, src0: ViewMeta): GpuPlan {
  checkIndex(index, 'indexAdd');
  const [out, src] = [out0, src0].map(atLeast1d);
  const T = storageType(out.dtype);
  const rank = out.shape.length;
  const n = numel(index.shape);
  if (n === 0) return { passes: [], temps: [] };
  const u = new Uniforms().shape('sh', out.shape).view('o', out).view('sx', src).i32('ix_off', index.offset).i32('ix_st', index.strides[0] ?? 0).i32('n', n);
  return perElement({
    key: `indexadd|${T}|r${rank}|d${dim}`,
    inputs: [{ name: 'index', type: 'i32' }, { name: 'src', type: T }],
    outputs: [{ name: 'out', type: T }],
    u,
    total: numel(out.shape),
    body: `${stridedOffsets('i', rank, 'sh', [], { coords: 'c' })}
  let o = ${offsetOf('o', rank, 'c')};
  let sb = ${offsetOf('sx', rank, 'c', dim)};
  var v = out[o];
  var hit = false;
  for (var j = 0; j < u.n; j++) {
    if (index[u.ix_off + j * u.ix_st] == c${dim}) {
      v = v + src[sb + j * u.sx_st${dim}];
      hit = true;
    }
  }
  if (hit) { out[o] = v; }`,
  });
}

/**
 * The index positions grouped by the row they add into, for indexAddSegmented: `order` lists
 * 0..n-1 sorted stably by index value (a counting sort), and row k's positions are
 * order[starts[k] .. starts[k + 1]). Built on the CPU from index values the caller already holds
 * (F.embedding reads its ids to range-check them); out-of-range values are left out.
 */
export function indexSegments(index: ArrayLike<number>, size: number): { order: Int32Array; starts: Int32Array } {
  const starts = new Int32Array(size + 1);
  for (let i = 0; i < index.length; i++) {
    const k = index[i];
    if (k >= 0 && k < size) starts[k + 1]++;
  }
  for (let k = 0; k < size; k++) starts[k + 1] += starts[k];
  const order = new Int32Array(starts[size]);
  const cursor = starts.slice(0, size);
  for (let i = 0; i < index.length; i++) {
    const k = index[i];
    if (k >= 0 && k < size) order[cursor[k]++] = i;
  }
  return { order, starts };
}

/**
 * indexAdd when the index's segments are known (indexSegments): inputs (order, starts, src),
 * output 0 is `out`'s buffer. Each out element adds only its own row's sources, in index order
 * (so the same bits as indexAdd and the reference), O(out + n * inner) instead of O(out * n):
 * the form for an embedding's gradient over a large vocabulary.
 */
export function indexAddSegmented(out0: ViewMeta, dim: number, src0: ViewMeta): GpuPlan {
  const [out, src] = [out0, src0].map(atLeast1d);
  const T = storageType(out.dtype);
  const rank = out.shape.length;
  const u = new Uniforms().shape('sh', out.shape).view('o', out).view('sx', src);
  return perElement({
    key: `indexadd-segmented|${T}|r${rank}|d${dim}`,
    inputs: [{ name: 'order', type: 'i32' }, { name: 'starts', type: 'i32' }, { name: 'src', type: T }],
    outputs: [{ name: 'out', type: T }],
    u,
    total: numel(out.shape),
    body: `${stridedOffsets('i', rank, 'sh', [], { coords: 'c' })}
  let begin = starts[c${dim}];
  let end = starts[c${dim} + 1];
  if (begin == end) { return; }
  let o = ${offsetOf('o', rank, 'c')};
  let sb = ${offsetOf('sx', rank, 'c', dim)};
  var v = out[o];
  for (var s = begin; s < end; s++) { v = v + src[sb + order[s] * u.sx_st${dim}]; }
  out[o] = v;`,
  });
}
