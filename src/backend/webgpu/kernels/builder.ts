// What every WGSL kernel family shares: the storage type of each dtype, the uniform block
// builder, grid folding, multi-pass plans and the WGSL helpers (NaN by bit pattern, strided
// offsets). Kernels describe themselves with these; the runtime binds and dispatches them.

import type { DType } from '../../../tensor/dtype.js';
import type { Shape } from '../../../tensor/shape.js';
import type { GpuProgram, ViewMeta } from '../program.js';

/** The WGSL scalar an element is stored as: one 4-byte word per element whatever the dtype. */
export type WgslScalar = 'f32' | 'i32' | 'u32';

/**
 * float32 → f32; int32 and int64 (PyTorch's index dtype, range-checked by the runtime on upload)
 * → i32; bool → u32. float64 has no WGSL type: it stays on the CPU.
 */
export function storageType(dtype: DType): WgslScalar {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
    case 'int64':
      return 'i32';
    case 'bool':
      return 'u32';
    case 'float64':
      throw new TypeError('float64 is not supported on webgpu (WGSL has no f64); keep the tensor on the cpu');
    default:
      return dtype satisfies never;
  }
}

/** Bytes per element in a GPU buffer, for every dtype the GPU stores. */
export const GPU_ITEM_BYTES = 4;

/** Where a pass's buffer comes from: the caller's inputs or outputs (in call order), or one of the plan's temporaries. */
export interface BufferRef {
  readonly from: 'input' | 'output' | 'temp';
  readonly index: number;
}

/** One dispatch of a plan: the program and the buffers it binds, in binding order. */
export interface GpuPass {
  readonly program: GpuProgram;
  readonly inputs: readonly BufferRef[];
  readonly outputs: readonly BufferRef[];
}

/**
 * What a kernel function returns: passes to record in order, and the byte sizes of the
 * temporary buffers they share (the runtime allocates them, needs no initial contents, and
 * may free them once the last pass is recorded). An empty plan (no passes) means nothing to do:
 * the outputs are empty.
 */
export interface GpuPlan {
  readonly passes: readonly GpuPass[];
  readonly temps: readonly number[];
}

export const input = (index: number): BufferRef => ({ from: 'input', index });
export const output = (index: number): BufferRef => ({ from: 'output', index });
export const temp = (index: number): BufferRef => ({ from: 'temp', index });

/** A plan of one program binding the caller's inputs and outputs in order. */
export function singlePass(program: GpuProgram): GpuPlan {
  return {
    passes: [{
      program,
      inputs: Array.from({ length: program.inputs }, (_, i) => input(i)),
      outputs: Array.from({ length: program.outputs }, (_, i) => output(i)),
    }],
    temps: [],
  };
}

export const EMPTY_PLAN: GpuPlan = { passes: [], temps: [] };

/** WebGPU's default maxComputeWorkgroupsPerDimension. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * `total` workgroups as a grid under the per-dimension limit. Shaders recover the flat index
 * with `flatGroup` and return when it is >= total (the fold may overshoot by under one row).
 */
export function foldGrid(total: number): [number, number, number] {
  if (total <= MAX_WORKGROUPS_PER_DIM) return [total, 1, 1];
  const y = Math.ceil(total / MAX_WORKGROUPS_PER_DIM);
  if (y <= MAX_WORKGROUPS_PER_DIM) return [Math.ceil(total / y), y, 1];
  const z = Math.ceil(y / MAX_WORKGROUPS_PER_DIM);
  return [MAX_WORKGROUPS_PER_DIM, Math.ceil(y / z), z];
}

type Field = { name: string; type: WgslScalar; value: number };

/**
 * The uniform block of one program: named 4-byte scalars in declaration order. The same
 * kernel parameters always declare the same fields, so the WGSL struct is part of the key.
 */
export class Uniforms {
  private readonly fields: Field[] = [];

  u32(name: string, value: number): this {
    if (!(value >= 0 && value <= 0xffffffff && Number.isInteger(value))) throw new RangeError(`uniform ${name}: ${value} is not a u32`);
    this.fields.push({ name, type: 'u32', value });
    return this;
  }

  i32(name: string, value: number): this {
    if (!(value >= -(2 ** 31) && value < 2 ** 31 && Number.isInteger(value))) throw new RangeError(`uniform ${name}: ${value} does not fit an i32 (tensor too large for webgpu indexing)`);
    this.fields.push({ name, type: 'i32', value });
    return this;
  }

  f32(name: string, value: number): this {
    this.fields.push({ name, type: 'f32', value });
    return this;
  }

  /** A view's offset and strides as i32 fields `${p}_off`, `${p}_st0..`: strides may be negative (flips) or 0 (broadcast). */
  view(p: string, v: { readonly strides: Shape; readonly offset: number }): this {
    this.i32(`${p}_off`, v.offset);
    v.strides.forEach((s, d) => this.i32(`${p}_st${d}`, s));
    return this;
  }

  /** A shape as i32 fields `${p}${d}`. */
  shape(p: string, shape: Shape): this {
    shape.forEach((s, d) => this.i32(`${p}${d}`, s));
    return this;
  }

  /** The field list, appended to program keys so that a key always names one struct layout. */
  signature(): string {
    return this.fields.map((f) => `${f.name}:${f.type[0]}`).join(',');
  }

  get empty(): boolean {
    return this.fields.length === 0;
  }

  wgslStruct(): string {
    return `struct Params {\n${this.fields.map((f) => `  ${f.name}: ${f.type},`).join('\n')}\n}`;
  }

  /** The block's bytes, padded to 16 (uniform bindings are sized in 16-byte rows). */
  buffer(): ArrayBuffer {
    const bytes = Math.ceil((this.fields.length * 4) / 16) * 16;
    const buf = new ArrayBuffer(bytes);
    const view = new DataView(buf);
    this.fields.forEach((f, i) => {
      if (f.type === 'f32') view.setFloat32(i * 4, f.value, true);
      else if (f.type === 'i32') view.setInt32(i * 4, f.value, true);
      else view.setUint32(i * 4, f.value, true);
    });
    return buf;
  }
}

/** A storage binding: its WGSL name and element type (`f32`, `vec4<f32>`, ...). */
export interface Binding {
  readonly name: string;
  readonly type: string;
}

export interface ProgramSpec {
  /** The op and every choice the WGSL text depends on; the uniform field list is appended. */
  readonly key: string;
  readonly inputs: readonly Binding[];
  readonly outputs: readonly Binding[];
  readonly uniforms: Uniforms;
  readonly workgroupSize: readonly [number, number, number] | number;
  readonly grid: readonly [number, number, number];
  /** Module-scope WGSL: helper functions, workgroup variables. */
  readonly helpers?: string;
  /** The body of `main`, which sees gid, lid, wid, nwg (num_workgroups), lidx (local index) and `u` (the uniforms). */
  readonly body: string;
}

/** Assemble a GpuProgram: bindings in the order program.ts fixes, uniforms last, the helpers below included. */
export function makeProgram(spec: ProgramSpec): GpuProgram {
  const wg = typeof spec.workgroupSize === 'number' ? [spec.workgroupSize, 1, 1] : spec.workgroupSize;
  const { uniforms } = spec;
  return {
    key: `${spec.key}|wg${wg.join('x')}|${uniforms.signature()}`,
    inputs: spec.inputs.length,
    outputs: spec.outputs.length,
    uniforms: uniforms.empty ? new ArrayBuffer(0) : uniforms.buffer(),
    grid: spec.grid,
    wgsl: () => {
      const lines: string[] = [];
      spec.inputs.forEach((b, i) => lines.push(`@group(0) @binding(${i}) var<storage, read> ${b.name}: array<${b.type}>;`));
      spec.outputs.forEach((b, i) => lines.push(`@group(0) @binding(${spec.inputs.length + i}) var<storage, read_write> ${b.name}: array<${b.type}>;`));
      if (!uniforms.empty) {
        lines.push(uniforms.wgslStruct());
        lines.push(`@group(0) @binding(${spec.inputs.length + spec.outputs.length}) var<uniform> u: Params;`);
      }
      lines.push(WGSL_HELPERS);
      if (spec.helpers) lines.push(spec.helpers);
      lines.push(
        `@compute @workgroup_size(${wg.join(', ')})`,
        'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,',
        '        @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,',
        '        @builtin(local_invocation_index) lidx: u32) {',
        spec.body,
        '}',
      );
      return lines.join('\n');
    },
  };
}

/**
 * Helpers every shader gets. WGSL has no NaN/Inf literals (constant folding rejects them) and
 * lets compilers assume no NaN in comparisons, so NaN is made and tested through bit patterns
 * read from a `var` (never folded).
 */
const WGSL_HELPERS = `
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nanF32() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn infF32() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
fn flatGroup(wid: vec3<u32>, nwg: vec3<u32>) -> i32 { return i32(wid.x + nwg.x * (wid.y + nwg.y * wid.z)); }
`;

/**
 * WGSL statements that walk the flat row-major index `index` over the shape in uniform fields
 * `${shape}0..` (rank `rank`) and declare `var ${p}: i32` = the element offset of each operand
 * p (uniform fields `${p}_off`, `${p}_st0..`). `skip` lists dims whose coordinate is not
 * applied (gather's dim); `coords` declares `let ${coords}${d}` per dim when given.
 */
export function stridedOffsets(index: string, rank: number, shape: string, operands: readonly string[], opts: { skip?: readonly number[]; coords?: string } = {}): string {
  const lines = operands.map((p) => `var ${p} = u.${p}_off;`);
  const tmp = `rem_${operands.join('_') || 'i'}`;
  lines.push(`var ${tmp} = ${index};`);
  for (let d = rank - 1; d >= 0; d--) {
    const c = opts.coords ? `${opts.coords}${d}` : `c_${tmp}_${d}`;
    lines.push(`let ${c} = ${tmp} % u.${shape}${d};`);
    if (d > 0) lines.push(`${tmp} = ${tmp} / u.${shape}${d};`);
    if (!opts.skip?.includes(d)) for (const p of operands) lines.push(`${p} += ${c} * u.${p}_st${d};`);
  }
  return lines.map((l) => `  ${l}`).join('\n');
}

/**
 * True when a [..., R, C] view can be read four elements at a time as `array<vec4<T>>`: the
 * last dim contiguous and a multiple of 4, every other stride and the offset multiples of 4
 * (broadcast strides of 0 included), so no vec4 straddles a row.
 */
export function vec4Readable(v: ViewMeta): boolean {
  const last = v.shape.length - 1;
  if (last < 0 || v.strides[last] !== 1 || v.shape[last] % 4 !== 0 || v.offset % 4 !== 0) return false;
  return v.strides.every((s, d) => d === last || v.shape[d] === 1 || s % 4 === 0);
}

/**
 * For a dim-wise op (logSoftmax, scan) on x: the shape of the other dims, x's strides along them,
 * the contiguous result's strides along them, and both strides along `dim`.
 */
export function alongDim(x: ViewMeta, dim: number): { kept: number[]; xStrides: number[]; outStrides: number[]; xDim: number; outDim: number; size: number } {
  const contiguous: number[] = new Array<number>(x.shape.length);
  for (let d = x.shape.length - 1, s = 1; d >= 0; d--) {
    contiguous[d] = s;
    s *= x.shape[d];
  }
  const others = (a: readonly number[]) => a.filter((_, d) => d !== dim);
  return {
    kept: others(x.shape),
    xStrides: others(x.strides),
    outStrides: others(contiguous),
    xDim: x.strides[dim] ?? 0,
    outDim: contiguous[dim] ?? 1,
    size: x.shape[dim] ?? 1,
  };
}

const THREADS = 64;

/** One thread per element (flat index `i` < `total`, a uniform added here); an empty plan when total is 0. */
export function perElement(spec: { key: string; inputs: { name: string; type: string }[]; outputs: { name: string; type: string }[]; u: Uniforms; total: number; helpers?: string; body: string }): GpuPlan {
  if (spec.total === 0) return { passes: [], temps: [] };
  spec.u.i32('total', spec.total);
  return singlePass(makeProgram({
    key: spec.key,
    inputs: spec.inputs,
    outputs: spec.outputs,
    uniforms: spec.u,
    workgroupSize: THREADS,
    grid: foldGrid(Math.ceil(spec.total / THREADS)),
    helpers: spec.helpers,
    body: `
  let i = flatGroup(wid, nwg) * ${THREADS} + i32(lidx);
  if (i >= u.total) { return; }
${spec.body}`,
  }));
}

/** A 0-d view as a 1-d view of one element (the indexing kernels address dim 0 of it). */
export function atLeast1d(v: ViewMeta): ViewMeta {
  return v.shape.length > 0 ? v : { ...v, shape: [1], strides: [0] };
}
