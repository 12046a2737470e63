// The creation ops against PyTorch 1.13: zeros/ones/empty/full and their *Like forms, arange,
// linspace, logspace and eye, with dtypes and edge cases (steps 0 and 1, descending and negative
// ranges), from tools/fixtures/creation.py. Runs once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../src/index.js';
import { Tensor, type DType } from '../src/index.js';
import { assertTensor, backendsUnderTest, decode, fromFixture, type FixtureTensor, type FixtureValue } from './helpers.js';

type Arg = FixtureValue | number[];
interface Options { dtype?: DType; base?: number }

interface Case {
  name: string;
  op: string;
  args: Arg[];
  options: Options;
  like?: FixtureTensor;
  out: FixtureTensor;
}

interface ErrorCase {
  name: string;
  op: string;
  args: Arg[];
  options: Options;
  message: string;
  match: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/creation.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
  errors: ErrorCase[];
};

const num = (a: Arg): number => decode(a as FixtureValue);
const size = (a: Arg): number[] => a as number[];

/** Each fixture op as dlab spells it: the *Like ops take the `like` tensor first. */
const ops: Record<string, (args: Arg[], options: Options, like: Tensor | undefined) => Tensor> = {
  zeros: (a, o) => dlab.zeros(...(a as (number | number[])[]), o),
  ones: (a, o) => dlab.ones(...(a as (number | number[])[]), o),
  empty: (a, o) => dlab.empty(...(a as (number | number[])[]), o),
  full: (a, o) => dlab.full(size(a[0]), typeof a[1] === 'boolean' ? a[1] : num(a[1]), o),
  zerosLike: (_, o, like) => dlab.zerosLike(like!, o),
  onesLike: (_, o, like) => dlab.onesLike(like!, o),
  emptyLike: (_, o, like) => dlab.emptyLike(like!, o),
  fullLike: (a, o, like) => dlab.fullLike(like!, num(a[0]), o),
  arange: (a, o) => dlab.arange(...a.map(num), o),
  linspace: (a, o) => dlab.linspace(num(a[0]), num(a[1]), num(a[2]), o),
  logspace: (a, o) => dlab.logspace(num(a[0]), num(a[1]), num(a[2]), o),
  eye: (a, o) => dlab.eye(num(a[0]), a.length > 1 ? num(a[1]) : undefined, o),
};

for (const backend of backendsUnderTest()) {
  describe(`creation ops vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.cases) {
      test(c.name, () => {
        dlab.setBackend(backend);
        const like = c.like ? fromFixture(c.like) : undefined;
        const out = ops[c.op](c.args, c.options, like);
        assertTensor(out, c.out, c.name);
        assert.equal(out.requiresGrad, false);
      });
    }
    describe('errors', () => {
      for (const c of fixture.errors) {
        test(c.name, () => {
          dlab.setBackend(backend);
          assert.throws(() => ops[c.op](c.args, c.options, undefined), (e: Error) => {
            assert.ok(e.message.includes(c.match), `error message\n  got:      ${e.message}\n  PyTorch:  ${c.message}`);
            return true;
          });
        });
      }
    });
  });
}

test('the creation fixture covers every op in the table', () => {
  const used = new Set([...fixture.cases, ...fixture.errors].map((c) => c.op));
  assert.deepEqual(Object.keys(ops).filter((op) => !used.has(op)), []);
});

test("a size list followed by more numbers is refused in PyTorch 1.13's words", () => {
  // torch.zeros([2, 3], 4): TypeError: zeros() received an invalid combination of arguments - got (list, int), but expected one of: ...
  assert.throws(() => dlab.zeros([2, 3], 4 as never), { name: 'TypeError', message: /^zeros\(\) received an invalid combination of arguments - got \(list, int\), but expected one of/ });
  assert.throws(() => dlab.ones([2], 1.5 as never), { name: 'TypeError', message: /^ones\(\) received an invalid combination of arguments - got \(list, float\)/ });
});

test('every creation op refuses a device dlab does not have, by name, whether it makes the tensor there or moves it', () => {
  const device = 'cuda';
  const makers: [string, () => unknown][] = [
    ['tensor', () => dlab.tensor([1, 2], { device })],
    ['arange', () => dlab.arange(3, { device })],
    ['linspace', () => dlab.linspace(0, 1, 3, { device })],
    ['logspace', () => dlab.logspace(0, 1, 3, { device })],
    ['eye', () => dlab.eye(2, { device })],
    ['rand', () => dlab.rand([2], { device })],
    ['randn', () => dlab.randn([2], { device })],
    ['randint', () => dlab.randint(0, 5, [2], { device })],
    ['randperm', () => dlab.randperm(3, { device })],
    ['normal', () => dlab.normal(0, 1, [2], { device })],
    ['zeros', () => dlab.zeros([2], { device })],
    ['full', () => dlab.full([2], 1, { device })],
  ];
  for (const [name, make] of makers) assert.throws(make, /dlab has no device 'cuda'/, name);
});

test('tensor() refuses ragged nested arrays, naming the dim (PyTorch 1.13 refuses each too, in Python\'s words)', () => {
  // torch.tensor([1, [2]]): TypeError ('list' object cannot be interpreted as an integer); torch.tensor([[1], 2]):
  // TypeError (not a sequence); torch.tensor([[1, 2], [3]]): ValueError: expected sequence of length 2 at dim 1 (got 1)
  assert.throws(() => dlab.tensor([1, [2]] as never), { name: 'TypeError', message: 'expected a number at dim 1, got a sequence' });
  assert.throws(() => dlab.tensor([[1], 2] as never), { name: 'TypeError', message: 'expected sequence of length 1 at dim 1 (got a scalar)' });
  assert.throws(() => dlab.tensor([[1, 2], [3]]), { message: 'expected sequence of length 2 at dim 1 (got 1)' });
  // torch.tensor([None]), torch.tensor([[1], [None]]): RuntimeError: Could not infer dtype of NoneType
  assert.throws(() => dlab.tensor([null] as never), { name: 'TypeError', message: 'Could not infer dtype of NoneType' });
  assert.throws(() => dlab.tensor([[1], [null]] as never), { name: 'TypeError', message: 'Could not infer dtype of NoneType' });
  assert.throws(() => dlab.tensor(['a'] as never), { name: 'TypeError', message: 'Could not infer dtype of string' });
});

test("tensor() of a typed array keeps the array's dtype, as torch.tensor does a numpy array's (Uint8Array: dlab's bool storage)", () => {
  // torch.tensor(np.array([1.5, 2], dtype=np.float32)).dtype -> torch.float32 (float64, int32 likewise)
  const cases: [ArrayLike<number>, string, unknown[]][] = [
    [new Float32Array([1.5, 2]), 'float32', [1.5, 2]],
    [new Float64Array([0.1, 2]), 'float64', [0.1, 2]],
    [new Int32Array([1, -2]), 'int32', [1, -2]],
    [new Uint8Array([1, 0]), 'bool', [true, false]],
  ];
  for (const [values, dtype, list] of cases) {
    const t = dlab.tensor(values as Float32Array);
    assert.deepEqual([t.dtype, t.shape, t.tolist()], [dtype, [2], list], dtype);
  }
});

test("tensor() infers PyTorch 1.13's dtype from its elements, follows the default dtype, and copies a tensor without its history", () => {
  // torch.tensor(d).dtype, .shape for d in [], [True, 2], [True, 1.5], [[True], [False]]
  const cases: [unknown, string, number[]][] = [
    [[], 'float32', [0]],
    [[true, 2], 'int64', [2]],
    [[true, 1.5], 'float32', [2]],
    [[[true], [false]], 'bool', [2, 1]],
  ];
  for (const [data, dtype, shape] of cases) {
    const t = dlab.tensor(data as never);
    assert.deepEqual([t.dtype, t.shape], [dtype, shape], JSON.stringify(data));
  }
  // torch.tensor([1, 2], dtype=torch.int64, requires_grad=True): RuntimeError: Only Tensors of floating point and complex dtype can require gradients
  assert.throws(() => dlab.tensor([1, 2], { dtype: 'int64', requiresGrad: true }), { message: 'Only Tensors of floating point and complex dtype can require gradients' });
  // integer literals asked to require grad are floats (JavaScript has no 1. apart from 1)
  assert.equal(dlab.tensor([1, 2], { requiresGrad: true }).dtype, 'float32');
  // torch.set_default_dtype(torch.float64); torch.tensor([1.5]).dtype, torch.tensor([]).dtype -> float64, float64
  const before = dlab.getDefaultDtype();
  dlab.setDefaultDtype('float64');
  try {
    assert.deepEqual([dlab.tensor([1.5]).dtype, dlab.tensor([]).dtype, dlab.tensor([1], { requiresGrad: true }).dtype], ['float64', 'float64', 'float64']);
  } finally {
    dlab.setDefaultDtype(before);
  }
  // x = torch.tensor([1., 2], requires_grad=True); y = torch.tensor(x): requires_grad False, no grad_fn, float32;
  // y[0] = 5 leaves x at [1., 2.]; torch.tensor(x, dtype=torch.float64).dtype: float64
  const x = dlab.tensor([1, 2], { requiresGrad: true });
  const y = dlab.tensor(x);
  assert.deepEqual([y.requiresGrad, y.gradFn, y.dtype], [false, null, 'float32']);
  y.fill_(5);
  assert.deepEqual(x.tolist(), [1, 2]);
  assert.equal(dlab.tensor(x, { dtype: 'float64' }).dtype, 'float64');
  assert.equal(dlab.tensor(x, { requiresGrad: true }).requiresGrad, true);
});

test('rand draws float64 at full precision (PyTorch 1.13\'s stream) and names itself when refusing a size', () => {
  // g = torch.Generator().manual_seed(0); torch.rand(3, dtype=torch.float64, generator=g)
  const r = dlab.rand([3], { dtype: 'float64', generator: new dlab.Generator().manualSeed(0) });
  assert.deepEqual([r.dtype, r.tolist()], ['float64', [0.9700530018065531, 0.707819864399788, 0.45938294312745087]]);
  // torch.rand(3, generator=torch.Generator().manual_seed(0)) (float32): [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]
  assert.deepEqual(dlab.rand([3], { generator: new dlab.Generator().manualSeed(0) }).tolist(), [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]);
  // torch.rand(2, dtype=torch.int64) / torch.randn(...) / torch.normal(0, 1, (2,), dtype=torch.int64): RuntimeError: "check_uniform_bounds"
  // (randn, normal: "normal_kernel_cpu") not implemented for 'Long'
  assert.throws(() => dlab.rand([2], { dtype: 'int64' }), { name: 'TypeError', message: `"check_uniform_bounds" not implemented for 'Long'` });
  assert.throws(() => dlab.randn([2], { dtype: 'int64' }), { message: `"normal_kernel_cpu" not implemented for 'Long'` });
  assert.throws(() => dlab.normal(0, 1, [2], { dtype: 'int64' }), { message: `"normal_kernel_cpu" not implemented for 'Long'` });
  assert.throws(() => dlab.rand([2, 3], 4 as never), { message: /^rand\(\) received an invalid combination of arguments/ });
  assert.throws(() => dlab.randn([2, 3], 4 as never), { message: /^randn\(\) received an invalid combination of arguments/ });
});

test("randint, randperm, rand_like, randn_like and bernoulli: PyTorch 1.13's refusals, shapes and seeded streams", () => {
  // torch.randint(5, 5, (2,)): RuntimeError: random_ expects 'from' to be less than 'to', but got from=5 >= to=5 (6, 5 likewise)
  assert.throws(() => dlab.randint(5, 5, [2]), { message: "random_ expects 'from' to be less than 'to', but got from=5 >= to=5" });
  assert.throws(() => dlab.randint(6, 5, [2]), { message: "random_ expects 'from' to be less than 'to', but got from=6 >= to=5" });
  const perm = dlab.randperm(3);
  assert.deepEqual([perm.shape, perm.dtype, [...perm.tolist() as number[]].sort()], [[3], 'int64', [0, 1, 2]]);
  // torch.manual_seed(0); torch.rand_like(torch.zeros(2, 2, dtype=torch.float64)); torch.manual_seed(0); torch.randn_like(torch.zeros(2, dtype=torch.float64))
  dlab.manualSeed(0);
  const r = dlab.randLike(dlab.zeros([2, 2], { dtype: 'float64' }));
  assert.deepEqual([r.dtype, r.tolist()], ['float64', [[0.9700530018065531, 0.707819864399788], [0.45938294312745087, 0.9207476841219603]]]);
  dlab.manualSeed(0);
  const n = dlab.randnLike(dlab.zeros([2], { dtype: 'float64' }));
  assert.deepEqual([n.dtype, n.tolist()], ['float64', [1.5409961082440433, -0.2934289057609464]]);
  // g = torch.Generator().manual_seed(0); torch.bernoulli(torch.tensor([0., 1., .5, .5, .5, .5]), generator=g) -> [0, 1, 1, 1, 1, 0]
  const b = dlab.bernoulli(dlab.tensor([0, 1, 0.5, 0.5, 0.5, 0.5]), { generator: new dlab.Generator().manualSeed(0) });
  assert.deepEqual([b.dtype, b.tolist()], ['float32', [0, 1, 1, 1, 1, 0]]);
  // torch.bernoulli(torch.tensor([1, 0])): RuntimeError: "bernoulli_tensor_cpu_p_" not implemented for 'Long'
  assert.throws(() => dlab.bernoulli(dlab.tensor([1, 0])), { name: 'TypeError', message: `"bernoulli_tensor_cpu_p_" not implemented for 'Long'` });
});

test('linspace fills its halves from each end, to the last bit (PyTorch 1.13); logspace names itself in a missing-argument error', () => {
  // torch.linspace(-3.7, 11.3, 7, dtype=torch.float64).tolist(): elements 3 and 4 differ from start + step * i
  assert.deepEqual(dlab.linspace(-3.7, 11.3, 7, { dtype: 'float64' }).tolist(), [-3.7, -1.2000000000000002, 1.2999999999999998, 3.8000000000000007, 6.300000000000001, 8.8, 11.3]);
  // torch.logspace(0, 1): TypeError: logspace() missing 1 required positional arguments: "steps" (dlab: missing required argument)
  assert.throws(() => dlab.logspace(0, 1 as never), { name: 'TypeError', message: /^logspace\(\) missing / });
});
