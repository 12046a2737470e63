// The creation ops take their arguments by keyword where PyTorch does: torch.zeros(size=(2, 3)),
// torch.full(size=..., fill_value=...), torch.arange(end=5), torch.arange(1, end=5),
// torch.linspace(start=0, end=1, steps=5), torch.eye(n=2, m=3), torch.randint(10, size=(3,)),
// torch.normal(mean=0., std=1., size=(2,)). Both forms give the same tensor (random ones from the
// same seed); an argument given twice, a missing one or a name PyTorch does not take is refused
// in Python's words.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as dlab from '../src/index.js';
import type { Tensor } from '../src/index.js';

/** The same dtype, shape and values. */
function same(a: () => Tensor, b: () => Tensor): void {
  dlab.manualSeed(11);
  const x = a();
  dlab.manualSeed(11);
  const y = b();
  assert.equal(y.dtype, x.dtype);
  assert.deepEqual(y.shape, x.shape);
  assert.deepEqual(y.tolist(), x.tolist());
}

test('zeros, ones, empty, rand and randn take size= as PyTorch does', () => {
  same(() => dlab.zeros(2, 3), () => dlab.zeros({ size: [2, 3] }));
  same(() => dlab.ones([2, 3], { dtype: 'int32' }), () => dlab.ones({ size: [2, 3], dtype: 'int32' }));
  same(() => dlab.empty(4), () => dlab.empty({ size: 4 }));
  same(() => dlab.rand(2, 2), () => dlab.rand({ size: [2, 2] }));
  same(() => dlab.randn([3]), () => dlab.randn({ size: [3] }));
  assert.throws(() => dlab.zeros(2, { size: [3] }), /^TypeError: zeros\(\) got multiple values for argument 'size'$/);
});

test('full, arange, linspace, logspace and eye take every argument by keyword', () => {
  same(() => dlab.full([2, 2], 7), () => dlab.full({ size: [2, 2], fillValue: 7 }));
  same(() => dlab.full([2], 0.5, { dtype: 'float64' }), () => dlab.full([2], { fillValue: 0.5, dtype: 'float64' }));
  same(() => dlab.arange(5), () => dlab.arange({ end: 5 }));
  same(() => dlab.arange(1, 5), () => dlab.arange(1, { end: 5 }));
  same(() => dlab.arange(1, 5), () => dlab.arange({ start: 1, end: 5 }));
  same(() => dlab.arange(1, 2, 0.25), () => dlab.arange(1, 2, { step: 0.25 }));
  same(() => dlab.arange(0, 10, 3), () => dlab.arange({ start: 0, end: 10, step: 3 }));
  same(() => dlab.linspace(0, 1, 5), () => dlab.linspace({ start: 0, end: 1, steps: 5 }));
  same(() => dlab.linspace(-1, 1, 4), () => dlab.linspace(-1, 1, { steps: 4 }));
  same(() => dlab.logspace(0, 2, 3), () => dlab.logspace({ start: 0, end: 2, steps: 3 }));
  same(() => dlab.logspace(0, 3, 4, 2), () => dlab.logspace(0, 3, 4, { base: 2 }));
  same(() => dlab.eye(2, 3), () => dlab.eye({ n: 2, m: 3 }));
  same(() => dlab.eye(3), () => dlab.eye({ n: 3 }));
});

test('randint and normal take every argument by keyword, drawing the same numbers', () => {
  same(() => dlab.randint(10, [5]), () => dlab.randint(10, { size: [5] }));
  same(() => dlab.randint(10, [5]), () => dlab.randint({ high: 10, size: [5] }));
  same(() => dlab.randint(2, 10, [5]), () => dlab.randint({ low: 2, high: 10, size: [5] }));
  same(() => dlab.randint(2, 10, [5]), () => dlab.randint(2, 10, { size: [5] }));
  same(() => dlab.randint(2, 10, [5]), () => dlab.randint(2, { high: 10, size: [5] }));
  same(() => dlab.normal(1, 2, [4]), () => dlab.normal({ mean: 1, std: 2, size: [4] }));
  same(() => dlab.normal(0, 1, [2, 2]), () => dlab.normal(0, 1, { size: [2, 2] }));
});

test('an argument given twice, a missing one or an unknown name is refused in Python\'s words', () => {
  assert.throws(() => dlab.full([2], 1, { fillValue: 2 } as never), /^TypeError: full\(\) got multiple values for argument 'fillValue'$/);
  assert.throws(() => dlab.full({ size: [2] } as never), /^TypeError: full\(\) missing required argument: 'fillValue'$/);
  assert.throws(() => dlab.linspace(0, 1, { num: 5 } as never), /^TypeError: linspace\(\) got an unexpected keyword argument 'num'$/);
  // arange(end) takes no step, and arange(start, end, step) needs its end, as in PyTorch.
  assert.throws(() => dlab.arange(5, { step: 2 }), /^TypeError: arange\(\) missing required argument: 'end'$/);
  assert.throws(() => dlab.arange({ stop: 5 } as never), /^TypeError: arange\(\) got an unexpected keyword argument 'stop'$/);
  assert.throws(() => dlab.eye(2, { cols: 3 } as never), /^TypeError: eye\(\) got an unexpected keyword argument 'cols'$/);
  assert.throws(() => dlab.randint(10, [3], { seed: 1 } as never), /^TypeError: randint\(\) got an unexpected keyword argument 'seed'$/);
  assert.throws(() => dlab.randint(0, 10), /^TypeError: randint\(\) missing required argument: 'size'$/);
  assert.throws(() => dlab.normal(0, 1, [2], { mean: 1 } as never), /^TypeError: normal\(\) got multiple values for argument 'mean'$/);
});

test('a positional undefined leaves the parameter to its keyword; a null-prototype object is keywords', () => {
  // Python's f(None, ...) has no TypeScript twin: undefined is "not given", so the keyword fills it.
  same(() => dlab.full([2], 7), () => dlab.full(undefined, 7, { size: [2] } as never));
  same(() => dlab.eye(2, 3), () => dlab.eye(2, undefined, { m: 3 }));
  // Keywords built without Object.prototype (Object.create(null), JSON-like maps) bind the same.
  const keywords = Object.assign(Object.create(null) as Record<string, unknown>, { size: [2, 3], fillValue: 7, dtype: 'float64' });
  same(() => dlab.full([2, 3], 7, { dtype: 'float64' }), () => dlab.full(keywords as never));
});
