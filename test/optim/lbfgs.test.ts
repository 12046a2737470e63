// optim.LBFGS against PyTorch 1.13 (tools/fixtures/optim_lbfgs.py): trajectories of step(closure)
// on Rosenbrock (two parameters) and a tiny linear regression, with and without the strong-Wolfe
// line search, in float64 (1e-10) and float32 (1e-5); the losses step() returns, the state's
// func_evals and n_iter, the line search's bracketing, zoom and cubic steps, the state dict and a resumed run, the repr and every refusal in
// PyTorch's words. Once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../../src/index.js';
import { optim, type DType, type Tensor } from '../../src/index.js';
import { assertClose, backendsUnderTest, decodeAll, errorOf, fromFixture, type FixtureTensor } from '../helpers.js';
import { camelOptions } from './helpers.js';
import { cubicInterpolate, strongWolfe } from '../../src/optim/lbfgs.js';

interface Step {
  loss: number;
  params: FixtureTensor[];
  func_evals: number;
  n_iter: number;
}
interface Run {
  problem: 'rosenbrock' | 'linreg';
  dtype: DType;
  options: Record<string, unknown>;
  steps: Step[];
}
type StateValue = number | null | { tensor: FixtureTensor } | StateValue[];

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim_lbfgs.json', import.meta.url), 'utf8')) as {
  torch: string;
  runs: Run[];
  state_dict: { run: Run; state: Record<string, StateValue>; param_groups: Record<string, unknown>[] };
  strong_wolfe: { loss: string; t: number; result: [number, number, number, number] }[];
  cubic: { args: [number, number, number, number, number, number]; bounds: [number, number] | null; result: number }[];
  reprs: Record<string, string>;
  refusals: Record<string, { type: string; message: string }>;
};

/** common.values(shape, dtype, phase): the fixture scripts' deterministic operands. */
function values(shape: number[], dtype: DType, phase = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, k) => (((k * 0.6180339887 + phase + 0.05) % 1) * 2 - 1));
  // Rounded in float64 first, as torch.tensor(list of floats, dtype) rounds each Python float.
  return dlab.tensor(v, { dtype }).reshape(shape);
}

/** The problem's parameters and its loss, as the fixture script builds them. */
function problem(name: Run['problem'], dtype: DType): { params: Tensor[]; f: () => Tensor } {
  if (name === 'rosenbrock') {
    const x = dlab.tensor([-1.5], { dtype }).requiresGrad_();
    const y = dlab.tensor([2.0], { dtype }).requiresGrad_();
    return { params: [x, y], f: () => x.neg().add(1).pow(2).sum().add(y.sub(x.mul(x)).pow(2).sum().mul(100)) };
  }
  const w = values([2, 3], dtype).requiresGrad_();
  const b = values([2], dtype, 0.3).requiresGrad_();
  const X = values([5, 3], dtype, 0.5);
  const Y = values([5, 2], dtype, 0.7);
  return { params: [w, b], f: () => X.matmul(w.t()).add(b).sub(Y).pow(2).mean() };
}

function setUp(run: Run): { params: Tensor[]; opt: optim.LBFGS; closure: () => Tensor } {
  const { params, f } = problem(run.problem, run.dtype);
  const opt = new optim.LBFGS(params, camelOptions(run.options));
  const closure = () => {
    opt.zeroGrad();
    const loss = f();
    loss.backward();
    return loss;
  };
  return { params, opt, closure };
}

function checkStep(run: Run, k: number, params: Tensor[], opt: optim.LBFGS, loss: Tensor | number): void {
  const step = run.steps[k];
  const tol = run.dtype === 'float32' ? 1e-5 : 1e-10;
  const what = `step ${k + 1}`;
  assertClose([Number(loss instanceof dlab.Tensor ? loss.item() : loss)], [step.loss], tol, tol, `${what} loss`);
  params.forEach((p, i) => {
    assert.equal(p.dtype, run.dtype);
    assertClose(p.toTypedArray(), decodeAll(step.params[i].values), tol, tol, `${what} param ${i}`);
  });
  const state = opt.state.get(params[0])!;
  assert.deepEqual([state.funcEvals, state.nIter], [step.func_evals, step.n_iter], `${what} func_evals, n_iter`);
}

const decodeState = (v: StateValue): unknown => (v === null || typeof v === 'number' ? v : Array.isArray(v) ? v.map(decodeState) : v.tensor);

for (const backend of backendsUnderTest()) {
  describe(`optim.LBFGS vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const run of fixture.runs) {
      test(`${run.problem} ${JSON.stringify(run.options)} (${run.dtype}): ${run.steps.length} steps`, () => {
        dlab.setBackend(backend);
        const { params, opt, closure } = setUp(run);
        run.steps.forEach((_, k) => checkStep(run, k, params, opt, opt.step(closure)));
        assert.ok(params.every((p) => p.isLeaf && p.requiresGrad));
      });
    }

    test("the line search's cubic step is torch's _cubic_interpolate (either order, no minimum, bounds)", () => {
      for (const { args, bounds, result } of fixture.cubic) {
        assertClose([cubicInterpolate(...args, bounds ?? undefined)], [result], 1e-14, 1e-14, `cubic ${JSON.stringify([args, bounds])}`);
      }
    });

    test("the strong-Wolfe line search is torch's _strong_wolfe on 1-D losses (bracketing, zoom, 25-trial limit)", () => {
      dlab.setBackend(backend);
      const losses: Record<string, (x: Tensor) => Tensor> = {
        linear: (x) => x.neg(),
        bump: (x) => x.neg().add(x.sub(2).pow(2).mul(-4).exp().mul(3)),
        wiggle: (x) => x.pow(2).div(10).sub(x.mul(3).sin()),
        quartic: (x) => x.sub(1).pow(4).sub(x),
      };
      for (const { loss, t, result } of fixture.strong_wolfe) {
        const objFunc = (x: Tensor[], step: number, d: Tensor): [number, Tensor] => {
          const z = x[0].add(d.mul(step)).detach().requiresGrad_();
          const f = losses[loss](z).sum();
          f.backward();
          return [f.item(), z.grad!.clone()];
        };
        const [x0, d] = [dlab.zeros([1], { dtype: 'float64' }), dlab.ones([1], { dtype: 'float64' })];
        const [f, g] = objFunc([x0], 0, d);
        const [fNew, gNew, tNew, evals] = strongWolfe(objFunc, [x0], t, d, f, g, g.dot(d).item());
        assertClose([fNew, gNew.item(), tNew], result.slice(0, 3), 1e-10, 1e-10, `${loss} from t = ${t}`);
        assert.equal(evals, result[3], `${loss} from t = ${t}: evaluations`);
      }
    });

    test('stateDict holds PyTorch names and values; a fresh optimizer loaded with it resumes the trajectory', () => {
      dlab.setBackend(backend);
      const { run, state, param_groups } = fixture.state_dict;
      const { params, opt, closure } = setUp(run);
      opt.step(closure);
      const dict = opt.stateDict();
      assert.deepEqual(dict.param_groups, param_groups.map((g) => ({ ...g })));
      assert.deepEqual(Object.keys(dict.state), ['0']);
      // The state after the first step, copied into a second optimizer over the same parameters' values.
      const resumed = setUp(run);
      resumed.params.forEach((p, i) => dlab.noGrad(() => p.copy_(params[i])));
      resumed.opt.loadStateDict(dict);
      const loss = resumed.opt.step(resumed.closure);
      checkStep(run, 1, resumed.params, resumed.opt, loss);
      // Its state dict now is PyTorch's after two steps (numbers where PyTorch has 0-d tensors).
      const got = resumed.opt.stateDict().state[0];
      assert.deepEqual(Object.keys(got).sort(), Object.keys(state).sort());
      for (const [key, expected] of Object.entries(state)) {
        const flatten = (v: unknown): number[] =>
          v === null ? [NaN] : typeof v === 'number' ? [v] : Array.isArray(v) ? v.flatMap(flatten) : v instanceof dlab.Tensor ? Array.from(v.toTypedArray()) : decodeAll((v as FixtureTensor).values);
        assertClose(flatten(got[key]), flatten(decodeState(expected)), 1e-10, 1e-10, `state ${key}`);
      }
    });

    test("PyTorch's state dict (0-d tensors for t, ro, al, H_diag) loads and resumes", () => {
      dlab.setBackend(backend);
      const { run, state } = fixture.state_dict;
      const { params, opt, closure } = setUp(run);
      const steps = run.steps;
      params.forEach((p, i) => dlab.noGrad(() => p.copy_(fromFixture(steps[1].params[i]))));
      const toTensor = (v: StateValue): unknown => (v === null || typeof v === 'number' ? v : Array.isArray(v) ? v.map(toTensor) : fromFixture(v.tensor));
      opt.loadStateDict({ state: { 0: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, toTensor(v)])) }, param_groups: fixture.state_dict.param_groups as never });
      checkStep(run, 2, params, opt, opt.step(closure));
    });

    test('repr and refusals in PyTorch words', () => {
      dlab.setBackend(backend);
      const x = dlab.tensor([-1.5], { dtype: 'float64' }).requiresGrad_();
      const y = dlab.tensor([2.0], { dtype: 'float64' }).requiresGrad_();
      assert.equal(String(new optim.LBFGS([x, y])), fixture.reprs.default);
      assert.equal(String(new optim.LBFGS([x, y], { lr: 0.5, maxIter: 4, lineSearchFn: 'strong_wolfe' })), fixture.reprs.strong_wolfe);
      const { refusals } = fixture;
      assert.equal(errorOf(() => new optim.LBFGS([{ params: [x] }, { params: [y] }])), refusals.groups.message);
      assert.equal(errorOf(() => (new optim.LBFGS([x]).step as () => unknown)()), refusals['no closure'].message);
      const closure = () => {
        x.sub(1).pow(2).sum().backward();
        return 1;
      };
      assert.equal(errorOf(() => new optim.LBFGS([x], { lineSearchFn: 'armijo' as 'strong_wolfe' }).step(closure)), refusals['line search'].message);
    });
  });
}
