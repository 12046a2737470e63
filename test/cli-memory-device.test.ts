// `dlab memory --measure --device webgpu` on the GPU the test runner provides (SwiftShader where
// there is none: scripts/run-tests.mjs sets the environment this child process inherits).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

test('the MLP measured on webgpu: the device counters agree with the estimate within 10%', () => {
  const out = JSON.parse(execFileSync(process.execPath, [main, 'memory', 'mnist-mlp', '--measure', '--device', 'webgpu', '--json'], { encoding: 'utf8' }));
  const { bytes, measured } = out as { bytes: { total: number; params: number }; measured: { peak: number; params: number; device: string; adapter: string; buffers: { peak: number; params: number }; watermark: number } };
  assert.equal(measured.device, 'webgpu');
  assert.match(measured.adapter, /\S/);
  // The parameters are on the GPU: 101,770 float32 = 407,080 bytes asked for, in pool buckets above that.
  assert.equal(measured.params, bytes.params);
  assert.ok(measured.buffers.params >= measured.params);
  const off = Math.abs(measured.peak - bytes.total) / bytes.total;
  assert.ok(off <= 0.1, `peak ${measured.peak} vs estimate ${bytes.total} (${(100 * off).toFixed(1)}% off)`);
  assert.ok(measured.buffers.peak >= measured.peak && measured.watermark >= measured.buffers.peak);
});

test('--device is validated by name and goes with --measure', () => {
  const bad = spawnSync(process.execPath, [main, 'memory', 'mnist-mlp', '--measure', '--device', 'cuda'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /option '--device <device>' argument 'cuda' is invalid\. Expected cpu, webgpu or webgpu:N/);
  const alone = spawnSync(process.execPath, [main, 'memory', 'mnist-mlp', '--device', 'webgpu'], { encoding: 'utf8' });
  assert.match(alone.stderr, /--device goes with --measure/);
});
