// Bundled for the browser by webgpu.test.ts: dlab's webgpu backend on navigator.gpu. The same
// small forward/backward/SGD step runs on the CPU and on the GPU from the same seed; everything is
// read with the asynchronous reads (a GPU tensor has no synchronous one).
/// <reference types="@webgpu/types" />
import * as torch from '../../src/index.js';

/** What one device computed, as plain numbers. */
export interface StepResult {
  device: string;
  h: unknown;
  y: unknown;
  loss: number;
  wGrad: unknown;
  bGrad: unknown;
  /** The weights after one SGD step. */
  wAfter: unknown;
}

async function step(device: 'cpu' | 'webgpu'): Promise<StepResult> {
  torch.manualSeed(0);
  const x = torch.randn(6, 5).to(device);
  const w = torch.randn(5, 4).to(device).requiresGrad_();
  const b = torch.randn(4).to(device).requiresGrad_();
  const h = x.matmul(w).add(b);
  // A few elementwise ops, each with its own backward.
  const y = h.tanh().mul(h.sigmoid()).sub(h.relu().mul(0.5)).add(h.square().mul(0.1).exp());
  const loss = y.mean();
  loss.backward();
  const sgd = new torch.optim.SGD([w, b], { lr: 0.1 });
  const read = { h: await h.tolistAsync(), y: await y.tolistAsync(), loss: await loss.itemAsync(), wGrad: await w.grad!.tolistAsync(), bGrad: await b.grad!.tolistAsync() };
  sgd.step();
  return { device: String(h.device), ...read, wAfter: await w.tolistAsync() };
}

/** The adapter navigator.gpu gives, and the step on each device; throws naming what is missing. */
export async function run(): Promise<{ adapter: Record<string, unknown>; name: string; cpu: StepResult; gpu: StepResult }> {
  if (!('gpu' in navigator)) {
    throw new Error(`navigator.gpu is missing (secure context: ${isSecureContext}): WebGPU is only for secure pages (https, localhost, 127.0.0.1)`);
  }
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      'navigator.gpu.requestAdapter() gave null: no WebGPU adapter. Chromium on Linux gives one only with --enable-unsafe-webgpu ' +
        '(and where there is no GPU, SwiftShader with --use-webgpu-adapter=swiftshader)',
    );
  }
  const info = (adapter as GPUAdapter & { info: Record<string, unknown> }).info;
  const described = Object.fromEntries(['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter'].map((k) => [k, info[k]]));
  if (!(await torch.webgpu.isAvailable())) throw new Error(`torch.webgpu.isAvailable() is false, though navigator.gpu gave an adapter: ${JSON.stringify(described)}`);
  return { adapter: described, name: torch.webgpu.getDeviceName(), cpu: await step('cpu'), gpu: await step('webgpu') };
}
