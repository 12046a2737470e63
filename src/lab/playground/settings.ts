// Every setting of the playground, its default and its place in the URL hash. The hash keys of the
// settings TensorFlow Playground has are its own (learningRate, networkShape, x, y, xTimesY, ...),
// so a link from that page opens here with the same experiment. Pure data, no DOM.

import { toySets, type ToyName, type ToyProblem } from '../../datasets/toy.js';

export const activations = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export type Activation = (typeof activations)[number];
export const regularizations = ['none', 'L1', 'L2'] as const;
export type Regularization = (typeof regularizations)[number];
export const optimizers = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof optimizers)[number];
export const schedules = ['constant', 'step', 'exponential', 'cosine'] as const;
export type Schedule = (typeof schedules)[number];
export const problems = ['classification', 'regression'] as const satisfies readonly ToyProblem[];
/** Where the model trains: the CPU (dlab's CPU backend) or the GPU through WebGPU. */
export const devices = ['cpu', 'webgpu'] as const;
/** A device the playground trains on (its `device` setting). */
export type PlaygroundDevice = (typeof devices)[number];

/** The built-in input features, by their TF Playground hash key (cosX/cosY are dlab's). */
export const featureKeys = ['x', 'y', 'xSquared', 'ySquared', 'xTimesY', 'sinX', 'sinY', 'cosX', 'cosY'] as const;
export type FeatureKey = (typeof featureKeys)[number];

/** Data set names: the toy sets, plus 'custom' for uploaded or drawn points. */
export type DatasetName = ToyName | 'custom';

export interface Settings {
  problem: ToyProblem;
  dataset: DatasetName;
  /** Percent of the points used for training (TF's percTrainData, 10..90). */
  percTrainData: number;
  /** TF's noise slider, 0..50 (divided by 100 for the generators). */
  noise: number;
  /** Number of points generated (TF fixes 500 / 1200; 0 means that default). */
  numSamples: number;
  batchSize: number;
  seed: number;
  learningRate: number;
  /** The activation of every hidden layer, unless layerActivations names one for a layer. */
  activation: Activation;
  /** Per hidden layer; an empty entry (or a missing one) means `activation`. */
  layerActivations: (Activation | '')[];
  regularization: Regularization;
  regularizationRate: number;
  /** Neurons per hidden layer. */
  networkShape: number[];
  /** Dropout probability after every hidden layer (0 = none). */
  dropout: number;
  optimizer: OptimizerName;
  /** Momentum for 'momentum' (SGD with momentum). */
  momentum: number;
  lrSchedule: Schedule;
  /** Step: multiply by lrGamma every lrStep epochs; exponential: by lrGamma every epoch; cosine: period lrStep. */
  lrGamma: number;
  lrStep: number;
  features: Record<FeatureKey, boolean>;
  /** Extra features as expressions in x1, x2 (e.g. 'x1*x2^2', 'tanh(x1-x2)'). */
  customFeatures: string[];
  showTestData: boolean;
  discretize: boolean;
  /**
   * Where the model and data live and train. The page picks the default when the URL names none
   * (src/lab/device.ts's rule: webgpu on a hardware adapter, else cpu); 'cpu' is the default here.
   * Changing it does not restart training: the trainer moves there (PlaygroundTrainer.moveTo).
   */
  device: PlaygroundDevice;
  /** Classroom mode: names of controls to hide. */
  hide: string[];
}

export function defaultSettings(): Settings {
  return {
    problem: 'classification',
    dataset: 'circle',
    percTrainData: 50,
    noise: 0,
    numSamples: 0,
    batchSize: 10,
    seed: 1,
    learningRate: 0.03,
    activation: 'tanh',
    layerActivations: [],
    regularization: 'none',
    regularizationRate: 0,
    networkShape: [4, 2],
    dropout: 0,
    optimizer: 'sgd',
    momentum: 0.9,
    lrSchedule: 'constant',
    lrGamma: 0.5,
    lrStep: 100,
    features: { x: true, y: true, xSquared: false, ySquared: false, xTimesY: false, sinX: false, sinY: false, cosX: false, cosY: false },
    customFeatures: [],
    showTestData: false,
    discretize: false,
    device: 'cpu',
    hide: [],
  };
}

/** The activation a hidden layer uses. */
export function layerActivation(s: Settings, layer: number): Activation {
  return s.layerActivations[layer] || s.activation;
}

/** Limits shared by the page's controls and the hash parser. */
export const limits = {
  learningRate: [0.00001, 10],
  regularizationRate: [0, 10],
  percTrainData: [10, 90],
  noise: [0, 50],
  batchSize: [1, 1000],
  numSamples: [0, 5000],
  layers: [0, 10],
  neurons: [1, 64],
  dropout: [0, 0.9],
  momentum: [0, 0.999],
  lrGamma: [0.001, 1],
  lrStep: [1, 100000],
} as const;

const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, v));

/** Encode for the hash: expressions may hold '&', '=', ',' and spaces. */
const enc = (s: string): string => encodeURIComponent(s);

/** The settings as a URL hash (without '#'): every setting, in a fixed order. */
export function toHash(s: Settings): string {
  const parts: [string, string][] = [
    ['problem', s.problem],
    ['dataset', s.dataset],
    ['percTrainData', String(s.percTrainData)],
    ['noise', String(s.noise)],
    ['numSamples', String(s.numSamples)],
    ['batchSize', String(s.batchSize)],
    ['seed', String(s.seed)],
    ['learningRate', String(s.learningRate)],
    ['activation', s.activation],
    ['layerActivations', s.layerActivations.join(',')],
    ['regularization', s.regularization],
    ['regularizationRate', String(s.regularizationRate)],
    ['networkShape', s.networkShape.join(',')],
    ['dropout', String(s.dropout)],
    ['optimizer', s.optimizer],
    ['momentum', String(s.momentum)],
    ['lrSchedule', s.lrSchedule],
    ['lrGamma', String(s.lrGamma)],
    ['lrStep', String(s.lrStep)],
    ...featureKeys.map((k): [string, string] => [k, String(s.features[k])]),
    ['custom', s.customFeatures.map(enc).join(',')],
    ['showTestData', String(s.showTestData)],
    ['discretize', String(s.discretize)],
    ['device', s.device],
    ...s.hide.map((name): [string, string] => [`${name}_hide`, 'true']),
  ];
  return parts.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Problems found while reading a hash: each names the key and why its value was ignored. */
export type HashWarnings = string[];

/**
 * Settings from a URL hash (with or without '#'). Missing keys keep their defaults; a value that is
 * out of range is clamped, an unknown choice is ignored with a warning. TF Playground's
 * `regDataset` (reg-plane, reg-gauss) is understood too.
 */
export function fromHash(hash: string, warnings: HashWarnings = []): Settings {
  const s = defaultSettings();
  const map = new Map<string, string>();
  for (const kv of hash.replace(/^#/, '').split('&')) {
    if (!kv) continue;
    const i = kv.indexOf('=');
    map.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1));
  }
  const num = (key: string, range: readonly [number, number], integer = false): number | undefined => {
    const raw = map.get(key);
    if (raw === undefined || raw.trim() === '') return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v)) {
      warnings.push(`${key}: '${raw}' is not a number`);
      return undefined;
    }
    return clamp(integer ? Math.round(v) : v, range);
  };
  const choice = <T extends string>(key: string, options: readonly T[]): T | undefined => {
    const raw = map.get(key);
    if (raw === undefined || raw === '') return undefined;
    if ((options as readonly string[]).includes(raw)) return raw as T;
    warnings.push(`${key}: '${raw}' is not one of ${options.join(', ')}`);
    return undefined;
  };
  const bool = (key: string): boolean | undefined => {
    const raw = map.get(key);
    return raw === undefined || raw === '' ? undefined : raw !== 'false';
  };

  s.problem = choice('problem', problems) ?? s.problem;
  const tfRegression: Record<string, ToyName> = { 'reg-plane': 'plane', 'reg-gauss': 'multi-gauss' };
  const datasets = [...(Object.keys(toySets) as ToyName[]), 'custom' as const];
  if (s.problem === 'regression') s.dataset = tfRegression[map.get('regDataset') ?? ''] ?? 'plane';
  s.dataset = choice<DatasetName>('dataset', datasets) ?? s.dataset;
  if (s.dataset !== 'custom' && toySets[s.dataset].problem !== s.problem) {
    warnings.push(`dataset: '${s.dataset}' is a ${toySets[s.dataset].problem} set; problem '${s.problem}' ignored`);
    s.problem = toySets[s.dataset].problem;
  }
  s.percTrainData = num('percTrainData', limits.percTrainData, true) ?? s.percTrainData;
  s.noise = num('noise', limits.noise, true) ?? s.noise;
  s.numSamples = num('numSamples', limits.numSamples, true) ?? s.numSamples;
  s.batchSize = num('batchSize', limits.batchSize, true) ?? s.batchSize;
  s.seed = num('seed', [0, 2 ** 31 - 1], true) ?? s.seed;
  s.learningRate = num('learningRate', limits.learningRate) ?? s.learningRate;
  s.activation = choice('activation', activations) ?? s.activation;
  s.regularization = choice('regularization', regularizations) ?? s.regularization;
  s.regularizationRate = num('regularizationRate', limits.regularizationRate) ?? s.regularizationRate;
  const shape = map.get('networkShape');
  if (shape !== undefined) {
    const sizes = shape.trim() === '' ? [] : shape.split(',').map(Number);
    if (sizes.every((n) => Number.isFinite(n))) {
      s.networkShape = sizes.slice(0, limits.layers[1]).map((n) => clamp(Math.round(n), limits.neurons));
    } else warnings.push(`networkShape: '${shape}' is not a list of numbers`);
  }
  const la = map.get('layerActivations');
  if (la !== undefined && la !== '') {
    s.layerActivations = la.split(',').map((a) => {
      if (a === '' || (activations as readonly string[]).includes(a)) return a as Activation | '';
      warnings.push(`layerActivations: '${a}' is not one of ${activations.join(', ')}`);
      return '';
    });
  }
  s.dropout = num('dropout', limits.dropout) ?? s.dropout;
  s.optimizer = choice('optimizer', optimizers) ?? s.optimizer;
  s.momentum = num('momentum', limits.momentum) ?? s.momentum;
  s.lrSchedule = choice('lrSchedule', schedules) ?? s.lrSchedule;
  s.lrGamma = num('lrGamma', limits.lrGamma) ?? s.lrGamma;
  s.lrStep = num('lrStep', limits.lrStep, true) ?? s.lrStep;
  for (const k of featureKeys) s.features[k] = bool(k) ?? s.features[k];
  const custom = map.get('custom');
  if (custom) s.customFeatures = custom.split(',').map((e) => decodeURIComponent(e)).filter((e) => e.trim() !== '');
  s.showTestData = bool('showTestData') ?? s.showTestData;
  s.discretize = bool('discretize') ?? s.discretize;
  s.device = choice('device', devices) ?? s.device;
  s.hide = [...map].filter(([k, v]) => k.endsWith('_hide') && v === 'true').map(([k]) => k.slice(0, -'_hide'.length));
  return s;
}

/**
 * Settings that change the model or the data: changing one starts training over (as in TF). The
 * device is not one: the model, its optimizer state and the data move, as model.to(device) does.
 */
export const resettingKeys: readonly (keyof Settings)[] = [
  'problem', 'dataset', 'percTrainData', 'noise', 'numSamples', 'seed', 'activation', 'layerActivations',
  'regularization', 'networkShape', 'dropout', 'optimizer', 'features', 'customFeatures',
];

/** Whether a URL hash names `key` (a setting it leaves out takes its default, which for the device the page decides). */
export function hashNames(hash: string, key: keyof Settings): boolean {
  return hash.replace(/^#/, '').split('&').some((kv) => kv === key || kv.startsWith(`${key}=`));
}

/** A deep copy (settings are plain data). */
export function cloneSettings(s: Settings): Settings {
  return JSON.parse(JSON.stringify(s)) as Settings;
}
