/// <reference types="node" />
// Node adapter for PyTorch .pt files (the reader itself, browser-safe, is ./pt.ts).

import type { Tensor } from '../tensor/tensor.js';
import { loadPt, loadPtObject } from './pt.js';
import { readParsed as read } from './files.node.js';

/** torch.load of a state dict file: `model.loadStateDict(loadPtFile('model.pt'))`. */
export function loadPtFile(path: string): Record<string, Tensor> {
  return read(path, loadPt);
}

/** torch.load of any file of tensors, dicts, lists and numbers (an optimizer state dict, a training checkpoint). */
export function loadPtObjectFile(path: string): unknown {
  return read(path, loadPtObject);
}
