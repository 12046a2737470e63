// The webgpu device end to end, on the GPU that `await torch.webgpu.isAvailable()` acquires
// (SwiftShader on a machine without one: scripts/run-tests.mjs sets up its Vulkan driver).
// Every elementwise op is checked against the js reference backend on the CPU. Tolerances, per
// op: exact for sign/rounding/comparison/selection ops and exactly rounded IEEE ops (+ - * /,
// sqrt); 2e-6 relative for reciprocal and the optimizer's update; 1e-5 relative (1e-6 absolute)
// for exp/log and the functions built on them (WGSL allows exp and log a few ULP, SwiftShader
// measured up to 9); 1e-4 for erfinv (Newton steps on the f32 erf) and for sin/cos/tan, whose
// WGSL accuracy is absolute (2^-11) after the shader's range reduction. NaN must give NaN and
// an infinity the same infinity everywhere.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as torch from '../../src/index.js';
import { nn, optim, Tensor } from '../../src/index.js';
import type { BinaryOp, UnaryOp } from '../../src/backend/backend.js';

let previousBackend = '';
before(async () => {
  const available = await torch.webgpu.isAvailable();
  assert.ok(available, 'no WebGPU adapter: run through scripts/run-tests.mjs (it points Dawn at SwiftShader), or set VK_ICD_FILENAMES to a Vulkan driver');
  previousBackend = torch.setBackend('js');
});
after(() => {
  torch.setBackend(previousBackend);
  torch.webgpu.dispose();
});

function close(actual: number, expected: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

function assertClose(actual: readonly number[], expected: readonly number[], rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    assert.ok(close(a, expected[i], rtol, atol), `${what}[${i}]: webgpu ${a}, js ${expected[i]}`);
  });
}

const flat = async (t: Tensor): Promise<number[]> => Array.from((await t.cpuAsync()).toTypedArray());

describe('device model', () => {
  test('torch.device parses, prints and refuses what dlab has not', () => {
    assert.equal(String(torch.device('webgpu')), 'webgpu');
    assert.equal(torch.device('webgpu').index, null);
    assert.equal(String(torch.device('webgpu:0')), 'webgpu:0');
    assert.equal(String(torch.device('webgpu', 0)), 'webgpu:0');
    assert.equal(torch.device('cpu').type, 'cpu');
    assert.throws(() => torch.device('cuda'), /dlab has no device 'cuda'; available: cpu, webgpu \(dlab's GPU device is 'webgpu'/);
    assert.throws(() => torch.device('mps'), /dlab's GPU device is 'webgpu'/);
    assert.throws(() => torch.device('gpu'), /Expected one of cpu, webgpu device type at start of device string: gpu/);
    assert.throws(() => torch.zeros(2, { device: 'cuda:0' }), /dlab has no device 'cuda:0'/);
  });

  test('before the GPU is acquired (and after dispose) moving to it says how to acquire it', async () => {
    const old = torch.ones(2, { device: 'webgpu' });
    torch.webgpu.dispose();
    assert.equal(torch.webgpu.deviceCount(), 0);
    assert.throws(() => torch.ones(2).to('webgpu'), /webgpu:0 is not available: acquire the GPU once with `await torch\.webgpu\.isAvailable\(\)`/);
    assert.throws(() => torch.webgpu.memoryAllocated(), /no webgpu device; call `await torch\.webgpu\.isAvailable\(\)` first/);
    assert.ok(await torch.webgpu.isAvailable());
    assert.throws(() => old.add(1), /the webgpu device was released/);
    assert.deepEqual(await torch.ones(2, { device: 'webgpu' }).tolistAsync(), [1, 1]);
  });

  test('tensors and modules move to webgpu and report their device', async () => {
    const x = torch.tensor([1.5, -2]);
    assert.equal(String(x.device), 'cpu');
    const g = x.to('webgpu');
    assert.equal(String(g.device), 'webgpu:0');
    assert.equal(g.device.type, 'webgpu');
    assert.equal(g.to('webgpu:0'), g, 'already there: the same tensor');
    assert.equal(String(torch.ones(2, { device: 'webgpu' }).device), 'webgpu:0');
    assert.equal(String(torch.zerosLike(g).device), 'webgpu:0');
    assert.deepEqual(await torch.full([2], 7, { device: torch.device('webgpu') }).tolistAsync(), [7, 7]);
    assert.deepEqual(await g.to('webgpu', 'int32').tolistAsync(), [1, -2]);
    const model = new nn.Linear(2, 3);
    const weight = model.weight;
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    assert.equal(model.to('webgpu'), model);
    assert.equal(model.weight, weight, 'parameters keep their identity');
    assert.equal(String(model.weight.device), 'webgpu:0');
    assert.equal(String(model.bias!.device), 'webgpu:0');
    assert.equal(opt.paramGroups[0].params[0], weight);
  });

  test("d2l's tryGpu and tryAllGpus find the GPU", async () => {
    assert.equal(String(await torch.utils.tryGpu()), 'webgpu:0');
    assert.equal(String(await torch.utils.tryGpu(1)), 'cpu');
    assert.deepEqual((await torch.utils.tryAllGpus()).map(String), ['webgpu:0']);
  });

  test('a state dict loads onto the module device', async () => {
    const src = new nn.Linear(2, 2);
    const dst = new nn.Linear(2, 2).to('webgpu');
    dst.loadStateDict(src.stateDict());
    assert.equal(String(dst.weight.device), 'webgpu:0');
    assert.deepEqual(await dst.weight.tolistAsync(), src.weight.tolist());
  });

  test('mixing devices in one op is PyTorch error; a CPU zero-dim tensor joins as a scalar', async () => {
    const g = torch.ones(2, { device: 'webgpu' });
    const c = torch.ones(2);
    const message = 'Expected all tensors to be on the same device, but found at least two devices, webgpu:0 and cpu!';
    assert.throws(() => g.add(c), { message });
    assert.throws(() => c.mul(g), { message });
    assert.throws(() => torch.matmul(g.view(1, 2), c.view(2, 1)), { message });
    assert.deepEqual(await g.add(torch.tensor(2)).tolistAsync(), [3, 3]);
  });

  test('synchronous reads of a GPU tensor say what to do instead', async () => {
    const g = torch.tensor([1, 2]).to('webgpu');
    assert.throws(() => g.sum().item(), /item\(\): tensor is on webgpu:0; reading it is asynchronous in JavaScript: use await t\.itemAsync\(\)/);
    assert.throws(() => g.tolist(), /use await t\.tolistAsync\(\)/);
    assert.throws(() => String(g), /use \(await t\.cpuAsync\(\)\)\.toString\(\)/);
    assert.throws(() => g.cpu(), /use await t\.cpuAsync\(\)/);
    assert.throws(() => g.to('cpu'), /use await t\.cpuAsync\(\)/);
    assert.equal(await g.sum().itemAsync(), 3);
    assert.equal(await torch.tensor(4).itemAsync(), 4, 'the async forms work on the CPU too');
    assert.equal(String(await g.cpuAsync()), 'tensor([1, 2])');
  });

  test('ops without a webgpu kernel yet refuse by name', () => {
    const g = torch.tensor([[3, 1], [2, 4]], { dtype: 'float32' }).to('webgpu');
    assert.throws(() => g.nonzero(), /nonzero is not implemented on webgpu yet/);
    assert.throws(() => torch.multinomial(g.abs(), 1), /multinomial is not implemented on webgpu yet/);
  });
});

describe('kernels fixed where the suites found them off the reference', () => {
  test('sort, argsort and topk: the stable order of the CPU, NaN last, ties in place', async () => {
    const x = torch.tensor([[3, NaN, 1, 3, -0, 0, 1], [2, 2, -Infinity, 5, NaN, 2, 0]]);
    const g = x.to('webgpu');
    for (const descending of [false, true]) {
      const cpu = x.sort(1, { descending });
      const gpu = g.sort(1, { descending });
      assert.deepEqual(await gpu.indices.tolistAsync(), cpu.indices.tolist(), `indices, descending ${descending}`);
      assert.deepEqual(await gpu.values.tolistAsync(), cpu.values.tolist());
    }
    assert.deepEqual(await g.argsort(0).tolistAsync(), x.argsort(0).tolist());
    assert.deepEqual(await g.topk(3, 1).indices.tolistAsync(), x.topk(3, 1).indices.tolist());
  });

  test('fmod and remainder are exact where a / b rounds up across an integer (fmod(0.5, 0.1) is 0.1, not 0)', async () => {
    const a = torch.tensor([0.5, -1, 2, 1e10, 7, -7]);
    const b = torch.tensor([0.1, 0.1, -0.1, 3.3, 2.5, 2.5]);
    for (const op of ['fmod', 'remainder', 'floorDivide'] as const) {
      assert.deepEqual(await a.to('webgpu')[op](b.to('webgpu')).tolistAsync(), a[op](b).tolist(), op);
    }
  });

  test('fill casts its value on the host as the CPU does: NaN fills a bool with true, a fraction truncates', async () => {
    const flag = torch.zeros(2, { dtype: 'bool', device: 'webgpu' }).fill_(NaN);
    assert.deepEqual(await flag.tolistAsync(), [true, true]);
    const ints = torch.zeros(2, { dtype: 'int32', device: 'webgpu' }).fill_(-2.7);
    assert.deepEqual(await ints.tolistAsync(), torch.zeros(2, { dtype: 'int32' }).fill_(-2.7).tolist());
    assert.throws(() => torch.zeros(1, { dtype: 'int64', device: 'webgpu' }).fill_(2 ** 40), /does not fit webgpu's storage of int64/);
  });
});

describe('storage dtypes', () => {
  test('float32, int32, int64 and bool round-trip through the GPU', async () => {
    const cases: [torch.DType, number[]][] = [
      ['float32', [1.5, -0, NaN, Infinity, -3.25e-20]],
      ['int32', [-2147483648, 2147483647, 0, -5]],
      ['int64', [-2147483648, 2147483647, 7, -1]],
      ['bool', [1, 0, 1]],
    ];
    for (const [dtype, values] of cases) {
      const g = torch.tensor(values, { dtype }).to('webgpu');
      assert.equal(g.dtype, dtype);
      const back = await g.cpuAsync();
      assert.equal(back.dtype, dtype);
      assert.deepEqual(Array.from(back.toTypedArray()), Array.from(torch.tensor(values, { dtype }).toTypedArray()), dtype);
    }
  });

  test('float64 is refused on webgpu, int64 beyond int32 is refused on upload', () => {
    assert.throws(() => torch.tensor([1], { dtype: 'float64' }).to('webgpu'), /Cannot convert a WebGPU Tensor to float64 dtype as WGSL has no float64 type\. Please use float32 instead/);
    assert.throws(() => torch.ones(2, { device: 'webgpu' }).to('float64'), /float64/);
    assert.throws(() => torch.tensor([2 ** 31]).to('webgpu'), /int64 value 2147483648 does not fit webgpu's storage of int64 \(int32/);
  });

  test('casts between the stored dtypes follow PyTorch (truncation, non-zero is true)', async () => {
    const x = torch.tensor([1.7, -1.7, 0, NaN, 2]);
    const g = x.to('webgpu');
    assert.deepEqual(await g.to('int32').tolistAsync(), [1, -1, 0, 0, 2]);
    assert.deepEqual(await g.to('bool').tolistAsync(), [true, true, false, true, true]);
    assert.deepEqual(await torch.tensor([true, false]).to('webgpu').to('float32').tolistAsync(), [1, 0]);
    assert.deepEqual(await torch.tensor([3, -4]).to('webgpu').to('float32').tolistAsync(), [3, -4]);
  });
});

/**
 * Where the js reference differs from PyTorch, PyTorch's value: NaN is true (non-zero) for the
 * logical ops, erf(+-inf) = +-1 and erfc(+-inf) = 0 / 2 (the js backend gives NaN for both), and
 * pow(-1, +-inf) = 1 (below).
 */
function pytorchUnary(op: UnaryOp, x: number, js: number): number {
  if (op === 'logicalNot' && Number.isNaN(x)) return 0;
  if (op === 'erf' && !Number.isFinite(x) && !Number.isNaN(x)) return Math.sign(x);
  if (op === 'erfc' && !Number.isFinite(x) && !Number.isNaN(x)) return x > 0 ? 0 : 2;
  return js;
}
const truth = (v: number) => v !== 0; // NaN is true, as in C++
const pytorchLogical: Partial<Record<BinaryOp, (a: boolean, b: boolean) => boolean>> = {
  logicalAnd: (a, b) => a && b,
  logicalOr: (a, b) => a || b,
  logicalXor: (a, b) => a !== b,
};

const EDGE = [NaN, Infinity, -Infinity, 0, -0, 1e-6, -1e-6, 0.3, -0.7, 1, -1, 2.5, -3.7, 10, -20, 50, 100, 1e-30];

const unaryTolerance: Record<UnaryOp, [number, number]> = {
  neg: [0, 0], abs: [0, 0], sign: [0, 0], floor: [0, 0], ceil: [0, 0], round: [0, 0], trunc: [0, 0], relu: [0, 0],
  logicalNot: [0, 0], isnan: [0, 0], isinf: [0, 0], isfinite: [0, 0], bitwiseNot: [0, 0],
  sqrt: [0, 0], reciprocal: [2e-6, 0], rsqrt: [2e-6, 0],
  exp: [1e-5, 1e-6], expm1: [1e-5, 1e-6], log: [1e-5, 1e-6], log1p: [1e-5, 1e-6], log2: [1e-5, 1e-6], log10: [1e-5, 1e-6],
  sinh: [1e-5, 1e-6], cosh: [1e-5, 1e-6], tanh: [1e-5, 1e-6], asinh: [1e-5, 1e-6], acosh: [1e-5, 1e-6], atanh: [1e-5, 1e-6],
  sigmoid: [1e-5, 1e-6], erf: [1e-5, 1e-6], erfc: [1e-5, 1e-6], asin: [1e-5, 1e-6], acos: [1e-5, 1e-6], atan: [1e-5, 1e-6],
  erfinv: [1e-4, 1e-6], sin: [1e-4, 1e-4], cos: [1e-4, 1e-4], tan: [1e-4, 1e-4],
};

describe('elementwise ops against the js reference', () => {
  const values = [...EDGE, ...EDGE.filter(Number.isFinite).map((v) => v / 7), 0.999, -0.5, 0.5];
  for (const op of Object.keys(unaryTolerance) as UnaryOp[]) {
    if (op === 'bitwiseNot') continue;
    test(`unary ${op} (float32)`, async () => {
      const x = torch.tensor(values, { dtype: 'float32' });
      const fn = (t: Tensor) => (torch as unknown as Record<string, (t: Tensor) => Tensor>)[op](t);
      const [rtol, atol] = unaryTolerance[op];
      const expected = Array.from(fn(x).toTypedArray()).map((e, i) => pytorchUnary(op, values[i], e));
      assertClose(await flat(fn(x.to('webgpu'))), expected, rtol, atol, op);
    });
  }

  test('unary ops on int32, int64 and bool keep PyTorch dtypes', async () => {
    const ints = torch.tensor([-3, 0, 5, -2147483647], { dtype: 'int32' });
    for (const op of ['neg', 'abs', 'sign', 'relu', 'bitwiseNot', 'logicalNot', 'isnan', 'isfinite', 'exp', 'sqrt'] as const) {
      const fn = (t: Tensor) => (torch as unknown as Record<string, (t: Tensor) => Tensor>)[op](t);
      const cpu = fn(ints);
      const gpu = fn(ints.to('webgpu'));
      assert.equal(gpu.dtype, cpu.dtype, op);
      assertClose(await flat(gpu), Array.from(cpu.toTypedArray()), 1e-5, 0, `int32 ${op}`);
    }
    const longs = torch.tensor([-3, 4]);
    assert.deepEqual(await longs.to('webgpu').neg().tolistAsync(), [3, -4]);
    assert.deepEqual(await torch.bitwiseNot(torch.tensor([true, false]).to('webgpu')).tolistAsync(), [false, true]);
  });

  const binaryOps: [BinaryOp, (a: Tensor, b: Tensor) => Tensor, number][] = [
    ['add', (a, b) => a.add(b), 0], ['sub', (a, b) => a.sub(b), 0], ['mul', (a, b) => a.mul(b), 0], ['div', (a, b) => a.div(b), 0],
    ['pow', (a, b) => a.pow(b), 1e-5], ['maximum', (a, b) => a.maximum(b), 0], ['minimum', (a, b) => a.minimum(b), 0],
    ['atan2', (a, b) => a.atan2(b), 1e-5], ['remainder', (a, b) => a.remainder(b), 1e-5], ['fmod', (a, b) => a.fmod(b), 1e-5],
    ['floorDivide', (a, b) => a.floorDivide(b), 0], ['eq', (a, b) => a.eq(b), 0], ['ne', (a, b) => a.ne(b), 0],
    ['lt', (a, b) => a.lt(b), 0], ['le', (a, b) => a.le(b), 0], ['gt', (a, b) => a.gt(b), 0], ['ge', (a, b) => a.ge(b), 0],
    ['logicalAnd', (a, b) => a.logicalAnd(b), 0], ['logicalOr', (a, b) => a.logicalOr(b), 0], ['logicalXor', (a, b) => a.logicalXor(b), 0],
  ];
  const pairs = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, -2, 0.5, 3, -2.5, 7.25];
  const A = pairs.flatMap((a) => pairs.map(() => a));
  const B = pairs.flatMap(() => pairs);
  for (const [op, fn, rtol] of binaryOps) {
    test(`binary ${op} (float32, every pair of edge values)`, async () => {
      const a = torch.tensor(A, { dtype: 'float32' });
      const b = torch.tensor(B, { dtype: 'float32' });
      const logical = pytorchLogical[op];
      let expected = logical ? A.map((v, i) => Number(logical(truth(v), truth(B[i])))) : Array.from(fn(a, b).toTypedArray());
      // C's pow(-1, +-inf) is 1 (PyTorch's too); JavaScript's Math.pow, in the js reference, gives NaN.
      if (op === 'pow') expected = expected.map((e, i) => (A[i] === -1 && !Number.isFinite(B[i]) && !Number.isNaN(B[i]) ? 1 : e));
      assertClose(await flat(fn(a.to('webgpu'), b.to('webgpu'))), expected, rtol, 1e-6, op);
    });
  }

  test('binary ops on int32 and int64 (nonzero divisors), and bool', async () => {
    const a = torch.tensor([7, -7, 7, -7, 0, 3, 2], { dtype: 'int32' });
    const b = torch.tensor([2, 2, -2, -2, 5, 0, 10], { dtype: 'int32' });
    const nz = torch.tensor([2, 2, -2, -2, 5, 1, 10], { dtype: 'int32' });
    for (const [op, fn] of binaryOps) {
      const divisor = ['div', 'remainder', 'fmod', 'floorDivide'].includes(op) ? nz : b;
      if (op === 'atan2' || op === 'div') continue; // float results: covered by the float32 pairs
      const cpu = fn(a, divisor);
      const gpu = fn(a.to('webgpu'), divisor.to('webgpu'));
      assert.equal(gpu.dtype, cpu.dtype, op);
      assert.deepEqual(await flat(gpu), Array.from(cpu.toTypedArray()), `int32 ${op}`);
      const cpu64 = fn(a.long(), divisor.long());
      assert.deepEqual(await flat(fn(a.long().to('webgpu'), divisor.long().to('webgpu'))), Array.from(cpu64.toTypedArray()), `int64 ${op}`);
    }
    const t = torch.tensor([true, true, false, false]);
    const f = torch.tensor([true, false, true, false]);
    for (const fn of [(x: Tensor, y: Tensor) => x.add(y), (x: Tensor, y: Tensor) => x.mul(y), (x: Tensor, y: Tensor) => x.logicalXor(y), (x: Tensor, y: Tensor) => x.eq(y)]) {
      assert.deepEqual(await fn(t.to('webgpu'), f.to('webgpu')).tolistAsync(), fn(t, f).tolist());
    }
  });

  test('views, broadcasting and strides: transposed, sliced, flipped, expanded and scalar operands', async () => {
    torch.manualSeed(1);
    const x = torch.randn([4, 5]);
    const y = torch.randn([5]);
    const c = torch.randn([4, 1]);
    const [gx, gy, gc] = [x.to('webgpu'), y.to('webgpu'), c.to('webgpu')];
    const cases: [string, (a: Tensor, b: Tensor, c: Tensor) => Tensor][] = [
      ['broadcast row', (a, b) => a.add(b)],
      ['broadcast column', (a, _b, c) => a.mul(c)],
      ['outer broadcast', (_a, b, c) => c.sub(b)],
      ['transposed', (a) => a.t().exp()],
      ['transposed + column', (a, _b, c) => a.t().add(c.t())],
      ['narrowed', (a) => a.narrow(1, 1, 3).neg()],
      ['strided slice', (a) => a.index(':', torch.slice(null, null, 2)).abs()],
      ['flipped', (a) => a.flip(1).mul(2)],
      ['expanded', (_a, b) => b.expand(3, 5).add(1)],
      ['number operand', (a) => a.mul(0.5).add(3)],
      ['where', (a, b, c) => torch.where(a.gt(0), b, c)],
      ['clamp', (a) => a.clamp(-0.5, 0.5)],
      ['contiguous of a permuted view', (a) => a.view(2, 2, 5).permute(2, 0, 1).contiguous()],
      ['select then copy', (a) => a.select(1, 2).clone()],
    ];
    for (const [name, fn] of cases) {
      assertClose(await flat(fn(gx, gy, gc)), Array.from(fn(x, y, c).contiguous().toTypedArray()), 1e-6, 1e-6, name);
    }
  });

  test('fill, assign into views (copy_, indexPut_, fill_ of a slice) and in-place updates', async () => {
    const cpu = torch.zeros([3, 4]);
    const gpu = torch.zeros([3, 4], { device: 'webgpu' });
    for (const t of [cpu, gpu]) {
      t.index(1).fill_(2);
      t.index(':', 2).copy_(torch.tensor([7, 8, 9]));
      t.indexPut_([0, torch.slice(0, 2)], 5);
      t.mul_(2).add_(torch.ones([4], { device: t.device }));
      t.index(2).copy_(t.index(0).flip(0));
    }
    assert.deepEqual(await gpu.tolistAsync(), cpu.tolist());
    const a = torch.tensor([1, 2, 3], { dtype: 'float32' }).to('webgpu');
    a.add_(a, { alpha: 2 });
    assert.deepEqual(await a.tolistAsync(), [3, 6, 9], 'x.add_(x): the aliased operand is read from a copy');
  });

  test('random values are drawn on the CPU and uploaded: same seed, same numbers', async () => {
    torch.manualSeed(3);
    const cpu = [torch.randn([6]), torch.rand([6])];
    torch.manualSeed(3);
    const gpu = [torch.randn([6], { device: 'webgpu' }), torch.rand([6], { device: 'webgpu' })];
    for (let i = 0; i < 2; i++) assert.deepEqual(await gpu[i].tolistAsync(), cpu[i].tolist());
    torch.manualSeed(4);
    const w = torch.empty([3, 2]).normal_();
    torch.manualSeed(4);
    const v = torch.empty([3, 2], { device: 'webgpu' }).normal_();
    assert.deepEqual(await v.tolistAsync(), w.tolist());
  });
});

describe('memory and the queue', () => {
  test('memoryAllocated counts live tensors, maxMemoryAllocated their peak, emptyCache frees the pool', async () => {
    await torch.webgpu.synchronize();
    torch.webgpu.resetPeakMemoryStats();
    const before = torch.webgpu.memoryAllocated();
    const big = torch.zeros([1 << 16], { device: 'webgpu' });
    assert.equal(torch.webgpu.memoryAllocated() - before, 4 << 16, '65536 float32 in one 256 KiB bucket');
    assert.ok(torch.webgpu.maxMemoryAllocated() >= before + (4 << 16));
    assert.ok(torch.webgpu.memoryReserved() >= torch.webgpu.memoryAllocated());
    assert.equal(await big.sum().itemAsync(), 0);
    torch.webgpu.emptyCache();
    assert.ok(torch.webgpu.memoryReserved() >= torch.webgpu.memoryAllocated());
    assert.equal(torch.webgpu.deviceCount(), 1);
    assert.match(torch.webgpu.getDeviceName(), /\S/);
  });

  test('buffers of collected tensors return to the pool and are reused without corrupting queued work', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collect = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10)); // FinalizationRegistry callbacks run as tasks
      }
    };
    await torch.webgpu.synchronize();
    await collect();
    const base = torch.webgpu.memoryAllocated();
    const reserved = torch.webgpu.memoryReserved();
    const keep = torch.arange(1000, { dtype: 'float32', device: 'webgpu' });
    let acc = keep;
    for (let i = 0; i < 50; i++) {
      // Temporaries die at once; their buffers may be parked (the encoder still reads them) or pooled.
      acc = acc.add(keep.mul(2)).sub(keep).mul(0.5);
      if (i % 10 === 0) await collect();
    }
    let expected = torch.arange(1000, { dtype: 'float32' });
    const k = expected;
    for (let i = 0; i < 50; i++) expected = expected.add(k.mul(2)).sub(k).mul(0.5);
    assertClose(await flat(acc), Array.from(expected.toTypedArray()), 1e-6, 1e-6, 'values across reuse');
    await collect();
    const live = torch.webgpu.memoryAllocated() - base;
    assert.ok(live <= 2 * 4096, `only keep and acc stay allocated (${live} bytes above the start)`);
    // 200 temporaries of one 4 KiB bucket were made; without reuse the pool would have grown by all of them.
    const grown = torch.webgpu.memoryReserved() - reserved;
    assert.ok(grown <= 50 * 4096, `the pool reused buffers instead of making one per op (grew ${grown} bytes)`);
  });

  test('a long chain of ops (several submitted batches) gives the CPU result', async () => {
    let cpu = torch.linspace(-1, 1, 50);
    let gpu = cpu.to('webgpu');
    for (let i = 0; i < 40; i++) {
      cpu = cpu.mul(1.01).add(0.001).tanh();
      gpu = gpu.mul(1.01).add(0.001).tanh();
    }
    assertClose(await flat(gpu), Array.from(cpu.toTypedArray()), 1e-4, 1e-6, 'chain');
  });
});

describe('the wgsl kernels through the backend', () => {
  test('gather, index_select, scatter_add, index_add, argmax, cumsum, logSoftmax, im2col and pooling agree with the CPU', async () => {
    torch.manualSeed(2);
    const x = torch.randn([3, 5]);
    const idx = torch.tensor([[4, 0], [1, 1], [2, 3]]);
    const sel = torch.tensor([2, 0, 2]);
    const img = torch.randn([2, 3, 6, 6]);
    const cases: [string, (x: Tensor, idx: Tensor, sel: Tensor, img: Tensor) => Tensor][] = [
      ['gather', (x, i) => x.gather(1, i)],
      ['index_select', (x, _i, s) => x.indexSelect(1, s)],
      ['scatter_add', (x, i) => torch.zerosLike(x).scatterAdd(1, i, x.narrow(1, 0, 2))],
      ['index_add', (x, _i, s) => x.indexAdd(1, s, x.narrow(1, 0, 3))],
      ['argmax', (x) => x.argmax(1)],
      ['cumsum', (x) => x.cumsum(1)],
      ['logSoftmax', (x) => x.logSoftmax(1)],
      ['amax', (x) => x.amax(0)],
      ['unfold', (_x, _i, _s, m) => nn.functional.unfold(m, 3, { padding: 1 })],
      ['max_pool2d', (_x, _i, _s, m) => nn.functional.maxPool2d(m, 2)],
      ['conv2d', (_x, _i, _s, m) => nn.functional.conv2d(m, m.narrow(0, 0, 1).narrow(2, 0, 3).narrow(3, 0, 3).expand(4, 3, 3, 3).contiguous(), null, { padding: 1 })],
    ];
    const dev = [x, idx, sel, img].map((t) => t.to('webgpu')) as [Tensor, Tensor, Tensor, Tensor];
    for (const [name, fn] of cases) {
      assertClose(await flat(fn(...dev)), Array.from(fn(x, idx, sel, img).contiguous().toTypedArray()), 1e-5, 1e-5, name);
    }
  });
});

describe('training on webgpu', () => {
  test('a small CNN (conv, ReLU, max pool, linear, cross-entropy, Adam) trains as on the CPU', async () => {
    const run = async (device: string) => {
      torch.manualSeed(0);
      const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 4 * 4, 10));
      const x = torch.randn([8, 1, 8, 8]);
      const y = torch.randint(0, 10, [8]);
      const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
      model.to(device);
      const [xd, yd] = [x.to(device), y.to(device)];
      const losses: number[] = [];
      for (let step = 0; step < 4; step++) {
        const loss = nn.functional.crossEntropy(model.call(xd), yd);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        losses.push(await loss.itemAsync());
      }
      return losses;
    };
    const cpu = await run('cpu');
    assert.ok(cpu[3] < cpu[0], 'the CPU run learns');
    assertClose(await run('webgpu'), cpu, 1e-5, 1e-6, 'losses');
  });

  test('an MLP (Linear-ReLU-Linear, MSE, SGD with momentum) trains as on the CPU', async () => {
    const run = async (device: string) => {
      torch.manualSeed(0);
      const first = new nn.Linear(8, 16);
      const model = new nn.Sequential(first, new nn.ReLU(), new nn.Linear(16, 4));
      const x = torch.randn([32, 8]);
      const y = torch.randn([32, 4]);
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      model.to(device);
      const [xd, yd] = [x.to(device), y.to(device)];
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) {
        const loss = nn.functional.mseLoss(model.call(xd), yd);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        losses.push(await loss.itemAsync()); // the one await per logged value
      }
      const weight = Array.from((await first.weight.cpuAsync()).toTypedArray());
      return { losses, weight };
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    assert.ok(cpu.losses[5] < cpu.losses[0], 'the CPU run learns');
    assertClose(gpu.losses, cpu.losses, 1e-5, 1e-6, 'losses');
    assertClose(gpu.weight, cpu.weight, 1e-5, 1e-6, 'first layer weight after 6 steps');
  });
});
