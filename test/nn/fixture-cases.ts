// The runner of case_recorder.py's fixtures (nn_more.json, nn_3d.json): each case's outputs,
// dtypes, grad_fn name, gradients for the fixed grad_output, module repr, buffers, parameters and
// state_dict keys, and each refusal's message, as tests inside the caller's per-backend describe.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as dlab from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { assertTensor, errorOf, fromFixture, type FixtureTensor } from '../helpers.js';

export type Value = number | string | boolean | null | number[] | Value[] | { [k: string]: Value };
export interface Call {
  name: string;
  fn?: string;
  args?: Value[];
  kwargs?: Record<string, Value>;
  module?: string;
  ctor?: Value[];
  ctor_kwargs?: Record<string, Value>;
  eval?: boolean;
  float32?: boolean;
  weight_input?: boolean;
  kw_inputs?: string[];
  init_params?: boolean;
  inputs: { x: FixtureTensor; no_grad?: boolean }[];
}
export interface Case extends Call {
  out?: FixtureTensor | FixtureTensor[];
  grad_fn?: string | null;
  repr?: string;
  repr_only?: boolean;
  buffers?: Record<string, FixtureTensor>;
  params?: Record<string, FixtureTensor>;
  state_dict?: string[];
  warnings?: string[];
  grad_output?: FixtureTensor;
  grads?: (FixtureTensor | null)[];
  param_grads?: Record<string, FixtureTensor>;
}
export interface Refusal extends Call {
  message: string;
}
export interface Fixture {
  torch: string;
  cases: Case[];
  refusals: Refusal[];
}

/** What a suite supplies: dlab's call of each fixture function, and where its graph ends in another node than PyTorch's. */
export interface Hooks {
  /** dlab's torch.<fn>(inputs, *args, **kwargs), kwargs already camelCase (kw_inputs among them). */
  callFunction(fn: string, args: Value[], kw: Record<string, never>, xs: Tensor[]): Tensor | Tensor[] | { values: Tensor; indices: Tensor };
  /** PyTorch's grad_fn name -> dlab's, where dlab composes what PyTorch fuses (each suite lists why). */
  ownNode?: Record<string, string | null>;
  /** Cases whose last node is another one again. */
  ownNodeByCase?: Record<string, string>;
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
export const numberOf = (v: Value | undefined) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number | undefined));
/** PyTorch's keywords as dlab's options: camelCase names, "inf" read back. */
export const options = (k: Record<string, Value> = {}) => Object.fromEntries(Object.entries(k).map(([key, v]) => [camel(key), numberOf(v) ?? v]));

/** A fixture's module, built as PyTorch's was: positional args, then its keywords as one options object; fixed parameters where recorded. */
export function buildModule(c: Case | Call): nn.Module {
  const Class = (nn as unknown as Record<string, new (...args: unknown[]) => nn.Module>)[c.module!.replace(/^nn\./, '')];
  const kw = options(c.ctor_kwargs);
  const m = new Class(...(c.ctor ?? []), ...(Object.keys(kw).length ? [kw] : [])).double();
  const params = (c as Case).params;
  if (params) {
    dlab.noGrad(() => {
      for (const [k, p] of m.namedParameters()) p.copy_(fromFixture(params[k]));
    });
  }
  return m.train(!c.eval);
}

/** The outputs as a list (a split's parts; { values, indices } in PyTorch's order), the module if one was built. */
function run(c: Call, xs: Tensor[], hooks: Hooks): { module: nn.Module | null; outs: Tensor[] } {
  if (c.module) {
    const module = buildModule(c);
    return { module, outs: [module.forward(...xs) as Tensor] };
  }
  // Tensors passed by keyword are the fixture's last inputs (weight_input: a loss's weight).
  const names = c.weight_input ? ['weight'] : (c.kw_inputs ?? []);
  const n = xs.length - names.length;
  const kw = { ...options(c.kwargs), ...Object.fromEntries(names.map((k, i) => [camel(k), xs[n + i]])) } as Record<string, never>;
  const r = hooks.callFunction(c.fn!, c.args ?? [], kw, xs.slice(0, n));
  return { module: null, outs: r instanceof dlab.Tensor ? [r] : Array.isArray(r) ? r : [r.values, r.indices] };
}

/** One test per case and per refusal of the fixture, on the given backend. */
export function fixtureTests(fixture: Fixture, backend: string, hooks: Hooks): void {
  for (const c of fixture.cases) {
    test(c.name, () => {
      dlab.setBackend(backend);
      if (c.repr_only) {
        assert.equal(buildModule(c).toString(), c.repr);
        return;
      }
      const leaves = c.inputs.map((i) => fromFixture(i.x, { requiresGrad: i.x.dtype.startsWith('float') && !i.no_grad }));
      const { module, outs } = run(c, leaves, hooks);
      const expected = Array.isArray(c.out) ? c.out : [c.out!];
      assert.equal(outs.length, expected.length, `${c.name}: number of outputs`);
      expected.forEach((e, i) => assertTensor(outs[i], e, `${c.name}: output ${i}`));
      const out = outs[0];
      if (module) {
        assert.equal(module.toString(), c.repr, `${c.name}: repr`);
        const buffers = Object.fromEntries([...module.namedBuffers()].map(([k, v]) => [k, v]));
        assert.deepEqual(Object.keys(buffers), Object.keys(c.buffers!), `${c.name}: buffer names`);
        for (const [k, v] of Object.entries(c.buffers!)) assertTensor(buffers[k], v, `${c.name}: buffer ${k}`);
        if (c.state_dict) assert.deepEqual(Object.keys(module.stateDict()), c.state_dict, `${c.name}: state_dict keys`);
      }
      const name = c.grad_fn === null ? null : (hooks.ownNodeByCase?.[c.name] ?? hooks.ownNode?.[c.grad_fn!] ?? c.grad_fn);
      assert.equal(out.gradFn?.name ?? null, name, `${c.name}: grad_fn`);
      if (c.grad_output) {
        out.backward(fromFixture(c.grad_output));
        c.grads!.forEach((g, k) => (g === null ? assert.equal(leaves[k].grad, null) : assertTensor(leaves[k].grad!, g, `${c.name}: grad of input ${k}`)));
        for (const [k, g] of Object.entries(c.param_grads ?? {})) {
          const p = [...module!.namedParameters()].find(([n]) => n === k)![1];
          assertTensor(p.grad!, g, `${c.name}: grad of ${k}`);
        }
      }
    });
  }
  for (const r of fixture.refusals) {
    test(`refused: ${r.name}`, () => {
      dlab.setBackend(backend);
      const xs = r.inputs.map((i) => fromFixture(i.x));
      assert.equal(errorOf(() => run(r, xs, hooks)), r.message);
    });
  }
}
