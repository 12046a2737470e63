// `dlab generate "<prompt>" --model <folder | org/name>`: text to image, offline, from a model folder
// or a hub repo id already in the Hugging Face cache. Two kinds of folder:
// - a text-conditioned ddpm that `dlab run ddpm --conditioning text` saved (config.json with
//   model_type 'ddpm-text', model.safetensors, vocab.json, judge/): DDIM with classifier-free
//   guidance, and, when the prompt names a digit, the class agreement of the images with it as the
//   folder's judge (a LeNet) reads them;
// - a Stable Diffusion checkpoint in diffusers' layout (model_index.json): its pipeline.
// It writes the images as one PNG (a grid when --n > 1) and an HTML report beside it: the images,
// the settings, the time of each part and the peak memory of live tensors, measured beside the
// estimate of one guided denoising step (utils/memory.ts). `--json` prints one line of results.
// `--device webgpu` loads the weights, moves them to the GPU and records every step there without
// reading a value back (progress is counted, not read); the image is read once at the end. The
// starting noise is drawn from the CPU generator and moved to the GPU, as diffusers does with a
// CPU generator, so the same seed gives the CPU's image within float32 rounding. Peak memory is
// then the GPU's own counters (torch.webgpu), sampled where the CPU path samples.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import * as torch from '../../index.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkDevice, type Device } from '../../tensor/device.js';
import { Generator } from '../../random/generator.js';
import { makeGrid, toImage } from '../../data/grid.js';
import { encodePng } from '../../data/save_image.node.js';
import { sampleText, type TextDiffusionPipeline } from '../../models/text_diffusion.js';
import { OutOfVocabularyError, splitWords } from '../../models/word_tokenizer.js';
import { TEXT_DDPM_TYPE, TextConditionedUNet } from '../../models/text_diffusion.js';
import { estimateMemory, type Workload } from '../../utils/memory.js';
import { canSampleExactly, collectGarbage, enableMemoryTracking, maxMemoryAllocated, resetPeakMemoryStats, sampleMemory } from '../../utils/memory_stats.js';
import * as webgpu from '../../backend/webgpu/api.js';
import { isGpu, useDevice } from '../../lab/device.js';
import { ConsoleContext } from '../../lab/console.node.js';
import { DIGIT_WORDS } from '../../lab/digit-captions.js';
import { classAgreement } from '../../lab/experiments/ddpm.js';
import { folderModelType, loadDdpmTextFolder } from '../../lab/ddpm-folder.node.js';
import { integer, oneOf, valueParser } from '../parse.js';
import { isRepoId, resolveHubSnapshot } from '../hub-cache-path.js';
import { StableDiffusionPipeline } from '../../models/stable_diffusion/index.js';
import { MEASURE_FLAGS, mib } from './memory.js';

/** Compute dtypes a user may ask for; the cpu computes in float32 or float64, webgpu in float32. */
const DTYPES = ['float32', 'float64', 'float16', 'bfloat16'] as const;
type ComputeDtype = (typeof DTYPES)[number];

interface Flags {
  model: string;
  steps?: number;
  guidance?: number;
  negativePrompt?: string;
  seed: number;
  size?: number;
  device: string;
  dtype: ComputeDtype;
  out: string;
  n: number;
  report?: string;
  json?: boolean;
}

/** --device: a device dlab has (tensor/device.ts's check, its message as commander's). */
const deviceFlag = (raw: string): string => {
  try {
    checkDevice(raw);
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message}.`);
  }
  return raw;
};

/** --out: a .png path. */
const pngPath = (raw: string): string => {
  if (!/\.png$/i.test(raw)) throw new InvalidArgumentError('Expected a file name ending in .png.');
  return raw;
};

/** The folder --model names: a folder on disk, or a hub repo id's cached snapshot. */
export function modelFolder(model: string): string {
  if (existsSync(model)) {
    if (!statSync(model).isDirectory()) throw new Error(`--model ${model}: a file, not a model folder`);
    return model;
  }
  if (isRepoId(model)) return resolveHubSnapshot(model);
  throw new Error(`--model ${model}: no such folder, and not a hub repo id (org/name)`);
}

/** The digit a prompt names ("a handwritten seven", "7"), or null when it names none or several. */
export function promptDigit(prompt: string): number | null {
  const named = new Set<number>();
  for (const w of splitWords(prompt)) {
    const byWord = (DIGIT_WORDS as readonly string[]).indexOf(w);
    if (byWord >= 0) named.add(byWord);
    else if (/^[0-9]$/.test(w)) named.add(Number(w));
  }
  return named.size === 1 ? [...named][0] : null;
}

/** Where generate computes and in which dtype, resolved from --device and --dtype. */
interface Compute {
  device: Device;
  dtype: 'float32' | 'float64';
  /** The GPU adapter's name, on webgpu. */
  adapter?: string;
  /** What the report says about the choice (a float16 request computed in float32). */
  note?: string;
}

/** --dtype against --device, before anything is loaded: what neither computes in is refused, naming the flag. */
function checkDtype(device: string, dtype: ComputeDtype): void {
  const gpu = device !== 'cpu';
  if (!gpu && (dtype === 'float16' || dtype === 'bfloat16')) throw new Error(`--dtype ${dtype}: the cpu computes in float32 or float64`);
  if (gpu && dtype === 'float64') throw new Error(`--dtype float64: --device ${device} computes in float32 (WGSL has no float64); use --device cpu for float64`);
  if (gpu && dtype === 'bfloat16') throw new Error(`--dtype bfloat16: --device ${device} computes in float32 (WGSL has no bfloat16)`);
}

/** The device, acquired (a GPU's first use is asynchronous), and the dtype it computes in. */
async function resolveCompute(flags: Flags): Promise<Compute> {
  checkDtype(flags.device, flags.dtype);
  const device = await useDevice(flags.device);
  if (!isGpu(device)) return { device, dtype: flags.dtype as Compute['dtype'] };
  const { name, shaderF16 } = webgpu.getDeviceProperties();
  // float16 is a request for less memory and speed, not for other numbers: it runs, in float32, and says so.
  const note =
    flags.dtype === 'float16'
      ? `--dtype float16: computed in float32: dlab's webgpu kernels are float32 only (this adapter ${shaderF16 ? 'offers' : 'lacks'} WGSL's shader-f16).`
      : undefined;
  return { device, dtype: 'float32', adapter: name, note };
}

/**
 * Peak memory as generate measures it. On the cpu: live tensors' bytes (utils/memory_stats.ts).
 * On webgpu: the device's counters of bytes live GPU tensors asked for, each sample after a forced
 * collection whose frees are delivered at once (as `dlab memory --measure --device webgpu`), and
 * beside it torch.webgpu.maxMemoryAllocated(), the watermark of every allocation in pool buckets.
 */
interface PeakMeter {
  sample(): void;
  reset(): void;
  peak(): number;
  watermark(): number | undefined;
}

function peakMeter(device: Device): PeakMeter {
  if (!isGpu(device)) return { sample: () => void sampleMemory(), reset: resetPeakMemoryStats, peak: maxMemoryAllocated, watermark: () => undefined };
  const live = () => {
    collectGarbage();
    webgpu._deliverCollected();
    return webgpu.memoryStats()['requested_bytes.all.current'];
  };
  let peak = 0;
  return {
    sample: () => void (peak = Math.max(peak, live())),
    reset: () => {
      peak = live();
      webgpu.resetPeakMemoryStats();
    },
    peak: () => peak,
    watermark: () => webgpu.maxMemoryAllocated(),
  };
}

/** One guided denoising step of a text ddpm (both halves of the guidance batch), as the memory estimate traces it. */
class GuidedStep extends Module {
  constructor(readonly model: TextConditionedUNet) {
    super();
  }
  override forward(x: Tensor, t: Tensor, states: Tensor, pooled?: Tensor): Tensor {
    return this.model.unet.call(x, t, { encoderHiddenStates: states, classEmbeds: pooled });
  }
}

/** The estimate of a text ddpm's inference: the weights, and one guided step's activations and inputs. */
function estimateTextStep(p: TextDiffusionPipeline, n: number, size: number, guided: boolean) {
  const { model, tokenizer } = p;
  const batch = guided ? 2 * n : n;
  const workload: Workload = {
    inputs: (b) => {
      const hidden = model.textEncoder.config.hiddenSize;
      const pooled = model.unet.classProjection ? [torch.randn([b, hidden])] : [];
      return [torch.randn([b, 1, size, size]), torch.zeros([b], { dtype: 'int64' }), torch.randn([b, tokenizer.maxLength, hidden]), ...pooled];
    },
    loss: (output) => ({ loss: (output as Tensor).square().mean(), targets: [] }),
  };
  return estimateMemory(new GuidedStep(model), { mode: 'infer', batchSize: batch, inputSize: [], workload });
}

/**
 * Sample live memory at every module's exit (forward hooks) until the returned function removes
 * them: inside a forward is where the activations peak, which a sample between steps would miss.
 */
function sampleAtModuleExits(models: readonly Module[], meter: PeakMeter): () => void {
  const handles = models.flatMap((model) => model.modules().map((m) => m.registerForwardHook(() => meter.sample())));
  return () => handles.forEach((h) => h.remove());
}

/** Results of one generate call, for the report and --json. */
interface Outcome {
  kind: 'ddpm-text' | 'diffusers';
  folder: string;
  images: Tensor;
  settings: Record<string, string | number>;
  timings: Record<string, number>;
  peakBytes: number;
  exactMemory: boolean;
  /** webgpu: torch.webgpu.maxMemoryAllocated() over the run (every allocation, in pool buckets). */
  watermarkBytes?: number;
  estimateBytes?: number;
  agreement?: { digit: number; value: number; predicted: number[]; judge: string };
  notes: string[];
}

async function generateText(prompt: string, folder: string, flags: Flags, compute: Compute, progress: ConsoleContext): Promise<Outcome> {
  const t0 = performance.now();
  const { pipeline, judge, judgeAccuracy } = loadDdpmTextFolder(folder);
  const loadMs = performance.now() - t0;
  const { model, tokenizer, config } = pipeline;
  const unknown = tokenizer.unknownWords(prompt);
  if (unknown.length) throw new OutOfVocabularyError(unknown, tokenizer.vocab);
  tokenizer.encode(prompt);
  const factor = 2 ** (model.unet.config.blockOutChannels.length - 1);
  const size = flags.size ?? model.unet.config.sampleSize;
  if (size % factor !== 0) throw new Error(`--size ${size}: this model's U-Net needs a multiple of ${factor} (it was trained at ${model.unet.config.sampleSize})`);
  const steps = flags.steps ?? config.sample_steps;
  if (steps > config.num_train_timesteps) throw new Error(`--steps ${steps}: this model has ${config.num_train_timesteps} diffusion steps; give at most that many`);
  const guidance = flags.guidance ?? config.guidance_scale;
  if (flags.negativePrompt) throw new Error('--negative-prompt: a dlab text ddpm contrasts the prompt with the empty caption only');
  const notes: string[] = compute.note ? [compute.note] : [];
  if (size !== model.unet.config.sampleSize) notes.push(`--size ${size} differs from the ${model.unet.config.sampleSize}x${model.unet.config.sampleSize} the model was trained at; expect worse digits.`);
  // float64: the model's weights and (through the default dtype) the noise it starts from; the judge stays float32.
  const defaultDtype = torch.getDefaultDtype();
  if (compute.dtype === 'float64') {
    model.to('float64');
    torch.setDefaultDtype('float64');
  }
  const meter = peakMeter(compute.device);
  let x: Tensor;
  let estimate: ReturnType<typeof estimateTextStep>;
  let denoiseMs: number;
  try {
    estimate = estimateTextStep(pipeline, flags.n, size, guidance !== 0 && guidance !== 1);
    // The weights as loaded, then on the GPU (the judge stays on the cpu: it reads the images read back).
    if (isGpu(compute.device)) model.to(compute.device);
    meter.reset();
    const bar = progress.progress(steps, 'denoise');
    let done = 0;
    // Every step's peak is the same: sample inside the text encoder and the first step only.
    const stopSampling = sampleAtModuleExits([model], meter);
    const started = performance.now();
    x = sampleText(pipeline, {
      prompts: Array.from({ length: flags.n }, () => prompt),
      steps,
      guidance,
      size,
      generator: new Generator(flags.seed),
      // A step recorded (on a GPU, not yet run): counted, never read.
      onStep: () => {
        if (done === 0) stopSampling();
        meter.sample();
        bar.update(++done);
      },
    });
    stopSampling();
    // The one read of a GPU run: the final images (the time waits for the GPU to finish).
    if (!x.isCpu) x = await x.cpuAsync();
    bar.finish();
    denoiseMs = performance.now() - started;
  } finally {
    torch.setDefaultDtype(defaultDtype);
  }
  const images = x.float().add(1).div(2).clamp(0, 1);
  const timings: Record<string, number> = { load_ms: loadMs, denoise_ms: denoiseMs, step_ms: denoiseMs / steps };

  let agreement: Outcome['agreement'];
  const digit = promptDigit(prompt);
  if (digit === null) notes.push('The prompt names no single digit, so class agreement is not measured.');
  else if (!judge) notes.push('This folder has no judge/ (saved by runs before generate existed), so class agreement is not measured.');
  else {
    const j0 = performance.now();
    const judged = judge.judge(images.size(2) === judge.size ? images : torch.nn.functional.interpolate(images, { size: [judge.size, judge.size], mode: 'bilinear', alignCorners: false }));
    timings.judge_ms = performance.now() - j0;
    const wanted = new Array<number>(flags.n).fill(digit);
    agreement = { digit, value: classAgreement(judged.predicted, wanted).overall, predicted: judged.predicted, judge: `the run's LeNet (test accuracy ${judgeAccuracy?.toFixed(3) ?? 'not recorded'})` };
  }
  return {
    kind: 'ddpm-text',
    folder,
    images,
    settings: { prompt, model: flags.model, type: TEXT_DDPM_TYPE, steps, guidance, seed: flags.seed, size, n: flags.n, ...deviceSettings(compute), sampler: 'DDIM (eta 0)' },
    timings,
    peakBytes: meter.peak(),
    exactMemory: canSampleExactly(),
    watermarkBytes: meter.watermark(),
    estimateBytes: estimate.bytes.total,
    agreement,
    notes,
  };
}

async function generateDiffusers(prompt: string, folder: string, flags: Flags, compute: Compute, progress: ConsoleContext): Promise<Outcome> {
  if (compute.dtype !== 'float32') throw new Error(`--dtype ${flags.dtype}: the Stable Diffusion pipeline computes in float32`);
  const t0 = performance.now();
  const pipeline = StableDiffusionPipeline.fromPretrained(folder);
  // Loaded on the cpu (as stored), then moved: diffusers' pipe.to(device).
  if (isGpu(compute.device)) pipeline.to(compute.device);
  const loadMs = performance.now() - t0;
  const meter = peakMeter(compute.device);
  meter.reset();
  let bar: ReturnType<ConsoleContext['progress']> | null = null;
  // Inside the text encoder, the first UNet step and the VAE decoder, where the activations peak.
  const stopUnet = sampleAtModuleExits([pipeline.unet], meter);
  const stopOthers = sampleAtModuleExits([pipeline.textEncoder, pipeline.vae], meter);
  const started = performance.now();
  let images = await pipeline.generate({
    prompt,
    negativePrompt: flags.negativePrompt ?? null,
    steps: flags.steps,
    guidance: flags.guidance,
    seed: flags.seed,
    height: flags.size,
    width: flags.size,
    n: flags.n,
    onStep: (info) => {
      stopUnet();
      bar ??= progress.progress(info.steps, 'denoise');
      meter.sample();
      bar.update(info.step);
    },
  });
  stopUnet();
  stopOthers();
  // The one read of a GPU run: the final images (generate_ms waits for the GPU to finish).
  if (!images.isCpu) images = await images.cpuAsync();
  (bar as ReturnType<ConsoleContext['progress']> | null)?.finish();
  const timings: Record<string, number> = { load_ms: loadMs, generate_ms: performance.now() - started };
  for (const [k, v] of Object.entries(pipeline.lastTimings ?? {})) timings[`${k}_ms`] = v;
  const notes = compute.note ? [compute.note] : [];
  if (isGpu(compute.device)) notes.push("On webgpu the parts' times (text encoder, unet, vae) are the time to record their kernels; the GPU runs them asynchronously, so generate is the wall time through reading the image back.");
  return {
    kind: 'diffusers',
    folder,
    images: images.clamp(0, 1),
    settings: { prompt, negative_prompt: flags.negativePrompt ?? '', model: flags.model, steps: flags.steps ?? 'pipeline default', guidance: flags.guidance ?? 'pipeline default', seed: flags.seed, size: flags.size ?? 'model default', n: flags.n, ...deviceSettings(compute) },
    timings,
    peakBytes: meter.peak(),
    exactMemory: canSampleExactly(),
    watermarkBytes: meter.watermark(),
    notes,
  };
}

/** The settings rows of the device: where it ran (the adapter on a GPU) and the dtype it computed in. */
function deviceSettings(c: Compute): Record<string, string> {
  return { device: String(c.device), ...(c.adapter && { adapter: c.adapter }), dtype: c.dtype };
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The report: a self-contained HTML page (the image inline), settings, timings and memory. */
function reportHtml(o: Outcome, png: Uint8Array, pngFile: string): string {
  const rows = (entries: [string, unknown][]) => entries.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n');
  const ms = Object.entries(o.timings).map(([k, v]) => [k.replace(/_ms$/, ' (ms)'), v.toFixed(1)] as [string, string]);
  const onGpu = o.watermarkBytes !== undefined;
  const held = onGpu ? (o.kind === 'ddpm-text' ? "the model and the sampler's tensors" : "the pipeline's models and tensors") : o.kind === 'ddpm-text' ? "the model, its judge, the sampler's tensors" : "the pipeline's models and tensors";
  const memory: [string, string][] = [[`peak live ${onGpu ? `tensors on ${o.settings.device} (the device's counters)` : 'tensors'}: ${held} (measured at module exits${o.exactMemory ? ', after a forced collection' : '; an upper bound: no forced collection'})`, mib(o.peakBytes)]];
  if (onGpu) memory.push(['torch.webgpu.maxMemoryAllocated(): every allocation, in pool buckets (dead tensors not yet collected too)', mib(o.watermarkBytes!)]);
  if (o.estimateBytes !== undefined) memory.push(['estimate: weights + one guided step (utils/memory.ts)', mib(o.estimateBytes)]);
  const agreement = o.agreement
    ? `<h2>Class agreement</h2><p>${(100 * o.agreement.value).toFixed(1)}% of ${o.agreement.predicted.length} image(s) read as ${o.agreement.digit} by ${esc(o.agreement.judge)}; ` +
      `the judge read: ${esc(o.agreement.predicted.join(' '))}.</p>`
    : '';
  const [n, , h, w] = o.images.shape;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>dlab generate: ${esc(o.settings.prompt)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:900px;padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}img{image-rendering:pixelated;border:1px solid #ccc;min-width:256px}</style>
</head><body>
<h1>${esc(o.settings.prompt)}</h1>
<p><img src="data:image/png;base64,${Buffer.from(png).toString('base64')}" alt="${esc(o.settings.prompt)}"></p>
<p>${n} image(s) of ${h}x${w}, written to ${esc(pngFile)}; model folder ${esc(o.folder)} (${o.kind}).</p>
${agreement}
<h2>Settings</h2><table>${rows(Object.entries(o.settings))}</table>
<h2>Time</h2><table>${rows(ms)}</table>
<h2>Memory</h2><table>${rows(memory)}</table>
${o.notes.map((s) => `<p>${esc(s)}</p>`).join('\n')}
</body></html>
`;
}

export function registerGenerate(program: Command): void {
  const cmd = program
    .command('generate')
    .description('text to image, offline: a model `dlab run ddpm --conditioning text` saved, or a Stable Diffusion folder (diffusers layout); writes a PNG and an HTML report')
    .argument('<prompt>', "what to draw, e.g. 'a handwritten seven'")
    .requiredOption('--model <folder|repo-id>', 'a model folder, or a hub repo id (org/name) already in the Hugging Face cache')
    .option('--steps <n>', "denoising steps (default: the model's)", integer({ min: 1 }))
    .option('--guidance <w>', "classifier-free guidance scale (default: the model's)", valueParser<number>({ kind: 'number', min: 0, max: 50 }))
    .option('--negative-prompt <text>', 'what guidance steers away from (Stable Diffusion folders; default the empty prompt)')
    .option('--seed <n>', 'seed of the starting noise', integer({ min: 0 }), 0)
    .option('--size <px>', "image height and width (default: the model's)", integer({ min: 8, max: 4096 }))
    .option('--device <name>', 'device to run on: cpu, or webgpu (the same image as the cpu within float32 rounding: the noise is drawn on the cpu)', deviceFlag, 'cpu')
    .option('--dtype <dtype>', `compute dtype (${DTYPES.join(', ')}; the cpu computes in float32 or float64, webgpu in float32: float16 runs there in float32)`, oneOf(DTYPES), 'float32')
    .option('--out <file.png>', 'the PNG to write (a grid when --n > 1)', pngPath, 'generated.png')
    .option('--n <count>', 'images to draw', integer({ min: 1, max: 1000 }), 1)
    .option('--report <file.html>', 'the HTML report (default: the PNG\'s path with .html)')
    .option('--json', 'print one JSON line of results');
  cmd.action(async (prompt: string, flags: Flags) => {
    const console = new ConsoleContext(Boolean(flags.json));
    let gpu = false;
    try {
      checkDtype(flags.device, flags.dtype);
      if (prompt.trim() === '') throw new Error('the prompt is empty; say what to draw, e.g. "a handwritten seven"');
      const folder = modelFolder(flags.model);
      if (!canSampleExactly()) {
        // Re-run this very command in a Node that can force a collection, so the peak memory is exact (as `dlab memory --measure`).
        const r = spawnSync(process.execPath, [...process.execArgv, ...MEASURE_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit' });
        process.exit(r.status ?? 1);
      }
      // After the re-run: the GPU is acquired in the process that uses it.
      const compute = await resolveCompute(flags);
      gpu = isGpu(compute.device);
      // Count live tensors from before the model is loaded, so that its weights are in the peak (the cpu's count).
      if (!gpu) enableMemoryTracking();
      let outcome: Outcome;
      if (existsSync(join(folder, 'model_index.json'))) outcome = await generateDiffusers(prompt, folder, flags, compute, console);
      else {
        const type = folderModelType(folder);
        if (type === TEXT_DDPM_TYPE) outcome = await generateText(prompt, folder, flags, compute, console); else if (type === 'ddpm-unet') throw new Error(`${folder} is a class-conditional ddpm (model_type 'ddpm-unet'); generate needs a text-conditioned one: dlab run ddpm --conditioning text`);
        else throw new Error(`${folder} is not a text-to-image model folder: no model_index.json (diffusers) and no config.json with model_type '${TEXT_DDPM_TYPE}'${type ? ` (it has '${type}')` : ''}`);
      }
      const n = outcome.images.shape[0];
      const png = encodePng(toImage(makeGrid(outcome.images, { nrow: Math.ceil(Math.sqrt(n)) })));
      const out = resolve(flags.out);
      const report = resolve(flags.report ?? out.replace(/\.png$/i, '.html'));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, png);
      mkdirSync(dirname(report), { recursive: true });
      writeFileSync(report, reportHtml(outcome, png, out));
      const time = Object.entries(outcome.timings).map(([k, v]) => `${k.replace(/_ms$/, '')} ${(v / 1000).toFixed(2)} s`).join(', ');
      console.print(`${n} image(s) of ${outcome.images.shape[2]}x${outcome.images.shape[3]} -> ${out}`);
      console.print(`time: ${time}`);
      const where = outcome.watermarkBytes !== undefined ? ` on ${outcome.settings.device}` : '';
      const watermark = outcome.watermarkBytes !== undefined ? ` (allocation watermark ${mib(outcome.watermarkBytes)})` : '';
      console.print(`peak live tensors${where} ${mib(outcome.peakBytes)}${outcome.exactMemory ? '' : ' (upper bound)'}${watermark}${outcome.estimateBytes !== undefined ? `, estimate ${mib(outcome.estimateBytes)}` : ''}`);
      if (outcome.agreement) console.print(`class agreement with ${outcome.agreement.digit}: ${outcome.agreement.value.toFixed(3)} (the judge read ${outcome.agreement.predicted.join(' ')})`);
      for (const note of outcome.notes) console.print(note);
      console.print(`report: ${report}`);
      if (flags.json) {
        const line: Record<string, unknown> = { out, report, images: n, height: outcome.images.shape[2], width: outcome.images.shape[3], ...outcome.settings, ...outcome.timings, peak_bytes: outcome.peakBytes };
        if (outcome.estimateBytes !== undefined) line.estimate_bytes = outcome.estimateBytes;
        if (outcome.watermarkBytes !== undefined) line.device_watermark_bytes = outcome.watermarkBytes;
        if (outcome.agreement) Object.assign(line, { class_agreement: outcome.agreement.value, digit: outcome.agreement.digit });
        process.stdout.write(JSON.stringify(line) + '\n');
      }
    } catch (e) {
      console.closeBars();
      if (gpu) webgpu.dispose();
      cmd.error(`dlab generate: ${(e as Error).message}`);
    }
    if (gpu) webgpu.dispose(); // lets the process exit
  });
}
