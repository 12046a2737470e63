// Float32 accuracy of the native backend's Winograd F(2x2, 3x3) against a float64 reference on
// AlexNet's conv3-5 shapes (d2l 8.1 at 224x224: 12x12 maps, padding 1), forward, input gradient
// and weight gradient (a sum over all 36 x batch tiles), beside the direct kernel's: the largest
// error relative to the largest output (normwise), and the largest elementwise relative error
// among outputs above a tenth of the largest.
//   npx tsx scripts/winograd-error.ts [batch]

import * as torch from '../src/index.js';
import { nn, type Tensor } from '../src/index.js';
import { setNativeConvAlgorithm } from '../src/backend/native/index.js';

const F = nn.functional;
const batch = Number(process.argv[2] ?? 2);
torch.setBackend('native');
const layers = [
  { name: 'conv3 256->384', C: 256, O: 384 },
  { name: 'conv4 384->384', C: 384, O: 384 },
  { name: 'conv5 384->256', C: 384, O: 256 },
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

for (const { name, C, O } of layers) {
  torch.manualSeed(0);
  // PyTorch's default init scale (kaiming uniform, a = sqrt(5)): |w| < 1 / sqrt(C * 9); inputs after a ReLU.
  const x = torch.relu(torch.randn([batch, C, 12, 12]));
  const w = torch.rand([O, C, 3, 3]).sub(0.5).mul(2 / Math.sqrt(C * 9));
  const gy = torch.randn([batch, O, 12, 12]);
  const forward = (a: Tensor, b: Tensor) => torch.noGrad(() => F.conv2d(a, b, null, { padding: 1 }));
  const inputGrad = (g: Tensor, b: Tensor) => {
    const xi = torch.zeros([batch, C, 12, 12], { dtype: g.dtype }).requiresGrad_(true);
    return torch.autograd.grad(F.conv2d(xi, b, null, { padding: 1 }), [xi], { gradOutputs: g })[0];
  };
  const weightGrad = (a: Tensor, g: Tensor) => {
    const wi = torch.zeros([O, C, 3, 3], { dtype: g.dtype }).requiresGrad_(true);
    return torch.autograd.grad(F.conv2d(a, wi, null, { padding: 1 }), [wi], { gradOutputs: g })[0];
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
