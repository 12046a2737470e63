// modelInfo(model, inputSize): a richer summary in the manner of torchinfo: nested modules with
// their depth and index, input and output shapes, kernel shapes, parameter counts and shares,
// mult-adds and trainable flags, as a typed object and as text.
//
// Rules (where they differ from torchsummary, on purpose):
// - parameters are counted per module over its whole subtree, each tensor once: a parameter
//   tied between two modules is listed under the first and counted once in the totals;
// - a module called several times gets one row (shapes from the first call, mult-adds summed);
// - mult-adds: a module with a weight of 2+ dims does numel(output) x numel(weight) / out-dim
//   multiply-adds (Linear: rows x in x out; Conv: output positions x in/groups x kernel), an
//   Embedding does none; others count 0;
// - sizes: MB = 10^6 bytes as torchinfo; parameters and the input at their own dtype; the
//   forward/backward pass is 2 x the outputs of the leaf modules (x2 for gradients).

import { noGrad } from '../autograd/grad_mode.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { Module, type RemovableHandle } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { normalizeSizes, pyFixed2, summaryInputs, thousands } from './summary.js';

/** One layer of `modelInfo`: depth, name, shapes, parameters, kernel size, mult-adds. */
export interface LayerInfo {
  /** Dotted name ('' for the model). */
  name: string;
  className: string;
  depth: number;
  /** 1-based position among its parent's children (0 for the model). */
  index: number;
  inputShape: number[] | null;
  outputShape: number[] | null;
  kernelShape: number[] | null;
  /** Parameters of this module's subtree, each tensor once, not already listed above it. */
  params: number;
  /** Parameters held by this module itself. */
  ownParams: number;
  paramsPercent: number;
  multAdds: number;
  /** All of its parameters require grad (null when it has none). */
  trainable: boolean | null;
  isLeaf: boolean;
  calls: number;
}

/** What `modelInfo` returns: layers, totals, mult-adds and sizes. */
export interface ModelInfo {
  layers: LayerInfo[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  totalMultAdds: number;
  inputBytes: number;
  forwardBackwardBytes: number;
  paramsBytes: number;
  totalBytes: number;
  text: string;
}

/** Options of `modelInfo`: batchSize (default 1), depth (3), input dtypes. */
export interface ModelInfoOptions {
  batchSize?: number;
  dtypes?: readonly DType[];
  /** Rows deeper than this are left out of the text (still counted). Default 3. */
  depth?: number;
}

const shapeOf = (v: unknown): number[] | null => (v instanceof Tensor ? [...v.shape] : Array.isArray(v) && v[0] instanceof Tensor ? [...(v[0] as Tensor).shape] : null);

/** torchinfo's `summary`: a nested view of the model (depth levels), shapes, kernel sizes, parameters, their share and mult-adds. */
export function modelInfo(model: Module, inputSize: readonly number[] | readonly (readonly number[])[], options: ModelInfoOptions = {}): ModelInfo {
  const batch = options.batchSize ?? 1;
  const maxDepth = options.depth ?? 3;
  const sizes = normalizeSizes(inputSize);
  const layers: LayerInfo[] = [];
  const byModule = new Map<Module, LayerInfo>();
  const seenParams = new Set<Parameter>();
  const visit = (m: Module, name: string, depth: number, index: number) => {
    const own = m.parameters({ recurse: false });
    const row: LayerInfo = {
      name,
      className: m.constructor.name,
      depth,
      index,
      inputShape: null,
      outputShape: null,
      kernelShape: null,
      params: 0,
      ownParams: own.filter((p) => !seenParams.has(p)).reduce((a, p) => a + p.numel(), 0),
      paramsPercent: 0,
      multAdds: 0,
      trainable: null,
      isLeaf: m.children().length === 0,
      calls: 0,
    };
    const sub = m.parameters();
    const fresh = sub.filter((p) => !seenParams.has(p));
    // Parameters not seen in an earlier subtree: a tied one counts where it first appears.
    layers.push(row);
    byModule.set(m, row);
    const w = (m as unknown as { weight?: unknown }).weight;
    if (w instanceof Tensor && w.ndim >= 2) row.kernelShape = [...w.shape];
    if (sub.length > 0) row.trainable = sub.every((p) => p.requiresGrad);
    m.namedChildren().forEach(([k, c], i) => {
      if (!byModule.has(c)) visit(c, name ? `${name}.${k}` : k, depth + 1, i + 1);
    });
    row.params = fresh.reduce((a, p) => a + p.numel(), 0);
    for (const p of fresh) seenParams.add(p);
  };
  visit(model, '', 0, 0);

  const handles: RemovableHandle[] = [];
  for (const [m, row] of byModule) {
    handles.push(
      m.registerForwardHook((mod, args, output) => {
        row.calls++;
        if (row.calls === 1) {
          row.inputShape = shapeOf(args[0]);
          row.outputShape = shapeOf(output);
        }
        const w = (mod as unknown as { weight?: unknown }).weight;
        if (w instanceof Tensor && w.ndim >= 2 && row.className !== 'Embedding' && output instanceof Tensor) {
          row.multAdds += (output.numel() * w.numel()) / w.shape[0];
        }
      }),
    );
  }
  const inputs = summaryInputs(sizes, options.dtypes).map((x) => x.narrow(0, 0, 1).expand(batch, ...x.shape.slice(1)).contiguous());
  try {
    noGrad(() => model.call(...inputs));
  } finally {
    for (const h of handles) h.remove();
  }

  const all = model.parameters();
  const totalParams = all.reduce((a, p) => a + p.numel(), 0);
  const trainableParams = all.filter((p) => p.requiresGrad).reduce((a, p) => a + p.numel(), 0);
  for (const r of layers) r.paramsPercent = totalParams > 0 ? (100 * r.ownParams) / totalParams : 0;
  const totalMultAdds = layers.reduce((a, r) => a + r.multAdds, 0);
  const inputBytes = inputs.reduce((a, x) => a + x.numel() * x.elementSize(), 0);
  const forwardBackwardBytes = 2 * layers.filter((r) => r.isLeaf && r.outputShape).reduce((a, r) => a + r.outputShape!.reduce((x, y) => x * y, 1) * 4, 0);
  const paramsBytes = all.reduce((a, p) => a + p.numel() * p.elementSize(), 0);
  const totalBytes = inputBytes + forwardBackwardBytes + paramsBytes;

  const fmtShape = (s: number[] | null) => (s ? `[${s.join(', ')}]` : '--');
  const cols = [
    ['Layer (type:depth-idx)', 40],
    ['Input Shape', 20],
    ['Output Shape', 20],
    ['Kernel Shape', 16],
    ['Param #', 12],
    ['Param %', 9],
    ['Mult-Adds', 14],
    ['Trainable', 9],
  ] as const;
  const width = cols.reduce((a, [, w]) => a + w + 1, 0) - 1;
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(cols[i][1]) : c.padStart(cols[i][1]))).join(' ').trimEnd();
  const out: string[] = ['='.repeat(width), line(cols.map(([h]) => h)), '='.repeat(width)];
  for (const r of layers) {
    if (r.depth > maxDepth) continue;
    const label = r.depth === 0 ? r.className : `${'│    '.repeat(r.depth - 1)}├─${r.className}: ${r.depth}-${r.index}`;
    const shown = r.isLeaf || r.depth === maxDepth ? r.params : r.ownParams;
    out.push(
      line([
        label,
        fmtShape(r.inputShape),
        fmtShape(r.outputShape),
        fmtShape(r.kernelShape),
        shown === 0 ? '--' : thousands(shown),
        r.ownParams === 0 ? '--' : `${pyFixed2(r.paramsPercent)}%`,
        r.multAdds === 0 ? '--' : thousands(r.multAdds),
        r.trainable === null ? '--' : r.trainable ? 'True' : 'False',
      ]),
    );
  }
  const MB = 1e6;
  out.push(
    '='.repeat(width),
    `Total params: ${thousands(totalParams)}`,
    `Trainable params: ${thousands(trainableParams)}`,
    `Non-trainable params: ${thousands(totalParams - trainableParams)}`,
    `Total mult-adds (M): ${pyFixed2(totalMultAdds / 1e6)}`,
    '='.repeat(width),
    `Input size (MB): ${pyFixed2(inputBytes / MB)}`,
    `Forward/backward pass size (MB): ${pyFixed2(forwardBackwardBytes / MB)}`,
    `Params size (MB): ${pyFixed2(paramsBytes / MB)}`,
    `Estimated Total Size (MB): ${pyFixed2(totalBytes / MB)}`,
    '='.repeat(width),
  );
  return {
    layers,
    totalParams,
    trainableParams,
    nonTrainableParams: totalParams - trainableParams,
    totalMultAdds,
    inputBytes,
    forwardBackwardBytes,
    paramsBytes,
    totalBytes,
    text: `${out.join('\n')}\n`,
  };
}
