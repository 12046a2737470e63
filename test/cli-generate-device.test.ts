// `dlab generate --device webgpu` against `--device cpu`, on the GPU the test runner provides
// (SwiftShader where there is none: scripts/run-tests.mjs sets the environment these child
// processes inherit; without an adapter the webgpu runs fail, naming it). Two model families:
// a tiny random-weight text-conditioned ddpm folder (as `dlab run ddpm --conditioning text` saves
// one) and the tiny diffusers-layout checkpoint of test/fixtures/stable_diffusion. The noise is
// drawn from the CPU generator on both devices, so the same seed must give the same pixels within
// float32 rounding: one 8-bit level at most (x·255 rounded). The images are checked to vary, so
// the comparison could catch a different noise or a wrong step. Each run is a few hundred GPU
// kernels on SwiftShader; the pipelines' compilation dominates. Last, the ddpm experiment's own
// samplers (class labels; ancestral DDPM and DDIM with η > 0, which draw noise at every step) on
// the webgpu device in this process, against the cpu.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { textConditioner } from '../src/lab/ddpm-conditioning.js';
import { saveModelFolder } from '../src/io/model_folder.node.js';
import { GaussianDiffusion } from '../src/models/diffusion.js';
import { noiseSchedule } from '../src/models/noise_schedule.js';
import * as torch from '../src/index.js';
import { manualSeed } from '../src/index.js';
import { UNet2DModel } from '../src/models/unet.js';
import { Generator } from '../src/random/generator.js';
import { MEASURE_FLAGS } from '../src/cli/commands/memory.js';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const sdTurbo = fileURLToPath(new URL('./fixtures/stable_diffusion/tiny-sd-turbo', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'dlab-generate-device-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** The built CLI, already under the flags that make its memory samples exact (so it does not re-run itself). */
const dlab = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, [...MEASURE_FLAGS, main, ...args], { env: { ...process.env, DLAB_HOME: home } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });

interface Run {
  line: Record<string, unknown>;
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** generate on one device; its JSON line and the PNG's RGBA pixels. */
async function generate(device: string, args: string[], name: string): Promise<Run> {
  const out = join(home, `${name}-${device}.png`);
  const r = await dlab(['generate', ...args, '--device', device, '--out', out, '--json']);
  assert.equal(r.code, 0, `--device ${device}: ${r.stderr}`);
  const png = PNG.sync.read(readFileSync(out));
  return { line: JSON.parse(r.stdout.trim().split('\n').at(-1)!), pixels: new Uint8Array(png.data), width: png.width, height: png.height };
}

/** The cpu and webgpu runs of the same command (side by side: two processes). */
const onBoth = (args: string[], name: string, gpuArgs: string[] = []) => Promise.all([generate('cpu', args, name), generate('webgpu', [...args, ...gpuArgs], name)]);

/** Same size, every channel within one 8-bit level, and an image that varies (a constant one would prove nothing). */
function assertSameImage(cpu: Run, gpu: Run): void {
  assert.deepEqual([gpu.width, gpu.height], [cpu.width, cpu.height]);
  let worst = 0;
  let differing = 0;
  for (let i = 0; i < cpu.pixels.length; i++) {
    const d = Math.abs(cpu.pixels[i] - gpu.pixels[i]);
    worst = Math.max(worst, d);
    if (d > 0) differing++;
  }
  assert.ok(worst <= 1, `webgpu differs from cpu by ${worst} levels (${differing} of ${cpu.pixels.length} values differ)`);
  const levels = new Set(cpu.pixels.filter((_, i) => i % 4 !== 3)).size;
  assert.ok(levels >= 8, `the image has only ${levels} distinct levels: too flat for the comparison to mean anything`);
}

/** What a webgpu run reports: the device and adapter, the device's own memory counters beside the cpu's count. */
function assertDeviceReport(cpu: Run, gpu: Run): void {
  assert.equal(cpu.line.device, 'cpu');
  assert.equal(gpu.line.device, 'webgpu');
  assert.match(String(gpu.line.adapter), /\S/);
  const peak = gpu.line.peak_bytes as number;
  const watermark = gpu.line.device_watermark_bytes as number;
  assert.ok(peak > 0 && watermark >= peak, `peak ${peak}, watermark ${watermark}`);
  assert.equal(cpu.line.device_watermark_bytes, undefined);
  // The same tensors live at the peak on both devices (float32 everywhere, 4 bytes per element).
  const off = Math.abs(peak - (cpu.line.peak_bytes as number)) / (cpu.line.peak_bytes as number);
  assert.ok(off <= 0.1, `webgpu peak ${peak} vs cpu ${cpu.line.peak_bytes}`);
}

let ddpmFolder = '';
before(() => {
  // A text-conditioned ddpm with random weights: 8x8 pixels, a 1-layer encoder, as `dlab run ddpm --conditioning text` saves it.
  manualSeed(0);
  const diffusion = new GaussianDiffusion(noiseSchedule('linear', 20), 10);
  const cond = textConditioner({ imageSize: 8, channels: 8, textLayers: 1 }, diffusion);
  const { config, extra } = cond.folder({ beta_schedule: 'linear', num_train_timesteps: 20, guidance_scale: 2, sample_steps: 2 });
  ddpmFolder = join(home, 'ddpm-text');
  saveModelFolder(ddpmFolder, cond.model, config, extra);
});

test('text ddpm: generate --device webgpu draws the cpu image (DDIM, guidance, two images)', async () => {
  const [cpu, gpu] = await onBoth(['a handwritten seven', '--model', ddpmFolder, '--steps', '2', '--n', '2', '--seed', '3'], 'ddpm');
  assertSameImage(cpu, gpu);
  assertDeviceReport(cpu, gpu);
  assert.ok((gpu.line.estimate_bytes as number) > 0);
});

test('Stable Diffusion (sd-turbo layout, Euler): --device webgpu --dtype float16 computes in float32 and draws the cpu image', async () => {
  const [cpu, gpu] = await onBoth(['a cat', '--model', sdTurbo, '--steps', '1', '--guidance', '0', '--size', '16', '--seed', '1'], 'sd', ['--dtype', 'float16']);
  assertSameImage(cpu, gpu);
  assertDeviceReport(cpu, gpu);
  assert.equal(gpu.line.dtype, 'float32');
  const html = readFileSync(join(home, 'sd-webgpu.html'), 'utf8');
  assert.match(html, /--dtype float16: computed in float32: dlab&#39;s webgpu kernels are float32 only \(this adapter (offers|lacks) WGSL&#39;s shader-f16\)/);
  assert.match(html, /torch\.webgpu\.maxMemoryAllocated\(\)/);
});

test('dtypes webgpu has no kernels for are refused by flag, before any model is loaded', async () => {
  const refused = async (args: string[], message: RegExp) => {
    const r = await dlab(['generate', '7', '--model', ddpmFolder, ...args]);
    assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, message);
  };
  await Promise.all([
    refused(['--device', 'webgpu', '--dtype', 'float64'], /--dtype float64: --device webgpu computes in float32 \(WGSL has no float64\); use --device cpu for float64/),
    refused(['--device', 'webgpu', '--dtype', 'bfloat16'], /--dtype bfloat16: --device webgpu computes in float32 \(WGSL has no bfloat16\)/),
  ]);
});

test("the ddpm experiment's samplers on webgpu: class labels, ancestral DDPM and DDIM (η 0.5) give the cpu's samples", async () => {
  assert.ok(await torch.webgpu.isAvailable(), 'no WebGPU adapter: run through scripts/run-tests.mjs (it points Dawn at SwiftShader), or set VK_ICD_FILENAMES to a Vulkan driver');
  try {
    manualSeed(1);
    const unet = new UNet2DModel({ sampleSize: 4, inChannels: 1, outChannels: 1, blockOutChannels: [8, 8], numClassEmbeds: 10 }).eval();
    // Cosine: linear β over so few steps would pass 1 (they are scaled by 1000/T).
    const diffusion = new GaussianDiffusion(noiseSchedule('cosine', 4), 10);
    const options = (device: string) => ({ labels: [3, 7], imageShape: [1, 4, 4], guidance: 2, generator: new Generator(5), device });
    const cpu = [diffusion.sampleDdpm(unet, options('cpu')), diffusion.sampleDdim(unet, { ...options('cpu'), steps: 2, eta: 0.5 })];
    unet.to('webgpu');
    const steps: number[] = [];
    const onGpu = [diffusion.sampleDdpm(unet, { ...options('webgpu'), onStep: (t) => steps.push(t) }), diffusion.sampleDdim(unet, { ...options('webgpu'), steps: 2, eta: 0.5 })];
    assert.deepEqual(steps, [3, 2, 1, 0], 'one onStep per step, without reading a value');
    for (const [i, x] of onGpu.entries()) {
      assert.equal(String(x.device), 'webgpu:0');
      const got = Array.from((await x.cpuAsync()).toTypedArray());
      const want = Array.from(cpu[i].toTypedArray());
      const worst = Math.max(...got.map((v, j) => Math.abs(v - want[j])));
      assert.ok(worst <= 1e-5, `${i === 0 ? 'DDPM' : 'DDIM'}: webgpu differs from cpu by ${worst}`);
      // x_0 is clipped to [-1, 1], where a random network sends many values; the rest must vary.
      const inside = want.filter((v) => Math.abs(v) < 1);
      assert.ok(new Set(inside).size >= 4, `the samples vary: ${JSON.stringify(want)}`);
    }
  } finally {
    torch.webgpu.dispose();
  }
});
