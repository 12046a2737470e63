// formatTensor against PyTorch 1.13's repr(), case by case from tools/fixtures/format.py.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { formatTensor, printOptions, setPrintOptions, type FormatInput, type PrintOptions } from '../src/tensor/format.js';
import { setDefaultDtype } from '../src/tensor/dtype.js';

interface Case {
  name: string;
  values: (number | boolean | 'nan' | 'inf' | '-inf')[];
  shape: number[];
  dtype: FormatInput['dtype'];
  requires_grad: boolean;
  grad_fn: string | null;
  options: (Partial<PrintOptions> & { profile?: 'default' | 'short' | 'full'; defaultDtype?: 'float64' }) | null;
  expected: string;
}

const cases = JSON.parse(readFileSync(new URL('./fixtures/format.json', import.meta.url), 'utf8')) as Case[];

// JSON has no nan/inf, so the fixture spells them as strings.
const decode = (v: Case['values'][number]): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

for (const c of cases) {
  test(`format: ${c.name}`, () => {
    const { defaultDtype, ...print } = c.options ?? {};
    if (defaultDtype) setDefaultDtype(defaultDtype);
    setPrintOptions(print);
    try {
      const actual = formatTensor({
        values: c.values.map(decode),
        shape: c.shape,
        dtype: c.dtype,
        requiresGrad: c.requires_grad,
        gradFn: c.grad_fn,
      });
      assert.equal(actual, c.expected);
    } finally {
      setPrintOptions({ profile: 'default' });
      setDefaultDtype('float32');
    }
  });
}

test('format: a non-default device is printed first, cpu is not', () => {
  const t = { values: [1, 2], shape: [2], dtype: 'float64', requiresGrad: true } as const;
  assert.equal(formatTensor({ ...t, device: 'cuda:0' }), "tensor([1., 2.], device='cuda:0', dtype=torch.float64, requires_grad=True)");
  assert.equal(formatTensor({ ...t, device: 'cpu' }), 'tensor([1., 2.], dtype=torch.float64, requires_grad=True)');
});

test('format: setPrintOptions resets sciMode unless given, like torch.set_printoptions', () => {
  setPrintOptions({ sciMode: true, precision: 2 });
  assert.deepEqual(printOptions, { precision: 2, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: true });
  setPrintOptions({ linewidth: 100 });
  assert.equal(printOptions.sciMode, null);
  setPrintOptions({ profile: 'full' });
  assert.equal(printOptions.threshold, Infinity);
  setPrintOptions({ profile: 'default' });
  assert.deepEqual(printOptions, { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
});
