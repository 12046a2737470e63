// The FileSource a dataset reads through when none is passed: the one setDefaultFileSource
// installed, else this host's, from the '#dataset-files' import (package.json "imports"):
// files.node.ts in Node, none in a browser (files.browser.ts), where a dataset takes { source }
// or its bytes. Nothing has to be imported first for a dataset to find its files.

import { hostFileSource } from '#dataset-files';
import type { FileSource } from './source.js';

let installed: FileSource | undefined;

/** Make `source` the default for datasets given none (undefined: back to this host's). */
export function setDefaultFileSource(source: FileSource | undefined): void {
  installed = source;
}

/** The default source; `dataset` names the data set in the error where there is none. */
export function getDefaultFileSource(dataset = 'dataset'): FileSource {
  const source = installed ?? hostFileSource;
  if (!source) {
    throw new Error(
      `${dataset}: no file source to read its files from (this environment has no file system): ` +
        'pass { source } or the file bytes ({ files }) to the dataset, or install a source with setDefaultFileSource.',
    );
  }
  return source;
}
