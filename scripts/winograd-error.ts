// Float32 accuracy of the native backend's Winograd F(2x2, 3x3) against a float64 reference on
// AlexNet's conv2-5 shapes (d2l 8.1 at 224x224: conv2 5x5 on 26x26 maps, padding 2, its kernel
// split into four 3x3 blocks; conv3-5 3x3 on 12x12, padding 1), forward, input gradient and
// weight gradient (a sum over all of the batch's tiles), beside the direct kernel's: the largest
// error relative to the largest output (normwise), and the largest elementwise relative error
// among outputs above a tenth of the largest.
//   npx tsx scripts/winograd-error.ts [batch] [layer filter]

import * as torch from '../src/index.js';
import { nn, type Tensor } from '../src/index.js';
import { setNativeConvAlgorithm } from '../src/backend/native/index.js';

const F = nn.functional;
const batch = Number(process.argv[2] ?? 2);
const layerFilter = process.argv[3] ?? '';
torch.setBackend('native');
const layers = [
  { name: 'conv2 96->256 ', C: 96, O: 256, k: 5, size: 26 },
  { name: 'conv3 256->384', C: 256, O: 384, k: 3, size: 12 },
  { name: 'conv4 384->384', C: 384, O: 384, k: 3, size: 12 },
  { name: 'conv5 384->256', C: 384, O: 256, k: 3, size: 12 },
];

function errors(got: Tensor, want: Tensor): string {
  const g = got.toTypedArray(), w = want.toTypedArray();
  let maxAbs = 0, maxRef = 0;
  for (let i = 0; i < w.length; i++) maxRef = Math.max(maxRef, Math.abs(w[i]));
  let maxRel = 0;
  for (let i = 0; i < w.length; i++) {
    const e = Math.abs(g[i] - w[i]);
    maxAbs = Math.max(maxAbs, e);
    if (Math.abs(w[i]) > 0.1 * maxRef) maxRel = Math.max(maxRel, e / Math.abs(w[i]));
  }
  return `normwise ${(maxAbs / maxRef).toExponential(2)}, elementwise (|y| > max/10) ${maxRel.toExponential(2)}`;
}

for (const { name, C, O, k, size } of layers) {
  if (!name.includes(layerFilter)) continue;
  torch.manualSeed(0);
  // PyTorch's default init scale (kaiming uniform, a = sqrt(5)): |w| < 1 / sqrt(C * k * k); inputs after a ReLU.
  const padding = (k - 1) / 2;
  const x = torch.relu(torch.randn([batch, C, size, size]));
  const w = torch.rand([O, C, k, k]).sub(0.5).mul(2 / Math.sqrt(C * k * k));
  const gy = torch.randn([batch, O, size, size]);
  const forward = (a: Tensor, b: Tensor) => torch.noGrad(() => F.conv2d(a, b, null, { padding }));
  const inputGrad = (g: Tensor, b: Tensor) => {
    const xi = torch.zeros([batch, C, size, size], { dtype: g.dtype }).requiresGrad_(true);
    return torch.autograd.grad(F.conv2d(xi, b, null, { padding }), [xi], { gradOutputs: g })[0];
  };
  const weightGrad = (a: Tensor, g: Tensor) => {
    const wi = torch.zeros([O, C, k, k], { dtype: g.dtype }).requiresGrad_(true);
    return torch.autograd.grad(F.conv2d(a, wi, null, { padding }), [wi], { gradOutputs: g })[0];
  };
  const refY = forward(x.double(), w.double());
  const refDx = inputGrad(gy.double(), w.double());
  const refDw = weightGrad(x.double(), gy.double());
  for (const algorithm of ['winograd', 'direct'] as const) {
    setNativeConvAlgorithm(algorithm);
    console.log(`${name} ${algorithm.padEnd(8)} forward: ${errors(forward(x, w), refY)}; input grad: ${errors(inputGrad(gy, w), refDx)}; weight grad: ${errors(weightGrad(x, gy), refDw)}`);
  }
  setNativeConvAlgorithm('auto');
}
