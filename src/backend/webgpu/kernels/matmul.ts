// Batched matmul [B, M, K] x [B, K, N] -> [B, M, N] (Backend.matmul): both operands read through
// their strides (transposed, sliced, broadcast batch), four at a time where the layout allows.

import type { DType } from '../../../tensor/dtype.js';
import type { ViewMeta } from '../program.js';
import { storageType, vec4Readable, type Uniforms } from './builder.js';
import { gemmPlan, type GemmOperands, type GemmOptions } from './gemm.js';
import type { GpuPlan } from './builder.js';

/**
 * Inputs (lhs, rhs) as given; output 0: contiguous [B, M, N] of `dtype` (float32 or an integer
 * dtype, all three sharing one storage type). A splitK plan needs temps[0].
 */
export function matmul(a: ViewMeta, b: ViewMeta, dtype: DType, options: GemmOptions = {}): GpuPlan {
  const T = storageType(dtype);
  if (T === 'u32' || storageType(a.dtype) !== T || storageType(b.dtype) !== T) {
    throw new TypeError(`webgpu matmul: expected operands of ${dtype}, got ${a.dtype} and ${b.dtype}`);
  }
  const [batch, M, K] = a.shape;
  const N = b.shape[2];
  const vec4A = vec4Readable(a);
  const vec4B = vec4Readable(b);
  const addr = (p: string, i: string, j: string, k: string) => `u.${p}_off + ${i} * u.${p}_st0 + ${j} * u.${p}_st1 + ${k} * u.${p}_st2`;
  const helpers = [
    vec4A
      ? `fn readA4(b: i32, r: i32, k: i32) -> vec4<${T}> { return lhs[(${addr('a', 'b', 'r', 'k')}) / 4]; }`
      : `fn readA(b: i32, r: i32, k: i32) -> ${T} { return lhs[${addr('a', 'b', 'r', 'k')}]; }`,
    vec4B
      ? `fn readB4(b: i32, k: i32, c: i32) -> vec4<${T}> { return rhs[(${addr('b', 'b', 'k', 'c')}) / 4]; }`
      : `fn readB(b: i32, k: i32, c: i32) -> ${T} { return rhs[${addr('b', 'b', 'k', 'c')}]; }`,
  ].join('\n');
  const ops: GemmOperands = {
    key: 'matmul',
    type: T,
    inputs: [
      { name: 'lhs', type: vec4A ? `vec4<${T}>` : T },
      { name: 'rhs', type: vec4B ? `vec4<${T}>` : T },
    ],
    uniforms: (u: Uniforms) => u.view('a', a).view('b', b),
    helpers,
    vec4A,
    vec4B,
  };
  return gemmPlan(ops, { batch, M, N, K }, options);
}
