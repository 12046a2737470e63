// torch.save's objects as safetensors bytes (browser-safe): a state dict (name -> tensor) is a
// plain safetensors file; any other value (a tensor, a list, a dict of tensors and numbers) is
// its tensors under path keys plus its structure as tagged JSON in the metadata entry
// 'dlab.object' (the checkpoint format's encoding), so it loads back to the same shape.

import { Tensor } from '../tensor/tensor.js';
import { decodeValue, encodeValue } from './checkpoint.js';
import { deserialize, serialize } from './safetensors.js';

const OBJECT_KEY = 'dlab.object';

/** A plain object whose values are all tensors: what Module.stateDict() gives. */
function isStateDict(obj: unknown): obj is Record<string, Tensor> {
  if (typeof obj !== 'object' || obj === null || Object.getPrototypeOf(obj) !== Object.prototype) return false;
  return Object.values(obj).every((v) => v instanceof Tensor);
}

export function serializeObject(obj: unknown): Uint8Array {
  if (isStateDict(obj)) return serialize(obj);
  const tensors: Record<string, Tensor> = {};
  const structure = encodeValue(obj, 'obj', tensors);
  return serialize(tensors, { format: 'pt', [OBJECT_KEY]: JSON.stringify(structure) });
}

export function deserializeObject(bytes: Uint8Array): unknown {
  const { tensors, metadata } = deserialize(bytes);
  const structure = metadata?.[OBJECT_KEY];
  return structure === undefined ? tensors : decodeValue(JSON.parse(structure), tensors, OBJECT_KEY);
}
