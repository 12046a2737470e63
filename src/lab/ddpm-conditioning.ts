// What the ddpm experiment conditions its U-Net on, behind one interface so that training,
// sampling, judging and the report are the same code for both:
// - 'class': the digit's label through a class embedding added to the time embedding;
// - 'text': a caption of the digit ("a handwritten seven", "7", ...) through a word tokenizer, a
//   small transformer text encoder and the U-Net's cross-attention (Stable Diffusion's structure
//   at MNIST scale); guidance contrasts it with the empty caption.
// Each training caption's phrasing and its dropout to "" are drawn from the global generator, so a
// resumed run (which restores it) draws the same captions.

import * as torch from '../index.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Generator } from '../random/generator.js';
import type { EpsilonModel, GaussianDiffusion, GuidanceConditioning } from '../models/diffusion.js';
import { TEXT_DDPM_TYPE, TextConditionedUNet, VOCAB_FILE, textConditioning, type TextDiffusionConfig } from '../models/text_diffusion.js';
import { UNet2DModel } from '../models/unet.js';
import { WordTokenizer } from '../models/word_tokenizer.js';
import { captionVocabulary, drawCaptions, maxCaptionWords } from './digit-captions.js';
import type { ModelFolderConfig } from './experiment.js';
import { randomCaptions } from './caption-clip.js';

/** How the digits are asked for. */
export type ConditioningName = 'class' | 'text';
export const conditioningNames: readonly ConditioningName[] = ['class', 'text'];

/** The U-Net's shape as the experiment's options give it. */
export interface DigitModelOptions {
  imageSize: number;
  channels: number;
  /** Transformer layers of the text encoder (text only). */
  textLayers: number;
}

/** The trained model and what it needs to be trained, sampled and saved, for one kind of conditioning. */
export interface DigitConditioner {
  readonly name: ConditioningName;
  /** The module the optimizer trains (for text: the encoder and the U-Net). */
  readonly model: ConditionedModel;
  readonly unet: UNet2DModel;
  /** A fresh model of the same shape (the weight average's copy). */
  build(): ConditionedModel;
  /**
   * L_simple on images x0 in [-1, 1] with their digits (a CPU tensor: a caption is drawn per label),
   * on x0's device; the conditioning dropped with probability pUncond.
   */
  loss(x0: Tensor, labels: Tensor, pUncond: number): Tensor;
  /** How each digit is asked for: '7' (class), or a caption drawn from `generator` ('a handwritten seven'). */
  prompts(labels: readonly number[], generator: Generator): string[];
  /** Guidance's pair for samples of these digits, asked as `prompts`, for `model` (the trained one or its average). */
  conditioning(model: ConditionedModel, labels: readonly number[], prompts: readonly string[]): GuidanceConditioning;
  /** config.json of the model folder (with the run's sampling settings) and its extra files. */
  folder(settings: { beta_schedule: string; num_train_timesteps: number; guidance_scale: number; sample_steps: number; judge?: string }): { config: ModelFolderConfig; extra: Record<string, string> };
}

const DIGITS = 10;

/** The model a conditioner trains: a class U-Net, or a text encoder with a cross-attention U-Net. */
export type ConditionedModel = Module & EpsilonModel;

/** A class-conditional U-Net (the class embedding has one more row: "no class"). */
export function classConditioner(o: DigitModelOptions, diffusion: GaussianDiffusion): DigitConditioner {
  const build = () => new UNet2DModel({ sampleSize: o.imageSize, blockOutChannels: [o.channels, 2 * o.channels, 2 * o.channels], numClassEmbeds: DIGITS });
  const unet = build();
  return {
    name: 'class',
    model: unet,
    unet,
    build,
    loss: (x0, labels, pUncond) => diffusion.loss(unet, x0, labels, { pUncond }),
    prompts: (labels) => labels.map(String),
    conditioning: (m, labels) => diffusion.labelConditioning(labels, (m as UNet2DModel).convIn.weight.device),
    folder: (s) => ({ config: { model_type: 'ddpm-unet', ...unet.toModelConfig(), ...s }, extra: {} }),
  };
}

/** Text encoder width: the U-Net's middle width, so cross-attention's keys need no wider projection than its queries. */
export const textHiddenSize = (channels: number) => 2 * channels;

/** A caption-conditional model: word tokenizer, text encoder, cross-attention U-Net. */
export function textConditioner(o: DigitModelOptions, diffusion: GaussianDiffusion): DigitConditioner & { model: TextConditionedUNet; tokenizer: WordTokenizer } {
  const tokenizer = new WordTokenizer(captionVocabulary(), maxCaptionWords() + 2);
  const build = () =>
    new TextConditionedUNet(
      { sampleSize: o.imageSize, blockOutChannels: [o.channels, 2 * o.channels, 2 * o.channels] },
      { vocabSize: tokenizer.vocabSize, maxLength: tokenizer.maxLength, hiddenSize: textHiddenSize(o.channels), layers: o.textLayers, heads: 4, padId: tokenizer.padId, eosId: tokenizer.eosId },
    );
  const model = build();
  const ids = (captions: string[]) => torch.tensor(captions.map((c) => tokenizer.encode(c)), { dtype: 'int64' });
  return {
    name: 'text',
    model,
    unet: model.unet,
    build,
    loss: (x0, labels, pUncond) => {
      const drawn = randomCaptions(labels.tolist() as number[]);
      const dropped = torch.rand([drawn.length]).lt(pUncond).tolist() as boolean[];
      const captions = drawn.map((c, i) => (dropped[i] ? '' : c));
      // The encoder runs inside the loss's graph: unless pretrained and frozen, it learns from the U-Net's error.
      return diffusion.simpleLoss(model, x0, () => model.encode(ids(captions).to(x0.device)));
    },
    prompts: (labels, generator) => drawCaptions(labels, generator),
    conditioning: (m, _labels, prompts) => textConditioning(m as TextConditionedUNet, tokenizer, prompts),
    tokenizer,
    folder: (s) => {
      const config: TextDiffusionConfig = {
        model_type: TEXT_DDPM_TYPE,
        unet: model.unet.toModelConfig(),
        text_encoder: model.textEncoder.toModelConfig(),
        tokenizer: { vocab_file: VOCAB_FILE, max_length: tokenizer.maxLength },
        beta_schedule: s.beta_schedule as TextDiffusionConfig['beta_schedule'],
        num_train_timesteps: s.num_train_timesteps,
        guidance_scale: s.guidance_scale,
        sample_steps: s.sample_steps,
        ...(s.judge !== undefined && { judge: s.judge }),
      };
      return { config, extra: { [VOCAB_FILE]: JSON.stringify(tokenizer.vocab) + '\n' } };
    },
  };
}
