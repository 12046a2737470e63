// Reading a diffusers folder's components: the weights file each component folder holds
// (`model.safetensors` for transformers' text encoder, `diffusion_pytorch_model.safetensors` for
// diffusers' unet and vae; `.fp16.` variants; sharded files with an `.index.json`), read as stored
// (F16/BF16 widen to float32 exactly) and loaded strictly after the few renames diffusers and
// transformers themselves apply on load.

import type { Module } from '../../nn/module.js';
import { deserialize } from '../../io/safetensors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { readJson, type ModelFiles } from './model_files.js';

/** Which weights to prefer: the full-precision file or the `fp16` variant (the other is the fallback). */
export interface WeightOptions {
  variant?: 'fp16' | null;
}

/** The state dict of `dir/stem[.variant].safetensors` (or its shards) and the file it came from. */
export function readWeights(files: ModelFiles, dir: string, stem: string, options: WeightOptions = {}): { stateDict: Record<string, Tensor>; file: string } {
  const names = options.variant ? [`${stem}.${options.variant}.safetensors`, `${stem}.safetensors`] : [`${stem}.safetensors`, `${stem}.fp16.safetensors`];
  for (const name of names) {
    const single = files.read(`${dir}/${name}`);
    if (single) return { stateDict: deserialize(single).tensors, file: `${dir}/${name}` };
    const index = readJson(files, `${dir}/${name}.index.json`);
    if (index) {
      const map = index.weight_map as Record<string, string>;
      const stateDict: Record<string, Tensor> = {};
      for (const shard of [...new Set(Object.values(map))]) {
        const bytes = files.read(`${dir}/${shard}`);
        if (!bytes) throw new Error(`${files.name}: ${dir}/${shard} (a shard named by ${name}.index.json) is missing`);
        Object.assign(stateDict, deserialize(bytes).tensors);
      }
      return { stateDict, file: `${dir}/${name}.index.json` };
    }
  }
  throw new Error(`${files.name}: ${dir}/ has no weights (looked for ${names.join(', ')}; .bin files are not read, convert them to safetensors)`);
}

/** Old diffusers files name the VAE's attention query/key/value/proj_attn; diffusers renames them on load. */
const LEGACY_ATTENTION: Record<string, string> = { query: 'to_q', key: 'to_k', value: 'to_v', proj_attn: 'to_out.0' };

/** The state dict with diffusers'/transformers' load-time renames and drops, for `component`. */
export function fixStateDict(component: 'text_encoder' | 'unet' | 'vae', sd: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [key, value] of Object.entries(sd)) {
    if (component === 'text_encoder' && key === 'text_model.embeddings.position_ids') continue; // a buffer, not a weight
    if (component === 'vae' && (key.startsWith('encoder.') || key.startsWith('quant_conv.'))) continue; // the encoder is not built
    let k = key;
    if (component === 'vae') {
      const m = /^(.*\.attentions\.\d+)\.(query|key|value|proj_attn)\.(weight|bias)$/.exec(key);
      if (m) k = `${m[1]}.${LEGACY_ATTENTION[m[2]]}.${m[3]}`;
    }
    out[k] = value;
  }
  return out;
}

/** Load a component's weights strictly; errors name the file. */
export function loadComponent(model: Module, component: 'text_encoder' | 'unet' | 'vae', files: ModelFiles, stem: string, options: WeightOptions = {}): string {
  const { stateDict, file } = readWeights(files, component, stem, options);
  try {
    model.loadStateDict(fixStateDict(component, stateDict));
  } catch (e) {
    throw new Error(`${files.name}/${file}: ${(e as Error).message}`);
  }
  return file;
}
