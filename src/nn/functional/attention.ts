// nn.functional's attention: scaled dot-product attention and PyTorch 1.13's
// multi_head_attention_forward (nn.MultiheadAttention calls it), as compositions of differentiable ops.

import type { Tensor } from '../../tensor/tensor.js';
import { fmtSize } from '../../tensor/shape.js';
import { arange, zeros, zerosLike } from '../../ops/creation.js';
import { cat, pad } from '../../ops/movement.js';
import { dropout } from './dropout.js';
import { linear } from './linear.js';

/** Python's repr of a tuple of numbers: (4, 6), and (4,) for one. */
function fmtTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** Options of `F.scaled_dot_product_attention`: attnMask, dropoutP (default 0), isCausal (false), scale (default 1/sqrt(E)). */
export interface ScaledDotProductAttentionOptions {
  /** Bool (true = may attend, as torch 2's F.scaled_dot_product_attention) or float (added) mask. */
  attnMask?: Tensor | null;
  dropoutP?: number;
  isCausal?: boolean;
  scale?: number | null;
}

/**
 * softmax(Q K^T * scale + mask) V over the last two dims, with dropout on the weights
 * (torch 2's F.scaled_dot_product_attention, written out; PyTorch 1.13 has no public one).
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  const { attnMask = null, dropoutP = 0, isCausal = false } = options;
  const L = query.shape[query.ndim - 2];
  const S = key.shape[key.ndim - 2];
  const scale = options.scale ?? 1 / Math.sqrt(query.shape[query.ndim - 1]);
  let scores = query.matmul(key.transpose(-2, -1)).mul(scale);
  if (isCausal) {
    if (attnMask) throw new Error('_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True');
    // Position i may attend to j <= i. Added as an [L, S] bias of 0 and -inf, as PyTorch's reference
    // implementation does: one broadcast add instead of a masked fill over every head and batch.
    const device = scores.device;
    const future = arange(S, { device }).unsqueeze(0).gt(arange(L, { device }).unsqueeze(1));
    scores = scores.add(zeros([L, S], { dtype: scores.dtype, device }).maskedFill(future, -Infinity));
  } else if (attnMask) {
    scores = attnMask.dtype === 'bool' ? scores.maskedFill(attnMask.logicalNot(), -Infinity) : scores.add(attnMask);
  }
  let weights = scores.softmax(-1);
  if (dropoutP > 0) weights = dropout(weights, dropoutP);
  return weights.matmul(value);
}

/** Options of `F.multi_head_attention_forward`: the projection weights and biases and the masks, as PyTorch passes them. */
export interface MultiHeadAttentionOptions {
  training?: boolean;
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  averageAttnWeights?: boolean;
}

const mhaAssert = (ok: boolean, msg: string) => {
  if (!ok) throw new Error(msg);
};
const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/** _in_projection_packed: one matmul for self-attention, two for encoder-decoder, three otherwise. */
function inProjectionPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): Tensor[] {
  const E = q.shape[q.ndim - 1];
  if (k === v) {
    if (q === k) return linear(q, w, b).chunk(3, -1);
    const [wq, wkv] = w.split([E, E * 2]);
    const [bq, bkv] = b ? b.split([E, E * 2]) : [null, null];
    return [linear(q, wq, bq), ...linear(k, wkv, bkv).chunk(2, -1)];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/**
 * F.multi_head_attention_forward of PyTorch 1.13, step by step: input projections, masks (bool
 * masks become -inf), bias_k/bias_v and zero attention, per-head scaled dot products, dropout on
 * the weights, output projection. query/key/value are [L, N, E] (or unbatched [L, E]). Returns
 * [output, weights] (weights averaged over heads unless averageAttnWeights is false; null unless needWeights).
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  embedDimToCheck: number,
  numHeads: number,
  inProjWeight: Tensor | null,
  inProjBias: Tensor | null,
  biasK: Tensor | null,
  biasV: Tensor | null,
  addZeroAttn: boolean,
  dropoutP: number,
  outProjWeight: Tensor,
  outProjBias: Tensor | null,
  options: MultiHeadAttentionOptions = {},
): [Tensor, Tensor | null] {
  const { training = true, needWeights = true, useSeparateProjWeight = false, averageAttnWeights = true } = options;
  const { qProjWeight = null, kProjWeight = null, vProjWeight = null, staticK = null, staticV = null } = options;
  let keyPaddingMask = options.keyPaddingMask ?? null;
  let attnMask = options.attnMask ?? null;
  const isBatched = mhaShapeCheck(query, key, value, keyPaddingMask, attnMask, numHeads);
  if (!isBatched) {
    query = query.unsqueeze(1);
    key = key.unsqueeze(1);
    value = value.unsqueeze(1);
    if (keyPaddingMask) keyPaddingMask = keyPaddingMask.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = query.shape;
  let srcLen = key.shape[0];
  if (keyPaddingMask && keyPaddingMask.dtype !== 'bool' && !keyPaddingMask.isFloatingPoint()) {
    throw new Error('only bool and floating types of key_padding_mask are supported');
  }
  mhaAssert(embedDim === embedDimToCheck, `was expecting embedding dimension of ${embedDimToCheck}, but got ${embedDim}`);
  const headDim = Math.floor(embedDim / numHeads);
  mhaAssert(headDim * numHeads === embedDim, `embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (useSeparateProjWeight) {
    mhaAssert(
      sameDims(key.shape.slice(0, 2), value.shape.slice(0, 2)),
      `key's sequence and batch dims ${fmtSize(key.shape.slice(0, 2))} do not match value's ${fmtSize(value.shape.slice(0, 2))}`,
    );
  } else {
    mhaAssert(sameDims(key.shape, value.shape), `key shape ${fmtSize(key.shape)} does not match value shape ${fmtSize(value.shape)}`);
  }
  let q: Tensor;
  let k: Tensor;
  let v: Tensor;
  if (!useSeparateProjWeight) {
    mhaAssert(inProjWeight !== null, 'use_separate_proj_weight is False but in_proj_weight is None');
    [q, k, v] = inProjectionPacked(query, key, value, inProjWeight!, inProjBias);
  } else {
    mhaAssert(qProjWeight !== null, 'use_separate_proj_weight is True but q_proj_weight is None');
    mhaAssert(kProjWeight !== null, 'use_separate_proj_weight is True but k_proj_weight is None');
    mhaAssert(vProjWeight !== null, 'use_separate_proj_weight is True but v_proj_weight is None');
    const [bq, bk, bv] = inProjBias ? inProjBias.chunk(3) : [null, null, null];
    const Eq = query.shape[2];
    const Ek = key.shape[2];
    const Ev = value.shape[2];
    mhaAssert(sameDims(qProjWeight!.shape, [Eq, Eq]), `expecting query weights shape of ${fmtTuple([Eq, Eq])}, but got ${fmtSize(qProjWeight!.shape)}`);
    mhaAssert(sameDims(kProjWeight!.shape, [Eq, Ek]), `expecting key weights shape of ${fmtTuple([Eq, Ek])}, but got ${fmtSize(kProjWeight!.shape)}`);
    mhaAssert(sameDims(vProjWeight!.shape, [Eq, Ev]), `expecting value weights shape of ${fmtTuple([Eq, Ev])}, but got ${fmtSize(vProjWeight!.shape)}`);
    // An in_proj_bias of the wrong length chunks into wrong thirds (9 into 3 each, 10 into 4, 4, 2).
    for (const [name, bias] of [['query', bq], ['key', bk], ['value', bv]] as const) {
      if (bias) mhaAssert(sameDims(bias.shape, [Eq]), `expecting ${name} bias shape of ${fmtTuple([Eq])}, but got ${fmtSize(bias.shape)}`);
    }
    q = linear(query, qProjWeight!, bq);
    k = linear(key, kProjWeight!, bk);
    v = linear(value, vProjWeight!, bv);
  }
  if (attnMask) {
    mhaAssert(attnMask.isFloatingPoint() || attnMask.dtype === 'bool', `Only float, byte, and bool types are supported for attn_mask, not torch.${attnMask.dtype}`);
    if (attnMask.ndim === 2) {
      if (!sameDims(attnMask.shape, [tgtLen, srcLen])) {
        throw new Error(`The shape of the 2D attn_mask is ${fmtSize(attnMask.shape)}, but should be ${fmtTuple([tgtLen, srcLen])}.`);
      }
      attnMask = attnMask.unsqueeze(0);
    } else if (!sameDims(attnMask.shape, [bsz * numHeads, tgtLen, srcLen])) {
      // 3-D: mhaShapeCheck admitted only 2-D and 3-D masks (PyTorch's later "dimension is not supported" is unreachable).
      throw new Error(`The shape of the 3D attn_mask is ${fmtSize(attnMask.shape)}, but should be ${fmtTuple([bsz * numHeads, tgtLen, srcLen])}.`);
    }
  }
  if (biasK && biasV) {
    mhaAssert(staticK === null, 'bias cannot be added to static key.');
    mhaAssert(staticV === null, 'bias cannot be added to static value.');
    k = cat([k, biasK.repeat(1, bsz, 1)]);
    v = cat([v, biasV.repeat(1, bsz, 1)]);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  } else {
    mhaAssert(biasK === null && biasV === null, 'bias_k and bias_v must both be given');
  }
  // [L, N, E] -> [N * heads, L, head_dim]
  q = q.contiguous().view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
  if (staticK === null) {
    k = k.contiguous().view(k.shape[0], bsz * numHeads, headDim).transpose(0, 1);
  } else {
    mhaAssert(staticK.shape[0] === bsz * numHeads, `expecting static_k.size(0) of ${bsz * numHeads}, but got ${staticK.shape[0]}`);
    mhaAssert(staticK.shape[2] === headDim, `expecting static_k.size(2) of ${headDim}, but got ${staticK.shape[2]}`);
    k = staticK;
  }
  if (staticV === null) {
    v = v.contiguous().view(v.shape[0], bsz * numHeads, headDim).transpose(0, 1);
  } else {
    mhaAssert(staticV.shape[0] === bsz * numHeads, `expecting static_v.size(0) of ${bsz * numHeads}, but got ${staticV.shape[0]}`);
    mhaAssert(staticV.shape[2] === headDim, `expecting static_v.size(2) of ${headDim}, but got ${staticV.shape[2]}`);
    v = staticV;
  }
  if (addZeroAttn) {
    const zeroShape = [bsz * numHeads, 1, headDim];
    k = cat([k, zeros(zeroShape, { dtype: k.dtype, device: k.device })], 1);
    v = cat([v, zeros(zeroShape, { dtype: v.dtype, device: v.device })], 1);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  }
  srcLen = k.shape[1];
  if (keyPaddingMask) {
    mhaAssert(
      sameDims(keyPaddingMask.shape, [bsz, srcLen]),
      `expecting key_padding_mask shape of ${fmtTuple([bsz, srcLen])}, but got ${fmtSize(keyPaddingMask.shape)}`,
    );
    const kpm = keyPaddingMask.view(bsz, 1, 1, srcLen).expand(-1, numHeads, -1, -1).reshape(bsz * numHeads, 1, srcLen);
    if (attnMask === null) attnMask = kpm;
    else if (attnMask.dtype === 'bool') attnMask = attnMask.logicalOr(kpm);
    else attnMask = attnMask.maskedFill(kpm, -Infinity);
  }
  if (attnMask && attnMask.dtype === 'bool') attnMask = zerosLike(attnMask, { dtype: q.dtype }).maskedFill(attnMask, -Infinity);
  const p = training ? dropoutP : 0;
  const E = q.shape[2];
  const qScaled = q.div(Math.sqrt(E));
  let weights = qScaled.bmm(k.transpose(-2, -1));
  if (attnMask) weights = weights.add(attnMask);
  weights = weights.softmax(-1);
  if (p > 0) weights = dropout(weights, p);
  let out = weights.bmm(v);
  out = out.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
  out = linear(out, outProjWeight, outProjBias);
  out = out.view(tgtLen, bsz, out.shape[1]);
  if (!needWeights) return [isBatched ? out : out.squeeze(1), null];
  weights = weights.view(bsz, numHeads, tgtLen, srcLen);
  if (averageAttnWeights) weights = weights.sum(1).div(numHeads);
  if (!isBatched) return [out.squeeze(1), weights.squeeze(0)];
  return [out, weights];
}

/** _mha_shape_check: batched (3-D) or unbatched (2-D) query, with key, value and masks to match. */
function mhaShapeCheck(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor | null, attnMask: Tensor | null, numHeads: number): boolean {
  const d = query.ndim;
  if (d === 3 || d === 2) {
    // The two cases check the same things, one dim apart (key_padding_mask has no batch dim unbatched).
    const which = d === 3 ? 'batched (3-D)' : 'unbatched (2-D)';
    mhaAssert(
      key.ndim === d && value.ndim === d,
      `For ${which} \`query\`, expected \`key\` and \`value\` to be ${d}-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
    );
    if (keyPaddingMask) {
      mhaAssert(keyPaddingMask.ndim === d - 1, `For ${which} \`query\`, expected \`key_padding_mask\` to be \`None\` or ${d - 1}-D but found ${keyPaddingMask.ndim}-D tensor instead`);
    }
    if (attnMask) {
      mhaAssert(attnMask.ndim === 2 || attnMask.ndim === 3, `For ${which} \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
      if (d === 2 && attnMask.ndim === 3) {
        const expected = [numHeads, query.shape[0], key.shape[0]];
        mhaAssert(sameDims(attnMask.shape, expected), `Expected \`attn_mask\` shape to be ${fmtTuple(expected)} but got ${fmtSize(attnMask.shape)}`);
      }
    }
    return d === 3;
  }
  throw new Error(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
}
