// The bench's fair PyTorch (bench/blas.mjs): the OpenBLAS core it sets for a CPU's features (as
// OpenBLAS 0.3.21's own fallback maps them), the core it reads back from OPENBLAS_VERBOSE=2, and
// when it refuses to compare.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuFeatures, decidingFeature, openblasCoreFor, parseOpenblasCore, torchComparability, type CpuFeatures } from '../bench/blas.mjs';

const cpuinfo = (vendor: string, flags: string) =>
  `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 6\nflags\t\t: fpu sse sse2 ${flags}\n\nprocessor\t: 1\nvendor_id\t: ${vendor}\nflags\t\t: fpu sse sse2 ${flags}\n`;
const cpu = (vendor: string, flags: string) => cpuFeatures({ cpuinfo: cpuinfo(vendor, flags), sysctl: null })!;

test('the core OpenBLAS 0.3.21 gives each feature set', () => {
  const emerald = cpu('GenuineIntel', 'avx avx2 fma avx512f avx512bw avx512dq avx512vl avx512_bf16 avx512_fp16');
  assert.equal(openblasCoreFor(emerald), 'Cooperlake');
  assert.equal(decidingFeature(emerald), 'avx512_bf16');
  const skylake = cpu('GenuineIntel', 'avx avx2 fma avx512f avx512bw avx512dq avx512vl');
  assert.equal(openblasCoreFor(skylake), 'SkylakeX');
  assert.equal(decidingFeature(skylake), 'avx512vl');
  // Knights Landing has AVX-512F without VL: OpenBLAS's AVX-512 test fails, AVX2 decides.
  assert.equal(openblasCoreFor(cpu('GenuineIntel', 'avx avx2 fma avx512f avx512cd')), 'Haswell');
  assert.equal(openblasCoreFor(cpu('AuthenticAMD', 'avx avx2 fma')), 'Zen');
  assert.equal(openblasCoreFor(cpu('AuthenticAMD', 'avx avx2 fma avx512f avx512vl avx512_bf16')), 'Cooperlake');
  assert.equal(openblasCoreFor(cpu('GenuineIntel', 'avx')), 'Sandybridge');
  assert.equal(openblasCoreFor(cpu('GenuineIntel', 'sse3 ssse3')), null);
  assert.equal(openblasCoreFor(null), null);
});

test('features come from /proc/cpuinfo, else from sysctl (Intel Mac), else none', () => {
  assert.deepEqual([...cpu('GenuineIntel', 'avx2 fma').flags].sort(), ['avx2', 'fma', 'fpu', 'sse', 'sse2']);
  const mac = cpuFeatures({ cpuinfo: null, sysctl: () => ({ vendor: 'GenuineIntel', features: 'FPU SSE3 AVX1.0 FMA AVX2 AVX512F AVX512VL' }) })!;
  assert.equal(mac.source, 'sysctl');
  assert.ok(mac.flags.has('avx') && mac.flags.has('avx512vl'));
  assert.equal(openblasCoreFor(mac), 'SkylakeX');
  assert.equal(cpuFeatures({ cpuinfo: null, sysctl: () => null }), null);
  // An ARM /proc/cpuinfo says "Features", not "flags": nothing to go by.
  assert.equal(cpuFeatures({ cpuinfo: 'processor\t: 0\nFeatures\t: fp asimd\n', sysctl: null }), null);
});

test('the core OpenBLAS names with OPENBLAS_VERBOSE=2 is read from its stderr', () => {
  assert.equal(parseOpenblasCore('Core not found: Cooperlake\nCore: Cooperlake\n'), 'Cooperlake');
  assert.equal(parseOpenblasCore('Core: Prescott\n'), 'Prescott');
  assert.equal(parseOpenblasCore('Traceback ...\nRuntimeError: no\n'), null);
  assert.equal(parseOpenblasCore(''), null);
});

test('PyTorch is compared only with kernels that fit the CPU', () => {
  const avx512: CpuFeatures = cpu('GenuineIntel', 'avx avx2 fma avx512f avx512vl avx512_bf16');
  const old: CpuFeatures = cpu('GenuineIntel', 'sse3');
  assert.deepEqual(torchComparability({ blas: 'OpenBLAS', core: 'SkylakeX', cpu: avx512 }), { comparable: true });
  assert.deepEqual(torchComparability({ blas: 'OpenBLAS', core: 'Cooperlake', cpu: avx512 }), { comparable: true });
  const prescott = torchComparability({ blas: 'OpenBLAS', core: 'Prescott', cpu: avx512 });
  assert.equal(prescott.comparable, false);
  assert.match(prescott.reason!, /Prescott kernels on a CPU with AVX2 and AVX-512 .*OPENBLAS_CORETYPE.*Cooperlake/);
  assert.equal(torchComparability({ blas: 'OpenBLAS', core: 'Sandybridge', cpu: avx512 }).comparable, false);
  assert.equal(torchComparability({ blas: 'OpenBLAS', core: null, cpu: avx512 }).comparable, false);
  // On a CPU without AVX2, Prescott is the right choice.
  assert.equal(torchComparability({ blas: 'OpenBLAS', core: 'Prescott', cpu: old }).comparable, true);
  assert.match(torchComparability({ blas: 'reference BLAS', core: null, cpu: avx512 }).reason!, /reference BLAS/);
  assert.equal(torchComparability({ blas: 'reference BLAS', core: null, cpu: null }).comparable, false);
  assert.equal(torchComparability({ blas: 'MKL', core: null, cpu: avx512 }).comparable, true);
});
