// The text-conditioned ddpm (`dlab run ddpm --conditioning text`) and `dlab generate` on what it
// saves: the word tokenizer and the captions, the cross-attention U-Net, a tiny run (8x8 digits,
// 50 steps) that writes a loadable model folder with its vocabulary and its judge, and the built
// CLI generating from that folder: the PNG's size, the same bytes for the same seed, a hub repo id
// resolved through the cache, an out-of-vocabulary prompt and bad options refused by name.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import * as torch from '../../src/index.js';
import '../../src/datasets/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { ddpm } from '../../src/lab/experiments/ddpm.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { nodeFileAccess } from '../../src/lab/files.node.js';
import { loadDdpmTextFolder } from '../../src/lab/ddpm-folder.node.js';
import { captionVocabulary, captionsOf, drawCaptions, maxCaptionWords } from '../../src/lab/digit-captions.js';
import { OutOfVocabularyError, WordTokenizer, splitWords } from '../../src/models/word_tokenizer.js';
import { TextConditionedUNet, sampleText } from '../../src/models/text_diffusion.js';
import { UNet2DModel, type UNetConditioning } from '../../src/models/unet.js';
import { TextEncoder } from '../../src/models/text_encoder.js';
import { CaptionClip, pretrainTextEncoder } from '../../src/lab/caption-clip.js';
import { Generator } from '../../src/random/generator.js';
import { promptDigit } from '../../src/cli/commands/generate.js';
import { resolveHubSnapshot } from '../../src/cli/hub-cache-path.js';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'dlab-ddpm-text-'));
after(() => rmSync(home, { recursive: true, force: true }));

const dlab = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, [main, ...args], { env: { ...process.env, DLAB_HOME: home, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
const pngSize = (path: string) => {
  const png = PNG.sync.read(readFileSync(path));
  return [png.width, png.height];
};

test('captions: every phrasing of every digit encodes, and says its digit', () => {
  const tokenizer = new WordTokenizer(captionVocabulary(), maxCaptionWords() + 2);
  for (let d = 0; d < 10; d++) {
    const captions = captionsOf(d);
    assert.ok(captions.includes(String(d)) && captions.includes(`a handwritten ${['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'][d]}`));
    for (const c of captions) {
      const ids = tokenizer.encode(c);
      assert.equal(ids.length, tokenizer.maxLength);
      assert.equal(tokenizer.decode(ids), splitWords(c).join(' '));
      assert.equal(promptDigit(c), d, c);
    }
  }
  assert.ok(captionsOf(8).includes('an eight') && !captionsOf(8).includes('a eight'));
  // Seeded: the same generator seed draws the same captions.
  const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 7];
  assert.deepEqual(drawCaptions(labels, new Generator(3)), drawCaptions(labels, new Generator(3)));
  assert.notDeepEqual(drawCaptions(labels, new Generator(3)), drawCaptions(labels, new Generator(4)));
});

test('WordTokenizer: framing, padding, out-of-vocabulary words and length named', () => {
  const t = new WordTokenizer(['a', 'handwritten', 'seven', '7'], 5);
  assert.deepEqual(t.vocab.slice(0, 3), ['<pad>', '<bos>', '<eos>']);
  assert.deepEqual(t.encode('A handwritten 7'), [1, 3, 4, 6, 2]);
  assert.deepEqual(t.encode(''), [1, 2, 0, 0, 0]);
  assert.throws(() => t.encode('a handwritten cat'), (e: Error) => e instanceof OutOfVocabularyError && /'cat' is not in the model's vocabulary; it knows 4 words: a handwritten seven 7/.test(e.message));
  assert.throws(() => t.encode('a seven a seven'), /has 4 words; this model reads at most 3/);
  assert.throws(() => WordTokenizer.fromVocab(['<bos>', '<pad>', '<eos>', 'a'], 4), /expected '<pad>' at id 0, but found '<bos>'/);
  assert.deepEqual(WordTokenizer.fromVocab(t.vocab, 5).vocab, t.vocab);
});

test('cross-attention U-Net: the hidden states and the pooled caption each change the prediction; none given is refused', () => {
  torch.manualSeed(0);
  const text = { vocabSize: 10, maxLength: 4, hiddenSize: 16, layers: 1, heads: 4, padId: 0, eosId: 2 };
  const model = new TextConditionedUNet({ sampleSize: 8, blockOutChannels: [8, 16, 16] }, text);
  const names = Object.keys(model.stateDict());
  assert.ok(names.includes('unet.midBlock.crossAttention.toK.weight') && names.includes('unet.downBlocks.1.attention.toQ.weight') && names.includes('textEncoder.encoder.layers.0.self_attn.in_proj_weight'), names.join(' '));
  assert.ok(names.includes('unet.classProjection.0.weight') && names.includes('unet.classProjection.1.weight'), names.join(' '));
  assert.ok(!names.some((n) => n.startsWith('unet.downBlocks.0.attention')), 'no cross-attention at the top level');
  assert.ok(!names.some((n) => n.includes('classEmbedding')));
  const x = torch.randn([2, 1, 8, 8]);
  const t = torch.tensor([5, 5], { dtype: 'int64' });
  const ids = torch.tensor([[1, 3, 2, 0], [1, 3, 5, 2]], { dtype: 'int64' });
  const a = model.encode(ids);
  const b = model.encode(torch.tensor([[1, 4, 2, 0], [1, 4, 5, 2]], { dtype: 'int64' }));
  const states = a.encoderHiddenStates!;
  assert.deepEqual(states.shape, [2, 4, 16]);
  // The pooled caption is each row's state at its <eos> (positions 2 and 3 here), as CLIP pools.
  assert.deepEqual(a.classEmbeds!.tolist(), [states.select(0, 0).select(0, 2).tolist(), states.select(0, 1).select(0, 3).tolist()]);
  const predict = (cond: UNetConditioning) => model.call(x, t, cond) as torch.Tensor;
  const ya = predict(a);
  assert.deepEqual(ya.shape, [2, 1, 8, 8]);
  const differ = (u: torch.Tensor, v: torch.Tensor) => u.sub(v).abs().max().item() > 1e-6;
  assert.ok(differ(ya, predict(b)), 'another caption, another prediction');
  assert.ok(differ(ya, predict({ encoderHiddenStates: b.encoderHiddenStates, classEmbeds: a.classEmbeds })), 'the hidden states alone change it');
  assert.ok(differ(ya, predict({ encoderHiddenStates: a.encoderHiddenStates, classEmbeds: b.classEmbeds })), 'the pooled caption alone changes it');
  assert.throws(() => model.unet.call(x, t, {}), /needs encoderHiddenStates/);
  assert.throws(() => model.unet.call(x, t, { encoderHiddenStates: states }), /projection_class_embeddings_input_dim 16 needs classEmbeds/);
  // Without pooling (folders saved before it), only cross-attention reads the caption.
  const crossOnly = new TextConditionedUNet({ sampleSize: 8, blockOutChannels: [8, 16, 16] }, text, false);
  assert.equal(crossOnly.unet.classProjection, null);
  assert.equal(crossOnly.encode(ids).classEmbeds, null);
  // Older folder configs: a class U-Net without cross_attention_dim or the projection's key, a text encoder without eos_token_id.
  const plain = new UNet2DModel({ sampleSize: 8, blockOutChannels: [8, 16, 16] });
  const { cross_attention_dim: _c, projection_class_embeddings_input_dim: _p, ...old } = plain.toModelConfig();
  const loaded = UNet2DModel.fromModelConfig({ model_type: 'ddpm-unet', ...old }).config;
  assert.equal(loaded.crossAttentionDim, 0);
  assert.equal(loaded.projectionClassEmbeddingsInputDim, 0);
  const { eos_token_id: _e, ...oldText } = model.textEncoder.toModelConfig();
  assert.equal(TextEncoder.fromSettings(oldText).config.eosId, 2);
});

test("caption CLIP: the loss is CLIP's symmetric cross-entropy, and training on it pulls each caption to its images", () => {
  torch.manualSeed(1);
  const tokenizer = new WordTokenizer(captionVocabulary(), maxCaptionWords() + 2);
  const encoder = new TextEncoder({ vocabSize: tokenizer.vocabSize, maxLength: tokenizer.maxLength, hiddenSize: 16, layers: 1, heads: 4, padId: tokenizer.padId, eosId: tokenizer.eosId });
  const clip = new CaptionClip(encoder, 8);
  // Three "digits" the image tower can tell apart after pooling: a horizontal stroke, a vertical one, a diagonal.
  const digits = [0, 1, 2, 0, 1, 2];
  const horizontal = torch.zeros([8, 8]);
  horizontal.select(0, 3).fill_(1);
  const strokes = [horizontal, horizontal.t(), torch.eye(8)];
  const images = torch.stack(digits.map((d) => strokes[d].unsqueeze(0)));
  const ids = torch.tensor(digits.map((d) => tokenizer.encode(captionsOf(d)[6])), { dtype: 'int64' });
  const logits = clip.embedImages(images).matmul(clip.embedCaptions(ids).t()).mul(Math.exp(Math.log(1 / 0.07)));
  const target = torch.arange(6, { dtype: 'int64' });
  const expected = torch.nn.functional.crossEntropy(logits, target).add(torch.nn.functional.crossEntropy(logits.t(), target)).div(2);
  const first = clip.call(images, ids) as torch.Tensor;
  assert.ok(Math.abs(first.item() - expected.item()) < 1e-5, `${first.item()} vs ${expected.item()}`);
  const opt = new torch.optim.Adam(clip.parameters(), { lr: 1e-2 });
  for (let i = 0; i < 40; i++) {
    const l = clip.call(images, ids) as torch.Tensor;
    opt.zeroGrad();
    l.backward();
    opt.step();
  }
  // Each image is now most similar to a caption of its own digit.
  const similar = clip.embedImages(images).matmul(clip.embedCaptions(ids).t()).argmax(-1).tolist() as number[];
  assert.deepEqual(similar.map((j) => digits[j]), digits);
});

test('pretrainTextEncoder trains for its steps (cycling the batches), freezes the encoder and reports a zero-shot accuracy', async () => {
  torch.manualSeed(2);
  const tokenizer = new WordTokenizer(captionVocabulary(), maxCaptionWords() + 2);
  const encoder = new TextEncoder({ vocabSize: tokenizer.vocabSize, maxLength: tokenizer.maxLength, hiddenSize: 16, layers: 1, heads: 4, padId: tokenizer.padId, eosId: tokenizer.eosId });
  const before = encoder.tokenEmbedding.weight.clone();
  const batch: [torch.Tensor, torch.Tensor] = [torch.rand([8, 1, 8, 8]), torch.tensor([0, 1, 2, 3, 4, 5, 6, 7], { dtype: 'int64' })];
  let started = 0;
  const ctx = new MemoryContext();
  const r = await pretrainTextEncoder(ctx, { textEncoder: encoder, tokenizer, batches: () => (started++, [batch][Symbol.iterator]()), test: batch, steps: 3, lr: 1e-2 });
  assert.equal(started, 3, 'one batch per pass: the iterator restarts for each step');
  assert.ok(Number.isFinite(r.loss) && r.zeroShotAccuracy >= 0 && r.zeroShotAccuracy <= 1, JSON.stringify(r));
  assert.ok(encoder.tokenEmbedding.weight.sub(before).abs().max().item() > 0, 'the encoder trained');
  assert.ok(encoder.parameters().every((p) => !p.requiresGrad), 'then frozen');
});

describe('ddpm --conditioning text, then dlab generate', () => {
  const runDir = join(home, 'run');
  const folder = join(runDir, 'model');
  const out = join(home, 'out');
  let metrics: Record<string, number | string>;
  let ctx: MemoryContext;
  // The modules the run saved, kept beside the files it wrote.
  const saved = new Map<string, torch.nn.Module>();

  before(async () => {
    const files = nodeFileAccess(runDir);
    ctx = new MemoryContext({
      yieldEvery: 1000,
      files: { ...files, saveModel: (name, model, config, extra) => (saved.set(name, model), files.saveModel(name, model, config, extra)) },
    });
    const tiny = { conditioning: 'text', imageSize: 8, channels: 8, timesteps: 20, steps: 50, batchSize: 32, sampleSteps: 4, samplesPerDigit: 4, compareSamples: 1, trainSize: 640, textLayers: 1, textPretrainSteps: 10 };
    metrics = await ddpm.run(resolveOptions(ddpm, tiny), ctx);
    mkdirSync(out, { recursive: true });
  });

  test('the run trains, judges and saves a loadable folder with its vocabulary and judge', () => {
    for (const name of ['class_agreement', 'feature_frechet', 'sample_seconds', 'classifier_accuracy', 'train_loss']) assert.ok(Number.isFinite(metrics[name] as number), `${name} = ${metrics[name]}`);
    const loss = ctx.series('loss');
    assert.ok(loss[1] < loss[0], `loss ${loss.join(' -> ')}`);
    const samples = ctx.artifacts.get('samples');
    assert.ok(samples?.kind === 'images' && samples.captions?.every((c) => c.startsWith("'")), 'samples are captioned with their prompts');
    for (const f of ['config.json', 'model.safetensors', 'vocab.json', 'judge/config.json', 'judge/model.safetensors']) assert.ok(existsSync(join(folder, f)), f);
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    assert.equal(config.model_type, 'ddpm-text');
    assert.equal(config.unet.cross_attention_dim, 16);
    assert.equal(config.text_encoder.num_hidden_layers, 1);
    const { pipeline, judge, judgeAccuracy } = loadDdpmTextFolder(folder);
    assert.ok(judge && judgeAccuracy === metrics.classifier_accuracy);
    assert.ok(pipeline.tokenizer.vocab.includes('seven') && pipeline.tokenizer.vocab.includes('handwritten'));
    // The loaded model samples as the trained one did: same weights, same generator, same images.
    const trained = saved.get('model');
    assert.ok(trained instanceof TextConditionedUNet);
    // The CLIP-pretrained encoder's zero-shot accuracy was measured.
    const zeroShot = ctx.series('text_zero_shot_accuracy');
    assert.ok(zeroShot.length === 1 && zeroShot[0] >= 0 && zeroShot[0] <= 1, `zero-shot ${zeroShot}`);
    const draw = (m: TextConditionedUNet) => sampleText({ ...pipeline, model: m }, { prompts: ['a handwritten seven', '3'], steps: 4, generator: new Generator(9) });
    assert.deepEqual(draw(pipeline.model).tolist(), draw(trained).tolist());
  });

  test('dlab generate on the folder: a PNG of the right size, agreement measured, the report written', async () => {
    const r = await dlab(['generate', 'a handwritten seven', '--model', folder, '--n', '4', '--steps', '4', '--out', join(out, 'seven.png'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const line = lastJson(r.stdout);
    // Four 8x8 images in a 2x2 grid with torchvision's 2-pixel padding: 2 * (8 + 2) + 2.
    assert.deepEqual(pngSize(join(out, 'seven.png')), [22, 22]);
    assert.equal(line.digit, 7);
    assert.ok(typeof line.class_agreement === 'number' && line.class_agreement >= 0 && line.class_agreement <= 1);
    assert.ok((line.peak_bytes as number) > 0 && (line.estimate_bytes as number) > 0, JSON.stringify(line));
    assert.ok((line.denoise_ms as number) > 0 && line.steps === 4 && line.guidance === 2);
    const html = readFileSync(join(out, 'seven.html'), 'utf8');
    assert.match(html, /data:image\/png;base64,/);
    assert.match(html, /peak live tensors/);
    assert.match(html, /Class agreement/);
    // One image: no grid padding.
    const one = await dlab(['generate', '7', '--model', folder, '--steps', '2', '--out', join(out, 'one.png')]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(pngSize(join(out, 'one.png')), [8, 8]);
    assert.match(one.stdout, /class agreement with 7: /);
  });

  test('the same seed gives the same bytes; another seed other bytes', async () => {
    const run = async (seed: string, name: string) => {
      const r = await dlab(['generate', 'the digit three', '--model', folder, '--n', '2', '--steps', '3', '--seed', seed, '--out', join(out, name)]);
      assert.equal(r.code, 0, r.stderr);
      return readFileSync(join(out, name));
    };
    const [a, b, c] = [await run('5', 'a.png'), await run('5', 'b.png'), await run('6', 'c.png')];
    assert.ok(a.equals(b), 'same seed, same PNG');
    assert.ok(!a.equals(c), 'another seed, another PNG');
  });

  test('a hub repo id resolves through the Hugging Face cache', async () => {
    const hf = join(home, 'hf');
    const repo = join(hf, 'hub', 'models--me--digits');
    const commit = 'a'.repeat(40);
    mkdirSync(join(repo, 'refs'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), commit);
    cpSync(folder, join(repo, 'snapshots', commit), { recursive: true });
    assert.equal(resolveHubSnapshot('me/digits', { HF_HOME: hf }), join(repo, 'snapshots', commit));
    assert.throws(() => resolveHubSnapshot('me/other', { HF_HOME: hf }), /me\/other is not in the hub cache: .*refs\/main is missing; run `dlab pull me\/other` first/);
    const r = await dlab(['generate', '5', '--model', 'me/digits', '--steps', '2', '--out', join(out, 'hub.png')], { HF_HOME: hf });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pngSize(join(out, 'hub.png')), [8, 8]);
  });

  test('out-of-vocabulary prompts and bad options get messages naming them', async () => {
    const refused = async (args: string[], message: RegExp) => {
      const r = await dlab(['generate', ...args]);
      assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
      assert.match(r.stderr, message);
    };
    await refused(['a handwritten cat', '--model', folder], /dlab generate: 'cat' is not in the model's vocabulary; it knows \d+ words: .*seven/);
    await refused(['7', '--model', folder, '--steps', '0'], /option '--steps <n>' argument '0' is invalid\. Expected a positive integer\./);
    await refused(['7', '--model', folder, '--steps', '30'], /--steps 30: this model has 20 diffusion steps/);
    await refused(['7', '--model', folder, '--device', 'webgpu', '--dtype', 'float64'], /--dtype float64: --device webgpu computes in float32 \(WGSL has no float64\)/);
    await refused(['7', '--model', folder, '--guidance', '-1'], /option '--guidance <w>' argument '-1' is invalid\. Expected a number in \[0, 50\]\./);
    await refused(['7', '--model', folder, '--n', '0'], /option '--n <count>' argument '0' is invalid/);
    await refused(['7', '--model', folder, '--device', 'cuda'], /option '--device <name>' argument 'cuda' is invalid\. dlab has no device 'cuda'; available: cpu/);
    await refused(['7', '--model', folder, '--dtype', 'int8'], /option '--dtype <dtype>' argument 'int8' is invalid\. Expected one of float32, float64, float16, bfloat16\./);
    await refused(['7', '--model', folder, '--dtype', 'float16'], /--dtype float16: the cpu computes in float32 or float64/);
    await refused(['7', '--model', folder, '--size', '10'], /--size 10: this model's U-Net needs a multiple of 4/);
    await refused(['7', '--model', folder, '--out', join(out, 'x.jpg')], /option '--out <file.png>' argument .* is invalid\. Expected a file name ending in \.png\./);
    await refused(['7'], /required option '--model <folder\|repo-id>' not specified/);
    await refused(['7', '--model', join(home, 'nowhere')], /--model .*nowhere: no such folder, and not a hub repo id/);
    await refused(['   ', '--model', folder], /the prompt is empty/);
    await refused(['7', '--model', join(folder, 'judge')], /is not a text-to-image model folder: .*\(it has 'lenet-judge'\)/);
  });

  test('a diffusers folder goes to the Stable Diffusion pipeline', async () => {
    const sd = join(home, 'sd');
    mkdirSync(sd, { recursive: true });
    writeFileSync(join(sd, 'model_index.json'), '{"_class_name": "StableDiffusionPipeline"}');
    const r = await dlab(['generate', 'a cat', '--model', sd, '--out', join(out, 'sd.png')]);
    assert.notEqual(r.code, 0);
    // Without the pipeline in this build, its own message; with it, the pipeline's complaint about this bare folder.
    assert.match(r.stderr, /diffusers folders need the Stable Diffusion pipeline|model_index\.json|tokenizer|text_encoder/);
  });
});
