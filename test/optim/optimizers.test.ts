// Every optimizer and variant against ten steps of PyTorch 1.13 (tools/fixtures/optim.py): the
// fixture's gradients are fed as p.grad, so only the update rule is under test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { tensor, zeros } from '../../src/ops/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import * as optim from '../../src/optim/index.js';
import { assertClose, camelOptions, fixture } from './helpers.js';

interface Run {
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad' | 'Adadelta' | 'Adamax' | 'NAdam' | 'RAdam' | 'ASGD' | 'Rprop';
  variant: string;
  options: Record<string, unknown>;
  dtype: DType;
  initial: number[][];
  shapes: number[][];
  steps: { grads: number[][]; params: number[][] }[];
}

type Ctor = new (params: Tensor[], options: Record<string, unknown>) => optim.Optimizer;
const ctors = optim as unknown as Record<Run['optimizer'], Ctor>;

for (const run of fixture.optimizers as Run[]) {
  test(`${run.optimizer} ${run.variant} (${run.dtype}) matches torch for 10 steps`, () => {
    const params = run.initial.map((v, i) => tensor(v, { dtype: run.dtype }).reshape(run.shapes[i]).detach().requiresGrad_());
    const opt = new ctors[run.optimizer](params, camelOptions(run.options));
    const tol = run.dtype === 'float32' ? 1e-6 : 1e-12;
    run.steps.forEach((step, k) => {
      opt.zeroGrad();
      params.forEach((p, i) => (p.grad = tensor(step.grads[i], { dtype: run.dtype }).reshape(run.shapes[i])));
      opt.step();
      params.forEach((p, i) => assertClose(p._values(), step.params[i], tol, `step ${k + 1} param ${i}`));
    });
    assert.equal(params[0].dtype, run.dtype);
    assert.ok(params.every((p) => p.isLeaf && p.requiresGrad));
  });
}

test('step skips parameters without a gradient, zeroGrad sets to null or zeros', () => {
  const a = zeros(2).requiresGrad_();
  const b = zeros(2).requiresGrad_();
  const opt = new optim.SGD([a, b], { lr: 1, momentum: 0.9 });
  a.grad = tensor([1, 2], { dtype: 'float32' });
  opt.step();
  assert.deepEqual(a._values(), [-1, -2]);
  assert.deepEqual(b._values(), [0, 0]);
  assert.equal(opt.state.has(b), false);
  opt.zeroGrad({ setToNone: false });
  assert.deepEqual(a.grad!._values(), [0, 0]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
});

test('step(closure) evaluates the loss with grad enabled and returns it', () => {
  const w = tensor([3], { dtype: 'float32' }).requiresGrad_();
  const opt = new optim.SGD([w], { lr: 0.25 });
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = w.mul(w).sum();
    l.backward();
    return l;
  }) as Tensor;
  assert.equal(loss.item(), 9);
  assert.deepEqual(w._values(), [1.5]);
});

test('errors as PyTorch', () => {
  const p = zeros(2).requiresGrad_();
  assert.throws(() => new optim.SGD([], { lr: 0.1 }), /optimizer got an empty parameter list/);
  assert.throws(() => new optim.SGD([p], {}), /didn't specify a value of required optimization parameter lr/);
  assert.throws(() => new optim.SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 }), /some parameters appear in more than one parameter group/);
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
  assert.throws(() => new optim.SGD([p], { lr: -1 }), /Invalid learning rate: -1/);
  assert.throws(() => new optim.Adam([p], { betas: [1, 0.9] }), /Invalid beta parameter at index 0: 1/);
  assert.throws(() => new optim.SGD([p.mul(2)], { lr: 0.1 }), /can't optimize a non-leaf Tensor/);
  assert.throws(() => new optim.SGD(p as unknown as Tensor[], { lr: 0.1 }), /should be an iterable of Tensors or dicts/);
});

test('param groups: defaults fill what a group leaves out; addParamGroup', () => {
  const a = zeros(1).requiresGrad_();
  const b = zeros(1).requiresGrad_();
  const c = zeros(1).requiresGrad_();
  const opt = new optim.SGD([{ params: [a] }, { params: b, lr: 0.5, momentum: 0.1 }], { lr: 0.1, momentum: 0.9 });
  assert.equal(opt.paramGroups[0].lr, 0.1);
  assert.equal(opt.paramGroups[0].momentum, 0.9);
  assert.equal(opt.paramGroups[1].lr, 0.5);
  assert.equal(opt.paramGroups[1].momentum, 0.1);
  assert.deepEqual(opt.paramGroups[1].params, [b]);
  opt.addParamGroup({ params: [c], weightDecay: 0.01 });
  assert.equal(opt.paramGroups[2].weightDecay, 0.01);
  assert.equal(opt.paramGroups[2].lr, 0.1);
  assert.throws(() => opt.addParamGroup({ params: [a] }), /more than one parameter group/);
});

// Each option at and around the boundary of its check (tools/fixtures/optim_api.py): the
// message PyTorch 1.13 raises, or null where it accepts the value (nan included: SGD's checks
// are `x < 0`, the others' `not 0 <= x`).
const api = JSON.parse(readFileSync(new URL('../fixtures/optim_api.json', import.meta.url), 'utf8')) as {
  cases: { optimizer: Run['optimizer']; options: Record<string, number | boolean | 'nan' | (number | 'nan')[]>; error: string | null }[];
  nonfinite: { optimizer: Run['optimizer']; options: Record<string, unknown>; param: (number | 'inf')[] }[];
  reprs: { optimizer: Run['optimizer']; groups: ({ params: number[] } & Record<string, number>)[]; options: Record<string, unknown>; repr: string }[];
  duplicates: { params: number[][]; state: Record<string, number[]>; group_keys: string[] };
};
const errorCases = api.cases;

test('constructor checks: the values PyTorch rejects, with its messages, and those it accepts', () => {
  const nan = (v: unknown): unknown => (v === 'nan' ? NaN : Array.isArray(v) ? v.map(nan) : v);
  for (const c of errorCases) {
    const options = camelOptions(Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, nan(v)])));
    if (c.optimizer === 'SGD' && options.lr === undefined) options.lr = 0.1;
    const make = () => new ctors[c.optimizer]([zeros(2).requiresGrad_()], options);
    const what = `${c.optimizer} ${JSON.stringify(c.options)}`;
    if (c.error === null) {
      const group = make().paramGroups[0] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(options)) assert.deepEqual(group[k], v, what);
    } else {
      assert.throws(make, (e: Error) => e.message === c.error, `${what}: expected ${c.error}`);
    }
  }
});

test('String(optimizer) is PyTorch\'s repr: groups in order, keys sorted by their snake_case names, Python values', () => {
  for (const r of api.reprs) {
    const params = [zeros(2).requiresGrad_(), zeros(1).requiresGrad_()];
    const groups = r.groups.map((g) => ({ ...camelOptions(g), params: g.params.map((i) => params[i]) }));
    const opt = new ctors[r.optimizer](groups as unknown as Tensor[], camelOptions(r.options));
    assert.equal(String(opt), r.repr, r.optimizer);
  }
});

test('differentiable=true (PyTorch 1.13 differentiates through the step) is refused by name; false is accepted', () => {
  for (const name of ['SGD', 'Adam', 'RMSprop'] as const) {
    const p = zeros(2).requiresGrad_();
    assert.throws(() => new ctors[name]([p], { lr: 0.1, differentiable: true }), { message: 'differentiable=true is not supported by dlab optimizers' }, name);
    assert.equal(new ctors[name]([p], { lr: 0.1, differentiable: false }).paramGroups[0].differentiable, false, name);
  }
});

test('without weight decay no decay term is added: a parameter at inf stays inf (0 * inf would be nan), as PyTorch', () => {
  for (const c of api.nonfinite) {
    const p = tensor([Infinity, 1]).requiresGrad_();
    const opt = new ctors[c.optimizer]([p], camelOptions(c.options));
    p.grad = tensor([1, 1], { dtype: 'float32' });
    opt.step();
    const [inf, finite] = c.param;
    assert.equal(inf, 'inf');
    assert.equal(p._values()[0], Infinity, `${c.optimizer} ${JSON.stringify(c.options)}`);
    assertClose([p._values()[1]], [finite as number], 1e-6, `${c.optimizer} ${JSON.stringify(c.options)}`);
  }
});

test('Adam: a parameter without a gradient is skipped and gets no state; an empty state starts afresh', () => {
  // PyTorch 1.13: Adam([a, b], lr=0.1), a.grad = [1, -1], step -> a [0.9, 2.1], b untouched, no state for b.
  const a = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
  const b = tensor([3], { dtype: 'float32' }).requiresGrad_();
  const opt = new optim.Adam([a, b], { lr: 0.1 });
  a.grad = tensor([1, -1], { dtype: 'float32' });
  opt.step();
  assertClose(a._values(), [0.9000000357627869, 2.0999999046325684], 1e-7, 'a');
  assert.deepEqual(b._values(), [3]);
  assert.equal(opt.state.has(b), false);
  // A state dict entry with no keys (PyTorch's `len(state) == 0`) is initialised by the next step.
  const c = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
  const again = new optim.Adam([c], { lr: 0.1 });
  again.loadStateDict({ ...again.stateDict(), state: { 0: {} } });
  c.grad = tensor([1, -1], { dtype: 'float32' });
  again.step();
  assertClose(c._values(), [0.9000000357627869, 2.0999999046325684], 1e-7, 'c');
  assert.deepEqual(Object.keys(again.state.get(c)!), ['step', 'expAvg', 'expAvgSq']);
});

test('Adamax, NAdam, RAdam, ASGD, Rprop: a parameter without a gradient is skipped and gets no state; a dict without a state key is refused at load', () => {
  // PyTorch 1.13 (/usr/bin/python3): X([a, b]) with its defaults, a = [1, 2], b = [3], a.grad = [1, -1], one step;
  //   print(a.tolist(), b.tolist(), b in o.state): b stays [3] with no state for all five.
  const cases: [Run['optimizer'], number[], string][] = [
    ['Adamax', [0.9980000257492065, 2.002000093460083], 'exp_inf'],
    ['NAdam', [0.9979009628295898, 2.00209903717041], 'exp_avg_sq'],
    ['RAdam', [0.9990000128746033, 2.000999927520752], 'exp_avg_sq'],
    ['ASGD', [0.989998996257782, 2.009998083114624], 'ax'],
    ['Rprop', [0.9900000095367432, 2.009999990463257], 'step_size'],
  ];
  for (const [name, expected, last] of cases) {
    const a = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const b = tensor([3], { dtype: 'float32' }).requiresGrad_();
    const opt = new ctors[name]([a, b], {});
    a.grad = tensor([1, -1], { dtype: 'float32' });
    opt.step();
    assertClose(a._values(), expected, 1e-7, name);
    assert.deepEqual(b._values(), [3], name);
    assert.equal(opt.state.has(b), false, name);
    // dlab's own check (PyTorch would fail at the next step): each state key the optimizer keeps is needed.
    const dict = opt.stateDict();
    delete dict.state[0][last];
    const fresh = new ctors[name]([tensor([1, 2], { dtype: 'float32' }).requiresGrad_(), tensor([3], { dtype: 'float32' }).requiresGrad_()], {});
    assert.throws(() => fresh.loadStateDict(dict), new RegExp(`no state '${last}' for parameter 0, which ${name} keeps`), name);
  }
});

test('ASGD averages from step t0 on: ax and mu after four steps with t0 1 (the fixtures keep t0 at 1e6, where ax is p)', () => {
  // PyTorch 1.13: a = [1, 2], ASGD([a], lr=0.1, t0=1), a.grad = [1, -1] * k for k = 1..4, a step each; o.state[a].
  const a = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
  const opt = new optim.ASGD([a], { lr: 0.1, t0: 1 });
  for (let k = 1; k <= 4; k++) {
    a.grad = tensor([k, -k], { dtype: 'float32' });
    opt.step();
  }
  const state = opt.state.get(a)!;
  assertClose(a._values(), [-1.5050172805786133e-5, 2.999894618988037], 1e-6, 'p');
  assertClose((state.ax as Tensor)._values(), [0.1999824494123459, 2.7999119758605957], 1e-6, 'ax');
  assertClose((state.mu as Tensor)._values(), [0.3333333432674408], 1e-7, 'mu');
  assertClose((state.eta as Tensor)._values(), [0.09999699890613556], 1e-7, 'eta');
});

test('RMSprop, Adagrad, Adadelta: a parameter without a gradient is skipped (Adagrad keeps its state from the constructor)', () => {
  // PyTorch 1.13 (/usr/bin/python3): X([a, b], **kw), a = [1, 2], b = [3], a.grad = [1, -1], one step;
  //   print(a.tolist(), b.tolist(), o.state[b] if b in o.state else 'no state')
  const cases: [Run['optimizer'], Record<string, number>, number[]][] = [
    ['RMSprop', { lr: 0.1 }, [5.960464477539063e-8, 3.0]], // "no state"
    ['Adagrad', { lr: 0.1 }, [0.8999999761581421, 2.0999999046325684]], // {'step': 0.0, 'sum': [0.0]}
    ['Adadelta', { lr: 0.5 }, [0.9984188675880432, 2.0015811920166016]], // "no state"
  ];
  for (const [name, options, expected] of cases) {
    const a = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const b = tensor([3], { dtype: 'float32' }).requiresGrad_();
    const opt = new ctors[name]([a, b], options);
    a.grad = tensor([1, -1], { dtype: 'float32' });
    opt.step();
    assertClose(a._values(), expected, 1e-7, name);
    assert.deepEqual(b._values(), [3], name);
    if (name === 'Adagrad') {
      const s = opt.state.get(b)!;
      assert.deepEqual((s.step as Tensor)._values(), [0], name);
      assert.deepEqual((s.sum as Tensor)._values(), [0], name);
    } else {
      assert.equal(opt.state.has(b), false, name);
    }
  }
});

test('parameter checks: PyTorch 1.13\'s messages and type names, the duplicate warning, setToNone false on a gradient with a graph', (t) => {
  const p = zeros(2).requiresGrad_();
  // torch.typename of what is not a tensor (PyTorch 1.13: SGD([p, 1]) ... "is int").
  const names: [unknown, string][] = [[1, 'int'], [1.5, 'float'], ['a', 'str'], [true, 'bool'], [null, 'NoneType'], [undefined, 'NoneType'], [[p], 'list'], [{}, 'dict'], [new Map(), 'Map']];
  for (const [v, name] of names) {
    assert.throws(() => new optim.SGD([p, v as Tensor], { lr: 0.1 }), { name: 'TypeError', message: `optimizer can only optimize Tensors, but one of the params is ${name}` });
  }
  const opt = new optim.SGD([p], { lr: 0.1 });
  for (const group of [5, null, p]) {
    assert.throws(() => opt.addParamGroup(group as unknown as optim.ParamGroupInput), { name: 'TypeError', message: 'param group must be a dict' });
  }
  assert.throws(() => opt.addParamGroup({ params: new Set([zeros(1).requiresGrad_()]) }), {
    name: 'TypeError',
    message: 'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.',
  });
  assert.throws(() => new optim.SGD([p], { lr: 0.1, momentum: 0.9 }).addParamGroup({ params: [p.mul(2)] }), { name: 'Error', message: "can't optimize a non-leaf Tensor" });
  assert.throws(() => new optim.SGD(p as unknown as Tensor[], { lr: 0.1 }), {
    name: 'TypeError',
    message: 'params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor',
  });
  assert.throws(() => new optim.SGD([{ params: [zeros(1).requiresGrad_()] }], {} as { lr: number }), {
    message: "parameter group didn't specify a value of required optimization parameter lr",
  });
  // A non-leaf that retains its gradient may be optimized (PyTorch: is_leaf or retains_grad).
  const r = p.mul(2);
  r.retainGrad();
  assert.equal(new optim.SGD([r], { lr: 0.1 }).paramGroups[0].params[0], r);
  // Duplicates warn (PyTorch's text) and are kept.
  const warn = t.mock.method(console, 'warn', () => {});
  const dup = new optim.SGD([p, p], { lr: 0.1 });
  assert.equal(dup.paramGroups[0].params.length, 2);
  assert.deepEqual(warn.mock.calls.map((c) => c.arguments[0]), [
    'optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information',
  ]);
  new optim.SGD([p, zeros(1).requiresGrad_()], { lr: 0.1 });
  assert.equal(warn.mock.callCount(), 1);
  // A group's own list default is copied, not shared with defaults.
  const adam = new optim.Adam([p], { lr: 0.1 });
  assert.notEqual(adam.paramGroups[0].betas, adam.defaults.betas);
  assert.deepEqual(adam.paramGroups[0].betas, adam.defaults.betas);
  // setToNone false: a gradient with a graph (createGraph) is detached in place, then zeroed.
  const w = tensor([3], { dtype: 'float32' }).requiresGrad_();
  const sgd = new optim.SGD([w], { lr: 0.1 });
  w.mul(w).sum().backward(null, { createGraph: true });
  assert.notEqual(w.grad!.gradFn, null);
  const g = w.grad!;
  sgd.zeroGrad({ setToNone: false });
  assert.equal(w.grad, g, 'the same tensor, zeroed in place');
  assert.equal(g.gradFn, null);
  assert.equal(g.requiresGrad, false);
  assert.deepEqual(g._values(), [0]);
});

test('stateDict numbers parameters by position as PyTorch 1.13 (a duplicate takes its later one), params last; step() counts', (t) => {
  t.mock.method(console, 'warn', () => {}); // the duplicate warning
  const [p, q, r] = [zeros(2).requiresGrad_(), zeros(1).requiresGrad_(), zeros(1).requiresGrad_()];
  const opt = new optim.SGD([{ params: [p, p, q] }, { params: [r] }], { lr: 0.1, momentum: 0.9 });
  for (const x of [p, q, r]) x.grad = x.detach().add(1);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.param_groups.map((g) => g.params), api.duplicates.params);
  assert.deepEqual(Object.keys(sd.state), Object.keys(api.duplicates.state));
  assert.equal(Object.keys(sd.param_groups[0]).at(-1), 'params');
  assert.deepEqual(new Set(Object.keys(sd.param_groups[0])), new Set(api.duplicates.group_keys));
  // The dict loads back onto the same layout: each number finds its parameter.
  const again = new optim.SGD([{ params: [p, p, q] }, { params: [r] }], { lr: 0.1, momentum: 0.9 });
  again.loadStateDict(sd);
  assert.deepEqual([...again.state.keys()], [p, q, r]);
  opt.step();
  assert.equal(opt._stepCount, 2);
});
