// The 2-D toy data sets of TensorFlow Playground (src/dataset.ts), ported formula for formula, with
// dlab's seeded Generator in place of Math.random, plus two sets the playground never shipped: a
// sine regression (ties in the sin experiment) and a three-armed spiral for softmax classification.
// Browser-safe: imports only the core.

import { Generator } from '../random/generator.js';
import { uniformDouble } from '../random/sampling.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';

/** One point: coordinates and a label (TF Playground's Example2D). */
export interface Example2D {
  x: number;
  y: number;
  label: number;
}

/** TF Playground's generator signature, with the random stream made explicit. */
export type ToyGenerator = (numSamples: number, noise: number, gen: Generator) => Example2D[];

/** A sample from the uniform distribution on [a, b) (TF's randUniform). */
export function randUniform(gen: Generator, a: number, b: number): number {
  return uniformDouble(gen) * (b - a) + a;
}

/** TF's normalRandom: Marsaglia's polar method; `variance`, not the standard deviation. */
export function normalRandom(gen: Generator, mean = 0, variance = 1): number {
  let v1: number, v2: number, s: number;
  do {
    v1 = 2 * uniformDouble(gen) - 1;
    v2 = 2 * uniformDouble(gen) - 1;
    s = v1 * v1 + v2 * v2;
  } while (s > 1);
  const result = Math.sqrt((-2 * Math.log(s)) / s) * v1;
  return mean + Math.sqrt(variance) * result;
}

/** Fisher–Yates in place, TF's shuffle() order, drawing from `gen`. */
export function shuffle<T>(array: T[], gen: Generator): void {
  let counter = array.length;
  while (counter > 0) {
    const index = Math.floor(uniformDouble(gen) * counter);
    counter--;
    const temp = array[counter]!;
    array[counter] = array[index]!;
    array[index] = temp;
  }
}

const dist = (ax: number, ay: number, bx: number, by: number): number => Math.hypot(ax - bx, ay - by);

/** d3.scale.linear().domain([d0, d1]).range([r0, r1]), optionally clamped. */
function linearScale(d0: number, d1: number, r0: number, r1: number, clamp = false): (v: number) => number {
  return (v) => {
    let t = (v - d0) / (d1 - d0);
    if (clamp) t = Math.min(1, Math.max(0, t));
    return r0 + t * (r1 - r0);
  };
}

/** Two Gaussian blobs at (2, 2) (label 1) and (-2, -2) (label -1); noise widens them. */
export const classifyTwoGaussData: ToyGenerator = (numSamples, noise, gen) => {
  const points: Example2D[] = [];
  const variance = linearScale(0, 0.5, 0.5, 4)(noise);
  const genGauss = (cx: number, cy: number, label: number): void => {
    for (let i = 0; i < numSamples / 2; i++) {
      const x = normalRandom(gen, cx, variance);
      const y = normalRandom(gen, cy, variance);
      points.push({ x, y, label });
    }
  };
  genGauss(2, 2, 1);
  genGauss(-2, -2, -1);
  return points;
};

/**
 * TF's regressions: points uniform on [-6, 6]^2, each labelled by `label` at the point moved by
 * uniform noise (x, y, noiseX, noiseY drawn in that order).
 */
function noisyRegression(numSamples: number, noise: number, gen: Generator, label: (x: number, y: number) => number): Example2D[] {
  const radius = 6;
  const points: Example2D[] = [];
  for (let i = 0; i < numSamples; i++) {
    const x = randUniform(gen, -radius, radius);
    const y = randUniform(gen, -radius, radius);
    const noiseX = randUniform(gen, -radius, radius) * noise;
    const noiseY = randUniform(gen, -radius, radius) * noise;
    points.push({ x, y, label: label(x + noiseX, y + noiseY) });
  }
  return points;
}

/** Regression on a tilted plane: label = (x + y) / 10, measured at a noisy point. */
export const regressPlane: ToyGenerator = (numSamples, noise, gen) => {
  const labelScale = linearScale(-10, 10, -1, 1);
  return noisyRegression(numSamples, noise, gen, (x, y) => labelScale(x + y));
};

/** Regression on six signed bumps (TF's regressGaussian, "multi-gauss" in the UI). */
export const regressGaussian: ToyGenerator = (numSamples, noise, gen) => {
  const labelScale = linearScale(0, 2, 1, 0, true);
  const gaussians = [
    [-4, 2.5, 1],
    [0, 2.5, -1],
    [4, 2.5, 1],
    [-4, -2.5, -1],
    [0, -2.5, 1],
    [4, -2.5, -1],
  ] as const;
  const getLabel = (x: number, y: number): number => {
    // The bump that is largest in absolute value wins.
    let label = 0;
    for (const [cx, cy, sign] of gaussians) {
      const newLabel = sign * labelScale(dist(x, y, cx, cy));
      if (Math.abs(newLabel) > Math.abs(label)) label = newLabel;
    }
    return label;
  };
  return noisyRegression(numSamples, noise, gen, getLabel);
};

/** Two interleaved spirals (labels 1 and -1); noise jitters each point by up to ±noise. */
export const classifySpiralData: ToyGenerator = (numSamples, noise, gen) => {
  const points: Example2D[] = [];
  const n = numSamples / 2;
  const genSpiral = (deltaT: number, label: number): void => {
    for (let i = 0; i < n; i++) {
      const r = (i / n) * 5;
      const t = ((1.75 * i) / n) * 2 * Math.PI + deltaT;
      const x = r * Math.sin(t) + randUniform(gen, -1, 1) * noise;
      const y = r * Math.cos(t) + randUniform(gen, -1, 1) * noise;
      points.push({ x, y, label });
    }
  };
  genSpiral(0, 1);
  genSpiral(Math.PI, -1);
  return points;
};

/** A disc of radius 2.5 (label 1) inside a ring from 3.5 to 5 (label -1); noise mislabels. */
export const classifyCircleData: ToyGenerator = (numSamples, noise, gen) => {
  const points: Example2D[] = [];
  const radius = 5;
  const circleLabel = (x: number, y: number): number => (dist(x, y, 0, 0) < radius * 0.5 ? 1 : -1);
  const ring = (rMin: number, rMax: number): void => {
    for (let i = 0; i < numSamples / 2; i++) {
      const r = randUniform(gen, rMin, rMax);
      const angle = randUniform(gen, 0, 2 * Math.PI);
      const x = r * Math.sin(angle);
      const y = r * Math.cos(angle);
      const noiseX = randUniform(gen, -radius, radius) * noise;
      const noiseY = randUniform(gen, -radius, radius) * noise;
      points.push({ x, y, label: circleLabel(x + noiseX, y + noiseY) });
    }
  };
  ring(0, radius * 0.5); // positive points inside the circle
  ring(radius * 0.7, radius); // negative points outside
  return points;
};

/** XOR of the quadrants: label 1 where x * y >= 0, padded 0.3 away from the axes. */
export const classifyXORData: ToyGenerator = (numSamples, noise, gen) => {
  const padding = 0.3;
  const points: Example2D[] = [];
  for (let i = 0; i < numSamples; i++) {
    let x = randUniform(gen, -5, 5);
    x += x > 0 ? padding : -padding;
    let y = randUniform(gen, -5, 5);
    y += y > 0 ? padding : -padding;
    const noiseX = randUniform(gen, -5, 5) * noise;
    const noiseY = randUniform(gen, -5, 5) * noise;
    points.push({ x, y, label: (x + noiseX) * (y + noiseY) >= 0 ? 1 : -1 });
  }
  return points;
};

/**
 * Not in TF Playground: label = sin(x), measured at a noisy x as TF's regressions do, so a network
 * fits one period-and-a-bit of a sine over the plane (experiment 2 fits the same curve in 1-D).
 */
export const regressSine: ToyGenerator = (numSamples, noise, gen) => {
  const radius = 6;
  const points: Example2D[] = [];
  for (let i = 0; i < numSamples; i++) {
    const x = randUniform(gen, -radius, radius);
    const y = randUniform(gen, -radius, radius);
    const noiseX = randUniform(gen, -radius, radius) * noise;
    points.push({ x, y, label: Math.sin(x + noiseX) });
  }
  return points;
};

/**
 * Not in TF Playground: TF's spiral generalised to `classes` arms (labels 0 .. classes-1), for
 * softmax classification.
 */
export function classifyMultiSpiralData(numSamples: number, noise: number, gen: Generator, classes = 3): Example2D[] {
  const points: Example2D[] = [];
  const n = Math.floor(numSamples / classes);
  for (let k = 0; k < classes; k++) {
    const deltaT = (2 * Math.PI * k) / classes;
    for (let i = 0; i < n; i++) {
      const r = (i / n) * 5;
      const t = ((1.75 * i) / n) * 2 * Math.PI + deltaT;
      const x = r * Math.sin(t) + randUniform(gen, -1, 1) * noise;
      const y = r * Math.cos(t) + randUniform(gen, -1, 1) * noise;
      points.push({ x, y, label: k });
    }
  }
  return points;
}

/** Whether a toy set is classification or regression. */
export type ToyProblem = 'classification' | 'regression';

/** A toy set: its problem, classes, default size, generator and summary. */
export interface ToySpec {
  readonly problem: ToyProblem;
  /** Number of classes (1 for regression). */
  readonly classes: number;
  /** TF Playground's sample count for this kind of problem. */
  readonly defaultSamples: number;
  /** The raw generator; binary sets label with +1 / -1 as TF does. */
  readonly generate: ToyGenerator;
  readonly summary: string;
}

/** The toy sets by name. Binary classification labels are TF's ±1 in `generate`, 0/1 in toyData. */
export const toySets = {
  circle: { problem: 'classification', classes: 2, defaultSamples: 500, generate: classifyCircleData, summary: 'a disc inside a ring' },
  xor: { problem: 'classification', classes: 2, defaultSamples: 500, generate: classifyXORData, summary: 'quadrants, exclusive or' },
  gauss: { problem: 'classification', classes: 2, defaultSamples: 500, generate: classifyTwoGaussData, summary: 'two Gaussian blobs' },
  spiral: { problem: 'classification', classes: 2, defaultSamples: 500, generate: classifySpiralData, summary: 'two interleaved spirals' },
  multispiral: {
    problem: 'classification',
    classes: 3,
    defaultSamples: 501,
    generate: (n, noise, gen) => classifyMultiSpiralData(n, noise, gen, 3),
    summary: 'three interleaved spirals (softmax)',
  },
  plane: { problem: 'regression', classes: 1, defaultSamples: 1200, generate: regressPlane, summary: 'a tilted plane' },
  'multi-gauss': { problem: 'regression', classes: 1, defaultSamples: 1200, generate: regressGaussian, summary: 'six signed bumps' },
  sine: { problem: 'regression', classes: 1, defaultSamples: 1200, generate: regressSine, summary: 'sin(x1) over the plane' },
} as const satisfies Record<string, ToySpec>;

/** The names of TensorFlow Playground's toy sets. */
export type ToyName = keyof typeof toySets;
/** Every toy set's name. */
export const toyNames = Object.keys(toySets) as ToyName[];

/** Options of `toyData`: numSamples (500 or 1200, as TF Playground), noise (0, in [0, 0.5]), generator or seed (0), shuffle (true). */
export interface ToyDataOptions {
  /** Number of points (TF's defaults: 500 for classification, 1200 for regression). */
  numSamples?: number;
  /** TF's noise in [0, 0.5] (the UI's 0..50 divided by 100). */
  noise?: number;
  /** Random stream; a fresh Generator(seed) when omitted. */
  generator?: Generator;
  seed?: number;
  /** Shuffle the points as TF does before splitting into train and test (default true). */
  shuffle?: boolean;
}

/** A toy set: its points and what they are for. */
export interface ToyData {
  readonly name: string;
  readonly problem: ToyProblem;
  readonly classes: number;
  /** Points with class indices 0..classes-1 (classification) or real labels (regression). */
  readonly points: Example2D[];
}

/** Generate a toy set: labels as class indices (TF's -1 becomes class 0), shuffled like TF. */
export function toyData(name: ToyName, options: ToyDataOptions = {}): ToyData {
  const spec: ToySpec = toySets[name];
  if (!spec) throw new Error(`unknown toy data set '${String(name)}'; known: ${toyNames.join(', ')}`);
  const gen = options.generator ?? new Generator(options.seed ?? 0);
  const raw = spec.generate(options.numSamples ?? spec.defaultSamples, options.noise ?? 0, gen);
  const points =
    spec.problem === 'classification' && spec.classes === 2
      ? raw.map((p) => ({ x: p.x, y: p.y, label: p.label > 0 ? 1 : 0 }))
      : raw;
  if (options.shuffle ?? true) shuffle(points, gen);
  return { name, problem: spec.problem, classes: spec.classes, points };
}

/** Split like TF: the first `percTrain`% of the (shuffled) points train, the rest test. */
export function splitTrainTest<T>(points: readonly T[], percTrain: number): { train: T[]; test: T[] } {
  const splitIndex = Math.floor((points.length * percTrain) / 100);
  return { train: points.slice(0, splitIndex), test: points.slice(splitIndex) };
}

/** Points as tensors: X of shape [n, 2] (float32), y int64 class indices or float32 [n, 1] values. */
export function toyTensors(points: readonly Example2D[], problem: ToyProblem): { X: Tensor; y: Tensor } {
  const X = tensor(points.map((p) => [p.x, p.y]), { dtype: 'float32' }).reshape(-1, 2);
  const y =
    problem === 'classification'
      ? tensor(points.map((p) => p.label), { dtype: 'int64' })
      : tensor(points.map((p) => [p.label]), { dtype: 'float32' }).reshape(-1, 1);
  return { X, y };
}
