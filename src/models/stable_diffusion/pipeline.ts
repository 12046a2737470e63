// diffusers' StableDiffusionPipeline (pipelines/stable_diffusion/pipeline_stable_diffusion.py)
// for text-to-image: tokenize and encode the prompt (and, with guidance > 1, the negative prompt
// for classifier-free guidance), draw latents (torch.randn with a seeded CPU generator, the same
// stream as PyTorch's), run the scheduler's steps through the UNet, decode with the VAE and map
// [-1, 1] to [0, 1]. Weights are read as stored (fp16 files widen to float32) and computed in float32.
// On a GPU (`pipe.to('webgpu')`) the same steps are recorded without reading a value back: the
// latents and any ancestral noise are still drawn from the CPU generator and moved to the device
// (as diffusers does with a CPU generator), so the same seed gives the CPU's image within float32
// rounding, and the caller reads the image with `await images.cpuAsync()`.

import { noGrad } from '../../autograd/grad_mode.js';
import { randn, tensor } from '../../ops/creation.js';
import { cat } from '../../ops/movement.js';
import { Generator } from '../../random/generator.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Device, DeviceLike } from '../../tensor/device.js';
import { hostModelFiles } from '#model-files';
import { AutoencoderKL } from './autoencoder_kl.js';
import { CLIPTextModel } from './clip_text_model.js';
import { CLIPTokenizer } from './clip_tokenizer.js';
import { loadComponent, type WeightOptions } from './load.js';
import { readJson, readText, type ModelFiles } from './model_files.js';
import { schedulerFromConfig, type Scheduler } from './schedulers/index.js';
import { UNet2DConditionModel } from './unet_2d_condition.js';

/** The five parts of a text-to-image pipeline. */
export interface StableDiffusionComponents {
  tokenizer: CLIPTokenizer;
  textEncoder: CLIPTextModel;
  unet: UNet2DConditionModel;
  vae: AutoencoderKL;
  /** scheduler_config.json (a fresh scheduler is built from it for every call). */
  schedulerConfig: Record<string, unknown>;
}

/** What one denoising step reports to `onStep`. */
export interface StepInfo {
  /** 1-based step number and the number of UNet calls in all. */
  step: number;
  steps: number;
  timestep: number;
  /** Milliseconds of this step (UNet and scheduler). */
  ms: number;
}

/** Options of `generate` (diffusers' __call__ arguments, camelCased; `steps` is num_inference_steps, `guidance` guidance_scale). */
export interface GenerateOptions {
  prompt: string | string[];
  /** Used only with guidance > 1 (default: the empty prompt). */
  negativePrompt?: string | string[] | null;
  /** Inference steps (default 50). */
  steps?: number;
  /** Classifier-free guidance scale (default 7.5); <= 1 skips the unconditional pass. */
  guidance?: number;
  /** Seed of the generator the latents (and ancestral noise) are drawn from. */
  seed?: number;
  /** A generator to draw from instead (wins over seed). */
  generator?: Generator;
  /** Image size in pixels, multiples of 8 (default: the UNet's sample_size × the VAE factor). */
  height?: number;
  width?: number;
  /** Images per prompt (num_images_per_prompt, default 1). */
  n?: number;
  /** Initial latents (batch·n, 4, h/8, w/8) before the scheduler's init_noise_sigma scaling, instead of drawing them. */
  latents?: Tensor;
  /** Another scheduler class with the same betas ('DDIMScheduler', 'EulerDiscreteScheduler', ...). */
  scheduler?: string;
  /** Noise for an ancestral scheduler, one tensor per step (tests; otherwise drawn from the generator). */
  stepNoise?: Tensor[];
  onStep?: (info: StepInfo) => void;
}

/** Milliseconds spent per component in the last `generate`. */
export interface GenerateTimings {
  textEncoder: number;
  /** Every UNet call (and scheduler update) together, and the count of steps. */
  unet: number;
  unetSteps: number;
  vae: number;
  total: number;
}

/** Options of `fromPretrained`. */
export interface FromPretrainedOptions extends WeightOptions {}

const now = () => globalThis.performance.now();
const asList = (p: string | string[]) => (Array.isArray(p) ? p : [p]);

/** diffusers' StableDiffusionPipeline: `fromPretrained(folder)`, then `generate({ prompt, ... })` → images (N, 3, H, W) in [0, 1]. */
export class StableDiffusionPipeline {
  readonly tokenizer: CLIPTokenizer;
  readonly textEncoder: CLIPTextModel;
  readonly unet: UNet2DConditionModel;
  readonly vae: AutoencoderKL;
  readonly schedulerConfig: Record<string, unknown>;
  /** model_index.json, when loaded from a folder. */
  modelIndex: Record<string, unknown> | null = null;
  /** The weights files each component was loaded from. */
  weightFiles: Record<string, string> = {};
  /** Per-component times of the last generate. */
  lastTimings: GenerateTimings | null = null;

  constructor(c: StableDiffusionComponents) {
    this.tokenizer = c.tokenizer;
    this.textEncoder = c.textEncoder.eval();
    this.unet = c.unet.eval();
    this.vae = c.vae.eval();
    this.schedulerConfig = c.schedulerConfig;
  }

  /**
   * A pipeline from a diffusers folder (a path in Node, or any ModelFiles): model_index.json,
   * tokenizer/, text_encoder/, unet/, vae/, scheduler/. `variant: 'fp16'` prefers the `.fp16.` files.
   */
  static fromPretrained(folder: string | ModelFiles, options: FromPretrainedOptions = {}): StableDiffusionPipeline {
    const files = typeof folder === 'string' ? hostModelFiles(folder) : folder;
    const index = readJson(files, 'model_index.json', true);
    const expect = (key: string, cls: string) => {
      const entry = index[key] as unknown[] | undefined;
      if (!Array.isArray(entry) || entry[1] !== cls) throw new Error(`${files.name}/model_index.json: ${key} is ${JSON.stringify(entry)}, expected [..., "${cls}"]`);
    };
    expect('tokenizer', 'CLIPTokenizer');
    expect('text_encoder', 'CLIPTextModel');
    expect('unet', 'UNet2DConditionModel');
    expect('vae', 'AutoencoderKL');
    const vocab = readText(files, 'tokenizer/vocab.json');
    const merges = readText(files, 'tokenizer/merges.txt');
    if (vocab === undefined || merges === undefined) throw new Error(`${files.name}: tokenizer/vocab.json and tokenizer/merges.txt are required`);
    const tokenizer = CLIPTokenizer.fromFiles({
      vocab, merges,
      specialTokensMap: readText(files, 'tokenizer/special_tokens_map.json'),
      tokenizerConfig: readText(files, 'tokenizer/tokenizer_config.json'),
    });
    const weightFiles: Record<string, string> = {};
    const textEncoder = new CLIPTextModel(readJson(files, 'text_encoder/config.json', true));
    weightFiles.text_encoder = loadComponent(textEncoder, 'text_encoder', files, 'model', options);
    const unet = new UNet2DConditionModel(readJson(files, 'unet/config.json', true));
    weightFiles.unet = loadComponent(unet, 'unet', files, 'diffusion_pytorch_model', options);
    const vae = new AutoencoderKL(readJson(files, 'vae/config.json', true));
    weightFiles.vae = loadComponent(vae, 'vae', files, 'diffusion_pytorch_model', options);
    const schedulerConfig = readJson(files, 'scheduler/scheduler_config.json', true);
    schedulerFromConfig(schedulerConfig); // refuse an unsupported scheduler now, not after loading
    const pipe = new StableDiffusionPipeline({ tokenizer, textEncoder, unet, vae, schedulerConfig });
    pipe.modelIndex = index;
    pipe.weightFiles = weightFiles;
    return pipe;
  }

  /** Move the three models to a device (diffusers' `pipe.to(device)`); returns this pipeline. */
  to(device: DeviceLike): this {
    this.textEncoder.to(device);
    this.unet.to(device);
    this.vae.to(device);
    return this;
  }

  /** Where the pipeline computes (diffusers' `_execution_device`): the UNet's weights' device. */
  get device(): Device {
    return this.unet.conv_in.weight.device;
  }

  /** The VAE's latent-to-pixel factor (8 for SD). */
  get vaeScaleFactor(): number {
    return this.vae.scaleFactor;
  }

  /** A fresh scheduler from the folder's config, or `className` with the same betas. */
  makeScheduler(className?: string): Scheduler {
    return schedulerFromConfig(this.schedulerConfig, className);
  }

  /** encode_prompt: (count, 77, D) text states of the prompts, each repeated n times. */
  encodePrompt(prompts: string[], n: number): Tensor {
    const ids = prompts.map((p) => this.tokenizer.encode(p));
    const states = this.textEncoder.call(tensor(ids, { dtype: 'int64', device: this.textEncoder.text_model.embeddings.token_embedding.weight.device })).lastHiddenState as Tensor;
    const [b, t, d] = states.shape;
    return states.unsqueeze(1).expand(b, n, t, d).reshape(b * n, t, d);
  }

  /**
   * Text to images (N·n, 3, H, W) in [0, 1], on the pipeline's device; per-component times land in
   * `lastTimings` (on a GPU: the time to record each part's kernels, which the GPU runs later).
   */
  async generate(options: GenerateOptions): Promise<Tensor> {
    const start = now();
    const prompts = asList(options.prompt);
    const n = options.n ?? 1;
    const steps = options.steps ?? 50;
    const guidance = options.guidance ?? 7.5;
    const factor = this.vaeScaleFactor;
    const sample = this.unet.config.sample_size ?? 64;
    const height = options.height ?? sample * factor;
    const width = options.width ?? sample * factor;
    if (height % 8 !== 0 || width % 8 !== 0) throw new Error(`\`height\` and \`width\` have to be divisible by 8 but are ${height} and ${width}.`);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n (images per prompt) must be a positive integer, but got ${n}`);
    const doCfg = guidance > 1;
    const generator = options.generator ?? (options.seed !== undefined ? new Generator().manualSeed(options.seed) : undefined);
    const scheduler = this.makeScheduler(options.scheduler);

    const t0 = now();
    const context = noGrad(() => {
      const cond = this.encodePrompt(prompts, n);
      if (!doCfg) return cond;
      const neg = options.negativePrompt ?? '';
      const negatives = Array.isArray(neg) ? neg : prompts.map(() => neg);
      if (negatives.length !== prompts.length) {
        throw new Error(`\`negative_prompt\`: has batch size ${negatives.length}, but \`prompt\`: has batch size ${prompts.length}. Please make sure that passed \`negative_prompt\` matches the batch size of \`prompt\`.`);
      }
      return cat([this.encodePrompt(negatives, n), cond], 0);
    });
    const textMs = now() - t0;

    const batch = prompts.length * n;
    const shape = [batch, this.unet.config.in_channels, height / factor, width / factor];
    // randn_tensor with a CPU generator: drawn on the CPU, then moved to the device (the same values on every device).
    let latents = options.latents?.to(this.device) ?? randn(shape, { generator, device: this.device });
    if (latents.shape.join() !== shape.join()) throw new Error(`Unexpected latents shape, got [${latents.shape.join(', ')}], expected [${shape.join(', ')}]`);
    scheduler.setTimesteps(steps);
    latents = latents.mul(scheduler.initNoiseSigma);

    let unetMs = 0;
    const timesteps = scheduler.timesteps;
    for (let i = 0; i < timesteps.length; i++) {
      const t = timesteps[i];
      const s0 = now();
      latents = noGrad(() => {
        const input = scheduler.scaleModelInput(doCfg ? cat([latents, latents], 0) : latents, t);
        let eps = this.unet.call(input, t, context) as Tensor;
        if (doCfg) {
          const [u, c] = eps.chunk(2, 0);
          eps = u.add(c.sub(u).mul(guidance));
        }
        return scheduler.step(eps, t, latents, { generator, noise: options.stepNoise?.[i] });
      });
      const ms = now() - s0;
      unetMs += ms;
      options.onStep?.({ step: i + 1, steps: timesteps.length, timestep: t, ms });
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the host draw progress, take a Ctrl-C
    }

    const v0 = now();
    const images = noGrad(() => this.decodeLatents(latents));
    const vaeMs = now() - v0;
    this.lastTimings = { textEncoder: textMs, unet: unetMs, unetSteps: timesteps.length, vae: vaeMs, total: now() - start };
    return images;
  }

  /** VAE decode of final latents to images in [0, 1]: latents / scaling_factor (+ shift_factor), decode, x/2 + 0.5, clamp. */
  decodeLatents(latents: Tensor): Tensor {
    const c = this.vae.config;
    let z = latents.div(c.scaling_factor);
    if (c.shift_factor) z = z.add(c.shift_factor);
    return noGrad(() => this.vae.decode(z)).div(2).add(0.5).clamp(0, 1);
  }
}
