// Time Stable Diffusion's components at their real sizes with random weights (no checkpoint can
// be downloaded here): the text encoder at 77 tokens, one UNet forward (batch 1, no guidance, as
// sd-turbo runs) and one VAE decode, built from the configs of stabilityai/sd-turbo or
// stable-diffusion-v1-5 (values from their config.json files, research note text-to-image.md B2),
// in float32 on the current backend, with a breakdown by backend primitive.
//   npx tsx scripts/profile-stable-diffusion.ts [--model sd-turbo|sd15] [--latent 64] [--parts text,unet,vae] [--backend native|wasm]
// --latent is the latent side (64 = 512 px images); --backend defaults to dlab's default (native
// where the addon is built). Parameters are built with PyTorch's default init; building the
// 866M-parameter UNet takes a while and 3.5 GB of memory. PyTorch's side: tools/torch-sd-times.py.

import * as torch from '../src/index.js';
import { stableDiffusion as sd } from '../src/models/index.js';
import { instrument } from './instrument-backend.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const model = opt('model', 'sd-turbo');
const latent = Number(opt('latent', '64'));
const parts = opt('parts', 'text,unet,vae').split(',');
if (args.includes('--backend')) torch.setBackend(opt('backend', ''));

const SD_TURBO = {
  text: { hidden_size: 1024, intermediate_size: 4096, num_hidden_layers: 23, num_attention_heads: 16, hidden_act: 'gelu', vocab_size: 49408, max_position_embeddings: 77 },
  unet: { attention_head_dim: [5, 10, 20, 20], cross_attention_dim: 1024, use_linear_projection: true, sample_size: 64 },
};
const SD15 = {
  text: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, hidden_act: 'quick_gelu', vocab_size: 49408, max_position_embeddings: 77 },
  unet: { attention_head_dim: 8, cross_attention_dim: 768, use_linear_projection: false, sample_size: 64 },
};
const VAE = { block_out_channels: [128, 256, 512, 512], layers_per_block: 2, latent_channels: 4, norm_num_groups: 32, scaling_factor: 0.18215 };
const cfg = model === 'sd15' ? SD15 : SD_TURBO;

const count = (m: torch.nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);
const gib = () => `${(process.memoryUsage().rss / 2 ** 30).toFixed(1)} GiB rss`;

function timed<T>(label: string, fn: () => T): T {
  const totals = new Map<string, number>();
  const undo = instrument(torch.getBackend() as never, totals);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = torch.noGrad(fn);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  undo();
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ');
  // On a shared machine the wall time includes waiting for a core; the CPU time (all threads) does not.
  console.log(`${label}: ${(ms / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (${gib()}; top primitives: ${top})`);
  return out;
}

console.log(`${model}, latents ${latent}x${latent} (${latent * 8} px), backend ${torch.getBackend().name}, ${torch.getNumThreads()} thread(s)`);
torch.manualSeed(0);
if (parts.includes('text')) {
  const t0 = performance.now();
  const text = new sd.CLIPTextModel(cfg.text);
  console.log(`text encoder built: ${count(text).toLocaleString("en")} params in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const ids = torch.randint(0, 49408, [1, 77]);
  timed('text encoder, 77 tokens', () => text.call(ids));
}
if (parts.includes('unet')) {
  const t0 = performance.now();
  const unet = new sd.UNet2DConditionModel(cfg.unet);
  console.log(`UNet built: ${count(unet).toLocaleString("en")} params in ${((performance.now() - t0) / 1000).toFixed(1)} s (${gib()})`);
  const x = torch.randn(1, 4, latent, latent);
  const ctx = torch.randn(1, 77, cfg.unet.cross_attention_dim);
  timed(`UNet forward, batch 1, ${latent}x${latent}`, () => unet.call(x, 999, ctx));
}
if (parts.includes('vae')) {
  const t0 = performance.now();
  const vae = new sd.AutoencoderKL(VAE);
  console.log(`VAE decoder built: ${count(vae).toLocaleString("en")} params in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const z = torch.randn(1, 4, latent, latent);
  timed(`VAE decode, ${latent}x${latent} -> ${latent * 8}x${latent * 8}`, () => vae.decode(z));
}
