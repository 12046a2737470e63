// src/backend/webgpu/program.ts
// A GPU program: everything the runtime needs to dispatch one WGSL compute shader. Kernels build
// programs from views' metadata only; the runtime owns buffers, pipelines and command encoding.
import type { DType } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';

/** A strided view's layout without its data: offset and strides in elements. */
export interface ViewMeta {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: Shape;
  readonly offset: number;
}

export interface GpuProgram {
  /** Pipeline cache key: op, dtypes, ranks, flags, workgroup size — everything the WGSL text depends on (never sizes that travel in uniforms). */
  readonly key: string;
  /** The WGSL source; called only when `key` misses the pipeline cache. */
  wgsl(): string;
  /** Read-only storage buffers, bound at @group(0) @binding(0 .. inputs-1), in the order the caller passes them. */
  readonly inputs: number;
  /** Read-write storage buffers, bound next: @binding(inputs .. inputs+outputs-1). */
  readonly outputs: number;
  /** The uniform block (4-byte words: u32/i32/f32 as the WGSL struct declares), bound last at @binding(inputs+outputs); empty → no uniform binding. */
  readonly uniforms: ArrayBuffer;
  /** Workgroups to dispatch, already folded under maxComputeWorkgroupsPerDimension (65535). */
  readonly grid: readonly [number, number, number];
}
