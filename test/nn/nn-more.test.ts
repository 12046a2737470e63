// The rest of nn.functional and its modules, against PyTorch 1.13 (tools/fixtures/nn_more.py):
// F.pad in every mode (and narrow, whose messages a crop gives), F.one_hot, the distances
// (normalize, cosine_similarity, pairwise_distance, pdist, cdist), twelve activations,
// pixel/channel shuffles, local_response_norm, and their modules (InstanceNorm and the padding
// layers included): values, dtypes, gradients for a fixed grad_output, module reprs and buffers,
// and every refusal in PyTorch's words. Once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { backendsUnderTest, errorOf } from '../helpers.js';
import { fixtureTests, numberOf, type Fixture, type Value } from './fixture-cases.js';

const F = nn.functional;

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_more.json', import.meta.url), 'utf8')) as Fixture;

/**
 * Where dlab's graph ends in another node than PyTorch's, by design: PyTorch has a fused kernel
 * with its own backward (LogSigmoidBackward0, PdistBackward0, ...); dlab composes the function
 * from tensor ops, whose gradients the cases check. Each entry: PyTorch's name -> dlab's.
 */
const OWN_NODE: Record<string, string | null> = {
  LogSigmoidBackward0: 'SubBackward0',
  EluBackward0: 'MulBackward0', // selu: scale * elu
  CeluBackward0: 'WhereBackward0',
  HardswishBackward0: 'WhereBackward0',
  SoftshrinkBackward0: 'WhereBackward0',
  HardshrinkBackward0: 'WhereBackward0',
  ThresholdBackward0: 'WhereBackward0',
  GluBackward0: 'MulBackward0',
  ReflectionPad1DBackward0: 'IndexSelectBackward0',
  ReflectionPad2DBackward0: 'IndexSelectBackward0',
  ReplicationPad1DBackward0: 'IndexSelectBackward0',
  ReplicationPad2DBackward0: 'IndexSelectBackward0',
  ReplicationPad3DBackward0: 'IndexSelectBackward0',
  CopySlices: 'IndexSelectBackward0', // circular padding: PyTorch copies slices into a new tensor
  NormBackward1: 'WhereBackward0', // pairwise_distance: dlab's 2-norm keeps a zero gradient at 0 by where
  PdistBackward0: 'WhereBackward0',
  CdistBackward0: 'WhereBackward0',
  PixelShuffleBackward0: 'ViewBackward0',
  PixelUnshuffleBackward0: 'ViewBackward0',
  NotImplemented: 'ViewBackward0', // channel_shuffle: PyTorch 1.13 has no derivative
  SqueezeBackward3: 'SqueezeBackward1', // quantile: PyTorch squeezes in place
  LogcumsumexpBackward0: 'CatBackward0', // dlab's scan of logaddexps
  ReshapeAliasBackward0: 'ViewBackward0', // tensordot, inner: the matmul's result viewed
  UnsafeViewBackward0: 'ViewBackward0', // kron
  LinalgCrossBackward0: 'SubBackward0',
  SoftMarginLossBackward0: 'MeanBackward0',
  MultiMarginLossBackward0: 'MeanBackward0',
};
/** Cases whose last node is another one again (a norm other than 2 ends in its own op). */
const OWN_NODE_BY_CASE: Record<string, string> = {
  'linear 3-D without bias': 'UnsafeViewBackward0', // matmul folds the batch as PyTorch does (kron's view differs)
  'pairwise_distance p 1 keepdim': 'SumBackward1',
  'pairwise_distance p inf': 'AmaxBackward0',
  'pdist p 1': 'SumBackward1',
  'cdist batched p 1': 'SumBackward1',
  'cdist p 3 broadcast batch': 'PowBackward0',
  'cdist p inf': 'AmaxBackward0',
  'cdist p 0': 'NormBackward1',
  'pdist p 0': 'NormBackward1',
  'cdist batched past 25 rows (the matrix-product path)': 'SqrtBackward0',
  'nn.PairwiseDistance': 'SumBackward1',
  'pad crops everything': 'ConstantPadNdBackward0',
  'quantile no dim keepdim': 'ViewBackward0',
  'quantile 1-D q, no dim, keepdim': 'ViewBackward0',
  'logcumsumexp 0-D': 'CloneBackward0',
  'logcumsumexp along an empty dim': 'CloneBackward0',
  'multi_margin_loss 1-D none': 'DivBackward0',
  'hinge_embedding_loss margin none': 'AddBackward0',
};

/** A quantile's q: a number, or a tensor written as an operand ({ shape, values, dtype }). */
const q = (v: Value | Operand) => (typeof v === 'number' ? v : dlab.tensor((v as Operand).values, { dtype: (v as Operand).dtype ?? 'float64' }).reshape((v as Operand).shape));
interface Operand {
  shape: number[];
  values: number[];
  dtype?: 'float32' | 'float64';
}

/** The dlab call of a fixture's torch.<fn>(inputs, *args, **kwargs): a tensor, or values and indices. */
function callFunction(fn: string, args: Value[], kw: Record<string, never>, xs: Tensor[]): Tensor | Tensor[] | { values: Tensor; indices: Tensor } {
  const [a, b] = xs;
  const o = kw as Record<string, number & boolean & string>;
  const n = (i: number) => numberOf(args[i]) as number;
  switch (fn) {
    case 'nn.functional.logsigmoid': return F.logsigmoid(a);
    case 'nn.functional.selu': return F.selu(a);
    case 'nn.functional.celu': return F.celu(a, o.alpha);
    case 'nn.functional.hardswish': return F.hardswish(a);
    case 'nn.functional.hardsigmoid': return F.hardsigmoid(a);
    case 'nn.functional.softsign': return F.softsign(a);
    case 'nn.functional.softshrink': return F.softshrink(a, n(0));
    case 'nn.functional.hardshrink': return F.hardshrink(a, n(0));
    case 'nn.functional.tanhshrink': return F.tanhshrink(a);
    case 'nn.functional.threshold': return F.threshold(a, n(0), n(1));
    case 'nn.functional.glu': return F.glu(a, n(0));
    case 'nn.functional.softmin': return F.softmin(a, n(0) ?? o.dim);
    case 'nn.functional.pad': return F.pad(a, args[0] as number[], o.mode, o.value);
    case 'nn.functional.one_hot': return F.oneHot(a, n(0) ?? o.numClasses);
    case 'nn.functional.normalize': return F.normalize(a, o.p, o.dim);
    case 'nn.functional.cosine_similarity': return F.cosineSimilarity(a, b, o.dim);
    case 'nn.functional.pairwise_distance': return F.pairwiseDistance(a, b, o.p, undefined, o.keepdim);
    case 'nn.functional.pdist': return F.pdist(a, n(0));
    case 'cdist': return dlab.cdist(a, b, o.p);
    case 'nn.functional.linear': return F.linear(a, b, xs[2]);
    case 'nn.functional.pixel_shuffle': return F.pixelShuffle(a, n(0));
    case 'nn.functional.pixel_unshuffle': return F.pixelUnshuffle(a, n(0));
    case 'nn.functional.channel_shuffle': return F.channelShuffle(a, n(0));
    case 'nn.functional.local_response_norm': return F.localResponseNorm(a, n(0), o.alpha, o.beta, o.k);
    case 'narrow': return dlab.narrow(a, n(0), n(1), n(2));
    case 'median': return args.length ? dlab.median(a, n(0), o) : dlab.median(a);
    case 'nanmedian': return args.length ? dlab.nanmedian(a, n(0), o) : dlab.nanmedian(a);
    case 'quantile': return dlab.quantile(a, q(args[0]), o.dim, o);
    case 'nanquantile': return dlab.nanquantile(a, q(args[0]), o.dim, o);
    case 'cummax': return dlab.cummax(a, n(0));
    case 'cummin': return dlab.cummin(a, n(0));
    case 'logcumsumexp': return dlab.logcumsumexp(a, n(0));
    case 'tensor_split': return dlab.tensorSplit(a, typeof args[0] === 'object' && !Array.isArray(args[0]) ? q(args[0]) : (args[0] as number | number[]), n(1) ?? o.dim);
    case 'hsplit': return dlab.hsplit(a, args[0] as number | number[]);
    case 'vsplit': return dlab.vsplit(a, args[0] as number | number[]);
    case 'dsplit': return dlab.dsplit(a, args[0] as number | number[]);
    case 'repeat_interleave': return args.length ? dlab.repeatInterleave(a, typeof args[0] === 'number' ? args[0] : q(args[0]), o.dim) : dlab.repeatInterleave(a);
    case 'tensordot': return dlab.tensordot(a, b, (args[0] ?? o.dims) as number);
    case 'inner': return dlab.inner(a, b);
    case 'kron': return dlab.kron(a, b);
    case 'cross': return dlab.cross(a, b, o.dim);
    case 'isin': return dlab.isin(a, b, o);
    case 'nn.functional.margin_ranking_loss': return F.marginRankingLoss(a, b, xs[2], o);
    case 'nn.functional.hinge_embedding_loss': return F.hingeEmbeddingLoss(a, b, o);
    case 'nn.functional.cosine_embedding_loss': return F.cosineEmbeddingLoss(a, b, xs[2], o);
    case 'nn.functional.triplet_margin_loss': return F.tripletMarginLoss(a, b, xs[2], o);
    case 'nn.functional.soft_margin_loss': return F.softMarginLoss(a, b, o);
    case 'nn.functional.multilabel_soft_margin_loss': return F.multilabelSoftMarginLoss(a, b, o);
    case 'nn.functional.multi_margin_loss': return F.multiMarginLoss(a, b, o);
    case 'tril_indices': return dlab.trilIndices(n(0), n(1), n(2));
    case 'triu_indices': return dlab.triuIndices(n(0), n(1), n(2));
    default: throw new Error(`no dlab call for torch.${fn}`);
  }
}

for (const backend of backendsUnderTest()) {
  describe(`nn.functional and modules vs PyTorch ${fixture.torch} [${backend}]`, () => {
    fixtureTests(fixture, backend, { callFunction, ownNode: OWN_NODE, ownNodeByCase: OWN_NODE_BY_CASE });

    test('F.pad in a non-constant mode takes the input sizes PyTorch takes, pair by pair', () => {
      dlab.setBackend(backend);
      // 2 numbers: 2-D or 3-D input; 4: 3-D or 4-D; 6: 4-D or 5-D.
      assert.deepEqual(F.pad(dlab.zeros([2, 3]), [1, 1], 'replicate').shape, [2, 5]);
      assert.deepEqual(F.pad(dlab.zeros([2, 3, 3]), [1, 1, 1, 1], 'reflect').shape, [2, 5, 5]);
      assert.deepEqual(F.pad(dlab.zeros([1, 1, 2, 2, 2]), [1, 1, 1, 1, 1, 1], 'replicate').shape, [1, 1, 4, 4, 4]);
      assert.match(errorOf(() => F.pad(dlab.zeros([1, 1, 2, 2]), [1, 1], 'replicate')), /^Only 2D, 3D, 4D, 5D padding/);
    });

    test('the in-place activation modules write into their input', () => {
      dlab.setBackend(backend);
      for (const m of [new nn.SELU(true), new nn.CELU({ inplace: true }), new nn.Hardswish(true), new nn.Hardsigmoid(true), new nn.Threshold(0, 5, true)]) {
        const x = dlab.tensor([-1, 0.5, 2]);
        const expected = (m as nn.Module).forward(x.clone()) as Tensor;
        const y = (m as nn.Module).forward(x) as Tensor;
        assert.deepEqual(x.tolist(), expected.tolist(), m.toString());
        assert.deepEqual(y.tolist(), expected.tolist(), m.toString());
      }
    });

    test('the new modules take their arguments by keyword too, with PyTorch defaults', () => {
      dlab.setBackend(backend);
      // nn.PixelShuffle(upscale_factor=2), nn.ZeroPad2d(padding=1), ... as PyTorch's keywords.
      assert.deepEqual(
        [new nn.PixelShuffle({ upscaleFactor: 2 }), new nn.PixelUnshuffle({ downscaleFactor: 3 }), new nn.ChannelShuffle({ groups: 4 }), new nn.ZeroPad2d({ padding: 1 }),
          new nn.ConstantPad1d({ padding: 2, value: 0.5 }), new nn.ReflectionPad1d({ padding: [1, 0] }), new nn.CosineSimilarity({ dim: 0 }), new nn.PairwiseDistance({ keepdim: true })].map((m) => m.toString()),
        ['PixelShuffle(upscale_factor=2)', 'PixelUnshuffle(downscale_factor=3)', 'ChannelShuffle(groups=4)', 'ZeroPad2d((1, 1, 1, 1))', 'ConstantPad1d(padding=(2, 2), value=0.5)', 'ReflectionPad1d((1, 0))', 'CosineSimilarity()', 'PairwiseDistance()'],
      );
      assert.deepEqual([new nn.CosineSimilarity().dim, new nn.CosineSimilarity().eps, new nn.PairwiseDistance().norm, new nn.PairwiseDistance().eps, new nn.PairwiseDistance().keepdim], [1, 1e-8, 2, 1e-6, false]);
      const t = new nn.TripletMarginLoss();
      assert.deepEqual([t.margin, t.p, t.eps, t.swap, t.reduction], [1, 2, 1e-6, false, 'mean']);
      assert.deepEqual([new nn.MarginRankingLoss().margin, new nn.HingeEmbeddingLoss().margin, new nn.CosineEmbeddingLoss().margin, new nn.MultiMarginLoss().p], [0, 1, 0, 1]);
      // PyTorch refuses MultiMarginLoss(p=3) at construction, before any forward.
      assert.equal(errorOf(() => new nn.MultiMarginLoss({ p: 3 })), 'only p == 1 and p == 2 supported');
      assert.equal(errorOf(() => new nn.PixelShuffle()), "PixelShuffle() missing required argument: 'upscaleFactor'");
    });

    test('the Tensor methods and aliases are the functions', () => {
      dlab.setBackend(backend);
      const x = dlab.tensor([[3, 1, 2], [0, 5, 4]], { dtype: 'float32' });
      assert.deepEqual([x.cummax(1).values.tolist(), x.cummin(1).indices.tolist(), x.logcumsumexp(0).shape], [[[3, 3, 3], [0, 5, 5]], [[0, 1, 1], [0, 0, 0]], [2, 3]]);
      assert.deepEqual([x.median().item(), x.nanmedian(1).values.tolist(), x.quantile(0.5).item(), x.nanquantile(1, 0).tolist()], [2, [2, 4], 2.5, [3, 5, 4]]);
      assert.deepEqual([x.tensorSplit(2, 1).map((t) => t.shape), x.hsplit([1]).map((t) => t.shape), x.vsplit(2).length, x.unsqueeze(0).dsplit(3).length], [[[2, 2], [2, 1]], [[2, 1], [2, 2]], 2, 3]);
      assert.deepEqual([x.repeatInterleave(2, 0).shape, x.inner(x).tolist(), x.kron(dlab.ones([1, 2])).shape, x.cross(x.flip(1), 1).tolist()], [[4, 3], [[14, 13], [13, 41]], [2, 6], [[1, -5, 1], [-20, 16, -20]]]);
      assert.deepEqual([x.swapdims(0, 1).shape, dlab.swapdims(x, 0, 1).shape, dlab.broadcastTo(dlab.ones([3]), [2, 3]).shape], [[3, 2], [3, 2], [2, 3]]);
    });

    test('cdist takes the matrix-product path past 25 rows, as PyTorch: same distances, compute_mode honoured', () => {
      dlab.setBackend(backend);
      dlab.manualSeed(3);
      const a = dlab.randn([30, 4], { dtype: 'float64' });
      const b = dlab.randn([5, 4], { dtype: 'float64' });
      const direct = dlab.cdist(a, b, 2, 'donot_use_mm_for_euclid_dist');
      const product = dlab.cdist(a, b);
      assert.equal(direct.gradFn, null);
      assert.ok(direct.sub(product).abs().max().item() < 1e-12);
      assert.notDeepEqual(direct.tolist(), product.tolist()); // the product rounds differently
      assert.equal(errorOf(() => dlab.cdist(a, b, 2, 'fast' as never)), 'fast is not a valid value for compute_mode');
    });
  });
}
