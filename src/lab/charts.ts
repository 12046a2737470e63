// Vega-Lite specs to SVG, without a browser or the network: vega-lite compiles the spec, vega
// renders it headless (renderer 'none' + toSVG). Loaded lazily: `dlab list` need not pay for it.

import type { ChartSpec } from './artifact.js';

let counter = 0;

/** The chart as an SVG string that can sit inline in a page beside other charts. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  // Vega numbers its clip paths from 1 in every SVG; inline SVGs share one id space, so prefix.
  const prefix = `c${++counter}-`;
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#/g, `url(#${prefix}`);
}
