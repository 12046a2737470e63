// The GEMM engine behind matmul and the convolutions: out[b, m, n] = sum_k A(b, m, k) * B(b, k, n)
// (+ bias), written contiguous [batch, M, N]. The operands are WGSL functions (`readA`, `readB`)
// that a caller writes, so a convolution reads its input windows in place (implicit GEMM)
// instead of materialising im2col. Three algorithms, as tfjs's BatchMatMul_impl chooses:
//  - packed: tfjs's MatMulPacked, 8x8 threads, each 4x4 outputs (a 32x32 tile), K in tiles of
//    32 through 8 KiB of workgroup memory, vec4 global loads when the operand allows;
//  - reduce: few outputs (<= 128) and a long K: one 64-thread workgroup per output, a fixed tree;
//  - splitK: few tiles and a long K: the packed kernel over K slices into a temporary, then a pass
//    that adds the slices in order.
// No atomics anywhere: each output's sum has one fixed order, so results are bit-identical run to run.

import type { GpuProgram } from '../program.js';
import {
  foldGrid, input, makeProgram, output, temp, Uniforms, type Binding, type GpuPass, type GpuPlan, type WgslScalar,
} from './builder.js';

export type GemmAlgorithm = 'packed' | 'reduce' | 'splitK';

/** A GEMM's operands as WGSL, written by the caller (matmul, conv2d, ...). */
export interface GemmOperands {
  /** Names the operand code: part of every program key. */
  readonly key: string;
  /** Element type of the operands, the accumulator and the output. */
  readonly type: Extract<WgslScalar, 'f32' | 'i32'>;
  /** The storage bindings the operand code reads (the caller's inputs, in order). */
  readonly inputs: readonly Binding[];
  /** Adds the fields the operand code reads from `u`. */
  readonly uniforms: (u: Uniforms) => void;
  /**
   * `fn readA(b: i32, row: i32, k: i32) -> T` and `fn readB(b: i32, k: i32, col: i32) -> T`,
   * called only in bounds; with vec4A / vec4B instead `readA4(b, row, k)` (k % 4 == 0, the four
   * k's) / `readB4(b, k, col)` (col % 4 == 0, the four columns), returning vec4<T>.
   */
  readonly helpers: string;
  readonly vec4A: boolean;
  readonly vec4B: boolean;
  /** Uniform `groups` (default 1): batch b is image b / groups, group b % groups, for readers and bias. */
  readonly groups?: number;
  /** When set, output (b, row, ·) gets `readBias((b % groups) * M + row)` added (a helper the caller writes). */
  readonly bias?: boolean;
}

export interface GemmSizes {
  readonly batch: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
}

export interface GemmOptions {
  /** Force an algorithm (tests); otherwise chosen from the sizes. */
  readonly algorithm?: GemmAlgorithm;
  /** Number of K slices for splitK (forced); otherwise chosen from K. */
  readonly splits?: number;
}

const TILE = 32;
const REDUCE_THREADS = 64;

/** tfjs's choice: few 32x32 tiles mean idle cores, so small outputs reduce and long K splits. */
export function chooseGemm(s: GemmSizes): GemmAlgorithm {
  const outputs = s.batch * s.M * s.N;
  const tiles = s.batch * Math.ceil(s.M / TILE) * Math.ceil(s.N / TILE);
  if (outputs <= 128 && s.K >= 128) return 'reduce';
  if (tiles <= 8 && s.K >= 1024) return 'splitK';
  return 'packed';
}

/**
 * The plan for one GEMM. The caller's inputs are the operand bindings in order, output 0 the
 * contiguous [batch, M, N] result; splitK needs one temporary of splits * batch * M * N words.
 */
export function gemmPlan(ops: GemmOperands, s: GemmSizes, options: GemmOptions = {}): GpuPlan {
  if (s.batch * s.M * s.N === 0) return { passes: [], temps: [] };
  const algorithm = options.algorithm ?? chooseGemm(s);
  const own = (program: GpuProgram, outs = [output(0)]): GpuPass => ({ program, inputs: ops.inputs.map((_, i) => input(i)), outputs: outs });
  if (algorithm === 'reduce') return { passes: [own(reduceProgram(ops, s))], temps: [] };
  if (algorithm === 'packed') return { passes: [own(packedProgram(ops, s, 1, 0))], temps: [] };
  const kChunk = Math.max(TILE, Math.ceil(Math.ceil(s.K / (options.splits ?? Math.min(32, Math.ceil(s.K / 256)))) / TILE) * TILE);
  const splits = Math.max(1, Math.ceil(s.K / kChunk));
  if (splits === 1) return { passes: [own(packedProgram(ops, s, 1, 0))], temps: [] }; // K fits one slice
  const partial = packedProgram(ops, s, splits, kChunk);
  const sum = sumSlicesProgram(ops, s, splits);
  return {
    passes: [
      own(partial, [temp(0)]),
      { program: sum, inputs: [temp(0), ...(ops.bias ? ops.inputs.map((_, i) => input(i)) : [])], outputs: [output(0)] },
    ],
    temps: [splits * s.batch * s.M * s.N * 4],
  };
}

function commonUniforms(ops: GemmOperands, s: GemmSizes): Uniforms {
  const u = new Uniforms().i32('batch', s.batch).i32('M', s.M).i32('N', s.N).i32('K', s.K).i32('groups', ops.groups ?? 1);
  ops.uniforms(u);
  return u;
}

function madd(t: string): string {
  return t === 'f32'
    ? 'fn madd(a: vec4<f32>, b: vec4<f32>, c: vec4<f32>) -> vec4<f32> { return fma(a, b, c); }'
    : `fn madd(a: vec4<${t}>, b: vec4<${t}>, c: vec4<${t}>) -> vec4<${t}> { return a * b + c; }`;
}

/** The value stored for output (b, r): acc plus the bias when there is one. */
function withBias(ops: GemmOperands, acc: string, b: string, r: string): string {
  return ops.bias ? `${acc} + readBias((${b} % u.groups) * u.M + ${r})` : acc;
}

/**
 * The tiled kernel. With splits > 1 workgroup z-slices cover K in chunks of kChunk and write
 * their partial sums to `part` [splits, batch, M, N] instead of `out`.
 */
function packedProgram(ops: GemmOperands, s: GemmSizes, splits: number, kChunk: number): GpuProgram {
  const T = ops.type;
  const split = splits > 1;
  const tilesN = Math.ceil(s.N / TILE);
  const tilesM = Math.ceil(s.M / TILE);
  const total = tilesN * tilesM * s.batch * splits;
  const u = commonUniforms(ops, s).i32('tilesN', tilesN).i32('tilesM', tilesM).i32('slices', splits).i32('kChunk', split ? kChunk : Math.max(s.K, 1)).i32('total', total);
  const loadA = ops.vec4A
    ? `    { let r = tm * 32 + ty * 4 + i; let c = k0 + tx * 4;
      var v = vec4<${T}>();
      if (r < u.M && c < kEnd) { v = readA4(b, r, c); }
      mA[ty * 4 + i][tx * 4] = v.x; mA[ty * 4 + i][tx * 4 + 1] = v.y; mA[ty * 4 + i][tx * 4 + 2] = v.z; mA[ty * 4 + i][tx * 4 + 3] = v.w; }`
    : `    for (var j = 0; j < 4; j++) {
      let r = tm * 32 + ty * 4 + i; let c = k0 + tx * 4 + j;
      var v = ${T}(0);
      if (r < u.M && c < kEnd) { v = readA(b, r, c); }
      mA[ty * 4 + i][tx * 4 + j] = v;
    }`;
  const loadB = ops.vec4B
    ? `    { let k = k0 + ty * 4 + i; let c = tn * 32 + tx * 4;
      var v = vec4<${T}>();
      if (k < kEnd && c < u.N) { v = readB4(b, k, c); }
      mB[ty * 4 + i][tx] = v; }`
    : `    { let k = k0 + ty * 4 + i;
      var v = vec4<${T}>();
      for (var j = 0; j < 4; j++) {
        let c = tn * 32 + tx * 4 + j;
        if (k < kEnd && c < u.N) { v[j] = readB(b, k, c); }
      }
      mB[ty * 4 + i][tx] = v; }`;
  const store = split
    ? `part[((slice * u.batch + b) * u.M + r) * u.N + c] = acc[i][j];`
    : `out[(b * u.M + r) * u.N + c] = ${withBias(ops, 'acc[i][j]', 'b', 'r')};`;
  return makeProgram({
    key: `gemm-packed|${ops.key}|${T}|a${ops.vec4A ? 4 : 1}b${ops.vec4B ? 4 : 1}|${split ? 'split' : 'whole'}|bias${ops.bias ? 1 : 0}`,
    inputs: ops.inputs,
    outputs: [{ name: split ? 'part' : 'out', type: T }],
    uniforms: u,
    workgroupSize: [8, 8, 1],
    grid: foldGrid(total),
    helpers: `${ops.helpers}\n${madd(T)}
var<workgroup> mA: array<array<${T}, 32>, 32>;
var<workgroup> mB: array<array<vec4<${T}>, 8>, 32>;`,
    body: `
  let g = flatGroup(wid, nwg);
  if (g >= u.total) { return; }
  let tn = g % u.tilesN;
  let rest = g / u.tilesN;
  let tm = rest % u.tilesM;
  let zz = rest / u.tilesM;
  let slice = zz % u.slices;
  let b = zz / u.slices;
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let kBegin = slice * u.kChunk;
  let kEnd = min(u.K, kBegin + u.kChunk);
  var acc: array<vec4<${T}>, 4>;
  for (var k0 = kBegin; k0 < kEnd; k0 += 32) {
    for (var i = 0; i < 4; i++) {
${loadA}
${loadB}
    }
    workgroupBarrier();
    for (var k = 0; k < 32; k++) {
      let bv = mB[k][tx];
      for (var i = 0; i < 4; i++) { acc[i] = madd(vec4<${T}>(mA[ty * 4 + i][k]), bv, acc[i]); }
    }
    workgroupBarrier();
  }
  for (var i = 0; i < 4; i++) {
    let r = tm * 32 + ty * 4 + i;
    if (r >= u.M) { break; }
    for (var j = 0; j < 4; j++) {
      let c = tn * 32 + tx * 4 + j;
      if (c < u.N) { ${store} }
    }
  }`,
  });
}

/** One workgroup per output: thread t sums k = t, t + 64, ...; then a fixed pairwise tree. */
function reduceProgram(ops: GemmOperands, s: GemmSizes): GpuProgram {
  const T = ops.type;
  const total = s.batch * s.M * s.N;
  const u = commonUniforms(ops, s).i32('total', total);
  const read = (which: 'A' | 'B', b: string, r: string, c: string) => {
    const vec = which === 'A' ? ops.vec4A : ops.vec4B;
    if (!vec) return `read${which}(${b}, ${r}, ${c})`;
    // A vec4 reader returns four k's (A) or four columns (B): pick the one wanted.
    return `read${which}4(${b}, ${r}, ${c} & ~3)[${c} & 3]`;
  };
  return makeProgram({
    key: `gemm-reduce|${ops.key}|${T}|a${ops.vec4A ? 4 : 1}b${ops.vec4B ? 4 : 1}|bias${ops.bias ? 1 : 0}`,
    inputs: ops.inputs,
    outputs: [{ name: 'out', type: T }],
    uniforms: u,
    workgroupSize: REDUCE_THREADS,
    grid: foldGrid(total),
    helpers: `${ops.helpers}\nvar<workgroup> partial: array<${T}, ${REDUCE_THREADS}>;`,
    body: `
  let g = flatGroup(wid, nwg);
  if (g >= u.total) { return; }
  let c = g % u.N;
  let r = (g / u.N) % u.M;
  let b = g / (u.N * u.M);
  let t = i32(lidx);
  var acc = ${T}(0);
  for (var k = t; k < u.K; k += ${REDUCE_THREADS}) {
    acc = ${T === 'f32' ? `fma(${read('A', 'b', 'r', 'k')}, ${read('B', 'b', 'k', 'c')}, acc)` : `acc + ${read('A', 'b', 'r', 'k')} * ${read('B', 'b', 'k', 'c')}`};
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var width = ${REDUCE_THREADS / 2}; width > 0; width = width / 2) {
    if (t < width) { partial[t] = partial[t] + partial[t + width]; }
    workgroupBarrier();
  }
  if (t == 0) { out[g] = ${withBias(ops, 'partial[0]', 'b', 'r')}; }`,
  });
}

/** splitK's second pass: out = sum over slices in order (+ bias), one thread per output. */
function sumSlicesProgram(ops: GemmOperands, s: GemmSizes, splits: number): GpuProgram {
  const T = ops.type;
  const total = s.batch * s.M * s.N;
  const u = new Uniforms().i32('batch', s.batch).i32('M', s.M).i32('N', s.N).i32('slices', splits).i32('total', total).i32('groups', ops.groups ?? 1);
  const bias = Boolean(ops.bias);
  if (bias) ops.uniforms(u);
  const groups = Math.ceil(total / 64);
  return makeProgram({
    key: `gemm-sum-slices|${T}|bias${bias ? `1|${ops.key}` : 0}`,
    inputs: [{ name: 'part', type: T }, ...(bias ? ops.inputs : [])],
    outputs: [{ name: 'out', type: T }],
    uniforms: u,
    workgroupSize: 64,
    grid: foldGrid(groups),
    helpers: bias ? ops.helpers : '',
    body: `
  let i = flatGroup(wid, nwg) * 64 + i32(lidx);
  if (i >= u.total) { return; }
  var acc = part[i];
  for (var s = 1; s < u.slices; s++) { acc = acc + part[s * u.total + i]; }
  let r = (i / u.N) % u.M;
  let b = i / (u.N * u.M);
  out[i] = ${withBias(ops, 'acc', 'b', 'r')};`,
  });
}
