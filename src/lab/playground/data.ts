// The playground's data: a toy set from the settings, or the user's own points (a CSV upload or
// points drawn with the mouse), split into train and test as TF Playground does.

import { Generator } from '../../random/generator.js';
import { shuffle, splitTrainTest, toyData, toySets, type Example2D, type ToyProblem } from '../../datasets/toy.js';
import type { Settings } from './settings.js';

export interface PlaygroundData {
  problem: ToyProblem;
  /** Classes for classification (2 or more), 1 for regression. */
  classes: number;
  train: Example2D[];
  test: Example2D[];
}

/** Most classes a custom data set may have (one colour each in the page). */
export const MAX_CLASSES = 8;

/** The number of classes labelled in `points` (at least 2). */
export function countClasses(points: readonly Example2D[]): number {
  return Math.max(2, ...points.map((p) => p.label + 1));
}

/**
 * The data the settings describe. `custom` points are used when the data set is 'custom'; they are
 * shuffled with the seed and split like a toy set.
 */
export function makeData(s: Settings, custom: readonly Example2D[] = []): PlaygroundData {
  let points: Example2D[];
  let classes: number;
  if (s.dataset === 'custom') {
    points = custom.map((p) => ({ ...p }));
    shuffle(points, new Generator(s.seed));
    classes = s.problem === 'classification' ? countClasses(points) : 1;
  } else {
    const spec = toySets[s.dataset];
    const d = toyData(s.dataset, { noise: s.noise / 100, seed: s.seed, numSamples: s.numSamples || spec.defaultSamples });
    points = d.points;
    classes = d.classes;
  }
  const { train, test } = splitTrainTest(points, s.percTrainData);
  return { problem: s.dataset === 'custom' ? s.problem : toySets[s.dataset].problem, classes, train, test };
}

export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    message: string,
    /** 1-based line number of the offending row in the file. */
    readonly row: number,
  ) {
    super(message);
  }
}

/**
 * Points from CSV text: one `x1,x2,label` row per line (comma, semicolon or tab separated), an
 * optional header line, blank lines ignored. For classification the label is a class index
 * 0, 1, 2, ... (TF's -1 is read as class 0). Throws a CsvError naming the first malformed row.
 */
export function parseCsv(text: string, problem: ToyProblem): Example2D[] {
  const points: Example2D[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((line, i) => {
    const row = i + 1;
    if (line.trim() === '') return;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    const numeric = cells.map((c) => (c === '' ? NaN : Number(c)));
    if (points.length === 0 && row === firstContentRow(lines) && numeric.every((v) => Number.isNaN(v))) return; // header
    if (cells.length !== 3 || numeric.some((v) => !Number.isFinite(v))) {
      throw new CsvError(`row ${row}: expected three numbers x1,x2,label but got '${line.trim()}'`, row);
    }
    const [x, y, raw] = numeric as [number, number, number];
    let label = raw;
    if (problem === 'classification') {
      if (raw === -1) label = 0;
      else if (!Number.isInteger(raw) || raw < 0 || raw >= MAX_CLASSES) {
        throw new CsvError(`row ${row}: label '${cells[2]}' is not a class (an integer 0..${MAX_CLASSES - 1}, or -1 for class 0)`, row);
      }
    }
    points.push({ x, y, label });
  });
  if (points.length < 2) throw new CsvError(`the file holds ${points.length} point(s); at least 2 are needed`, lines.length);
  return points;
}

function firstContentRow(lines: readonly string[]): number {
  return lines.findIndex((l) => l.trim() !== '') + 1;
}
