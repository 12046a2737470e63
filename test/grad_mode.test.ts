// Grad mode against PyTorch 1.13 (tools/fixtures/grad_mode.py): each scenario is written here
// with dlab's noGrad / enableGrad / setGradEnabled / isGradEnabled under the name PyTorch's
// program has, and the traces of what they observe must be equal.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { enableGrad, isGradEnabled, noGrad, ones, setGradEnabled } from '../src/index.js';

type Trace = [string, boolean | number][];
const fixture = JSON.parse(readFileSync(new URL('./fixtures/grad_mode.json', import.meta.url), 'utf8')) as {
  torch: string;
  scenarios: Record<string, Trace>;
};

const leaf = () => ones([2], { requiresGrad: true });

const scenarios: Record<string, (trace: Trace) => void> = {
  default: (trace) => {
    trace.push(['enabled', isGradEnabled()]);
    trace.push(['result_requires_grad', leaf().mul(2).requiresGrad]);
  },
  set_false_then_true: (trace) => {
    const x = leaf();
    setGradEnabled(false);
    trace.push(['enabled', isGradEnabled()]);
    const y = x.mul(2);
    trace.push(['result_requires_grad', y.requiresGrad]);
    trace.push(['result_has_grad_fn', y.gradFn !== null]);
    setGradEnabled(true);
    trace.push(['enabled', isGradEnabled()]);
    trace.push(['result_requires_grad', x.mul(2).requiresGrad]);
  },
  set_false_twice: (trace) => {
    setGradEnabled(false);
    setGradEnabled(false);
    trace.push(['enabled', isGradEnabled()]);
  },
  no_grad_nests_enable_grad: (trace) => {
    const x = leaf();
    noGrad(() => {
      trace.push(['enabled', isGradEnabled()]);
      trace.push(['result_requires_grad', x.mul(2).requiresGrad]);
      enableGrad(() => {
        trace.push(['enabled', isGradEnabled()]);
        trace.push(['result_requires_grad', x.mul(2).requiresGrad]);
      });
      trace.push(['enabled', isGradEnabled()]);
    });
  },
  set_inside_no_grad_is_undone_on_exit: (trace) => {
    noGrad(() => {
      setGradEnabled(true);
      trace.push(['enabled', isGradEnabled()]);
    });
    trace.push(['enabled', isGradEnabled()]);
  },
  no_grad_after_set_false_restores_false: (trace) => {
    setGradEnabled(false);
    enableGrad(() => trace.push(['enabled', isGradEnabled()]));
    trace.push(['enabled', isGradEnabled()]);
  },
  no_grad_restores_after_an_error: (trace) => {
    assert.throws(() => noGrad(() => { throw new Error('inside'); }), /inside/);
    trace.push(['enabled', isGradEnabled()]);
  },
  requires_grad_flag_inside_no_grad: (trace) => {
    const x = noGrad(() => {
      const t = ones([2]).requiresGrad_();
      trace.push(['leaf_requires_grad', t.requiresGrad]);
      trace.push(['result_requires_grad', t.mul(2).requiresGrad]);
      return t;
    });
    trace.push(['result_requires_grad', x.mul(2).requiresGrad]);
  },
  inplace_on_leaf_allowed_without_grad: (trace) => {
    const x = leaf();
    setGradEnabled(false);
    x.mul_(2);
    trace.push(['leaf_value_0', x.index(0).item() as number]);
    trace.push(['leaf_requires_grad', x.requiresGrad]);
  },
};

afterEach(() => setGradEnabled(true));

test('the fixture and the dlab programs list the same scenarios', () => {
  assert.deepEqual(Object.keys(scenarios).sort(), Object.keys(fixture.scenarios).sort());
});

for (const [name, want] of Object.entries(fixture.scenarios)) {
  test(`grad mode like PyTorch ${fixture.torch}: ${name}`, () => {
    setGradEnabled(true);
    const trace: Trace = [];
    scenarios[name](trace);
    trace.push(['after', isGradEnabled()]);
    assert.deepEqual(trace, want);
  });
}
