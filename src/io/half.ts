// The 16-bit float formats of PyTorch files (.pt HalfStorage / BFloat16Storage, safetensors F16 /
// BF16), read little-endian and widened to float32, which holds every value of both exactly.

/** IEEE half (1 sign, 5 exponent, 10 fraction bits) to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** n float16 values from the start of `view`. */
export function readFloat16(view: DataView, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = halfToFloat(view.getUint16(i * 2, true));
  return a;
}

/** n bfloat16 values from the start of `view`: bfloat16 is the top half of a float32, so widen the bits. */
export function readBFloat16(view: DataView, n: number): Float32Array {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
  return new Float32Array(bits.buffer);
}
