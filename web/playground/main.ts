// The playground page: views and state only. The settings live in the URL hash; every change
// goes to the training worker (dlab's engine) as a reset or a live update, and each frame draws
// the latest snapshot the worker sent: heatmaps, links, losses, the loss chart. Training starts
// once the worker has said which device to use by default (finding a WebGPU adapter is asynchronous).

import { toyData, toySets, type Example2D, type ToyName } from '../../src/datasets/toy.js';
import {
  activations, cloneSettings, CsvError, devices, DOMAIN, ExpressionError, fromHash, generateCode, hashNames, limits, optimizers, parseCsv,
  parseExpression, regularizations, resettingKeys, schedules, toHash, type Activation, type FeatureKey, type Settings,
} from '../../src/lab/playground/index.js';
import { LossChart } from './chart.js';
import { classColour, cssColour, drawClassMap, drawHeatmap, drawOutput, toPlane } from './heatmap.js';
import { NetworkView, type NodeRef } from './network-view.js';
import type { DataMessage, DeviceMessage, FromWorker, SnapshotMessage, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
};

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];
const CUSTOM_KEY = 'dlab-playground-custom';
/** Controls that classroom mode can hide (data-control names). */
const HIDEABLE: Record<string, string> = {
  run: 'Run controls', epoch: 'Epoch counter', learningRate: 'Learning rate', activation: 'Activation', regularization: 'Regularization',
  regularizationRate: 'Regularization rate', problem: 'Problem type', optimizer: 'Optimizer', lrSchedule: 'LR schedule', dropout: 'Dropout', device: 'Device',
  dataset: 'Data sets', percTrainData: 'Train/test ratio', noise: 'Noise', batchSize: 'Batch size', numSamples: 'Number of points',
  regenerate: 'Regenerate', upload: 'CSV upload', draw: 'Drawing points', layers: 'Add/remove layers', neurons: 'Neurons per layer',
  customFeatures: 'Custom features', showTestData: 'Show test data', discretize: 'Discretize', code: 'Show me the code',
};

// ----------------------------------------------------------------------------------- state

/** Problems with the hash the page was opened with (shown once the page is up). */
const hashWarnings: string[] = [];

/** Whether the URL the page was opened with names a device (else the worker's default applies). */
const urlNamesDevice = hashNames(location.hash, 'device');

const state = {
  settings: readHash(location.hash),
  /** The user's own points (CSV or drawn), used when the data set is 'custom'. */
  custom: loadCustom(),
  data: null as DataMessage | null,
  snapshot: null as SnapshotMessage | null,
  playing: false,
  hover: null as NodeRef | null,
  /** What the worker found: the default device and the WebGPU adapter (null: none); null until it has looked. */
  devices: null as Omit<DeviceMessage, 'type'> | null,
  dirty: true,
  /** Time the last redraw took, and the number of redraws (for the curious and for tests). */
  drawMs: 0,
  frames: 0,
};
if (state.settings.dataset === 'custom' && state.custom.length === 0) state.settings.dataset = state.settings.problem === 'regression' ? 'plane' : 'circle';

/** Settings from a hash; custom features that do not parse are dropped with a warning. */
function readHash(hash: string): Settings {
  const s = fromHash(hash, hashWarnings);
  s.customFeatures = s.customFeatures.filter((source) => {
    try {
      parseExpression(source);
      return true;
    } catch (e) {
      hashWarnings.push(`custom feature: ${(e as Error).message}`);
      return false;
    }
  });
  return s;
}

function loadCustom(): Example2D[] {
  try {
    const raw = sessionStorage.getItem(CUSTOM_KEY);
    return raw ? (JSON.parse(raw) as Example2D[]) : [];
  } catch {
    return [];
  }
}

function saveCustom(): void {
  try {
    sessionStorage.setItem(CUSTOM_KEY, JSON.stringify(state.custom));
  } catch {
    // storage may be unavailable (private mode); the points stay in memory
  }
}

// ----------------------------------------------------------------------------------- worker

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (m: ToWorker): void => worker.postMessage(m);
const chart = new LossChart($<HTMLCanvasElement>('loss-chart'));

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'device':
      useDevices(m);
      break;
    case 'data':
      state.data = m;
      state.snapshot = null;
      chart.reset();
      buildNetwork();
      buildDrawLabels();
      break;
    case 'moved':
      if (state.data) state.data.device = m.device;
      break;
    case 'snapshot':
      state.snapshot = m;
      chart.add(m.trainLoss, m.testLoss);
      state.dirty = true;
      break;
    case 'state':
      state.playing = m.playing;
      showPlaying();
      break;
    case 'error':
      $('error').textContent = m.message;
      break;
  }
};
worker.onerror = (e) => {
  $('error').textContent = `worker: ${e.message}`;
};

// ----------------------------------------------------------------------------------- changes

/** Apply a change to the settings: write the hash, update controls, tell the worker. */
function change(mutate: (s: Settings) => void): void {
  const before = cloneSettings(state.settings);
  $('feature-error').textContent = '';
  mutate(state.settings);
  const s = state.settings;
  const resets = resettingKeys.some((k) => JSON.stringify(before[k]) !== JSON.stringify(s[k]));
  writeHash();
  syncControls();
  if (resets) reset();
  else {
    send({ type: 'live', settings: s });
    state.dirty = true;
  }
  if (!$('code-panel').hidden) showCode();
}

function writeHash(): void {
  history.replaceState(null, '', `#${toHash(state.settings)}`);
}

function reset(): void {
  if (!state.devices) return; // the worker's device message starts training
  $('error').textContent = '';
  send({ type: 'reset', settings: state.settings, custom: state.custom });
  if (state.playing) send({ type: 'play' });
}

/**
 * The worker has looked for a GPU: show the adapter, take its default device unless the URL named
 * one, and start training. A URL asking for webgpu where this browser has no adapter gets the CPU.
 */
function useDevices(m: DeviceMessage): void {
  state.devices = { device: m.device, adapter: m.adapter };
  const option = [...$<HTMLSelectElement>('device').options].find((o) => o.value === 'webgpu')!;
  option.disabled = m.adapter === null;
  option.textContent = m.adapter === null ? 'webgpu (no adapter in this browser)' : 'webgpu';
  $('device-adapter').textContent = m.adapter === null ? 'no WebGPU adapter' : `GPU: ${m.adapter}`;
  if (m.adapter !== null && m.device === 'cpu') $('device-adapter').title = 'a software adapter runs the GPU kernels on the CPU, slower than the CPU backend: it is not the default';
  if (!urlNamesDevice) state.settings.device = m.device;
  else if (state.settings.device === 'webgpu' && m.adapter === null) {
    state.settings.device = 'cpu';
    hashWarnings.push("device: this browser gives no WebGPU adapter (navigator.gpu); training on the cpu");
  }
  writeHash();
  syncControls();
  reset();
  $('error').textContent = hashWarnings.join('\n');
}

// ----------------------------------------------------------------------------------- controls

function fillSelect(id: string, values: readonly (string | number)[], label: (v: string | number) => string = String): void {
  const select = $<HTMLSelectElement>(id);
  select.replaceChildren(...values.map((v) => new Option(label(v), String(v))));
}

function bindSelect<K extends keyof Settings>(key: K, parse: (v: string) => Settings[K]): void {
  $<HTMLSelectElement>(key).addEventListener('change', (e) => {
    const value = parse((e.target as HTMLSelectElement).value);
    change((s) => {
      s[key] = value;
    });
  });
}

function bindNumber(key: 'percTrainData' | 'noise' | 'batchSize' | 'numSamples' | 'seed' | 'momentum' | 'lrGamma' | 'lrStep', range?: readonly [number, number]): void {
  const input = $<HTMLInputElement>(key);
  const handler = (): void => {
    let v = Number(input.value);
    if (!Number.isFinite(v)) return;
    if (range) v = Math.min(range[1], Math.max(range[0], v));
    change((s) => {
      s[key] = v;
    });
  };
  // Sliders update the label while dragging and apply on release; number boxes apply on change.
  input.addEventListener('change', handler);
  if (input.type === 'range') input.addEventListener('input', () => (($(`${key}-value`) as HTMLOutputElement).value = input.value));
}

function setupControls(): void {
  fillSelect('learningRate', LEARNING_RATES);
  fillSelect('activation', activations);
  fillSelect('regularization', regularizations);
  fillSelect('regularizationRate', REGULARIZATION_RATES);
  fillSelect('problem', ['classification', 'regression']);
  fillSelect('optimizer', optimizers, (v) => ({ sgd: 'SGD', momentum: 'SGD + momentum', adam: 'Adam' })[v as string] ?? String(v));
  fillSelect('lrSchedule', schedules);
  fillSelect('dropout', DROPOUTS);
  fillSelect('device', devices);
  bindSelect('learningRate', Number);
  bindSelect('regularization', (v) => v as Settings['regularization']);
  bindSelect('regularizationRate', Number);
  bindSelect('optimizer', (v) => v as Settings['optimizer']);
  bindSelect('lrSchedule', (v) => v as Settings['lrSchedule']);
  bindSelect('dropout', Number);
  bindSelect('device', (v) => v as Settings['device']);
  $<HTMLSelectElement>('activation').addEventListener('change', (e) =>
    change((s) => {
      s.activation = (e.target as HTMLSelectElement).value as Activation;
      s.layerActivations = []; // the global choice applies to every layer again
    }),
  );
  $<HTMLSelectElement>('problem').addEventListener('change', (e) =>
    change((s) => {
      s.problem = (e.target as HTMLSelectElement).value as Settings['problem'];
      if (s.dataset !== 'custom' || state.custom.length === 0) s.dataset = s.problem === 'regression' ? 'plane' : 'circle';
    }),
  );
  bindNumber('percTrainData', limits.percTrainData);
  bindNumber('noise', limits.noise);
  bindNumber('batchSize', limits.batchSize);
  bindNumber('numSamples', limits.numSamples);
  bindNumber('seed', [0, 2 ** 31 - 1]);
  bindNumber('momentum', limits.momentum);
  bindNumber('lrGamma', limits.lrGamma);
  bindNumber('lrStep', limits.lrStep);
  for (const key of ['showTestData', 'discretize'] as const) {
    $<HTMLInputElement>(key).addEventListener('change', (e) =>
      change((s) => {
        s[key] = (e.target as HTMLInputElement).checked;
      }),
    );
  }

  $('play').addEventListener('click', () => send({ type: state.playing ? 'pause' : 'play' }));
  $('step').addEventListener('click', () => send({ type: 'step' }));
  $('reset').addEventListener('click', () => {
    state.playing = false;
    showPlaying();
    send({ type: 'pause' });
    reset();
  });
  $('regenerate').addEventListener('click', () => change((s) => void (s.seed = Math.floor(Math.random() * 100000))));
  $('add-layer').addEventListener('click', () =>
    change((s) => {
      if (s.networkShape.length < limits.layers[1]) s.networkShape = [...s.networkShape, 2];
    }),
  );
  $('remove-layer').addEventListener('click', () =>
    change((s) => {
      s.networkShape = s.networkShape.slice(0, -1);
      s.layerActivations = s.layerActivations.slice(0, s.networkShape.length);
    }),
  );
  const addFeature = (): void => {
    const input = $<HTMLInputElement>('custom-feature');
    const source = input.value.trim();
    if (!source) return;
    try {
      parseExpression(source);
    } catch (e) {
      $('feature-error').textContent = (e as ExpressionError).message;
      return;
    }
    $('feature-error').textContent = '';
    input.value = '';
    change((s) => {
      if (!s.customFeatures.includes(source)) s.customFeatures = [...s.customFeatures, source];
    });
  };
  $('add-feature').addEventListener('click', addFeature);
  $('custom-feature').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') addFeature();
  });

  $<HTMLInputElement>('csv').addEventListener('change', async (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    const text = await file.text();
    try {
      const points = parseCsv(text, state.settings.problem);
      state.custom = points;
      saveCustom();
      $('csv-error').textContent = '';
      $('csv-status').textContent = `Loaded ${points.length} points from ${file.name}.`;
      if (state.settings.dataset === 'custom') reset();
      change((s) => void (s.dataset = 'custom'));
    } catch (err) {
      // Keep the previous data: nothing changes but the message.
      $('csv-status').textContent = '';
      $('csv-error').textContent = `${file.name}: ${(err as CsvError).message}. The previous data is kept.`;
    }
    input.value = '';
  });

  $<HTMLInputElement>('draw').addEventListener('change', (e) => {
    $('output-canvas').classList.toggle('drawing', (e.target as HTMLInputElement).checked);
  });
  $('draw-clear').addEventListener('click', () => {
    state.custom = [];
    saveCustom();
    change((s) => void (s.dataset = s.problem === 'regression' ? 'plane' : 'circle'));
  });
  $<HTMLCanvasElement>('output-canvas').addEventListener('click', (e) => {
    if (!$<HTMLInputElement>('draw').checked) return;
    const canvas = e.currentTarget as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    const p = toPlane(e.clientX - r.left, e.clientY - r.top, r.width, DOMAIN);
    const label = Number($<HTMLSelectElement>('draw-label').value);
    if (state.settings.dataset !== 'custom' && state.data) state.custom = [...state.data.train, ...state.data.test].map((q) => ({ ...q }));
    state.custom = [...state.custom, { x: p.x, y: p.y, label }];
    saveCustom();
    if (state.settings.dataset === 'custom') reset();
    else change((s) => void (s.dataset = 'custom'));
  });

  $('show-code').addEventListener('click', () => {
    const panel = $('code-panel');
    panel.hidden = !panel.hidden;
    $('show-code').setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) {
      $<HTMLInputElement>('code-epochs').value = String(Math.max(state.snapshot?.epoch ?? 0, 100));
      showCode();
      panel.scrollIntoView({ behavior: 'smooth' });
    }
  });
  $('code-epochs').addEventListener('change', showCode);
  $('copy-code').addEventListener('click', () => void navigator.clipboard?.writeText($('code').textContent ?? ''));

  // Classroom mode: one checkbox per hideable control.
  const list = $('classroom-list');
  for (const [name, label] of Object.entries(HIDEABLE)) {
    const wrap = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.dataset.hide = name;
    box.addEventListener('change', () =>
      change((s) => {
        s.hide = box.checked ? [...new Set([...s.hide, name])] : s.hide.filter((h) => h !== name);
      }),
    );
    wrap.append(box, ` ${label}`);
    list.append(wrap);
  }

  // The URL typed or pasted by hand: take its settings.
  window.addEventListener('hashchange', () => {
    if (location.hash.slice(1) === toHash(state.settings)) return;
    hashWarnings.length = 0;
    const next = readHash(location.hash);
    // A URL without a device keeps the one in use.
    if (!hashNames(location.hash, 'device')) next.device = state.settings.device;
    change((s) => Object.assign(s, next));
    $('error').textContent = hashWarnings.join('\n');
  });

  // Keyboard: space plays/pauses when no control has focus.
  document.addEventListener('keydown', (e) => {
    if (e.key === ' ' && (e.target === document.body || e.target === document.documentElement)) {
      e.preventDefault();
      $('play').click();
    }
  });

  setupWeightEditor();
  buildDatasetButtons();
}

function showCode(): void {
  const epochs = Math.max(1, Math.round(Number($<HTMLInputElement>('code-epochs').value) || 100));
  const code = generateCode(state.settings, { epochs, custom: state.custom });
  $('code').textContent = code;
  const link = $<HTMLAnchorElement>('download-code');
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([code], { type: 'text/plain' }));
}

/** Make every control show the settings (after loading a hash or any change). */
function syncControls(): void {
  const s = state.settings;
  const setValue = (id: string, v: string | number): void => {
    const el = $<HTMLInputElement | HTMLSelectElement>(id);
    // A value that is not among a select's options (e.g. lr 0.05 from a link) gets its own option.
    if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === String(v))) el.append(new Option(String(v), String(v)));
    el.value = String(v);
  };
  setValue('learningRate', s.learningRate);
  setValue('activation', s.activation);
  setValue('regularization', s.regularization);
  setValue('regularizationRate', s.regularizationRate);
  setValue('problem', s.problem);
  setValue('optimizer', s.optimizer);
  setValue('lrSchedule', s.lrSchedule);
  setValue('dropout', s.dropout);
  setValue('device', s.device);
  for (const key of ['percTrainData', 'noise', 'batchSize', 'numSamples', 'seed', 'momentum', 'lrGamma', 'lrStep'] as const) {
    setValue(key, s[key]);
    const out = document.getElementById(`${key}-value`) as HTMLOutputElement | null;
    if (out) out.value = String(s[key]);
  }
  $<HTMLInputElement>('momentum').disabled = s.optimizer !== 'momentum';
  $<HTMLInputElement>('lrGamma').disabled = s.lrSchedule === 'constant' || s.lrSchedule === 'cosine';
  $<HTMLInputElement>('lrStep').disabled = s.lrSchedule === 'constant' || s.lrSchedule === 'exponential';
  $<HTMLInputElement>('showTestData').checked = s.showTestData;
  $<HTMLInputElement>('discretize').checked = s.discretize;
  $('layer-count').textContent = `${s.networkShape.length} hidden layer${s.networkShape.length === 1 ? '' : 's'}`;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#datasets button')) {
    const on = b.dataset.dataset === s.dataset;
    b.setAttribute('aria-checked', String(on));
    b.tabIndex = on ? 0 : -1;
    b.hidden = b.dataset.dataset === 'custom' ? state.custom.length === 0 : toySets[b.dataset.dataset as ToyName].problem !== s.problem;
  }
  // Classroom mode.
  for (const el of document.querySelectorAll<HTMLElement>('[data-control]')) el.hidden = s.hide.includes(el.dataset.control!);
  for (const box of document.querySelectorAll<HTMLInputElement>('#classroom-list input')) box.checked = s.hide.includes(box.dataset.hide!);
}

function showPlaying(): void {
  const play = $('play');
  play.setAttribute('aria-pressed', String(state.playing));
  play.setAttribute('aria-label', state.playing ? 'Pause' : 'Play');
  play.textContent = state.playing ? '❚❚' : '▶';
}

// ----------------------------------------------------------------------------------- data sets

function buildDatasetButtons(): void {
  const root = $('datasets');
  const names = [...(Object.keys(toySets) as ToyName[]), 'custom' as const];
  for (const name of names) {
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('role', 'radio');
    b.dataset.dataset = name;
    const canvas = document.createElement('canvas');
    canvas.width = 48;
    canvas.height = 48;
    b.append(canvas, name === 'custom' ? 'your data' : name);
    b.setAttribute('aria-label', name === 'custom' ? 'your own data' : `${name}: ${toySets[name].summary}`);
    b.addEventListener('click', () => change((s) => void (s.dataset = name)));
    b.addEventListener('keydown', (e) => {
      // Arrow keys move between the visible radio buttons.
      if (!['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp'].includes(e.key)) return;
      e.preventDefault();
      const visible = [...root.querySelectorAll<HTMLButtonElement>('button:not([hidden])')];
      const i = visible.indexOf(b) + (e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : -1);
      const next = visible[(i + visible.length) % visible.length]!;
      next.focus();
      next.click();
    });
    if (name !== 'custom') drawThumbnail(canvas, name);
    root.append(b);
  }
}

function drawThumbnail(canvas: HTMLCanvasElement, name: ToyName): void {
  const ctx = canvas.getContext('2d')!;
  const { points, problem } = toyData(name, { numSamples: 200, seed: 0 });
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 48, 48);
  for (const p of points) {
    ctx.fillStyle = pointColour(p, problem === 'regression' ? 1 : toySets[name].classes);
    ctx.fillRect(((p.x + DOMAIN) / (2 * DOMAIN)) * 48 - 1, ((DOMAIN - p.y) / (2 * DOMAIN)) * 48 - 1, 2, 2);
  }
}

/** A point's colour: TF's scale for two classes (0 orange, 1 blue) and regression; a palette beyond. */
function pointColour(p: Example2D, classes: number): string {
  if (classes === 1) return cssColour(p.label);
  if (classes === 2) return cssColour(p.label > 0 ? 1 : -1);
  return classColour(p.label);
}

function buildDrawLabels(): void {
  const select = $<HTMLSelectElement>('draw-label');
  const previous = select.value;
  const d = state.data;
  const options =
    d?.problem === 'regression'
      ? [-1, -0.5, 0, 0.5, 1].map((v) => new Option(String(v), String(v)))
      : Array.from({ length: Math.min(8, (d?.classes ?? 2) + 1) }, (_, k) => new Option(k === 0 ? 'class 0 (orange)' : k === 1 ? 'class 1 (blue)' : `class ${k}`, String(k)));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

// ----------------------------------------------------------------------------------- network

const network = new NetworkView($('network'), {
  toggleFeature: (key: FeatureKey) => {
    const s = state.settings;
    const on = Object.values(s.features).filter(Boolean).length + s.customFeatures.length;
    if (s.features[key] && on === 1) {
      $('feature-error').textContent = 'The network needs at least one input feature.';
      return;
    }
    $('feature-error').textContent = '';
    change((t) => void (t.features = { ...t.features, [key]: !t.features[key] }));
  },
  removeCustomFeature: (source) => {
    const s = state.settings;
    if (Object.values(s.features).filter(Boolean).length + s.customFeatures.length === 1) {
      $('feature-error').textContent = 'The network needs at least one input feature.';
      return;
    }
    change((t) => void (t.customFeatures = t.customFeatures.filter((c) => c !== source)));
  },
  changeNeurons: (layer, delta) =>
    change((s) => {
      const shape = [...s.networkShape];
      shape[layer] = Math.min(limits.neurons[1], Math.max(limits.neurons[0], shape[layer]! + delta));
      s.networkShape = shape;
    }),
  setLayerActivation: (layer, activation) =>
    change((s) => {
      const la = s.networkShape.map((_, i) => s.layerActivations[i] ?? '');
      la[layer] = activation === s.activation ? '' : activation;
      s.layerActivations = la.some((a) => a !== '') ? la : [];
    }),
  hover: (node) => {
    state.hover = node;
    $('hover-note').textContent = node ? `Showing ${describeNode(node)} (move away to see the output).` : '';
    state.dirty = true;
  },
  editWeight: (layer, to, from, current, at, what) =>
    openEditor(at, what, current, (value) => send({ type: 'setWeight', layer, to, from, value })),
  editBias: (layer, to, current, at, what) => openEditor(at, what, current, (value) => send({ type: 'setBias', layer, to, value })),
});

function describeNode(node: NodeRef): string {
  if (node.kind === 'input') return `input ${state.data?.features[node.index]?.label ?? node.index + 1}`;
  if (node.kind === 'hidden') return `neuron ${node.index + 1} of hidden layer ${node.layer + 1}`;
  return `output neuron ${node.index + 1}`;
}

function buildNetwork(): void {
  const d = state.data!;
  const outputs = d.problem === 'classification' && d.classes > 2 ? d.classes : 1;
  network.build(state.settings, d.features.map((f) => f.id), outputs);
  syncControls();
  state.dirty = true;
}

// ----------------------------------------------------------------------------------- weight editor

let editorCommit: ((v: number) => void) | null = null;

function setupWeightEditor(): void {
  const box = $('weight-editor');
  const input = $<HTMLInputElement>('weight-input');
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      const v = Number(input.value);
      if (Number.isFinite(v)) editorCommit?.(v);
      closeEditor();
    } else if (e.key === 'Escape') closeEditor();
  });
  input.addEventListener('blur', () => closeEditor());
  box.hidden = true;
}

function openEditor(at: { x: number; y: number }, what: string, current: number, commit: (v: number) => void): void {
  const box = $('weight-editor');
  $('weight-editor-label').textContent = `${what[0]!.toUpperCase()}${what.slice(1)}`;
  const input = $<HTMLInputElement>('weight-input');
  input.value = current.toFixed(3);
  box.style.left = `${at.x + 8}px`;
  box.style.top = `${at.y + 8}px`;
  box.hidden = false;
  editorCommit = commit;
  input.focus();
  input.select();
}

function closeEditor(): void {
  $('weight-editor').hidden = true;
  editorCommit = null;
}

// ----------------------------------------------------------------------------------- drawing

const surface = document.createElement('canvas');

function frame(): void {
  requestAnimationFrame(frame);
  if (!state.dirty || !state.snapshot || !state.data) return;
  state.dirty = false;
  const start = performance.now();
  const snap = state.snapshot;
  const d = state.data;
  const s = state.settings;
  const h = snap.heatmaps;
  const n = h.density;
  // Every neuron's heatmap.
  h.inputs.forEach((values, i) => {
    const c = network.inputCanvases[i];
    if (c) drawHeatmap(c, values, n);
  });
  h.hidden.forEach((layer, l) => layer.forEach((values, i) => network.hiddenCanvases[l]?.[i] && drawHeatmap(network.hiddenCanvases[l]![i]!, values, n)));
  h.outputs.forEach((values, i) => network.outputCanvases[i] && drawHeatmap(network.outputCanvases[i]!, values, n, s.discretize));
  network.updateWeights(snap.weights);
  // The big plot: the hovered neuron, or the output.
  const hover = state.hover;
  const hovered =
    hover?.kind === 'input' ? h.inputs[hover.index] : hover?.kind === 'hidden' ? h.hidden[hover.layer]?.[hover.index] : hover?.kind === 'output' ? h.outputs[hover.index] : undefined;
  if (hovered) drawHeatmap(surface, hovered, n);
  else if (d.problem === 'classification' && d.classes > 2) drawClassMap(surface, h.output, h.confidence, d.classes, n, s.discretize);
  else drawHeatmap(surface, h.output, n, s.discretize);
  drawOutput($<HTMLCanvasElement>('output-canvas'), surface, { train: d.train, test: d.test, showTest: s.showTestData }, (p) => pointColour(p, d.problem === 'regression' ? 1 : d.classes), DOMAIN);
  // Numbers and the chart.
  const epoch = String(snap.epoch).padStart(6, '0');
  $('epoch').textContent = `${epoch.slice(0, -3)},${epoch.slice(-3)}`;
  $('train-loss').textContent = snap.trainLoss.toFixed(3);
  $('test-loss').textContent = Number.isFinite(snap.testLoss) ? snap.testLoss.toFixed(3) : '–';
  $('lr-now').textContent = s.lrSchedule === 'constant' ? '' : `now ${snap.lr.toPrecision(3)}`;
  chart.draw();
  state.drawMs = performance.now() - start;
  state.frames++;
}

// ----------------------------------------------------------------------------------- start

setupControls();
writeHash();
syncControls();
reset();
$('error').textContent = hashWarnings.join('\n');
requestAnimationFrame(frame);
/** For tests and the curious: the page's state, read-only by convention. */
(globalThis as unknown as { playground: unknown }).playground = {
  get settings() {
    return cloneSettings(state.settings);
  },
  get epoch() {
    return state.snapshot?.epoch ?? 0;
  },
  get losses() {
    return state.snapshot ? { train: state.snapshot.trainLoss, test: state.snapshot.testLoss } : null;
  },
  /** The train losses on the loss chart, one per snapshot since training (re)started. */
  get curve() {
    return chart.trainLosses;
  },
  get playing() {
    return state.playing;
  },
  get weights() {
    return state.snapshot?.weights ?? null;
  },
  get drawMs() {
    return state.drawMs;
  },
  get frames() {
    return state.frames;
  },
  /** The WebGPU adapter the worker found ('' before it has looked, null for none). */
  get adapter() {
    return state.devices ? state.devices.adapter : '';
  },
  /** Where the worker trains the current model ('cpu', 'webgpu:0'; '' before its data arrives). */
  get trainingDevice() {
    return state.data?.device ?? '';
  },
  get points() {
    return state.data ? state.data.train.length + state.data.test.length : 0;
  },
};
