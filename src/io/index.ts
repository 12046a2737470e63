// Browser-safe I/O: safetensors to and from bytes. Files on disk are in ./node.ts.
export {
  serialize, deserialize, SafetensorsError, MAX_HEADER_SIZE,
  type Deserialized, type SafetensorsDtype,
} from './safetensors.js';
// Checkpoints (model + optimizer + scheduler + RNG + loader position) as safetensors bytes.
export {
  serializeCheckpoint, parseCheckpoint, restoreCheckpoint, loadCheckpointBytes, StatefulDataLoader, CheckpointError,
  type CheckpointOptions, type RestoreTargets, type CheckpointContents, type Restored, type Stateful,
} from './checkpoint.js';
// PyTorch's torch.save files (zip + pickle + raw storages), read without running any code.
export { loadPt, loadPtObject, loadPtRaw, allowedGlobals, PtError } from './pt.js';
export { unpickle, PickleError, type UnpickleOptions } from './pickle.js';
