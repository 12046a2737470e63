// The things an experiment can keep with a run besides metrics: charts (Vega-Lite specs with
// their data inline), grids of images with captions, tables and paragraphs. Plain data, so the
// Node runner can write them to files and the report can be rebuilt from those files later.

/** A Vega-Lite spec (kept loose: the report renders it with vega-lite + vega). */
export type ChartSpec = Record<string, unknown>;

export interface ChartArtifact {
  kind: 'chart';
  title: string;
  spec: ChartSpec;
  /** A sentence under the chart: what to look at. */
  caption?: string;
}

/** Grayscale images (values 0..1 or 0..255, see `range`), height x width each, with captions. */
export interface ImagesArtifact {
  kind: 'images';
  title: string;
  height: number;
  width: number;
  /** One row-major array of height * width values per image. */
  images: number[][];
  captions: string[];
  /** Marks a caption (e.g. a wrong prediction) in red. */
  wrong?: boolean[];
  range?: [number, number];
}

export interface TableArtifact {
  kind: 'table';
  title: string;
  columns: string[];
  rows: (string | number)[][];
  caption?: string;
}

/** Findings in words: each answer next to the numbers that support it. */
export interface TextArtifact {
  kind: 'text';
  title: string;
  paragraphs: string[];
}

/**
 * A file the run hands to the user (a Kaggle submission): the Node runner also writes `text` to a
 * file of the artifact's name in the run's folder; the report links it and shows its first lines.
 */
export interface FileArtifact {
  kind: 'file';
  title: string;
  text: string;
  caption?: string;
}

export type Artifact = ChartArtifact | ImagesArtifact | TableArtifact | TextArtifact | FileArtifact;

/** Line chart of several named series over a shared x (d2l's Animator as a spec). */
export function lineChart(
  title: string,
  points: { x: number; y: number; series: string }[],
  options: { x: string; y: string; logY?: boolean; logX?: boolean; xDomain?: [number, number]; yDomain?: [number, number]; width?: number; height?: number } = { x: 'x', y: 'y' },
): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: options.width ?? 340,
    height: options.height ?? 220,
    data: { values: points },
    mark: { type: 'line', point: points.length <= 60, clip: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: options.x,
        scale: { ...(options.logX ? { type: 'log' } : { zero: false }), ...(options.xDomain ? { domain: options.xDomain } : {}) },
        // Epochs and steps are whole numbers: no tick at epoch 1.5.
        ...(options.x === 'epoch' || options.x === 'step' ? { axis: { tickMinStep: 1, format: 'd' } } : {}),
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: options.y,
        scale: { ...(options.logY ? { type: 'log' } : { zero: false }), ...(options.yDomain ? { domain: options.yDomain } : {}) },
      },
      color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320 } },
    },
  };
}
