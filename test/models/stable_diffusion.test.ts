// Stable Diffusion in the diffusers layout against PyTorch: test/fixtures/stable_diffusion.json and
// the two tiny checkpoint folders beside it come from tools/fixtures/stable_diffusion.py, a port
// of diffusers' and transformers' blocks to plain PyTorch 1.13 (neither library is installed
// there). tiny-sd has SD 1.5's layout (quick_gelu CLIP, 1x1-conv projections, one head count,
// PNDM, float32 files); tiny-sd-turbo has sd-turbo's (gelu CLIP, linear projections, heads per
// level, "!" as pad, EulerDiscrete "trailing", fp16 files only). Each block is run from the
// loaded checkpoint on the fixture's inputs; then the pipeline end to end on given latents.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { Module } from '../../src/nn/module.js';
import { StableDiffusionPipeline, stableDiffusion as sd } from '../../src/models/index.js';
import { Generator } from '../../src/random/generator.js';
import { assertClose, backendsUnderTest, decodeAll, fromFixture, type FixtureTensor } from '../helpers.js';

type Blocks = Record<string, Record<string, unknown>>;
interface Run {
  prompt: string;
  negative: string | null;
  guidance: number;
  steps: number;
  latents: FixtureTensor;
  scheduler?: string;
  noises?: FixtureTensor[];
  image: FixtureTensor;
}
interface SchedulerCase {
  class: string;
  config: Record<string, unknown>;
  steps: number;
  timesteps: number[];
  sigmas?: number[];
  init_noise_sigma: number;
  sample: FixtureTensor;
  outputs: FixtureTensor[];
  noises: FixtureTensor[];
  scaled: FixtureTensor[];
  samples: FixtureTensor[];
}
interface ModelFixture {
  blocks: Blocks;
  tokens: { text: string; ids: number[] }[];
  runs: Run[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/stable_diffusion.json', import.meta.url), 'utf8')) as {
  'tiny-sd': ModelFixture;
  'tiny-sd-turbo': ModelFixture;
  schedulers: SchedulerCase[];
  alphas_cumprod: { first: number; last: number; at: Record<string, number> };
  randn_seed_1234: FixtureTensor;
};
const folder = (name: string) => fileURLToPath(new URL(`../fixtures/stable_diffusion/${name}`, import.meta.url));

const T = (v: unknown) => fromFixture(v as FixtureTensor);
/** A deep float32 net against PyTorch's: summation order differs, so a few ulps per layer add up. */
function close(actual: Tensor, expected: unknown, msg: string, atol = 2e-5): void {
  const e = expected as FixtureTensor;
  assert.deepEqual([...actual.shape], e.shape, `${msg}: shape`);
  assertClose(Array.from(actual.toTypedArray()), decodeAll(e.values), 1e-4, atol, msg);
}

for (const name of ['tiny-sd', 'tiny-sd-turbo'] as const) {
  const fx = fixture[name];
  test(`${name}: CLIPTokenizer ids match transformers' (BPE from vocab.json + merges.txt, padded to 77)`, () => {
    const files = { vocab: readFileSync(`${folder(name)}/tokenizer/vocab.json`, 'utf8'), merges: readFileSync(`${folder(name)}/tokenizer/merges.txt`, 'utf8') };
    const tok = sd.CLIPTokenizer.fromFiles({ ...files, specialTokensMap: readFileSync(`${folder(name)}/tokenizer/special_tokens_map.json`, 'utf8') });
    for (const { text, ids } of fx.tokens) assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
    assert.equal(tok.padToken, name === 'tiny-sd' ? '<|endoftext|>' : '!');
  });
}

test('CLIPTokenizer: byte table, normalization, truncation to 75 + 2, decode', () => {
  const table = sd.bytesToUnicode();
  assert.equal(table.length, 256);
  assert.equal(new Set(table).size, 256);
  assert.equal(table[0x21], '!');
  assert.equal(table[0x20], 'Ġ'); // space maps past 255 as in GPT-2
  assert.equal(sd.normalizeClipText('  A\tCat\u0007 on\n\nMAT  '), 'a cat on mat');
  const vocab = readFileSync(`${folder('tiny-sd')}/tokenizer/vocab.json`, 'utf8');
  const merges = readFileSync(`${folder('tiny-sd')}/tokenizer/merges.txt`, 'utf8');
  const tok = sd.CLIPTokenizer.fromFiles({ vocab, merges });
  const ids = tok.encode(Array(100).fill('cat').join(' '));
  assert.equal(ids.length, 77);
  assert.equal(ids[76], tok.encoder.get('<|endoftext|>'));
  assert.equal(tok.encode('a photo', { maxLength: 10 }).length, 10);
  assert.equal(tok.decode(tok.encode('a photo of a cat')), 'a photo of a cat');
});

test('scheduled ᾱ: scaled_linear betas in float32 as diffusers computes them', () => {
  const ac = sd.alphasCumprod(sd.schedulerConfig({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 }));
  const a = fixture.alphas_cumprod;
  assertClose([ac[0], ac[999], ...Object.keys(a.at).map((k) => ac[Number(k)])], [a.first, a.last, ...Object.values(a.at)], 2e-6, 0, 'alphas_cumprod');
});

for (const c of fixture.schedulers) {
  const label = `${c.class} (${String(c.config.timestep_spacing)}, ${String(c.config.prediction_type)}), ${c.steps} steps`;
  test(`${label}: timesteps, sigmas, scaled inputs and steps match diffusers`, () => {
    const s = sd.schedulerFromConfig(c.config, c.class);
    s.setTimesteps(c.steps);
    assert.deepEqual(s.timesteps, c.timesteps);
    if (c.sigmas) assertClose((s as sd.EulerDiscreteScheduler).sigmas, c.sigmas, 1e-6, 0, 'sigmas');
    assertClose([s.initNoiseSigma], [c.init_noise_sigma], 1e-6, 0, 'init_noise_sigma');
    let x = T(c.sample);
    s.timesteps.forEach((t, i) => {
      close(s.scaleModelInput(x, t), c.scaled[i], `scaled ${i}`, 1e-6);
      x = s.step(T(c.outputs[i]), t, x, { noise: c.noises[i] ? T(c.noises[i]) : undefined });
      close(x, c.samples[i], `sample after step ${i} (t = ${t})`, 1e-5);
    });
  });
}

test('schedulers refuse what they do not port, with the reason', () => {
  assert.throws(() => sd.schedulerFromConfig({ _class_name: 'LMSDiscreteScheduler' }), /scheduler 'LMSDiscreteScheduler' is not supported/);
  assert.throws(() => new sd.PNDMScheduler({ skip_prk_steps: false }), /only skip_prk_steps = true/);
  assert.throws(() => new sd.EulerDiscreteScheduler({ use_karras_sigmas: true }), /use_karras_sigmas is not supported/);
  assert.throws(() => new sd.DDIMScheduler({ timestep_spacing: 'even' }), /even is not supported/);
  const s = new sd.DDIMScheduler();
  assert.throws(() => s.setTimesteps(1001), /cannot be larger than/);
});

test("the pipeline's latents are torch.randn from a Generator seeded like diffusers' CPU generator", () => {
  const got = torch.randn([2, 4, 8, 8], { generator: new Generator().manualSeed(1234) });
  close(got, fixture.randn_seed_1234, 'randn', 0);
});

for (const backend of backendsUnderTest()) {
  for (const name of ['tiny-sd', 'tiny-sd-turbo'] as const) {
    describe(`${name} on ${backend}`, () => {
      const fx = fixture[name];
      const b = fx.blocks;
      let previous: string;
      let pipe: StableDiffusionPipeline;
      before(() => {
        previous = torch.setBackend(backend);
        pipe = StableDiffusionPipeline.fromPretrained(folder(name), { variant: name === 'tiny-sd-turbo' ? 'fp16' : null });
      });
      after(() => torch.setBackend(previous));
      const run = <R>(fn: () => R) => torch.noGrad(fn);
      const sub = (m: Module, path: unknown) => m.getSubmodule(path as string);

      test('loads strictly from the diffusers folder (fp16 files widen to float32)', () => {
        const suffix = name === 'tiny-sd-turbo' ? '.fp16.safetensors' : '.safetensors';
        assert.deepEqual(pipe.weightFiles, {
          text_encoder: `text_encoder/model${suffix}`, unet: `unet/diffusion_pytorch_model${suffix}`, vae: `vae/diffusion_pytorch_model${suffix}`,
        });
        assert.equal(pipe.unet.conv_in.weight.dtype, 'float32');
        assert.equal(pipe.vaeScaleFactor, 2);
      });

      test('time projection (flip_sin_to_cos) and time_embedding', () => {
        const tp = b.time_proj;
        close(sd.getTimestepEmbedding(T(tp.timesteps), pipe.unet.config.block_out_channels[0], true, 0), tp.output, 'time_proj', 1e-5);
        close(run(() => pipe.unet.time_embedding.call(T(b.time_embedding.input))), b.time_embedding.output, 'time_embedding');
      });

      test('ResnetBlock2D with the time embedding', () => {
        const r = b.resnet;
        close(run(() => sub(pipe.unet, r.path).call(T(r.x), T(r.temb)) as Tensor), r.output, r.path as string);
      });

      test(`Transformer2DModel (${name === 'tiny-sd' ? '1x1-conv' : 'linear'} projections) and its BasicTransformerBlock with cross-attention`, () => {
        for (const key of ['transformer', 'basic_transformer_block']) {
          const r = b[key];
          close(run(() => sub(pipe.unet, r.path).call(T(r.x), T(r.context)) as Tensor), r.output, r.path as string);
        }
      });

      test('down blocks: CrossAttnDownBlock2D (with downsampler) and DownBlock2D hand back their skips', () => {
        for (const key of ['down_block_cross', 'down_block']) {
          const r = b[key];
          const out = run(() => sub(pipe.unet, r.path).call(T(r.x), T(r.temb), r.context ? T(r.context) : null) as sd.DownOutput);
          close(out.hidden, r.output, `${r.path as string} output`);
          const res = r.res as FixtureTensor[];
          assert.equal(out.skips.length, res.length);
          out.skips.forEach((s, i) => close(s, res[i], `${r.path as string} skip ${i}`));
        }
      });

      test('UNetMidBlock2DCrossAttn', () => {
        const r = b.mid_block;
        close(run(() => pipe.unet.mid_block.call(T(r.x), T(r.temb), T(r.context))), r.output, 'mid_block');
      });

      test('up blocks: UpBlock2D (with upsampler) and CrossAttnUpBlock2D consume the skips last first', () => {
        for (const key of ['up_block', 'up_block_cross']) {
          const r = b[key];
          const skips = (r.res as FixtureTensor[]).map(T);
          close(run(() => sub(pipe.unet, r.path).call(T(r.x), skips, T(r.temb), r.context ? T(r.context) : null) as Tensor), r.output, r.path as string);
        }
      });

      test('UNet2DConditionModel: full forward at t = 999, and a latent whose width is not a multiple of the up factor', () => {
        const u = b.unet;
        close(run(() => pipe.unet.call(T(u.sample), u.timestep as number, T(u.context))), u.output, 'unet', 5e-5);
        const o = b.unet_odd;
        close(run(() => pipe.unet.call(T(o.sample), o.timestep as number, T(o.context))), o.output, 'unet 6x9', 5e-5);
      });

      test('AutoencoderKL: decoder mid block (single-head attention) and decode', () => {
        const m = b.vae_mid_block;
        close(run(() => pipe.vae.decoder.mid_block.call(T(m.x))), m.output, 'vae mid block');
        close(run(() => pipe.vae.decode(T(b.vae_decode.latents))), b.vae_decode.output, 'vae decode', 5e-5);
      });

      test(`CLIPTextModel (${name === 'tiny-sd' ? 'quick_gelu' : 'gelu'}): one encoder layer, the full model and its pooled output`, () => {
        const l = b.clip_layer;
        close(run(() => sub(pipe.textEncoder, l.path).call(T(l.x)) as Tensor), l.output, 'clip layer');
        const c = b.clip;
        const out = run(() => pipe.textEncoder.call(torch.tensor(c.input_ids as number[][], { dtype: 'int64' })) as sd.CLIPTextOutput);
        close(out.lastHiddenState, c.last_hidden_state, 'last_hidden_state');
        close(out.pooled, c.pooled, 'pooled');
      });

      for (const r of fx.runs) {
        const what = `${r.steps} step(s) of ${r.scheduler ?? 'its own scheduler'}, guidance ${r.guidance}${r.negative ? `, negative "${r.negative}"` : ''}`;
        test(`pipeline: "${r.prompt}", ${what}, ${r.latents.shape[0]} image(s), as diffusers computes it`, async () => {
          const steps: number[] = [];
          const images = await pipe.generate({
            prompt: r.prompt, negativePrompt: r.negative, guidance: r.guidance, steps: r.steps, n: r.latents.shape[0],
            latents: T(r.latents), scheduler: r.scheduler, stepNoise: r.noises?.map(T), onStep: (s) => steps.push(s.step),
          });
          close(images, r.image, 'image', 1e-4);
          assert.deepEqual(steps, Array.from({ length: pipe.lastTimings!.unetSteps }, (_, i) => i + 1));
        });
      }
    });
  }
}

test('pipeline: a seed gives the same images twice, another seed other images; sizes must be multiples of 8', async () => {
  const pipe = StableDiffusionPipeline.fromPretrained(folder('tiny-sd-turbo'), { variant: 'fp16' });
  const gen = (seed: number) => pipe.generate({ prompt: 'a cat', steps: 1, guidance: 0, seed, height: 8, width: 16 });
  const [a, b, c] = [await gen(3), await gen(3), await gen(4)];
  assert.deepEqual(a.shape, [1, 3, 8, 16]);
  assert.deepEqual(Array.from(a.toTypedArray()), Array.from(b.toTypedArray()));
  assert.notDeepEqual(Array.from(a.toTypedArray()), Array.from(c.toTypedArray()));
  assert.ok(a.min().item() >= 0 && a.max().item() <= 1);
  await assert.rejects(pipe.generate({ prompt: 'a cat', height: 12, width: 16 }), /have to be divisible by 8 but are 12 and 16/);
});

test('loading: legacy VAE attention names are renamed, encoder weights set aside, a missing weight names the file', () => {
  const w = torch.zeros(2, 2);
  const fixed = sd.fixStateDict('vae', {
    'decoder.mid_block.attentions.0.query.weight': w, 'decoder.mid_block.attentions.0.proj_attn.bias': w,
    'encoder.conv_in.weight': w, 'quant_conv.bias': w,
  });
  assert.deepEqual(Object.keys(fixed), ['decoder.mid_block.attentions.0.to_q.weight', 'decoder.mid_block.attentions.0.to_out.0.bias']);
  assert.deepEqual(Object.keys(sd.fixStateDict('text_encoder', { 'text_model.embeddings.position_ids': w })), []);

  const dir = folder('tiny-sd');
  const files: Record<string, Uint8Array> = {};
  for (const p of ['model_index.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'text_encoder/config.json', 'text_encoder/model.safetensors', 'unet/config.json', 'vae/config.json', 'vae/diffusion_pytorch_model.safetensors', 'scheduler/scheduler_config.json']) {
    files[p] = new Uint8Array(readFileSync(`${dir}/${p}`));
  }
  const unet = sd.readWeights(sd.memoryFiles('x', { 'unet/diffusion_pytorch_model.safetensors': new Uint8Array(readFileSync(`${dir}/unet/diffusion_pytorch_model.safetensors`)) }), 'unet', 'diffusion_pytorch_model').stateDict;
  delete unet['conv_out.bias'];
  files['unet/diffusion_pytorch_model.safetensors'] = torch.io.serialize(unet);
  assert.throws(() => StableDiffusionPipeline.fromPretrained(sd.memoryFiles('mem', files)), /mem\/unet\/diffusion_pytorch_model\.safetensors: .*Missing key\(s\) in state_dict: "conv_out\.bias"/s);
  files['unet/diffusion_pytorch_model.safetensors'] = new Uint8Array(readFileSync(`${dir}/unet/diffusion_pytorch_model.safetensors`));
  delete files['vae/diffusion_pytorch_model.safetensors'];
  assert.throws(() => StableDiffusionPipeline.fromPretrained(sd.memoryFiles('mem', files)), /vae\/ has no weights/);
});

test('UNet2DConditionModel refuses configs with paths it does not port', () => {
  assert.throws(() => new sd.UNet2DConditionModel({ class_embed_type: 'timestep' }), /class_embed_type = "timestep" is not supported/);
  assert.throws(() => new sd.UNet2DConditionModel({ down_block_types: ['SimpleCrossAttnDownBlock2D', 'DownBlock2D', 'DownBlock2D', 'DownBlock2D'] }), /block type 'SimpleCrossAttnDownBlock2D' is not supported/);
});
