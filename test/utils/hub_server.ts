// A local stand-in for the Hugging Face hub, for dlab fit's tests: /api/models/<id> lists files,
// /<id>/resolve/main/<file> serves them with Range support; the weights are real safetensors files.
import { createServer, type Server } from 'node:http';
import { zeros } from '../../src/index.js';
import { serialize } from '../../src/io/safetensors.js';

/** repo id -> file -> bytes */
export type Hub = Map<string, Map<string, Uint8Array>>;
export const requests: { url: string; range?: string }[] = [];

export function hubServer(hub: Hub): Server {
  return createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push({ url, range: req.headers.range });
    const api = /^\/api\/models\/(.+)$/.exec(url);
    if (api) {
      const files = hub.get(api[1]);
      if (!files) return void res.writeHead(404).end('{"error":"Repository not found"}');
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ id: api[1], siblings: [...files.keys()].map((rfilename) => ({ rfilename })) }));
    }
    const m = /^\/(.+?)\/resolve\/main\/(.+)$/.exec(url);
    const body = m ? hub.get(m[1])?.get(m[2]) : undefined;
    if (!body) return void res.writeHead(404).end('Entry not found');
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]) + 1, body.length);
      res.writeHead(206, { 'content-range': `bytes ${start}-${end - 1}/${body.length}`, 'content-length': end - start });
      return void res.end(Buffer.from(body.subarray(start, end)));
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(Buffer.from(body));
  });
}

const enc = (s: string) => new TextEncoder().encode(s);
/** A safetensors file of zero tensors with these shapes. */
const weights = (shapes: Record<string, number[]>) => serialize(Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, zeros(s)])));

export function makeHub(): Hub {
  const hub: Hub = new Map();
  // A small causal LM, sharded in two, with a config for the KV cache.
  const shard1 = weights({ 'embed.weight': [100, 16], 'layers.0.q.weight': [16, 16] });
  const shard2 = weights({ 'layers.0.k.weight': [8, 16], 'lm_head.weight': [100, 16] });
  hub.set('test/tiny-lm', new Map([
    ['config.json', enc(JSON.stringify({ num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, hidden_size: 16, max_position_embeddings: 128 }))],
    ['model.safetensors.index.json', enc(JSON.stringify({ metadata: {}, weight_map: { 'embed.weight': 'model-00001-of-00002.safetensors', 'layers.0.q.weight': 'model-00001-of-00002.safetensors', 'layers.0.k.weight': 'model-00002-of-00002.safetensors', 'lm_head.weight': 'model-00002-of-00002.safetensors' } }))],
    ['model-00001-of-00002.safetensors', shard1],
    ['model-00002-of-00002.safetensors', shard2],
  ]));
  // A diffusers pipeline: parts in folders, an fp16 variant beside the plain weights.
  hub.set('test/tiny-sd', new Map([
    ['model_index.json', enc(JSON.stringify({ _class_name: 'StableDiffusionPipeline', unet: ['diffusers', 'UNet2DConditionModel'], text_encoder: ['transformers', 'CLIPTextModel'], vae: ['diffusers', 'AutoencoderKL'], scheduler: ['diffusers', 'PNDMScheduler'], safety_checker: [null, null] }))],
    ['unet/config.json', enc('{}')],
    ['unet/diffusion_pytorch_model.safetensors', weights({ 'conv.weight': [8, 4, 3, 3], 'conv.bias': [8] })],
    ['unet/diffusion_pytorch_model.fp16.safetensors', weights({ 'conv.weight': [8, 4, 3, 3] })],
    ['text_encoder/model.safetensors', weights({ 'emb.weight': [50, 8] })],
    ['vae/diffusion_pytorch_model.safetensors', weights({ 'dec.weight': [3, 4, 1, 1] })],
    ['scheduler/scheduler_config.json', enc('{}')],
  ]));
  return hub;
}

