// nn.init, F.linear / F.bilinear and Identity, Linear, Bilinear, LazyLinear against PyTorch 1.13
// (tools/fixtures/linear_init.py): gains, fans, seeded draws, deterministic fills, refusals,
// values, reprs and initial states. Quick: small tensors only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, Tensor } from '../../src/index.js';
import { assertTensor, fromFixture, type FixtureTensor } from '../helpers.js';
import { householderQR } from '../../src/nn/init.js';

interface Err {
  type: string;
  message: string;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/linear_init.json', import.meta.url), 'utf8')) as {
  gains: Record<string, number | string>;
  gain_errors: Record<string, Err>;
  fans: Record<string, [number, number]>;
  seeded: Record<string, FixtureTensor>;
  deterministic: Record<string, FixtureTensor>;
  init_errors: Record<string, Err>;
  keyword_errors: Record<string, Err>;
  householder: { a: number[][]; q: number[][]; r_diag: number[] }[];
  orthogonal: Record<string, FixtureTensor>;
  linear: Record<string, FixtureTensor>;
  bilinear: Record<string, FixtureTensor>;
  bilinear_errors: Record<string, Err>;
  modules: Record<string, { repr: string; state: Record<string, FixtureTensor>; params: string[] }>;
  lazy: { before: string; after: string; state: Record<string, FixtureTensor> };
  lazy_nobias: { repr: string; state: Record<string, FixtureTensor> };
  draws_after: Record<string, number[]>;
};
const init = nn.init;
const F = nn.functional;
const shapeOf = (key: string) => key.split('x').map(Number);

test('calculateGain: every nonlinearity, leaky_relu slopes (NaN passes), refusals', () => {
  for (const [k, want] of Object.entries(fx.gains)) {
    if (k === 'nan') continue;
    const got = k === 'nan' ? init.calculateGain('leaky_relu', NaN) : k.startsWith('leaky_relu_') ? init.calculateGain('leaky_relu', Number(k.slice(11))) : init.calculateGain(k as nn.init.Nonlinearity);
    if (want === 'nan') assert.ok(Number.isNaN(got), k);
    else assert.ok(Math.abs(got - (want as number)) < 1e-15, `${k}: ${got} vs ${want}`);
  }
  assert.equal(init.calculateGain('leaky_relu', null), fx.gains.leaky_relu);
  assert.throws(() => init.calculateGain('foo' as nn.init.Nonlinearity), { message: fx.gain_errors.unsupported.message });
});

test('calculateGain: a NaN slope gives NaN, a bool slope is refused as Python names it', () => {
  assert.ok(Number.isNaN(init.calculateGain('leaky_relu', NaN)), "Number.isNaN(init.calculateGain('leaky_relu', NaN))");
  assert.throws(() => init.calculateGain('leaky_relu', true as unknown as number), { name: 'TypeError', message: fx.gain_errors.bool_slope.message });
  assert.throws(() => init.calculateGain('leaky_relu', false as unknown as number), { name: 'TypeError', message: fx.gain_errors.false_slope.message });
  assert.throws(() => init.calculateGain('leaky_relu', 'a' as unknown as number), { name: 'TypeError', message: fx.gain_errors.string_slope.message });
});

test('calculateFanInAndFanOut: fan_in = size(1) x receptive field, fan_out = size(0) x receptive field', () => {
  for (const [k, want] of Object.entries(fx.fans)) assert.deepEqual(init.calculateFanInAndFanOut(torch.empty(shapeOf(k))), want, k);
});

test('seeded init draws: the bounds and scales of kaiming, xavier, uniform, normal, trunc_normal as PyTorch', () => {
  const run: Record<string, (t: Tensor) => unknown> = {
    kaiming_uniform_fan_out_relu: (t) => init.kaimingUniform_(t, { mode: 'fan_out', nonlinearity: 'relu' }),
    kaiming_uniform_a: (t) => init.kaimingUniform_(t, { a: 0.5 }),
    kaiming_uniform_default: (t) => init.kaimingUniform_(t),
    kaiming_uniform_upper_mode: (t) => init.kaimingUniform_(t, { mode: 'FAN_OUT' as nn.init.FanMode }),
    kaiming_normal_fan_out: (t) => init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'tanh' }),
    kaiming_normal_default: (t) => init.kaimingNormal_(t),
    xavier_uniform_gain: (t) => init.xavierUniform_(t, 2),
    xavier_uniform: (t) => init.xavierUniform_(t),
    xavier_normal_gain: (t) => init.xavierNormal_(t, { gain: 0.5 }),
    xavier_normal: (t) => init.xavierNormal_(t),
    uniform_default: (t) => init.uniform_(t),
    uniform_ab: (t) => init.uniform_(t, -3, -1),
    normal_default: (t) => init.normal_(t),
    normal_mean_std: (t) => init.normal_(t, 2, 0.5),
    trunc_normal_default: (t) => init.truncNormal_(t),
    trunc_normal_args: (t) => init.truncNormal_(t, { mean: 1, std: 2, a: 0, b: 1.5 }),
  };
  for (const [k, want] of Object.entries(fx.seeded)) {
    torch.manualSeed(0);
    const t = torch.empty(want.shape);
    assert.equal(run[k](t), t, `${k} returns its tensor`);
    assertTensor(t, want, k);
  }
  // Zero-element tensors: kaiming is a no-op (PyTorch warns), and draws nothing.
  torch.manualSeed(0);
  const z = torch.empty(0, 3);
  assert.equal(init.kaimingUniform_(z), z);
  assert.equal(init.kaimingNormal_(torch.empty(4, 0)).numel(), 0);
  const next = torch.rand(1).item();
  torch.manualSeed(0);
  assert.equal(torch.rand(1).item(), next, 'no draw was made');
  // init leaves no graph behind.
  const p = new nn.Parameter(torch.empty(3, 3));
  init.kaimingUniform_(p);
  init.normal_(p);
  init.truncNormal_(p);
  assert.ok(p.isLeaf && p.gradFn === null, 'p.isLeaf && p.gradFn === null');
});

test('deterministic fills: constant, ones, zeros, eye, dirac (groups, 3-5 dims)', () => {
  const run: Record<string, (t: Tensor) => unknown> = {
    constant: (t) => init.constant_(t, 0.25),
    ones: (t) => init.ones_(t),
    zeros: (t) => init.zeros_(t),
    eye_wide: (t) => init.eye_(t),
    eye_tall: (t) => init.eye_(t),
    dirac_3d: (t) => init.dirac_(t),
    dirac_4d_groups: (t) => init.dirac_(t, 2),
    dirac_5d: (t) => init.dirac_(t),
    dirac_more_in: (t) => init.dirac_(t),
  };
  for (const [k, want] of Object.entries(fx.deterministic)) {
    const t = torch.full(want.shape, 7, { dtype: 'float32' });
    assert.equal(run[k](t), t, `${k} returns its tensor`);
    assertTensor(t, want, k);
  }
});

test("init refusals in PyTorch's words", () => {
  const e = fx.init_errors;
  const cases: [string, () => unknown][] = [
    ['fan_1d', () => init.xavierUniform_(torch.empty(3))],
    ['fan_0d', () => init.kaimingNormal_(torch.empty([]))],
    ['eye', () => init.eye_(torch.empty(3))],
    ['dirac_2d', () => init.dirac_(torch.empty(3, 3))],
    ['dirac_6d', () => init.dirac_(torch.empty(1, 1, 1, 1, 1, 1))],
    ['dirac_groups', () => init.dirac_(torch.empty(3, 3, 3), 2)],
    ['orthogonal', () => init.orthogonal_(torch.empty(3))],
  ];
  for (const [k, fn] of cases) assert.throws(fn, { message: e[k].message }, k);
});

test('every init refuses an unknown keyword, naming itself as PyTorch does', () => {
  const fns: Record<string, (t: Tensor, o: object) => unknown> = {
    uniform_: init.uniform_,
    normal_: init.normal_,
    constant_: init.constant_ as (t: Tensor, o: object) => unknown,
    dirac_: init.dirac_,
    xavier_uniform_: init.xavierUniform_,
    xavier_normal_: init.xavierNormal_,
    kaiming_uniform_: init.kaimingUniform_,
    kaiming_normal_: init.kaimingNormal_,
    trunc_normal_: init.truncNormal_,
    orthogonal_: init.orthogonal_,
  };
  assert.deepEqual(Object.keys(fns).sort(), Object.keys(fx.keyword_errors).sort());
  for (const [name, fn] of Object.entries(fns)) assert.throws(() => fn(torch.empty(3, 4, 2), { foo: 1 }), { name: 'TypeError', message: fx.keyword_errors[name].message }, name);
  // dlab's generator keyword is taken.
  assert.equal(init.uniform_(torch.empty(2), { generator: new torch.Generator().manualSeed(1) }).shape[0], 2);
});

// /usr/bin/python3 (PyTorch 1.13): kaiming_uniform_ and kaiming_normal_ of torch.empty(0) return it (with a
// warning) before the fans are computed; xavier_uniform_ of it refuses (fewer than 2 dimensions).
test('kaiming of a zero-element tensor returns it before computing fans, even in 1-D', () => {
  for (const fn of [init.kaimingUniform_, init.kaimingNormal_]) {
    const t = torch.empty(0);
    assert.equal(fn(t), t);
  }
  assert.throws(() => init.xavierUniform_(torch.empty(0)), { message: fx.init_errors.fan_1d.message });
});

test("householderQR: Q and R's diagonal as LAPACK's geqrf (torch.linalg.qr), signs and a zero column included", () => {
  for (const { a, q, r_diag } of fx.householder) {
    const [m, n] = [a.length, a[0].length];
    const got = householderQR(Float64Array.from(a.flat()), m, n);
    const near = (x: ArrayLike<number>, want: number[], what: string) =>
      want.forEach((w, i) => assert.ok(Math.abs(x[i] - w) < 1e-12, `${JSON.stringify(a)} ${what}[${i}]: ${x[i]} vs ${w}`));
    near(got.q, q.flat(), 'Q');
    near(got.rDiag, r_diag, 'diag(R)');
  }
});

test("kaiming's refusal of a mode names it lowercased, with PyTorch's list", () => {
  const e = fx.init_errors;
  assert.throws(() => init.kaimingUniform_(torch.empty(3, 4), { mode: 'fan_avg' as nn.init.FanMode }), { message: e.mode.message });
  assert.throws(() => init.kaimingNormal_(torch.empty(3, 4), { mode: 'FAN_AVG' as nn.init.FanMode }), { message: e.mode_upper.message });
});

test('orthogonal_: orthonormal rows or columns times gain; a zero-element tensor is left alone', () => {
  for (const [k, want] of Object.entries(fx.orthogonal)) {
    torch.manualSeed(1);
    const t = torch.empty(shapeOf(k), { dtype: 'float64' });
    assert.equal(init.orthogonal_(t, 2), t);
    // The same draws as PyTorch, and the same Q up to rounding (Q's signs follow R's diagonal).
    assertTensor(t, want, k);
    const flat = t.reshape(t.shape[0], -1);
    const [r, c] = flat.shape;
    const g = r < c ? flat.matmul(flat.t()) : flat.t().matmul(flat);
    const n = Math.min(r, c);
    const eye4 = torch.eye(n, { dtype: 'float64' }).mul(4);
    assert.ok(g.sub(eye4).abs().max().item() < 1e-12, k);
  }
  const z = torch.empty(0, 3);
  assert.equal(init.orthogonal_(z), z);
});

test('F.linear and F.bilinear: values with and without bias', () => {
  const l = fx.linear;
  assertTensor(F.linear(fromFixture(l.x), fromFixture(l.w), fromFixture(l.b)), l.y, 'linear');
  assertTensor(F.linear(fromFixture(l.x), fromFixture(l.w)), l.y_nobias, 'linear without bias');
  assertTensor(F.linear(fromFixture(l.x), fromFixture(l.w), null), l.y_nobias, 'linear, bias null');
  const b = fx.bilinear;
  const [x1, x2, w, bias] = [fromFixture(b.x1), fromFixture(b.x2), fromFixture(b.w), fromFixture(b.b)];
  assertTensor(F.bilinear(x1, x2, w, bias), b.y, 'bilinear');
  assertTensor(F.bilinear(x1, x2, w), b.y_nobias, 'bilinear without bias');
  assertTensor(F.bilinear(x1.select(0, 0).select(0, 0), x2.select(0, 0).select(0, 0), w, bias), b.y_1d, 'bilinear of vectors');
});

test('F.bilinear refuses mismatched ranks and feature sizes as PyTorch', () => {
  const e = fx.bilinear_errors;
  const cases: [string, () => unknown][] = [
    ['ndim', () => F.bilinear(torch.ones(2, 3), torch.ones(2, 2, 4), torch.ones(5, 3, 4))],
    ['in1', () => F.bilinear(torch.ones(2, 4), torch.ones(2, 4), torch.ones(5, 3, 4))],
    ['in2', () => F.bilinear(torch.ones(2, 3), torch.ones(2, 5), torch.ones(5, 3, 4))],
  ];
  for (const [k, fn] of cases) assert.throws(fn, { message: e[k].message }, k);
});

test('F.bilinear names the batch dim that differs, and checks the bias size, as PyTorch', () => {
  const e = fx.bilinear_errors;
  const cases: [string, () => unknown][] = [
    ['batch0', () => F.bilinear(torch.ones(2, 3), torch.ones(3, 4), torch.ones(5, 3, 4))],
    ['batch1', () => F.bilinear(torch.ones(2, 2, 3), torch.ones(2, 3, 4), torch.ones(5, 3, 4))],
    ['bias', () => F.bilinear(torch.ones(2, 3), torch.ones(2, 4), torch.ones(5, 3, 4), torch.ones(6))],
  ];
  for (const [k, fn] of cases) assert.throws(fn, { message: e[k].message }, k);
});

test('Identity, Linear, Bilinear: seeded initial state, parameter names, reprs as PyTorch', () => {
  const make: Record<string, () => nn.Module> = {
    'Linear(3, 2)': () => new nn.Linear(3, 2),
    'Linear(3, 2, bias=False)': () => new nn.Linear(3, 2, { bias: false }),
    'Linear(0, 2)': () => new nn.Linear(0, 2),
    'Bilinear(3, 4, 2)': () => new nn.Bilinear(3, 4, 2),
    'Bilinear(3, 4, 2, bias=False)': () => new nn.Bilinear(3, 4, 2, { bias: false }),
    'Identity(3, foo=1)': () => new nn.Identity(3, { foo: 1 }),
    // Convolutions share Linear's reset (kaimingUniformWithBias in modules/linear.ts).
    'Conv1d(2, 3, 2)': () => new nn.Conv1d(2, 3, 2),
  };
  for (const [k, want] of Object.entries(fx.modules)) {
    torch.manualSeed(0);
    const m = make[k]();
    assert.equal(m.toString(), want.repr, k);
    assert.deepEqual(m.namedParameters().map(([n]) => n), want.params, k);
    const sd = m.stateDict();
    assert.deepEqual(Object.keys(sd), Object.keys(want.state), k);
    for (const [n, t] of Object.entries(want.state)) assertTensor(sd[n], t, `${k} ${n}`);
  }
  const x = torch.ones(2, 3);
  assert.equal(new nn.Identity().call(x), x);
  const bl = new nn.Bilinear(3, 4, 2);
  assert.deepEqual([...bl.call(torch.ones(5, 3), torch.ones(5, 4)).shape], [5, 2]);
  assert.equal(new nn.Linear(3, 2, { dtype: 'float64' }).weight.dtype, 'float64');
  assert.equal(new nn.Bilinear(3, 4, 2, { dtype: 'float64' }).bias!.dtype, 'float64');
});

test('LazyLinear: in_features from the first input, then initialized as Linear (seeded), with or without bias', () => {
  torch.manualSeed(0);
  const lazy: nn.Linear = new nn.LazyLinear(2);
  assert.equal(lazy.toString(), fx.lazy.before);
  assert.ok((lazy as nn.LazyLinear).hasUninitializedParams(), '(lazy as nn.LazyLinear).hasUninitializedParams()');
  torch.manualSeed(0);
  lazy.call(torch.ones(1, 3));
  assert.ok(!(lazy instanceof nn.LazyLinear) && lazy.constructor === nn.Linear, 'it became a Linear');
  assert.equal(lazy.toString(), fx.lazy.after);
  for (const [n, t] of Object.entries(fx.lazy.state)) assertTensor(lazy.stateDict()[n], t, n);
  // Once initialized, a second call neither re-draws nor re-reads in_features.
  const w = lazy.weight.clone();
  lazy.call(torch.ones(4, 3));
  assert.deepEqual(lazy.weight.tolist(), w.tolist());
  torch.manualSeed(0);
  const nb = new nn.LazyLinear(2, { bias: false });
  assert.equal(nb.bias, null);
  assert.ok(nb.hasUninitializedParams(), 'nb.hasUninitializedParams()');
  nb.call(torch.ones(1, 3));
  assert.equal(nb.toString(), fx.lazy_nobias.repr);
  assert.deepEqual(Object.keys(nb.stateDict()), Object.keys(fx.lazy_nobias.state));
  for (const [n, t] of Object.entries(fx.lazy_nobias.state)) assertTensor(nb.stateDict()[n], t, n);
  // resetParameters on an uninitialized lazy module draws nothing.
  const pending = new nn.LazyLinear(3);
  torch.manualSeed(5);
  pending.resetParameters();
  const r = torch.rand(1).item();
  torch.manualSeed(5);
  assert.equal(torch.rand(1).item(), r);
  assert.equal(new nn.LazyLinear(2, { dtype: 'float64' }).call(torch.ones(1, 3, { dtype: 'float64' })).dtype, 'float64');
});

test('a reset at fan_in 0: Linear still draws its bias from U(0, 0), a conv and a lazy Linear draw nothing', () => {
  const after = (make: () => unknown) => {
    torch.manualSeed(0);
    make();
    return Array.from(torch.rand(3).toTypedArray());
  };
  const d = fx.draws_after;
  const close = (a: number[], b: number[], msg: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-7, msg));
  close(after(() => null), d.none, 'no module');
  close(after(() => new nn.Conv1d(0, 2, 3)), d['Conv1d(0, 2, 3)'], 'Conv1d(0, 2, 3)');
  close(after(() => new nn.Linear(0, 2)), d['Linear(0, 2)'], 'Linear(0, 2)');
  // LazyLinear that learns in_features = 0 skips its reset (PyTorch's in_features != 0 check).
  close(after(() => new nn.LazyLinear(2).call(torch.ones(1, 0))), d['LazyLinear(2) on [1, 0]'], 'LazyLinear(2) on [1, 0]');
});

test('Linear and Bilinear refuse an unknown keyword, as PyTorch', () => {
  assert.throws(() => new nn.Linear(2, 3, { foo: 1 } as never), { name: 'TypeError', message: "Linear() got an unexpected keyword argument 'foo'" });
  assert.throws(() => new nn.Bilinear(1, 2, 3, { foo: 1 } as never), { name: 'TypeError', message: "Bilinear() got an unexpected keyword argument 'foo'" });
});

test('Linear, Bilinear and LazyLinear name themselves when an argument is missing', () => {
  assert.throws(() => new (nn.Bilinear as unknown as new (...a: unknown[]) => unknown)(1, 2), { message: "Bilinear() missing required argument: 'outFeatures'" });
  assert.throws(() => new (nn.Linear as unknown as new (...a: unknown[]) => unknown)(1), { message: "Linear() missing required argument: 'outFeatures'" });
  assert.throws(() => new nn.LazyLinear({} as never), { message: "LazyLinear() missing required argument: 'outFeatures'" });
});
