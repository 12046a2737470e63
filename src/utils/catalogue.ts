// Text-to-image models and their parameter counts per component, to answer "the largest that
// fits in N GiB" without network. Counts are those of the diffusers checkpoints; sources:
// - SD 1.5 / SD 2.1 / SD-Turbo / SDXL / SDXL-Turbo: the model cards on huggingface.co
//   (runwayml/stable-diffusion-v1-5, stabilityai/stable-diffusion-2-1, stabilityai/sd-turbo,
//   stabilityai/stable-diffusion-xl-base-1.0, stabilityai/sdxl-turbo) and the SDXL paper
//   (arXiv 2307.01952: 2.6B UNet, 817M text encoders); CLIP ViT-L/14 text 123.06M, OpenCLIP ViT-H
//   text 340.39M, OpenCLIP bigG text 694.66M, KL-f8 VAE 83.65M. SD-Turbo and SDXL-Turbo are
//   distilled from SD 2.1 and SDXL with the same architectures.
// - BK-SDM (nota-ai/bk-sdm-small, -tiny): arXiv 2305.15798, U-Nets of 0.48B and 0.32B;
//   segmind/small-sd and segmind/tiny-sd: "35% and 55% fewer parameters than the base model"
//   (huggingface.co/blog/sd_distillation), applied here to SD 1.5's U-Net (approximate).
// - PixArt-alpha XL-2 1024: arXiv 2310.00426 (0.6B transformer), T5-v1.1-XXL encoder 4.76B.
// - SD 3 Medium: stabilityai/stable-diffusion-3-medium card (2B MMDiT) with CLIP-L, CLIP-G, T5-XXL.
// - FLUX.1-schnell: black-forest-labs/FLUX.1-schnell card (12B transformer), T5-XXL + CLIP-L.
// Entries marked `approx` are derived from rounded published figures.

import { fitTable, type DtypeFit } from './fit.js';

/** A catalogue entry: hub id, name, parameter counts by component. */
export interface CatalogueModel {
  id: string;
  name: string;
  parts: Record<string, number>;
  approx?: boolean;
  /** Native resolution. */
  resolution: number;
}

const CLIP_L = 123_060_480;
const OPENCLIP_H = 340_387_840;
const OPENCLIP_BIGG = 694_659_840;
const T5_XXL = 4_762_310_656;
const VAE_SD = 83_653_863;
const VAE_16CH = 83_819_683;
const UNET_SD15 = 859_520_964;

/** The catalogue of text-to-image models with their parameter counts, for `dlab fit --catalogue` offline. */
export const textToImageModels: CatalogueModel[] = [
  { id: 'segmind/tiny-sd', name: 'Tiny SD (distilled SD 1.5)', parts: { unet: Math.round(UNET_SD15 * 0.45), text_encoder: CLIP_L, vae: VAE_SD }, approx: true, resolution: 512 },
  { id: 'nota-ai/bk-sdm-tiny', name: 'BK-SDM-Tiny', parts: { unet: 323_000_000, text_encoder: CLIP_L, vae: VAE_SD }, approx: true, resolution: 512 },
  { id: 'nota-ai/bk-sdm-small', name: 'BK-SDM-Small', parts: { unet: 482_000_000, text_encoder: CLIP_L, vae: VAE_SD }, approx: true, resolution: 512 },
  { id: 'segmind/small-sd', name: 'Small SD (distilled SD 1.5)', parts: { unet: Math.round(UNET_SD15 * 0.65), text_encoder: CLIP_L, vae: VAE_SD }, approx: true, resolution: 512 },
  { id: 'runwayml/stable-diffusion-v1-5', name: 'Stable Diffusion 1.5', parts: { unet: UNET_SD15, text_encoder: CLIP_L, vae: VAE_SD }, resolution: 512 },
  { id: 'stabilityai/sd-turbo', name: 'SD-Turbo (1-step SD 2.1)', parts: { unet: 865_910_724, text_encoder: OPENCLIP_H, vae: VAE_SD }, resolution: 512 },
  { id: 'stabilityai/stable-diffusion-2-1', name: 'Stable Diffusion 2.1', parts: { unet: 865_910_724, text_encoder: OPENCLIP_H, vae: VAE_SD }, resolution: 768 },
  { id: 'stabilityai/sdxl-turbo', name: 'SDXL-Turbo (1-step SDXL)', parts: { unet: 2_567_463_684, text_encoder: CLIP_L, text_encoder_2: OPENCLIP_BIGG, vae: VAE_SD }, resolution: 512 },
  { id: 'stabilityai/stable-diffusion-xl-base-1.0', name: 'SDXL 1.0 base', parts: { unet: 2_567_463_684, text_encoder: CLIP_L, text_encoder_2: OPENCLIP_BIGG, vae: VAE_SD }, resolution: 1024 },
  { id: 'PixArt-alpha/PixArt-XL-2-1024-MS', name: 'PixArt-alpha XL-2', parts: { transformer: 610_856_096, text_encoder: T5_XXL, vae: VAE_SD }, approx: true, resolution: 1024 },
  { id: 'stabilityai/stable-diffusion-3-medium-diffusers', name: 'Stable Diffusion 3 Medium', parts: { transformer: 2_028_328_000, text_encoder: 123_650_304, text_encoder_2: OPENCLIP_BIGG, text_encoder_3: T5_XXL, vae: VAE_16CH }, approx: true, resolution: 1024 },
  { id: 'black-forest-labs/FLUX.1-schnell', name: 'FLUX.1 [schnell]', parts: { transformer: 11_901_408_320, text_encoder: CLIP_L, text_encoder_2: T5_XXL, vae: VAE_16CH }, resolution: 1024 },
];

export const catalogueParams = (m: CatalogueModel) => Object.values(m.parts).reduce((a, b) => a + b, 0);

export interface CatalogueFit {
  model: CatalogueModel;
  params: number;
  fits: DtypeFit[];
}

/** Every catalogue model with its memory per dtype; `largest` is the biggest whose fp16 inference fits. */
export function fitCatalogue(gpuBytes: number): { models: CatalogueFit[]; largest: CatalogueFit | null } {
  const models = textToImageModels
    .map((model) => ({ model, params: catalogueParams(model), fits: fitTable(catalogueParams(model), { gpuBytes }) }))
    .sort((a, b) => a.params - b.params);
  const ok = models.filter((m) => m.fits.find((f) => f.dtype === 'float16')!.fitsInference);
  return { models, largest: ok.length > 0 ? ok[ok.length - 1] : null };
}
