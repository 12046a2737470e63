// nn.Module's bookkeeping against PyTorch 1.13 (tools/fixtures/module_api.py): registration and
// its refusals, named_* with their options, state dicts, load_state_dict's messages, reprs,
// hooks, train/apply, to(). Quick: small modules, no training.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import * as torch from '../../src/index.js';
import { nn, Tensor } from '../../src/index.js';
import { pyFloat, pyBool, addIndent } from '../../src/nn/module.js';

interface Err {
  type: string;
  message: string;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/module_api.json', import.meta.url), 'utf8')) as {
  errors: Record<string, Err>;
  reregister: { state_dict: string[]; b_shape: number[] };
  names: Record<string, string[]>;
  load: Record<string, Err> & {
    not_tensor: string;
    nonstrict: { missing: string[]; unexpected: string[] };
    not_tensor_prefix: string;
    scalar_from_vector: number;
    scalar_from_long_vector: number;
    scalar_from_scalar: number;
    lazy_dtypes: Record<string, string>;
  };
  reprs: Record<string, string>;
  py_floats: [number | string, string][];
  hooks: { order: unknown[]; out: number };
  modes: { apply: string[]; training_after_eval: boolean[] };
};

/** The Net of module_api.py: a parameter, a persistent and a non-persistent buffer, a block, a head shared as `tied`. */
class Net extends nn.Module {
  w = new nn.Parameter(torch.zeros(2));
  block: nn.Sequential;
  head = new nn.Linear(2, 1);
  tied: nn.Linear;
  constructor() {
    super();
    this.registerBuffer('running', torch.zeros(3));
    this.registerBuffer('scratch', torch.zeros(1), { persistent: false });
    this.block = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 2));
    this.tied = this.head;
  }
}

// PyTorch's KeyError / ValueError / AttributeError / RuntimeError are JS Errors; TypeError stays TypeError.
const jsType = (t: string) => (t === 'TypeError' ? TypeError : Error);
function throwsLike(fn: () => unknown, e: Err, msg = '') {
  assert.throws(fn, (err: Error) => {
    assert.equal(err.message, e.message, msg);
    assert.ok(err instanceof jsType(e.type), `${msg}: ${err.constructor.name} for ${e.type}`);
    return true;
  });
}

test('registration refuses bad names, taken names and wrong values in PyTorch words', () => {
  const e = fx.errors;
  const lin = new nn.Linear(3, 2);
  for (const kind of ['buffer', 'parameter', 'module'] as const) {
    const reg = (name: unknown) =>
      kind === 'buffer' ? lin.registerBuffer(name as string, null) : kind === 'parameter' ? lin.registerParameter(name as string, null) : lin.registerModule(name as string, null);
    // JS names the type of 1 'number' where Python says 'int'.
    throwsLike(() => reg(1), { ...e[`${kind}_name_type`], message: e[`${kind}_name_type`].message.replace('int', 'number') }, kind);
    throwsLike(() => reg('a.b'), e[`${kind}_name_dot`], kind);
    throwsLike(() => reg(''), e[`${kind}_name_empty`], kind);
  }
  throwsLike(() => lin.registerBuffer('weight', null), e.buffer_over_parameter);
  throwsLike(() => lin.registerModule('weight', new nn.ReLU()), e.module_over_parameter);
  throwsLike(() => lin.addModule('weight', new nn.ReLU()), e.module_over_parameter);
  throwsLike(() => lin.registerBuffer('forward', null), e.buffer_over_method);
  throwsLike(() => lin.registerModule('forward', new nn.ReLU()), e.module_over_method);
  throwsLike(() => lin.registerBuffer('x', 3 as unknown as Tensor), { ...e.buffer_not_tensor, message: e.buffer_not_tensor.message.replace("'int'", "'number'") });
  const nonLeaf = Object.setPrototypeOf(new nn.Parameter(torch.ones(1)).mul(2), nn.Parameter.prototype) as nn.Parameter;
  throwsLike(() => lin.registerParameter('y', nonLeaf), e.parameter_non_leaf);
  // A parameter name cannot take a buffer's or a child's place, nor a buffer a child's.
  const m = new nn.Module();
  m.registerBuffer('b', torch.zeros(1));
  m.registerModule('c', new nn.ReLU());
  assert.throws(() => m.registerParameter('b', null), { message: "attribute 'b' already exists" });
  assert.throws(() => m.registerParameter('c', null), { message: "attribute 'c' already exists" });
  assert.throws(() => m.registerBuffer('c', null), { message: "attribute 'c' already exists" });
  assert.throws(() => m.registerModule('b', new nn.ReLU()), { message: "attribute 'b' already exists" });
  assert.throws(() => m.registerModule('c2', 3 as unknown as nn.Module), { message: 'number is not a Module subclass' });
  // Nothing refused was registered.
  assert.deepEqual(Object.keys(m.stateDict()), ['b']);
  assert.deepEqual(Object.keys(lin.stateDict()), ['weight', 'bias']);
});

test("registerParameter names a plain tensor by PyTorch's type name", () => {
  throwsLike(() => new nn.Linear(1, 1).registerParameter('y', torch.zeros(1) as nn.Parameter), fx.errors.parameter_not_parameter);
});

test('Parameter and UninitializedParameter as PyTorch: defaults, dtype, materialize; state outlives a scope', () => {
  const p = new nn.Parameter();
  assert.deepEqual([...p.shape], [0]);
  assert.ok(p.requiresGrad, 'p.requiresGrad');
  const t = torch.ones(2);
  assert.ok(!t._storage.kept, '!t._storage.kept');
  new nn.Parameter(t);
  assert.ok(t._storage.kept, 'a parameter made inside torch.scope is not given back with it');
  const b = torch.zeros(1);
  new nn.Module().registerBuffer('b', b);
  assert.ok(b._storage.kept, 'nor is a buffer');
  const u = new nn.UninitializedParameter();
  assert.ok(u.requiresGrad, 'u.requiresGrad');
  assert.equal(u.dtype, 'float32');
  assert.equal(u.toString(), '<UninitializedParameter>');
  const d = new nn.UninitializedParameter(false, 'float64');
  assert.ok(!d.requiresGrad, '!d.requiresGrad');
  assert.equal(d.dtype, 'float64');
  assert.equal(d.materialize([2, 3]), d);
  assert.equal(d.constructor, nn.Parameter);
  assert.equal(d.dtype, 'float64');
  assert.deepEqual([...d.shape], [2, 3]);
  assert.ok(!d.requiresGrad, '!d.requiresGrad');
});

test('a field declared with an initial null or undefined can be registered as a buffer, parameter or child', () => {
  // PyTorch refuses a name already set to None (a plain attribute); a TS class field with an
  // initializer exists before the constructor body registers it, so dlab lets these through.
  class Fields extends nn.Module {
    stat: Tensor | null = null;
    later: Tensor | undefined = undefined;
    child: nn.Module | null = null;
    other: nn.Module | undefined = undefined;
    w: nn.Parameter | null = null;
    constructor() {
      super();
      this.registerBuffer('stat', torch.zeros(1));
      this.registerBuffer('later', torch.zeros(2));
      this.registerModule('child', new nn.ReLU());
      this.registerModule('other', new nn.Tanh());
      this.registerParameter('w', new nn.Parameter(torch.zeros(3)));
    }
  }
  const f = new Fields();
  assert.deepEqual(Object.keys(f.stateDict()), ['w', 'stat', 'later']);
  assert.deepEqual(f.namedChildren().map(([k]) => k), ['child', 'other']);
});

test('a buffer, a parameter slot and a child can each be registered again under their name', () => {
  const m = new nn.Module();
  m.registerBuffer('b', torch.zeros(1));
  m.registerBuffer('b', torch.ones(2));
  m.registerParameter('p', null);
  m.registerParameter('p', new nn.Parameter(torch.zeros(1)));
  m.registerModule('c', new nn.ReLU());
  m.registerModule('c', new nn.Linear(1, 1));
  assert.deepEqual(Object.keys(m.stateDict()), fx.reregister.state_dict);
  assert.deepEqual([...(m as unknown as { b: Tensor }).b.shape], fx.reregister.b_shape);
  // Registered again, each is still listed once.
  assert.equal(m.toString(), 'Module(\n  (c): Linear(in_features=1, out_features=1, bias=True)\n)');
  assert.deepEqual(m.namedModules({ removeDuplicate: false }).map(([k]) => k), ['', 'c']);
  assert.deepEqual(m.namedParameters({ removeDuplicate: false }).map(([k]) => k), ['p', 'c.weight', 'c.bias']);
  assert.deepEqual(m.namedBuffers({ removeDuplicate: false }).map(([k]) => k), ['b']);
  // A buffer registered non-persistent and then persistent is saved again.
  m.registerBuffer('s', torch.zeros(1), { persistent: false });
  assert.ok(!('s' in m.stateDict()), "!('s' in m.stateDict())");
  m.registerBuffer('s', torch.zeros(1), { persistent: true });
  assert.ok('s' in m.stateDict(), "'s' in m.stateDict()");
  // A null buffer or parameter is declared but neither listed nor saved.
  m.registerBuffer('none', null);
  m.registerParameter('nothing', null);
  assert.deepEqual(m.namedBuffers().map(([k]) => k), ['b', 's']);
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['p', 'c.weight', 'c.bias']);
});

test('named_modules, named_parameters, named_buffers and state_dict: names, order and options as PyTorch', () => {
  const net = new Net();
  const names = (xs: [string, unknown][]) => xs.map(([k]) => k);
  const n = fx.names;
  assert.deepEqual(names(net.namedModules()), n.modules);
  assert.deepEqual(names(net.namedModules({ prefix: 'net' })), n.modules_prefix);
  assert.deepEqual(names(net.namedModules({ removeDuplicate: false })), n.modules_dup);
  assert.deepEqual(names(net.namedChildren()), n.children);
  assert.deepEqual(net.children(), [net.block, net.head]);
  assert.deepEqual(names(net.namedParameters()), n.parameters);
  assert.deepEqual(names(net.namedParameters({ prefix: 'net' })), n.parameters_prefix);
  assert.deepEqual(names(net.namedParameters({ recurse: false })), n.parameters_local);
  assert.deepEqual(net.parameters({ recurse: false }), [net.w]);
  assert.deepEqual(names(net.namedBuffers()), n.buffers);
  assert.deepEqual(names(net.namedBuffers({ recurse: false })), n.buffers_local);
  assert.deepEqual(names(net.namedBuffers({ prefix: 'p' })), n.buffers_prefix);
  const own = net as unknown as { running: Tensor; scratch: Tensor };
  assert.deepEqual(net.buffers(), [own.running, own.scratch]);
  assert.deepEqual(Object.keys(net.stateDict()), n.state_dict);
  assert.deepEqual(Object.keys(net.stateDict({ prefix: 'model.' })), n.state_dict_prefix);
  assert.deepEqual(Object.keys(net.block.stateDict()), n.block_state_dict);
  // dlab's removeDuplicate (PyTorch 2's) on parameters lists the tied head under both names.
  assert.deepEqual(names(net.namedParameters({ removeDuplicate: false })), [...n.parameters, 'tied.weight', 'tied.bias']);
  assert.equal(net.modules().length, n.modules.length);
  // Submodules and parameters by path.
  assert.equal(net.getSubmodule(''), net);
  assert.equal(net.getSubmodule('block.2'), net.block.at(2));
  assert.equal(net.getParameter('w'), net.w);
  assert.equal(net.getParameter('block.0.bias'), (net.block.at(0) as nn.Linear).bias);
  const e = fx.errors;
  throwsLike(() => net.getSubmodule('block.5'), e.submodule_missing);
  throwsLike(() => net.getSubmodule('nothing'), e.submodule_missing_top);
  throwsLike(() => net.getSubmodule('block.0.weight'), e.submodule_not_module);
  throwsLike(() => net.getParameter('block.0.nothing'), e.parameter_missing);
  throwsLike(() => net.getParameter('running'), e.parameter_not_parameter_attr);
  throwsLike(() => net.getParameter('w.x'), e.parameter_through_non_module);
});

test('stateDict: detached values unless keepVars; into a given destination', () => {
  const net = new Net();
  const sd = net.stateDict();
  assert.ok(!sd.w.requiresGrad && sd.w !== net.w, '!sd.w.requiresGrad && sd.w !== net.w');
  assert.equal(sd.w._storage, net.w._storage, 'a view of the parameter, not a copy');
  const kept = net.stateDict({ keepVars: true });
  assert.equal(kept.w, net.w);
  assert.equal(kept['block.0.weight'], (net.block.at(0) as nn.Linear).weight);
  assert.equal(kept.running, (net as unknown as { running: Tensor }).running);
  const dest: Record<string, Tensor> = { before: torch.zeros(1) };
  assert.equal(net.stateDict({ destination: dest }), dest);
  assert.deepEqual(Object.keys(dest), ['before', ...fx.names.state_dict]);
});

test('loadStateDict: missing, unexpected, mismatched and non-tensor entries as PyTorch reports them', () => {
  const good = new Net().stateDict();
  const sd: Record<string, Tensor> = { ...good };
  delete sd['block.0.bias'];
  delete sd.w;
  sd['block.7.weight'] = torch.zeros(1);
  sd.extra = torch.zeros(1);
  sd['head.extra'] = torch.zeros(1);
  const l = fx.load;
  throwsLike(() => new Net().loadStateDict(sd), l.strict);
  throwsLike(() => new Net().loadStateDict(new Map(Object.entries(sd))), l.strict, 'a Map');
  assert.deepEqual(new Net().loadStateDict(sd, { strict: false }), { missingKeys: l.nonstrict.missing, unexpectedKeys: l.nonstrict.unexpected });
  const onlyMissing: Record<string, Tensor> = { ...good };
  delete onlyMissing.running;
  throwsLike(() => new Net().loadStateDict(onlyMissing), l.only_missing);
  throwsLike(() => new Net().loadStateDict({ ...good, 'block.1.weight': torch.zeros(1) }), l.only_unexpected);
  throwsLike(() => new Net().loadStateDict({ ...good, 'block.0.weight': torch.zeros(3, 3), running: torch.zeros(2) }, { strict: false }), l.mismatch);
  throwsLike(() => new Net().loadStateDict({ ...good, scratch: torch.zeros(1) }), l.scratch);
  // Python names the value's class (<class 'str'>); dlab its JS type.
  assert.throws(() => new Net().loadStateDict({ ...good, w: 'text' as unknown as Tensor }), {
    message: `${l.not_tensor.slice(0, l.not_tensor.indexOf(l.not_tensor_prefix))}${l.not_tensor_prefix}string`,
  });
  assert.throws(() => new Net().loadStateDict({ ...good, w: null as unknown as Tensor }), { message: /received NoneType$/ });
  // Other values by their JS class (PyTorch names the Python one: <class 'list'>); an object without a prototype as 'object'.
  assert.throws(() => new Net().loadStateDict({ ...good, w: [1, 2] as unknown as Tensor }), { message: /received Array$/ });
  assert.throws(() => new Net().loadStateDict({ ...good, w: Object.create(null) as Tensor }), { message: /received object$/ });
  // Not dict-like at all.
  assert.throws(() => new Net().loadStateDict([] as unknown as Record<string, Tensor>), { name: 'TypeError', message: 'Expected state_dict to be dict-like, got Array.' });
  assert.throws(() => new Net().loadStateDict(null as unknown as Record<string, Tensor>), { name: 'TypeError', message: 'Expected state_dict to be dict-like, got null.' });
  assert.throws(() => new Net().loadStateDict(torch.zeros(1) as unknown as Record<string, Tensor>), { name: 'TypeError', message: 'Expected state_dict to be dict-like, got Tensor.' });
  assert.throws(() => new Net().loadStateDict('sd' as unknown as Record<string, Tensor>), { name: 'TypeError', message: 'Expected state_dict to be dict-like, got string.' });
});

test('loadStateDict copies values in place, and a 0-dim entry takes element 0 of a vector', () => {
  torch.manualSeed(0);
  const src = new Net();
  const dst = new Net();
  const w = dst.w;
  assert.deepEqual(dst.loadStateDict(new Map(Object.entries(src.stateDict()))), { missingKeys: [], unexpectedKeys: [] });
  assert.equal(dst.w, w, 'the same parameter object');
  for (const [k, v] of Object.entries(src.stateDict())) assert.deepEqual(dst.stateDict()[k].tolist(), v.tolist(), k);
  assert.ok(dst.w.requiresGrad && dst.w.isLeaf && dst.w.gradFn === null, 'dst.w.requiresGrad && dst.w.isLeaf && dst.w.gradFn === null');
  const s = new nn.Module();
  s.registerBuffer('step', torch.tensor(0, { dtype: 'float32' }));
  s.loadStateDict({ step: torch.tensor([5], { dtype: 'float32' }) });
  assert.equal((s as unknown as { step: Tensor }).step.item(), fx.load.scalar_from_vector);
  s.loadStateDict({ step: torch.tensor([7, 2], { dtype: 'float32' }) });
  assert.equal((s as unknown as { step: Tensor }).step.item(), fx.load.scalar_from_long_vector);
  // A 0-dim entry is copied into a 0-dim buffer as it is; a [1, 1] one is not unwrapped.
  s.loadStateDict({ step: torch.tensor(9, { dtype: 'float32' }) });
  assert.equal((s as unknown as { step: Tensor }).step.item(), fx.load.scalar_from_scalar);
  throwsLike(() => s.loadStateDict({ step: torch.zeros(1, 1) }), fx.load.scalar_from_matrix);
  throwsLike(() => new nn.Linear(1, 1).loadStateDict({ weight: torch.zeros(1), bias: torch.zeros(1) }), fx.load.rank_mismatch);
  // A lazy parameter materializes with its own dtype (the module's), not the checkpoint's.
  const lazy = new nn.LazyLinear(2);
  lazy.loadStateDict({ weight: torch.ones(2, 3, { dtype: 'float64' }), bias: torch.zeros(2, { dtype: 'float64' }) });
  const lazy64 = new nn.LazyLinear(2, { dtype: 'float64' });
  lazy64.loadStateDict({ weight: torch.ones(2, 3), bias: torch.zeros(2) });
  const torchName = (t: Tensor) => `torch.${t.dtype}`;
  assert.deepEqual({ 'float32 from float64': torchName(lazy.weight), 'float64 from float32': torchName(lazy64.weight) }, fx.load.lazy_dtypes);
  // A 1-dim parameter is not unwrapped from a 1-dim entry of another size.
  assert.throws(() => new nn.Linear(1, 2).loadStateDict({ weight: torch.zeros(2, 1), bias: torch.zeros(1) }), {
    message: 'Error(s) in loading state_dict for Linear:\n\tsize mismatch for bias: copying a param with shape torch.Size([1]) from checkpoint, the shape in current model is torch.Size([2]).',
  });
  // A copy that fails (a dtype that cannot be cast) is reported under the key, not thrown raw.
  const fails = new nn.Linear(1, 1);
  (fails.weight as unknown as { copy_: () => never }).copy_ = () => {
    throw new Error('boom');
  };
  assert.throws(() => fails.loadStateDict({ weight: torch.zeros(1, 1), bias: torch.zeros(1) }), {
    message:
      'Error(s) in loading state_dict for Linear:\n\tWhile copying the parameter named "weight", whose dimensions in the model are torch.Size([1, 1]) and whose dimensions in the checkpoint are torch.Size([1, 1]), an exception occurred : boom.',
  });
});

test('repr as PyTorch: children indented, multi-line extraRepr, nothing', () => {
  assert.equal(new nn.Module().toString(), fx.reprs.Module);
  assert.equal(new Net().toString(), fx.reprs.Net);
  class Multi extends nn.Module {
    override extraRepr() {
      return 'a=1\nb=2';
    }
  }
  class MultiWithChild extends Multi {
    fc = new nn.Linear(1, 1);
  }
  assert.equal(new Multi().toString(), fx.reprs.Multi);
  assert.equal(new MultiWithChild().toString(), fx.reprs.MultiWithChild);
  class OneWithChild extends nn.Module {
    fc = new nn.Linear(1, 1);
    override extraRepr() {
      return 'a=1';
    }
  }
  assert.equal(new OneWithChild().toString(), fx.reprs.OneWithChild);
  // console.log and util.inspect print a module as its repr.
  assert.equal(inspect(new OneWithChild()), fx.reprs.OneWithChild);
  assert.equal(addIndent('one', 2), 'one');
  assert.equal(addIndent('a\nb\nc', 3), 'a\n   b\n   c');
});

test("pyFloat is Python's repr of a float; pyBool its True/False", () => {
  for (const [x, repr] of fx.py_floats) {
    const v = typeof x === 'string' ? Number(x.replace('inf', 'Infinity').replace('nan', 'NaN')) : x;
    assert.equal(pyFloat(v), repr, String(x));
  }
  assert.equal(pyBool(true), 'True');
  assert.equal(pyBool(false), 'False');
});

test('hooks: pre-hooks replace arguments (one value or a list), forward hooks the output, in registration order', () => {
  const order: unknown[] = [];
  const m = new nn.Identity();
  m.registerForwardPreHook(() => void order.push('pre1'));
  m.registerForwardPreHook((_m, args) => [(args[0] as Tensor).mul(2)]);
  m.registerForwardPreHook((_m, args) => (args[0] as Tensor).add(1));
  m.registerForwardHook((_m, args, out) => void order.push(['fwd1', (args[0] as Tensor).item(), (out as Tensor).item()]));
  m.registerForwardHook((_m, _args, out) => (out as Tensor).mul(10));
  m.registerForwardHook((_m, _args, out) => void order.push(['fwd3', (out as Tensor).item()]));
  const out = m.call(torch.tensor(3)) as Tensor;
  assert.deepEqual(order, fx.hooks.order);
  assert.equal(out.item(), fx.hooks.out);
  // prepend (PyTorch 2's option) puts a hook first; a removed hook stays removed.
  const seen: string[] = [];
  const k = new nn.Identity();
  k.registerForwardHook(() => void seen.push('a'));
  const hb = k.registerForwardHook(() => void seen.push('b'));
  k.registerForwardHook(() => void seen.push('c'), { prepend: true });
  k.registerForwardPreHook(() => void seen.push('pre-a'));
  k.registerForwardPreHook(() => void seen.push('pre-b'), { prepend: true });
  k.call(torch.zeros(1));
  assert.deepEqual(seen, ['pre-b', 'pre-a', 'c', 'a', 'b']);
  hb.remove();
  seen.length = 0;
  k.call(torch.zeros(1));
  assert.deepEqual(seen, ['pre-b', 'pre-a', 'c', 'a']);
  // A forward assigned to the instance still runs inside the hooks, with `this` the module.
  const f = new nn.Identity();
  f.forward = function (this: nn.Module, x: Tensor) {
    assert.equal(this, f);
    return x.add(1);
  };
  f.registerForwardHook((_m, _a, o) => (o as Tensor).mul(3));
  assert.equal((f.call(torch.tensor(1)) as Tensor).item(), 6);
  assert.equal((f.forward(torch.tensor(1)) as Tensor).item(), 6);
  // An arrow-function field forward replaces the wrapper; call() still runs the hooks around it.
  class Arrow extends nn.Module {
    override forward = (x: Tensor) => x.add(1);
  }
  const a = new Arrow();
  a.registerForwardHook((_m, _a, o) => (o as Tensor).mul(5));
  assert.equal((a.call(torch.tensor(1)) as Tensor).item(), 10);
});

test('apply visits children first; train(false) and eval reach every module; train refuses a non-boolean', () => {
  const net = new Net();
  const visited: string[] = [];
  assert.equal(
    net.apply((m) => void visited.push(m.constructor.name)),
    net,
  );
  assert.deepEqual(visited, fx.modes.apply);
  assert.equal(net.train(false), net);
  assert.deepEqual(net.modules().map((m) => m.training), fx.modes.training_after_eval);
  net.train();
  assert.ok(net.modules().every((m) => m.training), 'net.modules().every((m) => m.training)');
  assert.equal(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training), 'net.modules().every((m) => !m.training)');
  throwsLike(() => net.train(1 as unknown as boolean), { ...fx.errors.train_not_bool, type: 'TypeError' });
});

test('zeroGrad and requiresGrad_ reach every parameter; zeroGrad zeroes in place or drops', () => {
  const net = new Net();
  const x = torch.ones(4, 2);
  const loss = () => (net.head.call((net.block.call(x) as Tensor).add(net.w)) as Tensor).sum();
  loss().backward();
  const g = net.head.weight.grad!;
  assert.ok(g.abs().sum().item() > 0, 'g.abs().sum().item() > 0');
  net.zeroGrad({ setToNone: false });
  assert.equal(net.head.weight.grad, g, 'the same gradient tensor, zeroed');
  for (const p of net.parameters()) assert.equal(p.grad!.abs().sum().item(), 0);
  // A gradient that is part of a graph (create_graph) is detached before zeroing.
  const p = new nn.Parameter(torch.tensor([2], { dtype: 'float32' }));
  const holder = new nn.Module();
  holder.registerParameter('p', p);
  const [gp] = torch.autograd.grad(p.pow(3).sum(), [p], { createGraph: true });
  p.grad = gp;
  assert.ok(p.grad!.gradFn, 'p.grad!.gradFn');
  holder.zeroGrad({ setToNone: false });
  assert.equal(p.grad!.gradFn, null);
  assert.equal(p.grad!.item(), 0);
  // A leaf gradient that requires grad stops requiring it (PyTorch's requires_grad_(False)).
  p.grad = torch.zeros(1, { requiresGrad: true });
  holder.zeroGrad({ setToNone: false });
  assert.equal(p.grad!.requiresGrad, false);
  net.zeroGrad();
  for (const q of net.parameters()) assert.equal(q.grad, null);
  net.zeroGrad({ setToNone: false }); // no gradients: nothing to do
  assert.equal(net.requiresGrad_(false), net);
  assert.ok(net.parameters().every((q) => !q.requiresGrad), 'net.parameters().every((q) => !q.requiresGrad)');
  net.requiresGrad_();
  assert.ok(net.parameters().every((q) => q.requiresGrad), 'net.parameters().every((q) => q.requiresGrad)');
});

test('to(): floating state changes dtype in place, integer buffers and gradients follow the rules', () => {
  const bn = new nn.BatchNorm1d(2);
  const lin = new nn.Linear(2, 2);
  const seq = new nn.Sequential(lin, bn);
  (seq.at(0) as nn.Linear).call(torch.ones(1, 2)).sum().backward();
  const w = lin.weight;
  assert.equal(seq.to('float64'), seq);
  assert.equal(lin.weight, w);
  assert.equal(w.dtype, 'float64');
  assert.equal(w.grad!.dtype, 'float64');
  assert.equal(bn.running_mean!.dtype, 'float64');
  assert.equal(bn.num_batches_tracked!.dtype, 'int64');
  seq.float();
  assert.equal(w.dtype, 'float32');
  assert.equal(w.grad!.dtype, 'float32');
  seq.to(torch.zeros(1, { dtype: 'float64' }));
  assert.equal(w.dtype, 'float64');
  seq.to({ dtype: 'float32' });
  assert.equal(w.dtype, 'float32');
  seq.double().to('cpu');
  assert.equal(w.dtype, 'float64');
  assert.equal(seq.cpu(), seq);
  assert.equal(String(w.device), 'cpu');
  assert.equal((seq.to as (...a: unknown[]) => unknown)(), seq, 'no arguments: nothing to do');
});

test("to() refuses a non-floating dtype in PyTorch's words", () => {
  const seq = new nn.Sequential(new nn.Linear(1, 1));
  throwsLike(() => seq.to('int32'), fx.errors.to_int_dtype);
  throwsLike(() => seq.to('bool'), fx.errors.to_bool_dtype);
  assert.equal((seq.at(0) as nn.Linear).weight.dtype, 'float32');
});

test('fields assigned after construction are found; a deleted state name is forgotten', () => {
  const m = new nn.Module() as nn.Module & Record<string, unknown>;
  m.a = new nn.Parameter(torch.zeros(1));
  m.plain = torch.zeros(1); // a plain tensor field is not state
  m.sub = new nn.ReLU();
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['a']);
  assert.deepEqual(m.namedChildren().map(([k]) => k), ['sub']);
  m._deleteState('a');
  assert.equal(m.a, undefined);
  m._deleteState('never-registered'); // forgets nothing else
  assert.deepEqual(m.namedChildren().map(([k]) => k), ['sub']);
  assert.deepEqual(Object.keys(m.stateDict()), []);
  m.registerBuffer('b', torch.zeros(1), { persistent: false });
  m._deleteState('b');
  m.registerParameter('b', new nn.Parameter(torch.zeros(1)));
  assert.deepEqual(Object.keys(m.stateDict()), ['b']);
  assert.deepEqual(m.namedBuffers(), []);
  // A child listed under two names is one child (named_children dedups).
  const r = new nn.ReLU();
  m.x = r;
  m.y = r;
  assert.deepEqual(m.namedChildren().map(([k]) => k), ['sub', 'x']);
});

test('a plain field that later holds a parameter is listed from then on, after those already found (PyTorch\'s order)', () => {
  // PyTorch: self.a = 1; self.b = Parameter(...); self.a = Parameter(...) lists b, then a.
  const m = new nn.Module() as nn.Module & Record<string, unknown>;
  m.a = 1;
  m.b = new nn.Parameter(torch.zeros(1));
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['b']);
  m.a = new nn.Parameter(torch.zeros(2));
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['b', 'a']);
  assert.deepEqual(Object.keys(m.stateDict()), ['b', 'a']);
});
