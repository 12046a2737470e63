// a * b + c on f32x4: the relaxed-SIMD fused multiply-add where the build enables it (one
// vfmadd on x64), else a multiply and an add. Relaxed madd may or may not round once; both
// stay well inside float32 tolerance for the sums a matrix product makes.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
