// nn.Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict against PyTorch 1.13
// (tools/fixtures/containers.py): which module sits under which name after each change, the
// refusals, the reprs. Modules are told apart by out_features: Linear(1, k) is "module k".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, Tensor } from '../../src/index.js';

interface Err {
  type: string;
  message: string;
}
type Keyed = [string, number][];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fx = JSON.parse(readFileSync(new URL('../fixtures/containers.json', import.meta.url), 'utf8')) as Record<string, any>;

const mk = (...ks: number[]) => ks.map((k) => new nn.Linear(1, k));
/** The container's names in order and which module each holds (PyTorch's _modules.items()). */
const keyed = (c: nn.Module): Keyed => c.namedChildren().map(([k, m]) => [k, (m as nn.Linear).outFeatures]);
/** Like keyed, but a module held twice is listed twice (namedChildren lists it once). */
const keyedAll = (c: nn.Module): Keyed =>
  Object.keys(c.stateDict())
    .filter((k) => k.endsWith('.weight'))
    .map((k) => [k.slice(0, -'.weight'.length), c.stateDict()[k].shape[0]]);

function throwsLike(fn: () => unknown, e: Err, msg = '') {
  assert.throws(fn, (err: Error) => {
    assert.equal(err.message, e.message, msg);
    return true;
  });
}

for (const name of ['Sequential', 'ModuleList'] as const) {
  const make = (...ks: number[]): nn.Sequential | nn.ModuleList => (name === 'Sequential' ? new nn.Sequential(...mk(...ks)) : new nn.ModuleList(mk(...ks)));

  test(`${name}: at, slice, setAt, delete, pop, append, extend as PyTorch`, () => {
    const c = make(1, 2, 3);
    for (const [i, k] of Object.entries(fx[`${name}_at`] as Record<string, number>)) assert.equal((c.at(Number(i)) as nn.Linear).outFeatures, k, `at(${i})`);
    for (const [i, e] of Object.entries(fx[`${name}_at_errors`] as Record<string, Err>)) throwsLike(() => c.at(Number(i)), e, `at(${i})`);
    for (const [range, want] of Object.entries(fx[`${name}_slices`] as Record<string, { type: string; keyed: Keyed }>)) {
      const [start, stop] = range.split(':').map((v) => (v === 'None' ? undefined : Number(v)));
      const s = c.slice(start, stop);
      assert.equal(s.constructor.name, want.type, range);
      assert.deepEqual(keyed(s), want.keyed, `slice ${range}`);
    }
    assert.deepEqual([...c].map((m) => (m as nn.Linear).outFeatures), [1, 2, 3]);
    assert.equal(c.length, 3);

    const d = make(1, 2, 3, 4);
    d.setAt(-1, new nn.Linear(1, 40));
    d.setAt(0, new nn.Linear(1, 10));
    assert.deepEqual(keyed(d), fx[`${name}_set`]);
    throwsLike(() => d.setAt(4, new nn.Linear(1, 9)), fx[`${name}_set_error`]);
    d.delete(1);
    assert.deepEqual(keyed(d), fx[`${name}_del1`]);
    d.delete(-1);
    assert.deepEqual(keyed(d), fx[`${name}_del_last`]);
    throwsLike(() => d.delete(2), fx[`${name}_del_error`]);
    assert.deepEqual(keyed(d), fx[`${name}_del_last`], 'a refused delete changes nothing');

    const p = make(1, 2, 3, 4);
    assert.equal((p.pop(1) as nn.Linear).outFeatures, fx[`${name}_pop1`].popped);
    assert.deepEqual(keyed(p), fx[`${name}_pop1`].keyed);
    assert.equal((p.pop(-1) as nn.Linear).outFeatures, fx[`${name}_pop_last`].popped);
    assert.deepEqual(keyed(p), fx[`${name}_pop_last`].keyed);
    assert.equal(p.append(new nn.Linear(1, 7)), p);
    assert.equal(p.extend(mk(8, 9)), p);
    assert.deepEqual(keyed(p), fx[`${name}_append_extend`]);
    // dlab's pop() without an index takes the last, as Python's list.pop().
    assert.equal((p.pop() as nn.Linear).outFeatures, 9);
  });

  test(`${name}: insert as PyTorch`, () => {
    for (const [i, want] of Object.entries(fx[`${name}_insert`] as Record<string, Keyed>)) {
      const c = make(1, 2, 3);
      c.insert(Number(i), new nn.Linear(1, 99));
      assert.deepEqual(keyed(c), want, `insert(${i})`);
    }
  });

  test(`${name}: a module held twice is kept twice through delete and insert`, () => {
    const shared = new nn.Linear(1, 5);
    const c = name === 'Sequential' ? new nn.Sequential(shared, new nn.Linear(1, 6), shared) : new nn.ModuleList([shared, new nn.Linear(1, 6), shared]);
    assert.equal(c.length, 3);
    assert.deepEqual(keyedAll(c), [['0', 5], ['1', 6], ['2', 5]]);
    c.delete(1);
    assert.deepEqual(keyedAll(c), [['0', 5], ['1', 5]]);
    c.insert(1, new nn.Linear(1, 7));
    assert.deepEqual(keyedAll(c), [['0', 5], ['1', 7], ['2', 5]]);
    assert.deepEqual([...c].map((m) => (m as nn.Linear).outFeatures), [5, 7, 5]);
  });
}

test('Sequential.insert refuses an index outside -n..n; ModuleList clamps as a JS list', () => {
  for (const [i, e] of Object.entries(fx.Sequential_insert_errors as Record<string, Err>)) {
    const c = new nn.Sequential(...mk(1, 2, 3));
    throwsLike(() => c.insert(Number(i), new nn.Linear(1, 99)), e, `insert(${i})`);
    assert.equal(c.length, 3);
  }
  const s = new nn.Sequential(...mk(1));
  assert.equal(s.insert(0, new nn.Linear(1, 2)), s);
  // PyTorch's ModuleList.insert has no check (insert(10, m) stores key '10'); dlab appends.
  const l = new nn.ModuleList(mk(1, 2));
  l.insert(10, new nn.Linear(1, 3));
  l.insert(-10, new nn.Linear(1, 4));
  assert.deepEqual(keyed(l), [['0', 4], ['1', 1], ['2', 2], ['3', 3]]);
});

test('Sequential from a Map keeps its names through slice and append; delete renumbers', () => {
  const named = new nn.Sequential(
    new Map<string, nn.Module>([
      ['fc', new nn.Linear(1, 1)],
      ['act', new nn.Linear(1, 2)],
      ['out', new nn.Linear(1, 3)],
    ]),
  );
  assert.deepEqual(keyed(named.slice(1)), fx.named_slice);
  named.append(new nn.Linear(1, 4));
  assert.deepEqual(keyed(named), fx.named_append);
  named.delete(0);
  assert.deepEqual(keyed(named), fx.named_del);
});

test('Sequential runs its modules in order, through call() so hooks run', () => {
  const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
  torch.noGrad(() =>
    seq.parameters().forEach((p, i) =>
      p.copy_(
        torch
          .arange(p.numel(), { dtype: 'float32' })
          .reshape([...p.shape])
          .mul(0.1)
          .sub(0.2 * i),
      ),
    ),
  );
  const y = seq.call(torch.tensor(fx.seq_forward.input as number[][], { dtype: 'float32' }));
  const want = (fx.seq_forward.output as number[][]).flat();
  y.toTypedArray().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
  let hooked = 0;
  seq.at(1).registerForwardHook(() => void hooked++);
  seq.call(torch.ones(1, 2));
  assert.equal(hooked, 1);
});

test('ModuleDict as PyTorch: update, set, has, pop, delete, clear, keys, values, items, repr', () => {
  const d = new nn.ModuleDict<nn.Linear>({ a: new nn.Linear(1, 1), b: new nn.Linear(1, 2) });
  d.update([
    ['c', new nn.Linear(1, 3)],
    ['a', new nn.Linear(1, 10)],
  ]);
  assert.equal(d.set('d', new nn.Linear(1, 4)), d);
  assert.deepEqual(keyed(d), fx.ModuleDict_update);
  assert.deepEqual(d.keys(), fx.ModuleDict_keys);
  assert.deepEqual([...d], fx.ModuleDict_keys);
  assert.deepEqual(
    d.values().map((m) => m.outFeatures),
    (fx.ModuleDict_update as Keyed).map(([, k]) => k),
  );
  assert.deepEqual(
    d.items().map(([k, m]) => [k, m.outFeatures]),
    fx.ModuleDict_update,
  );
  assert.equal(d.length, fx.ModuleDict_len);
  assert.deepEqual([d.has('b'), d.has('z')], fx.ModuleDict_contains);
  assert.equal(d.pop('b').outFeatures, fx.ModuleDict_pop.popped);
  assert.deepEqual(keyed(d), fx.ModuleDict_pop.keyed);
  d.delete('c');
  assert.deepEqual(keyed(d), fx.ModuleDict_del);
  // Python's str(KeyError('z')) is "'z'"; dlab names the error in its message.
  assert.throws(() => d.get('z'), { message: `KeyError: '${fx.ModuleDict_missing.message}'` });
  assert.deepEqual(Object.keys(d.stateDict()), fx.ModuleDict_state_dict);
  d.clear();
  assert.deepEqual([d.length, Object.keys(d.stateDict())], fx.ModuleDict_clear);
  assert.equal(new nn.ModuleDict<nn.Module>({ x: new nn.ReLU(), y: new nn.Linear(1, 2) }).toString(), fx.ModuleDict_repr);
  // Built from a Map, pairs or another ModuleDict, in their order.
  const fromMap = new nn.ModuleDict(new Map([['q', new nn.Linear(1, 5)], ['p', new nn.Linear(1, 6)]]));
  assert.deepEqual(keyed(fromMap), [['q', 5], ['p', 6]]);
  assert.deepEqual(keyed(new nn.ModuleDict(fromMap)), [['q', 5], ['p', 6]]);
  assert.equal(new nn.ModuleDict().length, 0);
});

test('ParameterList as PyTorch: wrapping, indexing, setAt, repr', () => {
  const p = fx.ParameterList;
  const pl = new nn.ParameterList([torch.ones(2), new nn.Parameter(torch.zeros(3, 4), false)]);
  assert.equal(pl.append(torch.ones(1, { dtype: 'float64' })), pl);
  assert.equal(pl.extend([torch.zeros(2, 2)]), pl);
  assert.equal(pl.length, p.len);
  assert.deepEqual(Object.keys(pl.stateDict()), p.state_dict);
  assert.deepEqual([...pl].map((q) => q.requiresGrad), p.requires_grad);
  assert.ok([...pl].every((q) => q instanceof nn.Parameter));
  assert.deepEqual([...pl].map((q) => [...q.shape]), p.shapes);
  assert.deepEqual([...pl.at(-1).shape], p['at_-1']);
  assert.deepEqual([...pl.at(-4).shape], p['at_-4']);
  throwsLike(() => pl.at(4), p.at_error);
  throwsLike(() => pl.at(-5), p.at_error_neg);
  assert.equal(pl.toString(), p.repr);
  pl.setAt(1, torch.ones(5));
  assert.ok(pl.at(1) instanceof nn.Parameter);
  assert.deepEqual([...pl].map((q) => [...q.shape]), p.after_set);
  throwsLike(() => pl.setAt(4, torch.ones(1)), p.set_error);
  // A parameter passed in is kept, not copied.
  const q = new nn.Parameter(torch.ones(1));
  assert.equal(new nn.ParameterList([q]).at(0), q);
  assert.equal(new nn.ParameterList().length, 0);
  assert.equal(new nn.ParameterList().toString(), 'ParameterList()');
});

test('ParameterDict as PyTorch: a plain object sorted, pairs in order, wrapping, repr, refusals', () => {
  const p = fx.ParameterDict;
  const pd = new nn.ParameterDict({ w: torch.ones(2), v: new nn.Parameter(torch.zeros(3), false) });
  pd.update([
    ['u', torch.ones(1, { dtype: 'float64' })],
    ['w', torch.zeros(4)],
  ]);
  assert.equal(pd.set('t', torch.zeros(2, 3)), pd);
  assert.deepEqual(pd.keys(), p.keys);
  assert.deepEqual([...pd], p.keys);
  assert.deepEqual(pd.values().map((q) => [...q.shape]), p.shapes);
  assert.deepEqual(pd.items().map(([, q]) => q.requiresGrad), p.requires_grad);
  assert.deepEqual(pd.items().map(([k]) => k), p.keys);
  assert.ok(pd.values().every((q) => q instanceof nn.Parameter));
  assert.equal(pd.length, p.len);
  assert.deepEqual([pd.has('v'), pd.has('z')], p.contains);
  assert.equal(pd.toString(), p.repr);
  throwsLike(() => pd.get('z'), p.missing);
  assert.deepEqual(Object.keys(pd.stateDict()), p.state_dict);
  assert.deepEqual([...pd.pop('v').shape], p.after_pop_del.popped);
  pd.delete('u');
  assert.deepEqual(pd.keys(), p.after_pop_del.keys);
  // A Map or another ParameterDict keeps its order (an OrderedDict in PyTorch).
  const fromMap = new nn.ParameterDict(new Map<string, Tensor>([['b', torch.ones(1)], ['a', torch.ones(2)]]));
  assert.deepEqual(fromMap.keys(), ['b', 'a']);
  assert.deepEqual(new nn.ParameterDict(fromMap).keys(), ['b', 'a']);
  assert.equal(new nn.ParameterDict().length, 0);
});

test('ParameterDict sorts a plain object of any size; names integer and bool parameters by type in its repr', () => {
  const sorted = new nn.ParameterDict({ c: torch.ones(1), a: torch.ones(2), d: torch.ones(3), b: torch.ones(4) });
  assert.deepEqual(sorted.keys(), fx.ParameterDict_sorted);
  assert.deepEqual(
    sorted.values().map((p) => p.shape[0]),
    [2, 4, 1, 3],
  );
  const ints = new nn.ParameterDict(
    new Map<string, Tensor>([
      ['l', new nn.Parameter(torch.zeros(2, { dtype: 'int64' }), false)],
      ['i', new nn.Parameter(torch.zeros(1, { dtype: 'int32' }), false)],
      ['b', new nn.Parameter(torch.zeros(3, { dtype: 'bool' }), false)],
      ['d', new nn.Parameter(torch.zeros(1, { dtype: 'float64' }))],
    ]),
  );
  assert.equal(ints.toString(), fx.ParameterDict_types_repr);
});

test('containers built empty or from one module', () => {
  assert.equal(new nn.ModuleList().length, 0);
  assert.deepEqual([...new nn.ModuleList()], []);
  const only = new nn.Linear(1, 3);
  const seq = new nn.Sequential(only);
  assert.deepEqual(keyed(seq), [['0', 3]]);
  assert.equal(new nn.Sequential().length, 0);
  const x = torch.ones(1, 2);
  assert.equal(new nn.Sequential().call(x), x);
});
