// Experiment 2: fit y = sin(x) on [-pi, pi] with a polynomial trained by SGD, and measure three
// lessons: (a) why small batches train unstably (the minibatch gradient's spread, the loss
// curves for batch sizes 1, 8, 64 and the full batch), (b) why extrapolation to [-3pi, 3pi]
// fails (error inside vs outside the training range), (c) which remedies work on the wide range:
// a wider range with input scaling, a higher degree in a well-conditioned (Chebyshev) basis,
// range reduction by periodicity, and periodic (Fourier) features. Every number in the report's
// answers is measured in the run; nothing is assumed.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { DataLoader, TensorDataset } from '../../data/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, useDevice } from '../device.js';
import { defineExperiment, finiteLoss, type RunContext } from '../experiment.js';
import { StepValues, stepScope } from '../step-values.js';
import type { Device } from '../../tensor/device.js';

const PI = Math.PI;

/** How x becomes the model's inputs (a bias is always added by nn.Linear). */
type Basis = { kind: 'monomial' | 'chebyshev'; degree: number; scale: number } | { kind: 'fourier'; harmonics: number };

const reduce = (x: number) => x - 2 * PI * Math.round(x / (2 * PI));

function featureRow(x: number, basis: Basis): number[] {
  if (basis.kind === 'fourier') {
    return Array.from({ length: 2 * basis.harmonics }, (_, i) => {
      const k = Math.floor(i / 2) + 1;
      return i % 2 === 0 ? Math.sin(k * x) : Math.cos(k * x);
    });
  }
  const t = x / basis.scale; // input scaling: the training range becomes [-1, 1]
  const out: number[] = [];
  if (basis.kind === 'monomial') {
    for (let k = 1, p = t; k <= basis.degree; k++, p *= t) out.push(p);
  } else {
    // T_0 = 1 is the bias; T_{k+1} = 2t T_k - T_{k-1}.
    let [prev, cur] = [1, t];
    for (let k = 1; k <= basis.degree; k++) {
      out.push(cur);
      [prev, cur] = [cur, 2 * t * cur - prev];
    }
  }
  return out;
}

function features(xs: readonly number[], basis: Basis): Tensor {
  const rows = xs.map((x) => featureRow(x, basis));
  return torch.tensor(Float32Array.from(rows.flat())).reshape(xs.length, rows[0].length);
}

const column = (ys: readonly number[]) => torch.tensor(Float32Array.from(ys)).reshape(ys.length, 1);
const values = (t: Tensor) => (t.reshape(-1).tolist() as number[]).map(Number);

/** Eigenvalues (ascending) of a small symmetric matrix: torch.linalg.eigvalsh in float64. */
export function symmetricEigenvalues(a: number[][]): number[] {
  return torch.linalg.eigvalsh(torch.tensor(a, { dtype: 'float64', device: 'cpu' })).tolist() as number[];
}

/** The Gram matrix E[phi phi^T] of the inputs with the bias column; its spread sets SGD's pace. */
function gram(xs: readonly number[], basis: Basis): number[][] {
  const rows = xs.map((x) => [1, ...featureRow(x, basis)]);
  const d = rows[0].length;
  const g = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) g[i][j] += (r[i] * r[j]) / rows.length;
  return g;
}

interface Fitted {
  model: nn.Linear;
  basis: Basis;
  /** Maps x before the features (range reduction). */
  pre?: (x: number) => number;
}

/** The model's outputs at xs, computed where the model is (one read). */
async function predict(f: Fitted, xs: readonly number[]): Promise<number[]> {
  const x = features(xs.map(f.pre ?? ((x) => x)), f.basis).to(f.model.weight.device);
  return ((await torch.noGrad(() => f.model.call(x)).reshape(-1).tolistAsync()) as number[]).map(Number);
}

function rmse(pred: readonly number[], xs: readonly number[], keep: (x: number) => boolean): number {
  let s = 0;
  let n = 0;
  xs.forEach((x, i) => {
    if (!keep(x)) return;
    s += (pred[i] - Math.sin(x)) ** 2;
    n++;
  });
  return Math.sqrt(s / n);
}

/**
 * Full-batch gradient descent with momentum 0.9 and lr = 1 / lambda_max of the Gram matrix (the
 * largest stable-by-a-margin step for the MSE's Hessian 2 * Gram): the same recipe for every basis,
 * so what differs between them is only how well conditioned their inputs are.
 */
async function fitFullBatch(ctx: RunContext, xs: readonly number[], basis: Basis, steps: number, seed: number, device: Device): Promise<nn.Linear> {
  torch.manualSeed(seed);
  const X = features(xs, basis).to(device);
  const y = column(xs.map(Math.sin)).to(device);
  // Made on the CPU (the same draws), then moved.
  const model = new nn.Linear(X.shape[1], 1).to(device);
  // Each step's loss, checked finite: on a GPU read every 64 steps (one await each).
  const losses = new StepValues<{ epoch: number; step: number }>(device, (value, at) => void finiteLoss(value, at));
  const lambdaMax = symmetricEigenvalues(gram(xs, basis)).at(-1)!;
  const opt = new optim.SGD(model.parameters(), { lr: 1 / lambdaMax, momentum: 0.9 });
  const lossFn = new nn.MSELoss();
  for (let step = 1; step <= steps; step++) {
    losses.run(() => {
      const loss = lossFn.call(model.call(X), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.add(loss, { epoch: 0, step });
    });
    if (losses.due) await losses.read();
    if (step % 200 === 0) await ctx.checkpoint({}, { epoch: 0, step });
  }
  await losses.read();
  return model;
}

export const sin = defineExperiment({
  name: 'sin',
  summary: 'fit sin(x) with polynomials by SGD: why small batches are unstable, why extrapolation fails, what fixes it',
  options: {
    points: { default: 256, integer: true, min: 2, help: 'training points, uniform on [-pi, pi]' },
    lr: { default: 0.1, positive: true, help: 'SGD learning rate of the batch-size comparison (a)' },
    epochs: { default: 20, integer: true, min: 1, help: 'epochs of the batch-size comparison (a)' },
    steps: { default: 3000, integer: true, min: 1, help: 'full-batch steps of each fit in (b) and (c)' },
    degree: { default: 15, integer: true, min: 1, help: 'degree of the wide-range polynomials in (c)' },
    harmonics: { default: 3, integer: true, min: 1, help: 'Fourier features: sin(kx), cos(kx) for k = 1..harmonics' },
    seed: { default: 0, integer: true, min: 0, help: 'random seed' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    const metrics: Record<string, number> = {};
    torch.manualSeed(o.seed);
    const xs = values(torch.rand(o.points)).map((u) => (2 * u - 1) * PI);
    const cubic: Basis = { kind: 'monomial', degree: 3, scale: PI };

    // ---- (a) batch sizes: the gradient estimate's spread, and the loss curves it causes
    const X = features(xs, cubic);
    const Y = column(xs.map(Math.sin));
    const [Xd, Yd] = [X.to(device), Y.to(device)];
    const lossFn = new nn.MSELoss();
    const batchSizes = [1, 8, 64, o.points];
    const name = (b: number) => (b === o.points ? 'full' : `b${b}`);
    torch.manualSeed(o.seed + 1);
    const init = new nn.Linear(3, 1).stateDict();
    // The gradient of a minibatch (all points: null) as one vector where the model is; read below
    // with the others of its batch size in one read.
    const gradOf = (model: nn.Linear, idx: readonly number[] | null): Tensor => {
      model.zeroGrad();
      const index = idx && torch.tensor(idx.slice()).to(device);
      const x = index ? Xd.indexSelect(0, index) : Xd;
      const y = index ? Yd.indexSelect(0, index) : Yd;
      lossFn.call(model.call(x), y).backward();
      return torch.cat([model.weight.grad!.reshape(-1), model.bias!.grad!.reshape(-1)]);
    };
    const rows = async (gs: Tensor[]) => (await torch.stack(gs).tolistAsync()) as number[][];
    const probe = new nn.Linear(3, 1);
    probe.loadStateDict(init);
    probe.to(device);
    const draw = (idx: readonly number[] | null) => stepScope(device, () => gradOf(probe, idx));
    const [full] = await rows([draw(null)]);
    const norm = (v: number[]) => Math.sqrt(v.reduce((s, a) => s + a * a, 0));
    const spreadPoints: { x: number; y: number; series: string }[] = [];
    const draws = 200;
    for (const b of batchSizes) {
      let sq = 0;
      if (b < o.points) {
        const gs: Tensor[] = [];
        for (let k = 0; k < draws; k++) gs.push(draw(values(torch.randperm(o.points)).slice(0, b)));
        for (const g of await rows(gs)) sq += g.reduce((s, gi, i) => s + (gi - full[i]) ** 2, 0);
      }
      const spread = Math.sqrt(sq / draws) / norm(full);
      metrics[`grad_spread_${name(b)}`] = spread;
      if (b < o.points) spreadPoints.push({ x: b, y: spread, series: 'measured' });
    }
    const c = metrics.grad_spread_b1;
    // Sampling B of N without replacement: the error's RMS falls like sqrt((N - B) / ((N - 1) B)).
    for (const b of [1, 2, 4, 8, 16, 32, 64, 128].filter((v) => v < o.points)) {
      spreadPoints.push({ x: b, y: c * Math.sqrt((o.points - b) / ((o.points - 1) * b)), series: '1/sqrt(B) law from batch 1' });
    }

    const curves: { x: number; y: number; series: string }[] = [];
    for (const b of batchSizes) {
      torch.manualSeed(o.seed + 2);
      const model = new nn.Linear(3, 1);
      model.loadStateDict(init);
      model.to(device);
      const opt = new optim.SGD(model.parameters(), { lr: o.lr });
      const loader = new DataLoader(new TensorDataset(X, Y), { batchSize: b, shuffle: true });
      const fullLoss = () => torch.noGrad(() => lossFn.call(model.call(Xd), Yd));
      const record = Math.max(1, Math.floor(o.points / 64 / b)); // about 64 points per epoch at most
      const series = `batch ${b === o.points ? `${b} (full)` : b}`;
      // Each step's loss (checked finite), the full-data loss every `record` steps (the curve) and at
      // each epoch's end (logged): on a GPU all kept there and read every 64 values and at the
      // epoch's end, so the curve has every point it has on the CPU.
      const losses: number[] = [];
      let last = NaN;
      const recorded = new StepValues<{ epoch: number; step: number } | { x: number } | { logged: number }>(device, (value, what) => {
        if ('step' in what) finiteLoss(value, what);
        else if ('x' in what) {
          losses.push(value);
          curves.push({ x: what.x, y: value, series });
        } else {
          last = value;
          ctx.log({ [`loss_${name(b)}`]: value }, { epoch: what.logged });
        }
      });
      recorded.run(() => recorded.add(fullLoss(), { x: 0 }));
      let step = 0;
      for (let epoch = 1; epoch <= o.epochs; epoch++) {
        for (const [x, y] of loader) {
          recorded.run(() => {
            const loss = lossFn.call(model.call(x.to(device)), y.to(device));
            opt.zeroGrad();
            loss.backward();
            opt.step();
            step++;
            recorded.add(loss, { epoch, step });
            if (step % record === 0) recorded.add(fullLoss(), { x: (step * b) / o.points });
          });
          if (recorded.due) await recorded.read();
          if (step % 256 === 0) await ctx.checkpoint({}, { epoch, step });
        }
        recorded.run(() => recorded.add(fullLoss(), { logged: epoch }));
        await recorded.read();
      }
      const ups = losses.slice(1).filter((v, i) => v > losses[i]).length;
      metrics[`loss_up_fraction_${name(b)}`] = ups / (losses.length - 1);
      // The model has not moved since the last epoch's loss.
      metrics[`final_loss_${name(b)}`] = last;
      metrics[`steps_${name(b)}`] = step;
    }

    // ---- (b) extrapolation: fits on [-pi, pi], evaluated on [-3pi, 3pi]
    const grid = Array.from({ length: 1201 }, (_, i) => -3 * PI + (6 * PI * i) / 1200);
    const inside = (x: number) => Math.abs(x) <= PI;
    const outside = (x: number) => !inside(x);
    const record = async (key: string, f: Fitted) => {
      const p = await predict(f, grid);
      metrics[`in_rmse_${key}`] = rmse(p, grid, inside);
      metrics[`out_rmse_${key}`] = rmse(p, grid, outside);
      return p;
    };
    const clip = (v: number) => Math.max(-3, Math.min(3, v));
    const extrapolation: { x: number; y: number; series: string }[] = grid.filter((_, i) => i % 4 === 0).map((x) => ({ x, y: Math.sin(x), series: 'sin(x)' }));
    const fitted: Record<number, Fitted> = {};
    for (const degree of [3, 5, 7]) {
      const basis: Basis = { kind: 'monomial', degree, scale: PI };
      fitted[degree] = { model: await fitFullBatch(ctx, xs, basis, o.steps, o.seed, device), basis };
      const p = await record(degree === 3 ? 'cubic' : `degree${degree}`, fitted[degree]);
      grid.forEach((x, i) => i % 4 === 0 && extrapolation.push({ x, y: clip(p[i]), series: `degree ${degree}` }));
    }

    // ---- (c) remedies, each judged on the whole of [-3pi, 3pi]
    const wideXs = xs.map((x) => 3 * x);
    const wideMono: Basis = { kind: 'monomial', degree: o.degree, scale: 3 * PI };
    const wideCheb: Basis = { kind: 'chebyshev', degree: o.degree, scale: 3 * PI };
    const fourier: Basis = { kind: 'fourier', harmonics: o.harmonics };
    const remedies: [string, string, Fitted][] = [
      ['wide_monomial', `wider range [-3pi, 3pi], input scaled to [-1, 1], degree ${o.degree} monomials`, { model: await fitFullBatch(ctx, wideXs, wideMono, o.steps, o.seed, device), basis: wideMono }],
      ['chebyshev', `wider range [-3pi, 3pi], input scaled, degree ${o.degree} Chebyshev basis`, { model: await fitFullBatch(ctx, wideXs, wideCheb, o.steps, o.seed, device), basis: wideCheb }],
      ['range_reduction', 'range reduction: x - 2pi round(x / 2pi), then the degree-5 fit from (b)', { ...fitted[5], pre: reduce }],
      ['fourier', `Fourier features sin(kx), cos(kx), k = 1..${o.harmonics}, trained on [-pi, pi] only`, { model: await fitFullBatch(ctx, xs, fourier, o.steps, o.seed, device), basis: fourier }],
    ];
    const remedyPoints: { x: number; y: number; series: string }[] = grid.filter((_, i) => i % 4 === 0).map((x) => ({ x, y: Math.sin(x), series: 'sin(x)' }));
    for (const [key, , f] of remedies) {
      const p = await record(key, f);
      metrics[`wide_rmse_${key}`] = rmse(p, grid, () => true);
      grid.forEach((x, i) => i % 4 === 0 && remedyPoints.push({ x, y: Math.max(-2, Math.min(2, p[i])), series: key }));
    }
    for (const [key, basis] of [['monomial', wideMono], ['chebyshev', wideCheb]] as const) {
      const eig = symmetricEigenvalues(gram(wideXs, basis));
      metrics[`cond_${key}`] = eig.at(-1)! / Math.max(eig[0], Number.MIN_VALUE);
    }

    const cubicWide = rmse(await predict(fitted[3], grid), grid, () => true);

    // ---- the report: each answer next to its numbers
    const f = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(+v.toPrecision(3)));
    const pct = (v: number) => `${Math.round(v * 100)}%`;
    ctx.artifact('a-loss-curves', {
      kind: 'chart',
      title: '(a) Training loss for batch sizes 1, 8, 64 and the full batch',
      spec: lineChart('full-data MSE while training the cubic (same lr)', curves, { x: 'epoch', y: 'MSE (log)', logY: true, width: 460 }),
      caption: `SGD, lr ${o.lr}, ${o.epochs} epochs, ${o.points} points; the loss on all points, recorded along the way.`,
    });
    ctx.artifact('a-gradient-spread', {
      kind: 'chart',
      title: '(a) Spread of the minibatch gradient',
      spec: lineChart('relative error of the minibatch gradient at the start', spreadPoints, { x: 'batch size', y: '|g_B - g| / |g|', logX: true, logY: true }),
      caption: `RMS over ${draws} random minibatches of |g_B - g| / |g| at the initial weights (the full batch has none), against the 1/sqrt(B) law of sampling without replacement.`,
    });
    ctx.artifact('a-answer', {
      kind: 'text',
      title: '(a) Why do small batches train unstably?',
      paragraphs: [
        `Because the minibatch gradient is only an estimate of the full gradient, and its error shrinks like 1/sqrt(B). Measured at the initial weights, ` +
          `the gradient from one example is off by ${pct(metrics.grad_spread_b1)} of the true gradient's length, from 8 by ${pct(metrics.grad_spread_b8)}, ` +
          `from 64 by ${pct(metrics.grad_spread_b64)}, and the full batch by ${pct(metrics.grad_spread_full)}.`,
        `With the same learning rate, every step moves the weights by lr times that noisy estimate, so the loss on the whole data set goes up ` +
          `on ${pct(metrics.loss_up_fraction_b1)} of the recorded steps at batch 1, ${pct(metrics.loss_up_fraction_b8)} at 8, ${pct(metrics.loss_up_fraction_b64)} at 64, ` +
          `and ${pct(metrics.loss_up_fraction_full)} with the full batch. Final losses after ${o.epochs} epochs: ${f(metrics.final_loss_b1)} (batch 1, ${metrics.steps_b1} steps), ` +
          `${f(metrics.final_loss_b8)} (8), ${f(metrics.final_loss_b64)} (64), ${f(metrics.final_loss_full)} (full, ${metrics.steps_full} steps): small batches take many more ` +
          'steps per epoch, so they get further, but they bounce around the minimum instead of settling; a smaller lr (or a larger batch) calms them.',
      ],
    });
    ctx.artifact('b-extrapolation', {
      kind: 'chart',
      title: '(b) Fits on [-pi, pi], evaluated on [-3pi, 3pi]',
      spec: lineChart('polynomial fits vs sin(x) (clipped to [-3, 3])', extrapolation, { x: 'x', y: 'y', yDomain: [-3, 3], width: 520 }),
      caption: 'Trained on [-pi, pi] (about -3.14 to 3.14) only; outside it every polynomial runs off.',
    });
    ctx.artifact('b-answer', {
      kind: 'text',
      title: '(b) Why does extrapolation fail?',
      paragraphs: [
        `Inside the training range the fits are good: RMSE ${f(metrics.in_rmse_cubic)} (cubic), ${f(metrics.in_rmse_degree5)} (degree 5), ${f(metrics.in_rmse_degree7)} (degree 7). ` +
          `Outside it, on [-3pi, -pi) and (pi, 3pi], the same models are off by ${f(metrics.out_rmse_cubic)}, ${f(metrics.out_rmse_degree5)} and ${f(metrics.out_rmse_degree7)}.`,
        'A polynomial of degree d grows like |x|^d once x leaves the data, while sin(x) stays between -1 and 1: nothing in the training points ' +
          'tells the model that the function repeats, and the higher the degree (the better the fit inside), the faster it runs off outside.',
      ],
    });
    ctx.artifact('c-remedies', {
      kind: 'chart',
      title: '(c) Remedies on [-3pi, 3pi]',
      spec: lineChart('remedies vs sin(x) (clipped to [-2, 2])', remedyPoints, { x: 'x', y: 'y', yDomain: [-2, 2], width: 520 }),
    });
    ctx.artifact('c-table', {
      kind: 'table',
      title: '(c) Error of each remedy (RMSE against sin)',
      columns: ['remedy', 'inside [-pi, pi]', 'outside, to ±3pi', 'whole [-3pi, 3pi]'],
      rows: [
        ['no remedy: cubic on [-pi, pi]', metrics.in_rmse_cubic, metrics.out_rmse_cubic, cubicWide],
        ...remedies.map(([key, label]) => [label, metrics[`in_rmse_${key}`], metrics[`out_rmse_${key}`], metrics[`wide_rmse_${key}`]] as (string | number)[]),
      ],
      caption: `Each polynomial fit: ${o.steps} full-batch steps of SGD with momentum 0.9, lr = 1 / largest eigenvalue of the inputs' Gram matrix.`,
    });
    ctx.artifact('c-answer', {
      kind: 'text',
      title: '(c) What extends the range?',
      paragraphs: [
        `Training on the wider range with the input scaled to [-1, 1] and degree ${o.degree} monomials: RMSE ${f(metrics.wide_rmse_wide_monomial)} on [-3pi, 3pi]. ` +
          `It can only work with a degree high enough for three periods, and in monomials SGD barely moves the high-order terms: the Gram matrix of the inputs ` +
          `has condition number ${f(metrics.cond_monomial)}, so the slow directions need that many times more steps than the fast ones.`,
        `The same degree in the Chebyshev basis (condition number ${f(metrics.cond_chebyshev)}) trains in the same number of steps to RMSE ${f(metrics.wide_rmse_chebyshev)}: ` +
          'a well-conditioned basis is what makes a high degree usable. It is still only valid where there was data.',
        `Range reduction uses the periodicity: every x is mapped into [-pi, pi] first, so the degree-5 fit from (b) is used only where it was trained; ` +
          `its error outside becomes ${f(metrics.out_rmse_range_reduction)} (inside ${f(metrics.in_rmse_range_reduction)}), and it would hold for any x.`,
        `Periodic (Fourier) features build the periodicity into the model: trained on [-pi, pi] only, the error outside is ${f(metrics.out_rmse_fourier)} ` +
          `(inside ${f(metrics.in_rmse_fourier)}). When the structure of the function is known, putting it into the inputs beats any amount of degree.`,
      ],
    });
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(metrics)) out[k] = +v.toPrecision(6);
    return out;
  },
});

