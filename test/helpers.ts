// Small helpers shared by the test suites: numeric comparison and tensors from fixtures.

import assert from 'node:assert/strict';

import { Tensor, getBackend, listBackends, slice, tensor, webgpu, type DType } from '../src/index.js';

/** A value as the fixture scripts write it: JSON has no nan/inf, so they are spelled as strings. */
export type FixtureValue = number | boolean | 'nan' | 'inf' | '-inf';

export const decode = (v: FixtureValue): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

export const decodeAll = (values: readonly FixtureValue[]): number[] => values.map(decode);

/** rtol/atol for comparing with PyTorch: float32 and float64 within rounding, integers exactly. */
export function tolerance(dtype: DType): { rtol: number; atol: number } {
  if (dtype === 'float32') return { rtol: 1e-5, atol: 1e-6 };
  if (dtype === 'float64') return { rtol: 1e-10, atol: 1e-10 };
  return { rtol: 0, atol: 0 };
}

/**
 * Elementwise |actual - expected| <= atol + rtol * |expected| (numpy's isclose), where NaN
 * matches NaN and an infinity matches only itself. Reports the first few mismatches.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, msg = ''): void {
  assert.equal(actual.length, expected.length, `${msg}: length ${actual.length} != ${expected.length}`);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok && bad.length < 5) bad.push(`[${i}] ${a} != ${e}`);
  }
  if (bad.length > 0) {
    assert.fail(`${msg}: not close (rtol ${rtol}, atol ${atol}): ${bad.join(', ')}\n  actual   ${fmt(actual)}\n  expected ${fmt(expected)}`);
  }
}

function fmt(values: ArrayLike<number>): string {
  const list = Array.from(values).slice(0, 24).map(String).join(', ');
  return `[${list}${values.length > 24 ? ', ...' : ''}]`;
}

/** A tensor as the fixture scripts write it: flat row-major values, shape and dtype. */
export interface FixtureTensor {
  values: FixtureValue[];
  shape: number[];
  dtype: DType;
}

/** A fixture operand: a contiguous base plus how it is viewed (see tools/fixtures/ops.py). */
export interface FixtureInput extends FixtureTensor {
  requires_grad: boolean;
  layout: 'contiguous' | 'transposed' | 'sliced' | 'expanded';
  dims?: [number, number];
  slice?: { dim: number; start: number; stop: number; step: number };
  expand?: number[];
}

/** The contiguous tensor a fixture describes. */
export function fromFixture(t: FixtureTensor, options: { requiresGrad?: boolean } = {}): Tensor {
  const flat = tensor(decodeAll(t.values), { dtype: t.dtype });
  // Reshape before requiring grad, so the result is a leaf.
  const out = flat.reshape(t.shape).clone();
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}

/** The leaf base of a fixture operand and the (possibly non-contiguous) view an op receives. */
export function inputFromFixture(spec: FixtureInput): { base: Tensor; view: Tensor } {
  const base = fromFixture(spec, { requiresGrad: spec.requires_grad });
  switch (spec.layout) {
    case 'contiguous':
      return { base, view: base };
    case 'transposed':
      return { base, view: base.transpose(...spec.dims!) };
    case 'sliced': {
      const s = spec.slice!;
      return { base, view: base.index(...new Array<':'>(s.dim).fill(':'), slice(s.start, s.stop, s.step)) };
    }
    case 'expanded':
      return { base, view: base.expand(spec.expand!) };
    default:
      return spec.layout satisfies never;
  }
}

/** A tensor's values, shape and dtype against a fixture's. */
export function assertTensor(actual: Tensor, expected: FixtureTensor, msg: string): void {
  assert.equal(actual.dtype, expected.dtype, `${msg}: dtype`);
  assert.deepEqual([...actual.shape], expected.shape, `${msg}: shape`);
  const { rtol, atol } = tolerance(expected.dtype);
  assertClose(Array.from(actual.toTypedArray()), decodeAll(expected.values), rtol, atol, msg);
}

/**
 * The backends a suite loops over: every registered one (`listBackends()`), or only those named
 * in DLAB_TEST_BACKENDS (comma-separated, e.g. `js`). Mutation testing of code above the backend
 * (scripts/mutate.mjs) sets it to `js`: a mutant in src/ops behaves the same on every backend.
 * An unknown name fails, so a typo cannot run an empty suite.
 */
export function backendsUnderTest(): string[] {
  const all = listBackends();
  const wanted = process.env.DLAB_TEST_BACKENDS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!wanted || wanted.length === 0) return all;
  const unknown = wanted.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`DLAB_TEST_BACKENDS names ${unknown.join(', ')}, not registered here (registered: ${all.join(', ')})`);
  return wanted;
}

/** The library's CPU backend when the file loaded (before any suite's setBackend): what a user's CPU tensors use. */
const defaultCpuBackend = getBackend().name;

/**
 * One pass of a whole-experiment or model file: a CPU backend running everything, or 'webgpu',
 * where the experiment or model runs with device 'webgpu' on the real webgpu backend in this
 * process (as a user runs it: no read back after every kernel, values read with await), its CPU
 * tensors on the library's default backend. Those files make tens of thousands of kernels, which
 * the test bridge (one GPU round trip each, see TESTING.md) cannot afford in every `npm test`.
 */
export interface TestPass {
  /** What the test names show: the backend, or 'webgpu (device, real backend)'. */
  readonly label: string;
  /** The backend new CPU tensors use during the pass. */
  readonly backend: string;
  readonly device: 'cpu' | 'webgpu';
}

/**
 * The passes of such a file: one per backend under test (backendsUnderTest()), where the test
 * bridge's 'webgpu' becomes the real device (it is registered unless DLAB_TEST_WEBGPU=0).
 */
export function passesUnderTest(): TestPass[] {
  return backendsUnderTest().map((name) =>
    name === 'webgpu' ? { label: `webgpu (device, real backend; cpu tensors on ${defaultCpuBackend})`, backend: defaultCpuBackend, device: 'webgpu' } : { label: name, backend: name, device: 'cpu' },
  );
}

/** Acquire the GPU for a device pass; without an adapter the pass fails, naming what to set (never a skip). */
export async function acquireDevicePass(): Promise<void> {
  assert.ok(await webgpu.isAvailable(), 'no WebGPU adapter: run the tests through scripts/run-tests.mjs (it points Dawn at SwiftShader), or set VK_ICD_FILENAMES to a Vulkan driver; DLAB_TEST_WEBGPU=0 turns the webgpu pass off');
}

/** The message fn throws, or '(no error)': the refusal tests compare it with PyTorch's words. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return '(no error)';
}
