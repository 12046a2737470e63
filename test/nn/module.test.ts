// Module mechanics: field discovery, registration, hooks on nested calls, tied parameters,
// train/eval, zeroGrad, containers, lazy layers, state dicts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, Tensor } from '../../src/index.js';

class MLP extends nn.Module {
  hidden = new nn.Linear(20, 16);
  out = new nn.Linear(16, 10);
  override forward(x: Tensor): Tensor {
    return this.out.forward(this.hidden.forward(x).relu());
  }
}

test('Parameter is a Tensor that requires grad and shares storage', () => {
  const t = torch.ones(2);
  const p = new nn.Parameter(t);
  // Not a copy: the parameter is t's storage (the instanceof checks here were true by construction).
  assert.equal(p._storage, t._storage);
  assert.ok(p.requiresGrad && p.isLeaf, 'p.requiresGrad && p.isLeaf');
  assert.equal(p.toString(), 'Parameter containing:\ntensor([1., 1.], requires_grad=True)');
  torch.noGrad(() => p.mul_(3));
  assert.deepEqual(t.tolist(), [3, 3]);
  assert.equal(new nn.Parameter(torch.ones(1), false).requiresGrad, false);
});

test('fields are found as parameters and children, in declaration order', () => {
  const m = new MLP();
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']);
  assert.equal(m.parameters().length, 4);
  assert.deepEqual(m.children(), [m.hidden, m.out]);
  // Reassigning a field replaces the child.
  m.out = new nn.Linear(16, 3);
  assert.deepEqual(m.getParameter('out.weight').shape, [3, 16]);
  assert.equal(m.getSubmodule('hidden'), m.hidden);
});

test('explicit registration and its errors', () => {
  const m = new nn.Module();
  m.registerParameter('w', new nn.Parameter(torch.zeros(2)));
  m.registerBuffer('running', torch.zeros(3));
  m.registerBuffer('scratch', torch.zeros(1), { persistent: false });
  m.registerModule('sub', new nn.Linear(1, 1));
  assert.deepEqual(Object.keys(m.stateDict()), ['w', 'running', 'sub.weight', 'sub.bias']);
  assert.deepEqual(m.namedBuffers().map(([k]) => k), ['running', 'scratch']);
  assert.throws(() => m.registerParameter('a.b', null), /parameter name can't contain "."/);
  assert.throws(() => m.registerParameter('', null), /parameter name can't be empty string ""/);
  assert.throws(() => m.registerParameter('running', null), /attribute 'running' already exists/);
  assert.throws(() => m.registerParameter('forward', null), /attribute 'forward' already exists/);
  assert.throws(() => m.registerParameter('x', torch.zeros(1) as nn.Parameter), /cannot assign 'torch.FloatTensor' object to parameter 'x'/);
  const nonLeaf = torch.ones(1, { requiresGrad: true }).mul(2);
  assert.throws(() => m.registerParameter('y', Object.setPrototypeOf(nonLeaf, nn.Parameter.prototype)), /Cannot assign non-leaf Tensor/);
  assert.throws(() => m.registerModule('z', {} as nn.Module), /is not a Module subclass/);
  assert.throws(() => new nn.Module().forward(), /Module \[Module\] is missing the required "forward" function/);
});

test('forward hooks run for call() and for nested forward() calls, and can be removed', () => {
  const m = new MLP();
  const seen: string[] = [];
  const h1 = m.hidden.registerForwardPreHook((mod) => void seen.push(`pre ${(mod as nn.Linear).outFeatures}`));
  const h2 = m.hidden.registerForwardHook((_mod, _args, out) => {
    seen.push('post');
    return (out as Tensor).mul(0);
  });
  const h3 = m.registerForwardHook(() => void seen.push('root'));
  const y = m.call(torch.randn(2, 20));
  assert.deepEqual(seen, ['pre 16', 'post', 'root']);
  // The hidden layer's output was replaced by zeros, so only out's bias remains.
  assert.deepEqual(y.tolist(), torch.stack([m.out.bias!, m.out.bias!]).tolist());
  h1.remove();
  h2.remove();
  h3.remove();
  seen.length = 0;
  m.call(torch.randn(2, 20));
  assert.deepEqual(seen, []);
  // A pre-hook may replace the arguments.
  const lin = new nn.Linear(2, 2);
  lin.registerForwardPreHook((_m, args) => [(args[0] as Tensor).mul(0)]);
  assert.deepEqual(lin.forward(torch.ones(1, 2)).tolist(), [lin.bias!.tolist()]);
});

test('tied parameters are counted and returned once; state dict keeps both names', () => {
  class Tied extends nn.Module {
    enc = new nn.Linear(4, 4);
    dec = new nn.Linear(4, 4);
    constructor() {
      super();
      this.dec.weight = this.enc.weight;
    }
  }
  const m = new Tied();
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['enc.weight', 'enc.bias', 'dec.bias']);
  assert.equal(m.parameters().reduce((n, p) => n + p.numel(), 0), 16 + 4 + 4);
  assert.deepEqual(Object.keys(m.stateDict()), ['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
  const shared = new nn.Linear(3, 3);
  const seq = new nn.Sequential(shared, new nn.ReLU(), shared);
  assert.equal(seq.parameters().length, 2);
  assert.equal(seq.modules().length, 3);
  assert.equal(seq.length, 3);
});

test('train() and eval() reach every submodule and switch Dropout', () => {
  const net = new nn.Sequential(new nn.Linear(10, 10), new nn.Dropout(0.5));
  const x = torch.ones(4, 10);
  assert.ok(net.training && net.at(1).training, 'net.training && net.at(1).training');
  torch.manualSeed(0);
  const a = net.call(x);
  assert.ok(a.eq(0).any().item(), 'training mode drops some units');
  net.eval();
  assert.ok(!net.training && !net.at(1).training, '!net.training && !net.at(1).training');
  assert.deepEqual(new nn.Dropout(0.5).eval().call(x).tolist(), x.tolist());
  assert.deepEqual(net.call(x).tolist(), net.at(0).call(x).tolist());
  assert.throws(() => new nn.Dropout(1.5), /dropout probability has to be between 0 and 1, but got 1.5/);
});

test('zeroGrad, requiresGrad_ and apply', () => {
  const m = new MLP();
  m.call(torch.randn(3, 20)).sum().backward();
  assert.ok(m.hidden.weight.grad, 'm.hidden.weight.grad');
  m.zeroGrad({ setToNone: false });
  assert.equal(m.hidden.weight.grad!.abs().sum().item(), 0);
  m.zeroGrad();
  assert.equal(m.hidden.weight.grad, null);
  m.requiresGrad_(false);
  assert.ok(m.parameters().every((p) => !p.requiresGrad), 'm.parameters().every((p) => !p.requiresGrad)');
  const names: string[] = [];
  m.apply((mod) => names.push(mod.constructor.name));
  assert.deepEqual(names, ['Linear', 'Linear', 'MLP']);
  m.apply((mod) => {
    if (mod instanceof nn.Linear) nn.init.zeros_(mod.weight);
  });
  assert.equal(m.hidden.weight.abs().sum().item(), 0);
});

test('Sequential: indexing, append, insert, delete, slicing, iteration', () => {
  const a = new nn.Linear(2, 3);
  const r = new nn.ReLU();
  const b = new nn.Linear(3, 1);
  const seq = new nn.Sequential(a, r);
  seq.append(b);
  assert.equal(seq.length, 3);
  assert.equal(seq.at(0), a);
  assert.equal(seq.at(-1), b);
  assert.throws(() => seq.at(3), /index 3 is out of range/);
  assert.deepEqual([...seq], [a, r, b]);
  const tail = seq.slice(1);
  assert.ok(tail instanceof nn.Sequential, 'tail instanceof nn.Sequential');
  assert.deepEqual(Object.keys(tail.stateDict()), ['2.weight', '2.bias']);
  seq.delete(1);
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
  seq.insert(1, r);
  assert.equal(seq.at(1), r);
  assert.deepEqual([...seq.call(torch.ones(4, 2)).shape], [4, 1]);
  const named = new nn.Sequential(new Map<string, nn.Module>([['fc', new nn.Linear(2, 2)], ['act', new nn.Tanh()]]));
  assert.equal(named.toString(), 'Sequential(\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n  (act): Tanh()\n)');
});

test('ModuleList, ModuleDict, ParameterList, ParameterDict', () => {
  const list = new nn.ModuleList<nn.Module>([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
  list.append(new nn.ReLU());
  assert.equal(list.length, 3);
  assert.equal(list.slice(0, 2).length, 2);
  assert.equal(list.parameters().length, 4);
  const dict = new nn.ModuleDict<nn.Module>({ a: new nn.Linear(1, 1) });
  dict.set('b', new nn.Tanh());
  assert.deepEqual(dict.keys(), ['a', 'b']);
  assert.ok(dict.get('b') instanceof nn.Tanh, "dict.get('b') instanceof nn.Tanh");
  dict.pop('a');
  assert.equal(dict.parameters().length, 0);
  const plist = new nn.ParameterList([torch.ones(2), new nn.Parameter(torch.zeros(3))]);
  assert.ok(plist.at(0) instanceof nn.Parameter, 'plist.at(0) instanceof nn.Parameter');
  assert.deepEqual(Object.keys(plist.stateDict()), ['0', '1']);
  const pdict = new nn.ParameterDict({ w: torch.ones(2) });
  pdict.set('v', torch.zeros(1));
  assert.deepEqual(pdict.namedParameters().map(([k]) => k), ['w', 'v']);
});

test('stateDict / loadStateDict round trip (detached copies, strict by default)', () => {
  torch.manualSeed(1);
  const a = new MLP();
  const b = new MLP();
  const sd = a.stateDict();
  assert.ok(!sd['hidden.weight'].requiresGrad, "!sd['hidden.weight'].requiresGrad");
  assert.deepEqual(b.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
  const x = torch.randn(2, 20);
  assert.deepEqual(b.call(x).tolist(), a.call(x).tolist());
  const { ['out.bias']: _dropped, ...partial } = sd;
  assert.throws(() => b.loadStateDict(partial), /Error\(s\) in loading state_dict for MLP:\n\tMissing key\(s\) in state_dict: "out.bias". /);
  assert.deepEqual(b.loadStateDict(partial, { strict: false }).missingKeys, ['out.bias']);
});

test('LazyLinear infers in_features on the first call (d2l 6.4)', () => {
  const net = new nn.Sequential(new nn.LazyLinear(8), new nn.ReLU(), new nn.LazyLinear(2));
  const first = net.at(0) as nn.Linear;
  assert.equal(first.weight.toString(), '<UninitializedParameter>');
  assert.equal(first.toString(), 'LazyLinear(in_features=0, out_features=8, bias=True)');
  const y = net.call(torch.randn(3, 5));
  assert.deepEqual([...y.shape], [3, 2]);
  assert.deepEqual([...first.weight.shape], [8, 5]);
  assert.ok(first instanceof nn.Linear && first.constructor === nn.Linear, 'first instanceof nn.Linear && first.constructor === nn.Linear');
  assert.equal(first.toString(), 'Linear(in_features=5, out_features=8, bias=True)');
  // Loading a state dict also materializes a lazy module.
  const lazy = new nn.LazyLinear(2);
  lazy.loadStateDict({ weight: torch.ones(2, 3), bias: torch.zeros(2) });
  assert.deepEqual([...lazy.weight.shape], [2, 3]);
});

test('Linear reports shape errors as PyTorch', () => {
  assert.throws(() => new nn.Linear(4, 5).call(torch.ones(2, 3)), { message: 'mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)' });
});

test('module.double() converts parameters in place', () => {
  const m = new nn.Linear(2, 2);
  const w = m.weight;
  m.double();
  assert.equal(m.weight, w);
  assert.equal(w.dtype, 'float64');
  assert.equal(m.call(torch.ones(1, 2, { dtype: 'float64' })).dtype, 'float64');
});

test('inplace activations write into their input and give the out-of-place gradients', () => {
  const pairs: [nn.Module, nn.Module][] = [
    [new nn.ReLU(true), new nn.ReLU()],
    [new nn.LeakyReLU(0.1, true), new nn.LeakyReLU(0.1)],
    [new nn.ELU(1, { inplace: true }), new nn.ELU(1)],
    [new nn.Hardtanh(-1, 1, true), new nn.Hardtanh(-1, 1)],
    [new nn.SiLU(true), new nn.SiLU()],
    [new nn.Mish(true), new nn.Mish()],
    [new nn.Dropout(0.5, { inplace: true }), new nn.Dropout(0.5)],
  ];
  for (const [inplace, plain] of pairs) {
    const run = (m: nn.Module) => {
      torch.manualSeed(0);
      const x = torch.randn(3, 4, { requiresGrad: true });
      const h = x.mul(1);
      const y = m.call(h) as Tensor;
      y.sum().backward();
      return { x, h, y };
    };
    const a = run(inplace);
    const b = run(plain);
    assert.equal(a.y, a.h, `${inplace} returns its input`);
    assert.deepEqual(a.y.tolist(), b.y.tolist(), `${inplace} values`);
    assert.deepEqual(a.x.grad!.tolist(), b.x.grad!.tolist(), `${inplace} gradient`);
  }
});
