// GPU memory of an MLP training step (784-128-10, batch 64, Adam) on webgpu: bytes allocated by
// live tensors after 20 steps and the peak over them, plain or each step in torch.webgpu.scope.
// Usage (SwiftShader on a machine without a GPU: the environment scripts/run-tests.mjs sets):
//   VK_ICD_FILENAMES=... XDG_RUNTIME_DIR=... node --import tsx scripts/webgpu-memory-step.ts [--scope]
import * as torch from '../src/index.js';
import { nn, optim } from '../src/index.js';
const useScope = process.argv.includes('--scope');
await torch.webgpu.isAvailable();
torch.manualSeed(0);
const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)).to('webgpu');
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const x = torch.randn([64, 784]).to('webgpu');
const y = torch.randint(0, 10, [64]).to('webgpu');
const step = () => {
  opt.zeroGrad();
  const loss = nn.functional.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  return loss;
};
// warm-up step creates the optimizer state
step(); await torch.webgpu.synchronize();
const base = torch.webgpu.memoryAllocated();
torch.webgpu.resetPeakMemoryStats();
for (let i = 0; i < 20; i++) {
  const loss = useScope ? torch.webgpu.scope(step) : step();
  if (i === 19) console.log('loss', await loss.itemAsync());
}
await torch.webgpu.synchronize();
const MB = (b: number) => (b / 1e6).toFixed(2);
console.log(`scope=${useScope} params+grads+state live ${MB(base)} MB; after 20 steps allocated ${MB(torch.webgpu.memoryAllocated())} MB, peak ${MB(torch.webgpu.maxMemoryAllocated())} MB`);
torch.webgpu.dispose();
