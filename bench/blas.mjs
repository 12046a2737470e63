// A fair PyTorch: which BLAS kernels PyTorch runs, and whether its figures may stand beside dlab's.
//
// PyTorch on Linux distributions calls the system BLAS. OpenBLAS built with DYNAMIC_ARCH picks
// its kernels at load time from the CPU (driver/others/dynamic.c), and 0.3.21 (Debian 12) picks
// wrongly on CPUs it does not list: an Intel family-6 model it does not know falls through into
// the Pentium 4 branch and gets the SSE3 "Prescott" kernels, 4-6x slower than its AVX-512 ones
// (fixed upstream in 0.3.25). So the bench sets OPENBLAS_CORETYPE to the core OpenBLAS's own
// fallback would give those CPU features (unless the user set it), asks OpenBLAS to name the
// core it chose (OPENBLAS_VERBOSE=2 prints "Core: <name>"), and refuses to compare when PyTorch
// still runs pre-AVX2 kernels on an AVX2 CPU, or the unoptimized reference BLAS.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';

/**
 * The CPU's vendor and feature flags in /proc/cpuinfo's spelling (avx2, fma, avx512f, avx512vl,
 * avx512_bf16), from /proc/cpuinfo on Linux or sysctl on an Intel Mac; null where neither says.
 */
export function cpuFeatures({ cpuinfo = readIfPresent('/proc/cpuinfo'), sysctl = darwinSysctl } = {}) {
  if (cpuinfo) {
    const field = (name) => cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1].trim();
    const flags = field('flags');
    if (flags !== undefined) return { vendor: field('vendor_id') ?? 'unknown', flags: new Set(flags.split(/\s+/)), source: '/proc/cpuinfo' };
  }
  const mac = sysctl?.();
  if (mac) {
    // machdep.cpu.features / leaf7_features spell them AVX1.0, AVX2, FMA, AVX512F, AVX512VL, ...
    const flags = new Set(mac.features.toLowerCase().split(/\s+/).filter(Boolean).map((f) => (f === 'avx1.0' ? 'avx' : f.replace(/^avx512bf16$/, 'avx512_bf16'))));
    return { vendor: mac.vendor, flags, source: 'sysctl' };
  }
  return null;
}

function readIfPresent(path) {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
}

function darwinSysctl() {
  if (platform() !== 'darwin' || arch() !== 'x64') return null;
  try {
    const get = (key) => execFileSync('sysctl', ['-n', key], { encoding: 'utf8' }).trim();
    return { vendor: get('machdep.cpu.vendor'), features: `${get('machdep.cpu.features')} ${get('machdep.cpu.leaf7_features')}` };
  } catch {
    return null;
  }
}

/**
 * The OpenBLAS core (an OPENBLAS_CORETYPE name) that OpenBLAS 0.3.21's dynamic.c gives these
 * features when it does not recognise the model: AVX-512 with BF16 Cooperlake, AVX-512 (its test
 * is AVX512VL) SkylakeX, AVX2 with FMA Haswell (Zen on AMD, as its family-17h/19h branch does),
 * AVX Sandybridge. Null for other architectures, or x86 without AVX (nothing to correct).
 */
export function openblasCoreFor(cpu) {
  if (!cpu) return null;
  const has = (f) => cpu.flags.has(f);
  const amd = /AuthenticAMD|HygonGenuine/.test(cpu.vendor);
  if (has('avx512vl') && has('avx512f')) return has('avx512_bf16') ? 'Cooperlake' : 'SkylakeX';
  if (has('avx2') && has('fma')) return amd ? 'Zen' : 'Haswell';
  if (has('avx')) return 'Sandybridge';
  return null;
}

/** The feature that decided openblasCoreFor, for the report ("avx512_bf16"). */
export function decidingFeature(cpu) {
  if (!cpu) return null;
  return ['avx512_bf16', 'avx512vl', 'avx2', 'avx'].find((f) => cpu.flags.has(f) && (f !== 'avx512_bf16' || cpu.flags.has('avx512vl'))) ?? null;
}

/** The last "Core: <name>" line OpenBLAS printed (OPENBLAS_VERBOSE=2), or null. */
export function parseOpenblasCore(stderr) {
  const cores = [...String(stderr ?? '').matchAll(/^Core: (\S+)\s*$/gm)];
  return cores.length > 0 ? cores.at(-1)[1] : null;
}

// OpenBLAS's x86 cores that predate AVX2 + FMA: on a CPU with AVX2 they leave half the width or
// more unused (Sandybridge: AVX without FMA; the rest SSE2/SSE3).
const PRE_AVX2_CORES = new Set(
  ['Katmai', 'Coppermine', 'Northwood', 'Prescott', 'Banias', 'Atom', 'Core2', 'Penryn', 'Dunnington', 'Nehalem', 'Athlon', 'Opteron', 'Opteron_SSE3', 'Barcelona', 'Nano', 'Sandybridge', 'Bobcat', 'Bulldozer', 'Piledriver', 'Unknown'].map((c) => c.toLowerCase()),
);

/**
 * Whether PyTorch's figures may be compared with dlab's, and why not: `blas` is the library
 * PyTorch loaded ('OpenBLAS', 'reference BLAS', 'MKL', ... or null), `core` the OpenBLAS core it
 * reported (or null), `cpu` cpuFeatures().
 */
export function torchComparability({ blas, core, cpu }) {
  const avx2 = cpu?.flags.has('avx2') ?? false;
  if (blas === 'reference BLAS') {
    return { comparable: false, reason: 'PyTorch calls the reference BLAS (unoptimized Fortran loops, e.g. Debian\'s libblas3 without libopenblas0 installed)' };
  }
  if (blas === 'OpenBLAS') {
    if (core === null) {
      return avx2
        ? { comparable: false, reason: 'OpenBLAS did not name the core it runs (no "Core:" line with OPENBLAS_VERBOSE=2), on a CPU with AVX2' }
        : { comparable: true, note: 'OpenBLAS did not name its core' };
    }
    if (avx2 && PRE_AVX2_CORES.has(core.toLowerCase())) {
      return { comparable: false, reason: `PyTorch's OpenBLAS runs its ${core} kernels on a CPU with AVX2${cpu.flags.has('avx512f') ? ' and AVX-512' : ''} (set OPENBLAS_CORETYPE to a matching core, e.g. ${openblasCoreFor(cpu)})` };
    }
  }
  return { comparable: true };
}
