/// <reference types="@webgpu/types" />
// The WebGPU runtime of one device: it owns the GPUDevice, a bucketed buffer pool with memory
// statistics, the pipeline cache (by program key), and one open command encoder into which ops
// only *record*. Work is submitted after 16 dispatches, on a read, or at the next microtask (so
// the GPU starts while JavaScript waits). Buffers released while the encoder is open return to the
// pool only after that submit: a later writeBuffer into a recycled buffer would otherwise land
// before the recorded reads of its old contents. Per dispatch the runtime makes as few Dawn calls
// as it can (each costs tens of microseconds of CPU, measured on SwiftShader, where the kernels of
// small tensors cost less): the dispatches of one submit write their uniform blocks into one
// arena, uploaded with one writeBuffer just before the submit and bound at a dynamic offset, so a
// bind group depends on the storage buffers alone and is reused when the pool hands out the same
// buffers again (a training loop's steps do).

import type { DType, TypedArray } from '../../tensor/dtype.js';
import { allocateArray } from '../../tensor/dtype.js';
import type { DeviceData } from '../backend.js';
import type { BufferRef, GpuPlan } from './kernels/builder.js';
import type { GpuProgram } from './program.js';

// GPUBufferUsage / GPUMapMode / GPUShaderStage values (the globals do not exist in Node).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM = 0x40;
const STORAGE = 0x80;
const MAP_MODE_READ = 0x1;
const SHADER_COMPUTE = 0x4;

/** Dispatches recorded before a submit (tfjs 15, onnxruntime 16). */
const BATCH = 16;

/** Bytes between two dispatches' uniforms in the arena: WebGPU's default minUniformBufferOffsetAlignment. */
const UNIFORM_ALIGN = 256;
/** The uniform arena's size: WebGPU's default maxUniformBufferBindingSize, room for a batch of blocks up to 4 KiB. */
const ARENA_BYTES = 64 * 1024;
/** Bind groups kept for reuse before the cache starts over (each holds a few buffer references). */
const BIND_GROUP_CACHE = 4096;

/**
 * A tensor's memory on the GPU: a pooled storage buffer of 4-byte elements (float32 as f32,
 * int32 and int64 as i32, bool as u32). `length` counts elements, `byteLength` the pool bucket,
 * `dtype` what the words hold (null for a kernel's scratch), so the memory reads back alone.
 * When the handle is garbage-collected its buffer returns to the pool.
 */
export class GpuData implements DeviceData {
  /** Set once the buffer went back to the pool before the handle was collected (WebGPURuntime.free). */
  released = false;
  constructor(
    readonly buffer: GPUBuffer,
    readonly length: number,
    readonly byteLength: number,
    readonly dtype: DType | null,
  ) {}
}

/** Pool bucket for a request: at least 16 bytes; powers of two up to 1 MiB, then whole MiB. */
function bucket(bytes: number): number {
  const b = Math.max(16, bytes);
  if (b <= 1 << 20) return 2 ** Math.ceil(Math.log2(b));
  return Math.ceil(b / (1 << 20)) * (1 << 20);
}

/** Memory statistics, in bytes (PyTorch's torch.cuda counters, for this device). */
export interface MemoryStats {
  /** Bytes in buffers that live tensors hold (memory_allocated). */
  allocated: number;
  /** The peak of `allocated` since the last reset (max_memory_allocated). */
  peak: number;
  /** Bytes in every buffer the pool has created and not destroyed: held and cached (memory_reserved). */
  reserved: number;
  /** Bytes the live tensors asked for (4 per element), before rounding up to pool buckets (requested_bytes). */
  requested: number;
  /** The peak of `requested` since the last reset. */
  requestedPeak: number;
}

export class WebGPURuntime {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout; id: number }>();
  /** Bind groups by pipeline and buffers (see BIND_GROUP_CACHE); cleared when pooled buffers are destroyed. */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;
  /** The uniform arena (see the top of the file): its GPU buffer, the blocks of the open encoder, the bytes they take. */
  private arena: GPUBuffer | null = null;
  private readonly arenaBlocks = new Uint8Array(ARENA_BYTES);
  private arenaUsed = 0;
  /** The one dynamic offset of a dispatch (a typed array: Dawn reads it without converting a JS array). */
  private readonly dynamicOffset = new Uint32Array(1);
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private flushScheduled = false;
  /** Storage buffers freed while the open encoder may use them: pooled after submit. */
  private parked: [number, GPUBuffer][] = [];
  private readonly stats = { allocated: 0, peak: 0, reserved: 0, requested: 0, requestedPeak: 0 };
  private readonly collected = new FinalizationRegistry<{ buffer: GPUBuffer; bytes: number; requested: number }>((held) => this.release(held.buffer, held.bytes, held.requested));
  private error: string | null = null;
  private destroyed = false;

  constructor(
    /** Dawn's GPU object in Node: it must stay reachable as long as the device (dropping it crashes Dawn). */
    private gpu: GPU | null,
    readonly device: GPUDevice,
    readonly name: string,
    /** The adapter is a software one (SwiftShader, WARP): its buffers live in host RAM. */
    readonly software = false,
  ) {
    device.addEventListener('uncapturederror', (e) => {
      this.error ??= (e as GPUUncapturedErrorEvent).error.message;
    });
  }

  // ------------------------------------------------------------------ memory

  /** A fresh buffer of `length` elements of `dtype` (null: scratch); its contents are undefined unless `zero`. */
  alloc(length: number, dtype: DType | null, zero = false): GpuData {
    this.check();
    const bytes = bucket(length * 4);
    const buffer = this.free.get(bytes)?.pop() ?? this.create(bytes);
    this.stats.allocated += bytes;
    if (this.stats.allocated > this.stats.peak) this.stats.peak = this.stats.allocated;
    this.stats.requested += length * 4;
    if (this.stats.requested > this.stats.requestedPeak) this.stats.requestedPeak = this.stats.requested;
    const data = new GpuData(buffer, length, bytes, dtype);
    this.collected.register(data, { buffer, bytes, requested: length * 4 }, data);
    if (zero) {
      this.endPass();
      this.openEncoder().clearBuffer(buffer, 0, bytes);
    }
    return data;
  }

  private create(bytes: number): GPUBuffer {
    this.stats.reserved += bytes;
    return this.device.createBuffer({ size: bytes, usage: STORAGE | COPY_SRC | COPY_DST });
  }

  /**
   * Give a tensor's buffer back now (autograd, optimizers, torch.webgpu.scope). While the encoder
   * is open the buffer is parked until submit, as a collected one is: recorded work may still read it.
   */
  freeData(data: GpuData): void {
    if (data.released) return;
    data.released = true;
    this.collected.unregister(data);
    this.release(data.buffer, data.byteLength, data.length * 4);
  }

  /**
   * Deliver now the frees of handles the collector has already freed (their FinalizationRegistry
   * callbacks otherwise run as later tasks); needs node --harmony-weak-refs-with-cleanup-some.
   */
  deliverCollected(): void {
    (this.collected as { cleanupSome?: () => void }).cleanupSome?.();
  }

  private release(buffer: GPUBuffer, bytes: number, requested: number): void {
    if (this.destroyed) return;
    this.stats.allocated -= bytes;
    this.stats.requested -= requested;
    if (this.encoder) this.parked.push([bytes, buffer]);
    else this.pool(this.free, bytes, buffer);
  }

  private pool(lists: Map<number, GPUBuffer[]>, bytes: number, buffer: GPUBuffer): void {
    let list = lists.get(bytes);
    if (!list) lists.set(bytes, (list = []));
    list.push(buffer);
  }

  /** GPU words for CPU values of `dtype`: int64 must fit int32 (dlab stores it so on the GPU), bool widens to u32. */
  static words(values: TypedArray, dtype: DType): Float32Array | Int32Array | Uint32Array {
    switch (dtype) {
      case 'float32':
        return values instanceof Float32Array ? values : Float32Array.from(values);
      case 'int32':
        return values instanceof Int32Array ? values : Int32Array.from(values);
      case 'int64': {
        const out = new Int32Array(values.length);
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (v !== (v | 0)) {
            throw new RangeError(`int64 value ${v} does not fit webgpu's storage of int64 (int32: -2147483648 to 2147483647); keep such a tensor on the cpu`);
          }
          out[i] = v;
        }
        return out;
      }
      case 'bool':
        return Uint32Array.from(values);
      case 'float64':
        throw float64Refused();
      default:
        return dtype satisfies never;
    }
  }

  /** New GPU memory holding `values` (contiguous, in the CPU layout of `dtype`). */
  upload(values: TypedArray, dtype: DType): GpuData {
    const words = WebGPURuntime.words(values, dtype);
    const data = this.alloc(words.length, dtype);
    // The buffer is fresh (nothing recorded reads it), so writing now cannot overtake recorded work.
    if (words.length > 0) this.device.queue.writeBuffer(data.buffer, 0, words.buffer, words.byteOffset, words.byteLength);
    return data;
  }

  /** Destroy the pool's cached buffers (torch.cuda.empty_cache). */
  emptyCache(): void {
    this.flush();
    for (const [bytes, list] of this.free) {
      for (const b of list) b.destroy();
      this.stats.reserved -= bytes * list.length;
    }
    this.free.clear();
    // Bind groups may name the buffers just destroyed.
    this.bindGroups.clear();
  }

  memory(): MemoryStats {
    return { ...this.stats };
  }

  resetPeak(): void {
    this.stats.peak = this.stats.allocated;
    this.stats.requestedPeak = this.stats.requested;
  }

  // ------------------------------------------------------------------ recording

  private openEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    }
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  private pipeline(program: GpuProgram): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout; id: number } {
    const cached = this.pipelines.get(program.key);
    if (cached) return cached;
    const entries: GPUBindGroupLayoutEntry[] = [];
    for (let i = 0; i < program.inputs; i++) entries.push({ binding: i, visibility: SHADER_COMPUTE, buffer: { type: 'read-only-storage' } });
    for (let i = 0; i < program.outputs; i++) entries.push({ binding: program.inputs + i, visibility: SHADER_COMPUTE, buffer: { type: 'storage' } });
    if (program.uniforms.byteLength > 0) entries.push({ binding: program.inputs + program.outputs, visibility: SHADER_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } });
    const layout = this.device.createBindGroupLayout({ entries });
    const module = this.device.createShaderModule({ code: program.wgsl(), label: program.key });
    const pipeline = this.device.createComputePipeline({
      label: program.key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const entry = { pipeline, layout, id: this.pipelines.size };
    this.pipelines.set(program.key, entry);
    return entry;
  }

  /** Record one dispatch of `program` with these buffers bound in program.ts's order. */
  dispatch(program: GpuProgram, inputs: readonly GPUBuffer[], outputs: readonly GPUBuffer[]): void {
    this.check();
    if (program.grid.some((g) => g === 0)) return;
    const entry = this.pipeline(program);
    const bytes = program.uniforms.byteLength;
    let offset = 0;
    if (bytes > 0) {
      const slot = Math.ceil(bytes / UNIFORM_ALIGN) * UNIFORM_ALIGN;
      if (slot > ARENA_BYTES) throw new RangeError(`webgpu: a uniform block of ${bytes} bytes exceeds the ${ARENA_BYTES}-byte arena (${program.key})`);
      if (this.arenaUsed + slot > ARENA_BYTES) this.flush();
      offset = this.arenaUsed;
      this.arenaBlocks.set(new Uint8Array(program.uniforms), offset);
      this.arenaUsed += slot;
    }
    const bindGroup = this.bindGroup(entry, inputs, outputs, bytes);
    const encoder = this.openEncoder();
    this.pass ??= encoder.beginComputePass();
    this.pass.setPipeline(entry.pipeline);
    if (bytes > 0) {
      this.dynamicOffset[0] = offset;
      this.pass.setBindGroup(0, bindGroup, this.dynamicOffset, 0, 1);
    } else this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(program.grid[0], program.grid[1], program.grid[2]);
    if (++this.dispatches >= BATCH) this.flush();
  }

  /** The bind group of these buffers (and `uniformBytes` of the arena, at a dynamic offset) for a pipeline: cached. */
  private bindGroup(entry: { layout: GPUBindGroupLayout; id: number }, inputs: readonly GPUBuffer[], outputs: readonly GPUBuffer[], uniformBytes: number): GPUBindGroup {
    let key = `${entry.id}:${uniformBytes}`;
    for (const b of inputs) key += `,${this.bufferId(b)}`;
    for (const b of outputs) key += `,${this.bufferId(b)}`;
    const cached = this.bindGroups.get(key);
    if (cached) return cached;
    const entries: GPUBindGroupEntry[] = [...inputs, ...outputs].map((buffer, i) => ({ binding: i, resource: { buffer } }));
    if (uniformBytes > 0) {
      this.arena ??= this.device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM | COPY_DST });
      entries.push({ binding: entries.length, resource: { buffer: this.arena, offset: 0, size: uniformBytes } });
    }
    const group = this.device.createBindGroup({ layout: entry.layout, entries });
    if (this.bindGroups.size >= BIND_GROUP_CACHE) this.bindGroups.clear();
    this.bindGroups.set(key, group);
    return group;
  }

  private bufferId(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) this.bufferIds.set(buffer, (id = ++this.nextBufferId));
    return id;
  }

  /** Buffers made for the next `run` only (a CPU scalar's upload, a copy against aliasing): freed once it is recorded. */
  private transients: GpuData[] = [];

  /** Mark `data` as used by the next `run` alone: it is freed as soon as that is recorded. */
  transient(data: GpuData): GpuData {
    this.transients.push(data);
    return data;
  }

  /** Record every pass of a kernel plan; its temporaries are freed once recorded (they return to the pool after submit). */
  run(plan: GpuPlan, inputs: readonly GpuData[], outputs: readonly GpuData[]): void {
    const temps = plan.temps.map((bytes) => this.alloc(Math.ceil(bytes / 4), null));
    const pick = (r: BufferRef) => (r.from === 'input' ? inputs : r.from === 'output' ? outputs : temps)[r.index].buffer;
    try {
      for (const pass of plan.passes) this.dispatch(pass.program, pass.inputs.map(pick), pass.outputs.map(pick));
    } finally {
      // Recorded (or failed): the open encoder parks them until its submit.
      for (const t of temps) this.freeData(t);
      for (const t of this.transients) this.freeData(t);
      this.transients = [];
    }
  }

  /** Record a copy of `words` 4-byte words between buffers. */
  copyBuffer(src: GPUBuffer, srcWord: number, dst: GPUBuffer, dstWord: number, words: number): void {
    if (words === 0) return;
    this.endPass();
    this.openEncoder().copyBufferToBuffer(src, srcWord * 4, dst, dstWord * 4, words * 4);
  }

  /** Submit what is recorded (after its uniform blocks: queue operations run in order); parked buffers return to the pool. */
  flush(): void {
    if (!this.encoder || this.destroyed) return;
    this.endPass();
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena!, 0, this.arenaBlocks, 0, this.arenaUsed);
      this.arenaUsed = 0;
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.dispatches = 0;
    for (const [bytes, b] of this.parked) this.pool(this.free, bytes, b);
    this.parked = [];
  }

  // ------------------------------------------------------------------ reading

  /** The first `length` elements of a buffer, as the CPU array of `dtype`, once the queue has computed them. */
  async read(src: GpuData, wordOffset: number, length: number, dtype: DType): Promise<TypedArray> {
    this.check();
    const out = allocateArray(dtype, length);
    if (length === 0) {
      await this.synchronize();
      return out;
    }
    const bytes = Math.ceil((length * 4) / 4) * 4;
    const staging = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
    this.copyBuffer(src.buffer, wordOffset, staging, 0, length);
    this.flush();
    try {
      await staging.mapAsync(MAP_MODE_READ);
      this.check();
      const range = staging.getMappedRange(0, bytes);
      const words = dtype === 'float32' ? new Float32Array(range, 0, length) : dtype === 'bool' ? new Uint32Array(range, 0, length) : new Int32Array(range, 0, length);
      out.set(words);
      staging.unmap();
    } finally {
      staging.destroy();
    }
    // The source must stay alive until its copy is recorded and run.
    void src.length;
    return out;
  }

  /** Wait for everything recorded so far (torch.cuda.synchronize). */
  async synchronize(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  /** Throws the first WebGPU validation error the device reported (a bug in a kernel, never the user's). */
  private check(): void {
    if (this.destroyed) throw new Error(`${this.name}: the webgpu device was released (torch.webgpu.dispose())`);
    if (this.error !== null) {
      const message = this.error;
      this.error = null;
      throw new Error(`WebGPU error: ${message}`);
    }
  }

  /** Release the device: Dawn's threads stop and a Node process can exit. */
  destroy(): void {
    if (this.destroyed) return;
    this.flush();
    this.destroyed = true;
    this.device.destroy();
    this.gpu = null;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** @internal Keeps `gpu` referenced for readers of the code: see the constructor. */
  get platformObject(): GPU | null {
    return this.gpu;
  }
}

export function float64Refused(): TypeError {
  return new TypeError("Cannot convert a WebGPU Tensor to float64 dtype as WGSL has no float64 type. Please use float32 instead (float64 stays on the cpu).");
}
