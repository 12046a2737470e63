// The diffusion pieces of `dlab run ddpm`: the β schedules and the timestep embedding against
// PyTorch (test/fixtures/ddpm.json from tools/fixtures/ddpm.py), the U-Net's shapes and conditioning,
// the samplers (shapes, reproducible from a seed, guidance matters), a few training steps that lower
// the loss, and the model folder round trip. Tiny sizes: 8x8 images, 8 channels, T = 20.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as torch from '../../src/index.js';
import { loadModelFolder, saveModelFolder } from '../../src/io/model_folder.node.js';
import { GaussianDiffusion, UNet2DModel, builtinModel, noiseSchedule, timestepEmbedding } from '../../src/models/index.js';
import { summaryString } from '../../src/utils/summary.js';
import { Generator } from '../../src/random/generator.js';
import { acquireDevicePass, assertClose, passesUnderTest } from '../helpers.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/ddpm.json', import.meta.url), 'utf8')) as {
  schedules: { name: 'linear' | 'cosine'; T: number; betas: number[]; alphas_cumprod: number[] }[];
  timestep_embedding: { timesteps: number[]; dim: number; values: number[] };
};

const tiny = () => new UNet2DModel({ sampleSize: 8, blockOutChannels: [8, 16, 16], normNumGroups: 4, attentionHeads: 2, numClassEmbeds: 10 });

for (const s of fixture.schedules) {
  test(`${s.name} schedule, T = ${s.T}: β and ᾱ as improved-diffusion computes them`, () => {
    const got = noiseSchedule(s.name, s.T);
    // β = 1 - ᾱ(t)/ᾱ(t-1) cancels: JS's and libm's cos may differ by an ulp, which leaves a few ulps of 1.
    assertClose(got.betas, s.betas, 1e-13, 1e-15, 'betas');
    assertClose(got.alphasCumprod, s.alphas_cumprod, 1e-12, 0, 'alphas_cumprod');
  });
}

test('noiseSchedule refuses an unknown name or a T that is not a positive integer', () => {
  assert.throws(() => noiseSchedule('quadratic' as 'linear', 10), /unknown schedule 'quadratic' \(expected one of linear, cosine\)/);
  assert.throws(() => noiseSchedule('linear', 0), /T must be a positive integer, but got 0/);
});

test("timestepEmbedding is DDPM's get_timestep_embedding", () => {
  const e = fixture.timestep_embedding;
  const got = timestepEmbedding(torch.tensor(e.timesteps, { dtype: 'int64' }), e.dim);
  assert.deepEqual(got.shape, [e.timesteps.length, e.dim]);
  // float32 sin/cos of arguments up to 999: a few ulps of the argument.
  assertClose(got.flatten().tolist() as number[], e.values, 0, 2e-4, 'embedding');
});

test('DDIM steps: leading spacing from T-1 down, and a clear error outside [1, T]', () => {
  const d = new GaussianDiffusion(noiseSchedule('linear', 1000), 10);
  assert.deepEqual(d.ddimTimesteps(5), [800, 600, 400, 200, 0]);
  assert.equal(d.ddimTimesteps(1000)[0], 999);
  assert.throws(() => d.ddimTimesteps(1001), /DDIM steps must be an integer in \[1, 1000\] \(T\), but got 1001/);
  assert.throws(() => d.ddimTimesteps(0), /but got 0/);
});

for (const pass of passesUnderTest()) {
  describe(`diffusion [${pass.label}]`, () => {
    before(async () => {
      torch.setBackend(pass.backend);
      if (pass.device === 'webgpu') await acquireDevicePass();
    });
    const { device } = pass;
    // Values are read with await, which on the CPU is tolist() itself and on webgpu one read of the GPU.
    const list = (t: torch.Tensor) => t.tolistAsync();
    const item = (t: torch.Tensor) => t.itemAsync();

    test('U-Net: (B, 1, 8, 8) in, same shape out; the class label and the step change the output', async () => {
      torch.manualSeed(0);
      const unet = tiny().to(device);
      const x = torch.randn(3, 1, 8, 8).to(device);
      const t = torch.tensor([0, 5, 19], { dtype: 'int64', device });
      const y = torch.tensor([1, 2, 10], { dtype: 'int64', device });
      const out = unet.call(x, t, { classLabels: y });
      assert.deepEqual(out.shape, [3, 1, 8, 8]);
      assert.ok((await item(out.abs().sum())) > 0 && Number.isFinite(await item(out.sum())));
      const otherClass = unet.call(x, t, { classLabels: torch.tensor([3, 2, 10], { dtype: 'int64', device }) });
      assert.notDeepEqual(await list(otherClass.narrow(0, 0, 1)), await list(out.narrow(0, 0, 1)));
      assert.deepEqual(await list(otherClass.narrow(0, 1, 2)), await list(out.narrow(0, 1, 2)));
      // No labels is the "no class" row; no timesteps is t = 0 (what a summary runs).
      assert.deepEqual(
        await list(unet.call(x.narrow(0, 0, 1))),
        await list(unet.call(x.narrow(0, 0, 1), torch.tensor([0], { dtype: 'int64', device }), { classLabels: torch.tensor([10], { dtype: 'int64', device }) })),
      );
    });

    // float64 stays on the cpu (WGSL has none; the webgpu backend refuses it, as PyTorch's MPS does):
    // on webgpu the float32 run is the GPU's, the float64 one the cpu's, from the same weights.
    test(`U-Net in float64 agrees with float32 (the same weights, within float32 rounding)${device === 'webgpu' ? '; float64 on the cpu, float32 on webgpu' : ''}`, async () => {
      torch.manualSeed(3);
      const unet = tiny();
      const x = torch.randn(2, 1, 8, 8);
      const t = torch.tensor([1, 17], { dtype: 'int64' });
      const y = torch.tensor([4, 10], { dtype: 'int64' });
      // The same weights on the device: a second U-Net given this one's state, then moved.
      const onDevice = device === 'cpu' ? unet : tiny();
      if (onDevice !== unet) {
        onDevice.loadStateDict(unet.stateDict());
        onDevice.to(device);
      }
      const single = onDevice.call(x.to(device), t.to(device), { classLabels: y.to(device) });
      const double = unet.double().call(x.double(), t, { classLabels: y });
      assert.equal(double.dtype, 'float64');
      assertClose(double.flatten().tolist() as number[], (await list(single.flatten())) as number[], 1e-4, 1e-5, 'float64 against float32');
    });

    test('U-Net: gradients reach every parameter', async () => {
      torch.manualSeed(0);
      const unet = tiny().to(device);
      const loss = new GaussianDiffusion(noiseSchedule('cosine', 20), 10).loss(unet, torch.rand(4, 1, 8, 8).mul(2).sub(1).to(device), torch.tensor([0, 1, 2, 3], { dtype: 'int64' }), { pUncond: 0.5 });
      loss.backward();
      for (const [name, p] of unet.namedParameters()) {
        if (name.startsWith('classEmbedding')) continue; // only the rows of the labels drawn get a gradient
        assert.ok(p.grad && (await item(p.grad.abs().sum())) > 0, `${name} has no gradient`);
      }
    });

    test('DDPM and DDIM samples: right shape, finite, the same for the same seed, different with guidance', async () => {
      torch.manualSeed(1);
      const unet = tiny().to(device);
      unet.eval();
      const d = new GaussianDiffusion(noiseSchedule('linear', 20), 10);
      const labels = [0, 1, 7];
      const ddim = (guidance: number, seed = 5) => d.sampleDdim(unet, { labels, imageShape: [1, 8, 8], steps: 4, guidance, generator: new Generator(seed), device });
      const a = ddim(3);
      assert.deepEqual(a.shape, [3, 1, 8, 8]);
      assert.ok(Number.isFinite(await item(a.sum())));
      const aValues = await list(a);
      assert.deepEqual(await list(ddim(3)), aValues);
      assert.notDeepEqual(await list(ddim(0)), aValues);
      assert.notDeepEqual(await list(ddim(3, 6)), aValues);
      const steps: number[] = [];
      const p = d.sampleDdpm(unet, { labels, imageShape: [1, 8, 8], guidance: 2, generator: new Generator(5), onStep: (t) => steps.push(t), device });
      assert.deepEqual(p.shape, [3, 1, 8, 8]);
      assert.deepEqual(steps, Array.from({ length: 20 }, (_, i) => 19 - i));
      assert.deepEqual(await list(d.sampleDdpm(unet, { labels, imageShape: [1, 8, 8], guidance: 2, generator: new Generator(5), device })), await list(p));
    });
  });
}

test('a few dozen Adam steps lower L_simple on a fixed batch', () => {
  torch.manualSeed(0);
  const unet = tiny();
  const d = new GaussianDiffusion(noiseSchedule('linear', 20), 10);
  const x0 = torch.rand(16, 1, 8, 8).gt(0.5).float().mul(2).sub(1);
  const y = torch.randint(0, 10, [16]);
  const opt = new torch.optim.Adam(unet.parameters(), { lr: 3e-3 });
  const gen = new Generator(0);
  const losses: number[] = [];
  for (let i = 0; i < 40; i++) {
    const loss = d.loss(unet, x0, y, { generator: gen });
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  assert.ok(mean(losses.slice(-10)) < 0.8 * mean(losses.slice(0, 10)), losses.map((l) => l.toFixed(3)).join(' '));
});

test('the U-Net round-trips through a model folder (config.json + model.safetensors)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-unet-'));
  try {
    torch.manualSeed(2);
    const unet = tiny();
    saveModelFolder(join(dir, 'm'), unet, { model_type: 'ddpm-unet', ...unet.toModelConfig(), beta_schedule: 'linear', num_train_timesteps: 20 });
    const { model, config } = loadModelFolder(join(dir, 'm'), UNet2DModel.fromModelConfig);
    assert.equal(config.num_train_timesteps, 20);
    assert.deepEqual(model.config, unet.config);
    const x = torch.randn(2, 1, 8, 8);
    const t = torch.tensor([3, 4], { dtype: 'int64' });
    assert.deepEqual(model.call(x, t).tolist(), unet.call(x, t).tolist());
    assert.throws(() => UNet2DModel.fromModelConfig({ model_type: 'gpt' }), /expected a model_type of 'ddpm-unet', but got 'gpt'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('U-Net settings that cannot work are refused by name', () => {
  assert.throws(() => new UNet2DModel({ sampleSize: 10 }), /sampleSize 10 must be divisible by 4 \(3 levels\)/);
  assert.throws(() => new UNet2DModel({ blockOutChannels: [12, 24, 24] }), /channels 12 not divisible by normNumGroups 8/);
});

test("the U-Net is dlab's models.UNet2DModel, and `dlab summary ddpm-unet` counts its parameters", () => {
  assert.equal(torch.models.UNet2DModel, UNet2DModel);
  assert.equal(torch.models.GaussianDiffusion, GaussianDiffusion);
  const spec = builtinModel('ddpm-unet');
  const model = spec.build();
  const s = summaryString(model, spec.inputSize);
  const total = model.parameters().reduce((n, p) => n + p.numel(), 0);
  assert.equal(s.totalParams, total);
  assert.match(s.text, /Total params: 193,217/);
});
