// The text-conditioned diffusion model of experiment 3 (and `dlab run ddpm --conditioning text`):
// Stable Diffusion's structure at MNIST scale, without the VAE (the U-Net works on the pixels).
// A caption goes through the word tokenizer and the text encoder; the U-Net's cross-attention
// reads the encoder's hidden states; classifier-free guidance contrasts the caption with the
// empty caption ("" -> <bos> <eos> <pad>...), which training puts in place of a fraction of the
// captions. One module holds both parts, so a model folder is one config.json, one
// model.safetensors (textEncoder.* and unet.*) and the tokenizer's vocab.json.

import { Module } from '../nn/module.js';
import { noGrad } from '../autograd/grad_mode.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Device } from '../tensor/device.js';
import type { Generator } from '../random/generator.js';
import { GaussianDiffusion, type GuidanceConditioning } from './diffusion.js';
import { noiseSchedule, type ScheduleName } from './noise_schedule.js';
import { TextEncoder, type TextEncoderConfig } from './text_encoder.js';
import { UNet2DModel, type UNetConditioning, type UNetConfig } from './unet.js';
import { WordTokenizer } from './word_tokenizer.js';

/** The model_type of a text-conditioned ddpm folder. */
export const TEXT_DDPM_TYPE = 'ddpm-text';
/** The tokenizer's vocabulary file in a model folder: a JSON array of the tokens by id. */
export const VOCAB_FILE = 'vocab.json';

/** config.json of a text-conditioned ddpm folder. */
export interface TextDiffusionConfig {
  model_type: typeof TEXT_DDPM_TYPE;
  unet: Record<string, unknown>;
  text_encoder: Record<string, unknown>;
  tokenizer: { vocab_file: string; max_length: number };
  beta_schedule: ScheduleName;
  num_train_timesteps: number;
  /** The guidance scale and DDIM steps the training run sampled with (generate's defaults). */
  guidance_scale: number;
  sample_steps: number;
  /** A subfolder with the judge (a LeNet model folder) that measured the samples, if saved. */
  judge?: string;
  [setting: string]: unknown;
}

/** Text encoder + cross-attention U-Net: ε_θ(x_t, t, text). */
export class TextConditionedUNet extends Module {
  textEncoder: TextEncoder;
  unet: UNet2DModel;
  /**
   * `pooled`: the caption's pooled state also goes into the time embedding (through the U-Net's
   * projection), so every residual block hears which digit is asked for, not only the attention
   * layers: with cross-attention alone the model had learned almost nothing of its captions after
   * 300 steps (class agreement 0.17, where the class-label model had 0.84).
   */
  constructor(unet: Partial<UNetConfig>, text: TextEncoderConfig, pooled = true) {
    super();
    this.textEncoder = new TextEncoder(text);
    this.unet = new UNet2DModel({ ...unet, numClassEmbeds: 0, crossAttentionDim: text.hiddenSize, projectionClassEmbeddingsInputDim: pooled ? text.hiddenSize : 0 });
  }

  /** Where the model's weights are (and so where it computes). */
  get device(): Device {
    return this.unet.convIn.weight.device;
  }

  /** Token ids (B, L) -> what the U-Net reads: the hidden states, and the pooled caption if it takes one. */
  encode(inputIds: Tensor): UNetConditioning {
    const states = this.textEncoder.call(inputIds);
    const pooled = this.unet.classProjection ? this.textEncoder.pooled(states, inputIds) : null;
    return { encoderHiddenStates: states, classEmbeds: pooled };
  }

  /** The U-Net on x_t at steps t with the text's hidden states (so that the diffusion's samplers can call this model). */
  override forward(sample: Tensor, timesteps: Tensor, cond: UNetConditioning): Tensor {
    return this.unet.call(sample, timesteps, cond);
  }

  static fromModelConfig(config: { model_type: string; [setting: string]: unknown }): TextConditionedUNet {
    if (config.model_type !== TEXT_DDPM_TYPE) throw new Error(`expected a model_type of '${TEXT_DDPM_TYPE}', but got '${config.model_type}'`);
    const c = config as TextDiffusionConfig;
    const text = TextEncoder.fromSettings(c.text_encoder);
    const unet = UNet2DModel.fromSettings(c.unet);
    return new TextConditionedUNet(unet.config, text.config, unet.config.projectionClassEmbeddingsInputDim > 0);
  }
}

/** The caption pair guidance needs: the prompts' ids (B, L) and the empty caption's, each through the encoder once. */
export function textConditioning(model: TextConditionedUNet, tokenizer: WordTokenizer, prompts: readonly string[]): GuidanceConditioning {
  return noGrad(() => {
    const device = model.device;
    const ids = tensor(prompts.map((p) => tokenizer.encode(p)), { dtype: 'int64', device });
    const empty = tensor([tokenizer.encode('')], { dtype: 'int64', device });
    const b = prompts.length;
    const cond = model.encode(ids);
    const uncond = model.encode(empty);
    const repeat = (t?: Tensor | null) => (t ? t.expand(b, ...t.shape.slice(1)) : null);
    return { batch: b, cond, uncond: { encoderHiddenStates: repeat(uncond.encoderHiddenStates), classEmbeds: repeat(uncond.classEmbeds) } };
  });
}

/** What `generate` needs from a loaded folder: the model, its tokenizer and its sampler. */
export interface TextDiffusionPipeline {
  model: TextConditionedUNet;
  tokenizer: WordTokenizer;
  diffusion: GaussianDiffusion;
  config: TextDiffusionConfig;
}

/** The pipeline of a folder's parts (the Node loader reads the files; this stays platform-free). */
export function textDiffusionPipeline(model: TextConditionedUNet, config: TextDiffusionConfig, vocab: readonly string[]): TextDiffusionPipeline {
  const tokenizer = WordTokenizer.fromVocab(vocab, config.tokenizer.max_length);
  if (tokenizer.vocabSize !== model.textEncoder.config.vocabSize) throw new Error(`${VOCAB_FILE} has ${tokenizer.vocabSize} tokens, but the text encoder has ${model.textEncoder.config.vocabSize}`);
  return { model, tokenizer, diffusion: new GaussianDiffusion(noiseSchedule(config.beta_schedule, config.num_train_timesteps), 0), config };
}

/** Options of `sampleText`. */
export interface TextSampleOptions {
  prompts: readonly string[];
  /** DDIM steps (default: the folder's sample_steps). */
  steps?: number;
  guidance?: number;
  /** Height and width (default: the U-Net's sample size; a multiple of 2^(levels-1)). */
  size?: number;
  generator?: Generator;
  onStep?: (t: number, x: Tensor) => void;
}

/**
 * Images (B, 1, size, size) in [-1, 1] for the prompts, by DDIM with classifier-free guidance, on
 * the model's device (a GPU's result is read with `await x.cpuAsync()`; the starting noise comes
 * from the CPU generator, so it is the CPU's).
 */
export function sampleText(p: TextDiffusionPipeline, o: TextSampleOptions): Tensor {
  const size = o.size ?? p.model.unet.config.sampleSize;
  const conditioning = textConditioning(p.model, p.tokenizer, o.prompts);
  p.model.eval();
  return p.diffusion.sampleDdim(p.model, {
    conditioning,
    imageShape: [p.model.unet.config.inChannels, size, size],
    guidance: o.guidance ?? p.config.guidance_scale,
    steps: o.steps ?? p.config.sample_steps,
    generator: o.generator,
    device: p.model.device,
    onStep: o.onStep,
  });
}
