// summary(model, inputSize): torchsummary's table, character for character.
//
// The rules are torchsummary 1.5.1's (sksq96/pytorch-summary, torchsummary/torchsummary.py):
// - a forward hook on every module except Sequential, ModuleList and the model itself (PyPI's
//   1.5.1 skips `module == model`: a notebook's `class MLP(nn.Module)` has no row of its own);
//   a row is written when a module's forward returns, so rows are in
//   completion order and keyed `<ClassName>-<row number>`; a module called twice gives two rows;
// - the forward runs on torch.rand(2, *inputSize) for each input (2 "for batchnorm");
// - Output Shape is the output's size with dim 0 replaced by batchSize (-1 by default); a module
//   returning a list or tuple shows `[]` and counts 1 element (torchsummary's own quirk, kept);
// - Param # is numel(module.weight) + numel(module.bias), whatever the module; trainable means
//   weight.requires_grad, and then the bias counts as trainable too;
// - sizes assume 4 bytes per number, MB = 2^20 bytes; Forward/backward pass = 2 x the sum of
//   every row's output elements (x2 for gradients); Input size = product of all input dims x
//   batchSize (a product across several inputs, as torchsummary computes it); negative values
//   from batchSize -1 are made positive with abs at the end.

import { Generator } from '../random/generator.js';
import { rand } from '../ops/creation.js';
import { noGrad } from '../autograd/grad_mode.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { Module, type RemovableHandle } from '../nn/module.js';
import { ModuleList, Sequential } from '../nn/modules/container.js';

/** Options of `summary`: batchSize (default -1, printed as torchsummary does), dtypes of the inputs. */
export interface SummaryOptions {
  /** The batch size shown in shapes and used for the input size; -1 (the default) shows `-1`. */
  batchSize?: number;
  /** One dtype per input (torchsummary's `dtypes`); float32 by default. */
  dtypes?: readonly DType[];
}

/** One row of the summary: the layer, its output shape and parameter count. */
export interface SummaryRow {
  /** `Linear-2`. */
  key: string;
  /** The output shape as printed (dim 0 replaced by the batch size); [] for list/tuple outputs. */
  outputShape: number[];
  params: number;
  /** Present when the module has a weight: whether it requires grad. */
  trainable?: boolean;
}

/** What `summary` returns: the printed text and its numbers (parameters, trainable, sizes in MB). */
export interface SummaryResult {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  inputSizeMB: number;
  forwardBackwardSizeMB: number;
  paramsSizeMB: number;
  totalSizeMB: number;
  /** The table exactly as torchsummary prints it (ending in a newline). */
  text: string;
}

/** Python's '{:,}'. */
export function thousands(n: number): string {
  const s = String(Math.abs(Math.trunc(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Python's '%0.2f' (and '{:.2f}'): the exact binary value rounded, ties to even. JavaScript's
 * toFixed rounds exact ties up, and exact ties do occur here: 0.125 MB is 32,768 floats. A tie at
 * two decimals is an odd multiple of 1/8, the only such fractions a double holds exactly.
 */
export function pyFixed2(x: number): string {
  const eighths = x * 8;
  if (Number.isInteger(eighths) && Math.abs(eighths) % 2 === 1 && Math.abs(x) < 2 ** 40) {
    const hundredths = Math.floor(x * 100); // x*100 = n + 0.5 exactly
    const even = hundredths % 2 === 0 ? hundredths : hundredths + 1;
    return (even / 100).toFixed(2);
  }
  return x.toFixed(2);
}

/** Python's str() of a list of ints. */
const pyList = (xs: readonly number[]) => `[${xs.join(', ')}]`;

/** Python's '{:>n}'. */
const right = (s: string, n: number) => s.padStart(n);

function weightLike(m: Module, name: 'weight' | 'bias'): Tensor | null {
  const v = (m as unknown as Record<string, unknown>)[name];
  return v instanceof Tensor ? v : null;
}

/** The random inputs torchsummary feeds: rand(2, *size) cast to each dtype. */
export function summaryInputs(inputSize: readonly number[] | readonly (readonly number[])[], dtypes?: readonly DType[]): Tensor[] {
  const sizes = normalizeSizes(inputSize);
  const gen = new Generator(0);
  return sizes.map((size, i) => {
    const x = rand([2, ...size], { generator: gen });
    const dtype = dtypes?.[i] ?? 'float32';
    return dtype === 'float32' ? x : x.to(dtype);
  });
}

export function normalizeSizes(inputSize: readonly number[] | readonly (readonly number[])[]): number[][] {
  return Array.isArray(inputSize[0]) ? (inputSize as number[][]).map((s) => [...s]) : [[...(inputSize as number[])]];
}

/** torchsummary.summary_string: the table and the counts, without printing. */
export function summaryString(model: Module, inputSize: readonly number[] | readonly (readonly number[])[], options: SummaryOptions = {}): SummaryResult {
  const batchSize = options.batchSize ?? -1;
  const sizes = normalizeSizes(inputSize);
  const rows: SummaryRow[] = [];
  const handles: RemovableHandle[] = [];
  model.apply((m) => {
    if (m instanceof Sequential || m instanceof ModuleList || m === model) return;
    handles.push(
      m.registerForwardHook((mod, _args, output) => {
        let outputShape: number[];
        if (Array.isArray(output)) outputShape = [];
        else {
          outputShape = [...(output as Tensor).shape];
          if (outputShape.length > 0) outputShape[0] = batchSize;
        }
        let params = 0;
        const row: SummaryRow = { key: `${mod.constructor.name}-${rows.length + 1}`, outputShape, params };
        const w = weightLike(mod, 'weight');
        if (w) {
          params += w.numel();
          row.trainable = w.requiresGrad;
        }
        const b = weightLike(mod, 'bias');
        if (b) params += b.numel();
        row.params = params;
        rows.push(row);
      }),
    );
  });
  const inputs = summaryInputs(sizes, options.dtypes);
  try {
    noGrad(() => model.call(...inputs));
  } finally {
    for (const h of handles) h.remove();
  }

  const rule = '-'.repeat(64);
  const double = '='.repeat(64);
  const lines: string[] = [rule, `${right('Layer (type)', 20)}  ${right('Output Shape', 25)} ${right('Param #', 15)}`, double];
  let totalParams = 0;
  let totalOutput = 0;
  let trainableParams = 0;
  for (const r of rows) {
    lines.push(`${right(r.key, 20)}  ${right(pyList(r.outputShape), 25)} ${right(thousands(r.params), 15)}`);
    totalParams += r.params;
    totalOutput += r.outputShape.reduce((a, b) => a * b, 1);
    if (r.trainable === true) trainableParams += r.params;
  }
  const MB = 1024 ** 2;
  const inputSizeMB = Math.abs((sizes.flat().reduce((a, b) => a * b, 1) * batchSize * 4) / MB);
  const forwardBackwardSizeMB = Math.abs((2 * totalOutput * 4) / MB);
  const paramsSizeMB = Math.abs((totalParams * 4) / MB);
  const totalSizeMB = paramsSizeMB + forwardBackwardSizeMB + inputSizeMB;
  lines.push(
    double,
    `Total params: ${thousands(totalParams)}`,
    `Trainable params: ${thousands(trainableParams)}`,
    `Non-trainable params: ${thousands(totalParams - trainableParams)}`,
    rule,
    `Input size (MB): ${pyFixed2(inputSizeMB)}`,
    `Forward/backward pass size (MB): ${pyFixed2(forwardBackwardSizeMB)}`,
    `Params size (MB): ${pyFixed2(paramsSizeMB)}`,
    `Estimated Total Size (MB): ${pyFixed2(totalSizeMB)}`,
    rule,
  );
  return {
    rows,
    totalParams,
    trainableParams,
    nonTrainableParams: totalParams - trainableParams,
    inputSizeMB,
    forwardBackwardSizeMB,
    paramsSizeMB,
    totalSizeMB,
    text: `${lines.join('\n')}\n`,
  };
}

/**
 * torchsummary.summary: prints the table (console.log, as Python's print adds one more newline
 * after summary_string's text) and returns the counts.
 */
export function summary(model: Module, inputSize: readonly number[] | readonly (readonly number[])[], options: SummaryOptions = {}): SummaryResult {
  const result = summaryString(model, inputSize, options);
  console.log(result.text);
  return result;
}
