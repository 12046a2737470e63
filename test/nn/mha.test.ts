// nn.MultiheadAttention (and F.multi_head_attention_forward under it) against PyTorch 1.13, as a
// file of its own: the fixture cases of test/fixtures/layers.json (layers.test.ts runs them too,
// among every other layer, in 30 s: too long per mutant when mutation-testing the attention code),
// its repr, state-dict keys and error messages, F.scaledDotProductAttention against the formula,
// and a float64 gradcheck.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { autograd, nn, setBackend, type Tensor } from '../../src/index.js';
import { readFileSync } from 'node:fs';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from '../helpers.js';
import { F, fx, checkCase, mhaErrorThunks, mhaReprModules, close, tolerance, type Case, type Enc } from './layers-fixture.js';

// F.multi_head_attention_forward with its defaults, separate projections from kdim or vdim alone, a
// float mask with key padding (tools/fixtures/mha.py, PyTorch 1.13).
const mhaFx = JSON.parse(readFileSync(new URL('../fixtures/mha.json', import.meta.url), 'utf8')) as {
  forwardDefaults: { inputs: Record<'q' | 'k' | 'v' | 'inW' | 'inB' | 'outW' | 'outB', FixtureTensor>; seed: number; dropoutP: number; out: FixtureTensor; weights: FixtureTensor };
  inits: Record<string, Record<string, FixtureTensor>>;
  floatMaskAndPadding: { seed: number; x: FixtureTensor; attnMask: FixtureTensor; keyPaddingMask: FixtureTensor; out: FixtureTensor; weights: FixtureTensor };
  unbatched: { seed: number; x: FixtureTensor; out: FixtureTensor; weights: FixtureTensor; batchFirstOut: FixtureTensor; batchFirstWeights: FixtureTensor };
  errors: Record<string, string>;
  callBase: Record<string, Arg>;
  calls: { name: string; kwargs: Record<string, Arg>; out: FixtureTensor; weights: FixtureTensor | null }[];
  callErrors: Record<string, { kwargs: Record<string, Arg>; type: string; message: string }>;
};
type Arg = FixtureTensor | number | boolean | null;

// mha.py's calls: its base arguments (callBase) with each call's kwargs over them, by PyTorch's names.
const POSITIONAL = ['query', 'key', 'value', 'embed_dim_to_check', 'num_heads', 'in_proj_weight', 'in_proj_bias', 'bias_k', 'bias_v', 'add_zero_attn', 'dropout_p', 'out_proj_weight', 'out_proj_bias'] as const;
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const decodeArg = (v: Arg) => (v !== null && typeof v === 'object' ? fromFixture(v) : v);

/** F.multiHeadAttentionForward with mha.py's base arguments overridden by kwargs (PyTorch's names). */
function callForward(base: Record<string, Arg>, kwargs: Record<string, Arg>): [Tensor, Tensor | null] {
  const all = { ...base, ...kwargs };
  const positional = POSITIONAL.map((n) => decodeArg(all[n] ?? null));
  const options = Object.fromEntries(Object.entries(all).filter(([k]) => !(POSITIONAL as readonly string[]).includes(k)).map(([k, v]) => [camel(k), decodeArg(v)]));
  return (F.multiHeadAttentionForward as (...a: unknown[]) => [Tensor, Tensor | null])(...positional, options);
}

/** A float64 leaf with values in [-1, 1), from a seeded draw. */
const leaf = (shape: number[]): Tensor => torch.rand(shape, { dtype: 'float64' }).mul(2).sub(1).requiresGrad_();

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (fx.cases as Case[]).filter((k) => k.name.startsWith('MHA'))) test(`${c.name} (${c.dtype})`, () => checkCase(c));

    test('F.multiHeadAttentionForward with its defaults: training (dropout drawn as PyTorch draws it), averaged weights', () => {
      const c = mhaFx.forwardDefaults;
      const t = Object.fromEntries(Object.entries(c.inputs).map(([k, e]) => [k, fromFixture(e)]));
      torch.manualSeed(c.seed);
      const [out, weights] = F.multiHeadAttentionForward(t.q, t.k, t.v, 4, 2, t.inW, t.inB, null, null, false, c.dropoutP, t.outW, t.outB);
      assertTensor(out, c.out, 'output');
      assertTensor(weights!, c.weights, 'weights');
    });

    test('kdim or vdim alone makes separate projection weights, drawn as PyTorch draws them', () => {
      const made: Record<string, () => nn.Module> = {
        'MultiheadAttention(4, 2, kdim=3)': () => new nn.MultiheadAttention(4, 2, { kdim: 3 }),
        'MultiheadAttention(4, 2, vdim=3)': () => new nn.MultiheadAttention(4, 2, { vdim: 3 }),
        'MultiheadAttention(4, 2, kdim=3, add_bias_kv=True, dtype=float64)': () => new nn.MultiheadAttention(4, 2, { kdim: 3, addBiasKv: true, dtype: 'float64' }),
      };
      assert.deepEqual(Object.keys(made).sort(), Object.keys(mhaFx.inits).sort());
      for (const [name, make] of Object.entries(made)) {
        torch.manualSeed(0);
        const state = make().stateDict();
        assert.deepEqual(Object.keys(state), Object.keys(mhaFx.inits[name]), name);
        for (const [k, e] of Object.entries(mhaFx.inits[name])) assertTensor(state[k], e, `${name} ${k}`);
      }
    });

    test('unbatched self-attention without masks; F.multiHeadAttentionForward checks the padding mask\'s dtype itself', () => {
      const c = mhaFx.unbatched;
      torch.manualSeed(c.seed);
      const m = new nn.MultiheadAttention(4, 2).double();
      const x = fromFixture(c.x);
      const [out, weights] = m.call(x, x, x);
      assertTensor(out, c.out, 'output');
      assertTensor(weights!, c.weights, 'weights');
      torch.manualSeed(c.seed);
      const [outB, weightsB] = new nn.MultiheadAttention(4, 2, { batchFirst: true }).double().call(x, x, x);
      assertTensor(outB, c.batchFirstOut, 'batch_first output');
      assertTensor(weightsB!, c.batchFirstWeights, 'batch_first weights');
      const t = Object.fromEntries(Object.entries(mhaFx.forwardDefaults.inputs).map(([k, e]) => [k, fromFixture(e)]));
      const keyPaddingMask = torch.zeros([2, 5], { dtype: 'int64' });
      assert.throws(
        () => F.multiHeadAttentionForward(t.q, t.k, t.v, 4, 2, t.inW, t.inB, null, null, false, 0, t.outW, t.outB, { keyPaddingMask }),
        (e: Error) => e.message === mhaFx.errors['forward key_padding_mask dtype'],
      );
      const [ks, vs] = [torch.randn([5, 2, 3], { dtype: 'float64' }), torch.randn([5, 2, 2], { dtype: 'float64' })];
      const r = (...shape: number[]) => torch.randn(shape, { dtype: 'float64' });
      const proj = { qProjWeight: r(4, 4), kProjWeight: r(4, 3), vProjWeight: r(4, 2) };
      const bad: Record<string, Partial<typeof proj> | { qProjWeight: null }> = {
        'q_proj_weight 1-D': { qProjWeight: r(4) },
        'k_proj_weight 1-D': { kProjWeight: r(4) },
        'v_proj_weight shape': { vProjWeight: r(4, 3) },
        'q_proj_weight None': { qProjWeight: null },
      };
      const msg = (name: string, fn: () => unknown) => assert.throws(fn, (e: Error) => e.message === mhaFx.errors[name], name);
      msg('num_heads divisible', () => F.multiHeadAttentionForward(t.q, t.k, t.v, 4, 3, t.inW, null, null, null, false, 0, t.outW, null));
      msg('key value dims separate', () =>
        F.multiHeadAttentionForward(t.q, ks, vs.narrow(0, 0, 4), 4, 2, null, null, null, null, false, 0, t.outW, null, { useSeparateProjWeight: true, ...proj }));
      msg('in_proj_weight None', () => F.multiHeadAttentionForward(t.q, t.k, t.v, 4, 2, null, null, null, null, false, 0, t.outW, null));
      msg('key value shape packed', () => F.multiHeadAttentionForward(t.q, t.k, t.v.narrow(0, 0, 4), 4, 2, t.inW, null, null, null, false, 0, t.outW, null));
      msg('module key_padding_mask dtype first', () =>
        new nn.MultiheadAttention(4, 2).call(torch.randn(3, 2, 4), torch.randn(5, 2, 4), torch.randn(5, 2, 4), { keyPaddingMask: torch.zeros([1, 2, 5], { dtype: 'int64' }) }));
      for (const [name, weights] of Object.entries(bad)) {
        assert.throws(
          () => F.multiHeadAttentionForward(t.q, ks, vs, 4, 2, null, null, null, null, false, 0, t.outW, null, { useSeparateProjWeight: true, ...proj, ...weights }),
          (e: Error) => e.message === mhaFx.errors[name],
          name,
        );
      }
    });

    test('F.multiHeadAttentionForward called bare: static keys and values, float padding masks, unbatched 3-D masks, every refusal', () => {
      const base = mhaFx.callBase;
      for (const c of mhaFx.calls) {
        const [out, weights] = callForward(base, c.kwargs);
        assertTensor(out, c.out, `${c.name}: output`);
        if (c.weights === null) assert.equal(weights, null, `${c.name}: no weights`);
        else assertTensor(weights!, c.weights, `${c.name}: weights`);
      }
      for (const [name, e] of Object.entries(mhaFx.callErrors)) {
        // PyTorch's bare `assert` has no message: dlab words its own.
        const message = e.message === '' ? 'bias_k and bias_v must both be given' : e.message;
        assert.equal(errorOf(() => callForward(base, e.kwargs)), message, name);
      }
    });

    test('a float attn_mask with a key_padding_mask (the padding fills the float mask)', () => {
      const c = mhaFx.floatMaskAndPadding;
      torch.manualSeed(c.seed);
      const m = new nn.MultiheadAttention(4, 2).double();
      const x = fromFixture(c.x);
      const [out, weights] = m.call(x, x, x, { attnMask: fromFixture(c.attnMask), keyPaddingMask: fromFixture(c.keyPaddingMask) });
      assertTensor(out, c.out, 'output');
      assertTensor(weights!, c.weights, 'weights');
    });

    test('repr, state-dict keys and error messages match PyTorch', () => {
      const reprs = fx.reprs as Record<string, string>;
      for (const [k, m] of Object.entries(mhaReprModules())) assert.equal(m.toString(), reprs[k], k);
      const keys = fx.state_dict_keys as Record<string, string[]>;
      assert.deepEqual(Object.keys(new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 6, addBiasKv: true }).stateDict()), keys['MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True)']);
      const e = fx.errors as Record<string, string>;
      for (const [k, fn] of Object.entries(mhaErrorThunks())) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
    });

    test('F.scaledDotProductAttention: bool masks mark allowed positions, is_causal, scale', () => {
      torch.manualSeed(5);
      const q = torch.randn(2, 3, 4);
      const k = torch.randn(2, 5, 4);
      const v = torch.randn(2, 5, 6);
      const manual = (mask: Tensor | null, scale: number) => {
        let s = q.matmul(k.transpose(-2, -1)).mul(scale);
        if (mask) s = s.add(mask);
        return s.softmax(-1).matmul(v);
      };
      const allow = torch.tensor([[true, true, false, true, true], [true, false, true, true, true], [true, true, true, true, false]]);
      const additive = torch.where(allow, 0, -Infinity);
      const tol = tolerance('float32');
      const enc = (t: Tensor): Enc => ({ shape: [...t.shape], values: Array.from(t.toTypedArray()) });
      close(F.scaledDotProductAttention(q, k, v), enc(manual(null, 0.5)), 'plain', tol);
      close(F.scaledDotProductAttention(q, k, v, { attnMask: allow }), enc(manual(additive, 0.5)), 'bool mask', tol);
      close(F.scaledDotProductAttention(q, k, v, { attnMask: additive, scale: 0.3 }), enc(manual(additive, 0.3)), 'float mask, scale', tol);
      const causal = torch.tensor([[0, -Infinity, -Infinity, -Infinity, -Infinity], [0, 0, -Infinity, -Infinity, -Infinity], [0, 0, 0, -Infinity, -Infinity]]);
      close(F.scaledDotProductAttention(q, k, v, { isCausal: true }), enc(manual(causal, 0.5)), 'causal', tol);
    });

    describe('float64 gradcheck', () => {
      test('MultiheadAttention with masks (query, key, value, projections)', () => {
        torch.manualSeed(5);
        const attn = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5 }).double();
        torch.noGrad(() => attn.in_proj_bias!.copy_(torch.randn([12], { dtype: 'float64' }).mul(0.1)));
        const am = torch.tensor([[false, true, false], [false, false, false]]);
        const kpm = torch.tensor([[false, false, true], [false, false, false]]);
        autograd.gradcheck(
          (q, k, v) => {
            const [out, w] = attn.call(q, k, v, { attnMask: am, keyPaddingMask: kpm });
            return [out, w!];
          },
          [leaf([2, 2, 4]), leaf([3, 2, 3]), leaf([3, 2, 5]), attn.q_proj_weight!, attn.in_proj_bias!, attn.out_proj.weight],
        );
      });
    });
  });
}
