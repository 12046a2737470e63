// The upsampling cases of test/fixtures/layers.json (PyTorch 1.13: Upsample and its subclasses,
// F.interpolate's refusals, the Upsample reprs) as a file of their own: layers.test.ts runs them
// among every other layer but takes 30 s, too long per mutant when mutation-testing
// src/nn/functional/interpolate.ts and src/nn/modules/upsample.ts.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { autograd, nn, setBackend } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { F, fx, checkCase, interpolateErrorThunks, type Case } from './layers-fixture.js';

const isUpsample = (name: string) => /^Upsampl/.test(name);

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (fx.cases as Case[]).filter((k) => isUpsample(k.name))) test(`${c.name} (${c.dtype})`, () => checkCase(c));

    test('Upsample reprs match PyTorch', () => {
      const r = fx.reprs as Record<string, string>;
      const made: Record<string, nn.Module> = {
        'Upsample(size=4)': new nn.Upsample({ size: 4 }),
        'Upsample(size=(4, 6), mode=bilinear)': new nn.Upsample({ size: [4, 6], mode: 'bilinear' }),
        'Upsample(scale_factor=(2, 3))': new nn.Upsample({ scaleFactor: [2, 3] }),
        'UpsamplingBilinear2d(scale_factor=2)': new nn.UpsamplingBilinear2d({ scaleFactor: 2 }),
      };
      for (const [k, m] of Object.entries(made)) assert.equal(m.toString(), r[k], k);
    });

    test('F.interpolate refusals in PyTorch 1.13 words', () => {
      const e = fx.errors as Record<string, string>;
      const thunks = interpolateErrorThunks();
      for (const [k, fn] of Object.entries(thunks)) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
    });

    test('float64 gradcheck of bilinear interpolation, with and without align_corners', () => {
      torch.manualSeed(7);
      const leaf = (shape: number[]) => torch.rand(shape, { dtype: 'float64' }).mul(2).sub(1).requiresGrad_();
      autograd.gradcheck((x) => F.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear' }), [leaf([1, 2, 3, 2])]);
      autograd.gradcheck((x) => F.interpolate(x, { size: [4, 3], mode: 'bilinear', alignCorners: true }), [leaf([1, 1, 2, 3])]);
    });
  });
}
