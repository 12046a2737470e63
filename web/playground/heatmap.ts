// Drawing on canvas: heatmaps through ImageData (one pixel per grid point, scaled by the canvas
// element), the output plot with its points, and TF Playground's orange-white-blue colour scale.

import type { Example2D } from '../../src/datasets/toy.js';

/** TF Playground's colours: -1 orange, 0 light grey, +1 blue. */
const NEG = [245, 147, 34];
const MID = [232, 234, 235];
const POS = [8, 119, 189];

/** Class colours for more than two classes (class 0 and 1 keep TF's orange and blue). */
export const CLASS_COLOURS: [number, number, number][] = [
  [245, 147, 34], [8, 119, 189], [76, 175, 80], [156, 39, 176], [229, 57, 53], [0, 150, 136], [121, 85, 72], [96, 125, 139],
];

/** The colour of a value on the [-1, 1] scale (clamped), into out[0..2]. */
export function scaleColour(v: number, out: Uint8ClampedArray | number[], at = 0): void {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const [a, b] = t < 0 ? [MID, NEG] : [MID, POS];
  const f = Math.abs(t);
  out[at] = a[0]! + (b[0]! - a[0]!) * f;
  out[at + 1] = a[1]! + (b[1]! - a[1]!) * f;
  out[at + 2] = a[2]! + (b[2]! - a[2]!) * f;
}

export function cssColour(v: number): string {
  const c = [0, 0, 0];
  scaleColour(v, c);
  return `rgb(${c.map(Math.round).join(',')})`;
}

export function classColour(k: number): string {
  return `rgb(${(CLASS_COLOURS[k % CLASS_COLOURS.length] ?? [0, 0, 0]).join(',')})`;
}

/** Reused ImageData per canvas, so drawing a frame allocates nothing. */
const images = new WeakMap<HTMLCanvasElement, ImageData>();

function imageFor(canvas: HTMLCanvasElement, density: number): { ctx: CanvasRenderingContext2D; image: ImageData } {
  if (canvas.width !== density || canvas.height !== density) {
    canvas.width = density;
    canvas.height = density;
    images.delete(canvas);
  }
  const ctx = canvas.getContext('2d')!;
  let image = images.get(canvas);
  if (!image) {
    image = ctx.createImageData(density, density);
    images.set(canvas, image);
  }
  return { ctx, image };
}

/** A heatmap of values on the [-1, 1] scale; `discretize` shows only the sign. */
export function drawHeatmap(canvas: HTMLCanvasElement, values: Float32Array, density: number, discretize = false): void {
  const { ctx, image } = imageFor(canvas, density);
  const d = image.data;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    scaleColour(discretize ? (v > 0 ? 1 : -1) : v, d, 4 * i);
    d[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** A multiclass map: the winning class's colour, faded to white as confidence falls to chance. */
export function drawClassMap(canvas: HTMLCanvasElement, winner: Float32Array, confidence: Float32Array, classes: number, density: number, discretize = false): void {
  const { ctx, image } = imageFor(canvas, density);
  const d = image.data;
  const chance = 1 / classes;
  for (let i = 0; i < winner.length; i++) {
    const c = CLASS_COLOURS[winner[i]! % CLASS_COLOURS.length]!;
    const a = discretize ? 0.8 : Math.max(0, Math.min(1, (confidence[i]! - chance) / (1 - chance)));
    for (let j = 0; j < 3; j++) d[4 * i + j] = 245 + (c[j]! - 245) * a;
    d[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Map a point of the plane [-domain, domain]^2 to canvas pixels (x2 up). */
export function toPixels(p: { x: number; y: number }, size: number, domain: number): [number, number] {
  return [((p.x + domain) / (2 * domain)) * size, ((domain - p.y) / (2 * domain)) * size];
}

/** The inverse of toPixels. */
export function toPlane(px: number, py: number, size: number, domain: number): { x: number; y: number } {
  return { x: (px / size) * 2 * domain - domain, y: domain - (py / size) * 2 * domain };
}

/**
 * The big output plot: `surface` (a heatmap canvas) scaled up, then the points, train points with
 * a white rim and test points with a black one.
 */
export function drawOutput(
  canvas: HTMLCanvasElement,
  surface: HTMLCanvasElement,
  points: { train: Example2D[]; test: Example2D[]; showTest: boolean },
  colourOf: (p: Example2D) => string,
  domain: number,
): void {
  const ctx = canvas.getContext('2d')!;
  const size = canvas.width;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(surface, 0, 0, size, size);
  const dot = (p: Example2D, rim: string): void => {
    const [x, y] = toPixels(p, size, domain);
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = colourOf(p);
    ctx.fill();
    ctx.strokeStyle = rim;
    ctx.lineWidth = 1;
    ctx.stroke();
  };
  for (const p of points.train) dot(p, '#fff');
  if (points.showTest) for (const p of points.test) dot(p, '#000');
}
