// The random module against PyTorch 1.13's CPU generator, case by case from tools/fixtures/rng.py.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import {
  DEFAULT_RNG_SEED,
  Generator,
  MT19937,
  STATE_SIZE,
  bernoulli,
  defaultGenerator,
  exponential,
  geometric,
  initialSeed,
  manualSeed,
  normal,
  randint,
  randperm,
  uniform,
  uniformDouble,
  uniformFloat,
} from '../src/random/index.js';
import { multinomial as multinomialOp, ones as onesOf, tensor as tensorOf } from '../src/index.js';

interface Op {
  op: string;
  n: number;
  dtype?: 'float32' | 'float64' | 'int32' | 'int64';
  from?: number;
  to?: number;
  mean?: number;
  std?: number;
  low?: number;
  high?: number;
  p?: number;
  probs?: number[];
  probs_dtype?: 'float32' | 'float64';
  lambd?: number;
  values?: number[];
  sha256?: string;
  head?: number[];
  base64?: string;
}

interface Case {
  name: string;
  seed: number | null;
  generator: 'default' | 'new';
  ops: Op[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/random.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

type Output = Float32Array | Float64Array | Int32Array;

const floatArray = (dtype: Op['dtype'], n: number): Float32Array | Float64Array =>
  dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);

/** Perform one fixture op with dlab's samplers. */
function run(op: Op, gen: Generator): Output {
  switch (op.op) {
    case 'rand':
      return fill(floatArray(op.dtype, op.n), (out) => uniform(gen, out));
    case 'randn':
      return fill(floatArray(op.dtype, op.n), (out) => normal(gen, out));
    case 'uniform':
      return fill(floatArray(op.dtype, op.n), (out) => uniform(gen, out, op.from, op.to));
    case 'normal':
      return fill(floatArray(op.dtype, op.n), (out) => normal(gen, out, op.mean, op.std));
    case 'randint': {
      const out = op.dtype === 'int32' ? new Int32Array(op.n) : new Float64Array(op.n);
      randint(gen, out, op.low!, op.high!);
      return out;
    }
    case 'randperm':
      return randperm(gen, op.n);
    case 'bernoulli_scalar':
      return fill(floatArray(op.dtype, op.n), (out) => bernoulli(gen, out, op.p!));
    case 'bernoulli_tensor': {
      const probs =
        op.probs_dtype === 'float64' ? Float64Array.from(op.probs!) : Float32Array.from(op.probs!);
      return fill(floatArray(op.probs_dtype, probs.length), (out) => bernoulli(gen, out, probs));
    }
    case 'dropout':
      // F.dropout on CPU: empty_like(input).bernoulli_(1 - p) is the keep mask.
      return fill(new Float32Array(op.n), (out) => bernoulli(gen, out, 1 - op.p!));
    case 'exponential':
      return fill(floatArray(op.dtype, op.n), (out) => exponential(gen, out, op.lambd));
    case 'geometric':
      return fill(floatArray(op.dtype, op.n), (out) => geometric(gen, out, op.p!));
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

function fill<T extends Output>(out: T, sampler: (out: T) => void): T {
  sampler(out);
  return out;
}

const sha256 = (a: Output): string =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

/** Tolerance for values computed with libm in double; see assertClose. */
const MAX_ULPS = 2;

/** Ops whose values go through libm's log/sin/cos in double, which V8 rounds differently. */
const viaDoubleLibm = (op: Op): boolean =>
  op.op === 'exponential' || ((op.op === 'randn' || op.op === 'normal') && op.dtype === 'float64');

/** The spacing of doubles at x's magnitude. */
const ulp = (x: number): number => 2 ** (Math.floor(Math.log2(Math.max(Math.abs(x), 2 ** -1022))) - 52);

/**
 * libm differences are last-bit effects in log/sin/cos, so the error is measured in ulps of the
 * Box-Muller term before the mean is added (|value - mean|) or of the value, whichever is larger.
 */
function assertClose(actual: Output, op: Op): void {
  const expected = op.values!;
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const err = Math.abs(actual[i] - e) / ulp(Math.max(Math.abs(e), Math.abs(e - (op.mean ?? 0))));
    assert.ok(err <= MAX_ULPS, `element ${i}: ${actual[i]} vs ${e} (${err} ulps)`);
  }
}

function check(actual: Output, op: Op): void {
  if (op.values && viaDoubleLibm(op)) {
    assertClose(actual, op);
  } else if (op.values) {
    assert.deepEqual(Array.from(actual), op.values);
  } else {
    assert.deepEqual(Array.from(actual.subarray(0, op.head!.length)), op.head);
    assert.equal(sha256(actual), op.sha256, 'digest of all values');
  }
}

describe('PyTorch 1.13 fixtures', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      let gen =
        c.seed === null
          ? new Generator()
          : c.generator === 'default'
            ? manualSeed(c.seed)
            : new Generator().manualSeed(c.seed);
      c.ops.forEach((op, k) => {
        const where = `op ${k} (${op.op}${op.n === undefined ? '' : ` n=${op.n}`})`;
        if (op.op === 'state') {
          assert.equal(Buffer.from(gen.getState()).toString('base64'), op.base64, `${where}: state bytes`);
          // Carry on from torch's own bytes: setState must accept them, cached normal included.
          gen = new Generator();
          gen.setState(new Uint8Array(Buffer.from(op.base64!, 'base64')));
          return;
        }
        try {
          check(run(op, gen), op);
        } catch (e) {
          if (e instanceof Error) e.message = `${where}: ${e.message}`;
          throw e;
        }
      });
    });
  }
});

describe('Generator', () => {
  test('mt19937 matches the reference outputs for seed 5489', () => {
    const mt = new MT19937(5489n);
    assert.equal(mt.nextUint32(), 3499211612);
    for (let i = 2; i < 10000; i++) mt.nextUint32();
    assert.equal(mt.nextUint32(), 4123659995); // std::mt19937's 10000th output
  });

  test('seeding keeps the full 64-bit seed', () => {
    assert.equal(new Generator().initialSeed(), DEFAULT_RNG_SEED);
    assert.equal(manualSeed(2 ** 40 + 7), defaultGenerator);
    assert.equal(initialSeed(), 2n ** 40n + 7n);
    assert.equal(new Generator().manualSeed(-1).initialSeed(), 2n ** 64n - 1n);
    const wrapped = new Generator().manualSeed(2n ** 64n - 1n);
    assert.equal(wrapped.random(), new Generator().manualSeed(-1).random());
    assert.throws(() => new Generator().manualSeed(2n ** 64n), RangeError);
    assert.throws(() => new Generator().manualSeed(0.5), TypeError);
  });

  test('seed() reseeds nondeterministically and reports the seed', () => {
    const gen = new Generator();
    const s = gen.seed();
    assert.equal(gen.initialSeed(), s);
    assert.equal(gen.random(), new Generator().manualSeed(s).random());
  });

  test('random64 is two 32-bit draws, high word first', () => {
    const a = new Generator().manualSeed(5);
    const b = new Generator().manualSeed(5);
    const hi = b.random();
    const lo = b.random();
    assert.equal(a.random64(), (BigInt(hi) << 32n) | BigInt(lo));
  });

  test('scalar draws are the elements of rand', () => {
    const a = new Generator().manualSeed(11);
    const b = new Generator().manualSeed(11);
    const f32 = new Float32Array(3);
    const f64 = new Float64Array(3);
    uniform(b, f32);
    uniform(b, f64);
    assert.deepEqual([uniformFloat(a), uniformFloat(a), uniformFloat(a)], Array.from(f32));
    assert.deepEqual([uniformDouble(a), uniformDouble(a), uniformDouble(a)], Array.from(f64));
  });

  test('getState/setState round-trip, including the cached normal sample', () => {
    const gen = new Generator().manualSeed(31);
    uniform(gen, new Float32Array(1000)); // cross an mt19937 block boundary
    normal(gen, new Float64Array(3)); // odd count: leaves a cached sample
    assert.notEqual(gen.nextDoubleNormalSample, undefined);
    gen.nextFloatNormalSample = Math.fround(0.25);
    const state = gen.getState();
    assert.equal(state.length, STATE_SIZE);

    const draw = (g: Generator) => {
      const a = new Float64Array(5);
      normal(g, a);
      const b = new Float32Array(40);
      normal(g, b);
      return [...a, ...b, g.random()];
    };
    const first = draw(gen);
    const other = new Generator();
    other.setState(state);
    assert.equal(other.initialSeed(), 31n);
    assert.equal(other.nextFloatNormalSample, 0.25);
    assert.deepEqual(draw(other), first);
    gen.setState(state);
    assert.deepEqual(draw(gen), first);
    assert.deepEqual(other.getState(), gen.getState());
  });

  test('manualSeed drops the cached normal sample', () => {
    const gen = new Generator().manualSeed(1);
    normal(gen, new Float64Array(1));
    gen.manualSeed(1);
    assert.equal(gen.nextDoubleNormalSample, undefined);
  });

  test('setState rejects malformed states', () => {
    const gen = new Generator();
    assert.throws(() => gen.setState(new Uint8Array(10)), RangeError);
    assert.throws(() => gen.setState(new Uint8Array(STATE_SIZE)), /Invalid mt19937 state/);
    const bad = new Generator().getState();
    new DataView(bad.buffer).setInt32(8, 0, true); // left = 0
    assert.throws(() => gen.setState(bad), /Invalid mt19937 state/);
  });
});

describe('argument checks', () => {
  const gen = new Generator();
  test('rejects invalid ranges and probabilities', () => {
    assert.throws(() => uniform(gen, new Float32Array(1), 1, 0), RangeError);
    assert.throws(() => normal(gen, new Float32Array(1), 0, -1), RangeError);
    assert.throws(() => randint(gen, new Float64Array(1), 3, 3), RangeError);
    assert.throws(() => randint(gen, new Int32Array(1), 0, 2 ** 32), RangeError);
    assert.throws(() => randperm(gen, -1), RangeError);
    assert.throws(() => bernoulli(gen, new Float32Array(1), 1.5), RangeError);
    assert.throws(() => bernoulli(gen, new Float32Array(2), Float32Array.of(0.5)), RangeError);
    assert.throws(() => geometric(gen, new Float32Array(1), 1), RangeError);
  });

  test('empty outputs draw nothing', () => {
    const a = new Generator().manualSeed(3);
    normal(a, new Float32Array(0));
    assert.equal(randperm(a, 0).length, 0);
    assert.equal(randperm(a, 1)[0], 0);
    assert.equal(a.random(), new Generator().manualSeed(3).random());
  });
});

// torch.multinomial's shapes and refusals (its seeded draws: test/nn/transformer.test.ts).
// Expected values and messages printed by PyTorch 1.13.
describe('torch.multinomial', () => {
  test('a 1-D input gives [numSamples], a 2-D one [rows, numSamples], the indices PyTorch draws', () => {
    const rows = multinomialOp(tensorOf([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]], { dtype: 'float64' }), 2, { generator: new Generator().manualSeed(3) });
    assert.deepEqual([...rows.shape], [2, 2]);
    assert.equal(rows.dtype, 'int64');
    assert.deepEqual(Array.from(rows.toTypedArray(), Number), [0, 1, 0, 2]);
    const flat = multinomialOp(tensorOf([0.1, 0.5, 0.4], { dtype: 'float32' }), 5, { replacement: true, generator: new Generator().manualSeed(3) });
    assert.deepEqual([...flat.shape], [5]);
    assert.deepEqual(Array.from(flat.toTypedArray(), Number), [0, 1, 2, 1, 2]);
  });

  test('refuses a 3-D or integer input and too many samples without replacement, in PyTorch words', () => {
    assert.throws(() => multinomialOp(onesOf([2, 2, 2]), 1), { message: 'prob_dist must be 1 or 2 dim' });
    assert.throws(() => multinomialOp(onesOf([3], { dtype: 'int64' }), 1), { message: 'multinomial only supports floating-point dtypes for input, got: Long' });
    assert.throws(() => multinomialOp(onesOf([3]), 4), /cannot sample n_sample > prob_dist.size\(-1\) samples without replacement/);
  });
});
