// A test-only stand-in for the WebGPU runtime: enough to run the kernels' GpuPlans on a Dawn
// device (the npm `webgpu` package) and read the results back. It binds per program.ts's rule
// (inputs read-only, outputs read-write, the uniform block last) through explicit layouts,
// caches pipelines by key and checks that one key always means one WGSL text.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';

import type { View } from '../../src/backend/backend.js';
import { allocateArray, type DType, type TypedArray } from '../../src/tensor/dtype.js';
import type { BufferRef, GpuPlan } from '../../src/backend/webgpu/kernels/builder.js';
import type { GpuProgram } from '../../src/backend/webgpu/program.js';

Object.assign(globalThis, globals);

const NEEDED = 'LD_LIBRARY_PATH=<tmp> VK_ICD_FILENAMES=<tmp>/vk_swiftshader_icd.json XDG_RUNTIME_DIR=<tmp>';

/** Words on the GPU for one element of a dtype the GPU stores. */
function toGpuWords(dtype: DType, data: ArrayLike<number>): Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer> {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(data);
    case 'int32':
    case 'int64':
      return Int32Array.from(data);
    case 'bool':
      return Uint32Array.from(data);
    default:
      throw new TypeError(`no GPU storage for ${dtype}`);
  }
}

export class GpuHarness {
  private readonly pipelines = new Map<string, { wgsl: string; pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private readonly buffers: GPUBuffer[] = [];
  /** Pipelines compiled so far (each key once). */
  compiles = 0;

  // `gpu` must stay reachable for as long as the device lives (Dawn crashes otherwise).
  private constructor(private readonly gpu: GPU, readonly device: GPUDevice, readonly adapterName: string) {}

  static async create(): Promise<GpuHarness> {
    // @sparticuz/chromium extracts SwiftShader's Vulkan ICD into the OS temp folder.
    await (await import('@sparticuz/chromium')).default.executablePath();
    process.env.VK_ICD_FILENAMES ??= join(tmpdir(), 'vk_swiftshader_icd.json');
    process.env.XDG_RUNTIME_DIR ??= tmpdir();
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      throw new Error(`no WebGPU adapter: run with ${NEEDED} (SwiftShader, extracted by @sparticuz/chromium's executablePath(); <tmp> = ${tmpdir()})`);
    }
    const device = await adapter.requestDevice();
    device.addEventListener('uncapturederror', (e) => {
      throw new Error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
    });
    return new GpuHarness(gpu, device, `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim());
  }

  /** A storage buffer of `words` 4-byte words (at least 4, rounded to 16 bytes as a pool would). */
  buffer(words: number, contents?: Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>): GPUBuffer {
    const size = Math.max(16, Math.ceil((words * 4) / 16) * 16);
    const buffer = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    if (contents && contents.length > 0) this.device.queue.writeBuffer(buffer, 0, contents);
    this.buffers.push(buffer);
    return buffer;
  }

  /** A view's whole backing array on the GPU, so its offset and strides index it as on the CPU. */
  upload(v: View): GPUBuffer {
    const words = toGpuWords(v.dtype, v.data);
    return this.buffer(words.length, words);
  }

  /** Garbage-filled output (NaN bits), so a kernel that skips an element is caught. */
  output(words: number): GPUBuffer {
    return this.buffer(words, new Uint32Array(words).fill(0x7fc00001));
  }

  private async pipeline(p: GpuProgram): Promise<{ pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }> {
    const cached = this.pipelines.get(p.key);
    if (cached) {
      if (cached.wgsl !== p.wgsl()) throw new Error(`pipeline key ${p.key} names two different WGSL texts`);
      return cached;
    }
    const wgsl = p.wgsl();
    const entries: GPUBindGroupLayoutEntry[] = [];
    for (let i = 0; i < p.inputs; i++) entries.push({ binding: i, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
    for (let i = 0; i < p.outputs; i++) entries.push({ binding: p.inputs + i, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
    if (p.uniforms.byteLength > 0) entries.push({ binding: p.inputs + p.outputs, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: wgsl });
    const layout = this.device.createBindGroupLayout({ entries });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const error = await this.device.popErrorScope();
    if (error) {
      const info = await module.getCompilationInfo();
      const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n');
      throw new Error(`${p.key}: ${error.message}\n${messages}\n${wgsl.split('\n').map((l, i) => `${i + 1}: ${l}`).join('\n')}`);
    }
    this.compiles++;
    const entry = { wgsl, pipeline, layout };
    this.pipelines.set(p.key, entry);
    return entry;
  }

  /** Record every pass of a plan in one command buffer and submit it. */
  async run(plan: GpuPlan, inputs: readonly GPUBuffer[], outputs: readonly GPUBuffer[]): Promise<void> {
    const temps = plan.temps.map((bytes) => this.buffer(bytes / 4));
    const pick = (r: BufferRef) => (r.from === 'input' ? inputs : r.from === 'output' ? outputs : temps)[r.index];
    const encoder = this.device.createCommandEncoder();
    for (const pass of plan.passes) {
      const { program } = pass;
      if (pass.inputs.length !== program.inputs || pass.outputs.length !== program.outputs) throw new Error(`${program.key}: binding count mismatch`);
      for (const g of program.grid) if (!(Number.isInteger(g) && g >= 0 && g <= 65535)) throw new Error(`${program.key}: grid ${program.grid} not folded`);
      const { pipeline, layout } = await this.pipeline(program);
      const entries: GPUBindGroupEntry[] = [...pass.inputs, ...pass.outputs].map((r, i) => ({ binding: i, resource: { buffer: pick(r) } }));
      if (program.uniforms.byteLength > 0) {
        const ub = this.device.createBuffer({ size: program.uniforms.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        this.device.queue.writeBuffer(ub, 0, program.uniforms);
        this.buffers.push(ub);
        entries.push({ binding: program.inputs + program.outputs, resource: { buffer: ub } });
      }
      const c = encoder.beginComputePass();
      c.setPipeline(pipeline);
      c.setBindGroup(0, this.device.createBindGroup({ layout, entries }));
      c.dispatchWorkgroups(...program.grid);
      c.end();
    }
    this.device.queue.submit([encoder.finish()]);
    await this.device.queue.onSubmittedWorkDone();
  }

  /** The first `n` elements of a buffer, as the js backend would hold them for `dtype`. */
  async read(buffer: GPUBuffer, dtype: DType, n: number): Promise<TypedArray> {
    const size = Math.max(16, Math.ceil((n * 4) / 16) * 16);
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const bytes = staging.getMappedRange().slice(0, n * 4);
    staging.unmap();
    staging.destroy();
    const words = dtype === 'float32' ? new Float32Array(bytes) : dtype === 'bool' ? new Uint32Array(bytes) : new Int32Array(bytes);
    const out = allocateArray(dtype, n);
    out.set(words);
    return out;
  }

  /** Free this test's buffers (pipelines stay cached). */
  release(): void {
    for (const b of this.buffers.splice(0)) b.destroy();
  }

  destroy(): void {
    this.release();
    this.device.destroy();
    void this.gpu;
  }
}
