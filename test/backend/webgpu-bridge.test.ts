// The webgpu test bridge (test/webgpu-bridge/): the synchronous backend that runs the suites' cases
// on the WebGPU kernels. Its results must be the kernels' own (checked against the js reference on
// strided views and in-place windows), what it cannot run on the GPU must be counted and named,
// the kernels' own errors must come through unchanged, and a missing adapter must fail loudly.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import type { View } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { createWebGPUBridge, fallbackReason, type WebGPUBridge } from '../webgpu-bridge/backend.js';
import { encodeCall, mentionsFloat64 } from '../webgpu-bridge/protocol.js';

let bridge: WebGPUBridge;
before(() => {
  bridge = createWebGPUBridge();
});
after(() => bridge?.close());

const view = (data: View['data'], dtype: View['dtype'], shape: number[], strides: number[], offset: number): View => ({ data, dtype, shape, strides, offset });

describe('the call encoding', () => {
  test('each typed array crosses once, cut to the span its views read, the views rebased onto it', () => {
    const big = Float32Array.from({ length: 100 }, (_, i) => i);
    const a = view(big, 'float32', [2, 3], [10, -1], 42); // reads 40..52
    const b = view(big, 'float32', [3], [2], 50); // reads 50..54
    const { call, origins } = encodeCall('binary', ['add', a, b, [3], 'float32']);
    assert.equal(call.buffers.length, 1);
    assert.deepEqual(Array.from(call.buffers[0].data), Array.from(big.subarray(40, 55)));
    assert.equal(origins[0].lo, 40);
    const [, ea, eb] = call.args as { offset: number; data: { $buffer: number } }[];
    assert.deepEqual([ea.offset, eb.offset, ea.data.$buffer], [2, 10, 0]);
    assert.equal(call.first, null, 'the first argument is not a view');
  });

  test('float64 anywhere in a call (a view or a dtype argument) sends it to js', () => {
    assert.ok(mentionsFloat64(['add', view(new Float32Array(2), 'float32', [2], [1], 0), view(new Float32Array(2), 'float32', [2], [1], 0), [2], 'float64']));
    assert.ok(!mentionsFloat64([view(new Float32Array(2), 'float32', [2], [1], 0), 'float32']));
  });

  test('the refusals that mean "not on this backend" are told apart from every other error', () => {
    assert.equal(fallbackReason({ name: 'TypeError', message: 'float64 is not supported on webgpu (WGSL has no f64); keep the tensor on the cpu' }), 'float64');
    assert.equal(fallbackReason({ name: 'RangeError', message: "int64 value 4294967296 does not fit webgpu's storage of int64 (int32: ...)" }), 'int64 value beyond int32');
    assert.equal(fallbackReason({ name: 'TypeError', message: 'webgpu matmul: expected float32, got int64' }), 'int64 operands');
    assert.equal(fallbackReason({ name: 'Error', message: 'nonzero is not implemented on webgpu yet' }), 'not implemented on webgpu');
    assert.equal(fallbackReason({ name: 'RangeError', message: 'amax(): Expected reduction dim to have non-zero size.' }), null);
  });
});

describe('kernels through the bridge', () => {
  test('results are the GPU kernels\', in the CPU array type of their dtype, on strided operands', () => {
    const x = view(Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)), 'float32', [3, 4], [1, 5], 7);
    const y = view(Float32Array.from({ length: 4 }, (_, i) => i - 1.5), 'float32', [3, 4], [0, 1], 0);
    const sum = bridge.backend.binary('add', x, y, [3, 4], 'float32');
    assert.ok(sum instanceof Float32Array);
    assert.deepEqual(Array.from(sum), Array.from(jsBackend.binary('add', x, y, [3, 4], 'float32')));
    const lt = bridge.backend.binary('lt', x, y, [3, 4], 'bool');
    assert.ok(lt instanceof Uint8Array);
    assert.deepEqual(Array.from(lt), Array.from(jsBackend.binary('lt', x, y, [3, 4], 'bool')));
    const arg = bridge.backend.argReduce('argmax', x, 1);
    assert.ok(arg instanceof Float64Array, 'int64 reads back as the CPU holds it');
    assert.deepEqual(Array.from(arg), Array.from(jsBackend.argReduce('argmax', x, 1)));
    const image = view(Float32Array.from({ length: 16 }, (_, i) => (i * 7) % 5), 'float32', [1, 1, 4, 4], [16, 16, 4, 1], 0);
    const window = { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], output: [2, 2] } as const;
    const pooled = bridge.backend.maxPool2d(image, window);
    const reference = jsBackend.maxPool2d(image, window);
    assert.deepEqual([Array.from(pooled.values), Array.from(pooled.indices)], [Array.from(reference.values), Array.from(reference.indices)], 'results that are objects of arrays');
    assert.equal(bridge.stats().fallbacks.size, 0);
  });

  test('in-place kernels write back into the window only; a source in the same array crosses as one buffer', () => {
    const data = Float32Array.from({ length: 16 }, (_, i) => i);
    const expected = data.slice();
    const dst = view(data, 'float32', [2, 2], [4, 1], 2); // 2, 3 / 6, 7
    const src = view(data, 'float32', [2, 2], [1, 4], 8); // 8, 12 / 9, 13 (transposed)
    assert.equal(encodeCall('assign', [dst, src]).call.buffers.length, 1);
    jsBackend.assign({ ...dst, data: expected }, { ...src, data: expected });
    bridge.backend.assign(dst, src);
    assert.deepEqual(Array.from(data), Array.from(expected));
    const acc = new Float32Array([1, 1, 1, 1]);
    bridge.backend.axpy(view(acc, 'float32', [4], [1], 0), view(new Float32Array([1, 2, 3, 4]), 'float32', [4], [1], 0), 0.5);
    assert.deepEqual(Array.from(acc), [1.5, 2, 2.5, 3]);
  });

  test('float64 and int64 beyond int32 run on js and are counted by kernel and reason; sort stays on the GPU', () => {
    const before = bridge.stats().gpu;
    const d = view(new Float64Array([3, 1, 2]), 'float64', [3], [1], 0);
    assert.deepEqual(Array.from(bridge.backend.unary('neg', d, 'float64')), [-3, -1, -2]);
    const big = view(new Float64Array([2 ** 40, 1]), 'int64', [2], [1], 0);
    assert.deepEqual(Array.from(bridge.backend.copy(big, 'int64')), [2 ** 40, 1]);
    const s = view(new Float32Array([3, NaN, 1, 3]), 'float32', [4], [1], 0);
    assert.deepEqual(Array.from(bridge.backend.sort(s, 0, false)), [2, 0, 3, 1]);
    const { fallbacks } = bridge.stats();
    assert.equal(fallbacks.get('unary:neg (float64)'), 1);
    assert.equal(fallbacks.get('copy (int64 value beyond int32)'), 1);
    assert.equal(bridge.stats().gpu, before + 1, 'only the sort ran on the GPU');
    assert.match(bridge.report(), /float64 1 calls \(unary 1\); other fall-backs: copy \(int64 value beyond int32\) x1/);
  });

  test("a kernel's own error comes through with its type and message", () => {
    const empty = view(new Float32Array(0), 'float32', [2, 0], [0, 1], 0);
    assert.throws(() => bridge.backend.reduce('amax', empty, [1], 'float32'), { name: 'RangeError', message: /amax\(\): Expected reduction dim to have non-zero size/ });
  });
});

test('without an adapter the first webgpu kernel call fails, saying what to set (never a silent skip)', () => {
  const script = `
    import { createWebGPUBridge } from ${JSON.stringify(new URL('../webgpu-bridge/backend.ts', import.meta.url).href)};
    const bridge = createWebGPUBridge();
    try { bridge.backend.allocate('float32', 2); console.log('no error'); } catch (e) { console.log('error: ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.match(r.stdout, /error: no WebGPU adapter for the webgpu test backend: run the tests through scripts\/run-tests\.mjs/, r.stderr);
});
