// Scalar math that JavaScript's Math lacks, written to match the C library PyTorch uses.

/** erf with ~1e-16 relative error (W. J. Cody's rational approximations, as in many libms). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x < 0 ? -1 : 1; // erfc(6) < 2^-54: erf is +-1 in float64, and at +-inf
  if (ax < 0.5) {
    // erf(x) = x * P(x^2) / Q(x^2)
    const t = x * x;
    const p = ((((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947);
    const q = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
    return (x * p) / q;
  }
  const r = erfc(ax);
  return x < 0 ? r - 1 : 1 - r;
}

/** erfc(x) for all x (Cody). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) return 1 - erf(x);
  // From 28 on erfc underflows (to 0, or 2 below zero), as glibc's; and at inf the scaling below
  // would be 0 * exp(NaN).
  if (ax >= 28) return x < 0 ? 2 : 0;
  if (ax < 4) {
    const p = (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax + 66.1191906371416295) * ax + 298.635138197400131) * ax + 881.952221241769090) * ax + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
    const q = (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax + 1621.38957456669019) * ax + 3290.79923573345963) * ax + 4362.61909014324716) * ax + 3439.36767414372164) * ax + 1230.33935480374942;
    r = p / q;
  } else {
    const z = 1 / (ax * ax);
    const p = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
    const q = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z + 0.00233520497626869185;
    r = (1 / Math.sqrt(Math.PI) - (z * p) / q) / ax;
  }
  // Multiply by exp(-x^2) split in two parts to keep precision for large x.
  const xsq = Math.trunc(ax * 16) / 16;
  const del = (ax - xsq) * (ax + xsq);
  r *= Math.exp(-xsq * xsq) * Math.exp(-del);
  return x < 0 ? 2 - r : r;
}

/** Inverse error function: Giles' approximation refined by two Newton steps. */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  let w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
    x = p * y;
  }
  for (let i = 0; i < 2; i++) {
    const err = erf(x) - y;
    x -= err / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  }
  return x;
}

/** Round half to even, as torch.round (C nearbyint). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python/PyTorch remainder: the result has the sign of the divisor. */
export function remainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/**
 * C pow, which PyTorch calls: as Math.pow except 1^y = 1 and x^0 = 1 for every y and x (NaN
 * included), and (-1)^+-inf = 1 (|x| = 1 never grows or shrinks); Math.pow gives NaN for those.
 */
export function pow(a: number, b: number): number {
  if (a === 1 || b === 0) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/**
 * PyTorch's floor division of floats (its CPU div_floor kernel): from fmod rather than
 * floor(a / b), so that the quotient agrees with remainder (a = q * b + remainder(a, b)) even where
 * a / b rounds up to an integer; b = 0 gives a / b (+-inf, NaN), an infinite a gives NaN, a finite
 * a over an infinite b of the other sign -1, and a zero quotient takes the sign of a / b.
 */
export function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) {
    const q = a / b;
    return q < 0 || Object.is(q, -0) ? -0 : 0; // copysign(0, a / b)
  }
  let floored = Math.floor(div);
  if (div - floored > 0.5) floored += 1;
  return floored;
}

/**
 * sigmoid in float32 as PyTorch's float32 kernel computes it, 1 / (1 + exp(-x)): where exp(-x)
 * overflows float32 (x < -88.72) the result is 0, not the denormal float64 would round to.
 */
export function sigmoidFloat32(x: number): number {
  if (x < 0 && Math.fround(Math.exp(-x)) === Infinity) return 0;
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
