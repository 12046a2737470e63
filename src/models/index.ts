// The built-in model zoo, by the names the CLI accepts: each entry builds the model and says what
// its input looks like (shape without the batch dim, dtype, and how to draw a random batch).

import type { Module } from '../nn/module.js';
import type { DType } from '../tensor/dtype.js';
import { cifarMlp, mlp, mnistMlp } from './mlp.js';
import { TinyTransformer } from './transformer.js';
import { GPT_DEFAULTS, gpt } from './gpt.js';
import { alexnet, densenet, googlenet, lenet, lenetBatchNorm, lenetClassic, nin, resnet18, vgg11 } from './cnn.js';

export { mlp, mnistMlp, cifarMlp } from './mlp.js';
export { lenet, lenetClassic, alexnet, vgg11, resnet18, Residual, nin, googlenet, Inception, lenetBatchNorm, densenet, DenseBlock } from './cnn.js';
export { TinyTransformer, CausalSelfAttention, Block, type TransformerOptions, type LayerCache, type GenerateOptions } from './transformer.js';
export { topKFilter, topPFilter, filterLogits, sampleNext, type SamplingOptions } from './sampling.js';
export { gpt, gptConfig, gptFromConfig, GPT_DEFAULTS, type GptConfig } from './gpt.js';
import { UNet2DModel } from './unet.js';
export { UNet2DModel, ResnetBlock2D, AttentionBlock, CrossAttentionBlock, Downsample2D, Upsample2D, timestepEmbedding, defaultUNetConfig, type UNetConfig, type UNetConditioning } from './unet.js';
export { GaussianDiffusion, type EpsilonModel, type SampleOptions, type GuidanceConditioning } from './diffusion.js';
export { TextEncoder, type TextEncoderConfig } from './text_encoder.js';
export { WordTokenizer, OutOfVocabularyError, SPECIAL_TOKENS, splitWords } from './word_tokenizer.js';
export { TextConditionedUNet, textConditioning, textDiffusionPipeline, sampleText, TEXT_DDPM_TYPE, VOCAB_FILE, type TextDiffusionConfig, type TextDiffusionPipeline, type TextSampleOptions } from './text_diffusion.js';
export { noiseSchedule, linearBetas, cosineBetas, scheduleNames, type NoiseSchedule, type ScheduleName } from './noise_schedule.js';
/** Stable Diffusion in diffusers' layout (CLIP tokenizer and text encoder, UNet2DConditionModel, AutoencoderKL decoder, schedulers). */
export * as stableDiffusion from './stable_diffusion/index.js';
export { StableDiffusionPipeline, type GenerateOptions as StableDiffusionGenerateOptions } from './stable_diffusion/pipeline.js';

/** A built-in model: its name, a description, the shape and dtype of one input, and how to build it. */
export interface ModelSpec {
  name: string;
  description: string;
  /** One input's shape without the batch dim (C, H, W for images; T for token ids). */
  inputSize: number[];
  /** float32 for images and features; int64 for token ids. */
  inputDtype: DType;
  /** Token ids are drawn from [0, vocab); absent for float inputs. */
  vocab?: number;
  build(): Module;
}

const specs: ModelSpec[] = [
  { name: 'mnist-mlp', description: 'MLP 784-128-10 for MNIST (Flatten, Linear, ReLU, Linear)', inputSize: [1, 28, 28], inputDtype: 'float32', build: mnistMlp },
  { name: 'cifar-mlp', description: 'MLP 3072-128-10 for CIFAR-10 (Flatten, Linear, ReLU, Linear)', inputSize: [3, 32, 32], inputDtype: 'float32', build: cifarMlp },
  { name: 'lenet', description: 'LeNet-5, d2l/LeCun layout with ReLU and max-pooling (28x28)', inputSize: [1, 28, 28], inputDtype: 'float32', build: lenet },
  { name: 'lenet-classic', description: 'LeNet-5 as d2l 7.6 prints it: Sigmoid and average pooling (28x28)', inputSize: [1, 28, 28], inputDtype: 'float32', build: lenetClassic },
  { name: 'alexnet', description: 'AlexNet, d2l 8.1 layout, 1x224x224 input, 10 classes', inputSize: [1, 224, 224], inputDtype: 'float32', build: alexnet },
  { name: 'vgg11', description: 'VGG-11, d2l 8.2 layout, 1x224x224 input, 10 classes', inputSize: [1, 224, 224], inputDtype: 'float32', build: vgg11 },
  { name: 'resnet18', description: 'ResNet-18, d2l 8.6 layout (not torchvision), 1x96x96 input, 10 classes', inputSize: [1, 96, 96], inputDtype: 'float32', build: resnet18 },
  { name: 'nin', description: 'NiN, d2l 8.3 layout, 1x224x224 input, 10 classes (global average pooling, no Linear)', inputSize: [1, 224, 224], inputDtype: 'float32', build: nin },
  { name: 'googlenet', description: 'GoogLeNet, d2l 8.4 layout (nine Inception blocks), 1x96x96 input, 10 classes', inputSize: [1, 96, 96], inputDtype: 'float32', build: googlenet },
  { name: 'lenet-bn', description: 'LeNet with BatchNorm, d2l 8.5 concise layout (sigmoid, average pooling), 1x28x28 input', inputSize: [1, 28, 28], inputDtype: 'float32', build: lenetBatchNorm },
  { name: 'densenet', description: 'DenseNet, d2l 8.7 layout (4 dense blocks of 4, growth 32), 1x96x96 input, 10 classes', inputSize: [1, 96, 96], inputDtype: 'float32', build: densenet },
  {
    name: 'transformer',
    description: 'char-level GPT: 2 pre-norm blocks, d_model 64, 4 heads, context 32, vocab 65',
    inputSize: [32],
    inputDtype: 'int64',
    vocab: 65,
    build: () => new TinyTransformer({ vocabSize: 65, blockSize: 32, dModel: 64, nHead: 4, nLayer: 2 }),
  },
  {
    name: 'gpt',
    description: `the gpt experiment's default: ${GPT_DEFAULTS.nLayer} pre-norm blocks, d_model ${GPT_DEFAULTS.dModel}, ${GPT_DEFAULTS.nHead} heads, context ${GPT_DEFAULTS.blockSize}, vocab ${GPT_DEFAULTS.vocabSize} (The Time Machine's characters)`,
    inputSize: [GPT_DEFAULTS.blockSize],
    inputDtype: 'int64',
    vocab: GPT_DEFAULTS.vocabSize,
    build: () => gpt(),
  },
  {
    name: 'ddpm-unet',
    description: "diffusion U-Net of `dlab run ddpm`: 16x16, channels 16-32-32, attention at 4x4, 10 classes (summary runs it at t = 0, no class)",
    inputSize: [1, 16, 16],
    inputDtype: 'float32',
    build: () => new UNet2DModel(),
  },
];

/** Extra models registered by other files (CNNs), by name. */
const registry = new Map<string, ModelSpec>(specs.map((s) => [s.name, s]));

/** Adds a model to the names the CLI accepts (`dlab summary <name>`). */
export function registerModel(spec: ModelSpec): void {
  registry.set(spec.name, spec);
}

/** Names the CLI accepts, besides `mlp:<w0>-<w1>-...` and `file.ts#export`. */
export function modelNames(): string[] {
  return [...registry.keys(), 'mlp:<w0>-<w1>-...'];
}

/** A built-in model by name; `mlp:1000-512-10` is a ReLU MLP with those widths (input w0). */
export function builtinModel(name: string): ModelSpec {
  const m = /^mlp:(\d+(?:-\d+)+)$/.exec(name);
  if (m) {
    const widths = m[1].split('-').map(Number);
    return {
      name,
      description: `ReLU MLP ${widths.join('-')}`,
      inputSize: [widths[0]],
      inputDtype: 'float32',
      build: () => mlp(widths),
    };
  }
  const spec = registry.get(name);
  if (!spec) throw new Error(`unknown model '${name}'; built-in models: ${modelNames().join(', ')}`);
  return spec;
}
