// Stable Diffusion in diffusers' layout: the CLIP tokenizer and text encoder, the conditional
// UNet, the VAE decoder, the schedulers, and the pipeline that loads a checkpoint folder.

export { StableDiffusionPipeline, type StableDiffusionComponents, type GenerateOptions, type GenerateTimings, type StepInfo, type FromPretrainedOptions } from './pipeline.js';
export { CLIPTokenizer, bytesToUnicode, normalizeClipText, type ClipTokenizeOptions } from './clip_tokenizer.js';
export { CLIPTextModel, CLIPTextTransformer, CLIPEncoderLayer, CLIPAttention, CLIPMLP, clipTextConfig, type CLIPTextConfig, type CLIPTextOutput } from './clip_text_model.js';
export { UNet2DConditionModel, TimestepEmbedding, getTimestepEmbedding, unetConfig, type UNet2DConditionConfig } from './unet_2d_condition.js';
export { DownBlock2D, UpBlock2D, UNetMidBlock2DCrossAttn, type BlockSettings, type DownOutput } from './unet_blocks.js';
export { Transformer2DModel, BasicTransformerBlock, FeedForward, GEGLU, type Transformer2DOptions } from './transformer_2d.js';
export { ResnetBlock2D, Downsample2D, Upsample2D } from './resnet.js';
export { Attention, attentionScores, multiHeadAttention, type AttentionOptions } from './attention.js';
export { AutoencoderKL, Decoder, UNetMidBlock2D, UpDecoderBlock2D, vaeConfig, type AutoencoderKLConfig } from './autoencoder_kl.js';
export * from './schedulers/index.js';
export { readWeights, fixStateDict, loadComponent, type WeightOptions } from './load.js';
export { memoryFiles, type ModelFiles } from './model_files.js';
