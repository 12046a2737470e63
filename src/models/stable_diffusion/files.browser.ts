// Browser side of the '#model-files' import: a page has no file system, so a folder path cannot
// be read; pass a ModelFiles (e.g. memoryFiles over fetched bytes) instead.

import type { ModelFiles } from './model_files.js';

export function hostModelFiles(dir: string): ModelFiles {
  throw new Error(`cannot read the folder ${dir}: this environment has no file system; pass a ModelFiles (memoryFiles over the fetched files) instead`);
}
