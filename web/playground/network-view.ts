// The network diagram: feature toggles, hidden layers with +/- neuron buttons and per-layer
// activation, output neurons; every neuron a small canvas heatmap, every weight an SVG link whose
// width and colour follow its value and which opens an editor when clicked (or Enter when focused).

import { activations, builtinFeatures, featureKeys, layerActivation, type Activation, type FeatureKey, type LayerWeights, type Settings } from '../../src/lab/playground/index.js';
import { cssColour } from './heatmap.js';

export interface NetworkCallbacks {
  toggleFeature(key: FeatureKey): void;
  removeCustomFeature(source: string): void;
  changeNeurons(layer: number, delta: number): void;
  setLayerActivation(layer: number, activation: Activation): void;
  /** A neuron is hovered or focused (null: none): the output plot shows it. */
  hover(node: NodeRef | null): void;
  editWeight(layer: number, to: number, from: number, current: number, at: { x: number; y: number }, what: string): void;
  editBias(layer: number, to: number, current: number, at: { x: number; y: number }, what: string): void;
}

/** A neuron: an input feature, a hidden neuron, or an output neuron. */
export type NodeRef = { kind: 'input'; index: number } | { kind: 'hidden'; layer: number; index: number } | { kind: 'output'; index: number };

const BOX = 36;
const ROW = 48;
const TOP = 70;
const FEATURE_X = 64; // the feature boxes sit right of their names
const COLUMN = 112;
const MAX_FOCUSABLE_LINKS = 300;

interface Link {
  layer: number;
  to: number;
  from: number;
  path: SVGPathElement;
  hit: SVGPathElement;
  /** The weight the link's style shows. */
  shown: number;
}

export class NetworkView {
  /** Canvases by node, for drawing heatmaps. */
  inputCanvases: (HTMLCanvasElement | null)[] = [];
  hiddenCanvases: HTMLCanvasElement[][] = [];
  outputCanvases: HTMLCanvasElement[] = [];
  private links: Link[] = [];
  private weights: LayerWeights[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly callbacks: NetworkCallbacks,
  ) {}

  /**
   * Rebuild the diagram. `inputIds` are the active features in the network's input order;
   * `outputs` is the number of output neurons.
   */
  build(s: Settings, inputIds: string[], outputs: number): void {
    const root = this.root;
    root.replaceChildren();
    this.links = [];
    const all: { id: string; label: string; key?: FeatureKey; custom?: string }[] = [
      ...featureKeys.map((k) => ({ id: k as string, label: builtinFeatures[k].label, key: k })),
      ...s.customFeatures.map((c) => ({ id: `custom:${c}`, label: c, custom: c })),
    ];
    const hiddenX = (layer: number): number => FEATURE_X + BOX + 40 + layer * COLUMN;
    const outputX = hiddenX(s.networkShape.length);
    const rows = Math.max(all.length, ...s.networkShape, outputs);
    root.style.height = `${TOP + rows * ROW}px`;
    root.style.width = `${outputX + BOX + 20}px`;

    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('width', String(outputX + BOX + 20));
    svg.setAttribute('height', String(TOP + rows * ROW));
    root.append(svg);

    // Inputs: every feature, switched on or off by clicking its box.
    const inputPos: { x: number; y: number }[] = [];
    this.inputCanvases = [];
    all.forEach((f, row) => {
      const y = TOP + row * ROW;
      const wrap = document.createElement('div');
      wrap.className = 'feature';
      wrap.style.left = '0px';
      wrap.style.top = `${y}px`;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = f.label;
      name.title = f.label;
      const index = inputIds.indexOf(f.id);
      const box = this.neuron(`Feature ${f.label}: ${index >= 0 ? 'on' : 'off'}; press to switch ${index >= 0 ? 'off' : 'on'}`);
      box.style.position = 'relative';
      box.classList.toggle('off', index < 0);
      box.setAttribute('aria-pressed', String(index >= 0));
      box.dataset.feature = f.id;
      box.addEventListener('click', () => (f.key ? this.callbacks.toggleFeature(f.key) : this.callbacks.removeCustomFeature(f.custom!)));
      if (index >= 0) this.hoverable(box, { kind: 'input', index });
      wrap.append(name, box);
      if (f.custom !== undefined) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'remove';
        remove.textContent = '✕';
        remove.setAttribute('aria-label', `Remove feature ${f.label}`);
        remove.addEventListener('click', () => this.callbacks.removeCustomFeature(f.custom!));
        wrap.append(remove);
      }
      root.append(wrap);
      if (index >= 0) {
        this.inputCanvases[index] = box.querySelector('canvas');
        inputPos[index] = { x: FEATURE_X + BOX, y: y + BOX / 2 };
      }
    });

    // Hidden layers: a header with +/- and the activation, then the neurons.
    this.hiddenCanvases = [];
    const layerPos: { x: number; y: number }[][] = [inputPos];
    s.networkShape.forEach((neurons, layer) => {
      const x = hiddenX(layer);
      const head = document.createElement('div');
      head.className = 'layer-head';
      head.style.left = `${x - 24}px`;
      head.style.top = '0px';
      head.dataset.control = 'neurons';
      const buttons = document.createElement('div');
      buttons.className = 'row';
      for (const [text, delta, label] of [['+', 1, 'Add a neuron to'], ['−', -1, 'Remove a neuron from']] as const) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = text;
        b.setAttribute('aria-label', `${label} hidden layer ${layer + 1}`);
        b.addEventListener('click', () => this.callbacks.changeNeurons(layer, delta));
        buttons.append(b);
      }
      const count = document.createElement('span');
      count.textContent = `${neurons} neuron${neurons === 1 ? '' : 's'}`;
      const select = document.createElement('select');
      select.setAttribute('aria-label', `Activation of hidden layer ${layer + 1}`);
      for (const a of activations) select.append(new Option(a, a, false, a === layerActivation(s, layer)));
      select.addEventListener('change', () => this.callbacks.setLayerActivation(layer, select.value as Activation));
      head.append(buttons, count, select);
      root.append(head);
      const canvases: HTMLCanvasElement[] = [];
      const pos: { x: number; y: number }[] = [];
      for (let i = 0; i < neurons; i++) {
        const y = TOP + i * ROW;
        const box = this.neuron(`Neuron ${i + 1} of hidden layer ${layer + 1}; press to edit its bias`);
        box.style.left = `${x}px`;
        box.style.top = `${y}px`;
        this.hoverable(box, { kind: 'hidden', layer, index: i });
        box.addEventListener('click', () => this.editBias(layer, i, box, `bias of neuron ${i + 1}, layer ${layer + 1}`));
        root.append(box);
        canvases.push(box.querySelector('canvas')!);
        pos.push({ x, y: y + BOX / 2 });
      }
      this.hiddenCanvases.push(canvases);
      layerPos.push(pos);
    });

    // Output neurons.
    this.outputCanvases = [];
    const outPos: { x: number; y: number }[] = [];
    for (let i = 0; i < outputs; i++) {
      const y = TOP + i * ROW;
      const box = this.neuron(`Output neuron ${i + 1}; press to edit its bias`);
      box.style.left = `${outputX}px`;
      box.style.top = `${y}px`;
      this.hoverable(box, { kind: 'output', index: i });
      const layer = s.networkShape.length;
      box.addEventListener('click', () => this.editBias(layer, i, box, `bias of output ${i + 1}`));
      root.append(box);
      this.outputCanvases.push(box.querySelector('canvas')!);
      outPos.push({ x: outputX, y: y + BOX / 2 });
    }
    layerPos.push(outPos);

    // Links, layer by layer: from the right edge of a box to the left edge of the next.
    const total = layerPos.slice(1).reduce((n, to, l) => n + to.length * layerPos[l]!.length, 0);
    for (let layer = 0; layer + 1 < layerPos.length; layer++) {
      const from = layerPos[layer]!;
      const to = layerPos[layer + 1]!;
      to.forEach((b, j) => {
        from.forEach((a, i) => {
          if (!a) return;
          const d = `M${a.x},${a.y} C${(a.x + b.x) / 2},${a.y} ${(a.x + b.x) / 2},${b.y} ${b.x},${b.y}`;
          const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
          path.setAttribute('d', d);
          path.setAttribute('class', 'link');
          const hit = document.createElementNS('http://www.w3.org/2000/svg', 'path');
          hit.setAttribute('d', d);
          hit.setAttribute('class', 'link-hit');
          hit.setAttribute('role', 'button');
          hit.setAttribute('tabindex', total <= MAX_FOCUSABLE_LINKS ? '0' : '-1');
          hit.dataset.link = `${layer}:${j}:${i}`;
          const link: Link = { layer, to: j, from: i, path, hit, shown: NaN };
          hit.setAttribute('aria-label', this.describe(link));
          hit.addEventListener('focus', () => this.label(link));
          hit.addEventListener('mouseenter', () => this.label(link));
          const open = (at: { x: number; y: number }): void => {
            const w = this.weights[layer]?.weights[j]?.[i] ?? 0;
            this.callbacks.editWeight(layer, j, i, w, at, this.describe(link));
          };
          hit.addEventListener('click', (e) => open({ x: e.pageX, y: e.pageY }));
          hit.addEventListener('keydown', (e) => {
            if (e.key !== 'Enter' && e.key !== ' ') return;
            e.preventDefault();
            const r = hit.getBoundingClientRect();
            open({ x: r.left + window.scrollX + r.width / 2, y: r.top + window.scrollY + r.height / 2 });
          });
          svg.append(path, hit);
          this.links.push(link);
        });
      });
    }
  }

  private describe(link: Link): string {
    const last = this.weights.length - 1;
    const target = link.layer === last ? `output ${link.to + 1}` : `neuron ${link.to + 1} of layer ${link.layer + 1}`;
    const source = link.layer === 0 ? `input ${link.from + 1}` : `neuron ${link.from + 1} of layer ${link.layer}`;
    return `weight from ${source} to ${target}`;
  }

  private neuron(label: string): HTMLButtonElement {
    const box = document.createElement('button');
    box.type = 'button';
    box.className = 'neuron';
    box.setAttribute('aria-label', label);
    const canvas = document.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    box.append(canvas);
    return box;
  }

  private hoverable(box: HTMLElement, node: NodeRef): void {
    box.addEventListener('mouseenter', () => this.callbacks.hover(node));
    box.addEventListener('mouseleave', () => this.callbacks.hover(null));
    box.addEventListener('focus', () => this.callbacks.hover(node));
    box.addEventListener('blur', () => this.callbacks.hover(null));
  }

  private editBias(layer: number, to: number, box: HTMLElement, what: string): void {
    const r = box.getBoundingClientRect();
    const current = this.weights[layer]?.biases[to] ?? 0;
    this.callbacks.editBias(layer, to, current, { x: r.left + window.scrollX, y: r.bottom + window.scrollY }, what);
  }

  /**
   * Restyle the links from the latest weights: width by |w| (TF: 1..10 over 0..5), colour by w.
   * Only links whose weight moved visibly are touched, so big networks stay cheap to redraw.
   */
  updateWeights(weights: LayerWeights[]): void {
    this.weights = weights;
    for (const link of this.links) {
      const w = weights[link.layer]?.weights[link.to]?.[link.from] ?? 0;
      if (Math.abs(w - link.shown) < 0.002) continue;
      link.shown = w;
      link.path.setAttribute('stroke', cssColour(w));
      link.path.setAttribute('stroke-width', (1 + (Math.min(Math.abs(w), 5) / 5) * 9).toFixed(2));
    }
  }

  /** The accessible name of a link, with its current weight (set when it gets focus or the pointer). */
  private label(link: Link): void {
    const w = this.weights[link.layer]?.weights[link.to]?.[link.from] ?? 0;
    link.hit.setAttribute('aria-label', `${this.describe(link)}: ${w.toFixed(3)}; press Enter to edit`);
  }
}
